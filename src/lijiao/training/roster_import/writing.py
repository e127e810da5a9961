"""The roster's writes, and the two ways of running checks and writes (same result).

* ``spool`` — check every row first (what to write is spooled to a temporary file), then write in one
  transaction. Progress of the checks is committed to the job after every batch, on any database; during the
  write it goes through a second connection where the database allows (row locks), else the job says "writing".
* ``stream`` — chosen where the database has row-level locks (PostgreSQL) and no transaction is open: a writer
  thread with its own connection writes each batch as soon as it passed, in one transaction, while the reading
  thread checks the next one (the database's work overlaps the checks); the first error rolls the writes back
  and the checks go on to complete the report.

Either way the writing transaction takes the seats and the quota for the whole file under the class's row lock,
locks the registered people and checks them again for overlapping classes, and writes one audit event. New
people, their groups and the enrollments go in through :mod:`lijiao.core.bulk_write` (PostgreSQL ``COPY``);
the database checks their foreign keys as for any insert.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.core.actors import is_authenticated
from lijiao.core.bulk_write import CopyPayload, bulk_insert, can_copy, copy_payload, copy_send, reserve_ids
from lijiao.core.decisions import store_decisions
from lijiao.core.errors import Conflict, DomainError
from lijiao.core.importing import RowError, SourceRow, Table
from lijiao.core.models import ImportJob
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.people.models import Person, PersonGroup
from lijiao.training.checks import PersonGroupEvidence, overlapping_people, reserve_seats
from lijiao.training.models import Enrollment, TrainingClass
from lijiao.training.roster_import.checks import RosterChecks
from lijiao.training.roster_import.rows import FILE_ROW, Rollback, RosterRow, Spool, seats_error
from lijiao.training.services.enrollment import check_quota

logger = logging.getLogger(__name__)

PERSON_FIELDS = (
    "name",
    "citizen_id",
    "citizen_id_digest",
    "gender",
    "birth_date",
    "phone",
    "household",
    "education",
    "employer_name",
)
GROUP_FIELDS = (
    "person_id",
    "group",
    "graduation_year",
    "registration_number",
    "insured_months",
    "employer_name",
    "source",
    "recorded_by_id",
)
ENROLLMENT_FIELDS = ("training_class_id", "person_id", "status", "enrolled_by_id", "eligibility_decision_id")


def person_values(r: RosterRow) -> tuple[Any, ...]:
    return (
        r.name,
        r.citizen_id,
        r.digest,
        r.gender,
        r.birth_date,
        r.phone,
        r.household,
        r.education,
        r.employer_name,
    )


def group_values(person_id: int | None, e: PersonGroupEvidence, actor_id: int | None) -> tuple[Any, ...]:
    return (
        person_id,
        e.group,
        e.graduation_year,
        e.registration_number,
        e.insured_months,
        e.employer_name,
        PersonGroup.Source.DECLARED.value,  # a roster file: what the provider was told
        actor_id,
    )


def enrollment_values(
    class_id: int, person_id: int | None, actor_id: int | None, decision_id: int
) -> tuple[Any, ...]:
    return (class_id, person_id, Enrollment.Status.ACTIVE, actor_id, decision_id)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A batch's new people (with their reserved ids), their groups and its enrollments as COPY data."""

    person_ids: list[int]
    people: CopyPayload | None
    groups: CopyPayload | None
    group_count: int
    enrollments: CopyPayload | None


Counts = dict[str, int]


def empty_counts() -> Counts:
    return {"people_created": 0, "people_updated": 0, "groups_recorded": 0, "enrollments": 0, "reenrolled": 0}


