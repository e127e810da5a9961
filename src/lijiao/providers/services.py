"""Provider writes (SPEC C3). Every service: keyword-only arguments, an explicit actor, atomic, audited.

Who may do what:

* **Reviewers** — users with ``providers.review_provider`` whose scope covers the provider's handling area (the
  district clerk of that area, or the city administrator) — register providers, change their registration,
  move them through the workflow (one service per transition), set their training scope and record credit
  events (``providers.add_creditevent``). Blacklisting needs ``providers.blacklist_provider``.
* **Provider staff** edit their own institution's contact person and phone, teachers and venues — and never
  review their own institution, whatever other roles they hold.

Personal data (teachers' ID numbers and phones, the contact phone) is stored encrypted and appears masked in
audit snapshots. Bad input raises :class:`~lijiao.core.errors.DomainError` with bilingual field errors and
writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lijiao.accounts.scope import Scope
from lijiao.audit.services import record_event, snapshot
from lijiao.catalog.models import Level, Occupation, SpecialItem
from lijiao.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from lijiao.core.identity import InvalidCitizenId, InvalidCreditCode, parse_citizen_id, parse_credit_code
from lijiao.core.models import HandlingArea, Region
from lijiao.core.pii import PIIKind, canonical, mask, pii_digest
from lijiao.providers import workflows
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)

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
TEACHER_FIELDS = ("provider", "name", "occupation", "certificates", "is_practical", "active")
VENUE_FIELDS = ("provider", "name", "address", "region", "capacity", "is_practical", "active")
BLACKLIST_FIELDS = ("provider", "reason", "starts_on", "ends_on", "lifted_at", "lift_reason")
CREDIT_FIELDS = ("provider", "kind", "occurred_on", "description", "points")

MAX_REASON = 500
MAX_CERTIFICATES = 2000
MAX_VENUE_CAPACITY = 10000
MAX_CREDIT_POINTS = 100

_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_LANDLINE_RE = re.compile(r"0\d{9,11}")


# ---------------------------------------------------------------------------------------------------------------
# Permissions


def _authenticated(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _own_provider(actor: Any, provider: Provider) -> bool:
    return _authenticated(actor) and getattr(actor, "provider_id", None) == provider.pk


def covers_area(actor: Any, area_id: int | None) -> bool:
    """Whether the actor's scope covers a handling area (city-wide roles cover every area)."""
    if not _authenticated(actor):
        return False
    scope = Scope.for_user(actor)
    return scope.all_areas or (area_id is not None and area_id in scope.area_ids)


def is_reviewer(actor: Any, provider: Provider, perm: str = "providers.review_provider") -> bool:
    """``perm`` over the provider's handling area, and not a member of the provider's own staff."""
    return (
        _authenticated(actor)
        and actor.has_perm(perm)
        and covers_area(actor, provider.handling_area_id)
        and not _own_provider(actor, provider)
    )


def can_manage(actor: Any, provider: Provider, perm: str) -> bool:
    """Teachers, venues, contact: the provider's own staff holding ``perm``, or a reviewer of the provider."""
    if _own_provider(actor, provider) and actor.has_perm(perm):
        return True
    return is_reviewer(actor, provider)


def _require_reviewer(actor: Any, provider: Provider, perm: str = "providers.review_provider") -> None:
    if _own_provider(actor, provider) and actor.has_perm(perm):
        raise PermissionDenied("不能审核或处理本机构（you cannot review your own institution）")
    if not is_reviewer(actor, provider, perm):
        raise PermissionDenied()


def _require_manager(actor: Any, provider: Provider, perm: str) -> None:
    if not can_manage(actor, provider, perm):
        raise PermissionDenied()


def _require_editable(provider: Provider) -> None:
    if provider.status in (ProviderStatus.REJECTED, ProviderStatus.REMOVED):
        raise Conflict(
            f"培训机构“{provider.name}”{ProviderStatus(provider.status).label}，不能再修改"
            f"（a {provider.status} provider cannot be changed）",
            code="provider_closed",
        )


