"""Hostile spreadsheets (issue 9, Security 6; ADR 0007): zip bombs, a huge cell, formula and control characters in
names are refused before any parser reads them, with a clear message and nothing written; every export writes
text as text."""

from __future__ import annotations

import io
import random
import string
import zipfile
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from django.test import Client

from lijiao.core.errors import DomainError
from lijiao.core.importing import ColumnSpec, ImportFileError, error_report_xlsx, open_table
from lijiao.core.importing.types import RowError
from lijiao.core.models import ImportJob
from lijiao.people.models import Person
from lijiao.people.services import register_person
from lijiao.training.models import Enrollment
from tests.training.test_roster_import import HEADER, cid, csv_bytes, row, run, state, xlsx
from tests.translations import CHINESE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


SPECS = [ColumnSpec("name", "姓名", required=True), ColumnSpec("citizen_id", "身份证号", required=True)]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
# A header row (姓名, 身份证号) and one data row whose name is shared string 2, the payload.
_SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t>210202197001010011</t></is></c></row>'
    "</sheetData></worksheet>"
)


def xlsx_with_shared_string(payload: bytes, *, repeat: int = 1) -> bytes:
    """A valid xlsx whose third shared string is ``payload`` repeated ``repeat`` times, written as the zip
    stream goes (a 400 MB string never sits in the test's memory)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst '
                b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">'
                b"<si><t>\xe5\xa7\x93\xe5\x90\x8d</t></si><si><t>\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\xe5\x8f\xb7</t></si><si><t>"
            )
            for _ in range(repeat):
                strings.write(payload)
            strings.write(b"</t></si></sst>")
    return output.getvalue()


def test_the_builder_makes_a_workbook_the_readers_accept() -> None:
    table = open_table("ok.xlsx", xlsx_with_shared_string("张三".encode()), SPECS)
    assert [r.values for r in table.rows] == [["张三", "210202197001010011"]]


def test_a_zip_bomb_is_refused_before_any_parser_reads_it(approved_class, provider_staff) -> None:
    bomb = xlsx_with_shared_string(b"A" * (1 << 20), repeat=400)  # one 400 MB shared string in ≈ 400 KB
    assert len(bomb) < 1 << 20
    before = state(approved_class)
    with pytest.raises(ImportFileError) as refused:
        run(provider_staff, approved_class, bomb)
    assert refused.value.code == "file_too_large"
    assert "解压后内容过大" in refused.value.message and CHINESE.search(refused.value.message)
    assert state(approved_class) == before
    assert not ImportJob.objects.exists()


def test_a_bomb_under_the_size_bounds_is_refused_by_its_compression_ratio() -> None:
    bomb = xlsx_with_shared_string(b"A" * (1 << 20), repeat=20)  # 20 MB at ≈ 1,000:1
    with pytest.raises(ImportFileError) as refused:
        open_table("bomb.xlsx", bomb, SPECS)
    assert refused.value.code == "file_too_large"
    assert "压缩了" in refused.value.message


def test_a_bomb_is_refused_by_the_upload_screen_with_nothing_written(
    client: Client, approved_class, provider_staff
) -> None:
    bomb = xlsx_with_shared_string(b"A" * (1 << 20), repeat=400)
    client.force_login(provider_staff)
    before = state(approved_class)
    response = client.post(
        f"/training/classes/{approved_class.pk}/roster/import/",
        {"file": _upload("bomb.xlsx", bomb)},
    )
    assert response.status_code == 200
    assert "解压后内容过大" in response.content.decode()
    assert state(approved_class) == before
    assert not ImportJob.objects.exists()


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_a_huge_single_cell_is_refused(approved_class, provider_staff) -> None:
    noise = "".join(random.Random(9).choices(string.ascii_letters, k=300_000)).encode()  # does not compress
    before = state(approved_class)
    with pytest.raises(ImportFileError) as refused:
        run(provider_staff, approved_class, xlsx_with_shared_string(noise))
    assert refused.value.code == "cell_too_long"
    assert "单元格内容过长" in refused.value.message
    assert state(approved_class) == before


def test_a_cell_of_excels_own_maximum_is_read() -> None:
    text = "".join(random.Random(3).choices(string.ascii_letters, k=32_767))
    table = open_table("max.xlsx", xlsx_with_shared_string(text.encode()), SPECS)
    assert next(table.rows).values[0] == text


def test_an_xls_above_its_size_bound_is_refused(settings: Any) -> None:
    settings.IMPORT_MAX_XLS_BYTES = 1000
    with pytest.raises(ImportFileError) as refused:
        open_table("old.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 2000, SPECS)
    assert refused.value.code == "file_too_large"


def test_an_ods_bomb_is_refused() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        with archive.open("content.xml", "w", force_zip64=True) as content:
            for _ in range(20):
                content.write(b" " * (1 << 20))
    with pytest.raises(ImportFileError) as refused:
        open_table("bomb.ods", output.getvalue(), SPECS)
    assert refused.value.code == "file_too_large"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ('=HYPERLINK("http://evil.example/","点我")', "不能以 =、+、-、@ 开头"),
        ("+张三", "不能以 =、+、-、@ 开头"),
        ("-1+1", "不能以 =、+、-、@ 开头"),
        ("@SUM(A1)", "不能以 =、+、-、@ 开头"),
        ("张\x00三", "不能包含控制字符"),
        ("张\x1b三", "不能包含控制字符"),
    ],
)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_hostile_names_in_a_roster_are_refused_with_nothing_written(
    approved_class, provider_staff, name: str, expected: str, fmt: str
) -> None:
    rows = [row("李四"), row(name)]
    data = xlsx(rows) if fmt == "xlsx" else csv_bytes(rows)
    before = state(approved_class)
    result = run(provider_staff, approved_class, data, name=f"roster.{fmt}")
    assert not result.ok and result.imported_rows == 0
    assert [(e.row_number, e.column) for e in result.errors] == [(3, "姓名")]
    assert expected in result.errors[0].message
    assert state(approved_class) == before
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/","x")', "王\x00五", "@cmd"])
def test_hostile_names_are_refused_by_the_person_service(provider_staff, name: str) -> None:
    with pytest.raises(DomainError) as refused:
        register_person(actor=provider_staff, citizen_id=cid(), name=name)
    assert [e.field for e in refused.value.errors] == ["name"]
    assert CHINESE.search(refused.value.errors[0].message)
    assert not Person.objects.exists()


def test_hostile_teacher_names_are_refused_by_the_provider_service(provider, provider_staff) -> None:
    from lijiao.providers.models import Teacher
    from lijiao.providers.services import add_teacher

    before = Teacher.objects.count()
    with pytest.raises(DomainError) as refused:
        add_teacher(actor=provider_staff, provider=provider, name="=1+1", citizen_id=cid())
    assert any("不能以 =、+、-、@ 开头" in e.message for e in refused.value.errors)
    assert Teacher.objects.count() == before


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")
        )


def test_error_reports_write_formulas_as_text() -> None:
    formula = '=HYPERLINK("http://evil.example/","点我")'
    report = error_report_xlsx(HEADER[:2], [RowError(2, "姓名", "x", [formula, "+1"])])
    assert "<f>" not in _sheet_xml(report)
    rows = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(report)).get_sheet_by_index(0).to_python()
    )
    assert rows[1][:2] == [formula, "+1"]


def test_exports_write_formulas_as_text(tmp_path: Path) -> None:
    from lijiao.core.xlsx import list_xlsx

    formula = "=1+1"
    export = list_xlsx(sheet_name="名单", title="标题", header=["姓名", "编号"], rows=[[formula, "0012"]])
    with export.file as handle:
        data = handle.read()
    assert export.rows == 1
    assert "<f>" not in _sheet_xml(data)
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[2] == [formula, "0012"]


def test_catalog_export_writes_a_formula_note_as_text(training_ref: dict[str, Any]) -> None:
    from lijiao.catalog.exporters import edition_xlsx
    from lijiao.catalog.models import CatalogItem

    item = CatalogItem.objects.select_related("edition").first()
    assert item is not None
    formula = '=HYPERLINK("http://evil.example/","x")'
    CatalogItem.objects.filter(pk=item.pk).update(note=formula)  # as if stored before the validators
    data = edition_xlsx(item.edition)
    assert "<f>" not in _sheet_xml(data)
    rows = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert any(formula in row for row in rows)


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example/","点我")', "王\x00五"])
def test_hostile_names_are_refused_by_the_enrollment_api(approved_class, provider_staff, name: str) -> None:
    import json

    client = Client()
    client.force_login(provider_staff)
    response = client.post(
        f"/api/v1/training/classes/{approved_class.pk}/enrollments",
        json.dumps({"citizen_id": cid(), "name": name}),
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert "name" in response.content.decode() and CHINESE.search(response.content.decode())
    assert not Person.objects.exists() and not Enrollment.objects.exists()


def test_a_formula_name_is_refused_by_the_enrollment_screen(approved_class, provider_staff) -> None:
    client = Client()
    client.force_login(provider_staff)
    response = client.post(
        f"/training/classes/{approved_class.pk}/roster/",
        {"citizen_id": cid(), "name": "=1+1"},
    )
    assert response.status_code == 200
    assert "不能以 =、+、-、@ 开头" in response.content.decode()
    assert not Person.objects.exists() and not Enrollment.objects.exists()


def test_a_formula_display_name_is_refused_for_a_login(city_admin) -> None:
    from lijiao.accounts.models import User
    from lijiao.accounts.roles import Role
    from lijiao.accounts.services import create_user

    before = User.objects.count()
    with pytest.raises(DomainError) as refused:
        create_user(
            actor=None,
            username="hostile",
            password="Lijiao-2026-x",
            roles=[Role.WORKER],
            display_name="@SUM(1)",
        )
    assert [e.field for e in refused.value.errors] == ["display_name"]
    assert User.objects.count() == before


def _xlsx_with_sheet(sheet_data: str) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.split('<Override PartName="/xl/sharedStrings')[0] + "</Types>",
        )
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.split('<Relationship Id="rId2"')[0] + "</Relationships>",
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0" encoding="UTF-8"?><worksheet '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            f"{sheet_data}</sheetData></worksheet>",
        )
    return output.getvalue()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_a_sparse_sheet_whose_range_would_abort_the_reader_is_refused() -> None:
    """Two cells, A1 and XFD1048576, in a few hundred bytes: calamine would allocate the whole 17-billion-cell
    range (and abort the process); refused before it reads."""
    data = _xlsx_with_sheet(
        f'<row r="1">{_inline("A1", "姓名")}{_inline("B1", "身份证号")}</row>'
        f'<row r="1048576">{_inline("XFD1048576", "x")}</row>'
    )
    assert len(data) < 2000
    with pytest.raises(ImportFileError) as refused:
        open_table("sparse.xlsx", data, SPECS)
    assert refused.value.code == "too_many_cells" and "使用范围过大" in refused.value.message


def test_a_wide_range_is_read_in_flat_memory_instead_of_by_calamine(settings: Any) -> None:
    settings.IMPORT_CALAMINE_MAX_CELLS = 100  # the range below has 26 × 12 = 312 cells
    data = _xlsx_with_sheet(
        f'<row r="1">{_inline("A1", "姓名")}{_inline("B1", "身份证号")}</row>'
        f'<row r="2">{_inline("A2", "张三")}{_inline("B2", "210202197001010011")}</row>'
        f'<row r="12">{_inline("Z12", "备注")}</row>'
    )
    table = open_table("wide.xlsx", data, SPECS)
    assert next(r.values[:2] for r in table.rows) == ["张三", "210202197001010011"]


def test_an_ods_with_repeated_cells_is_refused_before_calamine_allocates_them() -> None:
    """1.3 KB: 100,000 rows × 1,000 columns of "x" through number-*-repeated (calamine: a 2 GB allocation)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
            '<table:table table:name="S"><table:table-row table:number-rows-repeated="100000">'
            '<table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
            "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
            "</office:document-content>",
        )
    with pytest.raises(ImportFileError) as refused:
        open_table("bomb.ods", output.getvalue(), SPECS)
    assert refused.value.code == "too_many_cells"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-5", "'-5"), ("@A1", "'@A1"), ("张三", "张三"), (12, 12)],
)
def test_csv_cells_never_start_like_a_formula(value: Any, expected: Any) -> None:
    from lijiao.core.text import csv_safe

    assert csv_safe(value) == expected
