"""Catalog API (SPEC C2): the published catalog for everyone, edition editing for catalog staff.

Reads go through :mod:`lijiao.catalog.selectors` (the public never sees a draft: a draft's id answers 404,
exactly like an unknown id). Writes go through :mod:`lijiao.catalog.services`, which check permissions
(403), states (409) and values (400 with field errors). Money is a string with two decimals (``"1500.00"``)
both ways; amounts sent as JSON numbers with a fraction are refused rather than rounded through a float.
"""

import datetime as dt
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import BeforeValidator, WithJsonSchema

from lijiao.accounts.api_auth import current_user, optional_auth, required_auth
from lijiao.catalog import selectors, services
from lijiao.catalog.diff import EditionDiff, FieldChange, diff_editions
from lijiao.catalog.filters import FLAG_CHOICES, CatalogItemFilterSet
from lijiao.catalog.models import (
    SHORTAGE_UPLIFT,
    CatalogItem,
    Category,
    Edition,
    EditionStatus,
    Level,
    Occupation,
    ShortageTier,
    SpecialItem,
)
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.money import InvalidAmount, to_yuan
from lijiao.core.permissions import require_perm

router = Router(auth=optional_auth)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
MAX_IMPORT_BYTES = 20 * 1024 * 1024


# ---------------------------------------------------------------------------------------------------------------
# Money and flags
# ---------------------------------------------------------------------------------------------------------------


def _money_in(value: Any) -> Decimal:
    try:
        return to_yuan(value)
    except InvalidAmount as exc:
        raise ValueError(str(exc)) from None


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_money_in),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}, {"type": "integer"}],
            "description": '金额（元），字符串，最多两位小数，如 "1500.00"；不接受带小数的 JSON 数字',
            "examples": ["1500.00"],
        }
    ),
]
MoneyOut = Annotated[str, Field(pattern=r"^-?\d+\.\d{2}$", examples=["1500.00"])]


def money(value: Decimal | None) -> str | None:
    """``Decimal("1500")`` → ``"1500.00"`` (None stays None)."""
    return None if value is None else f"{value:.2f}"


class ItemFlag(StrEnum):
    """Flags of a catalog item (the same names as the ``flag`` filter)."""

    DIGITAL = "digital"
    ELDER_CHILD_CARE = "elder_child_care"
    GRADUATE_CONVERSION = "graduate_conversion"
    NEW_BUSINESS_FORM = "new_business_form"


FLAG_FIELDS: dict[ItemFlag, str] = {
    ItemFlag.DIGITAL: "is_digital",
    ItemFlag.ELDER_CHILD_CARE: "is_elder_child_care",
    ItemFlag.GRADUATE_CONVERSION: "allows_graduate_conversion",
    ItemFlag.NEW_BUSINESS_FORM: "is_new_business_form",
}


def _choices_text(choices: Any) -> str:
    return "；".join(f"{value}={label}" for value, label in choices if value)


# ---------------------------------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------------------------------


class FieldErrorOut(Schema):
    field: str = Field(..., description="出错的字段（__all__ 表示整体）")
    message: str = Field(..., description="错误说明（中文，附英文）")


class ErrorOut(Schema):
    code: str = Field(..., description="机器可读的错误代码，如 not_found、permission_denied、invalid_item")
    message: str = Field(..., description="给人看的错误说明")
    errors: list[FieldErrorOut] = Field(default_factory=list, description="逐字段的错误")


class EditionOut(Schema):
    id: int
    name: str = Field(..., description="版本名称，如“2025年版”")
    year: int = Field(..., description="年度")
    status: str = Field(..., description="状态：draft 草稿 / published 已发布 / superseded 已替代")
    status_label: str = Field(..., description="状态（中文）")
    effective_from: dt.date | None = Field(None, description="生效日期（含）")
    effective_to: dt.date | None = Field(None, description="失效日期（不含）；现行版本为空")
    document_number: str = Field(..., description="发布文号")
    notes: str = Field(..., description="说明")
    based_on_id: int | None = Field(None, description="复制自哪个版本")
    item_count: int = Field(..., description="目录项目数")
    published_at: dt.datetime | None = Field(None, description="发布时间")
    updated_at: dt.datetime = Field(..., description="最后修改时间")

    @staticmethod
    def resolve_status_label(obj: Edition) -> str:
        return str(EditionStatus(obj.status).label)

    @staticmethod
    def resolve_item_count(obj: Edition) -> int:
        count = getattr(obj, "item_count", None)
        return count if count is not None else obj.items.count()


