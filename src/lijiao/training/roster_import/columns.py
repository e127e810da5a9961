"""The roster's columns: what each is called in clerks' files, and how its cell is read.

Each :class:`~lijiao.core.importing.ColumnSpec` carries its parser: a function from the cell's value (as the
reader gives it: ``str``, a number, a date, ``None``) to the value the import uses, raising
:class:`~lijiao.core.importing.CellError` with the message the clerk reads. :func:`parse_cells` is a loop over
the columns the file has; a column the file lacks gets its parser's value for an empty cell. Checks that need
several columns (gender and birth date against the ID, groups and their evidence) are in :mod:`.checks`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from lijiao.core.errors import DomainError
from lijiao.core.identity import CitizenId, InvalidCitizenId, parse_citizen_id
from lijiao.core.importing import CellError, ColumnSpec, Table, cell_date, cell_int, cell_text, is_blank
from lijiao.core.text import unsafe_text_problem
from lijiao.people.models import Person
from lijiao.people.services import normalise_phone
from lijiao.people.vocabulary import GENDER_VARIANTS, GROUP_VARIANTS, VARIANTS
from lijiao.people.vocabulary import normalise_variant as _norm_key

__all__ = ["COLUMNS", "FAILED", "HEADER", "column_parsers", "parse_cells"]

_GENDERS = GENDER_VARIANTS
_GROUPS = GROUP_VARIANTS
_HOUSEHOLDS = VARIANTS["household"]
_EDUCATIONS = VARIANTS["education"]
_GROUP_SPLIT = re.compile(r"[、,，/／;；|\s]+")
_YEAR = re.compile(r"^(\d{4})(?:\s*(?:年|[-/.]\s*\d{1,2}\s*月?(?:\s*[-/.]\s*\d{1,2}\s*日?)?)?)?$")
_CACHE_LIMIT = 100_000  # distinct cell texts remembered per parser (the same text in many rows is read once)


def _blank(value: Any) -> bool:
    return value is None or value == "" or is_blank(value)


# --- parsers: cell value -> value, or CellError ---------------------------------------------------------------


def parse_name(value: Any) -> str:
    name = " ".join(value.split()) if value.__class__ is str else "" if _blank(value) else cell_text(value)
    if not name:
        raise CellError(_("姓名不能为空"))
    if len(name) > 50:
        raise CellError(_("姓名最多50字"))
    if problem := unsafe_text_problem(name, label=_("姓名")):
        raise CellError(problem)
    return name


def parse_id(value: Any) -> CitizenId:
    """A citizen ID; a NUMBER cell is refused (Excel has already lost digits), never converted."""
    if value.__class__ is str and value:
        try:
            return parse_citizen_id(value)
        except InvalidCitizenId as exc:
            raise CellError(exc.message) from None
    if _blank(value):
        raise CellError(_("身份证号不能为空"))
    cell_text(value, allow_number=False)  # raises the "stored as a number" message
    raise CellError(_("身份证号应为文本，收到“%(value)s”") % {"value": cell_text(value)})


def parse_phone(value: Any) -> str:
    if (
        value.__class__ is str
        and len(value) == 11
        and value.isdigit()
        and value[0] == "1"
        and value[1] in "3456789"
    ):
        return value  # what normalise_phone returns for a plain mobile number
    if _blank(value):
        return ""
    try:
        return normalise_phone(cell_text(value))
    except DomainError as exc:
        raise CellError(exc.errors[0].message if exc.errors else exc.message) from None


def parse_gender(value: Any) -> str:
    """ "M", "F", or "" for an empty cell."""
    gender = _GENDERS.get(value) if value.__class__ is str else None
    if gender is not None:
        return gender
    if _blank(value):
        return ""
    gender = _GENDERS.get(_norm_key(cell_text(value)))
    if gender is None:
        raise CellError(_("性别“%(value)s”无法识别，应为“男”或“女”") % {"value": cell_text(value)})
    return gender


_birth_dates: dict[str, dt.date | str] = {}  # cell text -> date, or why it is not one


def parse_birth_date(value: Any) -> dt.date | None:
    if value.__class__ is str:
        known = _birth_dates.get(value)
        if known is not None:
            if known.__class__ is str:
                raise CellError(str(known))
            return known  # type: ignore[return-value]
    if _blank(value):
        return None
    try:
        birth = cell_date(value)
    except CellError as exc:
        if value.__class__ is str and len(_birth_dates) < _CACHE_LIMIT:
            _birth_dates[value] = exc.message
        raise
    if value.__class__ is str and birth is not None and len(_birth_dates) < _CACHE_LIMIT:
        _birth_dates[value] = birth
    return birth


def _choice(table: dict[str, str], unknown: Callable[[str], str]) -> Callable[[Any], str]:
    """A parser giving a code from a label or synonym (exact text first, then normalised); "" for an empty cell."""

    def parse(value: Any) -> str:
        if value.__class__ is str:
            code = table.get(value)
            if code is not None:
                return code
        if _blank(value):
            return ""
        text = cell_text(value)
        code = table.get(_norm_key(text))
        if code is None:
            raise CellError(unknown(text))
        return code

    return parse


def _unknown_household(text: str) -> str:
    return _("户籍类型“%(value)s”无法识别，应为：城镇、农村") % {"value": text}


def _unknown_education(text: str) -> str:
    allowed = "、".join(str(label) for label in Person.Education.labels)
    return _("学历“%(value)s”无法识别，应为：%(allowed)s") % {"value": text, "allowed": allowed}


def unknown_group_message(part: str) -> str:
    return _(
        "人员类别“%(value)s”无法识别，可填：高校毕业生、毕业年度高校毕业生、失业人员、农村转移劳动者、"
        "脱贫/低保家庭成员、退役军人、残疾人、企业职工、参保职工、在校学生、事业单位人员，多个用“、”分隔"
    ) % {"value": part}


def parse_employer(value: Any) -> str:
    if _blank(value):
        return ""
    employer = " ".join(cell_text(value).split())
    if problem := unsafe_text_problem(employer, label=_("工作单位")):
        raise CellError(problem)
    if len(employer) > 100:
        raise CellError(_("工作单位最多100字"))
    return employer


def parse_groups(value: Any) -> tuple[str, ...]:
    """The group codes of a cell such as ``高校毕业生、失业人员`` (separated by 、,，/;；), in order, once each."""
    if value.__class__ is str:
        whole = _GROUPS.get(value)
        if whole is not None:
            return (whole,)
    if _blank(value):
        return ()
    codes: list[str] = []
    unknown: list[str] = []
    for part in _GROUP_SPLIT.split(unicodedata.normalize("NFKC", cell_text(value))):
        if not part:
            continue
        code = _GROUPS.get(part) or _GROUPS.get(_norm_key(part))
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CellError("；".join(unknown_group_message(part) for part in unknown))
    return tuple(codes)


def parse_year(value: Any) -> int | None:
    """毕业年份: 2024, "2024", "2024年", "2024-06", "2024.6", "2024年6月", an Excel date -> 2024."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.year
    if isinstance(value, bool):
        raise CellError(_("应填写年份，如 2024"))
    if isinstance(value, int | float):
        if float(value).is_integer() and 1900 <= value <= 2200:
            return int(value)
        raise CellError(_("“%(value)s”不是年份，应填写如 2024") % {"value": cell_text(value)})
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _YEAR.match(text)
    if not match:
        raise CellError(_("“%(value)s”不是年份，应填写如 2024") % {"value": text})
    return int(match[1])


