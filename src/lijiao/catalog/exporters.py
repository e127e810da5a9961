"""Downloads of the catalog (SPEC C2 publication): an edition as xlsx and PDF, the diff of two editions as xlsx.

The xlsx uses the importer's columns (:data:`lijiao.catalog.importers.COLUMNS`), so an exported edition
imports unchanged into a new draft; the title rows above the header are skipped by the importer.
The PDF embeds a CJK TrueType font (:func:`lijiao.core.pdf.pdf_font`) so Chinese renders on every reader.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from lijiao.catalog.diff import EditionDiff
from lijiao.catalog.importers import COLUMNS, LEVEL_TEXT, TIER_TEXT
from lijiao.catalog.models import CatalogItem, Edition, EditionStatus
from lijiao.catalog.selectors import edition_items
from lijiao.core.pdf import pdf_font
from lijiao.core.xlsx import text_workbook

_MONEY_KEYS = frozenset({"subsidy_standard", "assessment_subsidy"})
_FLAG_KEYS = ("is_digital", "is_elder_child_care", "allows_graduate_conversion", "is_new_business_form")
_FLAG_SHORT = {
    "is_digital": "数字技能",
    "is_elder_child_care": "一老一小",
    "allows_graduate_conversion": "专业转换",
    "is_new_business_form": "新业态",
}
_WIDTHS = {
    "category": 14,
    "code": 14,
    "name": 28,
    "work_type": 14,
    "level": 8,
    "subsidy_standard": 14,
    "assessment_subsidy": 14,
    "min_lesson_hours": 10,
    "shortage_tier": 11,
    "note": 30,
}


def _level_text(item: CatalogItem) -> str:
    return LEVEL_TEXT.get(item.level, "") if item.level is not None else ""


def _item_values(item: CatalogItem) -> dict[str, Any]:
    """An item in the import format: text, numbers (money as Decimal) and 是/否."""
    return {
        "category": item.category.name,
        "code": item.subject_code,
        "name": item.occupation.name if item.occupation_id and item.occupation else item.subject_name,
        "work_type": item.work_type_name,
        "level": _level_text(item),
        "subsidy_standard": item.subsidy_standard,
        "assessment_subsidy": item.assessment_subsidy,
        "min_lesson_hours": item.min_lesson_hours,
        "shortage_tier": TIER_TEXT.get(item.shortage_tier, ""),
        **{key: "是" if getattr(item, key) else "否" for key in _FLAG_KEYS},
        "note": item.note,
    }


def _edition_subtitle(edition: Edition) -> str:
    parts = []
    if edition.document_number:
        parts.append(f"文号：{edition.document_number}")
    if edition.effective_from:
        parts.append(f"生效日期：{edition.effective_from.isoformat()}")
    if edition.effective_to:
        parts.append(f"失效日期：{edition.effective_to.isoformat()}（不含）")
    parts.append(f"状态：{EditionStatus(edition.status).label}")
    return "    ".join(parts)


class _Formats:
    def __init__(self, workbook: Any) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 16})
        self.subtitle = workbook.add_format({"font_color": "#595959"})
        self.head = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "vcenter"}
        )
        self.text = workbook.add_format({"num_format": "@"})
        self.money = workbook.add_format({"num_format": "#,##0.00"})
        self.delta_up = workbook.add_format(
            {"num_format": "+#,##0.00;-#,##0.00;0.00", "font_color": "#006100"}
        )
        self.delta_down = workbook.add_format(
            {"num_format": "+#,##0.00;-#,##0.00;0.00", "font_color": "#9C0006"}
        )
        self.bold = workbook.add_format({"bold": True})


def _write_value(sheet: Any, row: int, col: int, value: Any, formats: _Formats) -> None:
    if value is None or value == "":
        return
    if isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), formats.money)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value), formats.text)


def _write_items(sheet: Any, first_row: int, items: Iterable[CatalogItem], formats: _Formats) -> int:
    """The import-format header at ``first_row`` and one row per item; returns the last row written."""
    for col, spec in enumerate(COLUMNS):
        sheet.set_column(col, col, _WIDTHS.get(spec.key, 10))
        sheet.write_string(first_row, col, spec.label, formats.head)
    row = first_row
    for item in items:
        row += 1
        values = _item_values(item)
        for col, spec in enumerate(COLUMNS):
            _write_value(sheet, row, col, values[spec.key], formats)
    sheet.autofilter(first_row, 0, row, len(COLUMNS) - 1)
    sheet.freeze_panes(first_row + 1, 0)
    return row


def _workbook(output: io.BytesIO) -> Any:
    return text_workbook(output, in_memory=True)


def edition_xlsx(edition: Edition) -> bytes:
    """The edition's items in the import format under a title (name, document number, dates)."""
    output = io.BytesIO()
    workbook = _workbook(output)
    try:
        formats = _Formats(workbook)
        sheet = workbook.add_worksheet("目录")
        sheet.write_string(0, 0, f"{edition.name}", formats.title)
        sheet.write_string(1, 0, _edition_subtitle(edition), formats.subtitle)
        _write_items(sheet, 3, edition_items(edition), formats)
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.repeat_rows(3)
        sheet.fit_to_pages(1, 0)
    finally:
        workbook.close()
    return output.getvalue()


