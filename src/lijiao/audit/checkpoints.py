"""Signed checkpoints of the audit chain, outside the database (ADR 0004).

A checkpoint states "at ``created_at`` the chain ended at event ``sequence`` whose hash was ``head_hash``, and
held ``event_count`` events", signed with an Ed25519 key kept in a file (``LIJIAO_AUDIT_SIGNING_KEY_FILE``).
Each checkpoint is its own file in ``LIJIAO_AUDIT_CHECKPOINT_DIR`` (folder 0700, files 0600, created with
``O_EXCL`` and never rewritten), so the folder only grows; ship it to write-once storage for more. Anyone with
the public key can check a checkpoint, and ``lijiao verify-audit`` compares the database with every one: a cut
tail, a rewound head or an emptied table no longer looks like an intact chain.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT = "lijiao-audit-checkpoint/1"
SUFFIX = ".json"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    sequence: int
    head_hash: str
    event_count: int
    created_at: str  # ISO 8601, UTC
    signer: str  # fingerprint of the public key that signs it

    def message(self) -> bytes:
        """What is signed: the fields as canonical JSON, with the format name."""
        return json.dumps(
            {"format": FORMAT, **asdict(self)}, sort_keys=True, ensure_ascii=True, separators=(",", ":")
        ).encode()


@dataclass(frozen=True, slots=True)
class CheckpointFile:
    """A checkpoint read from its file: ``checkpoint`` when its signature holds, else ``error`` says why not."""

    path: Path
    checkpoint: Checkpoint | None
    error: str = ""  # "unreadable", "unknown_signer", "bad_signature"


# --- keys -------------------------------------------------------------------------------------------------


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _make_private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) owner-only (0700); an existing folder is left as it is."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
            path.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened; make it exact


def _write_new_file(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a file that must not exist yet (``O_EXCL``; :class:`FileExistsError` otherwise), owner-only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def generate_signing_key(path: Path) -> Ed25519PublicKey:
    """Create a new Ed25519 private key file (0600, in a 0700 folder) and its public key beside it (``.pub``)."""
    _make_private_dir(path.parent)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_new_file(path, pem)
    public = key.public_key()
    public_path = path.with_name(path.name + ".pub")
    with contextlib.suppress(FileExistsError):
        _write_new_file(
            public_path,
            public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            0o644,
        )
    return public


def load_signing_key() -> Ed25519PrivateKey:
    """The private key of ``AUDIT_SIGNING_KEY_FILE``; created on first use only when
    ``AUDIT_SIGNING_KEY_AUTOCREATE`` (development), else missing is :class:`ImproperlyConfigured`."""
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not path.exists():
        if not settings.AUDIT_SIGNING_KEY_AUTOCREATE:
            raise ImproperlyConfigured(
                f"The audit signing key {path} does not exist (LIJIAO_AUDIT_SIGNING_KEY_FILE; "
                "create it with `lijiao audit-keygen`)."
            )
        with contextlib.suppress(FileExistsError):  # another process created it first
            generate_signing_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The audit signing key {path} is not an Ed25519 private key.")
    return key


def _load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"The audit checkpoint key {path} cannot be read: {exc}") from None
    key: Any = None
    with contextlib.suppress(ValueError):
        key = serialization.load_pem_public_key(data)
    if key is None:
        with contextlib.suppress(ValueError, TypeError):
            key = serialization.load_pem_private_key(data, password=None).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 key.")
    return key


def verify_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys a checkpoint may be signed with, by fingerprint: ``AUDIT_VERIFY_KEY_FILES`` (older
    signing keys, or the only keys on a host that verifies without signing) and the signing key's own."""
    keys: dict[str, Ed25519PublicKey] = {}
    paths: list[Path] = [Path(p) for p in settings.AUDIT_VERIFY_KEY_FILES]
    own = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if own.exists():
        paths.append(own)
    for path in paths:
        key = _load_public_key(path)
        keys[fingerprint(key)] = key
    return keys


# --- checkpoint files -------------------------------------------------------------------------------------


