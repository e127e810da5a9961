"""Exports of 公示 (public, masked: xlsx and PDF with an embedded CJK font) and of finance's lists (xlsx).

No export here holds a full ID or account number: the public 公示 masks names and IDs, finance's lists mask
account numbers. The one file with full numbers is the bank file (:func:`services.payment.export_bank_file`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.pdf import pdf_font
from lijiao.core.pii import PIIKind, mask
from lijiao.core.xlsx import ListExport, list_xlsx
from lijiao.subsidies.models import Clawback, Objection, PaymentBatch, PaymentLine, Publicity
from lijiao.subsidies.selectors.publicity import PublicRow

__all__ = [
    "batch_lines_xlsx",
    "batches_xlsx",
    "clawbacks_xlsx",
    "objections_xlsx",
    "publicity_pdf",
    "publicity_xlsx",
]


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def _public_header() -> list[str]:
    return [_("序号"), _("申请编号"), _("姓名"), _("身份证号"), _("补贴类型"), _("项目"), _("金额（元）")]


def _public_values(n: int, row: PublicRow) -> list[Any]:
    return [n, row.number, row.name, row.citizen_id, row.kind, row.item, row.amount]


def _notice_line(notice: Publicity) -> str:
    return _("公示期：%(start)s 至 %(end)s（%(days)s个工作日）") % {
        "start": f"{notice.starts_on:%Y-%m-%d}",
        "end": f"{notice.ends_on:%Y-%m-%d}",
        "days": notice.working_days,
    }


def publicity_xlsx(notice: Publicity, rows: list[PublicRow]) -> ListExport:
    """The public list of a notice (masked) as xlsx."""
    return list_xlsx(
        sheet_name=notice.number,
        title=f"{notice.title}　{_notice_line(notice)}　{_('异议受理：')}{notice.objection_contact}",
        header=_public_header(),
        rows=(_public_values(n, row) for n, row in enumerate(rows, start=1)),
    )


def publicity_pdf(notice: Publicity, rows: list[PublicRow]) -> bytes:
    """The public list of a notice (masked) as an A4 PDF with the embedded CJK font."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    font = pdf_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=15, leading=21, alignment=TA_CENTER)
    text_style = ParagraphStyle("text", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    cell_style = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, wordWrap="CJK")
    data: list[list[Any]] = [[Paragraph(escape(h), cell_style) for h in _public_header()]]
    for n, row in enumerate(rows, start=1):
        data.append(
            [
                str(n),
                row.number,
                Paragraph(escape(row.name), cell_style),
                row.citizen_id,
                Paragraph(escape(row.kind), cell_style),
                Paragraph(escape(row.item), cell_style),
                _money(row.amount),
            ]
        )
    widths = [10, 26, 18, 38, 30, 40, 20]
    table = LongTable(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E1F2")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#808080")),
                ("ALIGN", (6, 1), (6, -1), "RIGHT"),
            ]
        )
    )
    output = io.BytesIO()
    document = SimpleDocTemplate(
        output,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=notice.title,
        author="立交 职业技能培训管理服务平台",
    )
    total = sum((row.amount or Decimal(0) for row in rows), Decimal(0))
    story: list[Any] = [
        Paragraph(escape(notice.title), title_style),
        Spacer(1, 3 * mm),
        Paragraph(escape(f"{_('公示编号：')}{notice.number}　{_notice_line(notice)}"), text_style),
        Paragraph(escape(f"{_('异议受理：')}{notice.objection_contact}"), text_style),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 3 * mm),
        Paragraph(
            escape(_("共%(n)s人，合计%(total)s元。") % {"n": len(rows), "total": _money(total)}), text_style
        ),
        Paragraph(escape(_("生成时间：%(t)s") % {"t": f"{timezone.localtime():%Y-%m-%d %H:%M}"}), text_style),
    ]
    document.build(story)
    return output.getvalue()


