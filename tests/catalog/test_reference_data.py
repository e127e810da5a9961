"""Reference data of the catalog (SPEC C1): the bundled CSVs and their idempotent loader."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from lijiao.catalog.models import OCCUPATION_CODE_RE, Category, Occupation, SpecialItem, WorkType
from lijiao.catalog.reference import (
    load_reference_data,
    read_categories,
    read_occupations,
    read_special_items,
)

SPEC_EXAMPLES = {
    "6-31-01-03": "电工",
    "6-18-02-04": "焊工",
    "6-18-01-01": "车工",
    "4-10-01-05": "养老护理员",
    "4-10-01-06": "家政服务员",
    "4-10-01-03": "保育师",
    "4-12-01-01": "汽车维修工",
    "6-31-07-03": "工业机器人系统操作员",
}


def test_occupation_codes_match_the_pattern_and_are_unique() -> None:
    occupations = read_occupations()
    codes = [o.code for o in occupations]
    assert len(codes) >= 220
    assert len(codes) == len(set(codes))
    assert all(OCCUPATION_CODE_RE.match(code) for code in codes)


def test_occupation_names_carry_no_markers() -> None:
    for occupation in read_occupations():
        assert occupation.name == occupation.name.strip()
        assert not occupation.name.endswith(("S", "L")), occupation.name


def test_occupations_are_spread_over_the_training_major_groups() -> None:
    groups = {int(o.code[0]) for o in read_occupations()}
    assert {2, 4, 5, 6} <= groups


def test_spec_examples_are_present_with_their_names_and_flags() -> None:
    by_code = {o.code: o for o in read_occupations()}
    for code, name in SPEC_EXAMPLES.items():
        assert by_code[code].name == name
    assert by_code["6-31-07-03"].is_digital
    assert not by_code["6-31-01-03"].is_digital
    assert by_code["4-02-06-03"].is_green  # 物流服务师L


def test_thirty_five_categories() -> None:
    categories = read_categories()
    assert len(categories) == 35
    assert len({c.name for c in categories}) == 35
    assert {"装备制造", "船舶制造", "养老服务", "创业", "其他"} <= {c.name for c in categories}


def test_special_and_business_start_items() -> None:
    items = read_special_items()
    kinds = [i.kind for i in items]
    assert kinds.count(SpecialItem.Kind.SPECIAL_COMPETENCY) == 61
    assert kinds.count(SpecialItem.Kind.ENTREPRENEURSHIP) == 2
    names = {i.code: i.name for i in items}
    assert names["ZX210200-001"] == "数字新媒体制作"
    assert {"CY-SYB", "CY-WL"} <= names.keys()


@pytest.mark.django_db
def test_loading_twice_gives_the_same_rows() -> None:
    first = load_reference_data()
    assert first == {
        "categories": 35,
        "occupations": Occupation.objects.count(),
        "work_types": WorkType.objects.count(),
        "special_items": 63,
    }
    Occupation.objects.filter(code="6-31-01-03").update(name="旧名称")
    second = load_reference_data()
    assert second == first
    assert Category.objects.count() == 35
    assert SpecialItem.objects.count() == 63
    assert Occupation.objects.count() == first["occupations"]
    assert Occupation.objects.get(code="6-31-01-03").name == "电工"  # corrected in place
    assert Occupation.objects.get(code="6-31-07-03").is_digital


@pytest.mark.django_db
def test_management_command_prints_counts() -> None:
    out = io.StringIO()
    call_command("load_catalog_reference", stdout=out)
    assert "行业类别：35" in out.getvalue()
    assert Category.objects.count() == 35
