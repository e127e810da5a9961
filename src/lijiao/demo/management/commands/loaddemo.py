"""``lijiao loaddemo``: the Dalian-like demo dataset through the services (running it twice changes nothing)."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from lijiao.demo import DEMO_PASSWORD, demo_logins, load_demo


class Command(BaseCommand):
    help = (
        "Load demo users (one per role), catalog reference data, the 2024/2025 catalog editions, and the "
        "training demo: providers, programs, ~200 classes and ~5,000 trainees with attendance and results."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = load_demo()
        if counts:
            statuses = {k.removeprefix("classes_"): v for k, v in counts.items() if k.startswith("classes_")}
            self.stdout.write(
                f"training demo: {counts['providers']} providers, {counts['classes']} classes "
                f"({', '.join(f'{status} {n}' for status, n in sorted(statuses.items()))}), "
                f"{counts['people']} trainees, {counts['enrollments']} enrollments, "
                f"{counts['checkins']} check-ins, {counts['results']} assessment results; "
                f"steps refused by the services and left out: {counts.get('refused', 0)}"
            )
        else:
            self.stdout.write("training demo: already loaded, nothing changed")
        self.stdout.write(f"demo logins (password {DEMO_PASSWORD}): " + ", ".join(demo_logins()))
        self.stdout.write(f"done in {time.perf_counter() - started:.1f} s")
