"""Berdaya settings.

Everything comes from the environment, with safe local defaults so that `make run` works on a laptop.
A bad value fails loudly at start-up rather than silently falling back.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# "production" turns on every secure default; "local" is for laptops and CI.
PROFILE = env_str("BERDAYA_PROFILE", "local")
if PROFILE not in {"local", "production"}:
    raise ImproperlyConfigured(f"BERDAYA_PROFILE must be 'local' or 'production', got {PROFILE!r}")
PRODUCTION = PROFILE == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and "SECRET_KEY" not in os.environ:
    raise ImproperlyConfigured("SECRET_KEY must be set in the production profile")
SECRET_KEY = env_str("SECRET_KEY", "local-dev-only-not-secret-" + "x" * 40)
# Rotating the key (docs/operations.md): the old key goes here for a while, so sessions and signed links made with it
# keep working until they expire.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(env_str("BERDAYA_DATA_DIR", str(PROJECT_DIR / "var")))
# A fresh clone has no var/: SQLite cannot create its file in a folder that does not exist.
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "berdaya.core",
    "berdaya.accounts",
    "berdaya.areas",
    "berdaya.organisations",
    "berdaya.casework",
    "berdaya.partners",
    "berdaya.registry",
    "berdaya.targeting",
    "berdaya.migration",
    "berdaya.inclusion",
    "berdaya.programmes",
    "berdaya.markets",
    "berdaya.farming",
    "berdaya.jobs",
    "berdaya.ops",
    "berdaya.imports",
    "berdaya.odk",
    "berdaya.dedup",
    "berdaya.musdes",
    "berdaya.transparency",
    "berdaya.outcomes",
    "berdaya.grievances",
    "berdaya.monitoring",
    "berdaya.reports",
    "berdaya.dci",
    "berdaya.api",
    "berdaya.privacy",
    "berdaya.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "berdaya.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user read by a query compiled once (accounts.middleware).
    "berdaya.accounts.middleware.AuthenticationMiddleware",
    "berdaya.core.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "berdaya.core.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "berdaya.urls"
# Django's form renderer, with selects written out in Python (core.renderers): the same markup, without two
# template includes per option.
FORM_RENDERER = "berdaya.core.renderers.FormRenderer"
WSGI_APPLICATION = "berdaya.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "berdaya.core.context_processors.berdaya",
                "berdaya.areas.context_processors.regency",
            ],
        },
    },
]

# SQLite by default: one file, nothing to install. PostgreSQL in production via DATABASE_URL.
_default_sqlite = f"sqlite:///{DATA_DIR / 'berdaya.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", "") or _default_sqlite, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the task worker writes; IMMEDIATE avoids lock upgrades failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("BERDAYA_TEST_SQLITE", "") or None}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "BERDAYA_PREPARED_STATEMENTS", True
):
    # PostgreSQL: core.compiled runs its fixed statements prepared, parsed and planned once per connection (Django's
    # own queries still bind on the client and are never prepared). Off (=0) behind a pooler in transaction mode
    # that does not carry prepared statements across its server connections (pgbouncer before 1.21, or without
    # max_prepared_statements): see docs/decisions.md.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Throttle guessing: lock a username+IP pair after 5 failures for 15 minutes.
# History is read per record (through the index on the record's id), never scanned by date across records: an index
# on history_date would only slow every write and every bulk import.
SIMPLE_HISTORY_DATE_INDEX = False

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Also locks an address for every username after BERDAYA_LOGIN_ADDRESS_LIMIT failures (berdaya.accounts.throttle).
AXES_HANDLER = "berdaya.accounts.throttle.LoginThrottle"
# The client's address behind BERDAYA_TRUSTED_PROXIES reverse proxies (docs/security.md), REMOTE_ADDR without one.
AXES_CLIENT_IP_CALLABLE = "berdaya.accounts.throttle.client_ip"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and one datetime format per language (berdaya/formats/<lang>/formats.py); templates use |date.
FORMAT_MODULE_PATH = ["berdaya.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True
# Off: with it on, every id rendered in a template (hidden inputs, data attributes) would read "6.988" in
# Indonesian. Counts and money are formatted explicitly (intcomma, rupiah filters) where people read them.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Source maps (the API docs' bundles ship 13 MB of them) are for developers' tools, not for browsers on a village
# connection: whitenoise serves them uncompressed instead of spending most of collectstatic brotli-compressing them.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

# Long work runs on a database-backed queue: no extra server to install.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Security. The local profile stays usable over plain http; production turns every switch on.
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read with a prepared statement (core.sessions): the same table and rows.
SESSION_ENGINE = "berdaya.core.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Aggregate pages over the whole registry (coverage gaps, regency profile, inclusion, migrants) read a stored
# snapshot at most this many seconds old (core.snapshots; refreshed every 10 minutes by the scheduled job
# "core.aggregates"); 0 computes every page live. Production default: 30 minutes.
BERDAYA_AGGREGATE_MAX_AGE = env_int("BERDAYA_AGGREGATE_MAX_AGE", 1800 if PRODUCTION else 0)
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The cache holds the rate limits (the public grievance form, the API's per-token throttles) and the cached public
# pages, which every gunicorn worker must share: production keeps it in files under the data directory (no extra
# server); a laptop's single process keeps it in memory.
if PRODUCTION:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "TIMEOUT": 3600,
            # Aggregate pages cache one rendered fragment per scope and filter combination (core.fragments): the
            # default 300 entries would evict them early. A write lists the folder only on a miss.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Every asset is served from this server: no CDN, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# The REST API (berdaya.api, docs/api.md): bearer tokens, or the browser's session; cursor pages; a rate per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "berdaya.api.authentication.BearerAuthentication",
        "berdaya.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["berdaya.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "berdaya.api.pagination.Cursor",
    "PAGE_SIZE": env_int("BERDAYA_API_PAGE_SIZE", 50),
    "DEFAULT_THROTTLE_CLASSES": ["berdaya.api.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("BERDAYA_API_RATE", "600/min"),
        "anon": env_str("BERDAYA_API_ANON_RATE", "60/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "berdaya.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Berdaya API",
    "DESCRIPTION": "REST API registri dan pemberdayaan Kabupaten Merangin (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "berdaya.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WgssAnswerEnum": "berdaya.registry.choices.WGSSAnswer",
        "SaleChannelEnum": "berdaya.markets.choices.Channel",
        "PlacementChannelEnum": "berdaya.migration.choices.Channel",
        # Four models call their choice field "kind": each its own enum in the schema.
        "GroupKindEnum": "berdaya.registry.choices.GroupKind",
        "ProgrammeKindEnum": "berdaya.programmes.choices.ProgrammeKind",
        "AssistanceKindEnum": "berdaya.programmes.choices.AssistanceKind",
        "OrganisationKindEnum": "berdaya.organisations.models.Organisation.Kind",
    },
}

# Domain thresholds (../shared/domain.md): they differ between sources, so they are settings.
BERDAYA = {
    "DEFAULT_REGENCY": env_str("BERDAYA_REGENCY", "15.02"),
    # The regencies whose villages this deployment registers (imports refuse others); default: DEFAULT_REGENCY.
    "REGENCIES": env_list("BERDAYA_REGENCIES", []),
    # A first load may lock the registry tables against readers to rebuild their indexes once (faster, pages wait).
    "IMPORT_EXCLUSIVE_LOAD": env_bool("BERDAYA_IMPORT_EXCLUSIVE_LOAD", False),
    "SMALLHOLDER_MAX_HA": env_float("BERDAYA_SMALLHOLDER_MAX_HA", 2.0),
    "GUREM_MAX_HA": env_float("BERDAYA_GUREM_MAX_HA", 0.5),
    "ELDERLY_AGE": env_int("BERDAYA_ELDERLY_AGE", 60),
    "CHILD_AGE": env_int("BERDAYA_CHILD_AGE", 18),
    # Poor (miskin): welfare decile 1..POOR_MAX_DECILE; PKH uses deciles 1-4 (../shared/domain.md).
    "POOR_MAX_DECILE": env_int("BERDAYA_POOR_MAX_DECILE", 4),
    # Monthly poverty line per person (Rp), for graduation (berdaya.outcomes). BPS publishes one per regency each
    # year; the default is an approximation for Kabupaten Merangin (uncertain, docs/impact.md): set the current one.
    "POVERTY_LINE": env_int("BERDAYA_POVERTY_LINE", 550_000),
    "PAGE_SIZE": env_int("BERDAYA_PAGE_SIZE", 25),
    # Rows of the coverage-gap table shown before "and N more".
    "GAP_ROWS": env_int("BERDAYA_GAP_ROWS", 100),
    "CASE_SLA_DAYS": {"intake": 2, "assessment": 7, "referral": 7, "follow_up": 30},
    "CASE_DOCUMENT_MAX_MB": env_int("BERDAYA_CASE_DOCUMENT_MAX_MB", 10),
    # The KPD (disability card) number format is not published consistently: a regex and its description, settable.
    "KPD_PATTERN": env_str("BERDAYA_KPD_PATTERN", r"^\d{16}$"),
    "KPD_FORMAT_LABEL": env_str("BERDAYA_KPD_FORMAT_LABEL", "16 digit angka"),
    "DOUBLE_DIP_WINDOW_DAYS": env_int("BERDAYA_DOUBLE_DIP_WINDOW_DAYS", 365),
    # Pairs a dedup run scored at least this likely to be one person are listed for review (/duplikat/).
    "DEDUP_REVIEW_THRESHOLD": env_float("BERDAYA_DEDUP_REVIEW_THRESHOLD", 0.9),
    "UPLOAD_MAX_MB": env_int("BERDAYA_UPLOAD_MAX_MB", 10),
    # Reverse proxies in front of Berdaya that append the client's address to X-Forwarded-For (0: none).
    "TRUSTED_PROXIES": env_int("BERDAYA_TRUSTED_PROXIES", 0),
    # Failed logins from one address, across all usernames, before the address is locked for the cool-off time.
    "LOGIN_ADDRESS_LIMIT": env_int("BERDAYA_LOGIN_ADDRESS_LIMIT", 30),
    "PRICE_OUTLIER_RATIO": env_float("BERDAYA_PRICE_OUTLIER_RATIO", 3.0),
    "PRICE_OUTLIER_MAD_K": env_float("BERDAYA_PRICE_OUTLIER_MAD_K", 5.0),
    "PRICE_OUTLIER_WEEKS": env_int("BERDAYA_PRICE_OUTLIER_WEEKS", 8),
    "PRICE_OUTLIER_MIN_N": env_int("BERDAYA_PRICE_OUTLIER_MIN_N", 5),
    "PRICE_ALERT_PCT": env_float("BERDAYA_PRICE_ALERT_PCT", 10.0),
    # The price a premium (better price obtained by a farmer) is measured against.
    "PREMIUM_REFERENCE_PRICE_TYPE": env_str("BERDAYA_PREMIUM_REFERENCE_PRICE_TYPE", "farm_gate"),
    "TRANSPORT_RP_PER_KM_KG": env_float("BERDAYA_TRANSPORT_RP_PER_KM_KG", 10.0),
    "PUBLIC_PRICE_CACHE_SECONDS": env_int("BERDAYA_PUBLIC_PRICE_CACHE_SECONDS", 300),
    # The public transparency page (aggregates only) is cached this long, in Django's cache and in shared caches.
    "PUBLIC_TRANSPARENCY_CACHE_SECONDS": env_int("BERDAYA_PUBLIC_TRANSPARENCY_CACHE_SECONDS", 900),
    "SMS_SENDER": env_str("BERDAYA_SMS_SENDER", "console"),
    "SMS_GATEWAY_URL": env_str("BERDAYA_SMS_GATEWAY_URL", ""),
    "SMS_GATEWAY_TOKEN": env_str("BERDAYA_SMS_GATEWAY_TOKEN", ""),
    # The generic HTTP gateway (SMS_SENDER=http, markets/providers.py): the sender name or number it sends from, the
    # body it takes ("json" or "form") and how long one request may take.
    "SMS_GATEWAY_SENDER_ID": env_str("BERDAYA_SMS_GATEWAY_SENDER_ID", ""),
    "SMS_GATEWAY_FORMAT": env_str("BERDAYA_SMS_GATEWAY_FORMAT", "json"),
    "SMS_GATEWAY_TIMEOUT_SECONDS": env_float("BERDAYA_SMS_GATEWAY_TIMEOUT_SECONDS", 10.0),
    # The shared secret the gateway sends with delivery receipts and inbound messages (/harga/gateway/...): a bearer
    # token, an HMAC-SHA256 signature of the body, or ?token=. Empty: those endpoints refuse everything.
    "SMS_CALLBACK_SECRET": env_str("BERDAYA_SMS_CALLBACK_SECRET", ""),
    # Answer a STOP/BERHENTI with a confirmation message.
    "SMS_STOP_REPLY": env_bool("BERDAYA_SMS_STOP_REPLY", True),
    "OUTBOX_MAX_ATTEMPTS": env_int("BERDAYA_OUTBOX_MAX_ATTEMPTS", 5),
    "OUTBOX_RETRY_BASE_SECONDS": env_int("BERDAYA_OUTBOX_RETRY_BASE_SECONDS", 300),
    # Record linkage: pairs at or above this probability are stored and clustered (a run, the review queue, the
    # incremental check); a run's DuckDB keeps at most DEDUP_MEMORY_LIMIT in memory and spills the rest to a
    # temporary directory; the predict step can be split into chunks above 200,000 people (each chunk blocks anew:
    # more time, a little less memory).
    "DEDUP_THRESHOLD": env_float("BERDAYA_DEDUP_THRESHOLD", 0.6),
    "DEDUP_MEMORY_LIMIT": env_str("BERDAYA_DEDUP_MEMORY_LIMIT", "2GB"),
    "DEDUP_CHUNKS": env_int("BERDAYA_DEDUP_CHUNKS", 1),
    # SP4N-LAPOR! service levels of grievances, in working days: forward, give the follow-up, close without reply.
    "GRIEVANCE_SLA_DAYS": {"received": 3, "forwarded": 5, "follow_up": 10},
    # The shared secret the SMS/WhatsApp gateway sends with each inbound message (empty: the webhook is off).
    "GRIEVANCE_INBOUND_TOKEN": env_str("BERDAYA_GRIEVANCE_INBOUND_TOKEN", ""),
    # Public grievance form: submissions per address per hour, and the fewest seconds a person takes to fill it.
    "GRIEVANCE_PUBLIC_PER_HOUR": env_int("BERDAYA_GRIEVANCE_PUBLIC_PER_HOUR", 5),
    "GRIEVANCE_FORM_MIN_SECONDS": env_int("BERDAYA_GRIEVANCE_FORM_MIN_SECONDS", 3),
    # SPDCI interfaces (docs/dci.md): Berdaya's receiver_id, the largest page of a search, and how callbacks to a
    # client are retried (attempt n waits BASE * 2^(n-1) seconds after the one before).
    "DCI_RECEIVER_ID": env_str("BERDAYA_DCI_RECEIVER_ID", "berdaya"),
    "DCI_MAX_PAGE_SIZE": env_int("BERDAYA_DCI_MAX_PAGE_SIZE", 1000),
    "DCI_CALLBACK_MAX_ATTEMPTS": env_int("BERDAYA_DCI_CALLBACK_MAX_ATTEMPTS", 6),
    "DCI_CALLBACK_RETRY_BASE_SECONDS": env_int("BERDAYA_DCI_CALLBACK_RETRY_BASE_SECONDS", 2),
    "DCI_CALLBACK_TIMEOUT_SECONDS": env_int("BERDAYA_DCI_CALLBACK_TIMEOUT_SECONDS", 10),
    # Message signatures (docs/dci.md): whether a client's request must be signed (required) or may be (optional: a
    # signature given is still checked), and Berdaya's private key (PEM, Ed25519 or RSA) that signs its answers and
    # callbacks (empty: unsigned) with the key id clients know its public key by.
    "DCI_SIGNATURE_POLICY": env_str("BERDAYA_DCI_SIGNATURE_POLICY", "optional"),
    "DCI_SIGNING_KEY_FILE": env_str("BERDAYA_DCI_SIGNING_KEY_FILE", ""),
    "DCI_SIGNING_KEY_ID": env_str("BERDAYA_DCI_SIGNING_KEY_ID", "1"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusals": {"()": "berdaya.core.logging.OneLineRefusals"},
        "pii": {"()": "berdaya.core.logging.RedactPersonalData"},
    },
    "handlers": {
        # A refused request logs one line, not a traceback; then nothing personal leaves in any line.
        "console": {"class": "logging.StreamHandler", "filters": ["refusals", "pii"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING", "handlers": ["console"], "propagate": False},
        # Django's defaults give "django" an unfiltered console handler (DEBUG) and an e-mail handler that sends the
        # whole request, query string and form data included, to ADMINS: both replaced by the filtered console.
        "django": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # The development server's request log prints the query string (a search by NIK): through the filter too.
        "django.server": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # APScheduler announces every job it adds ("Adding job tentatively", "Added job ...") at INFO: twenty lines
        # on each start of `berdaya serve`. Each run's result is recorded in the database (the schedule page);
        # its warnings and errors (a missed or failed run) still reach the log.
        "apscheduler": {"level": env_str("SCHEDULER_LOG_LEVEL", "WARNING")},
        # Spark's Python bridge (record linkage on Spark) says INFO of every connection it opens and closes, the last
        # of them from a finaliser at exit, when the console is already closed ("--- Logging error ---").
        "py4j": {"level": "WARNING"},
    },
}

# models.W040: SQLite has no covering indexes; there the registry's (household, relationship) index simply carries
# no extra columns (they are a PostgreSQL speed-up for targeting, not a behaviour).
SILENCED_SYSTEM_CHECKS: list[str] = ["models.W040"]
