"""Turns domain errors that escape a view into the right page: 403, 404, or 409/400 with the message.

Views handle the errors they expect (putting field errors on forms); this is the safety net so that a refusal
is never a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