def _locked(provider: Provider) -> Provider:
    return Provider.objects.select_for_update().get(pk=provider.pk)


# ---------------------------------------------------------------------------------------------------------------
# Validation helpers


def _invalid(message: str, errors: list[FieldError], code: str = "invalid") -> DomainError:
    return DomainError(message=message, code=code, errors=tuple(errors))


def clean_phone(value: str, field: str, errors: list[FieldError]) -> str:
    """A mobile (11 digits, 1[3-9]…) or landline with area code (0411-88886666); ``""`` stays ``""``."""
    text = (value or "").strip()
    if not text:
        return ""
    digits = canonical(PIIKind.PHONE, text)
    if _MOBILE_RE.fullmatch(digits) or _LANDLINE_RE.fullmatch(digits):
        return digits
    errors.append(
        FieldError(
            field,
            f"电话号码“{text}”格式不正确，应为11位手机号或带区号的固定电话，如 0411-88886666"
            f"（not a valid mobile or landline number）",
        )
    )
    return ""


def _text(
    value: str | None,
    field: str,
    label: str,
    max_length: int,
    errors: list[FieldError],
    *,
    required: bool = False,
) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(FieldError(field, f"请填写{label}（{field.replace('_', ' ')} required）"))
    elif len(text) > max_length:
        errors.append(FieldError(field, f"{label}最多{max_length}字（{field.replace('_', ' ')} too long）"))
    return text


def _reason(reason: str | None, field: str = "reason") -> str:
    errors: list[FieldError] = []
    text = _text(reason, field, "原因", MAX_REASON, errors, required=True)
    if errors:
        raise _invalid("请说明原因（a reason is required）", errors, code="reason_required")
    return text


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
        "name": _text(name, "name", "机构名称", 100, errors, required=True),
        "address": _text(address, "address", "地址", 200, errors),
        "legal_representative": _text(legal_representative, "legal_representative", "法定代表人", 50, errors),
        "contact_name": _text(contact_name, "contact_name", "联系人", 50, errors),
        "contact_phone": clean_phone(contact_phone, "contact_phone", errors),
        "licence_number": _text(licence_number, "licence_number", "办学许可证号", 50, errors),
        "licence_expires_on": licence_expires_on,
        "type": type,
        "handling_area": handling_area,
    }
    if type not in Provider.Type.values:
        errors.append(FieldError("type", f"未知的机构类型“{type}”（unknown provider type）"))
    if handling_area is None:
        errors.append(FieldError("handling_area", "请选择经办区域（handling area required）"))
    elif not handling_area.active:
        errors.append(FieldError("handling_area", f"经办区域“{handling_area.name}”已停用（area inactive）"))
    if licence_expires_on is not None and not isinstance(licence_expires_on, dt.date):
        errors.append(FieldError("licence_expires_on", "许可证有效期应为日期（date required）"))
    return cleaned


# ---------------------------------------------------------------------------------------------------------------
# Registration


@transaction.atomic
def register_provider(
    *,
    actor: Any,
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
        raise PermissionDenied("只能登记本经办区域的培训机构（outside your handling area）")
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
                    f"统一社会信用代码 {code} 已登记（“{existing.name}”，{existing.get_status_display()}）"
                    f"（credit code already registered）",
                )
            )
    if errors:
        raise _invalid("培训机构信息有误（invalid provider）", errors)
    try:
        with transaction.atomic():
            provider = Provider.objects.create(credit_code=code, status=ProviderStatus.APPLIED, **cleaned)
    except IntegrityError:  # a concurrent registration of the same code won
        raise _invalid(
            "培训机构信息有误（invalid provider）",
            [FieldError("credit_code", f"统一社会信用代码 {code} 已登记（credit code already registered）")],
        ) from None
    record_event(
        actor=actor, action="providers.provider.registered", obj=provider, after=_provider_snapshot(provider)
    )
    return provider


