"""Django settings for Lijiao, read from environment variables.

Production is the safe default: DEBUG is off, cookies are secure, a Content Security Policy is sent, and the
secret key and the personal-data key must be given. ``make run`` writes a development key file and sets
``LIJIAO_DEBUG=1``.

Environment:
    LIJIAO_DATABASE_URL   database URL (default: SQLite file var/lijiao.sqlite3)
    LIJIAO_SECRET_KEY     Django secret key (required unless LIJIAO_DEBUG=1)
    LIJIAO_PII_KEY        key for personal data at rest (required); LIJIAO_PII_OLD_KEYS: comma list, to rotate
    LIJIAO_ALLOWED_HOSTS  comma list (default: localhost names)
    LIJIAO_DEBUG          1 for development
    LIJIAO_CONN_MAX_AGE   seconds a database connection is kept (default 600)
    LIJIAO_SUBSIDY_CAP    the policy's maximum subsidy per item in yuan (default 5500)
    LIJIAO_PDF_FONT       a CJK TrueType font file (.ttf/.ttc) embedded into PDFs
"""

from __future__ import annotations

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
    "lijiao.core",
    "lijiao.accounts",
    "lijiao.audit",
    "lijiao.people",
    "lijiao.catalog",
    "lijiao.providers",
    "lijiao.training",
    "lijiao.portal",
    "lijiao.demo",  # dev-only demo data (`lijiao loaddemo`); no app imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
AUTHENTICATION_BACKENDS = ["lijiao.accounts.backends.LockoutModelBackend"]
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
# Lock-out after repeated failed logins (per account name).
LOGIN_FAILURE_LIMIT = int(os.environ.get("LIJIAO_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LIJIAO_LOGIN_LOCKOUT_MINUTES", "15"))

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

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# API lists (ADR 0006): ?limit= 1…500 (100 when not given), ?offset= 0…2^31-1, in lijiao.core.pagination.
NINJA_PAGINATION_CLASS = "lijiao.core.pagination.LimitOffsetPagination"
NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 500

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security: safe by default; development relaxes only what plain http needs.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("LIJIAO_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("LIJIAO_BEHIND_PROXY") else None
if not DEBUG:
    SECURE_HSTS_SECONDS = int(os.environ.get("LIJIAO_HSTS_SECONDS", "31536000"))
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
PDF_FONT_CANDIDATES = [
    *env_list("LIJIAO_PDF_FONT"),
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
]
API_TOKEN_TTL_DAYS = int(os.environ.get("LIJIAO_API_TOKEN_TTL_DAYS", "365"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIJIAO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
