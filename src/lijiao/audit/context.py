"""Per-request context (request id, client address) that audit events pick up without passing it around."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    ip_address: str | None = None
    channel: str = ""  # "web", "api", "cli", "task"


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "lijiao_request", default=None
)


def current() -> RequestContext | None:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def request_context(
    *, request_id: str | None = None, ip_address: str | None = None, channel: str = ""
) -> Iterator[RequestContext]:
    """Run a block (a request, a CLI command, a task) under one request id."""
    ctx = RequestContext(request_id or new_request_id(), ip_address, channel)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
