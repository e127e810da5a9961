"""Reference data of the catalog (SPEC C1): industry categories, occupations and special/business-start items.

The data lives in CSV files next to this module (``data/``; see ``data/README.md`` for where it came from).
Loading is an idempotent upsert keyed on ``code``: running it twice leaves the same rows, and a corrected
name in a CSV updates the row in place. Rows that are no longer in a CSV are left alone (catalog items of old
editions may still point at them).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from lijiao.catalog.models import (
    SCHEME_LEVELS,
    Category,
    Level,
    LevelScheme,
    Occupation,
    SpecialItem,
    WorkType,
    validate_occupation_code,
)

DATA_DIR = Path(__file__).parent / "data"

_TRUE = {"1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否", ""}


class ReferenceDataError(ValueError):
    """A reference CSV that cannot be loaded (bad header, bad value, duplicate code)."""


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    values: dict[str, str]


def _read(name: str, columns: tuple[str, ...]) -> list[_Row]:
    path = DATA_DIR / name
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise ReferenceDataError(
                _("%(file)s：表头应为 %(expected)s，实际为 %(found)s")
                % {"file": name, "expected": ",".join(columns), "found": ",".join(reader.fieldnames or ())}
            )
        rows = [
            _Row(line=reader.line_num, values={k: (v or "").strip() for k, v in record.items()})
            for record in reader
        ]
    seen: set[str] = set()
    for row in rows:
        code = row.values["code"]
        if not code:
            raise ReferenceDataError(_("%(file)s 第%(line)s行：编码为空") % {"file": name, "line": row.line})
        if code in seen:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：编码“%(code)s”重复")
                % {"file": name, "line": row.line, "code": code}
            )
        seen.add(code)
    return rows


def _flag(name: str, row: _Row, column: str) -> bool:
    value = row.values[column].lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ReferenceDataError(
        _("%(file)s 第%(line)s行：%(column)s 列的“%(value)s”应为 0 或 1")
        % {"file": name, "line": row.line, "column": column, "value": value}
    )


def read_categories() -> list[Category]:
    """The categories of ``data/categories.csv`` as unsaved model instances."""
    rows = _read("categories.csv", ("code", "name", "sort_order"))
    categories = []
    for row in rows:
        try:
            sort_order = int(row.values["sort_order"] or 0)
        except ValueError:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：sort_order 列应为整数")
                % {"file": "categories.csv", "line": row.line}
            ) from None
        categories.append(Category(code=row.values["code"], name=row.values["name"], sort_order=sort_order))
    return categories


def read_occupations() -> list[Occupation]:
    """The occupations of ``data/occupations.csv`` (the 2022 book) and ``data/occupations_added.csv``
    (announced since) as unsaved model instances (codes validated), with the standards of ``standards.csv``."""
    occupations = _read_occupation_file("occupations.csv") + _read_occupation_file("occupations_added.csv")
    codes = [o.code for o in occupations]
    if len(set(codes)) != len(codes):
        raise ReferenceDataError(_("occupations_added.csv：有编码与 occupations.csv 重复"))
    by_code = {o.code: o for o in occupations}
    for code, (scheme, levels, standard) in read_standards().items():
        if code not in by_code:
            raise ReferenceDataError(_("standards.csv：职业编码“%(code)s”不在职业库中") % {"code": code})
        occupation = by_code[code]
        occupation.level_scheme, occupation.defined_levels, occupation.standard = scheme, levels, standard
    return occupations


_LEVEL_NAMES = {
    "五级": 5,
    "四级": 4,
    "三级": 3,
    "二级": 2,
    "一级": 1,
    "初级": Level.JUNIOR.value,
    "中级": Level.INTERMEDIATE.value,
    "高级": Level.SENIOR.value,
}


def read_standards() -> dict[str, tuple[str, list[int], str]]:
    """``data/standards.csv``: occupation code → (level scheme, the levels its standard defines, standard)."""
    name = "standards.csv"
    standards: dict[str, tuple[str, list[int], str]] = {}
    for row in _read(name, ("code", "level_scheme", "levels", "standard")):
        scheme = row.values["level_scheme"]
        if scheme not in LevelScheme.values:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：未知的等级体系“%(scheme)s”")
                % {"file": name, "line": row.line, "scheme": scheme}
            )
        words = row.values["levels"].split()
        levels = [_LEVEL_NAMES.get(word, 0) for word in words]
        if not levels or any(level not in SCHEME_LEVELS[LevelScheme(scheme)] for level in levels):
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：等级“%(levels)s”与等级体系不符")
                % {"file": name, "line": row.line, "levels": row.values["levels"]}
            )
        standards[row.values["code"]] = (scheme, levels, row.values["standard"])
    return standards


def read_work_types(occupations: list[Occupation]) -> list[tuple[str, str, str]]:
    """``data/work_types.csv``: (工种 code, occupation code, name); the occupation must be in ``occupations``."""
    name = "work_types.csv"
    known = {o.code for o in occupations}
    work_types = []
    for row in _read(name, ("code", "occupation", "name")):
        code, occupation, work_name = row.values["code"], row.values["occupation"], row.values["name"]
        if occupation not in known or not code.startswith(occupation + "-") or not work_name:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：工种“%(code)s”的职业编码或名称有误")
                % {"file": name, "line": row.line, "code": code}
            )
        work_types.append((code, occupation, work_name))
    return work_types


def _read_occupation_file(name: str) -> list[Occupation]:
    occupations = []
    for row in _read(name, ("code", "name", "is_digital", "is_green")):
        try:
            validate_occupation_code(row.values["code"])
        except Exception as exc:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：%(error)s") % {"file": name, "line": row.line, "error": exc}
            ) from None
        if not row.values["name"]:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：职业名称为空") % {"file": name, "line": row.line}
            )
        occupations.append(
            Occupation(
                code=row.values["code"],
                name=row.values["name"],
                is_digital=_flag(name, row, "is_digital"),
                is_green=_flag(name, row, "is_green"),
            )
        )
    return occupations


def read_special_items() -> list[SpecialItem]:
    """The 专项职业能力 and business-start items of ``data/special_items.csv`` as unsaved instances."""
    name = "special_items.csv"
    items = []
    for row in _read(name, ("code", "name", "kind")):
        kind = row.values["kind"]
        if kind not in SpecialItem.Kind.values:
            raise ReferenceDataError(
                _("%(file)s 第%(line)s行：未知类型“%(kind)s”")
                % {"file": name, "line": row.line, "kind": kind}
            )
        items.append(SpecialItem(code=row.values["code"], name=row.values["name"], kind=kind))
    return items


@transaction.atomic
def load_reference_data(*, stdout: IO[str] | None = None) -> dict[str, int]:
    """Upsert the three reference CSVs; returns how many rows each file holds.

    Idempotent (``bulk_create(update_conflicts=True)`` on ``code``, which works on SQLite and PostgreSQL);
    all or nothing: a bad row in any file raises :class:`ReferenceDataError` before anything is written.
    """
    categories = read_categories()
    occupations = read_occupations()
    work_types = read_work_types(occupations)
    special_items = read_special_items()
    Category.objects.bulk_create(
        categories, update_conflicts=True, unique_fields=["code"], update_fields=["name", "sort_order"]
    )
    Occupation.objects.bulk_create(
        occupations,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "is_digital", "is_green", "level_scheme", "defined_levels", "standard"],
    )
    occupation_ids = dict(Occupation.objects.values_list("code", "pk"))
    WorkType.objects.bulk_create(
        [WorkType(code=code, occupation_id=occupation_ids[occ], name=name) for code, occ, name in work_types],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "occupation"],
    )
    SpecialItem.objects.bulk_create(
        special_items, update_conflicts=True, unique_fields=["code"], update_fields=["name", "kind"]
    )
    counts = {
        "categories": len(categories),
        "occupations": len(occupations),
        "work_types": len(work_types),
        "special_items": len(special_items),
    }
    if stdout is not None:
        for key, value in counts.items():
            stdout.write(f"{key}: {value}\n")
    return counts
