"""The translation catalogs (ADR 0003) as tests see them: where they are, what they hold, compiling them."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "lijiao"
# Apps with a catalog of their own; the project's templates have theirs in PACKAGE / "locale". An app whose
# messages get marked for translation joins this list (and the Makefile's MESSAGE_APPS), e.g. people.
CATALOG_APPS = (
    "core",
    "accounts",
    "audit",
    "portal",
    "people",
    "catalog",
    "providers",
    "training",
    "certificates",
    "subsidies",
)
LANGUAGES = ("en",)


@dataclass(frozen=True)
class Entry:
    msgid: str
    msgstr: str
    fuzzy: bool


def catalog_roots() -> list[Path]:
    """The folders whose ``locale`` holds a catalog: each app, and the project package."""
    return [PACKAGE / app for app in CATALOG_APPS] + [PACKAGE]


def po_files(language: str = "en") -> list[Path]:
    return [root / "locale" / language / "LC_MESSAGES" / "django.po" for root in catalog_roots()]


_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$')


def read_po(path: Path) -> list[Entry]:
    """The entries of a catalog (the header excluded)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        parts: dict[str, str] = {}
        current = ""
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif match := _LINE.match(line):
                current = match.group(1)
                parts[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                parts[current] += ast.literal_eval(line)
        msgid = parts.get("msgid")
        if msgid:  # the header's msgid is empty
            msgstr = parts.get("msgstr", parts.get("msgstr[0]", ""))
            entries.append(Entry(msgid, msgstr, fuzzy))
    return entries


def compile_catalogs() -> None:
    """Compile every catalog whose ``.mo`` is missing or older than its ``.po`` (``make`` does it too)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return
    for language in LANGUAGES:
        for po in po_files(language):
            mo = po.with_suffix(".mo")
            if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
                subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)


# A Chinese message followed by Latin words in brackets: “输入有误（invalid input）”, “对象不存在 (not found)”.
GLOSS = re.compile(r"[\u4e00-\u9fff“”。，：]\s*[（(]([^（）()\n]*)[）)]")
LATIN_WORD = re.compile(r"\b[a-z]{3,}\b")
# Technical words that may stand in brackets after Chinese: file formats, literal values.
NOT_A_GLOSS = frozenset({"xlsx", "xls", "csv", "ods", "pdf", "json", "true", "false", "http", "https"})
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def glosses(text: str) -> list[str]:
    """The bracketed English glosses in ``text``."""
    found = []
    for match in GLOSS.finditer(text):
        inside = match.group(1)
        if not CHINESE.search(inside) and set(LATIN_WORD.findall(inside)) - NOT_A_GLOSS:
            found.append(match.group(0))
    return found


def chinese_only(message: str) -> bool:
    """A message for people in Chinese, without an English gloss (ADR 0003)."""
    return bool(CHINESE.search(message)) and not glosses(message)