@transaction.atomic
def update_provider(
    *,
    actor: Any,
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
        raise _invalid("培训机构信息有误（invalid provider）", errors)
    changed: set[str] = set()
    for key, value in cleaned.items():
        if key == "handling_area":
            if provider.handling_area_id != value.pk:
                changed.add(key)
        elif getattr(provider, key) != value:
            changed.add(key)
    if not reviewer and changed - CONTACT_FIELDS:
        raise PermissionDenied(
            "机构人员只能修改联系人和联系电话，其他信息请联系经办人员修改"
            "（provider staff may change the contact person and phone only）"
        )
    if "handling_area" in changed and not covers_area(actor, handling_area.pk):
        raise PermissionDenied("只能把机构划入本人负责的经办区域（outside your handling area）")
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
    *, actor: Any, provider: Provider, contact_name: str, contact_phone: str
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


# ---------------------------------------------------------------------------------------------------------------
# Workflow: one service per transition


def _move(actor: Any, provider: Provider, action: str, reason: str, **changes: Any) -> Provider:
    provider = _locked(provider)
    _require_reviewer(actor, provider)
    before = {"status": provider.status, "status_reason": provider.status_reason}
    provider = workflows.transition(
        provider,
        workflows.ACTION_TARGETS[action],
        source=workflows.ACTION_SOURCES[action],
        updated_at=timezone.now(),
        **changes,
    )
    record_event(
        actor=actor,
        action=f"providers.provider.{action}",
        obj=provider,
        before=before,
        after={"status": provider.status, "status_reason": provider.status_reason},
        reason=reason,
    )
    return provider


@transaction.atomic
def approve_provider(*, actor: Any, provider: Provider, note: str = "") -> Provider:
    """申请中 → 已认定: the provider is listed and may file classes within its scope."""
    note = (note or "").strip()[:MAX_REASON]
    return _move(actor, provider, "approve", note, approved_at=timezone.now(), status_reason="")


@transaction.atomic
def reject_provider(*, actor: Any, provider: Provider, reason: str) -> Provider:
    """申请中 → 未通过, with the reason."""
    text = _reason(reason)
    return _move(actor, provider, "reject", text, status_reason=text)


@transaction.atomic
def suspend_provider(*, actor: Any, provider: Provider, reason: str) -> Provider:
    """已认定 → 暂停, with the reason: no new classes until reinstated."""
    text = _reason(reason)
    return _move(actor, provider, "suspend", text, status_reason=text)


@transaction.atomic
def reinstate_provider(*, actor: Any, provider: Provider, note: str = "") -> Provider:
    """暂停 → 已认定 (the suspension is over)."""
    note = (note or "").strip()[:MAX_REASON]
    return _move(actor, provider, "reinstate", note, status_reason="")


@transaction.atomic
def remove_provider(*, actor: Any, provider: Provider, reason: str) -> Provider:
    """已认定 or 暂停 → 已清退, with the reason (e.g. faked trainees, identities or hours). Final."""
    text = _reason(reason)
    return _move(actor, provider, "remove", text, status_reason=text)


# ---------------------------------------------------------------------------------------------------------------
# Training scope


def _scope_rows(provider: Provider) -> list[dict[str, Any]]:
    rows = ProviderScope.objects.filter(provider=provider).select_related("occupation", "special_item")
    out: list[dict[str, Any]] = []
    for row in rows.order_by("pk"):
        if row.occupation is not None:
            out.append({"occupation": row.occupation.code, "highest_level": row.highest_level})
        else:
            out.append({"special_item": row.special_item.code if row.special_item else None})
    return sorted(out, key=lambda r: (r.get("occupation") or "", r.get("special_item") or ""))


def _level_error(level: Any, field: str, subject: str) -> FieldError | None:
    if not isinstance(level, int) or isinstance(level, bool) or level not in Level.values:
        return FieldError(
            field, f"“{subject}”的最高等级应为1（一级）至5（五级）（highest level must be 1–5）"
        )
    return None


@transaction.atomic
def set_scope(
    *,
    actor: Any,
    provider: Provider,
    occupations: list[tuple[Occupation, int]],
    special_items: list[SpecialItem],
) -> list[ProviderScope]:
    """Replace the provider's training scope: occupations each up to a highest level (1 highest … 5 lowest; the
    level and every lower one are covered), and special / business-start items."""
    provider = _locked(provider)
    _require_reviewer(actor, provider)
    _require_editable(provider)
    errors: list[FieldError] = []
    seen_occ: set[int] = set()
    for occupation, level in occupations:
        if occupation.pk in seen_occ:
            errors.append(FieldError("occupations", f"职业“{occupation}”重复（duplicate occupation）"))
        seen_occ.add(occupation.pk)
        if (error := _level_error(level, "occupations", str(occupation))) is not None:
            errors.append(error)
    seen_special: set[int] = set()
    for item in special_items:
        if item.pk in seen_special:
            errors.append(FieldError("special_items", f"项目“{item}”重复（duplicate item）"))
        seen_special.add(item.pk)
    if errors:
        raise _invalid("培训范围有误（invalid training scope）", errors)
    before = _scope_rows(provider)
    ProviderScope.objects.filter(provider=provider).delete()
    rows = [
        ProviderScope(provider=provider, occupation=occ, highest_level=level) for occ, level in occupations
    ]
    rows += [ProviderScope(provider=provider, special_item=item) for item in special_items]
    ProviderScope.objects.bulk_create(rows)
    record_event(
        actor=actor, action="providers.scope.set", obj=provider, before=before, after=_scope_rows(provider)
    )
    return list(ProviderScope.objects.filter(provider=provider).select_related("occupation", "special_item"))


@transaction.atomic
def add_scope_entry(
    *,
    actor: Any,
    provider: Provider,
    occupation: Occupation | None = None,
    highest_level: int | None = None,
    special_item: SpecialItem | None = None,
) -> ProviderScope:
    """Add one subject to the scope (an occupation already in it gets the new highest level)."""
    provider = _locked(provider)
    _require_reviewer(actor, provider)
    _require_editable(provider)
    errors: list[FieldError] = []
    if (occupation is None) == (special_item is None):
        errors.append(
            FieldError("__all__", "请选择一个职业（及最高等级）或一个专项/创业项目（choose one subject）")
        )
    elif occupation is not None and (error := _level_error(highest_level, "highest_level", str(occupation))):
        errors.append(error)
    elif special_item is not None and highest_level is not None:
        errors.append(FieldError("highest_level", "专项和创业项目不分等级（no level for this item）"))
    if errors:
        raise _invalid("培训范围有误（invalid training scope）", errors)
    before = _scope_rows(provider)
    if occupation is not None:
        entry, _created = ProviderScope.objects.update_or_create(
            provider=provider, occupation=occupation, defaults={"highest_level": highest_level}
        )
    else:
        entry, _created = ProviderScope.objects.get_or_create(provider=provider, special_item=special_item)
    record_event(
        actor=actor, action="providers.scope.added", obj=provider, before=before, after=_scope_rows(provider)
    )
    return entry


@transaction.atomic
def remove_scope_entry(*, actor: Any, entry: ProviderScope) -> None:
    """Remove one subject from the provider's scope (classes already filed keep their approval)."""
    provider = _locked(entry.provider)
    _require_reviewer(actor, provider)
    _require_editable(provider)
    before = _scope_rows(provider)
    ProviderScope.objects.filter(pk=entry.pk).delete()
    record_event(
        actor=actor,
        action="providers.scope.removed",
        obj=provider,
        before=before,
        after=_scope_rows(provider),
    )


# ---------------------------------------------------------------------------------------------------------------
# Teachers


def _teacher_snapshot(teacher: Teacher) -> dict[str, Any]:
    data = snapshot(teacher, TEACHER_FIELDS)
    data["citizen_id"] = mask(PIIKind.CITIZEN_ID, teacher.citizen_id)
    data["phone"] = mask(PIIKind.PHONE, teacher.phone)
    return data


def _clean_teacher(
    provider: Provider,
    *,
    name: str,
    citizen_id: str | None,
    phone: str | None,
    certificates: str,
    exclude: Teacher | None = None,
) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {
        "name": _text(name, "name", "姓名", 50, errors, required=True),
        "certificates": (certificates or "").strip(),
    }
    if len(cleaned["certificates"]) > MAX_CERTIFICATES:
        errors.append(FieldError("certificates", f"资格证书最多{MAX_CERTIFICATES}字（too long）"))
    if citizen_id is not None:
        cleaned["citizen_id"] = ""
        if str(citizen_id).strip():
            try:
                number = parse_citizen_id(citizen_id).number
            except InvalidCitizenId as exc:
                errors.append(FieldError("citizen_id", exc.message))
            else:
                cleaned["citizen_id"] = number
                same = Teacher.objects.filter(
                    provider=provider, citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, number)
                )
                if exclude is not None:
                    same = same.exclude(pk=exclude.pk)
                if same.exists():
                    errors.append(
                        FieldError("citizen_id", "本机构已登记该身份证号的教师（teacher already registered）")
                    )
    if phone is not None:
        cleaned["phone"] = clean_phone(phone, "phone", errors)
    if errors:
        raise _invalid("教师信息有误（invalid teacher）", errors)
    return cleaned


