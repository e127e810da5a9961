"""Deployment checks of the audit chain's keys and checkpoint folder (``lijiao check --deploy``; ADR 0004)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from lijiao.audit.checkpoints import is_private


@register(Tags.security, deploy=True)
def audit_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if not settings.AUDIT_KEY:
        messages.append(
            Error(
                "LIJIAO_AUDIT_KEY is not set: audit events cannot be written or verified.",
                hint="Set it to a long random secret kept outside the database (ADR 0004).",
                id="audit.E001",
            )
        )
    key_file = Path(settings.AUDIT_SIGNING_KEY_FILE)
    if not key_file.exists():
        if not settings.AUDIT_SIGNING_KEY_AUTOCREATE:
            messages.append(
                Error(
                    f"The audit checkpoint signing key {key_file} does not exist.",
                    hint="Create it with `lijiao audit-keygen` (LIJIAO_AUDIT_SIGNING_KEY_FILE).",
                    id="audit.E002",
                )
            )
    elif not is_private(key_file):
        messages.append(
            Error(
                f"The audit checkpoint signing key {key_file} is readable by others.",
                hint=f"chmod 600 {key_file}",
                id="audit.E003",
            )
        )
    folder = Path(settings.AUDIT_CHECKPOINT_DIR)
    if folder.exists() and not is_private(folder):
        messages.append(
            Warning(
                f"The audit checkpoint folder {folder} is open to other users.",
                hint=f"chmod 700 {folder}",
                id="audit.W001",
            )
        )
    return messages
