"""Settings for the test suite: the same settings module with test keys and fast hashing.

``LIJIAO_TEST_DATABASE_URL`` points the suite at PostgreSQL (``make test`` does it when a server answers).
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("LIJIAO_DEBUG", "0")
os.environ.setdefault("LIJIAO_PLAIN_HTTP", "1")  # the test client speaks plain http
os.environ.setdefault("LIJIAO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("LIJIAO_PII_KEY", "test-pii-key-not-for-production")
os.environ.setdefault("LIJIAO_AUDIT_KEY", "test-audit-key-not-for-production")
if os.environ.get("LIJIAO_TEST_DATABASE_URL"):
    os.environ["LIJIAO_DATABASE_URL"] = os.environ["LIJIAO_TEST_DATABASE_URL"]
else:
    os.environ.setdefault("LIJIAO_DATABASE_URL", "sqlite:///:memory:")

from lijiao.settings import *  # noqa: F403
from lijiao.settings import DATABASES, STATIC_ROOT, TEMPLATES

# Audit checkpoints and their signing key in a folder of this process (never shared between test workers),
# removed at exit; no automatic checkpoints (the tests of them turn them on).
_AUDIT_DIR = Path(tempfile.mkdtemp(prefix="lijiao-test-audit-"))
atexit.register(shutil.rmtree, _AUDIT_DIR, ignore_errors=True)
AUDIT_CHECKPOINT_DIR = _AUDIT_DIR / "checkpoints"
AUDIT_SIGNING_KEY_FILE = _AUDIT_DIR / "signing-key.pem"
AUDIT_VERIFY_KEY_FILES = []
AUDIT_SIGNING_KEY_AUTOCREATE = True
AUDIT_CHECKPOINT_INTERVAL = 0
CREDENTIAL_SIGNING_KEY_FILE = _AUDIT_DIR / "credentials" / "signing-key.pem"
CREDENTIAL_VERIFY_KEY_FILES = []
CREDENTIAL_SIGNING_KEY_AUTOCREATE = True
PUBLIC_BASE_URL = "https://px.example.gov.cn"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # one test database per run, so two runs on one server (developers, CI) never drop each other's
    DATABASES["default"]["TEST"]["NAME"] = f"test_lijiao_{os.getpid()}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE"}
TEMPLATES[0]["OPTIONS"]["debug"] = True  # type: ignore[index]
WHITENOISE_USE_FINDERS = True  # static files straight from the apps (no collectstatic in tests)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from it (empty in tests: finders serve)
