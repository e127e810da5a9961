"""Catalog API (SPEC C2): the published catalog for everyone, edition editing for catalog staff.

Reads go through :mod:`lijiao.catalog.selectors` (the public never sees a draft: a draft's id answers 404,
exactly like an unknown id). Writes go through :mod:`lijiao.catalog.services`, which check permissions
(403), states (409) and values (400 with field errors). Money is a string with two decimals (``"1500.00"``)
both ways; amounts sent as JSON numbers with a fraction are refused rather than rounded through a float.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Query, Router, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.accounts.api_auth import current_user, optional_auth, required_auth
from lijiao.catalog import selectors, services
from lijiao.catalog.diff import EditionDiff, FieldChange, diff_editions
from lijiao.catalog.filters import CatalogItemFilterSet
from lijiao.catalog.models import CatalogItem, Category, Edition, Occupation, SpecialItem
from lijiao.catalog.schemas import (
    CategoryOut,
    DiffOut,
    EditionCopyIn,
    EditionIn,
    EditionOut,
    ErrorOut,
    ImportErrorOut,
    ImportOut,
    ItemFilters,
    ItemFlag,
    ItemIn,
    ItemOut,
    OccupationOut,
    PublishIn,
    SpecialItemOut,
    money,
)
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.permissions import require_perm

router = Router(auth=optional_auth)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
MAX_IMPORT_BYTES = 20 * 1024 * 1024


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
