"""Back office for catalog reference data. Editions and their items change only through the catalog screens
(and so through the audited services); here they are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import CatalogItem, Category, Edition, Occupation, SpecialItem, WorkType


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "active")
    list_editable = ("sort_order", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


class WorkTypeInline(admin.TabularInline):
    model = WorkType
    extra = 0
    fields = ("code", "name", "active")


@admin.register(Occupation)
class OccupationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level_scheme", "standard", "is_digital", "is_green", "active")
    list_filter = ("active", "level_scheme", "is_digital", "is_green")
    search_fields = ("code", "name", "work_types__name")
    inlines = (WorkTypeInline,)


@admin.register(SpecialItem)
class SpecialItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


class CatalogItemInline(ReadOnlyMixin, admin.TabularInline):
    model = CatalogItem
    fields = (
        "kind",
        "occupation",
        "work_type",
        "special_item",
        "level",
        "category",
        "subsidy_standard",
        "shortage_tier",
    )
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Edition)
class EditionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "year",
        "status",
        "effective_from",
        "effective_to",
        "published_at",
        "published_by",
    )
    list_filter = ("status", "year")
    search_fields = ("name", "document_number")
    list_select_related = ("published_by",)
    inlines = [CatalogItemInline]


@admin.register(CatalogItem)
class CatalogItemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("edition", "kind", "subject", "level", "category", "subsidy_standard", "shortage_tier")
    list_filter = ("edition", "kind", "level", "shortage_tier", "category")
    search_fields = ("occupation__code", "occupation__name", "special_item__code", "special_item__name")
    list_select_related = ("edition", "occupation", "work_type", "special_item", "category")

    @admin.display(description=gettext_lazy("职业/项目"))
    def subject(self, obj: CatalogItem) -> str:
        return f"{obj.subject_name}（{obj.subject_code}）"
