"""One settings module, configured by PILOTE_* environment variables.

| variable | default |
|---|---|
| PILOTE_DATA_DIR | the per-user data folder (platformdirs), e.g. ~/.local/share/pilote |
| PILOTE_DATABASE_URL | sqlite:///$PILOTE_DATA_DIR/pilote.sqlite3 |
| PILOTE_SECRET_KEY | generated once and kept in $PILOTE_DATA_DIR/secret_key |
| PILOTE_DEBUG | false |
| PILOTE_ALLOWED_HOSTS | localhost,127.0.0.1,[::1] (comma-separated) |
| PILOTE_TIME_ZONE | Europe/Paris (display only; storage is UTC) |
| PILOTE_BASE_URL | http://127.0.0.1:8000 (links in e-mails and webhooks) |
| PILOTE_SMTP_HOST, _PORT, _USER, _PASSWORD, _STARTTLS, _SSL; PILOTE_EMAIL_FROM | no e-mail |
| PILOTE_WEBHOOK_RETRY_SECONDS | 30 (first retry of an outgoing webhook; doubles each time) |
| PILOTE_EMBEDDED_WORKER | true: `pilote serve` runs the background worker in a thread |
| PILOTE_DB_POOL, PILOTE_DB_POOL_SIZE | true, 8: PostgreSQL connections pooled per process (psycopg-pool) |
| PILOTE_SOURCE_DIRS | none: directories whose files CSV and SQLite sources may read (os.pathsep-separated) |
| PILOTE_TRUSTED_PROXIES | 0: reverse proxies in front of Pilote whose X-Forwarded-For is believed |
| PILOTE_LOGIN_FAILURE_LIMIT, PILOTE_LOGIN_ACCOUNT_FAILURE_LIMIT | 5 per e-mail and address, 20 per e-mail |
| PILOTE_INVITATION_DAYS | 7: how long an invitation's link works |
| PILOTE_PASSWORD_RESET_SECONDS | 3600: how long a password-reset link works |
| PILOTE_RESET_LIMIT_PER_EMAIL, _PER_ADDRESS | 3, 20 password-reset requests an hour |
| PILOTE_INVITATIONS_PER_HOUR | 200 invitations sent (or resent) an hour by one person |
| PILOTE_SSO_ALLOW_PRIVATE, PILOTE_SSO_ALLOW_HTTP | false: identity providers on public https:// addresses only |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from platformdirs import user_data_dir


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("PILOTE_DATA_DIR") or user_data_dir("pilote", appauthor=False))


def _data_dir() -> Path:
    """The data folder, created owner-only: it holds the database and the secret key."""
    if not DATA_DIR.exists():
        DATA_DIR.mkdir(parents=True, mode=0o700)
    return DATA_DIR


def _owner_only_file(path: Path) -> None:
    """Create ``path`` readable by its owner alone, before anything writes to it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _secret_key() -> str:
    if key := os.environ.get("PILOTE_SECRET_KEY"):
        return key
    path = _data_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    _owner_only_file(path)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("PILOTE_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("PILOTE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
        ","
    )
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "csp",
    "pilote.orgs",
    "pilote.goals",
    "pilote.roadmap",
    "pilote.sources",
    "pilote.notify",
    "pilote.conversations",
    "pilote.web",
    "django_tasks",
    "django_tasks_db",
]

# Background work: Django's task interface (django-tasks) with its database backend, so
# that `pilote serve` runs tasks in a thread on SQLite and `pilote worker` processes on
# other hosts share the queue through PostgreSQL (docs/operations.md "Workers").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    # Outermost: no cyclic collection while a request is built (pilote/process.py).
    "pilote.process.CollectorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "pilote.web.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "pilote.web.middleware.SessionExpiryMiddleware",
    "pilote.web.middleware.ActorMiddleware",
    "pilote.web.middleware.OrganizationLanguageMiddleware",
    "pilote.web.middleware.DomainErrorMiddleware",
    # django-axes last: it watches the sign-ins the views above let through.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "pilote.orgs.signin.SignInBackend",  # refuses sign-ins while locked out (django-axes)
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "pilote.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "pilote.web.context.pilote",
            ]
        },
    }
]
WSGI_APPLICATION = "pilote.wsgi.application"
ASGI_APPLICATION = "pilote.asgi.application"


def _database() -> dict:
    url = os.environ.get("PILOTE_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'pilote.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=0)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # The file holds password hashes and sessions: owner-only (SQLite gives its -wal and
        # -shm files the database file's permissions).
        if db["NAME"] and str(db["NAME"]) != ":memory:":
            _data_dir()
            _owner_only_file(Path(db["NAME"]))
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock
        # at BEGIN so two writers queue instead of failing with "database is locked"
        # half-way. Django's SQLite backend already turns foreign keys on.
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        db["TEST"] = {"NAME": os.environ.get("PILOTE_TEST_SQLITE") or None}
    elif db["ENGINE"] == "django.db.backends.postgresql" and _env_bool("PILOTE_DB_POOL", True):
        # A pool of connections per process (psycopg-pool, Django's "pool" option): opening a
        # PostgreSQL connection cost ~7.5 ms a request. PILOTE_DB_POOL=false behind PgBouncer.
        db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("PILOTE_DB_POOL_SIZE", 8)),
            "timeout": 10,
        }
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("PILOTE_TIME_ZONE", "Europe/Paris")

