"""Production-safe defaults and the ``lijiao`` command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lijiao.audit.checkpoints import generate_signing_key

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


PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "LIJIAO_SECRET_KEY": "a-production-key-" + "k7Qz" * 12,
    "LIJIAO_PII_KEY": "a-production-pii-key",
    "LIJIAO_ALLOWED_HOSTS": "training.example.gov.cn",
    "LIJIAO_BEHIND_PROXY": "1",
}


def test_check_deploy_is_clean_for_the_production_settings_the_readme_documents(tmp_path: Path) -> None:
    signing_key = tmp_path / "keys" / "audit-signing.pem"
    generate_signing_key(signing_key)  # 0600, as `lijiao audit-keygen` writes it
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir(mode=0o700)
    result = subprocess.run(
        [str(LIJIAO), "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(
            **PRODUCTION,
            LIJIAO_AUDIT_KEY="a-production-audit-key-" + "q9Wx" * 10,
            LIJIAO_AUDIT_SIGNING_KEY_FILE=str(signing_key),
            LIJIAO_AUDIT_CHECKPOINT_DIR=str(checkpoints),
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _make_run_environment() -> dict[str, str]:
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    line = next(line for line in makefile.splitlines() if line.startswith("RUN_ENV :="))
    pairs = dict(item.split("=", 1) for item in line.removeprefix("RUN_ENV :=").split())
    assert "LIJIAO_DEBUG" not in pairs
    return pairs


def test_make_run_shows_the_products_chinese_error_pages_not_djangos_debug_pages():
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; from django.test import Client; "
        "r = Client().get('/no-such-page/'); body = r.content.decode(); "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, r.status_code, "
        "'您访问的页面不存在' in body, 'Page not found' in body)"
    )
    env = _env(
        **_make_run_environment(),
        LIJIAO_SECRET_KEY="dev-key-" + "x" * 40,
        LIJIAO_PII_KEY="dev",
        LIJIAO_ALLOWED_HOSTS="testserver",
        LIJIAO_DATABASE_URL="sqlite:///:memory:",
        DJANGO_SETTINGS_MODULE="lijiao.settings",
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False", "404", "True", "False"]


def test_the_admin_path_is_configurable():
    code = (
        "import django; django.setup(); from django.urls import reverse, resolve, Resolver404\n"
        "print(reverse('admin:index'))\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('gone')"
    )
    env = _env(**PRODUCTION, LIJIAO_ADMIN_PATH="backoffice-7f3a", DJANGO_SETTINGS_MODULE="lijiao.settings")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["/backoffice-7f3a/", "gone"]


def test_static_files_carry_nosniff_and_the_security_headers(client):
    response = client.get("/static/js/lijiao.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Referrer-Policy"] == "same-origin"
