"""Printable certificates and verifiable credentials (ADR 0019): the PDF (embedded font, QR code), the Open Badges
3.0 VC-JWT (signature, alteration, revocation, key rotation), the status list, the JWKS, the CLI and who may
download what."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.certificates import signing, vc
from lijiao.certificates.models import Certificate, CertificateType, EvaluatingBody
from lijiao.certificates.services import credentials as services
from lijiao.core.pii import PIIKind, mask
from lijiao.training.models import ClassStatus, Enrollment, TrainingClass
from tests.certificates.conftest import make_certificate, make_person
from tests.query_budget import assert_constant, queries
from tests.training.conftest import make_class

pytestmark = pytest.mark.django_db

BASE = "https://px.example.gov.cn"  # PUBLIC_BASE_URL of the test settings
BATCH_BUDGET = 14  # session, user, permissions, the class, its certificates, the audit event
DOWNLOAD_BUDGET = 13  # session, user, permissions, the certificate with its holder, the audit event


# ---------------------------------------------------------------------------------------------------------------
# helpers


@pytest.fixture(autouse=True)
def _own_signing_key(settings: Any, tmp_path: Path) -> None:
    """A signing key of this test's own (a rotation in one test must not show in another)."""
    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "credentials" / "signing-key.pem"
    settings.CREDENTIAL_VERIFY_KEY_FILES = []


def revoke(certificate: Certificate, on: dt.date | None = None) -> Certificate:
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_on = on or timezone.localdate()
    certificate.revoked_reason = "测试撤销"
    certificate.save()
    return certificate


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def qr_texts(data: bytes) -> list[str]:
    """The text of every QR code in the PDF's images, decoded with zxing-cpp (the image as printed)."""
    texts = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            texts += [result.text for result in zxingcpp.read_barcodes(picture)]
    return texts


def fonts(data: bytes) -> list[dict[str, Any]]:
    """Every font dictionary the pages use, with its descendant's descriptor."""
    found = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object().get("/FontDescriptor")
            found.append(
                {"base": str(font["/BaseFont"]), "descriptor": descriptor and descriptor.get_object()}
            )
    return found


def current_jwks() -> dict[str, Any]:
    return signing.jwks()


def status_list_for(token: str) -> Callable[[str], str]:
    """A fetcher answering the status list the credential names, as the server serves it now."""

    def fetch(url: str) -> str:
        list_id = int(url.rsplit("/", 1)[-1])
        return services.status_list(list_id).jwt

    return fetch


def tamper(token: str, position: int) -> str:
    """The token with one character changed at ``position`` (another base64url character)."""
    old = token[position]
    new = "A" if old != "A" else "B"
    return token[:position] + new + token[position + 1 :]


@pytest.fixture
def certificate(social_body: EvaluatingBody) -> Certificate:
    holder = make_person("王小明")
    return make_certificate(holder, body=social_body, site=social_body.sites.get())


# ---------------------------------------------------------------------------------------------------------------
# The PDF


def test_pdf_embeds_a_truetype_cjk_font_and_prints_the_fields(
    certificate: Certificate, city_admin: User
) -> None:
    data = services.print_certificate(actor=city_admin, certificate=certificate)
    assert data.startswith(b"%PDF")
    used = fonts(data)
    assert used, "the page uses no font"
    standard = {"/Helvetica", "/Times-Roman", "/Courier", "/STSong-Light", "/Symbol", "/ZapfDingbats"}
    assert all(font["base"] not in standard for font in used), used
    assert all(font["descriptor"] is not None and "/FontFile2" in font["descriptor"] for font in used), (
        "every font is an embedded TrueType program (/FontFile2)"
    )
    text = pdf_text(data)
    for expected in ("职业技能等级证书", "王小明", certificate.number, "四级/中级工", "电工", "有效"):
        assert expected in text, expected
    holder_id = certificate.holder.citizen_id
    assert holder_id not in text, "the full ID number is never printed"
    assert mask(PIIKind.CITIZEN_ID, holder_id) in text