def _file_name(checkpoint: Checkpoint) -> str:
    stamp = (
        checkpoint.created_at.replace("-", "").replace(":", "").replace("+0000", "Z").replace("+00:00", "Z")
    )
    return f"checkpoint-{checkpoint.sequence:012d}-{stamp}{SUFFIX}"


def sign(
    key: Ed25519PrivateKey, *, sequence: int, head_hash: str, event_count: int, now: dt.datetime
) -> dict[str, Any]:
    """A checkpoint record (the fields, ``format`` and a base64 ``signature``) ready to be written."""
    checkpoint = Checkpoint(
        sequence=sequence,
        head_hash=head_hash,
        event_count=event_count,
        created_at=now.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        signer=fingerprint(key.public_key()),
    )
    signature = base64.b64encode(key.sign(checkpoint.message())).decode("ascii")
    return {"format": FORMAT, **asdict(checkpoint), "signature": signature}


def write(record: dict[str, Any], folder: Path | None = None) -> Path:
    """Write a signed record as a new file of the checkpoint folder (never replacing one); its path."""
    folder = Path(folder or settings.AUDIT_CHECKPOINT_DIR)
    _make_private_dir(folder)
    fields = {name: record[name] for name in Checkpoint.__dataclass_fields__}
    path = folder / _file_name(Checkpoint(**fields))
    data = json.dumps(record, sort_keys=True, ensure_ascii=True, indent=1).encode() + b"\n"
    _write_new_file(path, data)
    with contextlib.suppress(OSError):  # make the new name durable too
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def _parse(data: bytes) -> tuple[Checkpoint, bytes]:
    record = json.loads(data)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError("not a checkpoint")
    if type(record["sequence"]) is not int or type(record["event_count"]) is not int:
        raise ValueError("not a checkpoint")
    checkpoint = Checkpoint(
        sequence=record["sequence"],
        head_hash=str(record["head_hash"]),
        event_count=record["event_count"],
        created_at=str(record["created_at"]),
        signer=str(record["signer"]),
    )
    return checkpoint, base64.b64decode(str(record["signature"]), validate=True)


def read_file(path: Path, keys: dict[str, Ed25519PublicKey]) -> CheckpointFile:
    """One checkpoint file, its signature checked against ``keys``."""
    try:
        checkpoint, signature = _parse(path.read_bytes())
    except (OSError, ValueError, KeyError, TypeError):
        return CheckpointFile(path, None, "unreadable")
    key = keys.get(checkpoint.signer)
    if key is None:
        return CheckpointFile(path, None, "unknown_signer")
    try:
        key.verify(signature, checkpoint.message())
    except InvalidSignature:
        return CheckpointFile(path, None, "bad_signature")
    return CheckpointFile(path, checkpoint)


def checkpoint_paths(folder: Path | None = None) -> list[Path]:
    """Every file of the checkpoint folder (anything there is either a valid checkpoint or a finding)."""
    folder = Path(folder or settings.AUDIT_CHECKPOINT_DIR)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def read_all(
    folder: Path | None = None, keys: dict[str, Ed25519PublicKey] | None = None
) -> list[CheckpointFile]:
    """Every checkpoint file, oldest sequence first, each with its signature checked."""
    keys = verify_keys() if keys is None else keys
    return [read_file(path, keys) for path in checkpoint_paths(folder)]


def latest(files: Iterable[CheckpointFile]) -> Checkpoint | None:
    """The valid checkpoint with the highest sequence (the newest among equals)."""
    valid = [f.checkpoint for f in files if f.checkpoint is not None]
    return max(valid, key=lambda c: (c.sequence, c.created_at), default=None)


def is_private(path: Path) -> bool:
    """Whether only the owner may read or write ``path``."""
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def latest_valid(folder: Path | None = None) -> Checkpoint | None:
    """The newest validly signed checkpoint, reading from the newest file name back only until one holds (names
    sort by sequence, then time): the task's start, without reading the whole folder each time."""
    keys = verify_keys()
    for path in reversed(checkpoint_paths(folder)):
        checkpoint = read_file(path, keys).checkpoint
        if checkpoint is not None:
            return checkpoint
    return None
