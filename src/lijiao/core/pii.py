"""Personal data (SPEC D3): ID numbers and phones encrypted at rest, searchable by a keyed hash, masked on screen.

A model declares the encrypted value and its lookup digest side by side::

    id_number = EncryptedPIIField(kind=PIIKind.CITIZEN_ID)
    id_number_digest = PIIDigestField(source="id_number")

and finds a row with ``Model.objects.filter(id_number_digest=pii_digest(PIIKind.CITIZEN_ID, raw))``.
The value is encrypted with AES-256-GCM (``cryptography``), tagged with the id of the key that wrote it; the
digest is an HMAC-SHA256 of the canonical value. Both keys are derived (HKDF) from ``LIJIAO_PII_KEY``;
``LIJIAO_PII_OLD_KEYS`` keeps older keys readable while rows are re-encrypted. Showing a full value is a service (:func:`lijiao.audit.services.reveal_personal_data`)
that checks ``core.reveal_pii`` and writes an audit event.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class PIIKind(StrEnum):
    """What a personal value is; decides how it is canonicalised and masked."""

    CITIZEN_ID = "citizen_id"
    PHONE = "phone"
    BANK_ACCOUNT = "bank_account"
    OTHER = "other"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lijiao-pii-v1", info=purpose).derive(
        secret.encode()
    )


@dataclass(frozen=True, slots=True)
class _KeyRing:
    primary_id: str
    ciphers: dict[str, AESGCM]
    digest_key: bytes
    # HMAC-SHA256 (RFC 2104) with the key's inner and outer hash states computed once: a digest is then two
    # hash-state copies, ~4x faster than hmac.digest (which sets up the key on every call) — bulk imports
    # digest every ID number and phone of a file.
    digest_inner: Any
    digest_outer: Any


@cache
def _keys() -> _KeyRing:
    primary = settings.PII_KEY
    if not primary:
        raise ImproperlyConfigured("LIJIAO_PII_KEY is not set: personal data cannot be encrypted.")
    ciphers: dict[str, AESGCM] = {}
    for secret in [primary, *settings.PII_OLD_KEYS]:
        key = _derive(secret, b"encrypt")
        ciphers.setdefault(hashlib.sha256(key).hexdigest()[:8], AESGCM(key))
    primary_id = next(iter(ciphers))
    digest_key = _derive(primary, b"digest")
    block = digest_key.ljust(64, b"\0")  # 32-byte key < SHA-256 block size: zero-padded, never hashed
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return _KeyRing(primary_id, ciphers, digest_key, inner, outer)


def reset_key_cache() -> None:
    """Forget derived keys (tests that change the key setting call this)."""
    _keys.cache_clear()


def canonical(kind: PIIKind | str, value: str) -> str:
    """The form a value is hashed in: ID numbers upper-case, phones digits only."""
    value = value.strip()
    if kind == PIIKind.CITIZEN_ID:
        return value.upper()
    if kind == PIIKind.PHONE:
        digits = value if value.isascii() and value.isdigit() else "".join(ch for ch in value if ch.isdigit())
        return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    return value


def _sealer() -> Callable[[bytes, bytes], str]:
    """``seal(nonce, plain)`` → ``g1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`` under the primary key."""
    ring = _keys()
    encrypt_with = ring.ciphers[ring.primary_id].encrypt
    prefix = f"g1.{ring.primary_id}."
    b64 = base64.urlsafe_b64encode

    def seal(nonce: bytes, plain: bytes) -> str:
        return prefix + b64(nonce + encrypt_with(nonce, plain, None)).decode("ascii")

    return seal


def encrypt(value: str) -> str:
    """``g1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`` with AES-256-GCM and a random 96-bit nonce."""
    return _sealer()(os.urandom(12), value.encode())


def encrypt_many(kind: PIIKind | str, values: Sequence[str]) -> list[str]:
    """What ``EncryptedPIIField`` stores for each of ``values`` (canonicalised, :func:`encrypt`ed; "" stays "").

    For bulk writes: the nonces come from one ``os.urandom`` call (the same CSPRNG, 12 fresh bytes per value) and
    the cipher is looked up once — about twice as fast per value as :func:`encrypt`.
    """
    seal = _sealer()
    nonces = os.urandom(12 * len(values))
    return [
        seal(nonces[offset : offset + 12], canonical(kind, value).encode()) if value else value
        for offset, value in zip(range(0, 12 * len(values), 12), values, strict=True)
    ]


def decrypt(token: str) -> str:
    """The plain value of :func:`encrypt`'s token, under whichever configured key wrote it."""
    try:
        version, key_id, payload = token.split(".", 2)
        cipher = _keys().ciphers[key_id]
        raw = base64.urlsafe_b64decode(payload)
        if version != "g1":
            raise ValueError(version)
        return cipher.decrypt(raw[:12], raw[12:], None).decode()
    except (ValueError, KeyError, InvalidTag):
        raise ImproperlyConfigured(
            "A personal-data value cannot be decrypted with LIJIAO_PII_KEY / LIJIAO_PII_OLD_KEYS."
        ) from None


