"""The demo's clock: the history is played forward day by day through the real services.

The services judge every write against *today* (a class cannot start before it is filed, a check-in only in its
session's window, results only after the class…). To build a year of history that obeys exactly those rules,
the demo moves the process clock (``time-machine``, a development dependency) to the moment each step happened
and calls the service then, as the user of the right role would have. Nothing in the services knows about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone


class DemoClock:
    """Moves the process clock; :meth:`at` is a moment in the past (never later than when the load began)."""

    def __init__(self, traveller: Any, real_now: dt.datetime) -> None:
        self._traveller = traveller
        self.real_now = real_now

    def at(self, moment: dt.datetime) -> None:
        if moment > self.real_now:
            raise ValueError(f"the demo clock cannot move into the future ({moment:%Y-%m-%d %H:%M})")
        self._traveller.move_to(moment)

    def now(self) -> None:
        """Back to the moment the load began (plus nothing: the clock stands still while the demo loads)."""
        self._traveller.move_to(self.real_now)


@contextmanager
def demo_clock() -> Iterator[DemoClock]:
    """A clock standing at the real now, to be moved back and forth while the demo loads; restored at the end."""
    try:
        import time_machine
    except ImportError as exc:  # installed with the development dependencies (make install)
        raise RuntimeError("演示数据需要开发依赖 time-machine，请先运行 make install") from exc
    real_now = timezone.now()
    with time_machine.travel(real_now, tick=False) as traveller:
        yield DemoClock(traveller, real_now)