class RosterWrites:
    """The writes of one import (inside its one transaction), for the rows :class:`RosterChecks` passed."""

    def __init__(self, checks: RosterChecks, file_name: str) -> None:
        self.checks = checks
        self.actor = checks.actor
        self.actor_id: int | None = checks.actor.pk if is_authenticated(checks.actor) else None  # type: ignore[union-attr]
        self.training_class = checks.training_class
        self.file_name = file_name
        self.decision_ids: list[int] = []  # DecisionRecord id of each record, stored when first written

    def take_places(self) -> None:
        """Seats and quota for the whole file, under the class's and the program's row locks."""
        total = self.checks.total
        try:
            reserve_seats(self.training_class, total)
        except Conflict:
            current = TrainingClass.objects.filter(pk=self.training_class.pk).values(
                "capacity", "enrolled_count"
            )[0]
            remaining = current["capacity"] - current["enrolled_count"]
            raise Rollback(file_level=[seats_error(total, remaining, current["capacity"])]) from None
        try:
            check_quota(self.training_class, adding=total)
        except Conflict as exc:
            raise Rollback(file_level=[RowError(FILE_ROW, "", exc.message, [])]) from None

    def stored_decisions(self) -> list[int]:
        """The DecisionRecord id of every eligibility record met so far, new ones stored: in the write transaction
        (spool), or by the checking thread as it prepares a batch (stream) — then a rolled-back import may leave a
        record no enrollment points at; records are immutable and shared, and the next import reuses it."""
        decisions = self.checks.decisions
        if len(self.decision_ids) < len(decisions):
            self.decision_ids.extend(store_decisions(decisions[len(self.decision_ids) :]))
        return self.decision_ids

    def prepare_batch(self, rows: list[RosterRow]) -> Prepared | None:
        """On PostgreSQL: the COPY data of a batch's new people, their groups and its enrollments, built by the
        checking thread (primary keys reserved, eligibility records stored) so that the writer only sends it;
        else ``None``."""
        connection = connections[DEFAULT_DB_ALIAS]
        if not can_copy(connection):
            return None
        new = [r for r in rows if r.person_id is None]
        ids = reserve_ids(connection, Person, len(new)) if new else []
        people = (
            copy_payload(connection, Person, PERSON_FIELDS, [person_values(r) for r in new], ids)
            if new
            else None
        )
        groups = [
            group_values(person_id, e, self.actor_id)
            for r, person_id in zip(new, ids, strict=True)
            for e in r.groups.values()
        ]
        new_ids = {id(r): person_id for r, person_id in zip(new, ids, strict=True)}
        decision_ids = self.stored_decisions()
        class_id = self.training_class.pk
        enrollments = [
            enrollment_values(
                class_id, new_ids.get(id(r), r.person_id), self.actor_id, decision_ids[r.decision]
            )
            for r in rows
            if r.reenroll_id is None
        ]
        return Prepared(
            ids,
            people,
            copy_payload(connection, PersonGroup, GROUP_FIELDS, groups) if groups else None,
            len(groups),
            copy_payload(connection, Enrollment, ENROLLMENT_FIELDS, enrollments) if enrollments else None,
        )

    def write_batch(self, rows: list[RosterRow], counts: Counts, prepared: Prepared | None = None) -> None:
        """One batch: lock and re-check the registered people, then people, groups and enrollments in bulk
        (``prepared``: as :meth:`prepare_batch` built them)."""
        registered: dict[int, RosterRow] = {r.person_id: r for r in rows if r.person_id is not None}
        if registered:
            list(
                Person.objects.select_for_update()
                .filter(pk__in=list(registered))
                .order_by("pk")
                .values_list("pk")
            )
            overlaps = overlapping_people(self.training_class, list(registered))
            if overlaps:
                label = self.checks.label["citizen_id"]
                raise Rollback([(registered[pid].number, label, reason) for pid, reason in overlaps.items()])
        connection = connections[DEFAULT_DB_ALIAS]
        new = [r for r in rows if r.person_id is None]
        fresh = 0
        if new:
            if prepared is not None:
                assert prepared.people is not None
                copy_send(connection, prepared.people)
                ids = prepared.person_ids
            else:
                ids = bulk_insert(Person, PERSON_FIELDS, [person_values(r) for r in new], return_ids=True)
            for row, person_id in zip(new, ids, strict=True):
                row.person_id = person_id
            counts["people_created"] += len(new)
            if prepared is None:
                groups = [group_values(r.person_id, e, self.actor_id) for r in new for e in r.groups.values()]
                bulk_insert(PersonGroup, GROUP_FIELDS, groups)
                fresh = len(groups)
            elif prepared.groups is not None:
                copy_send(connection, prepared.groups)
                fresh = prepared.group_count
        changed = [r for r in registered.values() if r.changes]
        if changed:
            self._update_people(changed, timezone.now())
            counts["people_updated"] += len(changed)
        counts["groups_recorded"] += fresh + self._record_known_groups(registered)
        enroll = [r for r in rows if r.reenroll_id is None]
        if prepared is not None:  # its records were stored when it was prepared
            decision_ids = self.decision_ids
            if prepared.enrollments is not None:
                copy_send(connection, prepared.enrollments)
        else:
            decision_ids = self.stored_decisions()
            class_id = self.training_class.pk
            bulk_insert(
                Enrollment,
                ENROLLMENT_FIELDS,
                [
                    enrollment_values(class_id, r.person_id, self.actor_id, decision_ids[r.decision])
                    for r in enroll
                ],
            )
        counts["enrollments"] += len(enroll)
        for row in rows:
            if row.reenroll_id is None:
                continue
            updated = Enrollment.objects.filter(
                pk=row.reenroll_id, status=Enrollment.Status.WITHDRAWN
            ).update(
                status=Enrollment.Status.ACTIVE,
                enrolled_by=self.actor_id,
                eligibility_decision_id=decision_ids[row.decision],
            )
            if not updated:
                raise IntegrityError("an enrollment changed during the import")
            counts["reenrolled"] += 1

    def _record_known_groups(self, registered: dict[int, RosterRow]) -> int:
        """The file's evidence replaces what was recorded for the same group of a registered person."""
        known = [
            PersonGroup(
                person_id=r.person_id or 0,  # registered: always set
                group=e.group,
                graduation_year=e.graduation_year,
                registration_number=e.registration_number,
                insured_months=e.insured_months,
                employer_name=e.employer_name,
                source=PersonGroup.Source.DECLARED,
                recorded_by_id=self.actor_id,
            )
            for r in registered.values()
            for e in r.groups.values()
        ]
        if known:
            PersonGroup.objects.bulk_create(
                known,
                update_conflicts=True,
                unique_fields=["person", "group"],
                update_fields=[*GROUP_FIELDS[2:-1], "recorded_by", "recorded_at"],
            )
        return len(known)

    def _update_people(self, rows: list[RosterRow], now: dt.datetime) -> None:
        """Registered people whose file values differ: one bulk update per set of changed fields."""
        by_fields: dict[tuple[str, ...], list[Person]] = {}
        for row in rows:
            person = Person(pk=row.person_id, updated_at=now)
            fields = [*row.changes, "updated_at"]
            for attr in row.changes:
                setattr(person, attr, getattr(row, attr))
            if "phone" in row.changes:  # bulk_update runs no pre_save: the digest is set here
                person.phone_digest = pii_digest(PIIKind.PHONE, row.phone)
                fields.append("phone_digest")
            by_fields.setdefault(tuple(fields), []).append(person)
        for fields_changed, people in by_fields.items():
            Person.objects.bulk_update(people, list(fields_changed), batch_size=1_000)

    def audit(self, counts: Counts) -> None:
        record_event(
            actor=self.actor,
            action="training.roster.imported",
            obj=self.training_class,
            after={"file_name": self.file_name, "rows": self.checks.total, **counts},
        )


