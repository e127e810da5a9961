"""The roster's row checks: each row's cells (through the columns' parsers), the rows against each other and
against the database — the single-person enrollment's checks, run set-based, a constant number of queries per
batch.

* cells (:mod:`.columns`): name, citizen ID, phone, gender, birth date, household, education, groups and their
  evidence; here, what needs several cells: gender and birth date against the ID, evidence given for a group
  the row does not name, :func:`lijiao.people.services.validate_group_evidence`;
* rows against each other: the same ID twice (both rows are reported, once the file is read);
* rows against the database: a registered person whose name differs; already enrolled in this class; the
  eligibility rule of the class's program; an active enrollment in an overlapping class; and for the file as a
  whole the remaining seats and the program's yearly quota.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.actors import Actor
from lijiao.core.bulk_write import InList
from lijiao.core.decisions import canonical_json
from lijiao.core.errors import Conflict
from lijiao.core.identity import CitizenId
from lijiao.core.importing import RowError, SourceRow, Table
from lijiao.core.pii import PIIKind, pii_digest, pii_digester
from lijiao.core.retirement import category_for, statutory_retirement
from lijiao.core.rules import evaluate, facts_read
from lijiao.people.models import Person
from lijiao.people.services import validate_group_evidence
from lijiao.training.checks import (
    PersonGroupEvidence,
    age_on,
    eligibility_rule_for,
    group_evidence_by_person,
    overlapping_people,
    person_facts,
)
from lijiao.training.models import Enrollment, TrainingClass
from lijiao.training.roster_import.columns import COLUMNS, FAILED, column_parsers, parse_cells
from lijiao.training.roster_import.rows import FILE_ROW, LateError, RosterRow, Spool, seats_error
from lijiao.training.services.enrollment import check_quota, eligibility_refusal

_GRADUATE_GROUPS = ("graduate", "upcoming_graduate")
_EVIDENCE = (  # evidence column, the groups it belongs to, how the clerk knows them
    ("graduation_year", _GRADUATE_GROUPS, "高校毕业生或毕业年度高校毕业生"),
    ("registration_number", ("unemployed",), "失业人员"),
    ("insured_months", ("insured", "employee"), "参保职工或企业职工"),
)
_CACHE_LIMIT = 100_000


class RosterChecks:
    """Every check of one import, batch by batch; keeps what the whole file needs (IDs seen, errors spooled,
    one eligibility record per distinct set of facts)."""

    def __init__(
        self,
        actor: Actor | None,
        training_class: TrainingClass,
        table: Table,
        reopen: Callable[[], Table],
        *,
        keep_errors: int,
    ) -> None:
        self.actor = actor
        self.training_class = training_class
        self.program = training_class.program
        self.table = table
        self.on = training_class.start_date
        self.today = timezone.localdate()
        self.present, self.absent = column_parsers(table)
        self.label = {spec.key: table.label(spec.key) for spec in COLUMNS}
        self.keep_errors = keep_errors
        self.total = 0
        self.seen: dict[int, int] = {}  # ID number as an int -> its first row number
        self.duplicates: dict[int, list[int]] = {}
        self.error_rows: set[int] = set()
        self.error_count = 0
        self.first_errors: list[RowError] = []
        # eligibility: one record per distinct set of facts, shared by every row with those facts
        self.decisions: list[dict[str, Any]] = []
        self.by_facts: dict[tuple[Any, ...], int] = {}  # the facts the rule reads -> record
        self.by_content: dict[str, int] = {}  # record as JSON -> record
        self.refusals: dict[int, str] = {}
        self.digest = pii_digester(PIIKind.CITIZEN_ID)
        self.rule = eligibility_rule_for(self.program)  # validated once (checks.evaluate_eligibility's rule)
        self.reads = sorted(facts_read(self.rule))
        self.by_inputs: dict[tuple[Any, ...], int] = {}  # what person_facts reads -> record (a cache)
        # (birth date, sex) -> (age, retirement age reached) on the start date
        self.ages: dict[tuple[dt.date, str], tuple[int, bool]] = {}
        self.evidence_checks: dict[tuple[Any, ...], list[Any]] = {}
        # the file read again for the rows of late errors (duplicates, a rollback) in the report
        self.reopen = reopen
        self.errors = Spool()  # row errors of each batch, in row order

    def close(self) -> None:
        self.errors.close()

    # -- one batch ---------------------------------------------------------------------------------------------

    def check_batch(self, batch: list[SourceRow]) -> list[RosterRow]:
        """Every check of a batch (a constant number of queries); returns the rows that passed."""
        self.total += len(batch)
        errors: list[RowError] = []
        parsed = []
        for source in batch:
            row = self.check_row(source, errors)
            if row is not None:
                parsed.append(row)
        values_of = {source.number: source.values for source in batch}
        self._registered(parsed, values_of, errors)
        self._eligibility(parsed, values_of, errors)
        if errors:
            errors.sort(key=lambda e: e.row_number)
            self.error_count += len(errors)
            self.error_rows.update(e.row_number for e in errors)
            room = self.keep_errors - len(self.first_errors)
            if room > 0:
                self.first_errors.extend(errors[:room])
            self.errors.dump(errors)
        return [row for row in parsed if not row.failed]

    def check_row(self, source: SourceRow, errors: list[RowError]) -> RosterRow | None:
        """One row's cells, and what needs several of them; None when anything is wrong (``errors`` says what)."""
        values = source.values
        number = source.number
        label = self.label
        cells, problems = parse_cells(values, self.present, self.absent)
        for key, message in problems:
            errors.append(RowError(number, label[key], message, values))
        failed = bool(problems)
        cid: CitizenId | Any = cells["citizen_id"]
        if cid is not FAILED:
            failed = self._against_id(cid, cells, number, values, errors) or failed
        groups = self._groups(cells, number, values, errors, None if cid is FAILED else cid.birth_date.year)
        if cid is FAILED:
            return None
        last = cid.number[17]
        as_int = int(cid.number[:17]) * 16 + (10 if last == "X" else ord(last) - 48)
        first = self.seen.setdefault(as_int, number)
        if first != number:
            self.duplicates.setdefault(as_int, [first]).append(number)
        if failed or groups is None:
            return None
        return RosterRow(
            number,
            cells["name"],
            cid.number,
            self.digest(cid.number),
            cid.gender,
            cid.birth_date,
            cells["phone"],
            cells["household"],
            cells["education"],
            cells["employer_name"],
            groups,
        )

    def _against_id(
        self, cid: CitizenId, cells: dict[str, Any], number: int, values: list[Any], errors: list[RowError]
    ) -> bool:
        """Gender and birth date, when given, must agree with the ID; True when one does not."""
        failed = False
        gender = cells["gender"]
        if gender and gender is not FAILED and gender != cid.gender:
            index = self.table.columns["gender"]
            shown = "男" if cid.gender == "M" else "女"
            message = _("性别“%(value)s”与身份证号不符，身份证号显示为%(shown)s") % {
                "value": values[index] if index < len(values) else "",
                "shown": shown,
            }
            errors.append(RowError(number, self.label["gender"], message, values))
            failed = True
        birth = cells["birth_date"]
        if birth is not None and birth is not FAILED and birth != cid.birth_date:
            message = _("出生日期 %(given)s 与身份证号中的 %(expected)s 不符") % {
                "given": f"{birth:%Y-%m-%d}",
                "expected": f"{cid.birth_date:%Y-%m-%d}",
            }
            errors.append(RowError(number, self.label["birth_date"], message, values))
            failed = True
        return failed

    def _groups(
        self,
        cells: dict[str, Any],
        number: int,
        values: list[Any],
        errors: list[RowError],
        birth_year: int | None,
    ) -> dict[str, PersonGroupEvidence] | None:
        """The row's groups with their evidence ({} when none); None when something about them is wrong."""
        codes, year = cells["groups"], cells["graduation_year"]
        registration, months = cells["registration_number"], cells["insured_months"]
        if not codes and year is None and not registration and months is None:
            return {}
        if FAILED in (codes, year, registration, months):
            return None
        label = self.label
        ok = True
        # evidence for a group the row does not name has nowhere to go: say so rather than drop it
        for key, holders, holder in _EVIDENCE:
            given = cells[key]
            if (given is not None and given != "") and set(codes).isdisjoint(holders):
                message = _("填写了“%(column)s”，但人员类别中没有%(group)s") % {
                    "column": label[key],
                    "group": holder,
                }
                errors.append(RowError(number, label[key], message, values))
                ok = False
        employer = cells["employer_name"]
        evidence: dict[str, PersonGroupEvidence] = {}
        for code in codes:
            item = PersonGroupEvidence(
                code,
                year if code in _GRADUATE_GROUPS else None,
                registration if code == "unemployed" else "",
                months if code in ("insured", "employee") else None,
                employer if code == "employee" and employer is not FAILED else "",
            )
            check = (
                code,
                birth_year,
                item.graduation_year,
                item.registration_number,
                item.insured_months,
                employer,
            )
            problems = self.evidence_checks.get(check)
            if problems is None:
                problems = validate_group_evidence(
                    group=code,
                    birth_year=birth_year,
                    graduation_year=item.graduation_year,
                    registration_number=item.registration_number,
                    insured_months=item.insured_months,
                    employer_name=item.employer_name,
                    today_year=self.today.year,
                )
                if len(self.evidence_checks) < _CACHE_LIMIT:
                    self.evidence_checks[check] = problems
            for problem in problems:
                column = label[problem.field] if problem.field in label else label["groups"]
                errors.append(RowError(number, column, problem.message, values))
                ok = False
            evidence[code] = item
        return evidence if ok else None

    def _registered(
        self, parsed: list[RosterRow], values_of: dict[int, list[Any]], errors: list[RowError]
    ) -> None:
        """People already registered (one query): their name, what the file changes about them, whether they are
        in this class already (withdrawn ones come back on their old row), and overlapping classes."""
        if not parsed:
            return
        found: dict[str, list[Any]] = {
            digest: rest
            for digest, *rest in Person.objects.filter(
                InList(F("citizen_id_digest"), [r.digest for r in parsed])
            )
            .order_by()
            .values_list(
                "citizen_id_digest", "pk", "name", "phone_digest", "household", "education", "employer_name"
            )
        }
        if not found:
            return
        registered: dict[int, RosterRow] = {}
        for row in parsed:
            stored = found.get(row.digest)
            if stored is None:
                continue
            person_id, name, phone_digest, household, education, employer = stored
            row.person_id = person_id
            if name != row.name:
                row.failed = True
                message = _("该身份证号已登记的姓名与本行姓名不一致，请核对身份证件")
                errors.append(RowError(row.number, self.label["name"], message, values_of[row.number]))
                continue
            registered[person_id] = row
            changes = []
            if row.phone and pii_digest(PIIKind.PHONE, row.phone) != phone_digest:
                changes.append("phone")
            for attr, current in (
                ("household", household),
                ("education", education),
                ("employer_name", employer),
            ):
                new = getattr(row, attr)
                if not new:
                    setattr(row, attr, current)  # an empty cell never erases what is recorded
                elif new != current:
                    changes.append(attr)
            row.changes = tuple(changes)
        if not registered:
            return
        label = self.label["citizen_id"]
        enrolled = Enrollment.objects.filter(
            InList(F("person_id"), list(registered)), training_class_id=self.training_class.pk
        )
        for person_id, enrollment_id, status in enrolled.values_list("person_id", "pk", "status"):
            row = registered[person_id]
            if status == Enrollment.Status.WITHDRAWN:
                row.reenroll_id = enrollment_id
            else:
                row.failed = True
                errors.append(RowError(row.number, label, _("已在本班报名"), values_of[row.number]))
        for person_id, reason in overlapping_people(self.training_class, list(registered)).items():
            row = registered[person_id]
            row.failed = True
            errors.append(RowError(row.number, label, reason, values_of[row.number]))

    def _eligibility(
        self, parsed: list[RosterRow], values_of: dict[int, list[Any]], errors: list[RowError]
    ) -> None:
        """The class's eligibility rule for every row, with the facts it will have once imported (one query for the
        groups recorded for registered people). A decision is evaluated once per distinct set of facts."""
        registered = [r.person_id for r in parsed if r.person_id is not None and not r.failed]
        recorded = group_evidence_by_person(registered) if registered else {}
        by_facts, by_inputs, ages, reads, on = self.by_facts, self.by_inputs, self.ages, self.reads, self.on
        for row in parsed:
            if row.failed:
                continue
            groups = row.groups
            if row.person_id is not None and recorded.get(row.person_id):
                groups = {**recorded[row.person_id], **groups}
            # person_facts reads exactly these inputs (the birth date only through the age on the start date)
            # the age and whether the retirement age is reached depend on the birth date and the sex only
            age = ages.get((row.birth_date, row.gender))
            if age is None:
                reached = statutory_retirement(row.birth_date, category_for(row.gender)[0]).reached_on(on)
                age = ages[row.birth_date, row.gender] = (age_on(row.birth_date, on), reached)
            inputs = (
                age,
                row.gender,
                row.household,
                row.education,
                bool(row.employer_name),
                tuple(
                    [
                        (code, e.graduation_year, e.insured_months, bool(e.employer_name), e.as_of, e.source)
                        for code, e in sorted(groups.items())
                    ]
                )
                if groups
                else (),
            )
            index = by_inputs.get(inputs)
            if index is None:
                facts = person_facts(
                    birth_date=row.birth_date,
                    gender=row.gender,
                    groups=groups,
                    on=on,
                    household=row.household,
                    education=row.education,
                    employer_name=row.employer_name,
                )
                # the decision depends on the facts the rule reads, and on nothing else
                key = tuple([tuple(v) if (v := facts.get(name)).__class__ is list else v for name in reads])
                index = by_facts.get(key)
                if index is None:
                    index = by_facts[key] = self._decide(facts)
                if len(by_inputs) >= _CACHE_LIMIT:
                    by_inputs.clear()
                by_inputs[inputs] = index
            row.decision = index
            refusal = self.refusals.get(index)
            if refusal is not None:
                row.failed = True
                errors.append(RowError(row.number, "", refusal, values_of[row.number]))

    def _decide(self, facts: dict[str, Any]) -> int:
        decision = evaluate(self.rule, facts)  # == checks.evaluate_eligibility(self.program, facts)
        # the record the single-person enrollment stores (services.enrollment.enroll); its trace holds only the
        # facts the rule reads, so people with different facts often share one record: kept once
        record = {
            **decision.as_dict(),
            "on": self.on.isoformat(),
            "program": self.program.code if self.program else None,
        }
        content = canonical_json(record)
        index = self.by_content.get(content)
        if index is not None:
            return index
        index = self.by_content[content] = len(self.decisions)
        self.decisions.append(record)
        if not decision.passed:
            self.refusals[index] = eligibility_refusal(decision).message
        return index

    # -- the whole file ----------------------------------------------------------------------------------------

    def duplicate_errors(self) -> list[LateError]:
        label = self.label["citizen_id"]
        late: list[LateError] = []
        for numbers in self.duplicates.values():
            for number in numbers:
                others = "、".join(str(n) for n in numbers if n != number)
                message = _("与第 %(rows)s 行的身份证号重复，同一人只能出现一次") % {"rows": others}
                late.append((number, label, message))
        return late

    def seats_and_quota(self) -> list[RowError]:
        """The remaining seats and the program's yearly quota for the whole file (taken, under locks, when
        writing)."""
        errors = []
        current = TrainingClass.objects.filter(pk=self.training_class.pk).values(
            "capacity", "enrolled_count"
        )[0]
        if self.total > current["capacity"] - current["enrolled_count"]:
            errors.append(
                seats_error(self.total, current["capacity"] - current["enrolled_count"], current["capacity"])
            )
        try:
            with transaction.atomic():
                check_quota(self.training_class, adding=self.total)
        except Conflict as exc:
            errors.append(RowError(FILE_ROW, "", exc.message, []))
        return errors

    def with_values(self, late: Sequence[LateError]) -> list[RowError]:
        """Late errors with their rows' values, read again from the file (rare: keeping every row's values for
        them would cost every import); in row order."""
        if not late:
            return []
        wanted = {number for number, _column, _message in late}
        last = max(wanted)
        values: dict[int, list[Any]] = {}
        for source in self.reopen().rows:
            if source.number in wanted:
                values[source.number] = source.values
            if source.number >= last:
                break
        errors = [
            RowError(number, column, message, values.get(number, [])) for number, column, message in late
        ]
        return sorted(errors, key=lambda e: e.row_number)

    def all_errors(self, late: list[RowError], file_level: list[RowError]) -> Iterator[RowError]:
        """Every error in row order (the file's own first), read back from the spool."""

        def spooled() -> Iterator[RowError]:
            for batch in self.errors:
                yield from batch

        yield from file_level
        yield from heapq.merge(spooled(), late, key=lambda e: e.row_number)
