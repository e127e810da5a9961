"""A domain refusal that escapes a view becomes a 403/404/409 page with its message, never a 500."""

import pytest
from django.test import RequestFactory

from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from lijiao.core.middleware import DomainErrorMiddleware


@pytest.mark.parametrize(
    ("error", "status", "text"),
    [
        (PermissionDenied("不可以（nope）"), 403, "不可以"),
        (NotFound(), 404, "404"),
        (Conflict("已被他人修改（changed meanwhile）"), 409, "已被他人修改"),
        (DomainError("输入有误（bad）"), 400, "输入有误"),
    ],
)
def test_domain_errors_render_pages(error, status, text, db):
    middleware = DomainErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/x")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    response = middleware.process_exception(request, error)
    assert response is not None and response.status_code == status
    assert text in response.content.decode()


def test_other_exceptions_pass_through():
    middleware = DomainErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(RequestFactory().get("/x"), ValueError("x")) is None
