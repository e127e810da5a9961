"""PDF helpers shared by every app that writes a PDF (the catalog's editions, printed certificates).

A PDF embeds a CJK TrueType font from ``settings.PDF_FONT_CANDIDATES`` (Debian: ``fonts-wqy-zenhei``) so Chinese
renders on every reader; reportlab's non-embedded built-in CID fonts are never used.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

_registered_fonts: dict[str, str] = {}


def pdf_font() -> str:
    """Register (once per process) and return the name of the first CJK TrueType font that exists and loads."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    tried = []
    for candidate in settings.PDF_FONT_CANDIDATES:
        path = Path(candidate)
        if not path.is_file():
            tried.append(str(path))
            continue
        key = str(path.resolve())
        if key in _registered_fonts:
            return _registered_fonts[key]
        name = f"LijiaoCJK{len(_registered_fonts)}"
        try:
            pdfmetrics.registerFont(TTFont(name, key, subfontIndex=0))
        except TTFError:
            tried.append(_("%(path)s（无法加载）") % {"path": path})
            continue
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
        _registered_fonts[key] = name
        return name
    raise ImproperlyConfigured(
        _(
            "找不到可嵌入 PDF 的中文 TrueType 字体，请安装 Debian 软件包 fonts-wqy-zenhei 或设置 LIJIAO_PDF_FONT。"
            "已尝试：%(tried)s"
        )
        % {"tried": "、".join(str(t) for t in tried) or "—"}
    )
