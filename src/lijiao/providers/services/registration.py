"""Registering a provider and changing its registration (reviewers), or only its contact (its own staff)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import FieldError, PermissionDenied
from lijiao.core.identity import InvalidCreditCode, parse_credit_code
from lijiao.core.models import HandlingArea
from lijiao.core.pii import PIIKind, mask
from lijiao.providers.models import Provider, ProviderStatus
from lijiao.providers.services.access import (
    _authenticated,
    _locked,
    _own_provider,
    _require_editable,
    covers_area,
    is_reviewer,
)
from lijiao.providers.services.validation import _invalid, _text, clean_phone

PROVIDER_FIELDS = (
    "credit_code",
    "name",
    "type",
    "handling_area",
    "address",
    "legal_representative",
    "contact_name",
    "licence_number",
    "licence_expires_on",
    "status",
    "status_reason",
)
CONTACT_FIELDS = frozenset({"contact_name", "contact_phone"})


def _provider_snapshot(provider: Provider) -> dict[str, Any]:
    data = snapshot(provider, PROVIDER_FIELDS)
    data["contact_phone"] = mask(PIIKind.PHONE, provider.contact_phone)
    return data


def _check_provider_fields(
    *,
    name: str,
    type: str,
    handling_area: HandlingArea | None,
    address: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    licence_number: str,
    licence_expires_on: dt.date | None,
    errors: list[FieldError],
) -> dict[str, Any]:
    cleaned = {
        "name": _text(name, "name", _("机构名称"), 100, errors, required=True),
        "address": _text(address, "address", _("地址"), 200, errors),
        "legal_representative": _text(
            legal_representative, "legal_representative", _("法定代表人"), 50, errors
        ),
        "contact_name": _text(contact_name, "contact_name", _("联系人"), 50, errors),
        "contact_phone": clean_phone(contact_phone, "contact_phone", errors),
        "licence_number": _text(licence_number, "licence_number", _("办学许可证号"), 50, errors),
        "licence_expires_on": licence_expires_on,
        "type": type,
        "handling_area": handling_area,
    }
    if type not in Provider.Type.values:
        errors.append(FieldError("type", _("未知的机构类型“%(type)s”") % {"type": type}))
    if handling_area is None:
        errors.append(FieldError("handling_area", _("请选择经办区域")))
    elif not handling_area.active:
        errors.append(
            FieldError("handling_area", _("经办区域“%(area)s”已停用") % {"area": handling_area.name})
        )
    if licence_expires_on is not None and not isinstance(licence_expires_on, dt.date):
        errors.append(FieldError("licence_expires_on", _("许可证有效期应为日期")))
    return cleaned


@transaction.atomic
def register_provider(
    *,
    actor: Actor,
    credit_code: str,
    name: str,
    type: str,
    handling_area: HandlingArea,
    address: str = "",
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    licence_number: str = "",
    licence_expires_on: dt.date | None = None,
) -> Provider:
    """Register a provider (status 申请中, waiting for review) in a handling area the actor covers."""
    if not (_authenticated(actor) and actor.has_perm("providers.review_provider")):
        raise PermissionDenied()
    if handling_area is not None and not covers_area(actor, handling_area.pk):
        raise PermissionDenied(_("只能登记本经办区域的培训机构"))
    errors: list[FieldError] = []
    code = ""
    try:
        code = parse_credit_code(credit_code)
    except InvalidCreditCode as exc:
        errors.append(FieldError("credit_code", exc.message))
    cleaned = _check_provider_fields(
        name=name,
        type=type,
        handling_area=handling_area,
        address=address,
        legal_representative=legal_representative,
        contact_name=contact_name,
        contact_phone=contact_phone,
        licence_number=licence_number,
        licence_expires_on=licence_expires_on,
        errors=errors,
    )
    if code:
        existing = Provider.objects.filter(credit_code=code).first()
        if existing is not None:
            errors.append(
                FieldError(
                    "credit_code",
                    _("统一社会信用代码 %(code)s 已登记（“%(name)s”，%(status)s）")
                    % {"code": code, "name": existing.name, "status": existing.get_status_display()},
                )
            )
    if errors:
        raise _invalid(_("培训机构信息有误"), errors)
    try:
        with transaction.atomic():
            provider = Provider.objects.create(credit_code=code, status=ProviderStatus.APPLIED, **cleaned)
    except IntegrityError:  # a concurrent registration of the same code won
        raise _invalid(
            _("培训机构信息有误"),
            [FieldError("credit_code", _("统一社会信用代码 %(code)s 已登记") % {"code": code})],
        ) from None
    record_event(
        actor=actor, action="providers.provider.registered", obj=provider, after=_provider_snapshot(provider)
    )
    return provider


@transaction.atomic
def update_provider(
    *,
    actor: Actor,
    provider: Provider,
    name: str,
    type: str,
    handling_area: HandlingArea,
    address: str = "",
    legal_representative: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    licence_number: str = "",
    licence_expires_on: dt.date | None = None,
) -> Provider:
    """Change a provider's registration (every field is given; the credit code and status never change here).

    Reviewers may change everything (a new handling area must be theirs too); the provider's own staff only the
    contact person and phone — any other change from them is refused.
    """
    provider = _locked(provider)
    reviewer = is_reviewer(actor, provider)
    if not reviewer and not (_own_provider(actor, provider) and actor.has_perm("providers.change_provider")):
        raise PermissionDenied()
    _require_editable(provider)
    errors: list[FieldError] = []
    cleaned = _check_provider_fields(
        name=name,
        type=type,
        handling_area=handling_area,
        address=address,
        legal_representative=legal_representative,
        contact_name=contact_name,
        contact_phone=contact_phone,
        licence_number=licence_number,
        licence_expires_on=licence_expires_on,
        errors=errors,
    )
    if errors:
        raise _invalid(_("培训机构信息有误"), errors)
    changed: set[str] = set()
    for key, value in cleaned.items():
        if key == "handling_area":
            if provider.handling_area_id != value.pk:
                changed.add(key)
        elif getattr(provider, key) != value:
            changed.add(key)
    if not reviewer and changed - CONTACT_FIELDS:
        raise PermissionDenied(_("机构人员只能修改联系人和联系电话，其他信息请联系经办人员修改"))
    if "handling_area" in changed and not covers_area(actor, handling_area.pk):
        raise PermissionDenied(_("只能把机构划入本人负责的经办区域"))
    if not changed:
        return provider
    before = _provider_snapshot(provider)
    for key in changed:
        setattr(provider, key, cleaned[key])
    update_fields = [*sorted(changed), "updated_at"]
    if "contact_phone" in changed:
        update_fields.append("contact_phone_digest")
    provider.save(update_fields=update_fields)
    record_event(
        actor=actor,
        action="providers.provider.updated",
        obj=provider,
        before=before,
        after=_provider_snapshot(provider),
    )
    return provider


def update_provider_contact(
    *, actor: Actor, provider: Provider, contact_name: str, contact_phone: str
) -> Provider:
    """Change only the contact person and phone (what provider staff may change)."""
    return update_provider(
        actor=actor,
        provider=provider,
        name=provider.name,
        type=provider.type,
        handling_area=provider.handling_area,
        address=provider.address,
        legal_representative=provider.legal_representative,
        contact_name=contact_name,
        contact_phone=contact_phone,
        licence_number=provider.licence_number,
        licence_expires_on=provider.licence_expires_on,
    )
