"""``lijiao credential-keygen``: create the Ed25519 key that signs certificate credentials (ADR 0019).

Writes ``LIJIAO_CREDENTIAL_SIGNING_KEY_FILE`` (0600, in a 0700 folder) and its public key beside it (``.pub``).
Never replaces an existing key (``lijiao rotate-credential-key`` does, keeping the old public key);
``--if-missing`` makes an existing key no error (``make install`` uses it).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from lijiao.certificates import signing


class Command(BaseCommand):
    help = "Create the Ed25519 private key that signs certificate credentials, and its public key (.pub)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-missing", action="store_true", help="an existing key is not an error")

    def handle(self, *args: Any, **options: Any) -> None:
        path = signing.signing_key_path()
        exists = path.exists()
        if exists and not options["if_missing"]:
            raise CommandError(_("凭证签名私钥已存在，不会覆盖：%(path)s") % {"path": path})
        kid, created = signing.generate_key_if_missing()
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已生成凭证签名私钥 %(path)s（仅属主可读），公钥标识 %(kid)s")
                    % {"path": path, "kid": kid}
                )
            )