class EditionRef(Schema):
    id: int
    name: str
    year: int
    status: str


class CategoryRef(Schema):
    id: int
    code: str = Field(..., description="行业类别代码")
    name: str = Field(..., description="行业类别名称")


class ItemOut(Schema):
    id: int
    edition_id: int = Field(..., description="所属目录版本")
    kind: str = Field(..., description=f"类型：{_choices_text(CatalogItem.Kind.choices)}")
    kind_label: str
    subject_code: str = Field(..., description="职业编码（如 6-31-01-03）或专项/创业项目编码")
    subject_name: str = Field(..., description="职业（工种）或项目名称")
    level: int | None = Field(None, description="等级 1–5（一级最高）；专项和创业项目为空")
    level_label: str | None = Field(None, description="等级名称，如“四级/中级工”")
    category: CategoryRef
    subsidy_standard: MoneyOut = Field(..., description="培训补贴标准（元）")
    assessment_subsidy: MoneyOut | None = Field(None, description="评价补贴标准（元）")
    min_lesson_hours: int = Field(..., description="最低课时（每课时45分钟）")
    shortage_tier: str = Field(
        ..., description=f"紧缺程度（空=非紧缺）：{_choices_text(ShortageTier.choices)}"
    )
    shortage_tier_label: str
    uplift: str = Field(..., description='紧缺上浮比例，如 "0.30" 表示 +30%', examples=["0.30"])
    flags: list[ItemFlag] = Field(..., description="标识")
    note: str

    @staticmethod
    def resolve_kind_label(obj: CatalogItem) -> str:
        return str(CatalogItem.Kind(obj.kind).label)

    @staticmethod
    def resolve_level_label(obj: CatalogItem) -> str | None:
        return str(Level(obj.level).label) if obj.level else None

    @staticmethod
    def resolve_subsidy_standard(obj: CatalogItem) -> str | None:
        return money(obj.subsidy_standard)

    @staticmethod
    def resolve_assessment_subsidy(obj: CatalogItem) -> str | None:
        return money(obj.assessment_subsidy)

    @staticmethod
    def resolve_shortage_tier_label(obj: CatalogItem) -> str:
        return str(ShortageTier(obj.shortage_tier).label)

    @staticmethod
    def resolve_uplift(obj: CatalogItem) -> str:
        return f"{SHORTAGE_UPLIFT[obj.shortage_tier]:.2f}"

    @staticmethod
    def resolve_flags(obj: CatalogItem) -> list[ItemFlag]:
        return [flag for flag, field in FLAG_FIELDS.items() if getattr(obj, field)]


class ItemFilters(Schema):
    """Query parameters of the item list; validated by the same FilterSet as the public screen."""

    q: str | None = Field(None, description="名称（包含）或编码（职业编码按前缀，如 6-31）")
    category: int | None = Field(None, description="行业类别 id（见 /catalog/categories）")
    level: int | None = Field(None, description="等级 1–5")
    kind: str | None = Field(None, description=f"类型：{_choices_text(CatalogItem.Kind.choices)}")
    shortage_tier: str | None = Field(None, description=f"紧缺程度：{_choices_text(ShortageTier.choices)}")
    flag: list[str] = Field(
        default_factory=list, description=f"标识，可重复，须全部满足：{_choices_text(FLAG_CHOICES)}"
    )


class FieldChangeOut(Schema):
    field: str = Field(..., description="变化的字段，如 subsidy_standard、shortage_tier")
    label: str = Field(..., description="字段名称（中文）")
    old: str | int | bool | None = Field(None, description="原值（金额为两位小数的字符串）")
    new: str | int | bool | None = Field(None, description="新值（金额为两位小数的字符串）")
    old_display: str
    new_display: str
    delta: MoneyOut | None = Field(None, description="金额变化（新减旧），非金额字段为空")