def test_pdf_qr_code_decodes_to_the_verification_link(certificate: Certificate, city_admin: User) -> None:
    data = services.print_certificate(actor=city_admin, certificate=certificate)
    assert qr_texts(data) == [f"{BASE}/certificates/v/{certificate.verification_token}"]


def test_a_revoked_certificate_prints_stamped_as_revoked(certificate: Certificate, city_admin: User) -> None:
    valid_text = pdf_text(services.print_certificate(actor=city_admin, certificate=certificate))
    assert "已撤销" not in valid_text
    revoke(certificate, dt.date(2026, 3, 2))
    text = pdf_text(services.print_certificate(actor=city_admin, certificate=certificate))
    assert "已撤销" in text
    assert "本证书已于 2026-03-02 撤销，不再有效" in text


def test_printing_is_audited(certificate: Certificate, city_admin: User) -> None:
    services.print_certificate(actor=city_admin, certificate=certificate)
    event = AuditEvent.objects.get(action="certificates.certificate.printed")
    assert event.object_id == str(certificate.pk) and event.actor == city_admin


@pytest.fixture
def finished_class(provider: Any, training_ref: dict[str, Any], program: Any) -> TrainingClass:
    return make_class(
        provider, training_ref["items"]["electrician5"], status=ClassStatus.FINISHED, program=program
    )


def class_certificates(training_class: TrainingClass, count: int) -> list[Certificate]:
    made = []
    for n in range(count):
        person = make_person(f"学员{n}")
        enrollment = Enrollment.objects.create(training_class=training_class, person=person)
        made.append(
            make_certificate(
                person,
                certificate_type=CertificateType.TRAINING,
                number=f"PX{training_class.pk:04d}{n:04d}{timezone.now().microsecond:06d}",
                level=None,
                enrollment=enrollment,
                training_class=training_class,
                source=Certificate.Source.COMPLETION,
            )
        )
    return made


