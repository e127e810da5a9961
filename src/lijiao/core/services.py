"""Core writes: revealing personal data (an access that is logged like a change)."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from lijiao.audit.services import record_event
from lijiao.core.errors import DomainError, PermissionDenied
from lijiao.core.pii import EncryptedPIIField


@transaction.atomic
def reveal_personal_data(*, actor: Any, obj: models.Model, field_name: str, reason: str = "") -> str:
    """The full value of an encrypted personal field, for a user with ``core.reveal_pii``; logged (SPEC D3)."""
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm("core.reveal_pii")):
        raise PermissionDenied("您无权查看完整个人信息（not allowed to reveal personal data）")
    try:
        field = obj._meta.get_field(field_name)
    except Exception:
        field = None
    if not isinstance(field, EncryptedPIIField):
        raise DomainError.for_fields(
            "该字段不是个人信息字段（not a personal-data field）", {"field": field_name}
        )
    record_event(
        actor=actor,
        action="pii.revealed",
        obj=obj,
        after={"field": field_name, "kind": field.kind.value},
        reason=reason,
    )
    return getattr(obj, field_name) or ""


def record_personal_data_export(*, actor: Any, what: str, rows: int, masked: bool) -> None:
    """Log an export that contains personal data (SPEC C12: every view/export of personal data)."""
    record_event(
        actor=actor,
        action="pii.exported",
        object_type="export",
        object_repr=what[:200],
        after={"rows": rows, "masked": masked},
    )
