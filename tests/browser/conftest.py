"""Browser tests: Playwright's sync API driving the Debian Chromium against pytest-django's ``live_server``.

No pytest-playwright and no ``playwright install``: the system browser at ``/usr/bin/chromium`` is used. Without
it the tests are skipped, or fail when ``LIJIAO_REQUIRE_BROWSER=1`` (CI must not silently skip them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are still
# synchronous and safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("LIJIAO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (LIJIAO_REQUIRE_BROWSER=1)")
    pytest.skip(reason)
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install the Debian package 'chromium'")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the 'playwright' Python package is not installed")
    from django.db import connections

    # Once Playwright's event loop runs in this thread, Django keeps its connections in a new (contextvar)
    # store: later tests get new connection objects, which lack the serialized test data that serialized
    # rollback restores from. Hand them the same data, so every browser test starts with the migrations' rows.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def results_dir() -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR


@pytest.fixture
def site(live_server: Any, transactional_db: None, django_db_serialized_rollback: None) -> str:
    """The live server's base URL; the database is restored afterwards (migrations' reference data included)."""
    return str(live_server.url)


class ConsoleLog(list[str]):
    def csp_violations(self) -> list[str]:
        return [m for m in self if "Content Security Policy" in m or "Refused to" in m]


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """``new_page(width=1280, height=900)`` → a page in a fresh context; its console is at ``page.console_log``."""
    contexts: list[Any] = []

    def factory(width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        log = ConsoleLog()
        page.on("console", lambda message: log.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: log.append(f"pageerror: {error}"))
        page.console_log = log
        return page

    yield factory
    for context in contexts:
        context.close()
