"""``lijiao verify-audit``: check the audit hash chain; exit 1 at the first edited, inserted or deleted row."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lijiao.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit log and report the first edited, inserted or deleted row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.problem:
            raise CommandError(
                _(
                    "审计链校验失败：第 %(sequence)s 号事件起有问题（%(kind)s）：%(detail)s；此前已核对 %(checked)s 条事件"
                )
                % {
                    "sequence": report.problem.sequence,
                    "kind": report.problem.kind,
                    "detail": report.problem.detail,
                    "checked": report.checked,
                }
            )
        self.stdout.write(
            self.style.SUCCESS(_("审计链完整：已核对 %(checked)s 条事件") % {"checked": report.checked})
        )
