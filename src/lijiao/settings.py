"""Django settings for Lijiao, read from environment variables.

Production is the safe default: DEBUG is off, cookies are secure, a Content Security Policy is sent, and the
secret key and the personal-data key must be given. ``make run`` writes a development key file and sets
``LIJIAO_DEBUG=1``.

Environment:
    LIJIAO_DATABASE_URL   database URL (default: SQLite file var/lijiao.sqlite3)
    LIJIAO_SECRET_KEY     Django secret key (required unless LIJIAO_DEBUG=1)
    LIJIAO_PII_KEY        key for personal data at rest (required); LIJIAO_PII_OLD_KEYS: comma list, to rotate
    LIJIAO_AUDIT_KEY      key of the audit chain's HMAC (required); LIJIAO_AUDIT_OLD_KEYS: comma list, to rotate
    LIJIAO_AUDIT_SIGNING_KEY_FILE  Ed25519 private key signing audit checkpoints (required in production)
    LIJIAO_AUDIT_CHECKPOINT_DIR    append-only folder of signed audit checkpoints (default var/audit/checkpoints)
    LIJIAO_ALLOWED_HOSTS  comma list (default: localhost names)
    LIJIAO_DEBUG          1 for development
    LIJIAO_CONN_MAX_AGE   seconds a database connection is kept (default 600)
    LIJIAO_SUBSIDY_CAP    the policy's maximum subsidy per item in yuan (default 5500; an edition may set its own)
    LIJIAO_SMS_GATEWAY    dotted path of the bureau's SMS gateway class (default: none, messages are only logged)
    LIJIAO_REVIEW_DEADLINE_WORKING_DAYS  working days to review a class filing (default 5)
    LIJIAO_PDF_FONT       a CJK TrueType font file (.ttf/.ttc) embedded into PDFs
    LIJIAO_PUBLIC_BASE_URL         the site's public address, in QR codes and credentials (e.g. https://px.example.gov.cn)
    LIJIAO_CREDENTIAL_SIGNING_KEY_FILE  Ed25519 private key signing verifiable credentials (required in production)
    LIJIAO_CREDENTIAL_VERIFY_KEY_FILES  comma list of older public keys still served in the JWKS
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("LIJIAO_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("LIJIAO_DEBUG")

SECRET_KEY = os.environ.get("LIJIAO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("LIJIAO_SECRET_KEY is not set (set LIJIAO_DEBUG=1 for development).")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 -- only with LIJIAO_DEBUG=1

PII_KEY = os.environ.get("LIJIAO_PII_KEY", "")
PII_OLD_KEYS = env_list("LIJIAO_PII_OLD_KEYS")

# The audit chain (ADR 0004): an HMAC chain keyed outside the database, anchored by Ed25519-signed checkpoints
# in an append-only folder. Old HMAC keys (newest first) only verify; a new checkpoint is queued after an
# event when the last was queued more than AUDIT_CHECKPOINT_INTERVAL seconds ago (0: only `lijiao
# audit-checkpoint`, e.g. from cron). The signing key is created on first use only in development.
AUDIT_KEY = os.environ.get("LIJIAO_AUDIT_KEY", "")
AUDIT_OLD_KEYS = env_list("LIJIAO_AUDIT_OLD_KEYS")
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("LIJIAO_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit" / "checkpoints"))
AUDIT_SIGNING_KEY_FILE = Path(
    os.environ.get("LIJIAO_AUDIT_SIGNING_KEY_FILE", VAR_DIR / "audit" / "signing-key.pem")
)
AUDIT_VERIFY_KEY_FILES = [Path(name) for name in env_list("LIJIAO_AUDIT_VERIFY_KEY_FILES")]
AUDIT_SIGNING_KEY_AUTOCREATE = DEBUG
AUDIT_CHECKPOINT_INTERVAL = int(os.environ.get("LIJIAO_AUDIT_CHECKPOINT_INTERVAL", "300"))

# Verifiable credentials (ADR 0019): certificates as Open Badges 3.0 VC-JWTs and the revocation status lists are
# signed with the bureau's Ed25519 key in a file; after `lijiao rotate-credential-key` the old public keys are
# kept in ``retired/`` beside it (and any listed in CREDENTIAL_VERIFY_KEY_FILES) and served at
# /.well-known/jwks.json, so credentials signed before still verify. Created on first use only in development.
PUBLIC_BASE_URL = os.environ.get("LIJIAO_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CREDENTIAL_ISSUER_NAME = os.environ.get("LIJIAO_CREDENTIAL_ISSUER_NAME", "大连市人力资源和社会保障局")
CREDENTIAL_SIGNING_KEY_FILE = Path(
    os.environ.get("LIJIAO_CREDENTIAL_SIGNING_KEY_FILE", VAR_DIR / "credentials" / "signing-key.pem")
)
CREDENTIAL_VERIFY_KEY_FILES = [Path(name) for name in env_list("LIJIAO_CREDENTIAL_VERIFY_KEY_FILES")]
CREDENTIAL_SIGNING_KEY_AUTOCREATE = DEBUG
CREDENTIAL_STATUS_LIST_MAX_AGE = int(os.environ.get("LIJIAO_CREDENTIAL_STATUS_LIST_MAX_AGE", "300"))

ALLOWED_HOSTS = env_list("LIJIAO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("LIJIAO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
    "django_filters",
    "axes",
    "lijiao.core",
    "lijiao.accounts",
    "lijiao.audit",
    "lijiao.people",
    "lijiao.catalog",
    "lijiao.providers",
    "lijiao.training",
    "lijiao.certificates",
    "lijiao.subsidies",
    "lijiao.portal",
    "lijiao.demo",  # dev-only demo data (`lijiao loaddemo`); no app imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files through WhiteNoise, below SecurityMiddleware: they carry nosniff and the other headers too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "lijiao.accounts.middleware.UserLanguageMiddleware",
    "lijiao.core.middleware.ApiErrorMiddleware",  # JSON errors under /api/ (ADR 0006)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lijiao.audit.middleware.RequestContextMiddleware",
    "lijiao.core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a throttled login (accounts/throttle.py)
]

ROOT_URLCONF = "lijiao.urls"
WSGI_APPLICATION = "lijiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lijiao.portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("LIJIAO_DATABASE_URL", f"sqlite:///{VAR_DIR / 'lijiao.sqlite3'}"),
        conn_max_age=int(os.environ.get("LIJIAO_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # throttling first: a throttled client never reaches a password check
    "lijiao.accounts.backends.AccountModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "lijiao.accounts.validators.CharacterClassValidator"},
]
# Login throttling (django-axes; policy in accounts/throttle.py and the README): failures counted per client
# address and per account name at that address, within the lock window; tokens are never affected.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LIJIAO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LIJIAO_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LIJIAO_LOGIN_LOCKOUT_MINUTES", "15"))
AXES_HANDLER = "lijiao.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_RESET_ON_SUCCESS = False  # a success must not wipe the address's count (an attacker's own account would)
AXES_CLIENT_IP_CALLABLE = "lijiao.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "lijiao.accounts.throttle.throttled_response"
AXES_DISABLE_ACCESS_LOG = True  # logins are in the audit log
AXES_VERBOSE = False

# Chinese first (ADR 0003): source strings are Chinese; English is a catalog per app (<app>/locale/en) and for
# the project's own templates (locale/en); locale/zh_Hans overrides a few strings of Django and libraries.
# Which language: the user's setting (User.language), else the language switch's cookie or the browser's
# Accept-Language (LocaleMiddleware), else zh-Hans. Language names are shown in their own language.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# The back office's address (Django admin); production picks its own, e.g. LIJIAO_ADMIN_PATH=backoffice-7f3a/.
ADMIN_PATH = os.environ.get("LIJIAO_ADMIN_PATH", "admin/").strip("/") + "/"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"  # never served by URL: uploads and error reports hold personal data (ADR 0007)
FILE_UPLOAD_PERMISSIONS = 0o600  # stored files readable by the application's own user only
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
IMPORT_REPORT_RETENTION_DAYS = int(os.environ.get("LIJIAO_IMPORT_REPORT_RETENTION_DAYS", "30"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# API lists (ADR 0006): ?limit= 1…500 (100 when not given), ?offset= 0…2^31-1, in lijiao.core.pagination.
NINJA_PAGINATION_CLASS = "lijiao.core.pagination.LimitOffsetPagination"
NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 500

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security: safe by default; development relaxes only what plain http needs.
# LIJIAO_PLAIN_HTTP=1: served over plain http on this machine (``make run``), so cookies may not be Secure-only.
PLAIN_HTTP = DEBUG or env_bool("LIJIAO_PLAIN_HTTP")
SESSION_COOKIE_SECURE = not PLAIN_HTTP
CSRF_COOKIE_SECURE = not PLAIN_HTTP
LANGUAGE_COOKIE_SECURE = not PLAIN_HTTP
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# https only: the proxy in front sets X-Forwarded-Proto (LIJIAO_BEHIND_PROXY=1) or Django redirects itself.
SECURE_SSL_REDIRECT = env_bool("LIJIAO_SSL_REDIRECT", default=not PLAIN_HTTP)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("LIJIAO_BEHIND_PROXY") else None
if not PLAIN_HTTP:
    SECURE_HSTS_SECONDS = int(os.environ.get("LIJIAO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LIJIAO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("LIJIAO_HSTS_PRELOAD")
# Submitting the domain to browsers' HSTS preload list is the domain owner's decision (LIJIAO_HSTS_PRELOAD=1),
# not a default of ours; the check that asks for it is silenced for that reason only.
SILENCED_SYSTEM_CHECKS = [] if env_bool("LIJIAO_HSTS_PRELOAD") else ["security.W021"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Domain settings.
SUBSIDY_POLICY_CAP = Decimal(os.environ.get("LIJIAO_SUBSIDY_CAP", "5500.00"))
# The SMS copy of in-app messages (lijiao.people.sms): a class with ``send(*, phone, text) -> bool``.
SMS_GATEWAY = os.environ.get("LIJIAO_SMS_GATEWAY", "")
# Working days within which the district clerk reviews a class filing (the review queue marks later ones).
TRAINING_REVIEW_DEADLINE_WORKING_DAYS = int(os.environ.get("LIJIAO_REVIEW_DEADLINE_WORKING_DAYS", "5"))
PDF_FONT_CANDIDATES = [
    *env_list("LIJIAO_PDF_FONT"),
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]
# Public certificate verification (ADR 0018): answers per client address per minute and per day (0: no limit,
# e.g. for a load test), and the employers' batch verification: rows per file and rows per employer per day.
CERTIFICATE_VERIFY_PER_MINUTE = int(os.environ.get("LIJIAO_VERIFY_PER_MINUTE", "10"))
CERTIFICATE_VERIFY_PER_DAY = int(os.environ.get("LIJIAO_VERIFY_PER_DAY", "100"))
CERTIFICATE_BATCH_MAX_ROWS = int(os.environ.get("LIJIAO_VERIFY_BATCH_MAX_ROWS", "500"))
CERTIFICATE_BATCH_DAILY_ROWS = int(os.environ.get("LIJIAO_VERIFY_BATCH_DAILY_ROWS", "2000"))
# Benchmark-only endpoints (benchmarks/verify_load.py): never routed unless this is set.
BENCH_ENDPOINTS = env_bool("LIJIAO_BENCH_ENDPOINTS")
API_TOKEN_TTL_DAYS = int(os.environ.get("LIJIAO_API_TOKEN_TTL_DAYS", "365"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIJIAO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
