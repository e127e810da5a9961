"""One permission check for every service and API handler: refuse before anything is looked up.

Services call ``require_perm(actor, "app.codename")`` first, so a refused caller learns nothing about which
objects exist. Object scope (handling area, own provider) is applied afterwards by the app's selectors.
"""

from __future__ import annotations

from lijiao.core.actors import is_authenticated
from lijiao.core.errors import PermissionDenied


def has_any_perm(actor: object, *perms: str) -> bool:
    """Whether ``actor`` is logged in and holds at least one of ``perms``."""
    if not is_authenticated(actor):
        return False
    has_perm = actor.has_perm  # type: ignore[attr-defined]
    return any(has_perm(perm) for perm in perms)


def require_perm(actor: object, *perms: str, message: str | None = None) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` holds at least one of ``perms``."""
    if not perms:
        raise ValueError("require_perm needs at least one permission")
    if not has_any_perm(actor, *perms):
        raise PermissionDenied(message) if message else PermissionDenied()
