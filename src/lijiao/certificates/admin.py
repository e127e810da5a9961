"""Back office for certificates. Bodies, sites, accreditations, results and certificates change only through the
certificate screens and API (the audited services that check codes, scopes and 培评分离); here they are read-only
and personal data is masked. The pass rules, the numbering formats and who works for which evaluating body are
data the city administration keeps here; each change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from lijiao.audit.services import record_event, snapshot
from lijiao.certificates.models import (
    Accreditation,
    Certificate,
    EvaluatingBody,
    EvaluationSite,
    EvaluatorMembership,
    LevelAssessment,
    NumberFormat,
    PassRule,
    SerialCounter,
)
from lijiao.core.pii import PIIKind, mask


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes recorded in the audit chain with their before and after."""

    audit_fields: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool) -> None:
        before = (
            snapshot(type(obj)._default_manager.get(pk=obj.pk), self.audit_fields)
            if change and obj.pk
            else None
        )
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user,
            action=f"certificates.admin.{obj._meta.model_name}.{'changed' if change else 'added'}",
            obj=obj,
            before=before,
            after=snapshot(obj, self.audit_fields),
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        record_event(
            actor=request.user,
            action=f"certificates.admin.{obj._meta.model_name}.deleted",
            obj=obj,
            before=snapshot(obj, self.audit_fields),
        )
        super().delete_model(request, obj)


class SiteInline(ReadOnlyMixin, admin.TabularInline):
    model = EvaluationSite
    fields = ("code", "name", "address", "handling_area", "active")
    readonly_fields = fields
    extra = 0


class AccreditationInline(ReadOnlyMixin, admin.TabularInline):
    model = Accreditation
    fields = ("occupation", "work_type", "special_item", "levels", "valid_from", "valid_to")
    readonly_fields = fields
    extra = 0


@admin.register(EvaluatingBody)
class EvaluatingBodyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "code", "handling_area", "provider", "status")
    list_filter = ("kind", "status", "handling_area")
    search_fields = ("name", "code")
    list_select_related = ("handling_area", "provider")
    inlines = (SiteInline, AccreditationInline)


@admin.register(EvaluationSite)
class EvaluationSiteAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("code", "name", "body", "handling_area", "active")
    search_fields = ("code", "name", "body__name")
    list_select_related = ("body", "handling_area")


@admin.register(Accreditation)
class AccreditationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("body", "occupation", "work_type", "special_item", "levels", "valid_from", "valid_to")
    list_select_related = ("body", "occupation", "work_type", "special_item")


@admin.register(EvaluatorMembership)
class EvaluatorMembershipAdmin(AuditedAdmin):
    """Who works for which evaluating body (their results are recorded for that body)."""

    list_display = ("user", "body")
    search_fields = ("user__username", "body__name")
    autocomplete_fields = ("body",)
    raw_id_fields = ("user",)
    list_select_related = ("user", "body")
    audit_fields = ("user", "body")


@admin.register(PassRule)
class PassRuleAdmin(AuditedAdmin):
    """The pass thresholds per level (data, versioned in the audit log)."""

    list_display = ("level", "theory_min", "practical_min", "needs_review", "review_min", "policy_text")
    audit_fields = ("level", "theory_min", "practical_min", "needs_review", "review_min", "policy_text")


@admin.register(NumberFormat)
class NumberFormatAdmin(AuditedAdmin):
    list_display = ("certificate_type", "template", "pattern", "note")
    audit_fields = ("certificate_type", "template", "pattern", "note")


@admin.register(LevelAssessment)
class LevelAssessmentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "person_name",
        "masked_citizen_id",
        "body",
        "kind",
        "level",
        "passed",
        "status",
        "assessed_on",
    )
    list_filter = ("kind", "status", "passed")
    list_select_related = ("person", "body")
    exclude = ("person",)
    readonly_fields = ("person_name", "masked_citizen_id")

    @admin.display(description=gettext_lazy("考生"))
    def person_name(self, obj: LevelAssessment) -> str:
        return obj.person.name

    @admin.display(description=gettext_lazy("身份证号"))
    def masked_citizen_id(self, obj: LevelAssessment) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.person.citizen_id)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "number",
        "certificate_type",
        "holder_name",
        "level",
        "body",
        "issued_on",
        "status",
        "source",
    )
    list_filter = ("certificate_type", "status", "source", "report_status")
    search_fields = ("number",)
    list_select_related = ("body",)
    exclude = ("holder", "verification_token")


@admin.register(SerialCounter)
class SerialCounterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("prefix", "last_serial")
