"""A provider's teachers: add, change, deactivate (ID numbers and phones validated, stored encrypted)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.catalog.models import Occupation
from lijiao.core.actors import Actor
from lijiao.core.errors import FieldError
from lijiao.core.identity import InvalidCitizenId, parse_citizen_id
from lijiao.core.pii import PIIKind, mask, pii_digest
from lijiao.providers.models import Provider, Teacher
from lijiao.providers.services.access import _deactivate, _locked, _require_editable, _require_manager
from lijiao.providers.services.validation import MAX_REASON, _invalid, _text, clean_phone

TEACHER_FIELDS = ("provider", "name", "occupation", "certificates", "is_practical", "active")


MAX_CERTIFICATES = 2000


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
        "name": _text(name, "name", _("姓名"), 50, errors, required=True),
        "certificates": (certificates or "").strip(),
    }
    if len(cleaned["certificates"]) > MAX_CERTIFICATES:
        errors.append(FieldError("certificates", _("资格证书最多%(max)s字") % {"max": MAX_CERTIFICATES}))
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
                    errors.append(FieldError("citizen_id", _("本机构已登记该身份证号的教师")))
    if phone is not None:
        cleaned["phone"] = clean_phone(phone, "phone", errors)
    if errors:
        raise _invalid(_("教师信息有误"), errors)
    return cleaned


@transaction.atomic
def add_teacher(
    *,
    actor: Actor,
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
    actor: Actor,
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
def deactivate_teacher(*, actor: Actor, teacher: Teacher, reason: str = "") -> Teacher:
    """Mark a teacher as no longer teaching here (kept for the classes they taught)."""
    return _deactivate(
        actor,
        Teacher,
        teacher.pk,
        perm="providers.change_teacher",
        action="providers.teacher.deactivated",
        reason=(reason or "").strip()[:MAX_REASON],
    )