class ItemChangeOut(Schema):
    kind: str
    subject_code: str
    subject_name: str
    level: int | None
    old: ItemOut = Field(..., description="原版本中的项目")
    new: ItemOut = Field(..., description="新版本中的项目")
    changes: list[FieldChangeOut]


class DiffCountsOut(Schema):
    added: int = Field(..., description="新增项目数")
    removed: int = Field(..., description="删除项目数")
    changed: int = Field(..., description="变化项目数")
    unchanged: int = Field(..., description="未变项目数")


class DiffOut(Schema):
    old: EditionRef = Field(..., description="对比的原版本")
    new: EditionRef = Field(..., description="对比的新版本")
    counts: DiffCountsOut
    added: list[ItemOut]
    removed: list[ItemOut]
    changed: list[ItemChangeOut]


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    sort_order: int
    active: bool


class OccupationOut(Schema):
    code: str = Field(..., description="职业分类大典（2022）编码")
    name: str
    major_group: int = Field(..., description="大类 1–8")
    is_digital: bool = Field(..., description="数字职业（S）")
    is_green: bool = Field(..., description="绿色职业（L）")
    active: bool


class SpecialItemOut(Schema):
    code: str
    name: str
    kind: str = Field(..., description=f"类型：{_choices_text(SpecialItem.Kind.choices)}")
    kind_label: str
    active: bool

    @staticmethod
    def resolve_kind_label(obj: SpecialItem) -> str:
        return str(SpecialItem.Kind(obj.kind).label)


class EditionIn(Schema):
    name: str = Field(..., max_length=100, description="版本名称，如“2026年版”")
    year: int = Field(..., description="年度（2000–2100）")
    effective_from: dt.date | None = Field(None, description="计划生效日期（发布时可再指定）")
    document_number: str = Field("", max_length=100, description="发布文号")
    notes: str = Field("", max_length=5000, description="说明")


class EditionCopyIn(Schema):
    name: str = Field(..., max_length=100, description="新版本名称")
    year: int = Field(..., description="新版本年度")
    effective_from: dt.date | None = Field(None, description="计划生效日期")


class PublishIn(Schema):
    effective_from: dt.date | None = Field(None, description="生效日期；为空时用草稿上填写的日期")


class ItemIn(Schema):
    kind: CatalogItem.Kind = Field(..., description=f"类型：{_choices_text(CatalogItem.Kind.choices)}")
    subject_code: str = Field(
        ..., max_length=30, description="职业类填职业编码（如 6-31-01-03），专项/创业类填项目编码"
    )
    level: int | None = Field(None, description="等级 1–5（职业类必填；专项和创业项目不填）")
    category_code: str = Field(..., max_length=20, description="行业类别代码（见 /catalog/categories）")
    subsidy_standard: MoneyIn = Field(..., description='培训补贴标准（元），如 "1500.00"')
    assessment_subsidy: MoneyIn | None = Field(None, description="评价补贴标准（元）")
    min_lesson_hours: int = Field(..., description="最低课时")
    shortage_tier: ShortageTier = Field(
        ShortageTier.NONE, description=f"紧缺程度（空=非紧缺）：{_choices_text(ShortageTier.choices)}"
    )
    flags: list[ItemFlag] = Field(default_factory=list, description="标识")
    note: str = Field("", description="备注（最多200字）")


class ImportRowErrorOut(Schema):
    row_number: int = Field(..., description="文件中的行号（含表头，从1开始）")
    column: str | None = Field(None, description="出错的列")
    message: str
    values: Any = Field(None, description="该行读到的值")


class ImportOut(Schema):
    total_rows: int = Field(..., description="读到的数据行数")
    imported_rows: int = Field(..., description="导入的行数")
    job_id: int | str | None = Field(None, description="导入任务编号")


class ImportErrorOut(ErrorOut):
    total_rows: int
    imported_rows: int
    job_id: int | str | None = None
    row_errors: list[ImportRowErrorOut] = Field(..., description="逐行错误；有错误时不导入任何一行")


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------