@transaction.atomic
def add_teacher(
    *,
    actor: Any,
    provider: Provider,
    name: str,
    citizen_id: str = "",
    phone: str = "",
    occupation: Occupation | None = None,
    certificates: str = "",
    is_practical: bool = False,
) -> Teacher:
    """Add a teacher with their certificates (one a line); the ID number is validated and stored encrypted."""
    provider = _locked(provider)
    _require_manager(actor, provider, "providers.add_teacher")
    _require_editable(provider)
    cleaned = _clean_teacher(
        provider, name=name, citizen_id=citizen_id, phone=phone, certificates=certificates
    )
    teacher = Teacher.objects.create(
        provider=provider, occupation=occupation, is_practical=bool(is_practical), **cleaned
    )
    record_event(actor=actor, action="providers.teacher.added", obj=teacher, after=_teacher_snapshot(teacher))
    return teacher


@transaction.atomic
def update_teacher(
    *,
    actor: Any,
    teacher: Teacher,
    name: str,
    citizen_id: str | None = None,
    phone: str | None = None,
    occupation: Occupation | None = None,
    certificates: str = "",
    is_practical: bool = False,
    active: bool | None = None,
) -> Teacher:
    """Change a teacher. ``citizen_id`` / ``phone`` / ``active`` left as None keep their stored values
    (``""`` clears the ID number or phone)."""
    teacher = Teacher.objects.select_for_update().select_related("provider").get(pk=teacher.pk)
    provider = teacher.provider
    _require_manager(actor, provider, "providers.change_teacher")
    _require_editable(provider)
    cleaned = _clean_teacher(
        provider, name=name, citizen_id=citizen_id, phone=phone, certificates=certificates, exclude=teacher
    )
    before = _teacher_snapshot(teacher)
    for key, value in cleaned.items():
        setattr(teacher, key, value)
    teacher.occupation = occupation
    teacher.is_practical = bool(is_practical)
    if active is not None:
        teacher.active = bool(active)
    teacher.save()
    record_event(
        actor=actor,
        action="providers.teacher.updated",
        obj=teacher,
        before=before,
        after=_teacher_snapshot(teacher),
    )
    return teacher


