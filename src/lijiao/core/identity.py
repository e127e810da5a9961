"""Identity numbers: citizen ID (SPEC D1, GB 11643-1999), unified social credit code (SPEC D2, GB 32100-2015).

Pure Python, no Django. Every error is an ``InvalidCitizenId`` / ``InvalidCreditCode`` (both ``ValueError``)
with a machine ``code`` and a ``message`` for people: Chinese first, then English in brackets.

Input is normalised the way clerks really type it: full-width characters (NFKC), whitespace of any kind
(``\\u3000``, ``\\xa0``, tabs), zero-width characters, dashes and hyphens of any kind, a lowercase ``x``,
a ``×`` typed for ``X``, Excel's leading apostrophe and stray quotes. A value that shows the spreadsheet cell
held a *number* (``3.70102E+17``, ``370102199001011234.0``, an ``int``/``float``/``Decimal``) is refused:
Excel keeps 15 significant digits, so such an ID has already lost its last digits.

Address codes come from ``data/gb2260.csv`` (GB/T 2260 with the years each code was in use) and
``data/gb2260_renumbered.csv`` (a unit that kept its name under a new code). An unknown code, or one not in use in
the birth year (created later, or withdrawn before), is only a warning: real people carry such numbers. A code in
use in the birth year gives no warning, even if withdrawn since: numbers are kept for life.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import functools
import re
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal

from django.utils.translation import gettext as _

__all__ = [
    "CitizenId",
    "IdentityNumberError",
    "InvalidCitizenId",
    "InvalidCreditCode",
    "address_code_name",
    "address_code_status",
    "citizen_id_check_char",
    "credit_code_check_char",
    "parse_citizen_id",
    "parse_credit_code",
]

AddressCodeStatus = Literal["known", "withdrawn", "unknown", "not_in_use_that_year"]

GB2260_CSV: Final = Path(__file__).with_name("data") / "gb2260.csv"
# The same unit given a new code (瓦房店市: 210219 → 219001 → 210281): a number first assigned under the new code
# is normal for a person born while the old code was in use (numbers were assigned at the first card, not at birth).
GB2260_RENUMBERED_CSV: Final = Path(__file__).with_name("data") / "gb2260_renumbered.csv"


# --------------------------------------------------------------------------------------------------- errors


class IdentityNumberError(ValueError):
    """Base of the identity-number errors: ``code`` for machines, ``message`` (Chinese, then English)."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[IdentityNumberError], tuple[str, str]]:
        return (type(self), (self.code, self.message))


class InvalidCitizenId(IdentityNumberError):
    """A citizen ID number that cannot be accepted.

    Codes: ``empty``, ``bad_input``, ``stored_as_number``, ``bad_length``, ``bad_characters``,
    ``bad_check_char``, ``bad_birth_date``, ``future_birth_date``.
    """


class InvalidCreditCode(IdentityNumberError):
    """A unified social credit code that cannot be accepted.

    Codes: ``empty``, ``bad_input``, ``stored_as_number``, ``bad_length``, ``bad_characters``,
    ``bad_admin_division``, ``bad_check_char``, ``bad_org_code_check``.
    """


# ---------------------------------------------------------------------------------------------- normalising

# Whitespace of every kind, soft hyphen, zero-width and bidi marks, BOM, and dashes/hyphens of every kind.
_JUNK_RE: Final = re.compile(
    r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
    r"\-\u2010-\u2015\u2212\u2e3a\u2e3b\u30fc\ufe58\ufe63\uff0d]+"
)
# Excel's "force text" apostrophe and quotes left over from CSV or copy-paste, at either end.
_QUOTES: Final = "'\"`‘’“”"
_TO_X: Final = str.maketrans({"x": "X", "×": "X"})

# 3.70102E+17, 3,70102E+17, 3.70102e17 ... (a comma may stand for the decimal point in some locales)
_SCIENTIFIC_RE: Final = re.compile(r"\d+(?:[.,]\d*)?E\+?\d+")
# 370102199001011234.0 / .00, and thousands separators: 370,102,199,001,011,000
_TRAILING_ZERO_DECIMAL_RE: Final = re.compile(r"\d+[.,]0+")
_THOUSANDS_RE: Final = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.0+)?")


def _normalise(raw: str) -> str:
    """NFKC, drop junk characters and surrounding quotes, upper-case."""
    text = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)
    text = _JUNK_RE.sub("", text).strip(_QUOTES)
    return text.translate(_TO_X).upper()


