"""Back office for training. Lesson-hour rules are configured here (audited); programs and classes change only
through the training screens and API (and so through the audited services), so here they are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lijiao.audit.services import record_event, snapshot
from lijiao.training.models import AttendanceDevice, ClassSession, LessonHourRule, Program, TrainingClass

RULE_FIELDS = ("kind", "level", "min_total_hours", "min_practical_share", "lesson_minutes", "active")


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LessonHourRule)
class LessonHourRuleAdmin(admin.ModelAdmin):
    """Minimum lesson hours and practical share per catalog kind and level (every change is audited)."""

    list_display = ("kind", "level", "min_total_hours", "min_practical_share", "lesson_minutes", "active")
    list_filter = ("kind", "active")

    def save_model(self, request: HttpRequest, obj: LessonHourRule, form: Any, change: bool) -> None:
        before = snapshot(LessonHourRule.objects.get(pk=obj.pk), RULE_FIELDS) if change else None
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user,
            action="training.lesson_rule.changed" if change else "training.lesson_rule.created",
            obj=obj,
            before=before,
            after=snapshot(obj, RULE_FIELDS),
        )

    def delete_model(self, request: HttpRequest, obj: LessonHourRule) -> None:
        record_event(
            actor=request.user,
            action="training.lesson_rule.deleted",
            obj=obj,
            before=snapshot(obj, RULE_FIELDS),
        )
        super().delete_model(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead, so the history stays readable


@admin.register(Program)
class ProgramAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "year",
        "lead_department",
        "quota",
        "attendance_threshold",
        "active",
    )
    list_filter = ("year", "kind", "active")
    search_fields = ("code", "name")


class ClassSessionInline(ReadOnlyMixin, admin.TabularInline):
    model = ClassSession
    fields = ("starts_at", "ends_at", "lesson_hours", "kind", "topic", "teacher", "venue")
    readonly_fields = fields
    extra = 0


@admin.register(TrainingClass)
class TrainingClassAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "provider",
        "handling_area",
        "status",
        "start_date",
        "end_date",
        "capacity",
    )
    list_filter = ("status", "handling_area")
    search_fields = ("code", "name", "provider__name")
    list_select_related = ("provider", "handling_area")
    inlines = [ClassSessionInline]


@admin.register(AttendanceDevice)
class AttendanceDeviceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: a provider's staff register and revoke devices through the API (audited services)."""

    list_display = ("name", "provider", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "provider__name")
    list_select_related = ("provider",)
    exclude = ("key_hash",)
