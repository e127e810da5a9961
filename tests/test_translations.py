"""Chinese first, English as a real translation (ADR 0003): the catalogs are complete, current and compile, and no
message glues an English gloss in brackets onto Chinese."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

from tests.translations import PACKAGE, catalog_roots, glosses, po_files, read_po

# --------------------------------------------------------------------------------------- catalogs


@pytest.mark.parametrize("po", po_files("en"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_message_has_an_english_translation(po: Path) -> None:
    assert po.exists(), f"{po} is missing: run `make messages-update` and translate it"
    untranslated = [e.msgid for e in read_po(po) if not e.msgstr or e.fuzzy]
    assert not untranslated, f"{po.relative_to(PACKAGE)}: no English for {untranslated}"


def test_catalogs_compile(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "Debian gettext is needed to compile translations (make install installs it)"
    for i, po in enumerate(po_files("en")):
        result = subprocess.run(
            [msgfmt, "--check-format", "-o", str(tmp_path / f"{i}.mo"), str(po)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{po}: {result.stderr}"


def _extract(root: Path, tmp_path: Path) -> list[str]:
    """The msgids ``makemessages`` finds in ``root`` today (run on a copy, so the tree is left alone)."""
    copy = tmp_path / root.name
    if root == PACKAGE:  # the project's own templates and settings; the apps have their own catalogs
        shutil.copytree(root / "templates", copy / "templates")
        shutil.copytree(root / "locale", copy / "locale")
        shutil.copy(root / "settings.py", copy / "settings.py")
    else:
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "data"))
    lijiao = Path(sys.executable).with_name("lijiao")
    subprocess.run(
        [str(lijiao), "makemessages", "-l", "en", "--no-location", "--no-wrap", "--verbosity", "0"],
        cwd=copy,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "lijiao.test_settings", "PATH": "/usr/bin:/bin"},
    )
    return [e.msgid for e in read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po") if not e.msgstr]


@pytest.mark.parametrize("root", catalog_roots(), ids=lambda p: p.name)
def test_catalogs_are_up_to_date_with_the_code(root: Path, tmp_path: Path) -> None:
    if not shutil.which("xgettext"):
        pytest.fail("Debian gettext is needed to extract messages (make install installs it)")
    new = _extract(root, tmp_path)
    assert not new, (
        f"messages in {root.relative_to(PACKAGE.parent)} missing from its English catalog: {new} "
        "(run `make messages-update`, then translate them)"
    )


# --------------------------------------------------------------------------------- no English glosses

# Files (or packages, ending in "/") whose messages are not converted yet: each part of issue 8 that converts an
# app removes its entries, until the list is empty.
NOT_YET_CONVERTED: set[str] = set()


PLACEHOLDER = re.compile(r"%\(\w+\)s|\{[^{}]*\}")


def _python_strings(source: str) -> str:
    """The string literals of a Python module (f-string text included), one per line, placeholders blanked;
    comments and docstrings (triple-quoted) are left out."""
    parts: list[str] = []
    fstring: list[str] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and not token.string.endswith(('"""', "'''")):
            parts.append(token.string)
        elif token.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            fstring.append(token.string)
        elif token.type == getattr(tokenize, "FSTRING_END", -1):
            parts.append("0".join(fstring))  # each replacement field reads as a value
            fstring = []
    return PLACEHOLDER.sub("0", "\n".join(parts))


def _template_text(source: str) -> str:
    """What a template shows: tags and variables blanked."""
    text = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", source)
    text = re.sub(r"\{\{.*?\}\}", "0", text)
    return PLACEHOLDER.sub("0", re.sub(r"<[^>]*>", " ", text))


def _sources() -> list[Path]:
    files = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    files += list(PACKAGE.rglob("templates/**/*.html"))
    return sorted(files)


def _not_yet_converted(relative: str) -> bool:
    return any(
        relative == entry or (entry.endswith("/") and relative.startswith(entry))
        for entry in NOT_YET_CONVERTED
    )


def _has_gloss(path: Path) -> bool:
    source = path.read_text(encoding="utf-8")
    return bool(glosses(_python_strings(source) if path.suffix == ".py" else _template_text(source)))


def test_the_gloss_pattern() -> None:
    assert glosses('"输入有误（invalid input）"')
    assert glosses("对象不存在 (not found)")
    assert glosses("已导入20人（20 trainees imported: 20 newly registered）")
    assert not glosses("地址码 210202 不在行政区划代码（GB/T 2260）中")
    assert not glosses("下载完整错误报告（xlsx）")
    assert not glosses("局领导（只读）")
    assert not glosses("职业编码（见 /catalog/occupations）")
    assert not glosses(
        _template_text("<h2>{% blocktranslate %}新增项目（{{ added }}）{% endblocktranslate %}</h2>")
    )
    assert glosses(_python_strings('message = f"{what}为空（{what_en} is empty）"'))


def test_no_message_carries_an_english_gloss() -> None:
    offenders = {}
    for path in _sources():
        relative = path.relative_to(PACKAGE).as_posix()
        if _not_yet_converted(relative):
            continue
        source = path.read_text(encoding="utf-8")
        text = _python_strings(source) if path.suffix == ".py" else _template_text(source)
        if found := glosses(text):
            offenders[relative] = found
    assert not offenders, f"Chinese messages with an English gloss (ADR 0003): {offenders}"


def test_the_list_of_files_not_yet_converted_only_shrinks() -> None:
    """An entry whose file no longer has a gloss (or no longer exists) must leave the list."""
    stale = []
    for relative in sorted(NOT_YET_CONVERTED):
        path = PACKAGE / relative
        files = sorted(path.rglob("*.py")) if relative.endswith("/") else [path] if path.exists() else []
        if not any(_has_gloss(f) for f in files):
            stale.append(relative)
    assert not stale, f"converted or gone, remove from NOT_YET_CONVERTED: {stale}"