def _looks_like_excel_number(text: str) -> bool:
    return bool(
        _SCIENTIFIC_RE.fullmatch(text)
        or _TRAILING_ZERO_DECIMAL_RE.fullmatch(text)
        or _THOUSANDS_RE.fullmatch(text)
    )


def _citizen_id_noun() -> str:
    return _("身份证号")


def _credit_code_noun() -> str:
    return _("统一社会信用代码")


def _stored_as_number_message(what: str, shown: str) -> str:
    return _(
        "%(what)s被存成了数字（%(shown)s）：Excel 的数字只保留 15 位有效数字，后几位已丢失或被改动，"
        "请把该列单元格格式设为“文本”，再按原件重新录入"
    ) % {"what": what, "shown": shown}


def _check_text_input[E: IdentityNumberError](raw: object, error: type[E], what: str) -> str:
    """Return ``raw`` as text, or raise ``error`` for values that are not text (``what`` names the number)."""
    if isinstance(raw, str):
        return raw
    if raw is None:
        raise error("empty", _("%(what)s为空") % {"what": what})
    if isinstance(raw, int | float | Decimal):  # bool is an int: “True” is no more text than 1
        if isinstance(raw, bool):
            raise error(
                "bad_input", _("%(what)s必须是文本，收到的是“%(value)s”") % {"what": what, "value": raw}
            )
        raise error("stored_as_number", _stored_as_number_message(what, str(raw)))
    raise error("bad_input", _("%(what)s必须是文本") % {"what": what})


def _list_chars(chars: list[str]) -> str:
    return _("、").join(f"“{c}”" for c in chars)


# --------------------------------------------------------------------------------------------- citizen ID

_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(18 - position) mod 11
_ID_CHECK_CHARS: Final = "10X98765432"
_MIN_BIRTH_DATE: Final = datetime.date(1900, 1, 1)
_PERMIT_CODES: Final = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
_NO_WARNINGS: Final[tuple[str, ...]] = ()
_ID_CHARS: Final = frozenset("0123456789X")


