"""Who performs a use case: the ``Actor`` every service takes as its explicit ``actor`` argument.

The kernel cannot import the accounts app (it sits below it), so an actor is described by what services use
of it: its identity, whether it is logged in, its permissions, and the scope fields that narrow what it sees.
``lijiao.accounts.models.User`` satisfies this protocol; so does ``AnonymousUser`` for the public pages.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Actor(Protocol):
    """A person (or an integrator's token acting as one) performing a use case."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_superuser(self) -> bool: ...

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...


def is_authenticated(actor: object) -> bool:
    """Whether ``actor`` is a logged-in person (``None`` and anonymous visitors are not)."""
    return bool(getattr(actor, "is_authenticated", False))
