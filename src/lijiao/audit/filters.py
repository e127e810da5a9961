"""The audit event search, one FilterSet for the auditors' screen and ``GET /api/v1/audit/events``."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from lijiao.audit.models import AuditEvent


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
        return queryset.filter(Q(actor_label__icontains=value) | Q(actor__display_name__icontains=value))

    def on_or_after(self, queryset: QuerySet[AuditEvent], name: str, value: dt.date) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__date__gte=value)

    def on_or_before(self, queryset: QuerySet[AuditEvent], name: str, value: dt.date) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__date__lte=value)
