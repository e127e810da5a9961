"""Catalog edition import from xlsx/csv (all rows or none, error report), xlsx/PDF export, diff xlsx."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.core.exceptions import ImproperlyConfigured
from python_calamine import CalamineWorkbook

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.catalog.diff import diff_editions
from lijiao.catalog.exporters import diff_xlsx, edition_pdf, edition_xlsx
from lijiao.catalog.importers import (
    COLUMNS,
    edition_template_xlsx,
    import_edition_file,
    parse_level,
    parse_tier,
)
from lijiao.catalog.models import (
    CatalogItem,
    Category,
    Edition,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.catalog.services import ItemInput, add_item, create_edition, publish_edition
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.core.importing import CellError
from lijiao.core.models import ImportJob
from tests.translations import CHINESE

HEADER = [
    "行业类别",
    "编码",
    "名称",
    "工种",
    "等级",
    "培训补贴标准（元）",
    "评价补贴标准（元）",
    "最低课时",
    "紧缺程度",
]
HEADER += ["数字技能", "一老一小", "毕业生专业转换", "新业态", "备注"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def ref(db):
    return {
        "equip": Category.objects.create(code="ZB", name="装备制造", sort_order=1),
        "care": Category.objects.create(code="YL", name="养老服务", sort_order=2),
        "culture": Category.objects.create(code="WH", name="文化创意", sort_order=3),
        "old": Category.objects.create(code="JY", name="旧类别", sort_order=4, active=False),
        "electrician": Occupation.objects.create(code="6-31-01-03", name="电工"),
        "welder": Occupation.objects.create(code="6-18-02-04", name="焊工"),
        "arc_welder": WorkType.objects.create(
            code="6-18-02-04-01", occupation=Occupation.objects.get(code="6-18-02-04"), name="电焊工"
        ),
        "carer": Occupation.objects.create(code="4-10-01-05", name="养老护理员"),
        "robot": Occupation.objects.create(code="6-31-07-03", name="工业机器人系统操作员", is_digital=True),
        "media": SpecialItem.objects.create(code="ZX-001", name="数字新媒体制作", kind="special"),
        "startup": SpecialItem.objects.create(code="CY-001", name="创业培训（GYB）", kind="business_start"),
    }


@pytest.fixture
def officer(make_user):
    return make_user(Role.CATALOG_OFFICER, username="officer")


@pytest.fixture
def draft(officer, ref):
    """A draft that already holds one item, so "nothing written" is visible."""
    edition = create_edition(actor=officer, name="2026年版（征求意见稿）", year=2026)
    add_item(
        actor=officer,
        edition=edition,
        data=ItemInput(
            kind="occupation",
            occupation=ref["welder"],
            special_item=None,
            level=4,
            category=ref["equip"],
            subsidy_standard=Decimal("1200.00"),
            min_lesson_hours=56,
        ),
    )
    return edition


def workbook(
    rows: list[list[Any]], *, header: list[str] = HEADER, title: list[list[Any]] | None = None
) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet("目录")
    r = 0
    for line in title or []:
        sheet.write_row(r, 0, line)
        r += 1
    sheet.write_row(r, 0, header)
    for values in rows:
        r += 1
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    book.close()
    return output.getvalue()


def row(code="6-31-01-03", name="电工", level="五级", amount: Any = 1000, **kw: Any) -> list[Any]:
    values = {
        "category": "装备制造",
        "code": code,
        "name": name,
        "work_type": "",
        "level": level,
        "amount": amount,
        "assessment": None,
        "hours": 40,
        "tier": "",
        "digital": "",
        "care": "",
        "conversion": "",
        "new": "",
        "note": "",
    }
    values.update(kw)
    return list(values.values())


def snapshot_items(edition: Edition) -> list[tuple]:
    return sorted(
        (
            i.kind,
            i.occupation.code if i.occupation else i.special_item.code,
            i.level,
            i.category.name,
            i.subsidy_standard,
            i.assessment_subsidy,
            i.min_lesson_hours,
            i.shortage_tier,
            i.is_digital,
            i.is_elder_child_care,
            i.allows_graduate_conversion,
            i.is_new_business_form,
            i.note,
        )
        for i in CatalogItem.objects.filter(edition=edition).select_related(
            "occupation", "special_item", "category"
        )
    )


def read_sheet(data: bytes, index: int = 0) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(index).to_python()


# --- value words ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("五级", 5),
        ("初级", 5),
        ("初级工", 5),
        (5, 5),
        (5.0, 5),
        ("五级/初级工", 5),
        ("四级（中级工）", 4),
        ("中级", 4),
        ("三级", 3),
        ("高级工", 3),
        ("技师", 2),
        ("二级", 2),
        ("高级技师", 1),
        ("一级", 1),
        ("国家职业资格三级", 3),
        ("", None),
        (None, None),
    ],
)
def test_parse_level(value, expected):
    assert parse_level(value) == expected


@pytest.mark.parametrize("value", ["六级", "五级/高级技师", "中", 6])
def test_parse_level_refusals(value):
    with pytest.raises(CellError, match="无法识别"):
        parse_level(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("特别紧缺", ShortageTier.ESPECIALLY),
        ("比较紧缺", ShortageTier.RELATIVELY),
        ("一般紧缺（+10%）", ShortageTier.GENERAL),
        ("", ShortageTier.NONE),
        ("非紧缺", ShortageTier.NONE),
        ("especially", ShortageTier.ESPECIALLY),
    ],
)
def test_parse_tier(value, expected):
    assert parse_tier(value) == expected


# --- happy path -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_replaces_the_drafts_items(officer, draft, ref):
    rows = [
        row(amount=1000, tier="比较紧缺", conversion="是", note="含低压电工"),
        row(level="中级工", amount="1,500.50", hours="56", tier="特别紧缺（+30%）"),
        row(code="6-31-07-03", name="工业机器人系统操作员S", level=3, amount=2000.0, digital="√", new="Y"),
        row(code="4-10-01-05", name="养老护理员", level="初级", category="养老服务", care="是", hours=40.0),
        row(code="ZX-001", name="数字新媒体制作", level="", amount=600, assessment=200, hours=24, digital=1),
        row(code="CY-001", name="创业培训(GYB)", level=None, amount=800, category="WH", hours=16),
    ]
    data = workbook(
        [[n, *values, "同意"] for n, values in enumerate(rows, start=1)] + [["  ", " "], ["\u3000"]],
        title=[["大连市2026年补贴性职业技能培训目录"], ["大人社发〔2026〕1号"], []],
        header=["序号", *HEADER, "审核意见"],
    )
    before_events = AuditEvent.objects.count()

    result = import_edition_file(actor=officer, edition=draft, file_name="2026目录.xlsx", data=data)

    assert result.errors == []
    assert (result.total_rows, result.imported_rows) == (6, 6)
    items = {(i[1], i[2]): i for i in snapshot_items(draft)}
    assert set(items) == {
        ("6-31-01-03", 5),
        ("6-31-01-03", 4),
        ("6-31-07-03", 3),
        ("4-10-01-05", 5),
        ("ZX-001", None),
        ("CY-001", None),
    }
    assert items[("6-31-01-03", 5)][4:] == (
        Decimal("1000.00"),
        None,
        40,
        ShortageTier.RELATIVELY,
        False,
        False,
        True,
        False,
        "含低压电工",
    )
    assert items[("6-31-01-03", 4)][4] == Decimal("1500.50")
    assert items[("6-31-01-03", 4)][7] == ShortageTier.ESPECIALLY
    assert items[("6-31-07-03", 3)][8:12] == (True, False, False, True)
    assert items[("4-10-01-05", 5)][3] == "养老服务"
    assert items[("4-10-01-05", 5)][9] is True
    assert items[("ZX-001", None)][0] == "special"
    assert items[("ZX-001", None)][5] == Decimal("200.00")
    assert items[("CY-001", None)][0] == "business_start"
    assert items[("CY-001", None)][3] == "文化创意"
    assert ("6-18-02-04", 4) not in items  # replaced, not merged

    job = ImportJob.objects.get(pk=result.job_id)
    assert job.status == ImportJob.Status.SUCCEEDED
    assert (job.total_rows, job.imported_rows, job.error_count) == (6, 6, 0)
    assert (job.target_type, job.target_id, job.created_by) == ("catalog.edition", str(draft.pk), officer)
    assert not job.report
    events = list(AuditEvent.objects.order_by("sequence")[before_events:])
    assert [e.action for e in events] == ["catalog.edition.items_replaced"]
    assert events[0].after == {"items": 6, "source": "2026目录.xlsx"}


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_import_csv(officer, draft, encoding):
    text = (
        "职业（工种）编码,职业（工种）名称,行业,技能等级,补贴标准,课时,紧缺类别,一老一小\r\n"
        "6-31-01-03,电工,装备制造,五级,1000,40,一般紧缺,否\r\n"
        "4-10-01-05,养老护理员,养老服务,四级,1500.00,56,,是\r\n"
    )
    result = import_edition_file(
        actor=officer, edition=draft, file_name="目录.csv", data=text.encode(encoding)
    )
    assert (result.total_rows, result.imported_rows, result.errors) == (2, 2, [])
    assert [(i[1], i[2], i[4], i[7], i[9]) for i in snapshot_items(draft)] == [
        ("4-10-01-05", 4, Decimal("1500.00"), "", True),
        ("6-31-01-03", 5, Decimal("1000.00"), ShortageTier.GENERAL, False),
    ]


# --- row errors: nothing written ------------------------------------------------------------------------------

ERROR_CASES = [
    pytest.param([row(code="6-99-99-99", name="不存在")], 2, "编码", "不在职业库中", id="unknown-occupation"),
    pytest.param([row(code="6-31-1-03")], 2, "编码", "既不是有效的职业编码", id="ill-formed-code"),
    pytest.param([row(code="")], 2, "编码", "编码不能为空", id="empty-code"),
    pytest.param(
        [row(name="焊工")], 2, "名称", "“焊工”与编码“6-31-01-03”登记的名称“电工”不一致", id="name-mismatch"
    ),
    pytest.param([row(level="六级")], 2, "等级", "等级“六级”无法识别", id="bad-level"),
    pytest.param([row(level="")], 2, "等级", "职业类项目必须选择等级", id="missing-level"),
    pytest.param(
        [row(code="ZX-001", name="数字新媒体制作", level="五级")],
        2,
        "等级",
        "不分职业等级",
        id="level-on-special",
    ),
    pytest.param([row(amount=-100)], 2, "培训补贴标准（元）", "必须大于0", id="negative-amount"),
    pytest.param([row(amount=0)], 2, "培训补贴标准（元）", "必须大于0", id="zero-amount"),
    pytest.param([row(amount="6000")], 2, "培训补贴标准（元）", "不得超过政策上限", id="over-cap"),
    pytest.param([row(amount=1000.125)], 2, "培训补贴标准（元）", "最多两位小数", id="three-decimals"),
    pytest.param([row(amount="1000.125")], 2, "培训补贴标准（元）", "最多两位小数", id="three-decimals-text"),
    pytest.param([row(amount="一千")], 2, "培训补贴标准（元）", "不是有效的金额", id="amount-not-a-number"),
    pytest.param([row(amount=None)], 2, "培训补贴标准（元）", "金额不能为空", id="amount-missing"),
    pytest.param([row(assessment=-1)], 2, "评价补贴标准（元）", "评价补贴应在", id="negative-assessment"),
    pytest.param([row(hours=0)], 2, "最低课时", "最低课时应在", id="zero-hours"),
    pytest.param([row(hours="四十")], 2, "最低课时", "不是整数", id="hours-not-a-number"),
    pytest.param([row(hours=40.5)], 2, "最低课时", "应填写整数", id="fractional-hours"),
    pytest.param([row(tier="超级紧缺")], 2, "紧缺程度", "紧缺程度“超级紧缺”无法识别", id="unknown-tier"),
    pytest.param([row(digital="可能")], 2, "数字技能", "应为“是”或“否”", id="bad-yes-no"),
    pytest.param(
        [row(category="航空航天")],
        2,
        "行业类别",
        "行业类别“航空航天”不存在，请先在行业类别中添加",
        id="unknown-category",
    ),
    pytest.param([row(category="旧类别")], 2, "行业类别", "已停用", id="inactive-category"),
    pytest.param([row(note="长" * 201)], 2, "备注", "备注最多200字", id="note-too-long"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("rows", "bad_row", "column", "message"), ERROR_CASES)
def test_a_bad_row_writes_nothing(officer, draft, rows, bad_row, column, message):
    good = row(code="4-10-01-05", name="养老护理员", category="养老服务")
    data = workbook([good, *rows, [*good[:4], "四级", *good[5:]]])
    bad_row += 1  # the good row comes first
    items_before = snapshot_items(draft)
    events_before = AuditEvent.objects.count()

    result = import_edition_file(actor=officer, edition=draft, file_name="目录.xlsx", data=data)

    assert result.imported_rows == 0
    assert result.total_rows == 3
    assert [(e.row_number, e.column) for e in result.errors] == [(bad_row, column)]
    assert message in result.errors[0].message
    assert CHINESE.search(result.errors[0].message)
    assert snapshot_items(draft) == items_before
    assert AuditEvent.objects.count() == events_before

    job = ImportJob.objects.get(pk=result.job_id)
    assert job.status == ImportJob.Status.FAILED
    assert (job.total_rows, job.imported_rows, job.error_count) == (3, 0, 1)
    assert job.created_by == officer
    with job.report.open("rb") as handle:
        report = read_sheet(handle.read())
    assert report[0] == [*HEADER, "行号", "错误列", "错误原因"]
    assert len(report) == 2
    assert report[1][len(HEADER)] == bad_row
    assert report[1][len(HEADER) + 1] == column
    assert message in report[1][len(HEADER) + 2]
    assert report[1][1] == rows[0][1]  # the original values come back


@pytest.mark.django_db
def test_duplicates_report_both_rows_and_every_problem_of_a_row(officer, draft):
    data = workbook(
        [
            row(),
            row(code="4-10-01-05", name="养老护理员", category="养老服务"),
            row(level="初级工", amount=900),
            row(level="三级", amount="abc", hours=0, tier="很紧缺"),
        ],
        title=[["标题行"]],
    )
    result = import_edition_file(actor=officer, edition=draft, file_name="目录.xlsx", data=data)
    by_row: dict[int, list[str]] = {}
    for error in result.errors:
        by_row.setdefault(error.row_number, []).append(error.message)
    assert sorted(by_row) == [3, 5, 6]
    assert "与第 5 行重复" in by_row[3][0]
    assert "与第 3 行重复" in by_row[5][0]
    assert len(by_row[6]) == 3  # amount, hours and tier, all at once
    assert [e.row_number for e in result.errors] == sorted(e.row_number for e in result.errors)
    job = ImportJob.objects.get(pk=result.job_id)
    with job.report.open("rb") as handle:
        report = read_sheet(handle.read())
    assert [line[len(HEADER)] for line in report[1:]] == [3, 5, 6]
    assert report[3][len(HEADER) + 1] == "培训补贴标准（元）、最低课时、紧缺程度"
    assert CatalogItem.objects.filter(edition=draft).count() == 1


# --- refusals -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refused_for_a_published_edition(officer, draft):
    publish_edition(actor=officer, edition=draft, effective_from=dt.date(2026, 1, 1))
    with pytest.raises(Conflict, match="只能向草稿版本导入"):
        import_edition_file(actor=officer, edition=draft, file_name="a.xlsx", data=workbook([row()]))
    assert not ImportJob.objects.exists()
    assert CatalogItem.objects.filter(edition=draft).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DISTRICT_CLERK, Role.WORKER, None])
def test_refused_without_permission(make_user, draft, role):
    from django.contrib.auth.models import AnonymousUser

    actor = make_user(role) if role else AnonymousUser()
    with pytest.raises(PermissionDenied):
        import_edition_file(actor=actor, edition=draft, file_name="a.xlsx", data=workbook([row(name="错")]))
    assert not ImportJob.objects.exists()
    assert CatalogItem.objects.filter(edition=draft).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "data", "message"),
    [
        ("目录.docx", b"PK\x03\x04", "不支持的文件类型"),
        ("目录.xlsx", b"not a spreadsheet", "文件无法读取"),
        ("目录.xlsx", workbook([row()], header=["类别", "编码", "名称", "等级", "最低课时"]), "培训补贴标准"),
        ("目录.xlsx", workbook([], header=HEADER), "没有任何项目行"),
        ("目录.csv", b"", "文件是空的"),
        ("目录.csv", "甲,乙\n1,2\n".encode(), "未找到表头"),
    ],
    ids=["extension", "damaged", "missing-column", "header-only", "empty", "no-header"],
)
def test_file_level_problems_raise_and_write_nothing(officer, draft, file_name, data, message):
    events_before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as caught:
        import_edition_file(actor=officer, edition=draft, file_name=file_name, data=data)
    assert message in caught.value.message
    assert not ImportJob.objects.exists()
    assert CatalogItem.objects.filter(edition=draft).count() == 1
    assert AuditEvent.objects.count() == events_before


# --- template and export round trip ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_template_has_the_import_header_and_imports_its_examples(officer, draft):
    data = edition_template_xlsx()
    rows = read_sheet(data)
    assert rows[0] == [spec.label for spec in COLUMNS]
    assert len(rows) == 3
    result = import_edition_file(actor=officer, edition=draft, file_name="模板.xlsx", data=data)
    assert (result.imported_rows, result.errors) == (2, [])


def published_edition(officer, ref) -> Edition:
    edition = create_edition(actor=officer, name="2025年版", year=2025)
    data = workbook(
        [
            row(amount=1000.5, tier="比较紧缺", conversion="是", note="含“低压”&<高压>"),
            row(level="四级", amount=1500, assessment=300, hours=56, tier="特别紧缺"),
            row(code="6-18-02-04", name="焊工", level="三级", amount=2000, hours=80),
            row(
                code="6-31-07-03",
                name="工业机器人系统操作员",
                level="二级",
                amount=3000,
                hours=100,
                digital="是",
            ),
            row(code="4-10-01-05", name="养老护理员", category="养老服务", care="是", new="是"),
            row(code="ZX-001", name="数字新媒体制作", level="", amount=600, assessment=200, hours=24),
            row(code="CY-001", name="创业培训（GYB）", level="", amount=800, category="文化创意", hours=16),
        ]
    )
    result = import_edition_file(actor=officer, edition=edition, file_name="2025.xlsx", data=data)
    assert result.errors == []
    edition.document_number = "大人社发〔2025〕12号"
    edition.save(update_fields=["document_number"])
    return publish_edition(actor=officer, edition=edition, effective_from=dt.date(2025, 3, 1))


@pytest.mark.django_db
def test_exported_xlsx_reimports_to_the_same_items(officer, ref):
    published = published_edition(officer, ref)
    data = edition_xlsx(published)
    rows = read_sheet(data)
    assert rows[0][0] == "2025年版"
    assert "大人社发〔2025〕12号" in rows[1][0] and "2025-03-01" in rows[1][0]
    assert rows[3] == [spec.label for spec in COLUMNS]
    assert len(rows) == 4 + 7

    new_draft = create_edition(actor=officer, name="2026年版", year=2026)
    result = import_edition_file(actor=officer, edition=new_draft, file_name="2025年版.xlsx", data=data)
    assert (result.total_rows, result.imported_rows, result.errors) == (7, 7, [])
    assert snapshot_items(new_draft) == snapshot_items(published)


@pytest.mark.django_db
def test_pdf_embeds_the_cjk_font(officer, ref):
    published = published_edition(officer, ref)
    pdf = edition_pdf(published)
    assert pdf.startswith(b"%PDF")
    assert b"FontFile2" in pdf
    assert b"STSong" not in pdf
    assert b"/BaseFont" in pdf


@pytest.mark.django_db
def test_pdf_of_a_long_edition_has_several_pages(officer, ref):
    edition = create_edition(actor=officer, name="多页", year=2027)
    occupations = [
        Occupation(code=f"6-{n // 100:02d}-{n % 100:02d}-01", name=f"职业{n}") for n in range(1, 81)
    ]
    Occupation.objects.bulk_create(occupations)
    data = workbook([row(code=o.code, name=o.name) for o in occupations])
    assert import_edition_file(actor=officer, edition=edition, file_name="a.xlsx", data=data).errors == []
    pdf = edition_pdf(edition)
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) >= 2


@pytest.mark.django_db
def test_pdf_without_a_font_says_which_package_to_install(settings, officer, draft):
    settings.PDF_FONT_CANDIDATES = ["/nonexistent/font.ttc"]
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-zenhei"):
        edition_pdf(draft)


@pytest.mark.django_db
def test_diff_xlsx(officer, ref):
    old = published_edition(officer, ref)
    new = create_edition(actor=officer, name="2026年版", year=2026)
    data = workbook(
        [
            row(amount=1200, tier="比较紧缺", conversion="是"),  # amount changed
            row(level="四级", amount=1500, assessment=300, hours=56, tier="比较紧缺"),  # tier changed
            row(code="6-18-02-04", name="焊工", level="三级", amount=2000, hours=80),
            row(
                code="6-31-07-03",
                name="工业机器人系统操作员",
                level="二级",
                amount=3000,
                hours=100,
                digital="是",
            ),
            row(code="4-10-01-05", name="养老护理员", category="养老服务", care="是", new="是"),
            row(
                code="4-10-01-05", name="养老护理员", level="四级", category="养老服务", amount=1500, hours=56
            ),
            # ZX-001 and CY-001 removed
        ]
    )
    assert import_edition_file(actor=officer, edition=new, file_name="2026.xlsx", data=data).errors == []
    diff = diff_editions(old, new)
    content = diff_xlsx(diff)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["汇总", "新增", "删除", "变更"]
    summary = {r[0]: r[1] for r in book.get_sheet_by_name("汇总").to_python() if len(r) > 1 and r[0]}
    assert summary["原版本"] == "2025年版" and summary["新版本"] == "2026年版"
    assert (summary["新增项目"], summary["删除项目"], summary["变更项目"]) == (1, 2, 2)
    added = book.get_sheet_by_name("新增").to_python()
    assert [r[1] for r in added[1:]] == ["4-10-01-05"]
    removed = book.get_sheet_by_name("删除").to_python()
    assert sorted(r[1] for r in removed[1:]) == ["CY-001", "ZX-001"]
    changed = book.get_sheet_by_name("变更").to_python()
    assert changed[0] == ["行业类别", "编码", "名称", "等级", "变更项目", "原值", "新值", "差额（元）"]
    amount_rows = [r for r in changed[1:] if r[4] == "培训补贴标准"]
    assert amount_rows == [["装备制造", "6-31-01-03", "电工", "五级", "培训补贴标准", 1000.5, 1200.0, 199.5]]
    tier_rows = [r for r in changed[1:] if r[4] == "紧缺程度"]
    assert tier_rows[0][5:7] == ["特别紧缺（+30%）", "比较紧缺（+20%）"]
