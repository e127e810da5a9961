"""The streaming xlsx reader yields exactly what python-calamine's ``iter_rows()`` yields, in flat memory."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from lijiao.core import importing, xlsx_stream
from lijiao.core.importing import ImportFileError, read_rows
from lijiao.core.xlsx_stream import UnsupportedLayout, read_xlsx_rows

NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


def calamine_rows(data: bytes | Path) -> list[list[Any]]:
    """calamine's rows of the sheet ``_read_spreadsheet`` picks (first visible worksheet, else the first)."""
    book = (
        CalamineWorkbook.from_path(data)
        if isinstance(data, Path)
        else CalamineWorkbook.from_filelike(io.BytesIO(data))
    )
    index = next(
        (
            i
            for i, meta in enumerate(book.sheets_metadata)
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet
        ),
        0,
    )
    return list(book.get_sheet_by_index(index).iter_rows())


def streamed_rows(data: bytes | Path) -> list[list[Any]]:
    rows, _ = read_xlsx_rows(data)
    return list(rows)


def typed(rows: list[list[Any]]) -> list[list[tuple[str, Any]]]:
    """Values with their types, NaN made comparable: ``5.0`` and ``5`` or ``date`` and ``datetime`` differ."""
    return [
        [(type(v).__name__, "nan" if isinstance(v, float) and math.isnan(v) else v) for v in row]
        for row in rows
    ]


def assert_same_as_calamine(data: bytes | Path) -> list[list[Any]]:
    expected = calamine_rows(data)
    assert typed(streamed_rows(data)) == typed(expected)
    return expected


def package(
    sheet_data: str,
    *,
    dimension: str | None = None,
    styles: str = "",
    shared: str | None = None,
    date1904: bool = False,
    hidden_first: bool = False,
) -> bytes:
    """A minimal xlsx around hand-written ``<sheetData>`` content (and optional styles / shared strings)."""
    sheets = [("数据", "", sheet_data, dimension)]
    if hidden_first:
        sheets.insert(0, ("隐藏", ' state="hidden"', '<row r="1"><c r="A1"><v>999</v></c></row>', None))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book = f'<?xml version="1.0"?><workbook {NS}>'
        book += '<workbookPr date1904="1"/>' if date1904 else ""
        rels = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        book += "<sheets>"
        for i, (name, state, data, dim) in enumerate(sheets, 1):
            book += f'<sheet name="{name}" sheetId="{i}"{state} r:id="rId{i}"/>'
            rels += f'<Relationship Id="rId{i}" Type="worksheet" Target="worksheets/sheet{i}.xml"/>'
            head = f'<dimension ref="{dim}"/>' if dim else ""
            zf.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{head}<sheetData>{data}</sheetData></worksheet>',
            )
        zf.writestr("xl/workbook.xml", book + "</sheets></workbook>")
        zf.writestr("xl/_rels/workbook.xml.rels", rels + "</Relationships>")
        if styles:
            zf.writestr("xl/styles.xml", f'<?xml version="1.0"?><styleSheet {NS}>{styles}</styleSheet>')
        if shared is not None:
            zf.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst {NS}>{shared}</sst>')
    return output.getvalue()


