"""The demo password hashed once for every demo login, at full strength.

Every demo login has the same published password (:data:`lijiao.demo.DEMO_PASSWORD`); hashing it again for each
of the ~20 logins cost half a second of CPU each with the default PBKDF2 (1.5 million iterations), a fifth of the
whole demo load. While the demo loads, :func:`hash_demo_passwords_once` puts :class:`DemoPasswordHasher` first:
the project's preferred hasher with one salt drawn for this load, each password hashed once. The stored hashes are
ordinary hashes of the preferred hasher (same algorithm and work factor, so Django never re-hashes them at login);
they merely share a salt, which tells nothing about a password that is published anyway. ``create_user`` still
validates the password as for any user; a password changed later is hashed as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.test.utils import override_settings
from django.utils.module_loading import import_string

__all__ = ["DemoPasswordHasher", "hash_demo_passwords_once"]


class DemoPasswordHasher:
    """Stands first in ``PASSWORD_HASHERS`` while the demo loads: encodes with the hasher that follows it (the
    project's preferred one), with one salt, once per password. Verification stays with the real hasher (same
    algorithm name, listed after this one)."""

    def __init__(self) -> None:
        self.preferred: Any = import_string(settings.PASSWORD_HASHERS[1])()
        self.algorithm: str = self.preferred.algorithm
        self._salt: str = self.preferred.salt()
        self._encoded: dict[str, str] = {}

    def salt(self) -> str:
        return self._salt

    def encode(self, password: str, salt: str) -> str:
        if salt != self._salt:
            return str(self.preferred.encode(password, salt))
        if password not in self._encoded:
            self._encoded[password] = self.preferred.encode(password, salt)
        return self._encoded[password]

    def verify(self, password: str, encoded: str) -> bool:
        return bool(self.preferred.verify(password, encoded))

    def must_update(self, encoded: str) -> bool:
        return bool(self.preferred.must_update(encoded))


@contextmanager
def hash_demo_passwords_once() -> Iterator[None]:
    """Inside the block, new passwords are hashed by :class:`DemoPasswordHasher`."""
    hashers = [f"{__name__}.{DemoPasswordHasher.__name__}", *settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield
