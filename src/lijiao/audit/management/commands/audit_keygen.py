"""``lijiao audit-keygen``: create the Ed25519 key that signs audit checkpoints (``LIJIAO_AUDIT_SIGNING_KEY_FILE``).

Writes the private key (0600, in a 0700 folder) and its public key beside it (``.pub``, for verifying on
another host with ``LIJIAO_AUDIT_VERIFY_KEY_FILES``). Never replaces an existing key; ``--if-missing`` makes an
existing key no error (``make install`` uses it).
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lijiao.audit.checkpoints import fingerprint, generate_signing_key


class Command(BaseCommand):
    help = "Create the Ed25519 private key that signs audit checkpoints, and its public key (.pub)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", help="key file (default: LIJIAO_AUDIT_SIGNING_KEY_FILE)")
        parser.add_argument("--if-missing", action="store_true", help="an existing key is not an error")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"] or settings.AUDIT_SIGNING_KEY_FILE)
        if path.exists():
            if options["if_missing"]:
                return
            raise CommandError(_("签名私钥已存在，不会覆盖：%(path)s") % {"path": path})
        try:
            public = generate_signing_key(path)
        except FileExistsError:
            raise CommandError(_("签名私钥已存在，不会覆盖：%(path)s") % {"path": path}) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("已生成检查点签名私钥 %(path)s（仅属主可读）和公钥 %(public)s，公钥指纹 %(fingerprint)s")
                % {"path": path, "public": f"{path}.pub", "fingerprint": fingerprint(public)}
            )
        )
