"""The audit event search, one FilterSet for the auditors' screen and ``GET /api/v1/audit/events``."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from lijiao.audit.models import AuditEvent

MAX_ACTORS = 1000  # users one actor search may name (a name typed in full matches a handful)


class AuditEventFilterSet(django_filters.FilterSet):
    """Who (user name or label, contains), what (action prefix, object type and id), which request, when (dates)."""

    actor = django_filters.CharFilter(method="by_actor", max_length=150, label=gettext_lazy("操作人"))
    action = django_filters.CharFilter(lookup_expr="startswith", max_length=100, label=gettext_lazy("动作"))
    object_type = django_filters.CharFilter(max_length=100, label=gettext_lazy("对象类型"))
    object_id = django_filters.CharFilter(max_length=64, label=gettext_lazy("对象ID"))
    request_id = django_filters.CharFilter(max_length=64, label=gettext_lazy("请求ID"))
    since = django_filters.DateFilter(method="on_or_after", label=gettext_lazy("开始日期"))
    until = django_filters.DateFilter(method="on_or_before", label=gettext_lazy("结束日期"))

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "object_type", "object_id", "request_id", "since", "until"]

    def by_actor(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        """Users whose user name or display name contains ``value``, looked up first in the (small) user table,
        then their events through the ``(actor, -sequence)`` index. When no user matches, the events without a
        user (the system, a command) whose label contains ``value``, through the same index.

        (A LEFT JOIN from the log to the users scanned the whole log: 573 ms at a million events, ADR 0015.)"""
        users = get_user_model()._default_manager.filter(
            Q(username__icontains=value) | Q(display_name__icontains=value)
        )
        actor_ids = list(users.order_by("pk").values_list("pk", flat=True)[:MAX_ACTORS])
        if actor_ids:
            return queryset.filter(actor_id__in=actor_ids)
        return queryset.filter(actor__isnull=True, actor_label__icontains=value)

    def on_or_after(self, queryset: QuerySet[AuditEvent], name: str, value: dt.date) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__gte=local_midnight(value))

    def on_or_before(self, queryset: QuerySet[AuditEvent], name: str, value: dt.date) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__lt=local_midnight(value + dt.timedelta(days=1)))


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the project's time zone (Asia/Shanghai), aware: a date filter is the range
    [midnight, next midnight) on ``occurred_at``, which its index serves (casting each row to a local date
    cannot use it: 276 ms at a million events)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
