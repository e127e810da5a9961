"""The audit log: append-only events chained by a keyed hash, written in the same transaction as the change they
record (ADR 0004)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """One state change or personal-data access. ``hash`` = HMAC-SHA256, under the key ``key_id`` names (the
    key itself is never in the database), over ``prev_hash`` and this row's content (:mod:`lijiao.audit.chain`).

    ``sequence`` has no gaps, so a deleted row shows as a gap and an edited row as a hash mismatch; signed
    checkpoints outside the database show a cut tail (``lijiao verify-audit``).
    """

    sequence = models.PositiveBigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=80, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("IP", null=True, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=16, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        # The filters' indexes end in -sequence, the search's order and keyset (ADR 0015), so a filtered page
        # is read in order and stops after one page; a date is a range on occurred_at's own index.
        indexes = [
            models.Index(fields=["object_type", "object_id", "-sequence"], name="audit_object_idx"),
            models.Index(fields=["actor", "-sequence"], name="audit_actor_seq_idx"),
            # events without a user: their few distinct labels (a loose index scan) and a label's events in order
            models.Index(
                fields=["actor_label", "-sequence"],
                condition=models.Q(actor__isnull=True),
                name="audit_system_label_idx",
            ),
        ]
        verbose_name = verbose_name_plural = _("审计日志")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit events are append-only")


class AuditChainHead(models.Model):
    """A single row holding the last sequence and hash; locking it serialises appends to the chain.

    It is not trusted: the signed checkpoints outside the database are (``checkpoint_requested_at`` only paces
    how often one is queued)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    checkpoint_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit chain head #{self.last_sequence}"
