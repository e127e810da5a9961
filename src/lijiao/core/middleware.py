"""Turns domain errors that escape a view into the right page: 403, 404, or 409/400 with the message; and the
API's errors that never reached the API into its JSON error format.

Views handle the errors they expect (putting field errors on forms); this is the safety net so that a refusal
is never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lijiao.core.api_errors import status_error
from lijiao.core.errors import DomainError, NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, PermissionDenied):
            template = "403.html"
        elif isinstance(exception, NotFound):
            template = "404.html"
        else:
            template = "400.html"
        return render(request, template, {"exception": exception.message}, status=exception.status)


API_PATH_PREFIX = "/api/"


class ApiErrorMiddleware:
    """Errors under ``/api/`` that never reached an API operation — Django's 404 for an unknown path, the 405
    of a method a path does not take, Django's 400 for a malformed request, a 500 — answer in the API's one
    error format (ADR 0006) instead of an HTML page; the status and headers (``Allow``, ``Retry-After``) stay."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith(API_PATH_PREFIX)
            and not response.streaming
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            body = status_error(response.status_code).as_dict()
            response.content = json.dumps(body, ensure_ascii=False).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
