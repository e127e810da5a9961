"""Accounts API: who am I, and my API tokens."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.accounts.models import ApiToken
from lijiao.accounts.roles import roles_of
from lijiao.accounts.schemas import MeOut, NewTokenOut, TokenIn, TokenOut
from lijiao.accounts.services import create_api_token, revoke_api_token
from lijiao.core.permissions import require_perm

router = Router(auth=required_auth)


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, object]:
    user = current_user(request)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(r.value for r in roles_of(user)),
        "handling_area": user.handling_area.code if user.handling_area_id else None,
        "permissions": sorted(user.get_all_permissions()),
    }


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest) -> object:
    """The caller's tokens; roles that hold no tokens (workers, employers, schools) are refused."""
    require_perm(current_user(request), "accounts.add_apitoken")
    return ApiToken.objects.filter(user=current_user(request))


@router.post("/tokens", response={201: NewTokenOut})
def new_token(request: HttpRequest, payload: TokenIn) -> tuple[int, dict[str, object]]:
    token, raw = create_api_token(actor=current_user(request), name=payload.name, ttl_days=payload.ttl_days)
    return 201, {**TokenOut.from_orm(token).dict(), "token": raw}


@router.delete("/tokens/{token_id}", response=TokenOut)
def delete_token(request: HttpRequest, token_id: int) -> ApiToken:
    token = get_object_or_404(ApiToken, pk=token_id, user=current_user(request))
    return revoke_api_token(actor=current_user(request), token=token)