# --- running checks and writes --------------------------------------------------------------------------------


def batches(table: Table, *, largest: int, first: int, hint: int = 0) -> Iterator[list[SourceRow]]:
    """Batches of up to ``largest`` rows: the first one at most ``first``, each next one twice as large, and again
    smaller towards the end of the file (``hint``: the rows expected), so that the writer (stream) starts early
    and has little left to write when the checks are done."""
    smallest = min(first, largest)
    size, done = smallest, 0
    while batch := list(itertools.islice(table.rows, size)):
        yield batch
        done += len(batch)
        size = min(size * 2, largest)
        if done < hint:  # (a wrong hint only costs speed)
            size = min(size, max(smallest, (hint - done) // 2))


class Outcome:
    """How a run ended: ``counts`` when everything was written (the transaction committed, ``finish`` ran inside
    it), else what failed — row errors found late (with row numbers), file-level errors, or ``changed`` when the
    database refused a write because something changed meanwhile."""

    def __init__(self) -> None:
        self.counts: Counts | None = None
        self.late: list[RowError] = []
        self.file_level: list[RowError] = []
        self.result: Any = None


Finish = Callable[[Counts], Any]  # called inside the write transaction once everything is written
Progress = Callable[[int, int, str], None]


def _changed_meanwhile(checks: RosterChecks) -> RowError:
    logger.warning("roster import into class %s collided with a concurrent change", checks.training_class.pk)
    return RowError(
        FILE_ROW, "", _("导入期间本班名单或人员信息被其他操作修改，未导入任何学员，请重新导入"), []
    )


def require_rows(checks: RosterChecks) -> None:
    if not checks.total:
        raise DomainError(_("文件中只有表头，没有任何学员"), code="empty_file")


def run_spooled(
    writes: RosterWrites,
    rows: Iterator[list[SourceRow]],
    progress: Progress,
    finish: Finish,
    *,
    before_write: Callable[[], None],
    after_write: Callable[[], None],
) -> Outcome:
    """Check every row first (spooling what to write), then write everything in one transaction."""
    checks = writes.checks
    outcome = Outcome()
    spool = Spool()
    try:
        for batch in rows:
            passed = checks.check_batch(batch)
            if passed and not checks.error_count:
                spool.dump([row.astuple() for row in passed])
            progress(checks.total, checks.total, _("正在校验"))
        require_rows(checks)
        outcome.late = checks.with_values(checks.duplicate_errors())
        outcome.file_level = checks.seats_and_quota()
        if checks.error_count or outcome.late or outcome.file_level:
            return outcome
        progress(0, checks.total, _("正在写入"))
        before_write()
        counts = empty_counts()
        try:
            with transaction.atomic():
                writes.take_places()
                done = 0
                for batch in spool:
                    written = [RosterRow.fromtuple(values) for values in batch]
                    writes.write_batch(written, counts)
                    done += len(written)
                    progress(done, checks.total, _("正在写入"))
                after_write()
                outcome.result = finish(counts)
                outcome.counts = counts
        except Rollback as rollback:
            outcome.late = checks.with_values(rollback.late)
            outcome.file_level = rollback.file_level
        except IntegrityError:
            outcome.file_level = [_changed_meanwhile(checks)]
        finally:
            after_write()
        return outcome
    finally:
        spool.close()


class _Aborted(Exception):
    pass


class _Writer(threading.Thread):
    """The stream strategy's writer: its own connection, one transaction, the batches as they come.

    The reading thread checks batch n+1 while this one (mostly waiting on the database, GIL released) writes
    batch n. ``ABORT`` rolls everything back; ``FINISH`` takes the places, runs ``finish`` and commits.
    """

    ABORT = object()
    FINISH = object()

    def __init__(self, writes: RosterWrites, finish: Finish) -> None:
        super().__init__(name="roster-import-writer", daemon=True)
        self.writes = writes
        self.finish = finish
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=2)
        self.context = contextvars.copy_context()
        self.counts = empty_counts()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        self.context.run(self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                connection = connections[DEFAULT_DB_ALIAS]
                if connection.vendor == "postgresql":
                    # foreign keys checked as each batch is written (while the reading thread checks the next
                    # one), not all together at COMMIT when nothing else runs
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                while True:
                    item = self.queue.get()
                    if item is self.ABORT:
                        raise _Aborted
                    if item is self.FINISH:
                        self.writes.take_places()
                        self.result = self.finish(self.counts)
                        break
                    rows, prepared = item
                    self.writes.write_batch(rows, self.counts, prepared)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the reading thread
            self.error = exc
            self._drain()
        finally:
            connections.close_all()

    def _drain(self) -> None:
        while True:
            try:
                self.queue.get_nowait()
            except queue.Empty:
                return

    def put(self, item: tuple[list[RosterRow], Prepared | None]) -> bool:
        """Hand a batch over (blocks while two are waiting); False once the writer has failed."""
        while self.error is None and self.is_alive():
            try:
                self.queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def stop(self, item: object) -> None:
        while self.is_alive():
            try:
                self.queue.put(item, timeout=0.5)
                break
            except queue.Full:
                continue
        self.join()


def run_streamed(
    writes: RosterWrites, rows: Iterator[list[SourceRow]], progress: Progress, finish: Finish
) -> Outcome:
    """Write each batch as soon as it passed, in one transaction on a second connection, rolled back at the first
    error; the reading thread keeps checking (and publishing progress on its own connection)."""
    checks = writes.checks
    outcome = Outcome()
    writer = _Writer(writes, finish)
    writer.start()
    writing = True
    try:
        for batch in rows:
            passed = checks.check_batch(batch)
            if writing and (checks.error_count or checks.duplicates or writer.error is not None):
                writer.stop(_Writer.ABORT)
                writing = False
            if writing and passed and not writer.put((passed, writes.prepare_batch(passed))):
                writing = False
            progress(checks.total, checks.total, _("正在校验并写入"))
        require_rows(checks)
        outcome.late = checks.with_values(checks.duplicate_errors())
        outcome.file_level = [] if writing and not outcome.late else checks.seats_and_quota()
        if checks.error_count or outcome.late or outcome.file_level:
            return outcome
        writer.stop(_Writer.FINISH)
        writing = False
        if isinstance(writer.error, Rollback):
            outcome.late = checks.with_values(writer.error.late)
            outcome.file_level = writer.error.file_level
        elif isinstance(writer.error, IntegrityError):
            outcome.file_level = [_changed_meanwhile(checks)]
        elif writer.error is not None:
            raise writer.error
        else:
            outcome.counts = writer.counts
            outcome.result = writer.result
        return outcome
    finally:
        if writing:
            writer.stop(_Writer.ABORT)


def job_progress_connection(job: ImportJob | None) -> Any:
    """A second connection for the job's progress while a transaction of ours is open on the default one (the
    spool strategy's write) — when the database lets another connection update the job row meanwhile (row
    locks); else ``None`` and that phase publishes nothing (the job page says "writing")."""
    connection = connections[DEFAULT_DB_ALIAS]
    if job is None or connection.in_atomic_block or not connection.features.has_select_for_update:
        return None
    try:
        side = connections.create_connection(DEFAULT_DB_ALIAS)
        side.ensure_connection()
    except Exception:  # progress is a courtesy: the import goes on without it
        logger.warning("roster import %s: no second connection for progress", job.pk, exc_info=True)
        return None
    return side


def choose_strategy(strategy: str | None) -> str:
    """``stream`` where the database has row locks and no transaction is open, else ``spool`` (or as given)."""
    if strategy is not None:
        return strategy
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block and connection.features.has_select_for_update:
        return "stream"
    return "spool"