# --- PDF ------------------------------------------------------------------------------------------------------


def _money_text(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def edition_pdf(edition: Edition) -> bytes:
    """The edition as an A4 landscape table with a repeated header row, a title and page numbers."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    font = pdf_font()
    items = list(edition_items(edition))
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=TA_CENTER)
    sub_style = ParagraphStyle("sub", fontName=font, fontSize=9, leading=13, alignment=TA_CENTER)
    cell_style = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    head_style = ParagraphStyle("head", parent=cell_style, alignment=TA_CENTER)

    headers = [
        "序号",
        "行业类别",
        "编码",
        "名称",
        "等级",
        "培训补贴标准（元）",
        "评价补贴标准（元）",
        "最低课时",
        "紧缺程度",
        "标记",
        "备注",
    ]
    widths_mm = [10, 26, 24, 50, 14, 24, 24, 14, 18, 30, 33]
    data: list[list[Any]] = [[Paragraph(escape(h), head_style) for h in headers]]
    for number, item in enumerate(items, start=1):
        flags = "、".join(label for key, label in _FLAG_SHORT.items() if getattr(item, key))
        data.append(
            [
                str(number),
                Paragraph(escape(item.category.name), cell_style),
                item.subject_code,
                Paragraph(escape(item.subject_name), cell_style),
                _level_text(item) or "—",
                _money_text(item.subsidy_standard),
                _money_text(item.assessment_subsidy) or "—",
                str(item.min_lesson_hours),
                TIER_TEXT.get(item.shortage_tier, "") or "—",
                Paragraph(escape(flags), cell_style),
                Paragraph(escape(item.note), cell_style),
            ]
        )
    table = LongTable(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("ALIGN", (4, 1), (4, -1), "CENTER"),
                ("ALIGN", (5, 1), (7, -1), "RIGHT"),
                ("ALIGN", (8, 1), (8, -1), "CENTER"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F5F7FB")]),
            ]
        )
    )

    class NumberedCanvas(Canvas):
        """Draws “第 n 页 / 共 N 页” once the page count is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                width, _height = self._pagesize
                self.setFont(font, 8)
                self.setFillColor(colors.HexColor("#595959"))
                self.drawString(12 * mm, 8 * mm, f"{edition.name}    生成时间：{generated}")
                self.drawRightString(width - 12 * mm, 8 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
                super().showPage()
            super().save()

    output = io.BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=15 * mm,
        title=edition.name,
        author="立交 职业技能培训管理服务平台",
        subject="补贴性职业技能培训目录",
    )
    story: list[Any] = [
        Paragraph(escape(edition.name), title_style),
        Paragraph(escape(f"{_edition_subtitle(edition)}    共 {len(items)} 项"), sub_style),
        Spacer(1, 4 * mm),
        table,
    ]
    document.build(story, canvasmaker=NumberedCanvas)
    return output.getvalue()


# --- diff -----------------------------------------------------------------------------------------------------

_ITEM_HEADER = (
    "行业类别",
    "编码",
    "名称",
    "等级",
    "培训补贴标准（元）",
    "评价补贴标准（元）",
    "最低课时",
    "紧缺程度",
)


def _short_row(item: CatalogItem) -> list[Any]:
    values = _item_values(item)
    return [
        values["category"],
        values["code"],
        item.subject_name,
        values["level"],
        values["subsidy_standard"],
        values["assessment_subsidy"],
        values["min_lesson_hours"],
        values["shortage_tier"],
    ]


def _write_table(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]], formats: _Formats) -> None:
    widths = [14, 14, 28, 8, 16, 16, 10, 11, 16, 16, 12]
    for col, title in enumerate(header):
        sheet.set_column(col, col, widths[col] if col < len(widths) else 14)
        sheet.write_string(0, col, title, formats.head)
    row = 0
    for row, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            _write_value(sheet, row, col, value, formats)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(row, 1), len(header) - 1)


