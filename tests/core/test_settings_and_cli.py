"""Production-safe defaults and the ``lijiao`` command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

LIJIAO = Path(sys.executable).parent / "lijiao"


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIJIAO_", "DJANGO_"))}
    env.update(overrides)
    return env


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import lijiao.settings"],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "LIJIAO_SECRET_KEY is not set" in result.stderr


def test_production_defaults_are_safe():
    code = (
        "import lijiao.settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.DATABASES['default']['CONN_MAX_AGE'] > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(LIJIAO_SECRET_KEY="x" * 50, LIJIAO_PII_KEY="k"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "True", "True", "True", "True"]


@pytest.mark.django_db
def test_responses_carry_a_strict_content_security_policy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy  # a nonce is added only to pages that use one
    assert "unsafe-inline" not in policy and "http" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) == 32


def test_cli_accepts_hyphenated_command_names():
    result = subprocess.run(
        [str(LIJIAO), "verify-audit", "--help"],
        env=_env(DJANGO_SETTINGS_MODULE="lijiao.test_settings"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "hash-chained audit log" in result.stdout