def _id_check_char(first17: str) -> str:
    """Check character of 17 ASCII digits (not validated here).

    The weights are 2**(18 - i) mod 11 and 13 ≡ 2 (mod 11), so Σ aᵢ·2**(18 - i) ≡ 2·int(first17, 13): the C
    integer parser does the weighted sum, several times faster than a Python loop. ``citizen_id_check_char``
    computes the plain weighted sum; the tests check that the two agree.
    """
    return _ID_CHECK_CHARS[2 * int(first17, 13) % 11]


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A valid citizen ID number and what it says."""

    number: str  # canonical: 18 characters, upper-case X
    birth_date: datetime.date
    gender: Literal["M", "F"]  # the 17th digit: odd is male
    address_code: str  # the first 6 digits
    kind: Literal["resident", "hk_macao_taiwan_permit"]
    upgraded_from_15: bool
    warnings: tuple[str, ...]  # for people, in the active language


# parse_citizen_id runs a million times in a bulk import, and a frozen dataclass's __init__ costs more than
# the rest of the parse: the result is built by setting its slots directly (same object, no __post_init__).
(
    _set_number,
    _set_birth_date,
    _set_gender,
    _set_address_code,
    _set_kind,
    _set_upgraded_from_15,
    _set_warnings,
) = (CitizenId.__dict__[field.name].__set__ for field in dataclasses.fields(CitizenId))


def _new_citizen_id(
    *,
    number: str,
    birth_date: datetime.date,
    gender: Literal["M", "F"],
    address_code: str,
    kind: Literal["resident", "hk_macao_taiwan_permit"],
    upgraded_from_15: bool,
    warnings: tuple[str, ...],
) -> CitizenId:
    result = object.__new__(CitizenId)
    _set_number(result, number)
    _set_birth_date(result, birth_date)
    _set_gender(result, gender)
    _set_address_code(result, address_code)
    _set_kind(result, kind)
    _set_upgraded_from_15(result, upgraded_from_15)
    _set_warnings(result, warnings)
    return result


def citizen_id_check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits of a citizen ID."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise InvalidCitizenId(
            "bad_input",
            _("计算校验位需要 17 位数字，收到“%(value)s”") % {"value": first17},
        )
    return _ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_citizen_id(raw: object, *, today: datetime.date | None = None) -> CitizenId:
    """Validate and normalise a citizen ID number (SPEC D1).

    Accepts 18-character numbers and legacy 15-digit ones (upgraded: ``19`` is inserted before the year and
    the check character appended). Errors (``InvalidCitizenId``): not text, stored as a number by Excel,
    wrong length or characters, wrong check character, impossible birth date, a birth date in the future
    (relative to ``today``, default: the local date) or before 1900. An unknown, withdrawn or not-yet-used
    address code is only a warning in ``CitizenId.warnings``. 810000/820000/830000 are the residence permits
    of Hong Kong, Macao and Taiwan residents (``kind="hk_macao_taiwan_permit"``).
    """
    # Fast path: 18 ASCII characters of which the first 17 are digits, as nearly every row is.
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit():
        text = raw
        last = text[17]
        if last == "x":
            text = text[:17] + "X"
        elif last != "X" and not last.isdigit():
            text = _clean_citizen_id(text)
    else:
        text = _clean_citizen_id(raw)

    if len(text) == 15:
        first17 = f"{text[:6]}19{text[6:]}"
        number = first17 + _id_check_char(first17)
        upgraded = True
    else:
        number = text
        expected = _ID_CHECK_CHARS[2 * int(text[:17], 13) % 11]  # _id_check_char, inlined
        if text[17] != expected:
            raise InvalidCitizenId("bad_check_char", _bad_id_check_message(text, expected))
        upgraded = False

    birth = _birth_date(number, today, upgraded)
    address = number[:6]
    kind: Literal["resident", "hk_macao_taiwan_permit"] = "resident"
    if address in _PERMIT_CODES:
        kind = "hk_macao_taiwan_permit"
        warnings = _NO_WARNINGS
    elif _in_use_since().get(address, 9999) <= birth.year:  # the common case: in use since before the birth
        warnings = _NO_WARNINGS
    else:
        warnings = _address_warnings(address, birth.year)
    # gender: an odd 17th digit is male (an ASCII digit's code has the digit's parity)
    return _new_citizen_id(
        number=number,
        birth_date=birth,
        gender="M" if ord(number[16]) & 1 else "F",
        address_code=address,
        kind=kind,
        upgraded_from_15=upgraded,
        warnings=warnings,
    )


def _clean_citizen_id(raw: object) -> str:
    """Normalise anything that is not already 18 clean characters; returns 15 digits or 17 + a digit/X."""
    text = _normalise(_check_text_input(raw, InvalidCitizenId, _citizen_id_noun()))
    if not text:
        raise InvalidCitizenId("empty", _("身份证号为空"))
    if _looks_like_excel_number(text):
        raise InvalidCitizenId(
            "stored_as_number", _stored_as_number_message(_citizen_id_noun(), _raw_text(raw))
        )
    bad = sorted({c for c in text if c not in _ID_CHARS})
    if bad:
        raise InvalidCitizenId(
            "bad_characters",
            _("身份证号含有非法字符：%(chars)s。身份证号只能是数字，最后一位可以是 X")
            % {"chars": _list_chars(bad)},
        )
    if "X" in text[:-1]:
        raise InvalidCitizenId("bad_characters", _("身份证号中的 X 只能是最后一位"))
    n = len(text)
    if n == 15 and text[-1] == "X":
        raise InvalidCitizenId("bad_characters", _("15 位旧身份证号全部是数字，不能含 X"))
    if n not in (15, 18):
        raise InvalidCitizenId(
            "bad_length", _("身份证号应为 18 位（旧版 15 位），实际为 %(count)s 位") % {"count": n}
        )
    return text


def _raw_text(raw: object) -> str:
    """The value as the clerk typed it, trimmed, for messages."""
    return str(raw).strip()


def _bad_id_check_message(text: str, expected: str) -> str:
    values = {"expected": expected, "actual": text[17]}
    if text.endswith("000"):
        return (
            _(
                "身份证号校验位错误：第18位应为 %(expected)s，实为 %(actual)s；末尾是 000，常见于 Excel 把身份证号"
                "存成数字而丢失了后几位，请把该列单元格格式设为“文本”，再按原件重新录入"
            )
            % values
        )
    return _("身份证号校验位错误：第18位应为 %(expected)s，实为 %(actual)s") % values


def _birth_date(number: str, today: datetime.date | None, upgraded: bool) -> datetime.date:
    yyyymmdd = int(number[6:14])
    try:
        birth = datetime.date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        shown = number[8:14] if upgraded else number[6:14]
        raise InvalidCitizenId(
            "bad_birth_date",
            _("身份证号中的出生日期 %(date)s（第%(first)s–%(last)s位）不是真实存在的日期")
            % {"date": shown, "first": 7, "last": 12 if upgraded else 14},
        ) from None
    if birth < _MIN_BIRTH_DATE:
        raise InvalidCitizenId(
            "bad_birth_date", _("身份证号中的出生日期 %(date)s 早于 1900-01-01") % {"date": birth.isoformat()}
        )
    if today is None:
        today = _local_today()
    if birth > today:
        raise InvalidCitizenId(
            "future_birth_date",
            _("身份证号中的出生日期 %(date)s 晚于今天（%(today)s）")
            % {"date": birth.isoformat(), "today": today.isoformat()},
        )
    return birth


# date.today() costs about as much as the rest of the parse: it is remembered from the moment it was read
# until the next local midnight (a clock set back, e.g. frozen by a test, reads it afresh).
_today: datetime.date = datetime.date.min
_today_from: float = 0.0
_today_until: float = 0.0


def _local_today() -> datetime.date:
    """Today's local date, cached until the next local midnight."""
    global _today, _today_from, _today_until
    now = time.time()
    if _today_from <= now < _today_until:
        return _today
    today = datetime.date.today()  # noqa: DTZ011 - a birth date is compared with the local calendar date
    midnight = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
    _today_until = 0.0  # readers in other threads fall through to date.today() while this is updated
    _today, _today_from, _today_until = today, now, midnight.timestamp()
    return today


