"""Back office for providers. Providers, their scope, teachers, venues, blacklist and credit record change only
through the provider screens and API (so through the audited services, which validate credit codes and ID numbers
and enforce the workflow); here they are read-only, and personal data is shown masked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from lijiao.core.pii import PIIKind, mask, pii_digest
from lijiao.providers.models import BlacklistEntry, CreditEvent, Provider, ProviderScope, Teacher, Venue


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProviderScopeInline(ReadOnlyMixin, admin.TabularInline):
    model = ProviderScope
    fields = ("occupation", "highest_level", "special_item")
    readonly_fields = fields
    extra = 0


class TeacherInline(ReadOnlyMixin, admin.TabularInline):
    model = Teacher
    fields = ("name", "masked_citizen_id", "masked_phone", "occupation", "is_practical", "active")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    @admin.display(description=gettext_lazy("身份证号"))
    def masked_citizen_id(self, obj: Teacher) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.citizen_id) or "—"

    @admin.display(description=gettext_lazy("手机号"))
    def masked_phone(self, obj: Teacher) -> str:
        return mask(PIIKind.PHONE, obj.phone) or "—"


class VenueInline(ReadOnlyMixin, admin.TabularInline):
    model = Venue
    fields = ("name", "address", "region", "capacity", "is_practical", "active")
    readonly_fields = fields
    extra = 0


@admin.register(Provider)
class ProviderAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "credit_code", "type", "handling_area", "status", "licence_expires_on")
    list_filter = ("status", "type", "handling_area")
    search_fields = ("name", "credit_code")
    list_select_related = ("handling_area",)
    fields = (
        "credit_code",
        "name",
        "type",
        "handling_area",
        "address",
        "legal_representative",
        "contact_name",
        "masked_contact_phone",
        "licence_number",
        "licence_expires_on",
        "status",
        "status_reason",
        "approved_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (ProviderScopeInline, TeacherInline, VenueInline)

    @admin.display(description=gettext_lazy("联系电话"))
    def masked_contact_phone(self, obj: Provider) -> str:
        return mask(PIIKind.PHONE, obj.contact_phone) or "—"


@admin.register(Teacher)
class TeacherAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "provider", "masked_citizen_id", "occupation", "is_practical", "active")
    list_filter = ("active", "is_practical")
    search_fields = ("name", "provider__name")
    list_select_related = ("provider", "occupation")
    fields = (
        "provider",
        "name",
        "masked_citizen_id",
        "masked_phone",
        "occupation",
        "certificates",
        "is_practical",
        "active",
    )
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Teacher], search_term: str
    ) -> tuple[QuerySet[Teacher], bool]:
        """A full ID number finds the teacher through its digest (the encrypted column cannot be searched)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) >= 15:
            results |= queryset.filter(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, term))
        return results, may_have_duplicates

    @admin.display(description=gettext_lazy("身份证号"))
    def masked_citizen_id(self, obj: Teacher) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.citizen_id) or "—"

    @admin.display(description=gettext_lazy("手机号"))
    def masked_phone(self, obj: Teacher) -> str:
        return mask(PIIKind.PHONE, obj.phone) or "—"


@admin.register(Venue)
class VenueAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "provider", "address", "capacity", "is_practical", "active")
    list_filter = ("active", "is_practical")
    search_fields = ("name", "address", "provider__name")
    list_select_related = ("provider",)


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("provider", "starts_on", "ends_on", "reason", "lifted_at", "created_by")
    list_filter = ("lifted_at",)
    search_fields = ("provider__name", "provider__credit_code", "reason")
    list_select_related = ("provider", "created_by")
    date_hierarchy = "starts_on"


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("provider", "kind", "occurred_on", "points", "description", "created_by")
    list_filter = ("kind",)
    search_fields = ("provider__name", "description")
    list_select_related = ("provider", "created_by")
    date_hierarchy = "occurred_on"
