"""What travels between the checks and the writes: a checked row, the spool of batches, a rollback."""

from __future__ import annotations

import datetime as dt
import io
import pickle
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext as _

from lijiao.core.importing import ImportResult, RowError
from lijiao.training.checks import PersonGroupEvidence

FILE_ROW = 0  # RowError.row_number of a problem with the file as a whole (seats, quota)
LateError = tuple[int, str, str]  # row number, column, message: the row's values are looked up afterwards
_EVIDENCE_FIELDS = ("group", "graduation_year", "registration_number", "insured_months", "employer_name")


@dataclass(slots=True)
class RosterImportResult(ImportResult):
    """:class:`ImportResult` with the roster's counts. ``errors`` holds at most ``keep_errors`` (the first by
    row number); ``error_count`` counts them all and the job's report lists them all. ``ignored_columns``: the
    file's columns the import does not know (not read)."""

    error_count: int = 0
    people_created: int = 0
    people_updated: int = 0
    groups_recorded: int = 0
    reenrolled: int = 0
    message: str = ""
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RosterRow:
    """A row that passed the cell checks, on its way to the database."""

    number: int
    name: str
    citizen_id: str
    digest: str
    gender: str
    birth_date: dt.date
    phone: str
    household: str
    education: str
    employer_name: str
    groups: dict[str, PersonGroupEvidence]
    person_id: int | None = None
    changes: tuple[str, ...] = ()
    reenroll_id: int | None = None
    decision: int = -1
    failed: bool = False

    def astuple(self) -> tuple[Any, ...]:
        """The row as plain values for the spool (a slotted dataclass pickles slowly); see :meth:`fromtuple`."""
        return (
            self.number,
            self.name,
            self.citizen_id,
            self.digest,
            self.gender,
            self.birth_date,
            self.phone,
            self.household,
            self.education,
            self.employer_name,
            [tuple(e.__getattribute__(f) for f in _EVIDENCE_FIELDS) for e in self.groups.values()],
            self.person_id,
            self.changes,
            self.reenroll_id,
            self.decision,
        )

    @classmethod
    def fromtuple(cls, values: tuple[Any, ...]) -> RosterRow:
        row = cls(*values)
        row.groups = {e[0]: PersonGroupEvidence(*e) for e in values[10]}
        return row


class Spool:
    """A temporary file of pickled batches, written once and read back in order (as often as needed)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="lijiao-roster-")  # noqa: SIM115 - see close()
        self.batches = 0

    def dump(self, batch: Any) -> None:
        pickle.dump(batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1

    def __iter__(self) -> Iterator[Any]:
        self.file.seek(0)
        for _batch in range(self.batches):
            yield pickle.load(self.file)  # noqa: S301 -- our own spool file, written by this object
        self.file.seek(0, io.SEEK_END)

    def close(self) -> None:
        self.file.close()


class Rollback(Exception):
    """Raised inside the write transaction: what was found under lock (rows or the file as a whole)."""

    def __init__(self, late: Sequence[LateError] = (), file_level: Sequence[RowError] = ()) -> None:
        super().__init__("roster import rolled back")
        self.late = list(late)
        self.file_level = list(file_level)


def seats_error(total: int, remaining: int, capacity: int) -> RowError:
    remaining = max(remaining, 0)
    message = _("名额不足：文件共 %(total)s 名学员，本班计划 %(capacity)s 人，剩余名额 %(remaining)s 个") % {
        "total": total,
        "capacity": capacity,
        "remaining": remaining,
    }
    return RowError(FILE_ROW, "", message, [])