def parse_registration_number(value: Any) -> str:
    return "" if _blank(value) else cell_text(value)


def parse_months(value: Any) -> int | None:
    return None if _blank(value) else cell_int(value, required=False)


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "name", "姓名", ("学员姓名", "人员姓名", "真实姓名", "姓名（必填）"), required=True, parse=parse_name
    ),
    ColumnSpec(
        "citizen_id",
        "身份证号",
        (
            "证件号码",
            "公民身份号码",
            "身份证号码",
            "证件号",
            "身份证",
            "身份证件号码",
            "公民身份证号",
            "公民身份证号码",
            "居民身份证号码",
            "身份证号（必填）",
        ),
        required=True,
        parse=parse_id,
    ),
    ColumnSpec(
        "phone",
        "手机号",
        ("联系电话", "手机", "手机号码", "联系方式", "电话", "电话号码", "移动电话"),
        parse=parse_phone,
    ),
    ColumnSpec("gender", "性别", parse=parse_gender),
    ColumnSpec(
        "birth_date", "出生日期", ("出生年月日", "出生日期（年月日）", "生日"), parse=parse_birth_date
    ),
    ColumnSpec(
        "household",
        "户籍类型",
        ("户口性质", "户籍性质", "户口类型", "户籍类别", "户籍"),
        parse=_choice(_HOUSEHOLDS, _unknown_household),
    ),
    ColumnSpec(
        "education",
        "学历",
        ("文化程度", "最高学历", "学历层次"),
        parse=_choice(_EDUCATIONS, _unknown_education),
    ),
    ColumnSpec(
        "employer_name",
        "工作单位",
        ("单位名称", "所在单位", "就业单位", "工作单位名称", "单位"),
        parse=parse_employer,
    ),
    ColumnSpec(
        "groups",
        "人员类别",
        ("人员类型", "参训人员类别", "人员身份", "身份类别", "人员类别（可多选）"),
        parse=parse_groups,
    ),
    ColumnSpec("graduation_year", "毕业年份", ("毕业年度", "毕业时间", "毕业年月"), parse=parse_year),
    ColumnSpec(
        "registration_number",
        "失业登记证号",
        ("失业证号", "就业失业登记证号", "就业创业证号", "失业登记号", "就业创业证编号"),
        parse=parse_registration_number,
    ),
    ColumnSpec(
        "insured_months",
        "参保月数",
        ("缴费月数", "参保缴费月数", "社保缴费月数", "累计缴费月数"),
        parse=parse_months,
    ),
)
HEADER: tuple[str, ...] = tuple(spec.label for spec in COLUMNS)

FAILED: Any = object()  # a cell's value in :func:`parse_cells`'s result when its parser refused it

Parser = Callable[[Any], Any]


def column_parsers(
    table: Table, specs: Sequence[ColumnSpec] = COLUMNS
) -> tuple[list[tuple[str, int, Parser]], dict[str, Any]]:
    """For a file: (key, index, parser) of every column it has, and the value of every column it lacks (what its
    parser gives for an empty cell)."""
    present: list[tuple[str, int, Parser]] = []
    absent: dict[str, Any] = {}
    for spec in specs:
        assert spec.parse is not None
        index = table.columns.get(spec.key)
        if index is None:
            absent[spec.key] = spec.parse(None)
        else:
            present.append((spec.key, index, spec.parse))
    return present, absent


def parse_cells(
    values: Sequence[Any], present: list[tuple[str, int, Parser]], absent: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A row's values by column key, and (key, message) for every cell its parser refused (then :data:`FAILED`)."""
    out = dict(absent)
    problems: list[tuple[str, str]] = []
    width = len(values)
    for key, index, parse in present:
        try:
            out[key] = parse(values[index] if index < width else None)
        except CellError as exc:
            out[key] = FAILED
            problems.append((key, exc.message))
    return out, problems