@transaction.atomic
def deactivate_teacher(*, actor: Any, teacher: Teacher, reason: str = "") -> Teacher:
    """Mark a teacher as no longer teaching here (kept for the classes they taught)."""
    teacher = Teacher.objects.select_for_update().select_related("provider").get(pk=teacher.pk)
    _require_manager(actor, teacher.provider, "providers.change_teacher")
    _require_editable(teacher.provider)
    if not teacher.active:
        return teacher
    teacher.active = False
    teacher.save(update_fields=["active"])
    record_event(
        actor=actor,
        action="providers.teacher.deactivated",
        obj=teacher,
        before={"active": True},
        after={"active": False},
        reason=(reason or "").strip()[:MAX_REASON],
    )
    return teacher


# ---------------------------------------------------------------------------------------------------------------
# Venues


def _clean_venue(
    provider: Provider,
    *,
    name: str,
    address: str,
    capacity: Any,
    region: Region | None,
    exclude: Venue | None = None,
) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {
        "name": _text(name, "name", "场地名称", 100, errors, required=True),
        "address": _text(address, "address", "场地地址", 200, errors, required=True),
        "region": region,
        "capacity": capacity,
    }
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= MAX_VENUE_CAPACITY:
        errors.append(
            FieldError("capacity", f"容纳人数应为 1–{MAX_VENUE_CAPACITY} 的整数（capacity out of range）")
        )
    if cleaned["name"]:
        same = Venue.objects.filter(provider=provider, name=cleaned["name"])
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors.append(FieldError("name", "本机构已有同名场地（venue name already used）"))
    if errors:
        raise _invalid("场地信息有误（invalid venue）", errors)
    return cleaned