# -------------------------------------------------------------------------------------------- address codes

# One span of use of a code: (first year in use, year withdrawn, name). 0 / 9999 stand for "open".
type _Span = tuple[int, int, str]


@functools.cache
def _address_table() -> dict[str, tuple[_Span, ...]]:
    """GB/T 2260 codes with their years of use, read once from ``data/gb2260.csv``."""
    table: dict[str, list[_Span]] = {}
    with GB2260_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            start = int(row["start_year"]) if row["start_year"] else 0
            end = int(row["end_year"]) if row["end_year"] else 9999
            table.setdefault(row["code"], []).append((start, end, row["name"]))
    with GB2260_RENUMBERED_CSV.open(encoding="utf-8", newline="") as f:
        renumbered = sorted(csv.DictReader(f), key=lambda row: int(row["year"]))
    for row in renumbered:  # in year order, so a chain (a → b → c) carries a's years on to c
        earlier = [(start, min(end, int(row["year"])), name) for start, end, name in table[row["old_code"]]]
        table[row["new_code"]] = sorted({*earlier, *table[row["new_code"]]})
    return {code: tuple(spans) for code, spans in table.items()}


@functools.cache
def _in_use_since() -> dict[str, int]:
    """Codes in use today, with the first year of their current span (0: since the first list)."""
    return {
        code: start for code, spans in _address_table().items() for start, end, _name in spans if end == 9999
    }


def address_code_status(code: str, birth_year: int | None = None) -> AddressCodeStatus:
    """Where a 6-digit address code stands in GB/T 2260.

    ``unknown``: not in the table. ``not_in_use_that_year`` (only with ``birth_year``): the code was not in
    use in that year (created later, or withdrawn before). ``withdrawn``: no longer in use today (it was in
    use in ``birth_year``, when given). ``known``: in use today (and in ``birth_year``, when given).
    The residence-permit codes 810000/820000/830000 are ``known``.
    """
    if code in _PERMIT_CODES:
        return "known"
    spans = _address_table().get(code)
    if spans is None:
        return "unknown"
    if birth_year is not None and not any(start <= birth_year <= end for start, end, _name in spans):
        return "not_in_use_that_year"
    if any(end == 9999 for _start, end, _name in spans):
        return "known"
    return "withdrawn"


def address_code_name(code: str, birth_year: int | None = None) -> str | None:
    """The division name of an address code (as in ``birth_year`` if it was in use then), or ``None``."""
    if code in _PERMIT_CODES:
        return _PERMIT_CODES[code]
    spans = _address_table().get(code)
    if not spans:
        return None
    if birth_year is not None:
        for start, end, name in spans:
            if start <= birth_year <= end:
                return name
    return spans[-1][2]


