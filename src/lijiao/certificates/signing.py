"""The bureau's credential signing keys (ADR 0019): an Ed25519 private key in a file, its public keys as a JWKS.

The private key (``CREDENTIAL_SIGNING_KEY_FILE``, 0600 in a 0700 folder, written like the audit signing key by
:func:`lijiao.audit.checkpoints.generate_signing_key`) signs every credential and status list. A key is named by
its ``kid``, the RFC 7638 JWK thumbprint of its public key, so a verifier finds it in ``/.well-known/jwks.json``.

Rotation (:func:`rotate_signing_key`, ``lijiao rotate-credential-key``) keeps the old *public* key in the folder
``retired/`` beside the private key and replaces the private key atomically; the old private key is gone, so it
can sign nothing more, while everything it signed still verifies: the JWKS serves the current key, every retired
one and those listed in ``CREDENTIAL_VERIFY_KEY_FILES`` (e.g. on a host that only verifies).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc.jwk import OKPKey

from lijiao.audit.checkpoints import generate_signing_key

ALGORITHM = "EdDSA"  # RFC 8037; the fully specified "Ed25519" (RFC 9864) is not yet read by most VC verifiers
RETIRED_DIR = "retired"


@dataclass(frozen=True, slots=True)
class SigningKey:
    """The current private key and its ``kid``."""

    kid: str
    key: OKPKey


def kid_of(public: Ed25519PublicKey) -> str:
    """The key's name: its RFC 7638 JWK thumbprint (base64url SHA-256 of the canonical public JWK)."""
    return str(OKPKey.import_key(public).thumbprint())


def public_jwk(public: Ed25519PublicKey) -> dict[str, Any]:
    """The public key as a JWK with its ``kid``, ``alg`` and ``use``."""
    jwk: dict[str, Any] = dict(OKPKey.import_key(public).as_dict(private=False))
    return {**jwk, "kid": kid_of(public), "alg": ALGORITHM, "use": "sig"}


def signing_key_path() -> Path:
    return Path(settings.CREDENTIAL_SIGNING_KEY_FILE)


def retired_dir() -> Path:
    return signing_key_path().parent / RETIRED_DIR


_cache: dict[tuple[str, int, int], Any] = {}


def _read_key_file(path: Path) -> Any:
    """A private or public key read from PEM, cached by the file's identity (a rotated file is read again)."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ImproperlyConfigured(f"The credential key {path} cannot be read: {exc}") from None
    cache_key = (str(path), info.st_mtime_ns, info.st_ino)
    if cache_key in _cache:
        return _cache[cache_key]
    data = path.read_bytes()
    key: Any = None
    with contextlib.suppress(ValueError, TypeError):
        key = serialization.load_pem_private_key(data, password=None)
    if key is None:
        with contextlib.suppress(ValueError):
            key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PrivateKey | Ed25519PublicKey):
        raise ImproperlyConfigured(f"The credential key {path} is not an Ed25519 key.")
    _cache[cache_key] = key
    return key


def _private_key() -> Ed25519PrivateKey:
    path = signing_key_path()
    if not path.exists():
        if not settings.CREDENTIAL_SIGNING_KEY_AUTOCREATE:
            raise ImproperlyConfigured(
                f"The credential signing key {path} does not exist (LIJIAO_CREDENTIAL_SIGNING_KEY_FILE; "
                "create it with `lijiao credential-keygen`)."
            )
        with contextlib.suppress(FileExistsError):  # another process created it first
            generate_signing_key(path)
    key = _read_key_file(path)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The credential signing key {path} is not an Ed25519 private key.")
    return key


def signing_key() -> SigningKey:
    """The current signing key (created on first use in development only)."""
    private = _private_key()
    return SigningKey(kid=kid_of(private.public_key()), key=OKPKey.import_key(private))


def verify_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key a credential of ours may be signed with, by ``kid``: current, retired, listed."""
    keys: dict[str, Ed25519PublicKey] = {}
    paths = [Path(p) for p in settings.CREDENTIAL_VERIFY_KEY_FILES]
    folder = retired_dir()
    if folder.is_dir():
        paths += sorted(p for p in folder.iterdir() if p.suffix == ".pem")
    for path in paths:
        key = _read_key_file(path)
        public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
        keys[kid_of(public)] = public
    if signing_key_path().exists() or settings.CREDENTIAL_SIGNING_KEY_AUTOCREATE:
        public = _private_key().public_key()
        keys[kid_of(public)] = public
    return keys


def jwks() -> dict[str, Any]:
    """The JWK Set served at ``/.well-known/jwks.json``: the current key first, then the older ones."""
    keys = verify_keys()
    current = kid_of(_private_key().public_key()) if signing_key_path().exists() else None
    ordered = sorted(keys.items(), key=lambda item: (item[0] != current, item[0]))
    return {"keys": [public_jwk(public) for _kid, public in ordered]}


def _write_public(path: Path, public: Ed25519PublicKey) -> None:
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)


def generate_key_if_missing() -> tuple[str, bool]:
    """Create the signing key when there is none: its ``kid`` and whether it was created now."""
    path = signing_key_path()
    created = False
    if not path.exists():
        try:
            generate_signing_key(path)
            created = True
        except FileExistsError:
            pass
    return kid_of(_private_key().public_key()), created


def rotate_signing_key() -> tuple[str, str]:
    """Retire the current key (its public key kept in ``retired/``) and put a new one in its place.

    Returns ``(old kid, new kid)``. The new key is written beside the old one and renamed over it (atomic), so a
    process signing meanwhile uses one key or the other, never a half-written file.
    """
    path = signing_key_path()
    old = _private_key().public_key()
    old_kid = kid_of(old)
    folder = retired_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # retired already by an interrupted rotation
        _write_public(folder / f"{old_kid}.pem", old)
    staging = path.with_name(path.name + ".new")
    for stale in (staging, staging.with_name(staging.name + ".pub")):
        stale.unlink(missing_ok=True)
    new_public = generate_signing_key(staging)
    os.replace(staging, path)
    os.replace(staging.with_name(staging.name + ".pub"), path.with_name(path.name + ".pub"))
    return old_kid, kid_of(new_public)
