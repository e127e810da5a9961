"""The user row behind an :class:`~lijiao.core.actors.Actor`, for the "recorded by" columns of training rows."""

from __future__ import annotations

from lijiao.accounts.models import User
from lijiao.core.actors import Actor

__all__ = ["user_of"]


def user_of(actor: Actor | None) -> User | None:
    """The :class:`~lijiao.accounts.models.User` acting (an integrator's token acts as its user), else None."""
    return actor if isinstance(actor, User) else None
