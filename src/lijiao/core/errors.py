"""Domain errors shared by every app: a machine code, a message for people, and optional field errors.

Services raise these; views turn them into form errors and the API into a 400/409 JSON body
``{"code": ..., "message": ..., "errors": [{"field": ..., "message": ...}]}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field (``field`` may be ``"__all__"``)."""

    field: str
    message: str


@dataclass(slots=True)
class DomainError(Exception):
    """A request the domain refuses; nothing has been written when it is raised."""

    message: str
    code: str = "invalid"
    errors: Sequence[FieldError] = field(default_factory=tuple)
    status: int = 400

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    def __str__(self) -> str:
        return self.message

    @classmethod
    def for_fields(cls, message: str, fields: Mapping[str, str], code: str = "invalid") -> DomainError:
        return cls(message=message, code=code, errors=tuple(FieldError(k, v) for k, v in fields.items()))

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "errors": [{"field": e.field, "message": e.message} for e in self.errors],
        }


class PermissionDenied(DomainError):
    """The actor may not do this."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message=message or _("您没有执行此操作的权限"), code="permission_denied", status=403)


class NotFound(DomainError):
    """The object does not exist or is outside the actor's scope (the two are not told apart)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message=message or _("对象不存在"), code="not_found", status=404)


class Conflict(DomainError):
    """The object changed state meanwhile (e.g. a concurrent transition won)."""

    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message=message, code=code, status=409)
