"""``lijiao verify-audit``: check the audit hash chain; exit 1 at the first edited, inserted or deleted row."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lijiao.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit log and report the first edited, inserted or deleted row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.problem:
            raise CommandError(
                f"审计链校验失败（audit chain broken）: {report.problem.kind} at #{report.problem.sequence}: "
                f"{report.problem.detail}; {report.checked} events verified before it"
            )
        self.stdout.write(self.style.SUCCESS(f"审计链完整（audit chain intact）: {report.checked} events"))
