"""``lijiao audit-checkpoint``: verify the audit chain since the last checkpoint and sign a new one (for cron).

The background worker writes checkpoints too (:mod:`lijiao.audit.tasks`); this command is for a schedule of
one's own, or with ``LIJIAO_AUDIT_CHECKPOINT_INTERVAL=0``. Exit status 1 when the chain does not verify (no
checkpoint is written then).
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lijiao.audit.tasks import make_checkpoint


class Command(BaseCommand):
    help = "Verify the audit chain since the last checkpoint and write a new signed checkpoint of its end."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = make_checkpoint()
        except ImproperlyConfigured as exc:
            raise CommandError(
                _(
                    "无法写入检查点：审计密钥（LIJIAO_AUDIT_KEY）或签名私钥（LIJIAO_AUDIT_SIGNING_KEY_FILE）未配置或无法读取"
                )
            ) from exc
        if result.problems:
            lines = [_("审计链校验失败，未写入检查点：")]
            lines += [f"- {problem.label}：{problem.detail}" for problem in result.problems]
            raise CommandError("\n".join(lines))
        if result.path is None:
            self.stdout.write(
                _("自上次检查点以来没有新的审计事件，未写入新检查点（链尾 #%(sequence)s）")
                % {"sequence": result.sequence}
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("已写入签名检查点：链尾 #%(sequence)s，文件 %(path)s")
                % {"sequence": result.sequence, "path": result.path}
            )
        )
