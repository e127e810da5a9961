import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.utils import timezone

from lijiao.accounts.models import ApiToken, User
from lijiao.accounts.roles import ROLES, Role
from lijiao.accounts.scope import Scope
from lijiao.accounts.services import create_api_token, create_user, revoke_api_token
from lijiao.core.errors import DomainError
from lijiao.core.models import HandlingArea
from tests.conftest import PASSWORD, default_provider


@pytest.mark.django_db
def test_every_role_is_a_group_with_its_permissions():
    for role, spec in ROLES.items():
        group = Group.objects.get(name=role.value)
        codes = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert codes == set(spec.permissions)


@pytest.mark.django_db
def test_role_permissions_decide_what_users_may_do(make_user):
    officer, clerk, provider = (
        make_user(Role.CATALOG_OFFICER),
        make_user(Role.DISTRICT_CLERK),
        make_user(Role.PROVIDER_STAFF),
    )
    assert officer.has_perm("catalog.publish_edition")
    assert not clerk.has_perm("catalog.publish_edition")
    assert not provider.has_perm("catalog.change_edition")
    assert not officer.has_perm("core.reveal_pii")


@pytest.mark.django_db
def test_create_user_refuses_bad_input_and_writes_nothing():
    with pytest.raises(DomainError) as exc:
        create_user(
            actor=None,
            username="x",
            password="short",
            roles=[Role.DISTRICT_CLERK],
            citizen_id="110105194912310021",
        )
    fields = {e.field for e in exc.value.errors}
    assert fields == {"password", "handling_area", "citizen_id"}
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_provider_staff_login_belongs_to_its_provider_and_nothing_else_is_taken_for_one():
    provider = default_provider()
    user = create_user(
        actor=None, username="p1", password=PASSWORD, roles=[Role.PROVIDER_STAFF], provider=provider
    )
    assert User.objects.get(pk=user.pk).provider_id == provider.pk
    area = HandlingArea.objects.get(code="ZS")
    with pytest.raises(TypeError, match=r"providers\.Provider"):
        create_user(actor=None, username="p2", password=PASSWORD, roles=[Role.PROVIDER_STAFF], provider=area)
    assert not User.objects.filter(username="p2").exists()


@pytest.mark.django_db
def test_password_needs_letters_and_digits():
    with pytest.raises(DomainError) as exc:
        create_user(actor=None, username="y", password="onlyletters-here", roles=[Role.WORKER])
    assert any("字母和数字" in e.message for e in exc.value.errors)


def _login_request(address: str = "198.51.100.7") -> object:
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=address)


@pytest.mark.django_db
def test_an_account_locked_by_an_administrator_cannot_log_in_until_the_date(make_user):
    user = make_user(Role.WORKER, username="w1")
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + dt.timedelta(hours=1))
    assert authenticate(_login_request(), username="w1", password=PASSWORD) is None
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert authenticate(_login_request(), username="w1", password=PASSWORD) == user


@pytest.mark.django_db
def test_fewer_failures_than_the_limit_do_not_stop_the_name(make_user, settings):
    user = make_user(Role.WORKER, username="w2")
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        authenticate(_login_request(), username="w2", password="wrong-1234")
    assert authenticate(_login_request(), username="w2", password=PASSWORD) == user


@pytest.mark.django_db
def test_a_locked_or_deactivated_accounts_tokens_stop_working(make_user, client):
    """The documented policy: tokens follow the account (administrator's lock, deactivation), not throttling."""
    officer = make_user(Role.CATALOG_OFFICER)
    _token, raw = create_api_token(actor=officer, name="integration")
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/accounts/me", headers=headers).status_code == 200
    User.objects.filter(pk=officer.pk).update(locked_until=timezone.now() + dt.timedelta(hours=1))
    assert client.get("/api/v1/accounts/me", headers=headers).status_code == 401
    User.objects.filter(pk=officer.pk).update(locked_until=None, is_active=False)
    assert client.get("/api/v1/accounts/me", headers=headers).status_code == 401


@pytest.mark.django_db
def test_api_token_authenticates_and_only_its_hash_is_stored(make_user, client):
    officer = make_user(Role.CATALOG_OFFICER)
    token, raw = create_api_token(actor=officer, name="integration")
    assert raw not in token.key_hash and ApiToken.objects.filter(key_hash=token.key_hash).count() == 1
    response = client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response.json()["roles"] == ["catalog_officer"]
    assert "catalog.publish_edition" in response.json()["permissions"]


@pytest.mark.django_db
def test_revoked_expired_and_unknown_tokens_are_refused(make_user, client):
    officer = make_user(Role.CATALOG_OFFICER)
    token, raw = create_api_token(actor=officer, name="old")
    revoke_api_token(actor=officer, token=token)
    assert client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    token2, raw2 = create_api_token(actor=officer, name="expired")
    ApiToken.objects.filter(pk=token2.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw2}"}).status_code == 401
    response = client.get("/api/v1/accounts/me", headers={"Authorization": "Bearer lj_not-a-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/accounts/me").status_code == 401


@pytest.mark.django_db
def test_token_of_someone_else_cannot_be_revoked(make_user):
    owner, other = make_user(Role.CATALOG_OFFICER), make_user(Role.WORKER)
    token, _ = create_api_token(actor=owner, name="mine")
    with pytest.raises(DomainError):
        revoke_api_token(actor=other, token=token)
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_area_scope(make_user):
    zs = HandlingArea.objects.get(code="ZS")
    clerk = make_user(Role.DISTRICT_CLERK, area="ZS")
    officer = make_user(Role.CATALOG_OFFICER)
    worker = make_user(Role.WORKER)
    areas = HandlingArea.objects.all()
    assert list(Scope.for_user(clerk).filter_by_area(areas, "pk")) == [zs]
    assert Scope.for_user(officer).filter_by_area(areas, "pk").count() == areas.count()
    assert Scope.for_user(worker).filter_by_area(areas, "pk").count() == 0
    from django.contrib.auth.models import AnonymousUser

    assert Scope.for_user(AnonymousUser()).filter_by_area(areas, "pk").count() == 0
