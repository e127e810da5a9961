"""The REST API (django-ninja): one NinjaAPI, a router per app, OpenAPI at /api/v1/openapi.json.

Authentication: ``Authorization: Bearer <token>`` (API tokens) or the browser session (with CSRF). It is wired
here, where the API is assembled: every operation requires it unless its router or the operation says otherwise
(the reference data of ``core`` is public), so the apps below accounts never import it.

Every error is ``{"code", "message", "errors": [{"field", "message"}]}`` with its HTTP status (ADR 0006): domain
errors, input errors (422), unparseable JSON (400), authentication (401), CSRF (403), throttling (429), bodies
over the size limit (413) here; a 404 for an unknown path and a 405 that never reach an operation in
:class:`lijiao.core.middleware.ApiErrorMiddleware`. The OpenAPI document describes the format and lists the
statuses every operation can answer.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from lijiao.accounts.api import router as accounts_router
from lijiao.accounts.api_auth import optional_auth, required_auth
from lijiao.audit.api import router as audit_router
from lijiao.catalog.api import router as catalog_router
from lijiao.certificates.api import router as certificates_router
from lijiao.core.api import router as core_router
from lijiao.core.api_errors import invalid_json, status_error, validation_field_errors
from lijiao.core.errors import DomainError, NotFound
from lijiao.core.schemas import ErrorOut
from lijiao.providers.api import router as providers_router
from lijiao.subsidies.api import router as subsidies_router
from lijiao.training.api import router as training_router

DESCRIPTION = """立交 职业技能培训管理服务平台 REST API

**Errors.** Every error answer (any 4xx) is one JSON object:

```json
{"code": "invalid", "message": "每页条数不能大于 500", "errors": [{"field": "limit", "message": "每页条数不能大于 500"}]}
```

`code` is for programs (`invalid`, `invalid_json`, `unauthenticated`, `permission_denied`, `not_found`,
`method_not_allowed`, `conflict`, `too_large`, `throttled`, or a domain code such as `transition_not_allowed`);
`message` is for people, in the language of `Accept-Language` (Chinese unless English is asked for);
`errors` lists the inputs at fault (`field` is the machine path, e.g. `occupations.0.code`, `__all__` for the
whole request). 400: the body is no JSON; 401: no valid token or session; 403: not allowed, or the CSRF check
failed; 404: no such object in your scope, or no such path; 409: the state changed meanwhile; 413: the body is
too large; 422: an input is wrong (a body that is not a JSON object, an unknown field, a value out of range).

**Bodies** are JSON objects with the documented fields only (no unknown fields, no control characters).
**Lists** take `limit` (1–500, default 100) and `offset` (0–2147483647) and answer `{"items": [...], "count": n}`.
"""


class UnicodeJSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8, not ``\\uXXXX`` escapes."""

    json_dumps_params = {"ensure_ascii": False}


class LijiaoAPI(NinjaAPI):
    """The OpenAPI document lists, for every operation, the error statuses it can answer (ADR 0006)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))
        components["ErrorOut"] = error_schema
        for operations in schema["paths"].values():
            for operation in operations.values():
                _document_errors(operation)
        return schema


def _document_errors(operation: dict[str, Any]) -> None:
    """Add the error statuses an operation answers through the shared machinery, where it does not say."""
    statuses = set()
    parameters = operation.get("parameters", [])
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if parameters:
        statuses.add(422)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    if operation.get("security"):
        statuses |= {401, 403}
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses.setdefault(
            str(status),
            {
                "description": str(status_error(status).code),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
            },
        )


api = LijiaoAPI(
    renderer=UnicodeJSONRenderer(),
    title="Lijiao API",
    version="1.0",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=required_auth,
)
api.add_router("/core", core_router, auth=optional_auth, tags=["core"])
api.add_router("/accounts", accounts_router, tags=["accounts"])
api.add_router("/audit", audit_router, auth=required_auth, tags=["audit"])
api.add_router("/catalog", catalog_router, tags=["catalog"])
api.add_router("/providers", providers_router, tags=["providers"])
api.add_router("/training", training_router, tags=["training"])
api.add_router("/certificates", certificates_router, tags=["certificates"])
api.add_router("/subsidies", subsidies_router, tags=["subsidies"])


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, NotFound().as_dict(), status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, status_error(401).as_dict(), status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own errors: an unparseable body (400), the CSRF check (403), throttling (429)."""
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        error = invalid_json()
    elif exc.status_code == 403 and "CSRF" in exc.message:
        error = DomainError(message=_("安全校验未通过，请刷新页面后重试"), code="csrf_failed", status=403)
    else:
        error = status_error(exc.status_code)
    return api.create_response(request, error.as_dict(), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    error = DomainError(
        message=_("请求内容过大（上限 %(size)s MB）") % {"size": megabytes}, code="too_large", status=413
    )
    return api.create_response(request, error.as_dict(), status=413)


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def too_many_parts(request: HttpRequest, exc: Exception) -> HttpResponse:
    error = DomainError(message=_("请求中的字段或文件过多"), code="too_large", status=413)
    return api.create_response(request, error.as_dict(), status=413)


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Pydantic's errors in words people use; the machine path only in ``errors[].field`` (ADR 0003)."""
    errors = validation_field_errors(exc.errors)
    message = (
        errors[0].message if len(errors) == 1 else _("输入有误，共 %(count)s 处") % {"count": len(errors)}
    )
    body = DomainError(message=message, errors=errors).as_dict()
    return api.create_response(request, body, status=422)
