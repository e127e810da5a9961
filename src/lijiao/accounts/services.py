"""Account writes: users with a role, API tokens. Each is atomic and audited."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.accounts.models import ApiToken, User, hash_token
from lijiao.accounts.roles import AREA_SCOPED_ROLES, Role
from lijiao.audit.services import record_event
from lijiao.core.errors import DomainError, FieldError, PermissionDenied
from lijiao.core.identity import InvalidCitizenId, parse_citizen_id
from lijiao.core.models import HandlingArea
from lijiao.core.text import unsafe_text_problem

TOKEN_PREFIX = "lj_"  # noqa: S105 -- a visible prefix that marks our tokens, not a secret


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str,
    roles: list[Role],
    display_name: str = "",
    handling_area: HandlingArea | None = None,
    citizen_id: str = "",
    phone: str = "",
    provider: models.Model | None = None,
) -> User:
    """Create a login with its roles; validates the password rules, the scope and the ID number.

    ``provider`` is the training provider (``providers.Provider``) a provider-staff login works for. It is taken
    as any model and stored by its key: accounts sits below providers and never imports them (ADR 0001).
    """
    if actor is not None and not actor.has_perm("accounts.add_user"):
        raise PermissionDenied()
    if provider is not None and type(provider) is not User._meta.get_field("provider").related_model:
        raise TypeError(f"provider must be a providers.Provider, not {type(provider).__name__}")
    errors: list[FieldError] = []
    if User.objects.filter(username=username).exists():
        errors.append(FieldError("username", _("该用户名已存在")))
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        errors.extend(FieldError("password", m) for m in exc.messages)
    if any(r in AREA_SCOPED_ROLES for r in roles) and handling_area is None:
        errors.append(FieldError("handling_area", _("区经办及审核人员必须指定经办区域")))
    if Role.PROVIDER_STAFF in roles and provider is None:
        errors.append(FieldError("provider", _("培训机构人员必须指定所属机构")))
    if problem := unsafe_text_problem(display_name or "", label=_("姓名")):
        errors.append(FieldError("display_name", problem))
    canonical_id = ""
    if citizen_id:
        try:
            canonical_id = parse_citizen_id(citizen_id).number
        except InvalidCitizenId as exc:
            errors.append(FieldError("citizen_id", str(exc)))
    if errors:
        raise DomainError(_("用户信息有误"), errors=tuple(errors))
    user = User(
        username=username,
        display_name=display_name,
        handling_area=handling_area,
        provider_id=provider.pk if provider is not None else None,
        citizen_id=canonical_id,
        phone=phone,
        is_staff=any(r in {Role.CITY_ADMIN, Role.CATALOG_OFFICER} for r in roles),
    )
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=[r.value for r in roles]))
    record_event(
        actor=actor,
        action="accounts.user.created",
        obj=user,
        after={
            "username": username,
            "roles": sorted(r.value for r in roles),
            "area": handling_area and handling_area.code,
        },
    )
    return user


@transaction.atomic
def create_api_token(*, actor: User, name: str, ttl_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``actor``; returns the token row and the secret, which is never stored or shown again."""
    if not actor.is_authenticated or not actor.has_perm("accounts.add_apitoken"):
        raise PermissionDenied()
    name = name.strip()
    if not name:
        raise DomainError.for_fields(_("令牌用途不能为空"), {"name": _("请填写用途")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor,
        name=name[:100],
        prefix=raw[:10],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + dt.timedelta(days=ttl_days or settings.API_TOKEN_TTL_DAYS),
    )
    record_event(actor=actor, action="accounts.token.created", obj=token, after={"name": token.name})
    return token, raw


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token (its owner or a user admin may)."""
    if token.user_id != actor.pk and not actor.has_perm("accounts.change_user"):
        raise PermissionDenied()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(actor=actor, action="accounts.token.revoked", obj=token)
    return token


@transaction.atomic
def set_user_language(*, actor: User, language: str) -> User:
    """Set ``actor``'s own interface language (``""``: follow the browser)."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    if language and language not in dict(settings.LANGUAGES):
        raise DomainError.for_fields(_("不支持该语言"), {"language": _("不支持该语言")})
    if actor.language != language:
        before = actor.language
        actor.language = language
        actor.save(update_fields=["language"])
        record_event(
            actor=actor,
            action="accounts.user.language_changed",
            obj=actor,
            before={"language": before},
            after={"language": language},
        )
    return actor


def authenticate_token(raw: str) -> User | None:
    """The active user behind a bearer token, or None. Records last use at most once a minute.

    A token stops working with its account: deactivated, or locked by an administrator (``locked_until``).
    Login throttling (per client address) never affects tokens.
    """
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_active or not token.user.is_active or token.user.is_locked:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
