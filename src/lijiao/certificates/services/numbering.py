"""Certificate numbers (SPEC C5), as pure functions: build them, take them apart, and say precisely what is wrong.

* 职业技能等级证书 — 22 characters: ``Y``/``S`` + 4-digit body + 2-digit province + 6-digit site + 2-digit year
  + level digit (5 五级 … 1 一级) + 6-digit serial. Everything before the serial is the counter prefix.
* 职业资格证书 (legacy) — 16 digits: year 2, province 2, city 2, body type 1, body serial 3, level 1, serial 5.
* 专项职业能力证书 and 培训合格证 — defined as data (:class:`~lijiao.certificates.models.NumberFormat`): a format
  ``template`` to build them and a ``pattern`` to check imported ones.

Nothing here touches the database; :mod:`lijiao.certificates.services.counters` draws the serials.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.catalog.models import Level

__all__ = [
    "FIRST_SKILL_LEVEL_YEAR",
    "LEGACY_FIRST_YEAR",
    "LEVEL_DIGITS",
    "PROVINCE_CODES",
    "SKILL_LEVEL_LENGTH",
    "SKILL_LEVEL_SERIAL_MAX",
    "LegacyNumber",
    "NumberFault",
    "SkillLevelNumber",
    "check_legacy_number",
    "check_pattern_number",
    "check_skill_level_number",
    "format_skill_level_number",
    "render_template",
    "skill_level_prefix",
    "template_prefix",
]

SKILL_LEVEL_LENGTH = 22
SKILL_LEVEL_SERIAL_MAX = 999_999
LEGACY_LENGTH = 16
# 职业技能等级认定 replaced the 职业资格 certificates for skilled occupations from 2019 (人社部发〔2019〕… and the
# 2020 exit of skilled-worker qualifications): a 职业技能等级证书 cannot carry an earlier year.
FIRST_SKILL_LEVEL_YEAR = 2019
# 职业资格证书 exist since the 1994 Labour Law.
LEGACY_FIRST_YEAR = 1994
LEVEL_DIGITS = frozenset({5, 4, 3, 2, 1})
# The 2-digit province-level codes of GB/T 2260 (and 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_CODES = frozenset(
    {
        *("11", "12", "13", "14", "15", "21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65", "71", "81", "82"),
    }
)
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class NumberFault:
    """One structural fault of a number: a machine ``code`` (tests, reports) and a message for people."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class SkillLevelNumber:
    """The parts of a well-formed 职业技能等级证书 number."""

    kind: str
    body_code: str
    province: str
    site_code: str
    year: int  # four digits
    level: int
    serial: int

    @property
    def prefix(self) -> str:
        return skill_level_prefix(
            kind=self.kind,
            body_code=self.body_code,
            province=self.province,
            site_code=self.site_code,
            year=self.year,
            level=self.level,
        )


@dataclass(frozen=True, slots=True)
class LegacyNumber:
    """The parts of a well-formed legacy 16-digit 职业资格证书 number."""

    year: int  # four digits
    province: str
    city: str
    body_type: str
    body_serial: str
    level: int
    serial: int


def skill_level_prefix(
    *, kind: str, body_code: str, province: str, site_code: str, year: int, level: int
) -> str:
    """The 16 characters before a 职业技能等级证书's serial (the counter's key)."""
    if kind not in ("Y", "S"):
        raise ValueError(f"kind {kind!r}")
    if not (_is_digits(body_code, 4) and _is_digits(province, 2) and _is_digits(site_code, 6)):
        raise ValueError("body, province and site codes are 4, 2 and 6 digits")
    if level not in LEVEL_DIGITS:
        raise ValueError(f"level {level}")
    return f"{kind}{body_code}{province}{site_code}{year % 100:02d}{level}"


def format_skill_level_number(prefix: str, serial: int) -> str:
    """A prefix from :func:`skill_level_prefix` and a serial 1–999999 → the 22-character number."""
    if not 1 <= serial <= SKILL_LEVEL_SERIAL_MAX:
        raise ValueError(f"serial {serial}")
    return f"{prefix}{serial:06d}"


def _is_digits(value: str, length: int) -> bool:
    return len(value) == length and _DIGITS.fullmatch(value) is not None


def _non_digit_positions(value: str, start: int) -> str:
    return "、".join(str(start + i + 1) for i, ch in enumerate(value) if not ("0" <= ch <= "9"))


