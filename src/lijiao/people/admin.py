"""Back office for people. People and their groups change only through the services (real-name checks, evidence,
audit), so here they are read-only, and personal data is shown masked, never decrypted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lijiao.core.admin import ReadOnlyAdmin
from lijiao.core.pii import PIIKind, mask, pii_digest
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import GROUP_FIELDS


class PersonGroupInline(admin.TabularInline):
    model = PersonGroup
    fk_name = "person"
    fields = GROUP_FIELDS
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    # the birth year, never the full birth date beside the masked ID (issue 9, Usability 5)
    list_display = ("name", "masked_citizen_id", "gender", "birth_year", "education", "created_at")
    list_filter = ("gender", "household", "education")
    search_fields = ("name",)
    fields = (
        "name",
        "masked_citizen_id",
        "gender",
        "birth_year",
        "masked_phone",
        "household",
        "education",
        "employer_name",
        "position",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = (PersonGroupInline,)

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Person], search_term: str) -> Any:
        """Also find a person by the exact ID number or phone (through the keyed digest, never by decrypting)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) >= 11:
            results |= queryset.filter(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, term))
            results |= queryset.filter(phone_digest=pii_digest(PIIKind.PHONE, term))
        return results, may_have_duplicates

    @admin.display(description="身份证号")
    def masked_citizen_id(self, obj: Person) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.citizen_id) or "—"

    @admin.display(description="出生年份")
    def birth_year(self, obj: Person) -> int:
        return obj.birth_date.year

    @admin.display(description="手机号")
    def masked_phone(self, obj: Person) -> str:
        return mask(PIIKind.PHONE, obj.phone) or "—"
