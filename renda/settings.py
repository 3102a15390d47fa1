"""Settings for Renda.

One settings module for every environment. The embedded default (SQLite in
``var/``, tasks in-process, a generated secret key) needs nothing from the
environment; production sets ``RENDA_ENV=production`` and the variables listed
in ``docs/deploy.md``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RENDA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = os.environ.get("RENDA_ENV", "development") == "production"
DEBUG = os.environ.get("RENDA_DEBUG", "0") == "1" and not PRODUCTION


def _secret_key() -> str:
    """Production takes the key from the environment; the embedded default keeps one in var/."""
    from_environment = os.environ.get("SECRET_KEY") or os.environ.get("RENDA_SECRET_KEY")
    if from_environment:
        return from_environment
    if PRODUCTION:
        raise RuntimeError("生产环境必须设置环境变量 SECRET_KEY (SECRET_KEY is required in production)")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("RENDA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip() for origin in os.environ.get("RENDA_CSRF_TRUSTED_ORIGINS", "").split(",") if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "renda.core",
    "renda.accounts",
    "renda.organizations",
    "renda.ballots",
    "renda.suggestions",
    "renda.motions",
    "renda.deputies",
    "renda.livelihood",
    "renda.opinions",
    "renda.insight",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "renda.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "renda.accounts.middleware.AccountStateMiddleware",
    "renda.organizations.middleware.ActiveRoleMiddleware",
]

ROOT_URLCONF = "renda.urls"
WSGI_APPLICATION = "renda.wsgi.application"
ASGI_APPLICATION = "renda.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "renda" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "renda.organizations.context_processors.active_role",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite in var/ by default; PostgreSQL when DATABASE_URL is set.
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("RENDA_SQLITE_PATH", str(VAR_DIR / "renda.sqlite3")),
            "OPTIONS": {
                # Writers take the lock at BEGIN, so two writers never both read a stale
                # audit-chain head and one of them fails half-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["renda.accounts.backends.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "renda.accounts.passwords.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

# Lockout and password policy; see docs/security.md.
RENDA_LOGIN_MAX_FAILURES = int(os.environ.get("RENDA_LOGIN_MAX_FAILURES", "5"))
RENDA_LOGIN_LOCK_MINUTES = int(os.environ.get("RENDA_LOGIN_LOCK_MINUTES", "15"))
RENDA_PASSWORD_EXPIRY_DAYS = int(os.environ.get("RENDA_PASSWORD_EXPIRY_DAYS", "90"))
RENDA_SMS_CODE_TTL_SECONDS = 300
RENDA_SMS_CODE_RESEND_SECONDS = 60
# Fernet key for personal data encrypted at rest (ID numbers); derived from SECRET_KEY when unset.
RENDA_FIELD_KEY = os.environ.get("RENDA_FIELD_KEY", "")
# The log backend writes codes to the log: fine for a demo, never for production, where a
# gateway adapter must be configured (until then SMS login simply sends nothing).
RENDA_SMS_BACKEND = os.environ.get(
    "RENDA_SMS_BACKEND",
    "renda.accounts.sms.DisabledSmsBackend" if PRODUCTION else "renda.accounts.sms.LogSmsBackend",
)

# Idle sessions expire: every request pushes the expiry forward.
SESSION_COOKIE_AGE = int(os.environ.get("RENDA_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the hx-headers attribute on <body>

# Reverse proxies whose X-Real-IP / X-Forwarded-For headers are believed (comma-separated addresses).
RENDA_TRUSTED_PROXIES = frozenset(
    address.strip() for address in os.environ.get("RENDA_TRUSTED_PROXIES", "").split(",") if address.strip()
)

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "renda" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: all served by the app, nothing from a CDN -------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("RENDA_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "renda" / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even when serving from finders
MEDIA_ROOT = Path(os.environ.get("RENDA_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("RENDA_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("RENDA_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Background work ------------------------------------------------------
# With a broker (production: Redis), Celery workers and beat run the jobs. Without one, tasks run
# in-process, and `make run` starts an in-process scheduler thread for the periodic jobs.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False  # a failing delivery is retried and recorded, never raised into a page
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
RENDA_JOB_INTERVAL_SECONDS = int(os.environ.get("RENDA_JOB_INTERVAL_SECONDS", "300"))
RENDA_IN_PROCESS_SCHEDULER = os.environ.get("RENDA_IN_PROCESS_SCHEDULER", "0") == "1"
CELERY_BEAT_SCHEDULE = {
    "renda-periodic-jobs": {
        "task": "renda.core.tasks.run_periodic_jobs",
        "schedule": float(RENDA_JOB_INTERVAL_SECONDS),
    },
}

# Reminders before a due date (days), and escalation once overdue: the unit head at once,
# the supervising staff after RENDA_ESCALATE_SUPERVISOR_DAYS.
RENDA_REMINDER_DAYS = tuple(
    sorted({int(day) for day in os.environ.get("RENDA_REMINDER_DAYS", "7,1").split(",") if day.strip()}, reverse=True)
)
RENDA_ESCALATE_SUPERVISOR_DAYS = int(os.environ.get("RENDA_ESCALATE_SUPERVISOR_DAYS", "3"))
# No SMS between these hours (local time); held messages go out when quiet hours end.
RENDA_SMS_QUIET_HOURS = tuple(int(hour) for hour in os.environ.get("RENDA_SMS_QUIET_HOURS", "22,7").split(","))
RENDA_BASE_URL = os.environ.get("RENDA_BASE_URL", "http://127.0.0.1:8000")

# --- Email and logging ----------------------------------------------------
EMAIL_BACKEND = os.environ.get("RENDA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("RENDA_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("RENDA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("RENDA_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("RENDA_FROM_EMAIL", "renda@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "renda": {"handlers": ["console"], "level": os.environ.get("RENDA_LOG_LEVEL", "INFO")},
        # Page errors (500s) and refused requests, which Django otherwise only mails to ADMINS.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
CSRF_FAILURE_VIEW = "renda.core.views.csrf_failure"
