"""Settings shared by every environment. Each value says why it is what it is."""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("ACCOUNTDESK_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # For accounts' exclusion constraint (objectives whose periods overlap): PostgreSQL only,
    # and harmless on SQLite.
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates, for FORM_RENDERER
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "tenancy",
    "clients",
    "accounts",
    "catalog",
    "billing",
    "offers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenancy.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenancy.middleware.HtmxMessagesMiddleware",
    # Last, so that the tenant transaction wraps only the view and its rendering,
    # and every middleware above sees the final response.
    "tenancy.middleware.TenantMiddleware",
    # Inside the tenant scope: turns a view's "not found", "not allowed" and refusals into pages.
    "config.errors.RefusalMiddleware",
    # Inside the tenant scope, so that its page is the organisation's like any other.
    "config.errors.method_not_allowed_page",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenancy.context_processors.tenant",
            ],
        },
    }
]

# Form fields render through templates/forms/field.html and Django's widget templates (which
# templates/django/forms/ overrides where Bootstrap's markup differs), with Bootstrap's classes.
FORM_RENDERER = "config.renderers.FormRenderer"

# --- Database -----------------------------------------------------------------
# DATABASE_URL is the application role: not superuser, not owner, no BYPASSRLS, so
# PostgreSQL's row-level security applies to everything the web and workers do.
# DATABASE_OWNER_URL is the owner role, used only to migrate. Without either the
# embedded SQLite file is used (no row-level security there: layers 1 and 2 still hold).
_SQLITE_URL = f"sqlite:///{VAR_DIR / 'accountdesk.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL", _SQLITE_URL), conn_max_age=60),
    "owner": dj_database_url.parse(env("DATABASE_OWNER_URL", env("DATABASE_URL", _SQLITE_URL)), conn_max_age=0),
}
for _db in DATABASES.values():
    # The tenant middleware opens the transaction itself (so the row-level security
    # setting is inside it); ATOMIC_REQUESTS would only wrap the view.
    _db["ATOMIC_REQUESTS"] = False
    if _db["ENGINE"].endswith("sqlite3"):
        # Web, worker and beat share one file: wait for the writer instead of failing.
        _db["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
DATABASE_ROUTERS = []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Role names the migrations grant to; `make db` creates them.
ACCOUNTDESK_APP_ROLE = env("ACCOUNTDESK_APP_ROLE", "accountdesk_app")

# --- Auth -----------------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
AUTHENTICATION_BACKENDS = ["tenancy.auth.ThrottledEmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: failures allowed per window, per account and per client address.
LOGIN_THROTTLE_PER_ACCOUNT = env_int("LOGIN_THROTTLE_PER_ACCOUNT", 5)
LOGIN_THROTTLE_PER_ADDRESS = env_int("LOGIN_THROTTLE_PER_ADDRESS", 20)
LOGIN_THROTTLE_WINDOW_SECONDS = env_int("LOGIN_THROTTLE_WINDOW_SECONDS", 15 * 60)
# Sessions live in the database, read through the cache (Redis in production).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), never from the cookie.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"

# --- Cache (login throttling, rate limits) ------------------------------------------
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # The embedded default: throttling counters shared by every web process on this machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- I18n -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("ca", _("Catalan"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Exports --------------------------------------------------------------------------
# A list export of up to this many rows downloads at once; a longer one is prepared by a
# Celery task while the person watches its progress, and kept this many hours.
EXPORT_INLINE_ROWS = env_int("EXPORT_INLINE_ROWS", 2000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
# Prepared exports are files in the default storage: web and worker must share it.
MEDIA_ROOT = Path(env("ACCOUNTDESK_MEDIA_DIR", str(VAR_DIR / "media")))

# --- Static files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Content security policy: nonces, no inline code, no eval -------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


# --- Mail ---------------------------------------------------------------------------
def mailers(backend: str) -> dict:
    """Django 6.1's MAILERS from one backend path (EMAIL_BACKEND in the environment)."""
    options = {}
    if backend.endswith("filebased.EmailBackend"):
        options["file_path"] = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
    if backend.endswith("smtp.EmailBackend"):
        options.update(
            host=env("EMAIL_HOST", "localhost"),
            port=env_int("EMAIL_PORT", 25),
            username=env("EMAIL_HOST_USER", ""),
            password=env("EMAIL_HOST_PASSWORD", ""),
            use_tls=env_bool("EMAIL_USE_TLS", True),
        )
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


# Development prints mail to the console.
MAILERS = mailers(env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "AccountDesk <no-reply@accountdesk.example>")

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenancy.api_auth.MembershipTokenAuthentication",
        "tenancy.api_auth.CsrfSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenancy.permissions.IsTenantMember"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "config.api_pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AccountDesk API",
    "DESCRIPTION": "Every operation lives under /api/v1/o/<org_slug>/. Authenticate with a session or `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's refusals (400, 401, 403, 404) documented in the API's one error shape.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.api.document_error_answers"],
    "ENUM_NAME_OVERRIDES": {
        "ContactLanguageEnum": "clients.reference.CONTACT_LANGUAGE_CHOICES",
        "DocumentLanguageEnum": "offers.api.DOCUMENT_LANGUAGES",
    },
}
API_TOKEN_DEFAULT_DAYS = env_int("API_TOKEN_DEFAULT_DAYS", 90)
API_TOKEN_MAX_DAYS = 365

# --- Celery -------------------------------------------------------------------------
# Embedded default: the filesystem transport, so a fresh machine needs no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast (worker control) exchanges; kombu's default is ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
        # How often an idle worker looks for new messages (kombu's default: every second).
        # Also how soon it notices a shutdown: its loop checks between two looks.
        "polling_interval": 0.2,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "accountdesk")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Static schedule (no django-celery-beat: its release pins Django < 6.1).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "tenancy.tasks.worker_heartbeat", "schedule": 15.0},
    "exports-clean": {"task": "tenancy.tasks.exports_clean", "schedule": crontab(minute=17)},
    # Daily: each organisation whose statement day it is (in its time zone) mails last month's.
    "billing-statements-monthly": {"task": "billing.tasks.statements_monthly", "schedule": crontab(hour=6, minute=5)},
    "billing-statement-batches-tend": {"task": "billing.tasks.statement_batches_tend", "schedule": crontab(minute=23)},
    # Daily: each organisation's open offers past their valid-until date expire (idempotent).
    "offers-expire": {"task": "offers.tasks.offers_expire_daily", "schedule": crontab(hour=0, minute=35)},
}
# A statement batch whose worker wrote no progress for this long was lost with it: taken up again.
STATEMENT_BATCH_STALE_SECONDS = env_int("STATEMENT_BATCH_STALE_SECONDS", 120)
# /healthz counts the worker as up while its last heartbeat is younger than this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env_int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 60)

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

ACCOUNTDESK_DEMO_PASSWORD = "accountdesk-demo"
ACCOUNTDESK_BASE_URL = env("ACCOUNTDESK_BASE_URL", "http://127.0.0.1:8000")

# Email is unique case-insensitively (a functional unique constraint on Lower(email)),
# which this check cannot see; the login backend looks emails up with iexact.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]

# English dates day-first (see config/formats/en/formats.py); Spanish and Catalan use Django's.
FORMAT_MODULE_PATH = ["config.formats"]