def _diff_value(field: str, value: Any, display: str) -> Any:
    """Money and hours stay numbers in the sheet; the rest shows as the screen does."""
    if isinstance(value, Decimal) or (field == "min_lesson_hours" and isinstance(value, int)):
        return value
    return display


def diff_xlsx(diff: EditionDiff) -> bytes:
    """Sheets 汇总 (counts), 新增, 删除 and 变更 (one row per changed field: old, new and the difference)."""
    output = io.BytesIO()
    workbook = _workbook(output)
    try:
        formats = _Formats(workbook)
        summary = workbook.add_worksheet("汇总")
        summary.set_column(0, 0, 16)
        summary.set_column(1, 1, 50)
        summary.write_string(0, 0, "目录版本变化对照", formats.title)
        rows: list[tuple[str, Any]] = [
            ("原版本", diff.old.name),
            ("原版本生效日期", diff.old.effective_from.isoformat() if diff.old.effective_from else "—"),
            ("新版本", diff.new.name),
            ("新版本生效日期", diff.new.effective_from.isoformat() if diff.new.effective_from else "—"),
            ("新增项目", len(diff.added)),
            ("删除项目", len(diff.removed)),
            ("变更项目", len(diff.changed)),
            ("未变项目", diff.unchanged),
            ("生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ]
        for row, (label, value) in enumerate(rows, start=2):
            summary.write_string(row, 0, label, formats.bold)
            _write_value(summary, row, 1, value, formats)

        _write_table(
            workbook.add_worksheet("新增"), _ITEM_HEADER, (_short_row(i) for i in diff.added), formats
        )
        _write_table(
            workbook.add_worksheet("删除"), _ITEM_HEADER, (_short_row(i) for i in diff.removed), formats
        )

        changed = workbook.add_worksheet("变更")
        header = ("行业类别", "编码", "名称", "等级", "变更项目", "原值", "新值", "差额（元）")
        _write_table(changed, header, (), formats)
        row = 0
        for change in diff.changed:
            item = change.new
            for field_change in change.changes:
                row += 1
                left = [
                    item.category.name,
                    item.subject_code,
                    item.subject_name,
                    _level_text(item),
                    field_change.label,
                ]
                for col, value in enumerate(left):
                    _write_value(changed, row, col, value, formats)
                _write_value(
                    changed,
                    row,
                    5,
                    _diff_value(field_change.field, field_change.old, field_change.old_display),
                    formats,
                )
                _write_value(
                    changed,
                    row,
                    6,
                    _diff_value(field_change.field, field_change.new, field_change.new_display),
                    formats,
                )
                delta = field_change.delta
                if delta is not None:
                    changed.write_number(
                        row, 7, float(delta), formats.delta_up if delta >= 0 else formats.delta_down
                    )
        changed.autofilter(0, 0, max(row, 1), len(header) - 1)
    finally:
        workbook.close()
    return output.getvalue()
