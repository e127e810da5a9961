"""``lijiao verify-audit``: check the audit chain's keyed hashes and compare it with every signed checkpoint.

Exit status 1, with each finding in Chinese, on an edited, inserted or deleted event, a cut tail or rewound
head, an emptied log, or a forged checkpoint file (ADR 0004).
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lijiao.audit.verification import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the hash-chained audit log (HMAC under LIJIAO_AUDIT_KEY) against the signed checkpoints and "
        "report every edited, inserted or deleted event, a cut tail and a forged checkpoint."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = verify_chain()
        except ImproperlyConfigured as exc:
            raise CommandError(
                _(
                    "无法校验审计链：审计密钥（LIJIAO_AUDIT_KEY）或检查点公钥"
                    "（LIJIAO_AUDIT_VERIFY_KEY_FILES、LIJIAO_AUDIT_SIGNING_KEY_FILE）未配置或无法读取"
                )
            ) from exc
        if report.problems:
            lines = [
                _("审计链校验失败（已核对 %(checked)s 条事件，%(checkpoints)s 个有效检查点）：")
                % {"checked": report.checked, "checkpoints": report.checkpoints}
            ]
            lines += [f"- {problem.label}：{problem.detail}" for problem in report.problems]
            raise CommandError("\n".join(lines))
        message = _("审计链完整：已核对 %(checked)s 条事件") % {"checked": report.checked}
        if report.latest is None:
            self.stdout.write(self.style.SUCCESS(message))
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "尚无签名检查点，无法确认链尾未被截断（运行 lijiao audit-checkpoint 或后台任务写入检查点）"
                    )
                )
            )
            return
        message += _("，与 %(count)s 个签名检查点一致（最新：#%(sequence)s，%(time)s UTC）") % {
            "count": report.checkpoints,
            "sequence": report.latest.sequence,
            "time": report.latest.created_at[:19].replace("T", " "),
        }
        self.stdout.write(self.style.SUCCESS(message))
