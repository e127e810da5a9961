"""``lijiao rotate-credential-key``: replace the key that signs certificate credentials (ADR 0019).

The old public key is kept in ``retired/`` beside the key file and stays in ``/.well-known/jwks.json``, so every
credential signed before still verifies; new credentials and status lists are signed with the new key. Audited.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lijiao.certificates.services.credentials import rotate_credential_key


class Command(BaseCommand):
    help = (
        "Rotate the credential signing key; the old public key stays in the JWKS so old credentials verify."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            old, new = rotate_credential_key(actor=None)
        except ImproperlyConfigured as exc:
            raise CommandError(_("无法轮换凭证签名密钥：%(error)s") % {"error": exc}) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("凭证签名密钥已轮换：新公钥标识 %(new)s；旧公钥 %(old)s 仍在公钥集中，已签发的凭证继续有效")
                % {"new": new, "old": old}
            )
        )