def notices_xlsx(notices: Iterable[Publicity]) -> ListExport:
    """The second reviewers' list of notices with their counts (annotated by ``review_publicities``)."""
    return list_xlsx(
        sheet_name=_("公示管理"),
        title=_("补贴公示"),
        header=[
            _("公示编号"),
            _("标题"),
            _("公示开始"),
            _("公示结束"),
            _("公示中"),
            _("合计"),
            _("未处理异议"),
        ],
        rows=(
            [n.number, n.title, n.starts_on, n.ends_on, n.on_notice, n.total, n.open_objections]  # type: ignore[attr-defined]
            for n in notices
        ),
    )


def notice_claims_xlsx(notice: Publicity, claims: Iterable[Any]) -> ListExport:
    """A notice's claims for the reviewers: names in full (staff), ID numbers masked."""
    return list_xlsx(
        sheet_name=notice.number,
        title=f"{notice.title}　{_notice_line(notice)}",
        header=[
            _("申请编号"),
            _("姓名"),
            _("身份证号"),
            _("项目"),
            _("金额（元）"),
            _("状态"),
            _("未处理异议"),
            _("暂停发放"),
        ],
        rows=(
            [
                c.number,
                c.person.name,
                mask(PIIKind.CITIZEN_ID, c.person.citizen_id),
                c.item_text,
                c.amount,
                c.get_status_display(),
                c.has_open_objection,
                c.payment_hold,
            ]
            for c in claims
        ),
    )


def batches_xlsx(batches: Iterable[PaymentBatch]) -> ListExport:
    return list_xlsx(
        sheet_name=_("发放批次"),
        title=_("补贴发放批次"),
        header=[
            _("批次号"),
            _("状态"),
            _("笔数"),
            _("合计金额（元）"),
            _("创建时间"),
            _("导出时间"),
            _("发放时间"),
            _("银行回单号"),
        ],
        rows=(
            [
                b.number,
                b.get_status_display(),
                b.line_count,
                b.total,
                b.created_at,
                b.exported_at,
                b.paid_at,
                b.bank_reference,
            ]
            for b in batches
        ),
    )


def batch_lines_xlsx(batch: PaymentBatch, lines: Iterable[PaymentLine]) -> ListExport:
    """A batch's lines with the account numbers masked (the bank file is the one with full numbers)."""
    return list_xlsx(
        sheet_name=batch.number,
        title=_("发放批次%(number)s明细") % {"number": batch.number},
        header=[_("申请编号"), _("收款人"), _("开户银行"), _("银行账号"), _("金额（元）"), _("申请状态")],
        rows=(
            [
                line.claim.number,
                line.payee_name,
                line.bank_name,
                mask(PIIKind.BANK_ACCOUNT, line.account_number),
                line.amount,
                line.claim.get_status_display(),
            ]
            for line in lines
        ),
    )


def clawbacks_xlsx(clawbacks: Iterable[Clawback]) -> ListExport:
    return list_xlsx(
        sheet_name=_("补贴追回"),
        title=_("补贴追回"),
        header=[
            _("申请编号"),
            _("姓名"),
            _("身份证号"),
            _("应追回金额（元）"),
            _("已追回金额（元）"),
            _("追回状态"),
            _("追回原因"),
            _("登记时间"),
        ],
        rows=(
            [
                c.claim.number,
                c.claim.person.name,
                mask(PIIKind.CITIZEN_ID, c.claim.person.citizen_id),
                c.amount,
                c.recovered_amount,
                c.get_recovery_status_display(),
                c.reason,
                c.created_at,
            ]
            for c in clawbacks
        ),
    )


def objections_xlsx(objections: Iterable[Objection]) -> ListExport:
    return list_xlsx(
        sheet_name=_("公示异议"),
        title=_("公示异议"),
        header=[_("申请编号"), _("姓名"), _("来源"), _("异议内容"), _("状态"), _("处理意见"), _("提出时间")],
        rows=(
            [
                o.claim.number,
                o.claim.person.name,
                o.get_source_display(),
                o.text,
                o.get_status_display(),
                o.resolution,
                o.created_at,
            ]
            for o in objections
        ),
    )
