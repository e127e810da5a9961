import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.audit.services import reveal_personal_data
from lijiao.core import pii
from lijiao.core.errors import PermissionDenied
from lijiao.core.pii import PIIKind, mask, pii_digest

ID = "11010519491231002X"


@pytest.fixture
def worker(make_user):
    return make_user(Role.WORKER, citizen_id="11010519491231002x", phone="+86 138-9876-5432")


@pytest.mark.django_db
def test_personal_data_is_encrypted_at_rest_and_reads_back(worker):
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_id, phone FROM accounts_user WHERE id = %s", [worker.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert ID not in stored_id and "1101" not in stored_id
    assert "13898765432" not in stored_phone
    fresh = User.objects.get(pk=worker.pk)
    assert fresh.citizen_id == ID  # canonical: upper-case X
    assert fresh.phone == "13898765432"  # canonical: digits, country code dropped


@pytest.mark.django_db
def test_lookup_by_keyed_digest_not_by_value(worker):
    assert User.objects.get(citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, "11010519491231002x")) == worker
    assert User.objects.get(phone_digest=pii_digest(PIIKind.PHONE, "138 9876 5432")) == worker
    assert not User.objects.filter(
        citizen_id_digest=pii_digest(PIIKind.CITIZEN_ID, "110105194912310038")
    ).exists()
    with pytest.raises(TypeError, match="digest"):
        list(User.objects.filter(citizen_id=ID))


@pytest.mark.django_db
def test_digest_follows_updates_and_bulk_create(worker):
    worker.phone = "13500001111"
    worker.save(update_fields=["phone", "phone_digest"])
    assert User.objects.filter(phone_digest=pii_digest(PIIKind.PHONE, "13500001111")).get() == worker
    User.objects.bulk_create([User(username="bulk", phone="13600002222")])
    assert User.objects.filter(phone_digest=pii_digest(PIIKind.PHONE, "13600002222")).get().username == "bulk"


def test_digest_depends_on_the_key():
    first = pii_digest(PIIKind.PHONE, "13898765432")
    with override_settings(PII_KEY="another-key"):
        pii.reset_key_cache()
        try:
            assert pii_digest(PIIKind.PHONE, "13898765432") != first
        finally:
            pii.reset_key_cache()


@pytest.mark.django_db
def test_old_keys_stay_readable_after_rotation_and_unknown_keys_fail_loudly(worker):
    with override_settings(PII_KEY="new-key", PII_OLD_KEYS=[settings.PII_KEY]):
        pii.reset_key_cache()
        try:
            assert User.objects.get(pk=worker.pk).citizen_id == ID
        finally:
            pii.reset_key_cache()
    with override_settings(PII_KEY="wrong-key", PII_OLD_KEYS=[]):
        pii.reset_key_cache()
        try:
            with pytest.raises(ImproperlyConfigured):
                User.objects.get(pk=worker.pk)
        finally:
            pii.reset_key_cache()


def test_masking():
    assert mask(PIIKind.CITIZEN_ID, "21020219900307231X") == "2102**********231X"
    assert mask(PIIKind.PHONE, "13898765432") == "138****5432"
    assert mask(PIIKind.BANK_ACCOUNT, "6222020200112233445") == "***************3445"
    assert mask(PIIKind.CITIZEN_ID, "") == ""
    assert mask(PIIKind.CITIZEN_ID, None) == ""


@pytest.mark.django_db
def test_reveal_needs_permission_and_writes_nothing_when_refused(worker, make_user):
    clerk = make_user(Role.DISTRICT_CLERK)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        reveal_personal_data(actor=clerk, obj=worker, field_name="citizen_id")
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_reveal_is_logged(worker, make_user):
    admin = make_user(Role.CITY_ADMIN)
    assert reveal_personal_data(actor=admin, obj=worker, field_name="citizen_id", reason="核对身份") == ID
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor, event.object_id, event.reason) == (
        "pii.revealed",
        admin,
        str(worker.pk),
        "核对身份",
    )
    assert event.after == {"field": "citizen_id", "kind": "citizen_id"}
    assert ID not in str(event.after)


def test_tampered_ciphertext_is_refused():
    token = pii.encrypt("13898765432")
    assert pii.decrypt(token) == "13898765432"
    assert token.startswith("g1.") and "13898765432" not in token
    assert pii.encrypt("13898765432") != token  # random nonce
    version, key_id, payload = token.split(".", 2)
    forged = f"{version}.{key_id}.{payload[:-4]}{'AAAA' if payload[-4:] != 'AAAA' else 'BBBB'}"
    with pytest.raises(ImproperlyConfigured):
        pii.decrypt(forged)


def test_digest_is_standard_hmac_sha256():
    import hashlib
    import hmac

    key = pii._keys().digest_key
    for kind, value in [(PIIKind.CITIZEN_ID, "11010519491231002X"), (PIIKind.PHONE, "13898765432")]:
        expected = hmac.new(key, f"{kind.value}:{value}".encode(), hashlib.sha256).hexdigest()
        assert pii_digest(kind, value) == expected


def test_bulk_digester_equals_pii_digest():
    for kind, values in [
        (PIIKind.CITIZEN_ID, ["11010519491231002X", "11010519491231002x", " 110105194912310021 "]),
        (PIIKind.PHONE, ["13898765432", "+86 138-9876-5432", "8613898765432"]),
    ]:
        digest = pii.pii_digester(kind)
        assert [digest(v) for v in values] == [pii_digest(kind, v) for v in values]
    assert pii.pii_digester("phone")("13898765432") == pii_digest(PIIKind.PHONE, "13898765432")


def test_encrypt_many_stores_what_the_field_stores():
    values = ["11010519491231002x", "", "110105194912310021"]
    tokens = pii.encrypt_many(PIIKind.CITIZEN_ID, values)
    assert tokens[1] == ""  # an empty value stays empty, as EncryptedPIIField stores it
    assert [pii.decrypt(t) for t in (tokens[0], tokens[2])] == ["11010519491231002X", "110105194912310021"]
    assert all(t.startswith("g1.") and "1101051949" not in t for t in (tokens[0], tokens[2]))
    nonces = {t.split(".", 2)[2][:16] for t in pii.encrypt_many(PIIKind.PHONE, ["13898765432"] * 50)}
    assert len(nonces) == 50  # a fresh nonce for every value
    assert pii.encrypt_many(PIIKind.PHONE, []) == []