def check_skill_level_number(
    number: str, *, level: int | None = None, today: dt.date | None = None
) -> tuple[SkillLevelNumber | None, list[NumberFault]]:
    """Take a 职业技能等级证书 number apart: its parts, or every structural fault found (not just the first).

    ``level`` is the certificate's level (the level digit must match it); ``today`` bounds the year.
    """
    today = today or timezone.localdate()
    number = number.strip()
    faults: list[NumberFault] = []
    if len(number) != SKILL_LEVEL_LENGTH:
        faults.append(
            NumberFault(
                "length",
                _("职业技能等级证书编号应为22位，“%(number)s”为%(length)d位")
                % {"number": number, "length": len(number)},
            )
        )
        return None, faults
    letter, digits = number[0], number[1:]
    if letter not in ("Y", "S"):
        faults.append(
            NumberFault(
                "letter",
                _("职业技能等级证书编号第1位应为Y（用人单位）或S（社会培训评价组织），不能是“%(letter)s”")
                % {"letter": letter},
            )
        )
    if not _DIGITS.fullmatch(digits):
        faults.append(
            NumberFault(
                "digits",
                _("职业技能等级证书编号第2–22位应全为数字，第%(positions)s位不是数字")
                % {"positions": _non_digit_positions(digits, 1)},
            )
        )
        return None, faults
    body_code, province, site_code = digits[0:4], digits[4:6], digits[6:12]
    year = 2000 + int(digits[12:14])
    level_digit = int(digits[14])
    serial = int(digits[15:21])
    if province not in PROVINCE_CODES:
        faults.append(
            NumberFault(
                "province",
                _("职业技能等级证书编号第6–7位“%(code)s”不是有效的省份代码") % {"code": province},
            )
        )
    if year < FIRST_SKILL_LEVEL_YEAR:
        faults.append(
            NumberFault(
                "year_too_early",
                _("职业技能等级证书编号中的年份%(year)d早于职业技能等级认定制度实施的%(first)d年")
                % {"year": year, "first": FIRST_SKILL_LEVEL_YEAR},
            )
        )
    elif year > today.year:
        faults.append(
            NumberFault("year_future", _("职业技能等级证书编号中的年份%(year)d晚于今年") % {"year": year})
        )
    if level_digit not in LEVEL_DIGITS:
        faults.append(
            NumberFault(
                "level_digit",
                _("职业技能等级证书编号第16位为等级代码，应为1至5，不能是%(digit)d") % {"digit": level_digit},
            )
        )
    elif level is not None and level != level_digit:
        faults.append(
            NumberFault(
                "level_mismatch",
                _("职业技能等级证书编号中的等级代码%(digit)d与证书等级%(level)s不符")
                % {"digit": level_digit, "level": level_label(level)},
            )
        )
    if serial == 0:
        faults.append(NumberFault("serial", _("职业技能等级证书编号的流水号不能为000000")))
    if faults:
        return None, faults
    return SkillLevelNumber(letter, body_code, province, site_code, year, level_digit, serial), []


def check_legacy_number(
    number: str, *, level: int | None = None, today: dt.date | None = None
) -> tuple[LegacyNumber | None, list[NumberFault]]:
    """Take a legacy 16-digit 职业资格证书 number apart, or list its structural faults."""
    today = today or timezone.localdate()
    number = number.strip()
    if len(number) != LEGACY_LENGTH:
        return None, [
            NumberFault(
                "length",
                _("职业资格证书编号应为16位数字，“%(number)s”为%(length)d位")
                % {"number": number, "length": len(number)},
            )
        ]
    if not _DIGITS.fullmatch(number):
        return None, [
            NumberFault(
                "digits",
                _("职业资格证书编号应全为数字，第%(positions)s位不是数字")
                % {"positions": _non_digit_positions(number, 0)},
            )
        ]
    faults: list[NumberFault] = []
    yy = int(number[0:2])
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    province, city = number[2:4], number[4:6]
    level_digit = int(number[10])
    if year < LEGACY_FIRST_YEAR:
        faults.append(
            NumberFault(
                "year_invalid",
                _("职业资格证书编号前2位年份“%(yy)s”无效（职业资格证书自%(first)d年起颁发）")
                % {"yy": number[0:2], "first": LEGACY_FIRST_YEAR},
            )
        )
    if province not in PROVINCE_CODES:
        faults.append(
            NumberFault(
                "province", _("职业资格证书编号第3–4位“%(code)s”不是有效的省份代码") % {"code": province}
            )
        )
    if level_digit not in LEVEL_DIGITS:
        faults.append(
            NumberFault(
                "level_digit",
                _("职业资格证书编号第11位为等级代码，应为1至5，不能是%(digit)d") % {"digit": level_digit},
            )
        )
    elif level is not None and level != level_digit:
        faults.append(
            NumberFault(
                "level_mismatch",
                _("职业资格证书编号中的等级代码%(digit)d与证书等级%(level)s不符")
                % {"digit": level_digit, "level": level_label(level)},
            )
        )
    if faults:
        return None, faults
    return LegacyNumber(year, province, city, number[6], number[7:10], level_digit, int(number[11:16])), []


def check_pattern_number(number: str, *, pattern: str, type_label: str) -> list[NumberFault]:
    """A 专项/培训合格证 number against its :class:`NumberFormat` pattern (data): the fault, or nothing."""
    number = number.strip()
    try:
        matched = re.fullmatch(pattern, number) is not None
    except re.error:
        matched = False
    if matched:
        return []
    return [
        NumberFault(
            "pattern",
            _("“%(number)s”不符合%(type)s的编号规则") % {"number": number, "type": type_label},
        )
    ]


def _template_fields(template: str) -> list[str]:
    return [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name]


def template_prefix(template: str, values: dict[str, Any]) -> str:
    """The part of a :class:`NumberFormat` template before ``{serial``, filled in: the counter's prefix."""
    head = template.split("{serial", 1)[0]
    return head.format(**values)


def render_template(template: str, values: dict[str, Any], serial: int) -> str:
    """A number from a :class:`NumberFormat` template (``province``, ``city``, ``year``, ``yyyy``, ``body``,
    ``site``, ``item``, ``serial``); unknown fields raise ``KeyError``."""
    missing = [name for name in _template_fields(template) if name != "serial" and name not in values]
    if missing:
        raise KeyError(", ".join(missing))
    return template.format(**values, serial=serial)


def level_label(level: int) -> str:
    """A level's name for messages (五级/初级工 …)."""
    try:
        return str(Level(level).label)
    except ValueError:
        return str(level)