@transaction.atomic
def add_venue(
    *,
    actor: Any,
    provider: Provider,
    name: str,
    address: str,
    capacity: int,
    region: Region | None = None,
    is_practical: bool = False,
) -> Venue:
    """Add a training venue (address, capacity; practical-training venues flagged)."""
    provider = _locked(provider)
    _require_manager(actor, provider, "providers.add_venue")
    _require_editable(provider)
    cleaned = _clean_venue(provider, name=name, address=address, capacity=capacity, region=region)
    venue = Venue.objects.create(provider=provider, is_practical=bool(is_practical), **cleaned)
    record_event(actor=actor, action="providers.venue.added", obj=venue, after=snapshot(venue, VENUE_FIELDS))
    return venue


@transaction.atomic
def update_venue(
    *,
    actor: Any,
    venue: Venue,
    name: str,
    address: str,
    capacity: int,
    region: Region | None = None,
    is_practical: bool = False,
    active: bool = True,
) -> Venue:
    """Change a venue (``active=False`` takes it out of use; classes that used it keep it)."""
    venue = Venue.objects.select_for_update().select_related("provider").get(pk=venue.pk)
    _require_manager(actor, venue.provider, "providers.change_venue")
    _require_editable(venue.provider)
    cleaned = _clean_venue(
        venue.provider, name=name, address=address, capacity=capacity, region=region, exclude=venue
    )
    before = snapshot(venue, VENUE_FIELDS)
    for key, value in cleaned.items():
        setattr(venue, key, value)
    venue.is_practical, venue.active = bool(is_practical), bool(active)
    venue.save()
    record_event(
        actor=actor,
        action="providers.venue.updated",
        obj=venue,
        before=before,
        after=snapshot(venue, VENUE_FIELDS),
    )
    return venue


# ---------------------------------------------------------------------------------------------------------------
# Blacklist


