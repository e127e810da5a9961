"""Certificate numbers: the 22-character 职业技能等级证书, the legacy 16-digit 职业资格证书, numbers defined as data."""

from __future__ import annotations

import datetime as dt

import pytest

from lijiao.certificates.models import NumberFormat
from lijiao.certificates.services.numbering import (
    check_legacy_number,
    check_pattern_number,
    check_skill_level_number,
    format_skill_level_number,
    render_template,
    skill_level_prefix,
    template_prefix,
)

TODAY = dt.date(2026, 6, 1)


def codes(faults: list) -> list[str]:
    return [f.code for f in faults]


def test_skill_level_number_is_built_from_its_parts() -> None:
    prefix = skill_level_prefix(
        kind="Y", body_code="0001", province="23", site_code="210201", year=2019, level=5
    )
    number = format_skill_level_number(prefix, 1)
    assert number == "Y000123210201195000001"  # the SPEC's example shape
    assert len(number) == 22
    parts, faults = check_skill_level_number(number, level=5, today=TODAY)
    assert faults == []
    assert parts is not None
    assert (parts.kind, parts.body_code, parts.province, parts.site_code) == ("Y", "0001", "23", "210201")
    assert (parts.year, parts.level, parts.serial) == (2019, 5, 1)
    assert parts.prefix == prefix


@pytest.mark.parametrize("serial", [0, 1_000_000])
def test_serial_out_of_range_is_refused(serial: int) -> None:
    with pytest.raises(ValueError):
        format_skill_level_number("S000121210201264", serial)


@pytest.mark.parametrize(
    ("number", "level", "code", "words"),
    [
        ("S00012121020126400001", 4, "length", "应为22位"),
        ("S0001212102012640000012", 4, "length", "为23位"),
        ("X000121210201264000001", 4, "letter", "第1位应为Y"),
        ("S00012121O201264000001", 4, "digits", "第10位不是数字"),
        ("S000121210201184000001", 4, "year_too_early", "早于职业技能等级认定制度实施的2019年"),
        ("S000121210201274000001", 4, "year_future", "2027晚于今年"),
        ("S000121210201266000001", 4, "level_digit", "不能是6"),
        ("S000121210201260000001", 4, "level_digit", "不能是0"),
        ("S000121210201263000001", 4, "level_mismatch", "等级代码3与证书等级四级/中级工不符"),
        ("S000199210201264000001", 4, "province", "“99”不是有效的省份代码"),
        ("S000121210201264000000", 4, "serial", "流水号不能为000000"),
    ],
)
def test_each_structural_fault_of_a_skill_level_number(
    number: str, level: int, code: str, words: str
) -> None:
    parts, faults = check_skill_level_number(number, level=level, today=TODAY)
    assert parts is None
    assert code in codes(faults)
    assert any(words in f.message for f in faults), [f.message for f in faults]


def test_several_faults_are_all_reported() -> None:
    _parts, faults = check_skill_level_number("X000121210201176000001", level=4, today=TODAY)
    assert codes(faults) == ["letter", "year_too_early", "level_digit"]


def test_legacy_qualification_number() -> None:
    # 2008, 辽宁 21 大连 02, body type 1, body serial 003, level 3, serial 00042
    parts, faults = check_legacy_number("0821021003300042", level=3, today=TODAY)
    assert faults == []
    assert parts is not None
    assert (parts.year, parts.province, parts.city, parts.body_type, parts.body_serial) == (
        2008,
        "21",
        "02",
        "1",
        "003",
    )
    assert (parts.level, parts.serial) == (3, 42)
    parts, faults = check_legacy_number("9921021003300042", today=TODAY)
    assert faults == [] and parts is not None and parts.year == 1999


@pytest.mark.parametrize(
    ("number", "level", "code"),
    [
        ("082102100330004", None, "length"),
        ("08210210033000421", None, "length"),
        ("08210210033000A2", None, "digits"),
        ("0821021003600042", None, "level_digit"),
        ("0821021003300042", 4, "level_mismatch"),
        ("0899021003300042", None, "province"),
        ("5021021003300042", None, "year_invalid"),
    ],
)
def test_each_structural_fault_of_a_legacy_number(number: str, level: int | None, code: str) -> None:
    parts, faults = check_legacy_number(number, level=level, today=TODAY)
    assert parts is None
    assert codes(faults) == [code]


@pytest.mark.django_db
def test_special_and_training_numbers_follow_their_formats_as_data() -> None:
    special = NumberFormat.objects.get(certificate_type="special")
    values = {
        "province": "21",
        "city": "02",
        "year": "26",
        "yyyy": "2026",
        "body": "",
        "site": "",
        "item": "",
    }
    number = render_template(special.template, values, 7)
    assert number == "ZX210226000007"
    assert template_prefix(special.template, values) == "ZX210226"
    assert check_pattern_number(number, pattern=special.pattern, type_label="专项职业能力证书") == []
    faults = check_pattern_number("ZX2102260007", pattern=special.pattern, type_label="专项职业能力证书")
    assert codes(faults) == ["pattern"]
    assert "不符合专项职业能力证书的编号规则" in faults[0].message
    training = NumberFormat.objects.get(certificate_type="training")
    number = render_template(training.template, values, 12)
    assert number == "PX210220260000012"
    assert check_pattern_number(number, pattern=training.pattern, type_label="培训合格证") == []
    # the format is data: the bureau changes it and new numbers follow
    training.template = "PX{city}{yyyy}{serial:05d}"
    assert render_template(training.template, values, 3) == "PX02202600003"