def test_class_batch_is_one_pdf_with_a_page_per_valid_certificate(
    finished_class: TrainingClass, provider_staff: User
) -> None:
    made = class_certificates(finished_class, 3)
    revoke(made[0])
    client = Client()
    client.force_login(provider_staff)
    response = client.get(reverse("certificates:class_certificates_pdf", args=[finished_class.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 2
    assert sorted(qr_texts(data)) == sorted(f"{BASE}/certificates/v/{c.verification_token}" for c in made[1:])
    assert "培训合格证" in pdf_text(data)
    assert AuditEvent.objects.filter(action="certificates.class.printed").count() == 1


def test_class_batch_scope(
    finished_class: TrainingClass,
    other_provider_staff: User,
    evaluator: User,
    clerk: User,
    clerk_elsewhere: User,
    make_user: Callable[..., User],
) -> None:
    class_certificates(finished_class, 1)
    url = reverse("certificates:class_certificates_pdf", args=[finished_class.pk])
    expected = {
        other_provider_staff: 404,  # another provider's class: like an unknown id
        evaluator: 403,  # evaluating bodies do not read classes
        clerk: 200,  # the class's area
        clerk_elsewhere: 404,
        make_user(Role.WORKER): 403,
        make_user(Role.LEADERSHIP): 200,
    }
    for user, status in expected.items():
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    assert Client().get(url).status_code == 302  # to the login page


def test_batch_of_500_certificates_renders_in_one_file(
    finished_class: TrainingClass, city_admin: User, record_property: Callable[[str, Any], None]
) -> None:
    holder = make_person("批量")
    pages = [
        services._printed(c)
        for c in [
            make_certificate(holder, number=f"S0001212102012{n:08d}", status_index=5_000_000 + n)
            for n in range(500)
        ]
    ]
    started = timezone.now()
    data = services.certificates_pdf(pages, services.issuer(), title="batch", printed_at="now")
    seconds = (timezone.now() - started).total_seconds()
    record_property("batch_500_seconds", seconds)
    print(f"500-certificate batch PDF: {seconds:.2f} s, {len(data) / 1024:.0f} KiB")  # noqa: T201
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 500
    assert seconds < 60


# ---------------------------------------------------------------------------------------------------------------
# The credential


def test_credential_is_an_open_badge_vc_jwt_signed_with_the_bureau_key(
    certificate: Certificate, city_admin: User
) -> None:
    exported = services.export_credential(actor=city_admin, certificate=certificate)
    header = vc.unverified_header(exported.jwt)
    assert header == {"alg": "EdDSA", "kid": signing.signing_key().kid, "typ": "vc+jwt", "cty": "vc"}
    credential = exported.credential
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == f"{BASE}/credentials/issuer"
    assert credential["issuer"]["type"] == ["Profile"]
    assert credential["validFrom"] == f"{certificate.issued_on.isoformat()}T00:00:00+08:00"
    subject = credential["credentialSubject"]
    assert subject["certificateNumber"] == certificate.number
    assert subject["level"] == 4 and subject["levelName"] == "四级/中级工"
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["identifier"][0]["identityHash"] == "王小明"
    list_id, index = divmod(certificate.status_index, vc.STATUS_LIST_SIZE)
    assert credential["credentialStatus"] == {
        "id": f"{BASE}/credentials/status/{list_id}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": f"{BASE}/credentials/status/{list_id}",
    }
    result = vc.verify_credential(
        exported.jwt, current_jwks(), now=timezone.now(), status_list=status_list_for(exported.jwt)
    )
    assert result.status == "valid", result.problems
    assert AuditEvent.objects.filter(action="certificates.certificate.credential_exported").count() == 1


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_credential_fails_after_one_character_changes(
    certificate: Certificate, city_admin: User, part: str
) -> None:
    token = services.export_credential(actor=city_admin, certificate=certificate).jwt
    header, payload, _signature = token.split(".")
    position = {
        "header": len(header) // 2,
        "payload": len(header) + 1 + len(payload) // 2,
        "signature": len(header) + len(payload) + 10,
    }[part]
    result = vc.verify_credential(tamper(token, position), current_jwks(), now=timezone.now())
    assert result.status == "invalid"
    assert result.problems[0] in {"signature", "malformed", "unknown_key", "algorithm"}


def test_credential_fails_after_revocation(certificate: Certificate, city_admin: User) -> None:
    token = services.export_credential(actor=city_admin, certificate=certificate).jwt
    revoke(certificate)
    result = vc.verify_credential(
        token, current_jwks(), now=timezone.now(), status_list=status_list_for(token)
    )
    assert result.status == "revoked"


def test_credential_signed_by_an_unknown_key_fails(certificate: Certificate, city_admin: User) -> None:
    token = services.export_credential(actor=city_admin, certificate=certificate).jwt
    stranger = {"keys": [signing.public_jwk(Ed25519PrivateKey.generate().public_key())]}
    assert vc.verify_credential(token, stranger, now=timezone.now()).problems == ["unknown_key"]


def test_credential_not_yet_valid_or_expired_fails(certificate: Certificate, city_admin: User) -> None:
    key = signing.signing_key()
    payload = services.export_credential(actor=city_admin, certificate=certificate).credential
    early = vc.sign(payload | {"validFrom": "2999-01-01T00:00:00+08:00"}, key=key.key, kid=key.kid)
    expired = vc.sign(payload | {"validUntil": "2020-01-01T00:00:00Z"}, key=key.key, kid=key.kid)
    assert vc.verify_credential(early, current_jwks(), now=timezone.now()).problems == ["not_yet_valid"]
    assert vc.verify_credential(expired, current_jwks(), now=timezone.now()).problems == ["expired"]


def test_credential_still_verifies_after_key_rotation(certificate: Certificate, city_admin: User) -> None:
    before = services.export_credential(actor=city_admin, certificate=certificate)
    old_kid, new_kid = services.rotate_credential_key(actor=city_admin)
    assert old_kid == before.kid != new_kid
    assert signing.signing_key().kid == new_kid
    kids = [key["kid"] for key in current_jwks()["keys"]]
    assert kids[0] == new_kid and old_kid in kids
    result = vc.verify_credential(
        before.jwt, current_jwks(), now=timezone.now(), status_list=status_list_for(before.jwt)
    )
    assert result.status == "valid" and result.kid == old_kid  # the status list is signed by the new key
    after = services.export_credential(actor=city_admin, certificate=certificate)
    assert after.kid == new_kid
    assert vc.verify_credential(after.jwt, current_jwks(), now=timezone.now()).status == "unchecked"
    assert AuditEvent.objects.filter(action="certificates.credential_key.rotated").count() == 1
    # the old private key is gone: only its public key is kept
    retired = signing.retired_dir() / f"{old_kid}.pem"
    assert b"PRIVATE" not in retired.read_bytes()
    assert oct(signing.signing_key_path().stat().st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------------------------------------------------------
# The status list and the JWKS


def test_status_list_decodes_to_the_revoked_bits(social_body: EvaluatingBody) -> None:
    list_id = 7
    start = list_id * vc.STATUS_LIST_SIZE
    revoked_at = [0, 5, 9, 131_071]
    for offset in revoked_at:
        revoke(make_certificate(status_index=start + offset))
    make_certificate(status_index=start + 6)  # valid
    revoke(make_certificate(status_index=start - 1))  # the end of list 6
    revoke(make_certificate(status_index=start + vc.STATUS_LIST_SIZE))  # the start of list 8
    response = Client().get(reverse("credentials:status_list", args=[list_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    _header, payload = vc.verify_jwt(response.content.decode(), current_jwks())
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == f"{BASE}/credentials/status/{list_id}"
    subject = payload["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    bits = vc.decode_bits(subject["encodedList"])
    assert len(bits) * 8 >= 131_072
    assert [i for i in range(len(bits) * 8) if vc.bit_is_set(bits, i)] == revoked_at


def test_status_list_is_cacheable_with_an_etag(certificate: Certificate) -> None:
    url = reverse("credentials:status_list", args=[certificate.status_index // vc.STATUS_LIST_SIZE])
    first = Client().get(url)
    assert "max-age=" in first["Cache-Control"] and first["Cache-Control"].startswith("public")
    etag = first["ETag"]
    again = Client().get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    revoke(certificate)
    changed = Client().get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_status_list_query_budget_is_constant() -> None:
    """One query for the revoked indexes of the list, however many there are."""
    url = reverse("credentials:status_list", args=[7])
    revoke(make_certificate(status_index=7 * vc.STATUS_LIST_SIZE + 1))

    def add_rows() -> None:
        for n in range(2, 30):
            revoke(make_certificate(status_index=7 * vc.STATUS_LIST_SIZE + n))

    assert_constant(Client(), url, add_rows, budget=1)


def test_jwks_shape() -> None:
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/jwk-set+json"
    keys = response.json()["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}  # never the private "d"
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert key["kid"] == signing.signing_key().kid == signing.OKPKey.import_key(key).thumbprint()


def test_issuer_profile_is_public() -> None:
    response = Client().get(reverse("credentials:issuer"))
    assert response.status_code == 200
    assert response.json()["id"] == f"{BASE}/credentials/issuer"
    assert response.json()["type"] == ["Profile"]


# ---------------------------------------------------------------------------------------------------------------
# lijiao verify-credential


def run_cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_credential", *args, stdout=out)
    return int(exit_info.value.code or 0), out.getvalue()


def test_cli_exit_codes_offline(certificate: Certificate, city_admin: User, tmp_path: Path) -> None:
    token = services.export_credential(actor=city_admin, certificate=certificate).jwt
    list_id = certificate.status_index // vc.STATUS_LIST_SIZE
    (tmp_path / "cert.jwt").write_text(token)
    (tmp_path / "jwks.json").write_text(json.dumps(current_jwks()))
    (tmp_path / "list.jwt").write_text(services.status_list(list_id).jwt)
    common = ["--jwks", str(tmp_path / "jwks.json")]

    code, out = run_cli(str(tmp_path / "cert.jwt"), "--status-list", str(tmp_path / "list.jwt"), *common)
    assert code == 0 and "凭证有效" in out and certificate.number in out

    code, out = run_cli(str(tmp_path / "cert.jwt"), *common)
    assert code == 3 and "撤销状态未核对" in out

    (tmp_path / "altered.jwt").write_text(tamper(token, len(token) // 2))
    code, out = run_cli(str(tmp_path / "altered.jwt"), "--status-list", str(tmp_path / "list.jwt"), *common)
    assert code == 1 and "凭证无效" in out

    revoke(certificate)
    (tmp_path / "list-now.jwt").write_text(services.status_list(list_id).jwt)
    code, out = run_cli(str(tmp_path / "cert.jwt"), "--status-list", str(tmp_path / "list-now.jwt"), *common)
    assert code == 2 and "凭证已撤销" in out


def test_cli_reads_the_api_json_and_a_rotated_key(
    certificate: Certificate, city_admin: User, tmp_path: Path
) -> None:
    exported = services.export_credential(actor=city_admin, certificate=certificate)
    (tmp_path / "cert.json").write_text(json.dumps({"jwt": exported.jwt, "credential": exported.credential}))
    call_command("rotate_credential_key", stdout=io.StringIO())
    list_id = certificate.status_index // vc.STATUS_LIST_SIZE
    (tmp_path / "list.jwt").write_text(services.status_list(list_id).jwt)
    code, out = run_cli(str(tmp_path / "cert.json"), "--status-list", str(tmp_path / "list.jwt"))
    assert code == 0, out


def test_cli_status_list_of_another_list_is_not_used(
    certificate: Certificate, city_admin: User, tmp_path: Path
) -> None:
    (tmp_path / "cert.jwt").write_text(
        services.export_credential(actor=city_admin, certificate=certificate).jwt
    )
    (tmp_path / "other.jwt").write_text(services.status_list(3).jwt)
    code, out = run_cli(str(tmp_path / "cert.jwt"), "--status-list", str(tmp_path / "other.jwt"))
    assert code == 3 and "状态列表无法读取或与凭证不对应" in out


def test_cli_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="无法读取凭证文件"):
        call_command("verify_credential", str(tmp_path / "missing.jwt"))


# ---------------------------------------------------------------------------------------------------------------
# Who may download


@pytest.fixture
def class_certificate(finished_class: TrainingClass, social_body: EvaluatingBody) -> Certificate:
    person = make_person("赵六")
    enrollment = Enrollment.objects.create(training_class=finished_class, person=person)
    return make_certificate(
        person, body=social_body, site=social_body.sites.get(), enrollment=enrollment, training_class=None
    )


def test_who_may_download(
    class_certificate: Certificate,
    make_user: Callable[..., User],
    provider_staff: User,
    other_provider_staff: User,
    evaluator: User,
    employer_evaluator: User,
    clerk: User,
    clerk_elsewhere: User,
    city_admin: User,
) -> None:
    holder = make_user(Role.WORKER, citizen_id=class_certificate.holder.citizen_id)
    stranger = make_user(Role.WORKER, citizen_id=make_person("路人").citizen_id)
    expected = {
        holder: 200,
        stranger: 404,  # another worker: like an unknown id
        provider_staff: 200,  # the class's provider
        other_provider_staff: 404,
        evaluator: 200,  # the issuing body
        employer_evaluator: 404,  # another body
        clerk: 200,  # the body's handling area (ZS)
        clerk_elsewhere: 404,
        city_admin: 200,
        make_user(Role.CATALOG_OFFICER): 404,
    }
    for name in ("certificates:certificate_pdf", "certificates:certificate_credential"):
        url = reverse(name, args=[class_certificate.pk])
        for user, status in expected.items():
            client = Client()
            client.force_login(user)
            assert client.get(url).status_code == status, (name, user.username)
        assert Client().get(url).status_code == 302


def test_credential_download_is_a_jwt_file_or_json(class_certificate: Certificate, city_admin: User) -> None:
    client = Client()
    client.force_login(city_admin)
    url = reverse("certificates:certificate_credential", args=[class_certificate.pk])
    response = client.get(url)
    assert response["Content-Type"] == "application/vc+jwt"
    assert ".jwt" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    _header, payload = vc.verify_jwt(response.content.decode(), current_jwks())
    assert payload["credentialSubject"]["certificateNumber"] == class_certificate.number
    readable = client.get(url, {"format": "json"}).json()
    assert readable == payload


def test_api_credential_and_pdf(class_certificate: Certificate, provider_staff: User) -> None:
    client = Client()
    client.force_login(provider_staff)
    body = client.get(f"/api/v1/certificates/{class_certificate.pk}/credential").json()
    assert set(body) == {"jwt", "kid", "media_type", "credential"}
    assert vc.verify_jwt(body["jwt"], current_jwks())[1] == body["credential"]
    pdf = client.get(f"/api/v1/certificates/{class_certificate.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Client().get(f"/api/v1/certificates/{class_certificate.pk}/credential").status_code == 401
    missing = client.get("/api/v1/certificates/999999/credential")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


# ---------------------------------------------------------------------------------------------------------------
# Query budgets


def test_class_batch_query_budget_is_constant(finished_class: TrainingClass, provider_staff: User) -> None:
    """The batch reads the certificates with their holders, subjects and bodies in one query, however many."""
    class_certificates(finished_class, 1)
    client = Client()
    client.force_login(provider_staff)
    url = reverse("certificates:class_certificates_pdf", args=[finished_class.pk])
    assert_constant(client, url, lambda: class_certificates(finished_class, 4), budget=BATCH_BUDGET)


def test_certificate_download_query_budget(class_certificate: Certificate, provider_staff: User) -> None:
    client = Client()
    client.force_login(provider_staff)
    for name in ("certificates:certificate_pdf", "certificates:certificate_credential"):
        url = reverse(name, args=[class_certificate.pk])
        count = queries(client, url)
        assert count <= DOWNLOAD_BUDGET, (name, count)


# ---------------------------------------------------------------------------------------------------------------
# Online checks and the key commands


class _Served:
    """``urllib.request.urlopen`` answered by this site's own test client (what the URL would serve)."""

    def __init__(self) -> None:
        self.client = Client()
        self.urls: list[str] = []

    def __call__(self, request: Any, timeout: float) -> Any:
        url = request.full_url
        self.urls.append(url)
        assert url.startswith(BASE)
        body = self.client.get(url.removeprefix(BASE)).content
        return _Body(body)


class _Body(io.BytesIO):
    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def test_cli_online_fetches_the_status_list_and_jwks(
    certificate: Certificate, city_admin: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = _Served()
    monkeypatch.setattr("urllib.request.urlopen", served)
    (tmp_path / "cert.jwt").write_text(
        services.export_credential(actor=city_admin, certificate=certificate).jwt
    )
    code, out = run_cli(str(tmp_path / "cert.jwt"), "--online", "--jwks", f"{BASE}/.well-known/jwks.json")
    assert code == 0, out
    list_id = certificate.status_index // vc.STATUS_LIST_SIZE
    assert served.urls == [f"{BASE}/.well-known/jwks.json", f"{BASE}/credentials/status/{list_id}"]
    revoke(certificate)
    code, out = run_cli(str(tmp_path / "cert.jwt"), "--online")
    assert code == 2, out


def test_status_list_out_of_range_is_not_found() -> None:
    assert Client().get(reverse("credentials:status_list", args=[10**9])).status_code == 404


def test_credential_keygen_never_overwrites(settings: Any) -> None:
    from django.core.management.base import CommandError

    assert not signing.signing_key_path().exists()
    out = io.StringIO()
    call_command("credential_keygen", stdout=out)
    assert "已生成凭证签名私钥" in out.getvalue()
    kid = signing.signing_key().kid
    assert oct(signing.signing_key_path().stat().st_mode & 0o777) == "0o600"
    call_command("credential_keygen", "--if-missing", stdout=io.StringIO())
    with pytest.raises(CommandError, match="不会覆盖"):
        call_command("credential_keygen", stdout=io.StringIO())
    assert signing.signing_key().kid == kid


def test_production_needs_the_key_file(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.CREDENTIAL_SIGNING_KEY_AUTOCREATE = False
    with pytest.raises(ImproperlyConfigured, match="credential-keygen"):
        signing.signing_key()


def test_a_batch_over_the_limit_is_refused_with_a_clear_error(
    finished_class: TrainingClass, provider_staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    class_certificates(finished_class, 2)
    monkeypatch.setattr(services, "BATCH_LIMIT", 1)
    client = Client()
    client.force_login(provider_staff)
    response = client.get(f"/api/v1/certificates/classes/{finished_class.pk}/certificates.pdf")
    assert response.status_code == 400
    assert response.json()["message"] == "一次最多打印 1 本证书，本班有 2 本"
    assert not AuditEvent.objects.filter(action="certificates.class.printed").exists()
    page = client.get(reverse("certificates:class_certificates_pdf", args=[finished_class.pk]))
    assert page.status_code == 400 and "一次最多打印 1 本证书" in page.content.decode()


def test_each_certificate_type_prints_its_own_title_and_subject(
    social_body: EvaluatingBody, training_ref: dict[str, Any], city_admin: User
) -> None:
    special = make_certificate(
        certificate_type=CertificateType.SPECIAL,
        number="ZX-2102-000001",
        special_item=training_ref["media"],
        subject_name="",
        level=None,
        body=social_body,
        source=Certificate.Source.SPECIAL,
    )
    legacy = make_certificate(
        certificate_type=CertificateType.QUALIFICATION,
        number="1021020100300001",
        level=3,
        issuer_name="大连市职业技能鉴定中心",
        source=Certificate.Source.IMPORT,
    )
    special_text = pdf_text(services.print_certificate(actor=city_admin, certificate=special))
    assert "专项职业能力证书" in special_text and "数字新媒体制作" in special_text
    assert "等　　级" not in special_text  # a 专项 item has no level
    legacy_text = pdf_text(services.print_certificate(actor=city_admin, certificate=legacy))
    assert "职业资格证书" in legacy_text and "三级/高级工" in legacy_text
    assert "大连市职业技能鉴定中心" in legacy_text and "评价机构" not in legacy_text
    credential = services.export_credential(actor=city_admin, certificate=special).credential
    assert credential["credentialSubject"]["achievement"]["humanCode"] == training_ref["media"].code
    assert credential["credentialSubject"]["level"] is None


def test_a_bad_encoded_list_is_refused() -> None:
    import base64
    import gzip

    with pytest.raises(ValueError):
        vc.decode_bits("not-multibase")
    with pytest.raises(ValueError):
        vc.decode_bits("u" + base64.urlsafe_b64encode(b"not gzip").decode())
    bomb = gzip.compress(bytes(vc.MAX_DECOMPRESSED + 1))  # 16 MiB of zeros, a few KiB compressed
    with pytest.raises(ValueError):
        vc.decode_bits("u" + base64.urlsafe_b64encode(bomb).decode().rstrip("="))
    assert vc.bit_is_set(vc.decode_bits(vc.encode_bits([3], size=16)), 3)
