"""``lijiao loaddemo``: a Dalian-like demo dataset (idempotent: running it twice changes nothing)."""

from typing import Any

from django.core.management.base import BaseCommand

from lijiao.accounts.models import User
from lijiao.audit.context import request_context
from lijiao.catalog.demo import build_demo_catalog
from lijiao.catalog.reference import load_reference_data
from lijiao.portal.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_users


class Command(BaseCommand):
    help = "Load demo users (one per role), catalog reference data and the 2024/2025 catalog editions."

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(channel="cli"):
            users = load_demo_users()
            counts = load_reference_data()
            build_demo_catalog(actor=User.objects.get(username="admin"))
        self.stdout.write(f"demo users created: {users}; reference data: {counts}")
        self.stdout.write(
            f"demo logins (password {DEMO_PASSWORD}): " + ", ".join(u.username for u in DEMO_USERS)
        )