@transaction.atomic
def blacklist_provider(
    *, actor: Any, provider: Provider, reason: str, starts_on: dt.date, ends_on: dt.date | None = None
) -> BlacklistEntry:
    """Blacklist a provider for ``[starts_on, ends_on]`` (open-ended when ``ends_on`` is None): it may not file or
    run subsidized classes on those days (SPEC R10)."""
    provider = _locked(provider)
    _require_reviewer(actor, provider, "providers.blacklist_provider")
    errors: list[FieldError] = []
    text = _text(reason, "reason", "原因", MAX_REASON, errors, required=True)
    if not isinstance(starts_on, dt.date):
        errors.append(FieldError("starts_on", "请填写开始日期（start date required）"))
    elif ends_on is not None and ends_on < starts_on:
        errors.append(FieldError("ends_on", "结束日期不能早于开始日期（ends before it starts）"))
    else:
        overlapping = BlacklistEntry.objects.filter(provider=provider, lifted_at__isnull=True).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
        )
        if ends_on is not None:
            overlapping = overlapping.filter(starts_on__lte=ends_on)
        existing = overlapping.order_by("starts_on").first()
        if existing is not None:
            errors.append(
                FieldError(
                    "starts_on",
                    f"与已有黑名单期间（{existing.starts_on:%Y-%m-%d} 至 "
                    f"{existing.ends_on.strftime('%Y-%m-%d') if existing.ends_on else '长期'}）重叠"
                    f"（overlaps an existing blacklist entry）",
                )
            )
    if errors:
        raise _invalid("黑名单信息有误（invalid blacklist entry）", errors)
    entry = BlacklistEntry.objects.create(
        provider=provider, reason=text, starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    record_event(
        actor=actor,
        action="providers.blacklist.added",
        obj=entry,
        after=snapshot(entry, BLACKLIST_FIELDS),
        reason=text,
    )
    return entry


@transaction.atomic
def lift_blacklist(*, actor: Any, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """Lift a blacklist entry early, with the reason (the entry stays on record, no longer in force)."""
    entry = BlacklistEntry.objects.select_for_update().select_related("provider").get(pk=entry.pk)
    _require_reviewer(actor, entry.provider, "providers.blacklist_provider")
    text = _reason(reason)
    if entry.lifted_at is not None:
        raise Conflict(
            f"该黑名单记录已于 {timezone.localtime(entry.lifted_at):%Y-%m-%d} 解除（already lifted）",
            code="already_lifted",
        )
    before = snapshot(entry, BLACKLIST_FIELDS)
    entry.lifted_at, entry.lift_reason = timezone.now(), text
    entry.save(update_fields=["lifted_at", "lift_reason"])
    record_event(
        actor=actor,
        action="providers.blacklist.lifted",
        obj=entry,
        before=before,
        after=snapshot(entry, BLACKLIST_FIELDS),
        reason=text,
    )
    return entry


# ---------------------------------------------------------------------------------------------------------------
# Credit record


@transaction.atomic
def record_credit_event(
    *,
    actor: Any,
    provider: Provider,
    kind: str,
    occurred_on: dt.date,
    description: str,
    points: int = 0,
) -> CreditEvent:
    """Record a complaint, sanction or commendation (complaints and sanctions take points, commendations add)."""
    _require_reviewer(actor, provider, "providers.add_creditevent")
    errors: list[FieldError] = []
    text = _text(description, "description", "说明", 500, errors, required=True)
    if kind not in CreditEvent.Kind.values:
        errors.append(FieldError("kind", f"未知的记录类型“{kind}”（unknown kind）"))
    if not isinstance(occurred_on, dt.date):
        errors.append(FieldError("occurred_on", "请填写日期（date required）"))
    elif occurred_on > timezone.localdate():
        errors.append(FieldError("occurred_on", "日期不能晚于今天（date in the future）"))
    if not isinstance(points, int) or isinstance(points, bool) or abs(points) > MAX_CREDIT_POINTS:
        errors.append(
            FieldError(
                "points", f"信用分变动应为 -{MAX_CREDIT_POINTS}–{MAX_CREDIT_POINTS} 的整数（out of range）"
            )
        )
    elif kind == CreditEvent.Kind.COMMENDATION and points < 0:
        errors.append(FieldError("points", "表彰不能扣分（a commendation cannot take points）"))
    elif kind in (CreditEvent.Kind.COMPLAINT, CreditEvent.Kind.SANCTION) and points > 0:
        errors.append(FieldError("points", "投诉和处罚不能加分（a complaint or sanction cannot add points）"))
    if errors:
        raise _invalid("信用记录有误（invalid credit event）", errors)
    event = CreditEvent.objects.create(
        provider=provider,
        kind=kind,
        occurred_on=occurred_on,
        description=text,
        points=points,
        created_by=actor,
    )
    record_event(
        actor=actor, action="providers.credit.recorded", obj=event, after=snapshot(event, CREDIT_FIELDS)
    )
    return event
