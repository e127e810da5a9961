"""Issue 9, policy 1 and 2: 工种 under occupations, the levels each occupation's standard defines (技能等级 or
专业技术等级), and the whole 职业分类大典 (2022) as reference data (ADR 0008)."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from lijiao.accounts.models import User
from lijiao.audit.models import AuditEvent
from lijiao.catalog.exporters import edition_xlsx
from lijiao.catalog.importers import HEADER, import_edition_file
from lijiao.catalog.models import CatalogItem, Edition, Level, LevelScheme, Occupation, WorkType
from lijiao.catalog.reference import DATA_DIR, load_reference_data, read_occupations, read_work_types
from lijiao.catalog.services import ItemInput, add_item, create_edition
from lijiao.core.errors import DomainError
from tests.catalog.conftest import item_data
from tests.translations import CHINESE

# --- the reference data: the whole 2022 book --------------------------------------------------------------------

BOOK_PER_MAJOR_GROUP = {"1": 25, "2": 492, "3": 36, "4": 356, "5": 54, "6": 671, "7": 4, "8": 1}


def _book_rows() -> list[dict[str, str]]:
    with (DATA_DIR / "occupations.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_book_file_holds_all_1639_occupations_per_major_group() -> None:
    rows = _book_rows()
    assert len(rows) == len({r["code"] for r in rows}) == 1639
    assert Counter(r["code"][0] for r in rows) == BOOK_PER_MAJOR_GROUP
    with (DATA_DIR / "groups.csv").open(encoding="utf-8") as handle:
        groups = {g["code"]: g["name"] for g in csv.DictReader(handle)}
    assert Counter(len(code) for code in groups) == {1: 8, 4: 79, 7: 450}  # 大类, 中类, 小类
    assert all(r["code"][:4] in groups and r["code"][:7] in groups for r in rows)
    assert groups["4-10-01"] == "生活照料服务人员"
    # the 5 “其他……人员” 中类 and the 68 “其他” 小类 hold no occupation of their own
    assert len({r["code"][:4] for r in rows}) == 79 - 5
    assert len({r["code"][:7] for r in rows}) == 450 - 68
    assert sum(r["is_digital"] == "1" for r in rows) == 97  # S: 数字职业
    assert sum(r["is_green"] == "1" for r in rows) == 134  # L: 绿色职业


def test_occupations_of_the_book_and_those_announced_since_are_read() -> None:
    codes = {o.code: o for o in read_occupations()}
    assert len(codes) == 1639 + 9
    assert codes["4-10-01-01"].name == "婴幼儿发展引导员"
    assert codes["2-02-38-03"].name == "大数据工程技术人员"
    assert codes["4-10-01-07"].name == "家政服务经理人"  # announced after 2022 (occupations_added.csv)
    # 4-10-01-02 育婴员 is a 2015 code: the 2022 book has no 4-10-01-02 (ADR 0008)
    assert "4-10-01-02" not in codes


def test_known_work_types_and_yuyingyuan() -> None:
    work_types = {name: occupation for _code, occupation, name in read_work_types(read_occupations())}
    assert work_types["电焊工"] == "6-18-02-04"
    assert work_types["数控车工"] == "6-18-01-01"
    assert work_types["汽车电器维修工"] == "4-12-01-01"
    assert work_types["育婴员"] == "4-10-01-01"


@pytest.mark.django_db
def test_loading_stores_standards_and_work_types() -> None:
    counts = load_reference_data()
    assert counts["occupations"] == Occupation.objects.count() == 1648
    assert counts["work_types"] == WorkType.objects.count()
    guide = Occupation.objects.get(code="4-10-01-01")
    assert guide.allowed_levels == (4, 3, 2, 1)
    big_data = Occupation.objects.get(code="2-02-38-03")
    assert big_data.level_scheme == LevelScheme.PROFESSIONAL
    assert big_data.allowed_levels == (Level.JUNIOR, Level.INTERMEDIATE, Level.SENIOR)
    assert Occupation.objects.get(code="6-18-02-04").allowed_levels == (5, 4, 3, 2, 1)
    assert WorkType.objects.get(name="育婴员").occupation == guide
    assert load_reference_data() == counts  # idempotent


# --- items: 工种, standard levels, level schemes ---------------------------------------------------------------


@pytest.fixture
def ref(catalog_ref: dict[str, Any]) -> dict[str, Any]:
    lathe = Occupation.objects.update_or_create(code="6-18-01-01", defaults={"name": "车工"})[0]
    guide = Occupation.objects.update_or_create(
        code="4-10-01-01", defaults={"name": "婴幼儿发展引导员", "defined_levels": [4, 3, 2, 1]}
    )[0]
    big_data = Occupation.objects.update_or_create(
        code="2-02-38-03",
        defaults={"name": "大数据工程技术人员", "level_scheme": LevelScheme.PROFESSIONAL, "is_digital": True},
    )[0]
    return {
        **catalog_ref,
        "lathe": lathe,
        "cnc_lathe": WorkType.objects.update_or_create(
            code="6-18-01-01-02", defaults={"occupation": lathe, "name": "数控车工"}
        )[0],
        "guide": guide,
        "big_data": big_data,
    }


@pytest.fixture
def draft(catalog_officer: User) -> Edition:
    return create_edition(actor=catalog_officer, name="2027年版", year=2027)


def _with(ref: dict[str, Any], subject: str, level: int, work_type: str | None = None) -> ItemInput:
    data = item_data(ref, subject, level=level, amount="1000")
    return dataclasses.replace(data, work_type=ref[work_type] if work_type else None)


def _fields(data: ItemInput) -> dict[str, Any]:
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(data)}


def _refused(call: Any, field: str, text: str) -> None:
    items, events = CatalogItem.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        call()
    messages = [e.message for e in caught.value.errors if e.field == field]
    assert any(text in m for m in messages), caught.value.errors
    assert all(CHINESE.search(m) for m in messages)
    assert (CatalogItem.objects.count(), AuditEvent.objects.count()) == (items, events)


@pytest.mark.django_db
def test_an_occupation_and_its_work_types_are_listed_side_by_side(catalog_officer, draft, ref) -> None:
    add_item(actor=catalog_officer, edition=draft, data=_with(ref, "welder", 5))
    arc = add_item(actor=catalog_officer, edition=draft, data=_with(ref, "welder", 5, "arc_welder"))
    add_item(actor=catalog_officer, edition=draft, data=_with(ref, "lathe", 4, "cnc_lathe"))
    assert arc.subject_name == "焊工（电焊工）"
    assert arc.key == ("occupation", "6-18-02-04", "6-18-02-04-01", 5)
    assert CatalogItem.objects.filter(edition=draft).count() == 3


@pytest.mark.django_db
def test_the_same_work_type_and_level_twice_is_refused(catalog_officer, draft, ref) -> None:
    add_item(actor=catalog_officer, edition=draft, data=_with(ref, "welder", 5, "arc_welder"))
    _refused(
        lambda: add_item(actor=catalog_officer, edition=draft, data=_with(ref, "welder", 5, "arc_welder")),
        "__all__",
        "本版目录中已有该项目",
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database refuses it too
        CatalogItem.objects.create(edition=draft, **_fields(_with(ref, "welder", 5, "arc_welder")))


@pytest.mark.django_db
def test_a_work_type_of_another_occupation_is_refused(catalog_officer, draft, ref) -> None:
    _refused(
        lambda: add_item(
            actor=catalog_officer, edition=draft, data=_with(ref, "electrician", 5, "arc_welder")
        ),
        "work_type",
        "工种“电焊工”不属于职业“电工”",
    )


@pytest.mark.django_db
def test_a_level_the_standard_does_not_define_is_refused(catalog_officer, draft, ref) -> None:
    _refused(
        lambda: add_item(actor=catalog_officer, edition=draft, data=_with(ref, "guide", 5)),
        "level",
        "职业“婴幼儿发展引导员”的国家职业标准没有“五级/初级工”，只设四级/中级工、三级/高级工、二级/技师、一级/高级技师",
    )
    item = add_item(actor=catalog_officer, edition=draft, data=_with(ref, "guide", 4))
    assert item.get_level_display() == "四级/中级工"


@pytest.mark.django_db
def test_a_professional_occupation_takes_junior_intermediate_senior(catalog_officer, draft, ref) -> None:
    _refused(
        lambda: add_item(actor=catalog_officer, edition=draft, data=_with(ref, "big_data", 3)),
        "level",
        "只设初级（专业技术）、中级（专业技术）、高级（专业技术）",
    )
    _refused(
        lambda: add_item(actor=catalog_officer, edition=draft, data=_with(ref, "welder", Level.INTERMEDIATE)),
        "level",
        "职业“焊工”的国家职业标准没有“中级（专业技术）”",
    )
    item = add_item(actor=catalog_officer, edition=draft, data=_with(ref, "big_data", Level.INTERMEDIATE))
    assert item.get_level_display() == "中级（专业技术）"


# --- import and export -----------------------------------------------------------------------------------------


def _xlsx(rows: list[dict[str, Any]]) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    defaults = {"行业类别": "装备制造", "培训补贴标准（元）": "1000", "最低课时": "56"}
    for r, row in enumerate(rows, start=1):
        values = {**defaults, **row}
        for c, label in enumerate(HEADER):
            sheet.write_string(r, c, str(values.get(label, "")))
    book.close()
    return output.getvalue()


@pytest.mark.django_db
def test_import_reads_work_types_and_professional_levels_and_export_writes_them(
    catalog_officer, draft, ref
) -> None:
    data = _xlsx(
        [
            {"编码": "6-18-02-04", "名称": "焊工", "等级": "五级"},
            {"编码": "6-18-02-04", "名称": "焊工（电焊工）", "等级": "五级"},
            {"编码": "6-18-01-01", "名称": "车工", "工种": "数控车工", "等级": "四级"},
            {"编码": "2-02-38-03", "名称": "大数据工程技术人员", "等级": "中级"},
            {"编码": "2-02-38-03", "名称": "大数据工程技术人员", "等级": "高级（专业技术）"},
        ]
    )
    result = import_edition_file(actor=catalog_officer, edition=draft, file_name="目录.xlsx", data=data)
    assert (result.imported_rows, result.errors) == (5, [])
    items = {(i.subject_name, i.get_level_display()) for i in CatalogItem.objects.filter(edition=draft)}
    assert items == {
        ("焊工", "五级/初级工"),
        ("焊工（电焊工）", "五级/初级工"),
        ("车工（数控车工）", "四级/中级工"),
        ("大数据工程技术人员", "中级（专业技术）"),
        ("大数据工程技术人员", "高级（专业技术）"),
    }
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_filelike(io.BytesIO(edition_xlsx(draft))).get_sheet_by_index(0).to_python()
    header = next(r for r in rows if "工种" in r)
    body = [dict(zip(header, r, strict=False)) for r in rows[rows.index(header) + 1 :]]
    assert {(r["名称"], r["工种"], r["等级"]) for r in body} == {
        ("焊工", "", "五级"),
        ("焊工", "电焊工", "五级"),
        ("车工", "数控车工", "四级"),
        ("大数据工程技术人员", "", "中级"),
        ("大数据工程技术人员", "", "高级"),
    }
    again = create_edition(actor=catalog_officer, name="再导入", year=2027)
    back = import_edition_file(
        actor=catalog_officer, edition=again, file_name="x.xlsx", data=edition_xlsx(draft)
    )
    assert (back.imported_rows, back.errors) == (5, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            {"编码": "4-10-01-01", "名称": "婴幼儿发展引导员", "等级": "五级"},
            "等级",
            "国家职业标准没有“五级/初级工”",
        ),
        (
            {"编码": "2-02-38-03", "名称": "大数据工程技术人员", "等级": "三级"},
            "等级",
            "该职业为专业技术等级，应为初级、中级或高级",
        ),
        (
            {"编码": "6-18-02-04", "名称": "焊工", "工种": "氩弧焊工", "等级": "五级"},
            "工种",
            "没有工种“氩弧焊工”",
        ),
        (
            {"编码": "6-18-02-04", "名称": "焊工（电焊工）", "等级": "五级", "工种": ""},
            None,
            None,
        ),
    ],
)
def test_import_refuses_undefined_levels_and_unknown_work_types(
    catalog_officer, draft, ref, row, column, message
) -> None:
    duplicate = {"编码": "6-18-02-04", "名称": "焊工", "工种": "电焊工", "等级": "五级"}
    data = _xlsx([row, duplicate] if column is None else [row])
    result = import_edition_file(actor=catalog_officer, edition=draft, file_name="目录.xlsx", data=data)
    assert result.imported_rows == 0
    assert CatalogItem.objects.filter(edition=draft).count() == 0
    if column is None:  # 焊工（电焊工） in the name column and 电焊工 in the 工种 column are the same item
        assert any("重复" in e.message for e in result.errors)
    else:
        assert [(e.column, message in e.message) for e in result.errors] == [(column, True)], result.errors


# --- API and screens -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_creates_a_work_type_item_and_lists_occupations_with_their_standards(
    client: Client, catalog_officer: User, draft: Edition, ref: dict[str, Any]
) -> None:
    client.force_login(catalog_officer)
    body = {
        "kind": "occupation",
        "subject_code": "6-18-02-04",
        "work_type_code": "6-18-02-04-01",
        "level": 4,
        "category_code": "equipment",
        "subsidy_standard": "1200.00",
        "min_lesson_hours": 56,
    }
    response = client.post(
        f"/api/v1/catalog/editions/{draft.pk}/items", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["subject_name"], out["work_type_name"], out["level_label"]) == (
        "焊工（电焊工）",
        "电焊工",
        "四级/中级工",
    )
    add_item(actor=catalog_officer, edition=draft, data=_with(ref, "welder", 4))
    listed = client.get(f"/api/v1/catalog/editions/{draft.pk}/items", {"work_type": "6-18-02-04-01"}).json()
    assert [i["subject_name"] for i in listed["items"]] == ["焊工（电焊工）"]
    listed = client.get(f"/api/v1/catalog/editions/{draft.pk}/items", {"q": "电焊"}).json()
    assert [i["subject_name"] for i in listed["items"]] == ["焊工（电焊工）"]
    bad = {**body, "work_type_code": "6-18-01-01-02"}
    response = client.post(f"/api/v1/catalog/editions/{draft.pk}/items", bad, content_type="application/json")
    assert response.status_code == 400
    assert "没有编码为“6-18-01-01-02”的工种" in response.content.decode()
    assert CatalogItem.objects.filter(edition=draft).count() == 2

    WorkType.objects.create(code="4-10-01-01-01", occupation=ref["guide"], name="育婴员")
    listed = client.get("/api/v1/catalog/occupations", {"q": "育婴员"}).json()
    assert [(o["code"], o["allowed_levels"]) for o in listed["items"]] == [("4-10-01-01", [4, 3, 2, 1])]
    assert listed["items"][0]["work_types"] == [{"code": "4-10-01-01-01", "name": "育婴员"}]


@pytest.mark.django_db
def test_item_form_takes_a_work_type_and_refuses_an_undefined_level(
    client: Client, catalog_officer: User, draft: Edition, ref: dict[str, Any]
) -> None:
    client.force_login(catalog_officer)
    url = reverse("catalog:manage_item_add", args=[draft.pk])
    form = {
        "item-kind": "occupation",
        "item-occupation": "6-18-02-04 焊工",
        "item-work_type": "6-18-02-04-01 电焊工",
        "item-level": "4",
        "item-category": ref["equipment"].pk,
        "item-subsidy_standard": "1200",
        "item-min_lesson_hours": "56",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CatalogItem.objects.get(edition=draft).work_type == ref["arc_welder"]
    page = client.get(reverse("catalog:manage_edition", args=[draft.pk])).content.decode()
    assert "焊工（电焊工）" in page
    response = client.post(
        url, {**form, "item-occupation": "4-10-01-01", "item-work_type": "", "item-level": "5"}
    )
    assert response.status_code == 200
    assert "只设四级/中级工" in response.content.decode()
    assert CatalogItem.objects.filter(edition=draft).count() == 1


@pytest.mark.django_db
def test_public_catalog_shows_work_type_and_professional_level(client: Client, catalog_officer, ref) -> None:
    import datetime as dt

    from lijiao.catalog.services import publish_edition

    edition = create_edition(actor=catalog_officer, name="现行", year=2020)
    add_item(actor=catalog_officer, edition=edition, data=_with(ref, "welder", 4, "arc_welder"))
    add_item(actor=catalog_officer, edition=edition, data=_with(ref, "big_data", Level.SENIOR))
    publish_edition(actor=catalog_officer, edition=edition, effective_from=dt.date(2020, 1, 1))
    page = client.get(reverse("catalog:public_list")).content.decode()
    assert "焊工（电焊工）" in page and "高级（专业技术）" in page
    assert Decimal("1000") == CatalogItem.objects.filter(edition=edition).first().subsidy_standard


@pytest.mark.django_db
def test_item_form_names_the_work_types_an_occupation_has(
    client: Client, catalog_officer: User, draft: Edition, ref: dict[str, Any]
) -> None:
    client.force_login(catalog_officer)
    response = client.post(
        reverse("catalog:manage_item_add", args=[draft.pk]),
        {
            "item-kind": "occupation",
            "item-occupation": "6-18-02-04",
            "item-work_type": "氩弧焊工",
            "item-level": "4",
            "item-category": ref["equipment"].pk,
            "item-subsidy_standard": "1200",
            "item-min_lesson_hours": "56",
        },
    )
    assert response.status_code == 200
    assert "职业“焊工”没有工种“氩弧焊工”（已登记的工种：电焊工）" in response.content.decode()
    assert not CatalogItem.objects.filter(edition=draft).exists()


@pytest.mark.django_db
def test_lists_of_work_type_items_cost_the_same_queries_for_more_items(
    client: Client, catalog_officer: User, ref: dict[str, Any]
) -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lijiao.catalog.services import publish_edition

    edition = create_edition(actor=catalog_officer, name="现行", year=2020)
    work_types = [
        WorkType.objects.create(code=f"6-18-02-04-{n:02d}", occupation=ref["welder"], name=f"焊工{n}")
        for n in range(10, 20)
    ]
    client.force_login(catalog_officer)
    urls = [
        reverse("catalog:manage_edition", args=[edition.pk]),
        f"/api/v1/catalog/editions/{edition.pk}/items",
    ]

    def queries() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    for work_type in work_types[:2]:
        add_item(
            actor=catalog_officer,
            edition=edition,
            data=dataclasses.replace(_with(ref, "welder", 4), work_type=work_type),
        )
    few = queries()
    for work_type in work_types[2:]:
        add_item(
            actor=catalog_officer,
            edition=edition,
            data=dataclasses.replace(_with(ref, "welder", 4), work_type=work_type),
        )
    assert queries() == few
    publish_edition(actor=catalog_officer, edition=edition, effective_from=dt.date(2020, 1, 1))
    client.logout()
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("catalog:public_list")).content.decode()
    assert "焊工（焊工19）" in page
    assert len(captured) <= 6, len(captured)
