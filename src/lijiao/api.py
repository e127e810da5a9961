"""The REST API (django-ninja): one NinjaAPI, a router per app, OpenAPI at /api/v1/openapi.json.

Authentication: ``Authorization: Bearer <token>`` (API tokens) or the browser session (with CSRF). It is wired
here, where the API is assembled: every operation requires it unless its router or the operation says otherwise
(the reference data of ``core`` is public), so the apps below accounts never import it.
Domain errors become ``{"code", "message", "errors": [{"field", "message"}]}`` with their HTTP status.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer

from lijiao.accounts.api import router as accounts_router
from lijiao.accounts.api_auth import optional_auth, required_auth
from lijiao.audit.api import router as audit_router
from lijiao.catalog.api import router as catalog_router
from lijiao.core.api import router as core_router
from lijiao.core.api_errors import validation_field_errors
from lijiao.core.errors import DomainError, NotFound
from lijiao.providers.api import router as providers_router
from lijiao.training.api import router as training_router


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8, not ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=UnicodeJSONRenderer(),
    title="Lijiao API",
    version="1.0",
    description="立交 职业技能培训管理服务平台 REST API",
    urls_namespace="api",
    auth=required_auth,
)
api.add_router("/core", core_router, auth=optional_auth, tags=["core"])
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/audit", audit_router, auth=required_auth, tags=["audit"])
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/providers", providers_router, tags=["providers"])
api.add_router("/training", training_router, tags=["training"])


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, NotFound().as_dict(), status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": _("请先登录或提供有效令牌"), "errors": []},
        status=401,
    )


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Pydantic's errors in words people use; the machine path only in ``errors[].field`` (ADR 0003)."""
    errors = validation_field_errors(exc.errors)
    message = (
        errors[0].message if len(errors) == 1 else _("输入有误，共 %(count)s 处") % {"count": len(errors)}
    )
    body = DomainError(message=message, errors=errors).as_dict()
    return api.create_response(request, body, status=422)