def _address_warnings(code: str, year: int) -> tuple[str, ...]:
    spans = _address_table().get(code)
    if spans is None:
        return (_("地址码 %(code)s 不在行政区划代码（GB/T 2260）中，请核对身份证号") % {"code": code},)
    if any(start <= year <= end for start, end, _name in spans):
        # In use in the birth year: normal, even if renamed or withdrawn since (a number is kept for life, and
        # every 普兰店 trainee born 1991–2014 carries 210282) — a warning here would fire on ordinary IDs.
        return _NO_WARNINGS
    # Not in use in the birth year: created later, or withdrawn before.
    later = [s for s in spans if s[0] > year]
    if later:
        start, _end, name = min(later)
        return (
            _(
                "地址码 %(code)s（%(name)s）自 %(start)s 年起启用，晚于出生年份 %(birth_year)s；"
                "若首次办证晚于启用年份属正常情况，请核对"
            )
            % {"code": code, "name": name, "start": start, "birth_year": year},
        )
    _start, end, name = max(spans, key=lambda s: s[1])
    return (
        _("地址码 %(code)s（%(name)s）已于 %(year)s 年撤销，早于出生年份 %(birth_year)s，请核对")
        % {"code": code, "name": name, "year": end, "birth_year": year},
    )


# ------------------------------------------------------------------------------- unified social credit code

_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES: Final = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(c not in _USCC_VALUES for c in first17):
        raise InvalidCreditCode(
            "bad_input",
            _("计算校验位需要 17 个代码字符，收到“%(value)s”") % {"value": first17},
        )
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code: digits are their value, letters A=10 … Z=35."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def parse_credit_code(raw: object) -> str:
    """Validate a unified social credit code (SPEC D2, GB 32100-2015) and return its canonical 18 characters.

    Upper-cases and removes spaces and dashes first. Errors (``InvalidCreditCode``): not 18 characters,
    characters outside ``0-9 A-Z`` less ``I O Z S V``, positions 3–8 (administrative division) not digits,
    a wrong check character, or a wrong check character of the organisation code in positions 9–17.
    """
    text = _normalise(_check_text_input(raw, InvalidCreditCode, _credit_code_noun()))
    if not text:
        raise InvalidCreditCode("empty", _("统一社会信用代码为空"))
    # "12345678E123456789" is a possible code, "1.12302E+17" is Excel's display of one stored as a number.
    if (len(text) != 18 or not text.isalnum()) and _looks_like_excel_number(text):
        raise InvalidCreditCode(
            "stored_as_number", _stored_as_number_message(_credit_code_noun(), _raw_text(raw))
        )
    bad = sorted({c for c in text if c not in _USCC_VALUES})
    if bad:
        raise InvalidCreditCode(
            "bad_characters",
            _("统一社会信用代码含有非法字符：%(chars)s。代码只用数字和大写字母，且不用 I、O、Z、S、V")
            % {"chars": _list_chars(bad)},
        )
    n = len(text)
    if n != 18:
        if n == 15 and text.isdigit():
            message = _("统一社会信用代码应为 18 位，实际为 %(count)s 位；这像是旧的 15 位工商注册号")
        elif n == 9:
            message = _("统一社会信用代码应为 18 位，实际为 %(count)s 位；这像是 9 位组织机构代码")
        else:
            message = _("统一社会信用代码应为 18 位，实际为 %(count)s 位")
        raise InvalidCreditCode("bad_length", message % {"count": n})
    if not text[2:8].isdigit():
        raise InvalidCreditCode(
            "bad_admin_division",
            _("统一社会信用代码第3–8位（登记机关行政区划码）应为数字，实为“%(value)s”")
            % {"value": text[2:8]},
        )
    expected = credit_code_check_char(text[:17])
    if text[17] != expected:
        raise InvalidCreditCode(
            "bad_check_char",
            _("统一社会信用代码校验位错误：第18位应为 %(expected)s，实为 %(actual)s")
            % {"expected": expected, "actual": text[17]},
        )
    org_expected = _org_code_check_char(text[8:16])
    if text[16] != org_expected:
        raise InvalidCreditCode(
            "bad_org_code_check",
            _(
                "统一社会信用代码第9–17位（组织机构代码 %(org_code)s）的校验位错误：第17位应为 %(expected)s，"
                "实为 %(actual)s"
            )
            % {"org_code": text[8:17], "expected": org_expected, "actual": text[16]},
        )
    return text
