"""Importing an evaluating body's results sheet (SPEC C5): the machinery of :mod:`lijiao.core.importing` (the
header found below title rows, clerk-made cells, a per-row error report), all rows or none.

Columns: 姓名, 身份证号, 职业编码 (or 专项项目编码), 工种编码, 等级, 站点代码, 理论成绩, 实操成绩, 综合评审成绩,
认定日期. Every row is checked as the screen checks one result (:func:`.results.record_results`); any problem —
a cell that cannot be read, a code that is unknown, a rule the result breaks — is reported by row number and
column and nothing is written. The import is recorded as an :class:`~lijiao.core.models.ImportJob` with its
error report.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lijiao.catalog.importers import parse_level
from lijiao.certificates.models import EvaluatingBody, EvaluationSite
from lijiao.certificates.services.lookups import resolve_subject
from lijiao.certificates.services.results import ResultInput, Subject, record_results, require_body_member
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError
from lijiao.core.importing import (
    CellError,
    ColumnSpec,
    ImportResult,
    RowError,
    cell_date,
    cell_free_text,
    cell_text,
    check_spreadsheet,
    open_table,
    save_job,
)
from lijiao.training.roster_import.columns import parse_id, parse_name

__all__ = ["COLUMNS", "IMPORT_KIND", "import_results"]

IMPORT_KIND = "certificates.results"


def _score(value: Any) -> Any:
    """A score cell as text for :func:`parse_score` (full-width digits and spaces normalised)."""
    if isinstance(value, bool):
        raise CellError(_("应填写成绩，而不是是/否"))
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(round(value, 6)).rstrip("0").rstrip(".")
    text = cell_text(value)
    return unicodedata.normalize("NFKC", text).strip().rstrip("分").strip()


def _shown(value: Any) -> str:
    """A cell as the error report shows it (a number Excel has mangled is shown as it is)."""
    try:
        return cell_text(value)
    except CellError:
        return str(value)


def _code(value: Any) -> str:
    return unicodedata.normalize("NFKC", cell_text(value)).strip().upper().replace("（", "(")


COLUMNS = (
    ColumnSpec("name", "姓名", ("考生姓名",), required=True, parse=parse_name),
    ColumnSpec("citizen_id", "身份证号", ("身份证号码", "证件号码", "公民身份号码"), True, parse_id),
    ColumnSpec("occupation_code", "职业编码", ("职业代码",), parse=_code),
    ColumnSpec("work_type_code", "工种编码", ("工种代码",), parse=_code),
    ColumnSpec("special_item_code", "专项项目编码", ("专项职业能力编码", "项目编码"), parse=_code),
    ColumnSpec("level", "等级", ("认定等级", "申报等级"), parse=parse_level),
    ColumnSpec("site_code", "站点代码", ("评价站点代码", "考点代码"), True, _code),
    ColumnSpec("theory_score", "理论成绩", ("理论知识成绩", "理论"), parse=_score),
    ColumnSpec("practical_score", "实操成绩", ("操作技能成绩", "技能成绩", "实操"), parse=_score),
    ColumnSpec("review_score", "综合评审成绩", ("综合评审",), parse=_score),
    ColumnSpec("assessed_on", "认定日期", ("考核日期", "评价日期"), True, cell_date),
    ColumnSpec("note", "备注", (), parse=cell_free_text),
)
_FIELD_COLUMN = {
    "citizen_id": "citizen_id",
    "name": "name",
    "enrollment": "citizen_id",
    "occupation": "occupation_code",
    "occupation_code": "occupation_code",
    "work_type": "work_type_code",
    "work_type_code": "work_type_code",
    "special_item_code": "special_item_code",
    "level": "level",
    "site": "site_code",
    "site_code": "site_code",
    "theory_score": "theory_score",
    "practical_score": "practical_score",
    "review_score": "review_score",
    "assessed_on": "assessed_on",
}


def import_results(*, actor: Actor, body: EvaluatingBody, file_name: str, data: bytes | Path) -> ImportResult:
    """Import the results in a spreadsheet, all rows or none. Needs membership of ``body`` (as recording one).

    Returns the counts and the per-row errors; the :class:`ImportJob` keeps the error report. A file that cannot
    be read at all raises :class:`~lijiao.core.importing.ImportFileError`."""
    require_body_member(actor, body)
    check_spreadsheet(file_name, data)
    table = open_table(file_name, data, COLUMNS)
    labels = {spec.key: str(table.label(spec.key)) for spec in COLUMNS}
    sites = {s.code: s for s in EvaluationSite.objects.filter(body=body)}
    subjects: dict[tuple[str, str, str], Any] = {}
    errors: list[RowError] = []
    inputs: list[ResultInput] = []
    numbers: list[int] = []
    rows_values: list[list[Any]] = []
    for row in table.rows:
        values = [_shown(v) for v in row.values]
        parsed: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for spec in COLUMNS:
            raw = table.cell(row, spec.key)
            try:
                parsed[spec.key] = spec.parse(raw) if spec.parse is not None else raw
            except CellError as exc:
                row_errors.append(RowError(row.number, labels[spec.key], exc.message, values))
        key = (
            parsed.get("occupation_code") or "",
            parsed.get("work_type_code") or "",
            parsed.get("special_item_code") or "",
        )
        if not row_errors:
            if key not in subjects:
                try:
                    subjects[key] = resolve_subject(*key, message="")
                except DomainError as exc:
                    subjects[key] = exc
            found = subjects[key]
            if isinstance(found, DomainError):
                error = found.errors[0]
                row_errors.append(
                    RowError(row.number, labels[_FIELD_COLUMN[error.field]], error.message, values)
                )
        if row_errors:
            errors += row_errors
            continue
        occupation, work_type, special_item = subjects[key]
        site_code = parsed["site_code"] or ""
        site = sites.get(site_code)
        if site is None:
            errors.append(
                RowError(
                    row.number,
                    labels["site_code"],
                    _("本机构没有代码为“%(code)s”的站点") % {"code": site_code},
                    values,
                )
            )
            continue
        subject = Subject(site, parsed["assessed_on"], occupation, work_type, special_item, parsed["level"])
        inputs.append(
            ResultInput(
                citizen_id=parsed["citizen_id"].number,
                name=parsed["name"],
                theory_score=parsed["theory_score"],
                practical_score=parsed["practical_score"],
                review_score=parsed["review_score"],
                subject=subject,
                label=_("第%(row)s行") % {"row": row.number},
            )
        )
        numbers.append(row.number)
        rows_values.append(values)
    total = len(numbers) + len({e.row_number for e in errors})
    if not errors and not inputs:
        errors.append(RowError(table.header_row + 1, "", _("表中没有成绩行"), []))
    if not errors:
        try:
            saved = record_results(actor=actor, body=body, rows=inputs, source=f"import:{file_name}"[:100])
        except DomainError as exc:
            if exc.status == 403:
                raise
            errors = _row_errors(exc, numbers, rows_values, labels)
        else:
            job = save_job(
                kind=IMPORT_KIND,
                actor=actor,
                file_name=file_name,
                target=body,
                total_rows=total,
                imported_rows=len(saved),
            )
            return ImportResult(total, len(saved), [], job.pk)
    job = save_job(
        kind=IMPORT_KIND,
        actor=actor,
        file_name=file_name,
        target=body,
        total_rows=total,
        imported_rows=0,
        errors=errors,
        header=table.header,
        message=_("有%(count)s处错误，未导入任何结果") % {"count": len(errors)},
    )
    return ImportResult(total, 0, errors, job.pk)


def _row_errors(
    exc: DomainError, numbers: list[int], values: list[list[Any]], labels: dict[str, str]
) -> list[RowError]:
    """The service's field errors (``results[<index>].<field>``) as errors of the sheet's rows and columns."""
    found: list[RowError] = []
    for error in exc.errors:
        index, field = 0, error.field
        if error.field.startswith("results["):
            index_text, _sep, field = error.field[len("results[") :].partition("].")
            index = int(index_text) if index_text.isdigit() else 0
        row = numbers[index] if index < len(numbers) else numbers[0]
        prefix = _("%(name)s：%(problem)s") % {"name": _("第%(row)s行") % {"row": row}, "problem": ""}
        message = error.message.removeprefix(prefix)
        column = labels.get(_FIELD_COLUMN.get(field, ""), "")
        found.append(RowError(row, column, message, values[index] if index < len(values) else []))
    if not found:
        found.append(RowError(numbers[0], "", exc.message, values[0]))
    return found
