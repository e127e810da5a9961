"""``lijiao purge-import-reports``: delete import error reports past their retention (``IMPORT_REPORT_RETENTION_DAYS``,
30 days) and the decision records a killed import left behind; run it daily (cron or the worker's task)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lijiao.core.decisions import purge_orphan_decisions
from lijiao.core.importing.jobs import purge_import_reports, report_retention


class Command(BaseCommand):
    help = "删除超过保存期限的导入错误报告，以及中断的导入遗留的资格审核记录"

    def handle(self, *args: Any, **options: Any) -> None:
        reports = purge_import_reports()
        decisions = purge_orphan_decisions()
        self.stdout.write(
            f"已删除 {reports} 份超过 {report_retention().days} 天的错误报告，{decisions} 条无引用的资格审核记录"
        )
