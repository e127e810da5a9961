"""``lijiao import-roster FILE --class CLASS_ID [--user USERNAME]``: import a class's roster from xlsx/csv.

All or nothing, like the screen and the API (:func:`lijiao.training.roster_import.import_roster`), with a progress
bar. On success it prints the counts; otherwise the first errors, and writes the full error report next to the
file (``<name>-错误报告.xlsx``); the exit code is then 1. Without ``--user`` the import runs as the system (the
operator at the server's console); with it, as that user, with that user's permissions and scope.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lijiao.audit.context import request_context
from lijiao.core.errors import DomainError
from lijiao.core.models import ImportJob
from lijiao.training.models import TrainingClass
from lijiao.training.roster_import import FILE_ROW, import_roster

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "导入培训班花名册（xlsx/csv），全部成功或全部不导入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="花名册文件（xlsx、xls、ods 或 csv）")
        parser.add_argument("--class", dest="class_id", type=int, required=True, help="培训班 ID")
        parser.add_argument("--user", help="以该用户身份导入（其权限和范围）；不填则以系统身份导入")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(path)s") % {"path": path})
        training_class = TrainingClass.objects.filter(pk=options["class_id"]).first()
        if training_class is None:
            raise CommandError(_("培训班 %(id)s 不存在") % {"id": options["class_id"]})
        actor = None
        if options.get("user"):
            from django.contrib.auth import get_user_model

            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None or not actor.is_active:
                raise CommandError(_("用户“%(user)s”不存在或已停用") % {"user": options["user"]})
        # rich writes partial lines: give it the stream under Django's OutputWrapper (which appends newlines)
        console = Console(file=cast(Any, self.stdout)._out, highlight=False)
        with (
            request_context(channel="cli"),
            Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar,
        ):
            phase = bar.add_task("校验", total=None)
            last = {"done": 0, "writing": False}

            def progress(done: int, total: int) -> None:
                if done < last["done"] and not last["writing"]:  # the write phase starts again from 0
                    last["writing"] = True
                    bar.update(phase, description="写入")
                last["done"] = done
                bar.update(phase, completed=done, total=max(total, done) or None)

            try:
                result = import_roster(
                    actor=actor,
                    training_class=training_class,
                    file_name=path.name,
                    data=path,
                    progress=progress,
                )
            except DomainError as exc:
                raise CommandError(exc.message) from None
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message or f"导入 {result.imported_rows} 名学员"))
            self.stdout.write(
                f"文件 {result.total_rows} 行；新登记 {result.people_created} 人，更新 {result.people_updated} 人，"
                f"人员类别 {result.groups_recorded} 条，重新报名 {result.reenrolled} 人；任务 {result.job_id}"
            )
            return
        self.stderr.write(self.style.ERROR(result.message))
        for error in result.errors[:SHOWN_ERRORS]:
            where = "整个文件" if error.row_number == FILE_ROW else f"第 {error.row_number} 行"
            column = f"［{error.column}］" if error.column else ""
            self.stderr.write(f"  {where}{column}：{error.message}")
        if result.error_count > SHOWN_ERRORS:
            self.stderr.write(f"  …… 共 {result.error_count} 处错误")
        report = path.with_name(f"{path.stem}-错误报告.xlsx")
        job = ImportJob.objects.filter(pk=result.job_id or 0).first()
        if job is not None and job.report:
            # owner-only, like the stored report (ADR 0007)
            descriptor = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with job.report.open("rb") as source, os.fdopen(descriptor, "wb") as target:
                shutil.copyfileobj(source, target)
            self.stderr.write(f"完整错误报告：{report}")
        raise CommandError(_("未导入任何学员"), returncode=1)
