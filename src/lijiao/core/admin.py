"""Back-office screens for core reference data and import jobs.

Regions come from GB/T 2260 (a data migration) and import jobs are written by the importers, so both are
read-only here; handling areas and the working-day calendar are edited by those with the permissions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lijiao.core.models import CalendarDay, HandlingArea, HolidayArrangement, ImportJob, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows rows; nobody adds, edits or deletes them here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(HandlingArea)
class HandlingAreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")
    filter_horizontal = ("regions",)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    """Read-only: days are entered with their year's arrangement on the audited 节假日安排 screen."""

    list_display = ("date", "is_workday", "note", "arrangement")
    list_filter = ("is_workday",)
    search_fields = ("note",)
    date_hierarchy = "date"


@admin.register(HolidayArrangement)
class HolidayArrangementAdmin(ReadOnlyAdmin):
    list_display = ("year", "notice", "document_number", "entered_by", "entered_at", "updated_at")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "kind",
        "file_name",
        "status",
        "progress_display",
        "total_rows",
        "imported_rows",
        "error_count",
        "created_by",
    )
    list_filter = ("status", "kind")
    search_fields = ("file_name", "message", "target_id")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"

    @admin.display(description=_("进度"))
    def progress_display(self, obj: ImportJob) -> str:
        return f"{obj.progress}%"