def pii_digest(kind: PIIKind | str, value: str) -> str:
    """Keyed hash (hex) for exact lookup of a personal value without decrypting anything: HMAC-SHA256 of
    ``<kind>:<canonical value>`` (see :func:`pii_digester`)."""
    return pii_digester(kind)(value)


def pii_digester(kind: PIIKind | str) -> Callable[[str], str]:
    """:func:`pii_digest` for many values of one kind (bulk imports): the key and the kind looked up once.

    The key's inner and outer hash states are computed once (:func:`_keys`): a digest is two hash-state copies,
    ``== hmac.digest(digest_key, message, "sha256")``."""
    kind = kind if kind.__class__ is PIIKind else PIIKind(kind)
    ring = _keys()
    inner_state, outer_state = ring.digest_inner, ring.digest_outer
    prefix = f"{kind.value}:".encode()

    def digest(value: str) -> str:
        inner = inner_state.copy()
        inner.update(prefix + canonical(kind, value).encode())
        outer = outer_state.copy()
        outer.update(inner.digest())
        return str(outer.hexdigest())

    return digest


def mask(kind: PIIKind | str, value: str | None) -> str:
    """Mask for screens and exports: ``2102**********123X``, ``138****5678``."""
    if not value:
        return ""
    if kind == PIIKind.CITIZEN_ID:
        if len(value) <= 8:
            return "*" * len(value)
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if kind == PIIKind.PHONE:
        digits = canonical(kind, value)
        if len(digits) >= 7:
            return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
        return "*" * len(digits)
    if kind == PIIKind.BANK_ACCOUNT:
        return "*" * max(len(value) - 4, 0) + value[-4:]
    return value[:1] + "*" * (len(value) - 1)


class EncryptedPIIField(models.TextField):  # type: ignore[type-arg]
    """A personal value stored encrypted; reads back as plain ``str``. Never filter on it: use its digest."""

    def __init__(self, *args: Any, kind: PIIKind | str = PIIKind.OTHER, **kwargs: Any) -> None:
        self.kind = PIIKind(kind)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind.value
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(canonical(self.kind, str(value)))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"{self.name}: encrypted personal data can only be looked up through its digest")
        return super().get_lookup(lookup_name)


def digest_index(field: str, name: str) -> models.Index:
    """The lookup index of a :class:`PIIDigestField` (declared with ``db_index=False``, in the model's Meta).

    Declared explicitly because a field-level index on PostgreSQL comes with a second ``varchar_pattern_ops``
    index for LIKE, useless on a hash and one more random-key index to maintain on every insert (bulk imports
    write one row per trainee: a third fewer index writes).
    """
    return models.Index(fields=[field], name=name)


def digest_unique(field: str, name: str) -> models.UniqueConstraint:
    """A unique :class:`PIIDigestField` (one row per person), without the LIKE index (see :func:`digest_index`)."""
    return models.UniqueConstraint(fields=[field], name=name)


class PIIDigestField(models.CharField):  # type: ignore[type-arg]
    """The keyed hash of another field's personal value, filled on every save and bulk_create.

    Declare it with ``db_index=False`` and put :func:`digest_index` / :func:`digest_unique` in the model's Meta.
    """

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        self._indexed = bool(kwargs["db_index"])
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("db_index", True), ("editable", False), ("blank", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        if not self._indexed:  # Field.deconstruct leaves out db_index=False, not this field's default
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        source_field = model_instance._meta.get_field(self.source)
        value = getattr(model_instance, self.source)
        kind = getattr(source_field, "kind", PIIKind.OTHER)
        digest = pii_digest(kind, value) if value else ""
        setattr(model_instance, self.attname, digest)
        return digest
