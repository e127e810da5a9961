"""``lijiao loaddemo``: a Dalian-like demo dataset (idempotent: running it twice changes nothing)."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from lijiao.accounts.models import User
from lijiao.audit.context import request_context
from lijiao.catalog.demo import build_demo_catalog
from lijiao.catalog.reference import load_reference_data
from lijiao.portal.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_users
from lijiao.training.demo import DEMO_PROVIDERS, load_training_demo


class Command(BaseCommand):
    help = (
        "Load demo users (one per role), catalog reference data, the 2024/2025 catalog editions, and the "
        "training demo: providers, programs, ~200 classes and ~5,000 trainees with attendance and results."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        with request_context(channel="cli"):
            users = load_demo_users()
            counts = load_reference_data()
            admin = User.objects.get(username="admin")
            build_demo_catalog(actor=admin)
            training = load_training_demo(admin=admin, password=DEMO_PASSWORD)
        self.stdout.write(f"demo users created: {users}; reference data: {counts}")
        if training:
            statuses = {
                k.removeprefix("classes_"): v for k, v in training.items() if k.startswith("classes_")
            }
            self.stdout.write(
                f"training demo: {training['providers']} providers, {training['classes']} classes "
                f"({', '.join(f'{status} {n}' for status, n in sorted(statuses.items()))}), "
                f"{training['people']} trainees, {training['enrollments']} enrollments, "
                f"{training['checkins']} check-ins, {training['results']} assessment results"
            )
        else:
            self.stdout.write("training demo: already loaded, nothing changed")
        logins = [u.username for u in DEMO_USERS] + [
            p.key for p in DEMO_PROVIDERS if p.key not in ("", "provider")
        ]
        self.stdout.write(f"demo logins (password {DEMO_PASSWORD}): " + ", ".join(logins))
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")
