"""Printable certificates (ADR 0019): one A4 page per certificate in Chinese, with a QR code to its verification.

The font is the project's embedded CJK TrueType font (:func:`lijiao.core.pdf.pdf_font`); the QR code (segno,
error correction M) holds ``<PUBLIC_BASE_URL>/certificates/v/<verification_token>`` and is embedded as a PNG
image so any reader prints it sharp. The ID number is masked (first 4 and last 4 characters), as on every
screen. A revoked certificate still prints, for the bureau's files and the holder's own, but every page says
so: a red “已撤销” stamp across it and the revocation date at the top; its QR code verifies as revoked.
A class's batch is the same pages in one file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import segno

from lijiao.certificates.vc import CertificateFacts, Issuer
from lijiao.core.pdf import pdf_font

QR_SCALE = (
    5  # pixels per module of the embedded image (a version-5 code, 45 modules with its quiet zone: 225 px)
)


@dataclass(frozen=True, slots=True)
class PrintedCertificate:
    """One page: the certificate's facts, the holder's masked ID number and its status."""

    facts: CertificateFacts
    masked_citizen_id: str
    revoked_on: dt.date | None = None


def qr_payload(issuer: Issuer, facts: CertificateFacts) -> str:
    """What the QR code holds: the certificate's public verification link."""
    return issuer.verification_url(facts.verification_token)


def qr_image(payload: str) -> Any:
    """The QR code as a greyscale Pillow image: ``QR_SCALE`` pixels per module, a 4-module quiet zone.

    Built from segno's module matrix (segno picks the mask by the standard's penalty rules) straight into
    Pillow, which is ten times faster than segno's pure-Python PNG writer; reportlab embeds it losslessly."""
    from PIL import Image

    matrix = segno.make_qr(payload, error="m").matrix
    border = 4
    size = len(matrix) + 2 * border
    pixels = bytearray(b"\xff" * (size * size))
    for y, row in enumerate(matrix, start=border):
        for x, dark in enumerate(row, start=border):
            if dark & 1:
                pixels[y * size + x] = 0
    image = Image.frombytes("L", (size, size), bytes(pixels))
    return image.resize((size * QR_SCALE, size * QR_SCALE), Image.Resampling.NEAREST)


_RED = "#9C1C1C"
_INK = "#1F1F1F"
_GREY = "#595959"


def _rows(page: PrintedCertificate) -> list[tuple[str, str]]:
    facts = page.facts
    subject_label = "专项职业能力" if facts.certificate_type == "special" else "职业（工种）"
    subject = facts.subject_name
    if facts.work_type and facts.occupation and facts.work_type != facts.occupation:
        subject = f"{facts.occupation}（{facts.work_type}）"
    rows = [
        ("姓　　名", facts.holder_name),
        ("证件号码", page.masked_citizen_id or "—"),
        (subject_label, subject or "—"),
    ]
    if facts.level_name:
        rows.append(("等　　级", facts.level_name))
    rows += [
        ("证书编号", facts.number),
        ("发证日期", f"{facts.issued_on.year}年{facts.issued_on.month}月{facts.issued_on.day}日"),
    ]
    if facts.evaluating_body:
        rows.append(("评价机构", facts.evaluating_body))
    rows.append(("发证机构", facts.issuer_name or "—"))
    rows.append(("证书状态", "已撤销" if page.revoked_on else "有效"))
    return rows


def _draw_page(canvas: Any, page: PrintedCertificate, issuer: Issuer, font: str, printed_at: str) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader, simpleSplit

    c = canvas
    width, height = A4
    red, ink, grey = colors.HexColor(_RED), colors.HexColor(_INK), colors.HexColor(_GREY)
    # border: a thick and a thin frame
    c.setStrokeColor(red)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setLineWidth(0.8)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    facts = page.facts
    c.setFillColor(ink)
    c.setFont(font, 30)
    c.drawCentredString(width / 2, height - 58 * mm, facts.type_name)
    c.setFont(font, 11)
    c.setFillColor(grey)
    c.drawCentredString(width / 2, height - 68 * mm, issuer.name)
    if page.revoked_on:
        c.setFillColor(red)
        c.setFont(font, 13)
        c.drawCentredString(
            width / 2, height - 38 * mm, f"本证书已于 {page.revoked_on:%Y-%m-%d} 撤销，不再有效"
        )
    y = height - 92 * mm
    label_x, value_x, value_width = 38 * mm, 72 * mm, width - 72 * mm - 32 * mm
    for label, value in _rows(page):
        c.setFillColor(grey)
        c.setFont(font, 13)
        c.drawString(label_x, y, label)
        c.setFillColor(red if label == "证书状态" and page.revoked_on else ink)
        c.setFont(font, 14)
        lines = simpleSplit(value, font, 14, value_width) or [""]
        for line in lines:
            c.drawString(value_x, y, line)
            y -= 7 * mm
        y -= 4 * mm
    # the QR code and how to verify
    size = 36 * mm
    qr_x, qr_y = width - 32 * mm - size, 36 * mm
    url = qr_payload(issuer, facts)
    c.drawImage(ImageReader(qr_image(url)), qr_x, qr_y, size, size)
    c.setFillColor(grey)
    c.setFont(font, 9)
    c.drawCentredString(qr_x + size / 2, qr_y - 5 * mm, "扫码核验证书真伪")
    c.setFont(font, 8)
    c.drawString(32 * mm, 44 * mm, "本证书信息可扫描右侧二维码，或在以下网址输入证书编号和姓名核验：")
    c.drawString(32 * mm, 39 * mm, f"{issuer.base_url}/certificates/verify/")
    c.drawString(32 * mm, 22 * mm, f"打印时间：{printed_at}")
    if page.revoked_on:
        c.saveState()
        c.setFillColor(red, alpha=0.35)
        c.setFont(font, 110)
        c.translate(width / 2, height / 2 - 20 * mm)
        c.rotate(30)
        c.drawCentredString(0, 0, "已撤销")
        c.restoreState()


def certificates_pdf(
    pages: Iterable[PrintedCertificate], issuer: Issuer, *, title: str, printed_at: str
) -> bytes:
    """The certificates as one PDF, one A4 page each (an empty iterable gives one page that says so)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    font = pdf_font()
    output = io.BytesIO()
    canvas = Canvas(output, pagesize=A4, pageCompression=1, initialFontName=font)  # never Helvetica
    canvas.setTitle(title)
    canvas.setAuthor(issuer.name)
    canvas.setCreator("立交 职业技能培训管理服务平台")
    drawn = 0
    for page in pages:
        _draw_page(canvas, page, issuer, font, printed_at)
        canvas.showPage()
        drawn += 1
    if not drawn:
        width, height = A4
        canvas.setFont(font, 14)
        canvas.drawCentredString(width / 2, height / 2, "没有可打印的证书")
        canvas.showPage()
    canvas.save()
    return output.getvalue()
