"""Back office for staff accounts: roles (groups), handling area, lock-out; API tokens read-only.

Personal data (ID number, phone) is never shown decrypted here: lists and forms show the masked value only.
The full value is only ever shown through the audited reveal on the profile screen.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lijiao.accounts.models import ApiToken, User
from lijiao.accounts.roles import AREA_SCOPED_ROLES, ROLES
from lijiao.audit.services import record_event
from lijiao.core.pii import PIIKind, mask, pii_digest

AREA_SCOPED_GROUPS = {role.value for role in AREA_SCOPED_ROLES}


def _check_area(form: forms.ModelForm) -> None:
    data = form.cleaned_data
    groups = data.get("groups") or []
    if any(g.name in AREA_SCOPED_GROUPS for g in groups) and not data.get("handling_area"):
        form.add_error("handling_area", gettext("区经办及审核人员必须指定经办区域"))


class StaffUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        super().clean()
        _check_area(self)
        return self.cleaned_data


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)

    def clean(self) -> dict[str, Any]:
        super().clean()
        _check_area(self)
        return self.cleaned_data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    list_display = (
        "username",
        "display_name",
        "role_list",
        "handling_area",
        "masked_citizen_id",
        "masked_phone",
        "is_active",
        "locked",
    )
    list_filter = ("groups", "handling_area", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "display_name", "email")
    list_select_related = ("handling_area",)
    ordering = ("username",)
    readonly_fields = (
        "masked_citizen_id",
        "masked_phone",
        "locked_until",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("display_name", "email", "masked_citizen_id", "masked_phone")}),
        (_("角色与范围"), {"fields": ("groups", "handling_area", "is_active", "is_staff")}),
        (_("特殊权限"), {"classes": ("collapse",), "fields": ("is_superuser", "user_permissions")}),
        (_("登录安全"), {"fields": ("locked_until", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("角色与范围"), {"fields": ("display_name", "groups", "handling_area")}),
    )
    filter_horizontal = ("groups", "user_permissions")
    actions = ["unlock_accounts"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[User], search_term: str) -> Any:
        """Also find a user by the exact ID number or phone (through the keyed digest, never by decrypting)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if len(term) >= 11:
            results |= queryset.filter(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, term))
            results |= queryset.filter(phone_digest=pii_digest(PIIKind.PHONE, term))
        return results, may_have_duplicates

    @admin.display(description=_("角色"))
    def role_list(self, obj: User) -> str:
        labels = [str(ROLES[r].label) for r in ROLES if r.value in {g.name for g in obj.groups.all()}]
        return gettext("、").join(labels) or "—"

    @admin.display(description=_("身份证号"))
    def masked_citizen_id(self, obj: User) -> str:
        return mask(PIIKind.CITIZEN_ID, obj.citizen_id) or "—"

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: User) -> str:
        return mask(PIIKind.PHONE, obj.phone) or "—"

    @admin.display(description=_("锁定"), boolean=True)
    def locked(self, obj: User) -> bool:
        return obj.is_locked

    @admin.action(description=_("解除所选账户的登录锁定"))
    def unlock_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset:
            User.objects.filter(pk=user.pk).update(locked_until=None)
            axes_reset(username=user.username)  # the throttled attempts under this name, at any address
            record_event(actor=request.user, action="accounts.user.unlocked", obj=user)
            count += 1
        self.message_user(
            request, gettext("已解除 %(count)s 个账户的锁定。") % {"count": count}, messages.SUCCESS
        )

    def save_model(self, request: HttpRequest, obj: User, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user,
            action="accounts.user.changed" if change else "accounts.user.created",
            obj=obj,
            after={"changed_fields": sorted(form.changed_data), "channel": "admin"},
        )

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if "groups" in form.changed_data:
            record_event(
                actor=request.user,
                action="accounts.user.roles_changed",
                obj=form.instance,
                after={"roles": sorted(g.name for g in form.instance.groups.all())},
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
