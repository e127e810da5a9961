"""``lijiao verify-credential FILE [--status-list FILE] [--online] [--jwks FILE|URL]`` (ADR 0019).

Checks a certificate's credential (the ``.jwt`` file, or the API's JSON with a ``jwt`` field): the EdDSA
signature under the key its ``kid`` names in the JWKS (a file or URL; by default this installation's current and
retired keys), the shape and the dates (``validFrom``, ``validUntil``), and revocation — offline from a saved
status list (``--status-list``, the VC-JWT served at the credential's ``statusListCredential``) or ``--online``
by fetching it. Prints the result in Chinese; exit status 0 valid and not revoked, 1 invalid (forged, altered,
not yet valid or expired), 2 revoked, 3 revocation not checked (no status list, or it could not be used).
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.certificates import signing, vc

EXIT = {"valid": 0, "invalid": 1, "revoked": 2, "unchecked": 3}
MAX_DOWNLOAD = 4 * 1024 * 1024
TIMEOUT_SECONDS = 10


def _problem_text(code: str) -> str:
    texts = {
        "malformed": _("文件不是 VC-JWT 格式"),
        "algorithm": _("签名算法不是 EdDSA"),
        "unknown_key": _("签名公钥不在公钥集中（可能是伪造，或公钥集不是发证机关的）"),
        "signature": _("签名校验失败：内容已被改动或不是发证机关签发"),
        "not_open_badge": _("不是 Open Badges 凭证"),
        "valid_from_missing": _("缺少生效时间"),
        "not_yet_valid": _("尚未生效"),
        "expired": _("已过有效期"),
        "status_not_checked": _(
            "未核对撤销状态（请用 --status-list 指定已保存的状态列表，或用 --online 在线获取）"
        ),
        "status_missing": _("凭证未声明撤销状态列表"),
        "status_list_unusable": _("状态列表无法读取或与凭证不对应"),
        "status_list_malformed": _("状态列表不是 VC-JWT 格式"),
        "status_list_algorithm": _("状态列表的签名算法不是 EdDSA"),
        "status_list_unknown_key": _("状态列表的签名公钥不在公钥集中"),
        "status_list_signature": _("状态列表签名校验失败"),
    }
    return texts.get(code, code)


def _fetch(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise OSError("not http")
    request = urllib.request.Request(url, headers={"Accept": "application/vc+jwt, application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  (http(s) only)
        data: bytes = response.read(MAX_DOWNLOAD + 1)
    if len(data) > MAX_DOWNLOAD:
        raise OSError("too large")
    return data.decode("utf-8")


def _read(source: str) -> str:
    if source.startswith(("https://", "http://")):
        return _fetch(source)
    return Path(source).read_text(encoding="utf-8")


def _token(text: str) -> str:
    text = text.strip()
    if text.startswith("{"):
        data = json.loads(text)
        if isinstance(data, dict) and isinstance(data.get("jwt"), str):
            return str(data["jwt"])
    return text


class Command(BaseCommand):
    help = (
        "Verify a certificate's verifiable credential: signature, dates and revocation (offline or online)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the credential (.jwt, or the API's JSON)")
        parser.add_argument("--status-list", help="a saved status list (the VC-JWT at statusListCredential)")
        parser.add_argument("--online", action="store_true", help="fetch the status list from its URL")
        parser.add_argument(
            "--jwks", help="the issuer's JWKS, a file or URL (default: this installation's keys)"
        )

    def _jwks(self, source: str | None) -> dict[str, Any]:
        try:
            data = json.loads(_read(source)) if source else signing.jwks()
        except (OSError, ValueError, ImproperlyConfigured) as exc:
            raise CommandError(_("无法读取公钥集：%(error)s") % {"error": exc}) from exc
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise CommandError(_("公钥集格式不对（应为含 keys 的 JWK Set）"))
        return data

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = _token(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            raise CommandError(_("无法读取凭证文件：%(error)s") % {"error": exc}) from exc
        jwks = self._jwks(options["jwks"])
        status_source = options["status_list"]
        status_list = None
        if status_source:

            def status_list(url: str) -> str:
                return _read(status_source)

        elif options["online"]:
            status_list = _fetch
        result = vc.verify_credential(token, jwks, now=timezone.now(), status_list=status_list)
        self._report(result)
        sys.exit(EXIT[result.status])

    def _report(self, result: vc.Verification) -> None:
        subject = result.credential.get("credentialSubject", {}) if result.credential else {}
        if isinstance(subject, dict) and subject:
            lines = [
                (_("证书编号"), subject.get("certificateNumber", "")),
                (_("持证人"), next((i.get("identityHash", "") for i in subject.get("identifier", [])), "")),
                (_("证书"), subject.get("achievement", {}).get("name", "")),
                (_("生效时间"), str(result.credential.get("validFrom", ""))[:10]),
                (_("签名公钥"), result.kid),
            ]
            for label, value in lines:
                self.stdout.write(f"{label}：{value}")
        problems = "；".join(_problem_text(code) for code in result.problems)
        if result.status == "valid":
            self.stdout.write(
                self.style.SUCCESS(
                    _("凭证有效：签名正确，未被撤销（状态列表生成于 %(time)s）")
                    % {"time": result.status_list_from}
                )
            )
        elif result.status == "revoked":
            self.stdout.write(self.style.ERROR(_("凭证已撤销：发证机关的状态列表已将其标记为撤销")))
        elif result.status == "unchecked":
            self.stdout.write(
                self.style.WARNING(_("签名有效，但撤销状态未核对：%(why)s") % {"why": problems})
            )
        else:
            self.stdout.write(self.style.ERROR(_("凭证无效：%(why)s") % {"why": problems}))
