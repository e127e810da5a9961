"""``lijiao audit-claims [--year Y] [--check CODE ...] [--enqueue]``: run the anti-fraud audit now (for cron or by
hand), or with ``--enqueue`` queue :func:`lijiao.subsidies.tasks.audit_claims_task` for the background worker
(``lijiao db_worker``) and return at once (the nightly cron line of docs/anti-fraud.md).

Prints each check's time and how many findings it made (and how many were new); findings already known are
not written twice. The nightly background task :func:`lijiao.subsidies.tasks.audit_claims_task` runs the same.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lijiao.core.errors import DomainError
from lijiao.subsidies.audit_checks import CHECKS
from lijiao.subsidies.services.audit import run_audit


class Command(BaseCommand):
    help = "Run the set-based anti-fraud checks over all claims and write new findings to the review queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="only claims applied for in this year")
        parser.add_argument(
            "--check", action="append", choices=sorted(CHECKS), help="run only this check (repeatable)"
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="queue the full audit for the background worker (lijiao db_worker) instead of running it now",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            if options["check"]:
                raise CommandError(_("排队执行的是全部核查，不能与 --check 同时使用"))
            from lijiao.subsidies.tasks import audit_claims_task

            result = audit_claims_task.enqueue(options["year"])
            self.stdout.write(
                self.style.SUCCESS(_("已排队，由后台任务执行（任务 %(id)s）") % {"id": result.id})
            )
            return
        try:
            run = run_audit(actor=None, year=options["year"], checks=options["check"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        new = run.counts.get("new", {})
        for name, seconds in run.timings.items():
            if name == "total":
                continue
            self.stdout.write(
                _("%(check)-30s %(seconds)8.3f 秒  发现 %(count)d 项（新增 %(new)d 项）")
                % {
                    "check": name,
                    "seconds": seconds,
                    "count": run.counts.get(name, 0),
                    "new": new.get(name, 0),
                }
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("核查完成：共 %(seconds).3f 秒，新增 %(new)d 项发现（核查记录 #%(run)d）")
                % {"seconds": run.timings.get("total", 0), "new": sum(new.values()), "run": run.pk}
            )
        )