STATIC_URL = "/static/"
# Only needed when a reverse proxy serves collected files; WhiteNoise serves them from the apps otherwise.
STATIC_ROOT = os.environ.get("PILOTE_STATIC_ROOT") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Front-end libraries come from the npm registry (package.json); only their dist folders are served.
NODE_MODULES = Path(
    os.environ.get("PILOTE_NODE_MODULES") or BASE_DIR.parent.parent / "node_modules"
)
_VENDOR = {
    "bootstrap": "bootstrap/dist",
    "htmx": "htmx.org/dist",
    "htmx-ext-sse": "htmx-ext-sse/dist",
    "chart.js": "chart.js/dist",
}
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / sub)
    for name, sub in _VENDOR.items()
    if (NODE_MODULES / sub).is_dir()
]
# Serve static files from the apps' folders without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# Idle expiry: the session (and its cookie's age) is renewed by the first request after
# SESSION_RENEW_SECONDS, not written on every page (web/middleware.py). Absolute expiry: a
# session older than PILOTE_SESSION_ABSOLUTE_SECONDS is closed whatever the activity.
SESSION_COOKIE_AGE = int(os.environ.get("PILOTE_SESSION_IDLE_SECONDS", 8 * 3600))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 300
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("PILOTE_SESSION_ABSOLUTE_SECONDS", 7 * 24 * 3600))
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("PILOTE_HTTPS")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

NINJA_PAGINATION_PER_PAGE = 100
# A request body above this is refused with a 413 problem (a bulk of 10,000 check-ins fits).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Sign-in protection (django-axes, orgs/signin.py): after 5 failures for one e-mail from one
# address, that pair is locked out for 15 minutes; after 20 for one e-mail from any
# addresses, the account is. The address is the connection's unless the operator says how
# many reverse proxies stand in front (PILOTE_TRUSTED_PROXIES): X-Forwarded-For is
# written by the client otherwise.
PILOTE_TRUSTED_PROXIES = int(os.environ.get("PILOTE_TRUSTED_PROXIES", 0))
AXES_CLIENT_IP_CALLABLE = "pilote.orgs.signin.client_address"
PILOTE_LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("PILOTE_LOGIN_ACCOUNT_FAILURE_LIMIT", 20))
AXES_FAILURE_LIMIT = int(os.environ.get("PILOTE_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("PILOTE_LOGIN_COOLOFF_HOURS", 0.25))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "pilote/locked.html"
AXES_VERBOSE = False
# Accounts people manage themselves (orgs/accounts.py): an invitation's link works this many
# days (a resend makes a new one); a password-reset link for PASSWORD_RESET_TIMEOUT (Django's,
# one hour here). Reset requests, like sign-ins, are limited per e-mail and per address over
# an hour; so are invitations sent, per person sending.
PILOTE_INVITATION_DAYS = int(os.environ.get("PILOTE_INVITATION_DAYS", 7))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PILOTE_PASSWORD_RESET_SECONDS", 3600))
PILOTE_RESET_LIMIT_PER_EMAIL = int(os.environ.get("PILOTE_RESET_LIMIT_PER_EMAIL", 3))
PILOTE_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("PILOTE_RESET_LIMIT_PER_ADDRESS", 20))
PILOTE_INVITATIONS_PER_HOUR = int(os.environ.get("PILOTE_INVITATIONS_PER_HOUR", 200))
# Single sign-on (orgs/sso.py): an organisation's identity provider must be an https://
# address on a public network unless the operator allows plain HTTP or private addresses
# (an in-house Keycloak, say).
PILOTE_SSO_ALLOW_PRIVATE = _env_bool("PILOTE_SSO_ALLOW_PRIVATE")
PILOTE_SSO_ALLOW_HTTP = _env_bool("PILOTE_SSO_ALLOW_HTTP")

# Content-Security-Policy (django-csp): no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOCALE_PATHS = [BASE_DIR / "locale"]

# Directories a CSV or SQLite source may read (docs/security.md): none unless the operator
# lists them; Pilote's own files are refused even inside them (sources/reach.py).
PILOTE_SOURCE_DIRS = [
    d for d in os.environ.get("PILOTE_SOURCE_DIRS", "").split(os.pathsep) if d.strip()
]

PILOTE_EMBEDDED_WORKER = _env_bool("PILOTE_EMBEDDED_WORKER", True)

# Where people open Pilote: the links in e-mails and outgoing webhooks start with it.
PILOTE_BASE_URL = os.environ.get("PILOTE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# At-risk alerts: check-ins within this many seconds of each other are checked together.
PILOTE_ALERT_DEBOUNCE_SECONDS = float(os.environ.get("PILOTE_ALERT_DEBOUNCE_SECONDS", 30))
# Outgoing webhooks: the first retry waits this long, then twice as long each time (5 tries).
PILOTE_WEBHOOK_RETRY_SECONDS = float(os.environ.get("PILOTE_WEBHOOK_RETRY_SECONDS", 30))

# E-mail (Django's SMTP backend). Without PILOTE_SMTP_HOST no e-mail is sent: notifications
# stay in the app and go to webhooks.
EMAIL_ENABLED = bool(os.environ.get("PILOTE_SMTP_HOST"))
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("PILOTE_SMTP_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PILOTE_SMTP_PORT", 25))
EMAIL_HOST_USER = os.environ.get("PILOTE_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PILOTE_SMTP_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("PILOTE_SMTP_STARTTLS")
EMAIL_USE_SSL = _env_bool("PILOTE_SMTP_SSL")
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("PILOTE_EMAIL_FROM", "Pilote <pilote@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PILOTE_LOG_LEVEL", "WARNING")},
}