def roster_workbook(*, constant_memory: bool, date_1904: bool = False) -> bytes:
    """A roster as clerks make them: title rows, a leading empty column, every kind of cell a roster holds."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(
        output, {"in_memory": True, "constant_memory": constant_memory, "date_1904": date_1904}
    )
    hidden = book.add_worksheet("说明")
    hidden.write_string(0, 0, "这张表是隐藏的")
    hidden.hide()
    sheet = book.add_worksheet("学员名单")
    sheet.activate()
    codes = (
        "yyyy-mm-dd",
        "yyyy/m/d",
        'yyyy"年"m"月"d"日"',
        "yyyy-mm-dd hh:mm:ss",
        "hh:mm",
        "[h]:mm",
        "0.00",
        "@",
    )
    fmt = {code: book.add_format({"num_format": code}) for code in codes}
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 1, "2025年第一期电工培训班花名册")
    sheet.write_string(1, 1, "填报单位：某某培训学校")
    header = "序号 姓名 公民身份号码 身份证(数字) 联系电话 出生日期 开班 结业 登记时间 上课时间 课时 金额 是否就业 合计 状态 备注"
    for col, title in enumerate(header.split(), start=1):
        sheet.write_string(3, col, title)
    for i in range(12):
        r = 4 + i + (2 if i >= 6 else 0)  # two blank rows in the middle
        sheet.write_number(r, 1, i + 1)
        sheet.write_string(r, 2, ["张三", " 李四 ", "王五\n", "赵&六", "<钱七>", "孙_x0041_八"][i % 6])
        sheet.write_string(r, 3, f"210202199001011{i:02d}X")
        sheet.write_number(r, 4, 210202199001011234 + i)
        sheet.write_string(r, 5, f"0{13800000000 + i}")
        sheet.write_datetime(r, 6, dt.datetime(1990, 1, 1 + i), fmt["yyyy-mm-dd"])
        sheet.write_datetime(r, 7, dt.datetime(2025, 3, 1 + i), fmt["yyyy/m/d"])
        sheet.write_datetime(r, 8, dt.datetime(2025, 4, 1 + i), fmt['yyyy"年"m"月"d"日"'])
        sheet.write_datetime(r, 9, dt.datetime(2025, 4, 1 + i, 8, 30, 15), fmt["yyyy-mm-dd hh:mm:ss"])
        sheet.write_datetime(r, 10, dt.time(8 + i % 4, 30), fmt["hh:mm"])
        sheet.write_number(r, 11, 1.5 + i, fmt["[h]:mm"])
        sheet.write_number(r, 12, 1500.25 * i, fmt["0.00"])
        sheet.write_boolean(r, 13, i % 2 == 0)
        sheet.write_formula(r, 14, f"=M{r + 1}*2", None, 3000.5 * i)
        sheet.write_formula(r, 15, '="在"&"读"', None, "在读")
        if i == 3:
            sheet.write_formula(r, 16, "=1/0", None, "#DIV/0!")
        elif i == 4:
            sheet.write_rich_string(r, 16, "含", bold, "粗体", "文字")
        elif i == 5:
            sheet.write_string(r, 16, "00123", fmt["@"])
        else:
            sheet.write_blank(r, 16, None, fmt["0.00"])
    sheet.write_blank(20, 1, None, fmt["0.00"])  # trailing styled empty cells, as templates leave them
    sheet.write_blank(21, 18, None, bold)
    book.close()
    return output.getvalue()


# --- same rows as calamine ------------------------------------------------------------------------------------


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared-strings", "inline-strings"])
@pytest.mark.parametrize("date_1904", [False, True], ids=["1900", "1904"])
def test_a_roster_reads_exactly_as_calamine_reads_it(constant_memory: bool, date_1904: bool) -> None:
    data = roster_workbook(constant_memory=constant_memory, date_1904=date_1904)
    rows = assert_same_as_calamine(data)
    # the facts the importer relies on, checked once more by hand
    assert rows[0] == ["2025年第一期电工培训班花名册", *[""] * 15]  # row 1 is the first; columns start at B
    assert rows[4][:4] == [
        1.0,
        "张三",
        "21020219900101100X",
        2.102021990010112e17,
    ]  # xlsxwriter writes 16 digits
    assert rows[4][5:11] == [
        dt.date(1990, 1, 1),
        dt.date(2025, 3, 1),
        dt.date(2025, 4, 1),
        dt.datetime(2025, 4, 1, 8, 30, 15),
        dt.time(8, 30),
        dt.timedelta(hours=36),
    ]
    assert rows[4][12:15] == [True, 0.0, "在读"]
    assert rows[10] == [""] * 16  # blank rows in the middle stay
    assert len(rows) == 18  # trailing empty (styled) cells add no rows


def test_a_path_and_the_dimension_as_progress_hint(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_workbook(constant_memory=True))
    assert_same_as_calamine(path)
    assert read_xlsx_rows(path)[1] == 22  # xlsxwriter's dimension counts the styled empty cells


def test_the_extent_comes_from_cells_with_values_not_from_the_dimension() -> None:
    # A streaming writer's bare "A1"; styled empty cells left of, right of and below the data; an empty string
    # cell (a value) further right.
    data = package(
        '<row r="2"><c r="A2" s="0"/><c r="C2"><v>1</v></c><c r="D2" t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="3"><c r="B3" s="0"></c><c r="E3" t="str"><f>""</f><v></v></c><c r="H3" s="0"/></row>'
        '<row r="9"><c r="C9" s="0"/></row>',
        dimension="A1",
    )
    assert assert_same_as_calamine(data) == [["", "", ""], [1.0, "x", ""], ["", "", ""]]
    assert read_xlsx_rows(data)[1] == 9  # the dimension says 1, the scan saw row 9


@pytest.mark.parametrize(
    "sheet_data",
    [
        pytest.param(
            '<row r="1"><c r="B1"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>', id="no-r"
        ),
        pytest.param(
            '<x:row r="1"><x:c r="B1" t="inlineStr"><x:is><x:t>p</x:t></x:is></x:c></x:row>', id="prefixed"
        ),
        pytest.param('\n <row r="1">\n  <c r="A1">\n   <v>1</v>\n  </c>\n </row>\n', id="pretty-printed"),
        pytest.param('<row r="1"><!-- a note --><c r="A1"><v>1</v></c></row>', id="comment"),
        pytest.param('<row r="1"><c r="b1"><v>1</v></c><c r="aa1"><v>2</v></c></row>', id="lower-case-refs"),
        pytest.param(
            '<row r="1"><c r="A1" t="inlineStr"><is><t>  trimmed  </t></is></c>'
            '<c r="B1" t="inlineStr"><is><t xml:space="preserve">  kept  </t></is></c>'
            '<c r="C1" t="inlineStr"><is><t>a&amp;b&lt;&#x4e2d;&#20013;\r\nx_x000D_y_x4E2D_</t></is></c>'
            '<c r="D1" t="str"><f>A1</f><v> not trimmed _x0041_</v></c>'
            '<c r="E1" t="inlineStr"><is><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve"> run</t></r>'
            '<rPh><t>PH</t></rPh></is></c><c r="F1" t="inlineStr"><is/></c></row>',
            id="strings",
        ),
        pytest.param(
            '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>false</v></c><c r="C1" t="e"><v>#N/A</v></c>'
            '<c r="D1"><v>abc</v></c><c r="E1"><v> 5</v></c><c r="F1"><v>1e3</v></c><c r="G1"><v>-0</v></c>'
            '<c r="H1" t="d"><v>2024-01-02T03:04:05.5</v></c><c r="I1" t="d"><v>2024-01-02</v></c>'
            '<c r="J1" t="d"><v>03:04</v></c><c r="K1" t="d"><v>soon</v></c></row>',
            id="types",
        ),
        pytest.param(
            '<row r="1"><c r="A1"><f>1+1</f></c><c r="B1"><v></v></c><c r="C1" t="s"><v></v></c><c r="D1"><v/></c>'
            '<c r="E1"><v>3</v><f>1+1</f></c><c r="F1" t="inlineStr"><is><t>x</t></is><v>9</v></c>'
            '<c r="G1"><f t="shared" ref="G1:G2" si="0">A1</f><v>7</v></c></row>',
            id="cells-without-value",
        ),
        pytest.param(
            '<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c><c r="C1"><v>3</v></c><c r="B1"><v>4</v></c>'
            '</row><row r="1"><c r="D1"><v>5</v></c></row>',
            id="duplicates-and-columns-backwards",
        ),
    ],
)
def test_unusual_xml_reads_as_calamine_reads_it(sheet_data: str) -> None:
    assert_same_as_calamine(package(sheet_data, shared=""))


def test_shared_strings_rich_text_phonetics_and_spaces() -> None:
    shared = (
        "<si><t>zero</t></si><si/><si><t/></si>"
        '<si><r><t>r1</t></r><r><rPr><b/></rPr><t xml:space="preserve"> r2</t></r></si>'
        '<si><t> trimmed </t><phoneticPr fontId="1" type="noConversion"/></si>'
        '<si><t>张三</t><rPh sb="0" eb="2"><t>ZHANG SAN</t></rPh><phoneticPr fontId="1"/></si>'
        "<si><t>a_x0041_&amp;</t></si>"
    )
    cells = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(7))
    assert assert_same_as_calamine(package(cells, shared=shared)) == [
        ["zero"],
        [""],
        [""],
        ["r1 r2"],
        ["trimmed"],
        ["张三"],
        ["aA&"],
    ]


def test_dates_times_and_durations_convert_as_calamine_converts_them() -> None:
    rng = random.Random(1)
    serials = [
        0,
        0.5,
        1,
        1.5,
        59,
        59.75,
        60,
        60.5,
        61,
        1462,
        2958465,
        2958465.9999,
        2958466,
        -1,
        -0.25,
        -700000,
    ]
    serials += [45000 + 0.5 / 86_400_000, 45000 + 1.5 / 86_400_000, 44484.7916666667, 0.18737500000000001]
    serials += [rng.uniform(-10, 100) for _ in range(200)] + [rng.uniform(0, 2958466) for _ in range(200)]
    styles = (
        '<numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="#,##0.00_);[Red]"/>'
        "</numFmts><cellXfs>"
        + "".join(f'<xf numFmtId="{i}"/>' for i in (0, 14, 20, 22, 31, 46, 164, 165, 166, 57))
    ) + "</cellXfs>"
    cells = "".join(
        f'<row r="{i + 1}">'
        + "".join(f'<c r="{chr(65 + s)}{i + 1}" s="{s}"><v>{v!r}</v></c>' for s in range(10))
        + "</row>"
        for i, v in enumerate(map(float, serials))
    )
    for date1904 in (False, True):
        assert_same_as_calamine(package(cells, styles=styles, date1904=date1904))


def test_custom_number_formats_are_dates_exactly_when_calamine_says_so() -> None:
    codes = [
        "yyyy-mm-dd",
        'yyyy"年"m"月"d"日"',
        "[$-F800]dddd, mmmm dd, yyyy",
        "h:mm AM/PM",
        "mm:ss",
        "[h]:mm",
        "[Blue]\\+[h]:mm;[Red]\\-[h]:mm",
        "0.00",
        "#,##0",
        "@",
        "General",
        '"Y: "0.00',
        "[Red]0.00",
        "\\Y000000",
        "#,##0*y",
        "0_ ;[Red]\\-0\\ ",
        "a/p",
        "AM/PM h",
        "[>=100][Magenta][s].00",
        "[>=100][Magenta].00",
        'm"M"d"D";@',
        "B2yyyy",
        "e",
        "0.0E+00",
        ";yyyy",
        "[a]",
        "x[h]",
    ]
    rng = random.Random(2)
    codes += [
        "".join(rng.choice('ymdhsaAP/[]";\\_*0#.,:-MHS e@') for _ in range(rng.randint(1, 8)))
        for _ in range(300)
    ]

    def attr(code: str) -> str:
        return code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

    styles = "<numFmts>" + "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="{attr(c)}"/>' for i, c in enumerate(codes)
    )
    styles += (
        "</numFmts><cellXfs>"
        + "".join(f'<xf numFmtId="{164 + i}"/>' for i in range(len(codes)))
        + "</cellXfs>"
    )
    cells = "".join(
        f'<row r="{i + 1}"><c r="A{i + 1}" s="{i}"><v>45000.25</v></c></row>' for i in range(len(codes))
    )
    assert_same_as_calamine(package(cells, styles=styles))


def _random_sheet(rng: random.Random) -> bytes:
    texts = ["a", " b ", "中文", "&amp;", "&lt;x&gt;", "_x0041_", "123", "\t", "", "x\r\ny"]
    shared = "".join(f"<si><t>{rng.choice(texts)}</t></si>" for _ in range(5))
    styles = "<cellXfs>" + "".join(f'<xf numFmtId="{n}"/>' for n in (0, 14, 22, 46, 20)) + "</cellXfs>"

    def cell(ref: str) -> str:
        s = f' s="{rng.randrange(6)}"' if rng.random() < 0.6 else ""
        number = rng.choice([str(rng.randint(-5, 99999)), repr(rng.uniform(-2, 80000)), "0.5", "60"])
        return rng.choice(
            [
                f'<c r="{ref}"{s}><v>{number}</v></c>',
                f'<c r="{ref}"{s} t="s"><v>{rng.randrange(5)}</v></c>',
                f'<c r="{ref}"{s} t="inlineStr"><is><t>{rng.choice(texts)}</t></is></c>',
                f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{rng.choice(texts)}</t></is></c>',
                f'<c r="{ref}"{s} t="b"><v>{rng.randrange(2)}</v></c>',
                f'<c r="{ref}"{s} t="e"><v>#REF!</v></c>',
                f'<c r="{ref}" t="str"><f>A1</f><v>{rng.choice(texts)}</v></c>',
                f'<c r="{ref}"{s}><f>1+1</f><v>{number}</v></c>',
                f'<c r="{ref}"{s}/>',
                f'<c r="{ref}"{s}></c>',
                f'<c r="{ref}" t="inlineStr"><is><r><t>{rng.choice(texts)}</t></r><r><t>x</t></r></is></c>',
            ]
        )

    rows = []
    row = 0
    first = rng.choice([0, 1, 3, 27])
    for _ in range(rng.randint(0, 25)):
        row += rng.choice([1, 1, 1, 2, 4])
        cols = sorted(rng.sample(range(first, first + 9), rng.randint(0, 6)))
        rows.append(
            f'<row r="{row}">' + "".join(cell(f"{xlsx_stream._letters(c)}{row}") for c in cols) + "</row>"
        )
    return package(
        "".join(rows), dimension=rng.choice([None, "A1", "A1:Z99"]), styles=styles, shared=shared,
        hidden_first=rng.random() < 0.2,
    )  # fmt: skip


@pytest.mark.parametrize("chunk", [xlsx_stream._CHUNK, 97], ids=["whole", "tiny-runs"])
def test_random_sheets_read_as_calamine_reads_them(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny runs mix the regex fast path and expat (rich text) within one sheet and split every part.
    monkeypatch.setattr(xlsx_stream, "_CHUNK", chunk)
    for seed in range(150):
        assert_same_as_calamine(_random_sheet(random.Random(seed)))


def test_rows_out_of_order_cannot_be_streamed() -> None:
    data = package('<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>')
    with pytest.raises(UnsupportedLayout):
        read_xlsx_rows(data)


# --- read_rows ------------------------------------------------------------------------------------------------


def _source_rows(file_name: str, data: bytes | Path) -> list[tuple[int, list[tuple[str, Any]]]]:
    return [(row.number, typed([row.values])[0]) for row in read_rows(file_name, data)]


def test_read_rows_streams_big_sheets_with_the_same_rows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = roster_workbook(constant_memory=False)
    path = tmp_path / "roster.xlsm"
    path.write_bytes(data)
    calls: list[object] = []
    real = xlsx_stream.read_xlsx_rows

    def spy(source: bytes | Path) -> Any:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(xlsx_stream, "read_xlsx_rows", spy)
    expected = _source_rows("roster.xlsx", data)  # far below 64 MB: calamine reads it
    assert not calls
    assert expected[0] == (1, typed([["2025年第一期电工培训班花名册", *[""] * 15]])[0])
    assert [number for number, _ in expected] == [1, 2, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 18]

    monkeypatch.setattr(importing, "STREAM_XLSX_ABOVE_BYTES", 0)
    assert _source_rows("roster.xlsx", data) == expected
    assert _source_rows("roster.xlsm", path) == expected
    assert calls == [data, path]
    assert (
        read_rows("roster.xlsx", data).total_hint == 22
    )  # the dimension's last row (calamine: the last value's)


def test_other_spreadsheets_are_never_streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "STREAM_XLSX_ABOVE_BYTES", 0)
    monkeypatch.setattr(xlsx_stream, "read_xlsx_rows", pytest.fail)
    with pytest.raises(ImportFileError, match="文件无法读取"):
        list(read_rows("roster.xlsx", b"PK\x03\x04 this is not a zip"))
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(ImportFileError):
        list(read_rows("roster.ods", ods.getvalue()))


def test_rows_out_of_order_are_left_to_calamine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "STREAM_XLSX_ABOVE_BYTES", 0)
    data = package('<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>')
    assert _source_rows("x.xlsx", data) == [(2, [("float", 2.0)]), (3, [("float", 3.0)])]


def _rewrite(data: bytes, member: str, change: Any) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info)
            zout.writestr(info.filename, change(content) if info.filename == member else content)
    return output.getvalue()


def _corrupt_deflate(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    return data[:start] + bytes(b ^ 0x5A for b in data[start : start + 64]) + data[start + 64 :]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(
            lambda d: _rewrite(d, "xl/worksheets/sheet2.xml", lambda x: x[: len(x) // 2]), id="truncated-xml"
        ),
        pytest.param(
            lambda d: _rewrite(d, "xl/worksheets/sheet2.xml", lambda x: x.replace(b"</row>", b"</rows>", 3)),
            id="mismatched-tags",
        ),
        pytest.param(
            lambda d: _rewrite(d, "xl/sharedStrings.xml", lambda x: x[:200]), id="truncated-shared-strings"
        ),
        pytest.param(
            lambda d: _rewrite(d, "xl/sharedStrings.xml", lambda x: x[: x.index(b"<si>")] + b"</sst>"),
            id="bad-index",
        ),
        pytest.param(_corrupt_deflate, id="corrupt-deflate"),
    ],
)
def test_a_damaged_workbook_is_a_file_error_when_streamed(
    damage: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "STREAM_XLSX_ABOVE_BYTES", 0)
    data = damage(roster_workbook(constant_memory=False))
    with pytest.raises(ImportFileError, match="文件无法读取") as caught:
        list(read_rows("roster.xlsx", data))
    assert caught.value.code == "unreadable_file"