_NOT_FOUND = {404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _edition(request: HttpRequest, edition_id: int) -> Edition:
    return selectors.get_edition(current_user(request), edition_id)


def _fresh(request: HttpRequest, edition: Edition) -> Edition:
    """The edition again, with its item count."""
    return selectors.get_edition(current_user(request), edition.pk)


def _file_name(*parts: str, suffix: str) -> str:
    text = "-".join(p for p in parts if p)
    text = re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", text).strip(" ._") or "catalog"
    return f"{text}.{suffix}"


def _download(data: bytes, content_type: str, file_name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
    )
    response["Content-Length"] = str(len(data))
    return response


_API_FIELD = {"occupation": "subject_code", "special_item": "subject_code", "category": "category_code"}


def _api_fields(exc: DomainError) -> DomainError:
    """A service's item error with field names as the API body has them (occupation → subject_code, …)."""
    errors = tuple(FieldError(_API_FIELD.get(e.field, e.field), e.message) for e in exc.errors)
    return DomainError(message=exc.message, code=exc.code, errors=errors, status=exc.status)


def _item_input(payload: ItemIn) -> services.ItemInput:
    """Resolve the codes of an item body to rows; unknown codes are field errors."""
    errors: dict[str, str] = {}
    code = payload.subject_code.strip()
    occupation: Occupation | None = None
    special_item: SpecialItem | None = None
    if payload.kind == CatalogItem.Kind.OCCUPATION:
        occupation = Occupation.objects.filter(code=code).first()
        if occupation is None:
            errors["subject_code"] = f"未知的职业编码“{code}”（unknown occupation code）"
    else:
        special_item = SpecialItem.objects.filter(code=code).first()
        if special_item is None:
            errors["subject_code"] = f"未知的项目编码“{code}”（unknown item code）"
    category = Category.objects.filter(code=payload.category_code.strip()).first()
    if category is None:
        errors["category_code"] = f"未知的行业类别“{payload.category_code}”（unknown category）"
    if errors:
        raise DomainError.for_fields("目录项目信息有误（invalid catalog item）", errors, code="invalid_item")
    assert category is not None
    flags = set(payload.flags)
    return services.ItemInput(
        kind=payload.kind,
        occupation=occupation,
        special_item=special_item,
        level=payload.level,
        category=category,
        subsidy_standard=payload.subsidy_standard,
        assessment_subsidy=payload.assessment_subsidy,
        min_lesson_hours=payload.min_lesson_hours,
        shortage_tier=payload.shortage_tier,
        is_digital=ItemFlag.DIGITAL in flags,
        is_elder_child_care=ItemFlag.ELDER_CHILD_CARE in flags,
        allows_graduate_conversion=ItemFlag.GRADUATE_CONVERSION in flags,
        is_new_business_form=ItemFlag.NEW_BUSINESS_FORM in flags,
        note=payload.note,
    )


def _change_value(value: Any) -> Any:
    return money(value) if isinstance(value, Decimal) else value


def _field_change(change: FieldChange) -> dict[str, Any]:
    return {
        "field": change.field,
        "label": change.label,
        "old": _change_value(change.old),
        "new": _change_value(change.new),
        "old_display": money(change.old) if isinstance(change.old, Decimal) else change.old_display,
        "new_display": money(change.new) if isinstance(change.new, Decimal) else change.new_display,
        "delta": money(change.delta),
    }


def _diff_out(diff: EditionDiff) -> dict[str, Any]:
    return {
        "old": diff.old,
        "new": diff.new,
        "counts": {
            "added": len(diff.added),
            "removed": len(diff.removed),
            "changed": len(diff.changed),
            "unchanged": diff.unchanged,
        },
        "added": diff.added,
        "removed": diff.removed,
        "changed": [
            {
                "kind": change.new.kind,
                "subject_code": change.new.subject_code,
                "subject_name": change.new.subject_name,
                "level": change.new.level,
                "old": change.old,
                "new": change.new,
                "changes": [_field_change(c) for c in change.changes],
            }
            for change in diff.changed
        ],
    }


def _diff(request: HttpRequest, old_id: int, new_id: int) -> EditionDiff:
    return diff_editions(_edition(request, old_id), _edition(request, new_id))


# ---------------------------------------------------------------------------------------------------------------
# Reading (public: drafts only for catalog staff)
# ---------------------------------------------------------------------------------------------------------------


@router.get("/editions", response=list[EditionOut], summary="目录版本列表")
def list_editions(request: HttpRequest) -> QuerySet[Edition]:
    """Published and superseded editions, newest first; catalog staff also see drafts."""
    return selectors.visible_editions(current_user(request))


@router.get("/editions/in-force", response={200: EditionOut, **_NOT_FOUND}, summary="某日现行的目录版本")
def edition_in_force(
    request: HttpRequest,
    on: Annotated[dt.date | None, Query(description="日期 YYYY-MM-DD，默认今天（北京时间）")] = None,
) -> Edition:
    """The edition in force on a date (classes keep the edition in force on their filing date); 404 if none."""
    edition = selectors.edition_in_force(on or timezone.localdate())
    if edition is None:
        raise DomainError(
            f"{on or timezone.localdate()} 没有生效的目录版本（no edition in force）", "not_found", status=404
        )
    return _fresh(request, edition)


@router.get("/editions/{edition_id}", response={200: EditionOut, **_NOT_FOUND}, summary="目录版本")
def get_edition(request: HttpRequest, edition_id: int) -> Edition:
    return _edition(request, edition_id)


@router.get(
    "/editions/{edition_id}/items",
    response={200: list[ItemOut], 404: ErrorOut, 422: ErrorOut},
    summary="目录项目（可检索、筛选、分页）",
)
@paginate(LimitOffsetPagination)
def list_items(request: HttpRequest, edition_id: int, filters: Query[ItemFilters]) -> QuerySet[CatalogItem]:
    """Items of an edition in catalog order, filtered like the public catalog page."""
    edition = _edition(request, edition_id)
    filterset = CatalogItemFilterSet(request.GET, queryset=selectors.edition_items(edition))
    if not filterset.is_valid():
        errors = tuple(
            FieldError(name, " ".join(str(m) for m in messages))
            for name, messages in filterset.errors.items()
        )
        raise DomainError("筛选条件有误（invalid filter）", code="invalid", errors=errors, status=422)
    return filterset.qs


@router.get("/items/{item_id}", response={200: ItemOut, **_NOT_FOUND}, summary="目录项目")
def get_item(request: HttpRequest, item_id: int) -> CatalogItem:
    return selectors.get_item(current_user(request), item_id)


@router.get(
    "/editions/{old_id}/diff/{new_id}", response={200: DiffOut, **_NOT_FOUND}, summary="两个版本的差异"
)
def edition_diff(request: HttpRequest, old_id: int, new_id: int) -> dict[str, Any]:
    """Items added, removed and changed (amounts, tiers, hours, category, flags) from ``old_id`` to ``new_id``."""
    return _diff_out(_diff(request, old_id, new_id))


@router.get("/categories", response=list[CategoryOut], summary="行业类别")
def list_categories(
    request: HttpRequest,
    include_inactive: Annotated[bool, Query(description="包括停用的类别")] = False,
) -> QuerySet[Category]:
    qs = Category.objects.all()
    return qs if include_inactive else qs.filter(active=True)


@router.get("/occupations", response=list[OccupationOut], summary="职业（职业分类大典 2022）")
@paginate(LimitOffsetPagination)
def list_occupations(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="名称（包含）或编码前缀")] = None,
    include_inactive: Annotated[bool, Query(description="包括已停用的职业")] = False,
) -> QuerySet[Occupation]:
    qs = Occupation.objects.all()
    if not include_inactive:
        qs = qs.filter(active=True)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(code__startswith=text))
    return qs


