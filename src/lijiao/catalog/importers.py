"""Import a whole catalog edition from a spreadsheet as a catalog officer keeps it: one row per item (SPEC C2).

Every row is checked first; when any row is wrong nothing is written and the officer gets an error report
(row numbers and reasons) through a failed :class:`~lijiao.core.models.ImportJob`. When all rows are right the
draft's items are replaced in one transaction by :func:`lijiao.catalog.services.replace_items`.

The item code decides the kind: an occupation code (``6-31-01-03``) is an occupation of the 职业分类大典,
anything else is the code of a registered 专项职业能力 or 创业 item. Item rules (amount range, levels per kind,
lesson hours…) are :func:`lijiao.catalog.services.validate_item`'s, not repeated here.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.catalog.models import (
    OCCUPATION_CODE_RE,
    CatalogItem,
    Category,
    Edition,
    EditionStatus,
    Level,
    LevelScheme,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.catalog.services import ItemInput, replace_items, validate_item
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.core.importing import (
    CellError,
    ColumnSpec,
    ImportResult,
    RowError,
    SourceRow,
    Table,
    cell_bool,
    cell_decimal,
    cell_free_text,
    cell_int,
    cell_text,
    open_table,
    save_job,
    write_template_choices,
    write_template_header,
    write_template_notes,
)
from lijiao.core.xlsx import text_workbook

IMPORT_KIND = "catalog.edition_items"

COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("category", "行业类别", ("类别", "行业", "行业类别名称", "所属行业"), required=True),
    ColumnSpec(
        "code",
        "编码",
        ("职业编码", "项目编码", "职业（工种）编码", "职业(工种)代码", "职业代码", "编号", "代码"),
        required=True,
    ),
    ColumnSpec(
        "name",
        "名称",
        ("职业名称", "职业（工种）名称", "项目名称", "工种名称", "职业（工种）"),
        required=True,
    ),
    ColumnSpec("work_type", "工种", ("工种（方向）", "职业方向")),
    ColumnSpec("level", "等级", ("职业等级", "技能等级", "等级（级别）", "级别"), required=True),
    ColumnSpec(
        "subsidy_standard",
        "培训补贴标准（元）",
        ("补贴标准", "培训补贴标准", "补贴标准（元）", "培训补贴", "补贴金额"),
        required=True,
    ),
    ColumnSpec("assessment_subsidy", "评价补贴标准（元）", ("评价补贴", "评价补贴标准", "鉴定补贴")),
    ColumnSpec(
        "min_lesson_hours",
        "最低课时",
        ("课时", "培训课时", "最低培训课时", "学时", "最低学时"),
        required=True,
    ),
    ColumnSpec("shortage_tier", "紧缺程度", ("紧缺类别", "紧缺职业类别", "紧缺等级")),
    ColumnSpec("is_digital", "数字技能", ("数字技能类", "是否数字技能")),
    ColumnSpec("is_elder_child_care", "一老一小", ("是否一老一小", "一老一小类")),
    ColumnSpec(
        "allows_graduate_conversion",
        "毕业生专业转换",
        ("专业转换", "可用于毕业生专业转换培训", "是否可用于专业转换"),
    ),
    ColumnSpec("is_new_business_form", "新业态", ("新业态新职业", "是否新业态")),
    ColumnSpec("note", "备注", ("说明",)),
)
HEADER: tuple[str, ...] = tuple(spec.label for spec in COLUMNS)

# FieldError.field of validate_item → the column the officer must fix.
_FIELD_COLUMN = {
    "kind": "code",
    "occupation": "code",
    "special_item": "code",
    "__all__": "code",
    "level": "level",
    "work_type": "work_type",
    "category": "category",
    "subsidy_standard": "subsidy_standard",
    "assessment_subsidy": "assessment_subsidy",
    "min_lesson_hours": "min_lesson_hours",
    "shortage_tier": "shortage_tier",
    "note": "note",
}

_LEVEL_WORDS: dict[str, int] = {
    "五级": 5,
    "初级": 5,
    "初级工": 5,
    "5": 5,
    "5级": 5,
    "四级": 4,
    "中级": 4,
    "中级工": 4,
    "4": 4,
    "4级": 4,
    "三级": 3,
    "高级": 3,
    "高级工": 3,
    "3": 3,
    "3级": 3,
    "二级": 2,
    "技师": 2,
    "2": 2,
    "2级": 2,
    "一级": 1,
    "高级技师": 1,
    "1": 1,
    "1级": 1,
}
LEVEL_TEXT: dict[int, str] = {
    5: "五级",
    4: "四级",
    3: "三级",
    2: "二级",
    1: "一级",
    Level.JUNIOR: "初级",
    Level.INTERMEDIATE: "中级",
    Level.SENIOR: "高级",
}
# 专业技术等级 of professional-technical occupations (数字技术工程师): 初级/中级/高级.
_PROFESSIONAL_WORDS: dict[str, int] = {
    "初级": Level.JUNIOR,
    "中级": Level.INTERMEDIATE,
    "高级": Level.SENIOR,
    "初级(专业技术)": Level.JUNIOR,  # as the screens and the API label them (after NFKC)
    "中级(专业技术)": Level.INTERMEDIATE,
    "高级(专业技术)": Level.SENIOR,
}

_TIER_WORDS: dict[str, str] = {
    "特别紧缺": ShortageTier.ESPECIALLY,
    "比较紧缺": ShortageTier.RELATIVELY,
    "一般紧缺": ShortageTier.GENERAL,
    "非紧缺": ShortageTier.NONE,
    "不紧缺": ShortageTier.NONE,
    "无": ShortageTier.NONE,
    "否": ShortageTier.NONE,
    "-": ShortageTier.NONE,
    "—": ShortageTier.NONE,
    **{str(value): str(value) for value in ShortageTier.values if value},
}
TIER_TEXT: dict[str, str] = {
    ShortageTier.ESPECIALLY: "特别紧缺",
    ShortageTier.RELATIVELY: "比较紧缺",
    ShortageTier.GENERAL: "一般紧缺",
    ShortageTier.NONE: "",
}

_DASHES = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "_": "-"})
_SPACES = re.compile(r"\s+")
_PARTS = re.compile(r"[/／、（）()]+")
# S (digital) / L (green) markers that catalogs append to occupation names (SPEC C1).
_NAME_MARKERS = re.compile(r"(?:\(?[SL]\)?)+$")
# “焊工（电焊工）” / “焊工(电焊工)”: an occupation name with its 工种 in brackets (after NFKC, brackets are ASCII).
_NAME_WITH_WORK_TYPE = re.compile(r"^(.+?)\((.+)\)$")


def _normal(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def _code(text: str) -> str:
    return _normal(text).translate(_DASHES).upper()


def _same_name(given: str, stored: str) -> bool:
    a = _NAME_MARKERS.sub("", _normal(given))
    b = _NAME_MARKERS.sub("", _normal(stored))
    return a == b


def parse_level(value: Any, *, professional: bool = False) -> int | None:
    """五级/初级/初级工/5 … 一级/高级技师/1 (also “五级/初级工”, “四级（中级工）”); ``None`` when empty.

    For a professional-technical occupation (``professional``) 初级/中级/高级 are its 专业技术等级.
    """
    text = cell_text(value)
    if not text:
        return None
    normal = _normal(text).removeprefix("国家职业资格")
    if professional:
        if normal in _PROFESSIONAL_WORDS:
            return _PROFESSIONAL_WORDS[normal]
        raise CellError(
            _("等级“%(text)s”无法识别：该职业为专业技术等级，应为初级、中级或高级") % {"text": text}
        )
    if normal in _LEVEL_WORDS:
        return _LEVEL_WORDS[normal]
    found = {_LEVEL_WORDS.get(part) for part in _PARTS.split(normal) if part}
    if len(found) == 1 and None not in found:
        return found.pop()
    raise CellError(
        _(
            "等级“%(text)s”无法识别，应为五级/四级/三级/二级/一级（或初级工/中级工/高级工/技师/高级技师），"
            "专项和创业项目留空"
        )
        % {"text": text}
    )


def parse_tier(value: Any) -> str:
    """特别紧缺/比较紧缺/一般紧缺, empty (or 非紧缺) for none; “特别紧缺（+30%）” as exported is accepted."""
    text = cell_text(value)
    if not text:
        return ShortageTier.NONE
    normal = _normal(text)
    head = _PARTS.split(normal)[0] or normal  # “特别紧缺（+30%）” → “特别紧缺”
    for candidate in (normal, head, normal.casefold()):
        if candidate in _TIER_WORDS:
            return _TIER_WORDS[candidate]
    raise CellError(_("紧缺程度“%(text)s”无法识别，应为特别紧缺、比较紧缺、一般紧缺或留空") % {"text": text})


@dataclass(slots=True)
class _Reference:
    """Every category, occupation and special item, loaded once (a few thousand rows at most)."""

    categories: dict[str, Category]
    occupations: dict[str, Occupation]
    special_items: dict[str, SpecialItem]
    work_types: dict[tuple[int, str], WorkType]

    def work_type_names(self, occupation: Occupation) -> list[str]:
        return sorted(
            {w.name for (occupation_id, _key), w in self.work_types.items() if occupation_id == occupation.pk}
        )

    @classmethod
    def load(cls) -> _Reference:
        categories: dict[str, Category] = {}
        for category in Category.objects.all():
            categories.setdefault(_normal(category.code).upper(), category)
        for category in Category.objects.all():
            categories[_normal(category.name)] = category
        return cls(
            categories=categories,
            occupations={o.code: o for o in Occupation.objects.all()},
            special_items={_code(s.code): s for s in SpecialItem.objects.all()},
            work_types={
                (w.occupation_id, key): w
                for w in WorkType.objects.filter(active=True)
                for key in (_normal(w.name), _code(w.code))
            },
        )


@dataclass(slots=True)
class _Parsed:
    row: SourceRow
    key: tuple[str, int, int, int | None] | None
    item: ItemInput | None


class _RowParser:
    def __init__(self, table: Table, reference: _Reference) -> None:
        self.table = table
        self.ref = reference
        self.placeholder_category = Category(code="?", name="?")

    def parse(self, row: SourceRow, errors: list[RowError]) -> _Parsed:
        failed: dict[str, str] = {}

        def fail(key: str, message: str) -> None:
            failed.setdefault(key, message)
            errors.append(RowError(row.number, self.table.label(key), message, row.values))

        def get(key: str, parse: Any, **kwargs: Any) -> Any:
            try:
                return parse(self.table.cell(row, key), **kwargs)
            except CellError as exc:
                fail(key, exc.message)
                return None

        code = _code(get("code", cell_text) or "")
        name = get("name", cell_free_text) or ""
        work_type_text = get("work_type", cell_free_text) or ""
        level_cell = get("level", lambda value: value)
        category_text = get("category", cell_text) or ""
        standard = get("subsidy_standard", cell_decimal)
        assessment = get("assessment_subsidy", cell_decimal, required=False)
        hours = get("min_lesson_hours", cell_int)
        tier = get("shortage_tier", parse_tier)
        flags = {
            key: get(key, cell_bool)
            for key in (
                "is_digital",
                "is_elder_child_care",
                "allows_graduate_conversion",
                "is_new_business_form",
            )
        }
        note = get("note", cell_free_text) or ""

        kind, occupation, special_item, work_type = self._subject(code, name, work_type_text, fail)
        category = self._category(category_text, fail)
        professional = occupation is not None and occupation.level_scheme == LevelScheme.PROFESSIONAL
        try:
            level = parse_level(level_cell, professional=professional)
        except CellError as exc:
            fail("level", exc.message)
            level = None

        if kind is None or (occupation is None and special_item is None):
            subject_key = None
        else:
            subject = occupation if occupation is not None else special_item
            assert subject is not None
            subject_key = (kind, subject.pk, work_type.pk if work_type else 0, level)

        data = ItemInput(
            kind=kind or CatalogItem.Kind.OCCUPATION,
            occupation=occupation,
            special_item=special_item,
            work_type=work_type,
            level=level,
            category=category or self.placeholder_category,
            subsidy_standard=standard if standard is not None else Decimal("1"),
            min_lesson_hours=hours if hours is not None else 1,
            assessment_subsidy=assessment,
            shortage_tier=tier if tier is not None else ShortageTier.NONE,
            is_digital=bool(flags["is_digital"]),
            is_elder_child_care=bool(flags["is_elder_child_care"]),
            allows_graduate_conversion=bool(flags["allows_graduate_conversion"]),
            is_new_business_form=bool(flags["is_new_business_form"]),
            note=note,
        )
        for problem in validate_item(data):
            column = _FIELD_COLUMN.get(problem.field, "code")
            if column in failed or (column == "level" and "code" in failed):
                continue  # already reported, or depends on a subject we could not identify
            fail(column, problem.message)
        if failed:
            return _Parsed(row, subject_key, None)
        return _Parsed(row, subject_key, data)

    def _subject(
        self, code: str, name: str, work_type_text: str, fail: Any
    ) -> tuple[str | None, Occupation | None, SpecialItem | None, WorkType | None]:
        if not code:
            fail("code", _("编码不能为空"))
            return None, None, None, None
        if OCCUPATION_CODE_RE.match(code):
            occupation = self.ref.occupations.get(code)
            if occupation is None:
                fail(
                    "code",
                    _("职业编码“%(code)s”不在职业库中，请先在职业库中登记") % {"code": code},
                )
                return None, None, None, None
            if not occupation.active:
                fail("code", _("职业“%(occupation)s”已停用") % {"occupation": occupation})
                return None, None, None, None
            name, work_type_text = self._split_work_type(name, occupation, work_type_text)
            self._check_name(name, occupation.name, code, fail)
            work_type = self._work_type(occupation, work_type_text, fail)
            return CatalogItem.Kind.OCCUPATION, occupation, None, work_type
        if work_type_text:
            fail("work_type", _("专项和创业项目没有工种，请留空"))
        special = self.ref.special_items.get(code)
        if special is None:
            fail(
                "code",
                _(
                    "编码“%(code)s”既不是有效的职业编码（应如 6-31-01-03），也不是已登记的专项职业能力或创业项目编码"
                )
                % {"code": code},
            )
            return None, None, None, None
        if not special.active:
            fail("code", _("项目“%(item)s”已停用") % {"item": special})
            return None, None, None, None
        self._check_name(name, special.name, code, fail)
        return special.kind, None, special, None

    def _split_work_type(self, name: str, occupation: Occupation, work_type_text: str) -> tuple[str, str]:
        """``焊工（电焊工）`` in the name column → name 焊工 and 工种 电焊工 (when the 工种 column is empty)."""
        match = _NAME_WITH_WORK_TYPE.match(_normal(name))
        if match and not work_type_text and match.group(2) in self.ref.work_type_names(occupation):
            return match.group(1), match.group(2)
        return name, work_type_text

    def _work_type(self, occupation: Occupation, text: str, fail: Any) -> WorkType | None:
        if not text:
            return None
        found = self.ref.work_types.get((occupation.pk, _normal(text))) or self.ref.work_types.get(
            (occupation.pk, _code(text))
        )
        if found is None:
            names = "、".join(self.ref.work_type_names(occupation)) or _("无")
            fail(
                "work_type",
                _("职业“%(occupation)s”没有工种“%(text)s”（已登记的工种：%(names)s）")
                % {"occupation": occupation.name, "text": text, "names": names},
            )
        return found

    @staticmethod
    def _check_name(name: str, stored: str, code: str, fail: Any) -> None:
        if not name:
            fail("name", _("名称不能为空，编码“%(code)s”对应“%(stored)s”") % {"code": code, "stored": stored})
        elif not _same_name(name, stored):
            fail(
                "name",
                _("名称“%(name)s”与编码“%(code)s”登记的名称“%(stored)s”不一致")
                % {"name": name, "code": code, "stored": stored},
            )

    def _category(self, text: str, fail: Any) -> Category | None:
        if not text:
            fail("category", _("行业类别不能为空"))
            return None
        category = self.ref.categories.get(_normal(text)) or self.ref.categories.get(_normal(text).upper())
        if category is None:
            fail(
                "category",
                _("行业类别“%(category)s”不存在，请先在行业类别中添加") % {"category": text},
            )
            return None
        if not category.active:
            fail("category", _("行业类别“%(category)s”已停用") % {"category": category.name})
            return None
        return category


def _duplicates(parsed: list[_Parsed], table: Table) -> list[RowError]:
    rows_by_key: dict[tuple[str, int, int, int | None], list[SourceRow]] = defaultdict(list)
    for entry in parsed:
        if entry.key is not None:
            rows_by_key[entry.key].append(entry.row)
    errors = []
    label = table.label("code")
    for rows in rows_by_key.values():
        if len(rows) < 2:
            continue
        numbers = [row.number for row in rows]
        for row in rows:
            others = "、".join(str(n) for n in numbers if n != row.number)
            errors.append(
                RowError(
                    row.number,
                    label,
                    _("与第 %(rows)s 行重复：同一编码、工种和等级只能出现一次") % {"rows": others},
                    row.values,
                )
            )
    return errors


def import_edition_file(*, actor: Actor, edition: Edition, file_name: str, data: bytes) -> ImportResult:
    """Replace every item of a draft edition with the rows of an xlsx/xls/ods/csv file — all rows or none.

    Raises :class:`PermissionDenied` without ``catalog.change_edition``, :class:`Conflict` for a non-draft
    edition, and :class:`DomainError` (nothing written, no job) when the file itself cannot be used: not a
    spreadsheet, no header, missing columns, no data rows. Row problems do not raise: the result lists them,
    nothing is written to the catalog, and a failed :class:`ImportJob` holds the error report xlsx.
    """
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm("catalog.change_edition")):
        raise PermissionDenied()
    status = Edition.objects.filter(pk=edition.pk).values_list("status", flat=True).first()
    if status is None:
        raise NotFound(_("目录版本不存在"))
    if status != EditionStatus.DRAFT:
        raise Conflict(
            _("目录版本“%(name)s”已%(status)s，只能向草稿版本导入")
            % {"name": edition.name, "status": EditionStatus(status).label},
            code="edition_not_draft",
        )
    started = timezone.now()
    table = open_table(file_name, data, COLUMNS)
    parser = _RowParser(table, _Reference.load())
    errors: list[RowError] = []
    parsed = [parser.parse(row, errors) for row in table.rows]
    if not parsed:
        raise DomainError(_("文件中只有表头，没有任何项目行"), code="empty_file")
    errors.extend(_duplicates(parsed, table))
    total = len(parsed)
    if errors:
        order = {label: index for index, label in reversed(list(enumerate(table.header)))}
        errors.sort(key=lambda e: (e.row_number, order.get(e.column, len(order))))
        bad_rows = len({e.row_number for e in errors})
        job = save_job(
            kind=IMPORT_KIND,
            actor=actor,
            file_name=file_name,
            target=edition,
            total_rows=total,
            imported_rows=0,
            errors=errors,
            header=table.header,
            message=_("%(rows)s 行有误，共 %(errors)s 处错误，未导入任何项目")
            % {"rows": bad_rows, "errors": len(errors)},
            started_at=started,
        )
        return ImportResult(total_rows=total, imported_rows=0, errors=errors, job_id=job.pk)
    items = [entry.item for entry in parsed if entry.item is not None]
    with transaction.atomic():
        imported = replace_items(actor=actor, edition=edition, items=items, source=file_name)
        job = save_job(
            kind=IMPORT_KIND,
            actor=actor,
            file_name=file_name,
            target=edition,
            total_rows=total,
            imported_rows=imported,
            message=_("导入 %(count)s 个项目") % {"count": imported},
            started_at=started,
        )
    return ImportResult(total_rows=total, imported_rows=imported, errors=[], job_id=job.pk)


def edition_template_xlsx() -> bytes:
    """A blank import form: the header row, two example rows to overwrite, and a sheet explaining the values."""
    output = io.BytesIO()
    workbook = text_workbook(output, in_memory=True)
    try:
        sheet = workbook.add_worksheet("目录项目")
        text = workbook.add_format({"num_format": "@"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        example = workbook.add_format({"font_color": "#808080", "num_format": "@"})
        example_money = workbook.add_format({"font_color": "#808080", "num_format": "#,##0.00"})
        widths = [12, 14, 24, 12, 12, 14, 14, 10, 12, 10, 10, 14, 10, 30]
        formats = [
            money if spec.key in ("subsidy_standard", "assessment_subsidy") else text for spec in COLUMNS
        ]
        write_template_header(workbook, sheet, COLUMNS, widths, formats)
        examples = [
            [
                "装备制造",
                "6-18-02-04",
                "焊工",
                "电焊工",
                "五级",
                1000,
                None,
                40,
                "比较紧缺",
                "否",
                "否",
                "是",
                "否",
                "",
            ],
            [
                "文化创意",
                "ZX-001",
                "数字新媒体制作",
                "",
                "",
                600,
                200,
                24,
                "",
                "是",
                "否",
                "否",
                "是",
                "专项职业能力",
            ],
        ]
        for row, values in enumerate(examples, start=1):
            for col, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, int):
                    sheet.write_number(row, col, value, example_money)
                else:
                    sheet.write_string(row, col, value, example)
        yes_no = ["是", "否"]
        write_template_choices(
            sheet,
            COLUMNS,
            {
                "level": ["五级", "四级", "三级", "二级", "一级", "初级", "中级", "高级"],
                "shortage_tier": ["特别紧缺", "比较紧缺", "一般紧缺"],
                "is_digital": yes_no,
                "is_elder_child_care": yes_no,
                "allows_graduate_conversion": yes_no,
                "is_new_business_form": yes_no,
            },
        )

        write_template_notes(
            workbook,
            [
                ("行业类别", "须为系统中已有的行业类别名称（或代码）；新类别请先添加。"),
                ("编码", "职业填职业分类大典编码（如 6-31-01-03）；专项职业能力和创业项目填其项目编码。"),
                ("名称", "须与编码登记的名称一致（职业名称后的 S/L 标识可写可不写）。"),
                (
                    "工种",
                    "职业下设工种的填工种名称（如 焊工 的 电焊工），也可写在名称中：焊工（电焊工）；不分工种留空。",
                ),
                (
                    "等级",
                    "技能类职业填 五级/四级/三级/二级/一级（或 初级工/中级工/高级工/技师/高级技师），"
                    "只能填该职业国家职业标准设定的等级；专业技术类职业（如 大数据工程技术人员）填 初级/中级/高级；"
                    "专项和创业项目留空。",
                ),
                ("培训补贴标准（元）", "大于 0，最多两位小数，不超过政策上限。"),
                ("评价补贴标准（元）", "可留空；最多两位小数。"),
                ("最低课时", "整数，1–2000。"),
                ("紧缺程度", "特别紧缺 / 比较紧缺 / 一般紧缺，非紧缺留空。"),
                ("数字技能 等标记", "是/否（也可填 Y/N、√、1/0），留空为否。"),
                ("其他", "表头行之前可以有标题行；多余的列会被忽略；同一编码、工种和等级只能出现一次。"),
                ("", "任何一行有错误时不会导入任何项目，系统会给出带行号的错误报告。"),
                ("", "导入会替换该草稿版本中的全部项目。示例行（灰色）请覆盖或删除。"),
            ],
            widths=(22, 90),
        )
    finally:
        workbook.close()
    return output.getvalue()
