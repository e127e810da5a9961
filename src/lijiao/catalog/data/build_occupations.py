"""Rebuild ``occupations.csv`` (the 1,639 occupations of the 职业分类大典 2022) and ``groups.csv`` (its 8 大类,
79 中类 and 450 小类) from their public source.

Not imported by the application; run by hand when the source changes (provenance: ``README.md`` here)::

    pdftotext -raw 职业分类大典_2022_分类体系表.pdf dadian.txt     # Debian package poppler-utils
    python src/lijiao/catalog/data/build_occupations.py occupations_raw.json dadian.txt

``occupations_raw.json`` (from the source repository) gives each occupation's code and name; its parser dropped
the S (数字职业) and L (绿色职业) markers, so they are read back from the text of the book's own classification
table (the PDF in the same repository), where each occupation is printed as ``<code><name>`` followed by
``S``, ``L`` or ``L/S``. The script refuses to write anything if an occupation is not found in the PDF text
or a count differs from the book's (1,639 occupations, 97 S, 134 L, 23 both).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

EXPECTED = {"occupations": 1639, "digital": 97, "green": 134, "both": 23}
OUT = Path(__file__).parent / "occupations.csv"
GROUPS_OUT = Path(__file__).parent / "groups.csv"
EXPECTED_GROUPS = {1: 8, 4: 79, 7: 450}  # code length → count: 大类, 中类, 小类


def build(source_json: Path, pdf_text: Path) -> list[tuple[str, str, int, int]]:
    data = json.loads(source_json.read_text(encoding="utf-8"))
    text = re.sub(r"\s", "", pdf_text.read_text(encoding="utf-8"))
    rows = []
    for occupation in data["occupations"]:
        code, name = occupation["code"], re.sub(r"\s", "", occupation["name"])
        at = text.find(code + name)
        if at < 0:
            raise SystemExit(f"{code} {name}: not found in the PDF text")
        tail = text[at + len(code) + len(name) : at + len(code) + len(name) + 3]
        digital = tail.startswith(("S", "L/S"))
        green = tail.startswith("L")
        rows.append((code, name, int(digital), int(green)))
    counts = {
        "occupations": len({r[0] for r in rows}),
        "digital": sum(r[2] for r in rows),
        "green": sum(r[3] for r in rows),
        "both": sum(r[2] and r[3] for r in rows),
    }
    if counts != EXPECTED:
        raise SystemExit(f"counts {counts} differ from the book's {EXPECTED}")
    return sorted(rows)


def groups(source_json: Path) -> list[tuple[str, str]]:
    """大类, 中类 and 小类 codes and names (names with the PDF's stray spaces removed)."""
    data = json.loads(source_json.read_text(encoding="utf-8"))
    rows = [
        (code, re.sub(r"\s", "", name))
        for key in ("major_categories", "middle_categories", "minor_categories")
        for code, name in data[key].items()
    ]
    counts = {length: sum(len(code) == length for code, _ in rows) for length in EXPECTED_GROUPS}
    if counts != EXPECTED_GROUPS:
        raise SystemExit(f"group counts {counts} differ from {EXPECTED_GROUPS}")
    return sorted(rows)


def main() -> None:
    rows = build(Path(sys.argv[1]), Path(sys.argv[2]))
    with GROUPS_OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name"])
        writer.writerows(groups(Path(sys.argv[1])))
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "is_digital", "is_green"])
        writer.writerows(rows)
    sys.stdout.write(f"{OUT.name}: {len(rows)} occupations\n")


if __name__ == "__main__":
    main()
