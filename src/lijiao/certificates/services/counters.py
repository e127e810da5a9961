"""Race-safe counters: the serial of a number prefix and a certificate's place in the status list.

Each draw is a conditional ``UPDATE … SET last_serial = last_serial + 1`` on the prefix's
:class:`~lijiao.certificates.models.SerialCounter` row inside the caller's transaction: the row lock it takes is
held until commit, so a concurrent issuance waits and then draws the next value — never the same one. A missing row
is created inside a savepoint; if a concurrent transaction created it first, the unique prefix makes the insert
fail, the savepoint rolls back and the update is retried.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F

from lijiao.certificates.models import SerialCounter

__all__ = ["STATUS_LIST_PREFIX", "draw_serial"]

STATUS_LIST_PREFIX = "status-list"


def draw_serial(prefix: str, *, start: Callable[[], int] | None = None) -> int:
    """The next serial of ``prefix`` (1, 2, …), reserved for the current transaction.

    ``start`` gives the last value already used when the counter does not exist yet (e.g. the highest
    status-list index of rows created before counters existed); default 0.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("draw_serial must run inside the issuing transaction")
    for _attempt in range(3):
        if SerialCounter.objects.filter(prefix=prefix).update(last_serial=F("last_serial") + 1):
            return SerialCounter.objects.filter(prefix=prefix).values_list("last_serial", flat=True).get()
        first = (start() if start else 0) + 1
        try:
            with transaction.atomic():
                SerialCounter.objects.create(prefix=prefix, last_serial=first)
        except IntegrityError:
            continue  # created concurrently: update it
        return first
    raise RuntimeError(f"could not draw a serial for {prefix!r}")