@router.get("/special-items", response=list[SpecialItemOut], summary="专项职业能力及创业项目")
@paginate(LimitOffsetPagination)
def list_special_items(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="名称或编码（包含）")] = None,
    kind: Annotated[SpecialItem.Kind | None, Query(description="类型")] = None,
    include_inactive: Annotated[bool, Query(description="包括已停用的项目")] = False,
) -> QuerySet[SpecialItem]:
    qs = SpecialItem.objects.all()
    if not include_inactive:
        qs = qs.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
    return qs


# ---------------------------------------------------------------------------------------------------------------
# Downloads
# ---------------------------------------------------------------------------------------------------------------


def _binary(content_type: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            },
            404: {"description": "版本不存在（或为草稿且无权查看）"},
        }
    }


@router.get(
    "/editions/{edition_id}/export.xlsx",
    summary="下载目录（Excel）",
    openapi_extra=_binary(XLSX_CONTENT_TYPE, "目录 xlsx"),
)
def export_xlsx(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    from lijiao.catalog import exporters  # reportlab and xlsxwriter load on first use

    return _download(
        exporters.edition_xlsx(edition),
        XLSX_CONTENT_TYPE,
        _file_name("补贴性职业技能培训目录", edition.name, suffix="xlsx"),
        f"catalog-{edition.pk}.xlsx",
    )


@router.get(
    "/editions/{edition_id}/export.pdf",
    summary="下载目录（PDF）",
    openapi_extra=_binary(PDF_CONTENT_TYPE, "目录 PDF"),
)
def export_pdf(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = _edition(request, edition_id)
    from lijiao.catalog import exporters  # reportlab and xlsxwriter load on first use

    return _download(
        exporters.edition_pdf(edition),
        PDF_CONTENT_TYPE,
        _file_name("补贴性职业技能培训目录", edition.name, suffix="pdf"),
        f"catalog-{edition.pk}.pdf",
    )


@router.get(
    "/editions/{old_id}/diff/{new_id}/export.xlsx",
    summary="下载两个版本的差异（Excel）",
    openapi_extra=_binary(XLSX_CONTENT_TYPE, "差异 xlsx"),
)
def export_diff_xlsx(request: HttpRequest, old_id: int, new_id: int) -> HttpResponse:
    diff = _diff(request, old_id, new_id)
    from lijiao.catalog import exporters  # reportlab and xlsxwriter load on first use

    return _download(
        exporters.diff_xlsx(diff),
        XLSX_CONTENT_TYPE,
        _file_name("目录变化", diff.old.name, diff.new.name, suffix="xlsx"),
        f"catalog-diff-{diff.old.pk}-{diff.new.pk}.xlsx",
    )


# ---------------------------------------------------------------------------------------------------------------
# Writing (catalog staff)
# ---------------------------------------------------------------------------------------------------------------


@router.post(
    "/editions", auth=required_auth, response={201: EditionOut, **_WRITE_ERRORS}, summary="新建空白草稿版本"
)
def create_edition(request: HttpRequest, payload: EditionIn) -> Status[Edition]:
    user = current_user(request)
    require_perm(user, "catalog.add_edition")
    edition = services.create_edition(
        actor=user,
        name=payload.name,
        year=payload.year,
        effective_from=payload.effective_from,
        document_number=payload.document_number,
        notes=payload.notes,
    )
    return Status(201, _fresh(request, edition))


@router.post(
    "/editions/{edition_id}/copy",
    auth=required_auth,
    response={201: EditionOut, **_WRITE_ERRORS},
    summary="以某版本为基础新建草稿（复制全部项目）",
)
def copy_edition(request: HttpRequest, edition_id: int, payload: EditionCopyIn) -> Status[Edition]:
    user = current_user(request)
    require_perm(user, "catalog.add_edition")
    source = _edition(request, edition_id)
    edition = services.start_edition_from(
        actor=user, source=source, name=payload.name, year=payload.year, effective_from=payload.effective_from
    )
    return Status(201, _fresh(request, edition))


@router.put(
    "/editions/{edition_id}",
    auth=required_auth,
    response={200: EditionOut, **_WRITE_ERRORS},
    summary="修改草稿版本",
)
def update_edition(request: HttpRequest, edition_id: int, payload: EditionIn) -> Edition:
    user = current_user(request)
    require_perm(user, "catalog.change_edition")
    edition = services.update_edition(
        actor=user,
        edition=_edition(request, edition_id),
        name=payload.name,
        year=payload.year,
        effective_from=payload.effective_from,
        document_number=payload.document_number,
        notes=payload.notes,
    )
    return _fresh(request, edition)


@router.delete(
    "/editions/{edition_id}",
    auth=required_auth,
    response={204: None, **_WRITE_ERRORS},
    summary="删除草稿版本",
)
def delete_edition(request: HttpRequest, edition_id: int) -> Status[None]:
    user = current_user(request)
    require_perm(user, "catalog.delete_edition")
    services.delete_draft_edition(actor=user, edition=_edition(request, edition_id))
    return Status(204, None)


@router.post(
    "/editions/{edition_id}/items",
    auth=required_auth,
    response={201: ItemOut, **_WRITE_ERRORS},
    summary="向草稿版本添加项目",
)
def add_item(request: HttpRequest, edition_id: int, payload: ItemIn) -> Status[CatalogItem]:
    user = current_user(request)
    require_perm(user, "catalog.add_catalogitem")
    edition = _edition(request, edition_id)
    data = _item_input(payload)
    try:
        item = services.add_item(actor=user, edition=edition, data=data)
    except DomainError as exc:
        raise _api_fields(exc) from None
    return Status(201, item)


@router.put(
    "/items/{item_id}",
    auth=required_auth,
    response={200: ItemOut, **_WRITE_ERRORS},
    summary="修改草稿中的项目",
)
def update_item(request: HttpRequest, item_id: int, payload: ItemIn) -> CatalogItem:
    user = current_user(request)
    require_perm(user, "catalog.change_catalogitem")
    item = selectors.get_item(user, item_id)
    data = _item_input(payload)
    try:
        return services.update_item(actor=user, item=item, data=data)
    except DomainError as exc:
        raise _api_fields(exc) from None


@router.delete(
    "/items/{item_id}", auth=required_auth, response={204: None, **_WRITE_ERRORS}, summary="从草稿中删除项目"
)
def delete_item(request: HttpRequest, item_id: int) -> Status[None]:
    user = current_user(request)
    require_perm(user, "catalog.delete_catalogitem")
    services.remove_item(actor=user, item=selectors.get_item(user, item_id))
    return Status(204, None)


@router.post(
    "/editions/{edition_id}/publish",
    auth=required_auth,
    response={200: EditionOut, **_WRITE_ERRORS},
    summary="发布草稿版本（替代现行版本）",
)
def publish_edition(request: HttpRequest, edition_id: int, payload: PublishIn | None = None) -> Edition:
    """The draft is in force from ``effective_from``; the edition in force until then ends that day."""
    user = current_user(request)
    require_perm(user, "catalog.publish_edition")
    edition = services.publish_edition(
        actor=user,
        edition=_edition(request, edition_id),
        effective_from=payload.effective_from if payload else None,
    )
    return _fresh(request, edition)


@router.post(
    "/editions/{edition_id}/import",
    auth=required_auth,
    response={
        200: ImportOut,
        400: ImportErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    summary="从 Excel/CSV 导入草稿版本的全部项目",
)
def import_items(
    request: HttpRequest,
    edition_id: int,
    file: File[UploadedFile],
) -> Status[dict[str, Any]]:
    """Replace every item of a draft with the rows of the file: all rows or none (row errors → 400)."""
    user = current_user(request)
    require_perm(user, "catalog.change_edition")
    edition = _edition(request, edition_id)
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise DomainError.for_fields(
            "文件过大（file too large）", {"file": f"文件不能超过 {MAX_IMPORT_BYTES // (1024 * 1024)} MB"}
        )
    from lijiao.catalog import importers

    result = importers.import_edition_file(
        actor=user, edition=edition, file_name=file.name or "", data=file.read()
    )
    job_id = result.job_id if result.job_id is None or isinstance(result.job_id, int) else str(result.job_id)
    counts = {"total_rows": result.total_rows, "imported_rows": result.imported_rows, "job_id": job_id}
    if not result.errors:
        return Status(200, counts)
    row_errors = [
        {"row_number": e.row_number, "column": e.column or None, "message": e.message, "values": e.values}
        for e in result.errors
    ]
    return Status(
        400,
        {
            "code": "import_failed",
            "message": f"文件中有 {len(row_errors)} 处错误，未导入任何项目（nothing was imported）",
            "errors": [
                {"field": e["column"] or "__all__", "message": f"第{e['row_number']}行：{e['message']}"}
                for e in row_errors
            ],
            "row_errors": row_errors,
            **counts,
        },
    )
