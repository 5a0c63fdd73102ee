"""Settings for aidsys, all in one module, all from the environment.

The defaults run the embedded set-up of `make run`: SQLite, Celery tasks run in-process,
DEBUG on. Production sets AIDSYS_DEBUG=false, AIDSYS_SECRET_KEY, AIDSYS_ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL, on several machines AIDSYS_STORAGE_URL, and AIDSYS_REPLICA_URL for
reads on a replica (see README.md). A malformed value stops start-up with a message that names
the variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from aidsys.storage import storage_from_url

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("AIDSYS_DEBUG", True)

SECRET_KEY = env_str("AIDSYS_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("AIDSYS_SECRET_KEY must be set when AIDSYS_DEBUG is false")
    SECRET_KEY = "embedded-only-not-secret-" + "x" * 40

ALLOWED_HOSTS = env_list("AIDSYS_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "testserver"}
if DEBUG and not set(ALLOWED_HOSTS) <= _LOOPBACK:
    # DEBUG runs with a public secret key and shows tracebacks: never on a reachable host.
    raise ImproperlyConfigured("AIDSYS_DEBUG is on: AIDSYS_ALLOWED_HOSTS may name only this machine (127.0.0.1)")
# The demo (known passwords) loads only into the embedded set-up, never into production.
AIDSYS_DEMO_ALLOWED = DEBUG
CSRF_TRUSTED_ORIGINS = env_list("AIDSYS_CSRF_TRUSTED_ORIGINS", [])

# Behind a reverse proxy, the client address comes from X-Forwarded-For only when the
# operator says the proxy is trusted; otherwise anybody could forge the audited IP.
TRUST_X_FORWARDED_FOR = env_bool("AIDSYS_TRUST_X_FORWARDED_FOR", False)
if TRUST_X_FORWARDED_FOR:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "import_export",
    "axes",
    "csp",
    "aidsys",
    "students",
    "applications",
    "reviews",
    "publicity",
    "disbursements",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aidsys.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aidsys.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aidsys.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aidsys.urls"
WSGI_APPLICATION = "aidsys.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aidsys.context_processors.navigation",
            ],
        },
    },
]

# Widgets get Bootstrap's classes from templates/django/forms/, and every field its errors beside it.
FORM_RENDERER = "aidsys.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "sqlite:///" + str(BASE_DIR / "db.sqlite3")),
        conn_max_age=env_int("AIDSYS_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
# A kept connection (AIDSYS_DB_CONN_MAX_AGE) is checked before each request reuses it: after
# PostgreSQL restarts, the next request connects again instead of failing on the dead one.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Reports, exports and dashboards may read from a PostgreSQL streaming replica (aidsys/replica.py);
# every write, and every read inside one, stays on the primary. In tests the replica's alias reads
# the test database's copy on the replica server (its NAME follows the primary's test database).
REPLICA_URL = env_str("AIDSYS_REPLICA_URL")
if REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_URL, conn_max_age=env_int("AIDSYS_DB_CONN_MAX_AGE", 0))
    if "postgresql" not in DATABASES["replica"]["ENGINE"] or "postgresql" not in DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("AIDSYS_REPLICA_URL must name a PostgreSQL replica of DATABASE_URL's PostgreSQL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["aidsys.replica.ReplicaRouter"]
# Whether reports, exports and dashboards read from the replica at all (tests not about the replica
# turn it off: a replica lags, and they read what they have just written).
AIDSYS_REPLICA_READS = bool(REPLICA_URL)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "aidsys.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "aidsys:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Five wrong passwords for one account from one address lock that account from that address
# for 15 minutes (locking the account everywhere would let anyone lock any teacher out); one
# address with 30 wrong passwords across accounts is locked out for as long (aidsys/lockout.py;
# the limit is higher because a school's teachers share one address).
AXES_FAILURE_LIMIT = env_int("AIDSYS_LOGIN_FAILURE_LIMIT", 5)
AIDSYS_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("AIDSYS_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AIDSYS_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "aidsys.lockout.AccountAndAddressHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address the audit trail records: X-Forwarded-For only from the trusted proxy.
AXES_CLIENT_IP_CALLABLE = "aidsys.middleware.client_ip"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules/chart.js/dist"),
]
# Uploads, photos, imports and exports: the local folder MEDIA_ROOT unless AIDSYS_STORAGE_URL names an
# S3-compatible bucket that every app server and worker shares (aidsys/storage.py, README.md).
STORAGES = {
    "default": storage_from_url(env_str("AIDSYS_STORAGE_URL")),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads (attachments, photos) live outside the static files and are served only by
# scoped views, never by the web server directly.
MEDIA_ROOT = Path(env_str("AIDSYS_MEDIA_ROOT", str(BASE_DIR / "media")))
# The largest attachment (证明材料) an application takes, in megabytes.
AIDSYS_ATTACHMENT_MAX_MB = env_int("AIDSYS_ATTACHMENT_MAX_MB", 10)
# Uploaded photos and scans with more pixels are refused before they are decoded (aidsys/images.py).
AIDSYS_IMAGE_MAX_MEGAPIXELS = env_int("AIDSYS_IMAGE_MAX_MEGAPIXELS", 40)
if not 1 <= AIDSYS_ATTACHMENT_MAX_MB <= 100:
    raise ImproperlyConfigured("AIDSYS_ATTACHMENT_MAX_MB must be between 1 and 100")

# The key that signs the audit chains' anchors (aidsys/services/audit_seal.py): never in the
# database, so that whoever can rewrite the database cannot forge an anchor. Production sets it
# (`check --deploy` errors without it); the embedded set-up makes one at first use and keeps it
# in AIDSYS_AUDIT_KEY_FILE, outside the database.
AIDSYS_AUDIT_KEY = env_str("AIDSYS_AUDIT_KEY")
if AIDSYS_AUDIT_KEY and len(AIDSYS_AUDIT_KEY) < 32:
    raise ImproperlyConfigured("AIDSYS_AUDIT_KEY must be at least 32 characters long")
AIDSYS_AUDIT_KEY_FILE = Path(env_str("AIDSYS_AUDIT_KEY_FILE", str(BASE_DIR / ".run" / "audit.key")))
AIDSYS_AUDIT_KEY_GENERATE = DEBUG

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aidsys"},
}

# Celery: with no REDIS_URL the tasks run in-process (the embedded set-up).
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A province runs workers per kind of job, so that a county's big export never holds up a school's
# roster check: with AIDSYS_TASK_QUEUES on, each kind goes to its own queue (start workers with -Q);
# off (one worker takes everything, the default) every task stays on Celery's default queue.
TASK_QUEUES = {
    "students.tasks.*": "imports",  # roster checks and imports, official-list matching
    "reports.tasks.*": "exports",  # report exports and their purge
    "aidsys.tasks.*": "audit",  # sealing and verifying the audit chains, failing stale jobs
    "publicity.tasks.*": "mail",  # objection reminders
}
if env_bool("AIDSYS_TASK_QUEUES", False):
    CELERY_TASK_ROUTES = {pattern: {"queue": queue} for pattern, queue in TASK_QUEUES.items()}
# Without a broker, jobs (imports, exports) run in threads of this process so that their pages show
# progress (aidsys/background.py); the test suite runs them inline instead.
AIDSYS_JOBS_INLINE = env_bool("AIDSYS_JOBS_INLINE", False)
# A roster file larger than this (bytes; about 1,000 rows) is read and checked by a job whose page shows its progress.
AIDSYS_IMPORT_CHECK_ASYNC_BYTES = env_int("AIDSYS_IMPORT_CHECK_ASYNC_BYTES", 64 * 1024)
# A running job that reports no progress for this long lost its worker (killed, machine gone): it is
# marked failed when its page reads it or by the sweep below, and can be started again.
AIDSYS_JOB_STALE_SECONDS = env_int("AIDSYS_JOB_STALE_SECONDS", 10 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "verify-audit-chain-nightly": {
        "task": "aidsys.tasks.audit_chain_verify",
        "schedule": timedelta(hours=24),
    },
    "seal-audit-chains-hourly": {
        "task": "aidsys.tasks.audit_seal",
        "schedule": timedelta(hours=1),
    },
    # Uploaded rosters and lists hold students' data; those nobody confirmed go after a day.
    "purge-roster-uploads-hourly": {
        "task": "students.tasks.roster_uploads_purge",
        "schedule": timedelta(hours=1),
    },
    "fail-stale-jobs-every-minute": {
        "task": "aidsys.tasks.jobs_fail_stale",
        "schedule": timedelta(minutes=1),
    },
    # Exported reports are kept a week (reports/models.py); then their files go.
    "purge-report-exports-hourly": {
        "task": "reports.tasks.exports_purge",
        "schedule": timedelta(hours=1),
    },
}

if REDIS_URL:
    # Every signed-in request reads its session: from Redis, shared by all app servers, with the
    # database behind it (a session outlives a Redis restart; signing out deletes both).
    # A Redis outage reads as a miss (aidsys/cache.py): signed-in pages go on from the database,
    # each waiting at most a second for a Redis that does not answer.
    CACHES["sessions"] = {
        "BACKEND": "aidsys.cache.ForgivingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aidsys-session",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_CACHE_ALIAS = "sessions"

# Security: all on outside DEBUG, so that `check --deploy` passes with production settings.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("AIDSYS_SESSION_SECONDS", 8 * 3600)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("AIDSYS_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("AIDSYS_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("AIDSYS_LOG_LEVEL", "WARNING")},
}

# Work waiting longer than this is marked on the dashboards.
AIDSYS_OVERDUE_DAYS = env_int("AIDSYS_OVERDUE_DAYS", 7)

# Objections (异议) to a public notice: answered within this many working days (DESIGN.md §4),
# counted from the day after the objection arrives.
AIDSYS_OBJECTION_WORKING_DAYS = env_int("AIDSYS_OBJECTION_WORKING_DAYS", 3)
if not 1 <= AIDSYS_OBJECTION_WORKING_DAYS <= 30:
    raise ImproperlyConfigured("AIDSYS_OBJECTION_WORKING_DAYS must be between 1 and 30")
# The public objection form and status page answer 429 past these counts per address (counted in
# the database, so that the limits hold across app servers).
AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR = env_int("AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR", 3)
AIDSYS_OBJECTION_RATE_PER_DAY = env_int("AIDSYS_OBJECTION_RATE_PER_DAY", 10)
AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR = env_int("AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR", 20)
if min(AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR, AIDSYS_OBJECTION_RATE_PER_DAY, AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR) < 1:
    raise ImproperlyConfigured(
        "AIDSYS_OBJECTION_RATE_PER_NOTICE_HOUR, AIDSYS_OBJECTION_RATE_PER_DAY and "
        "AIDSYS_OBJECTION_TRACK_RATE_PER_HOUR must each be at least 1"
    )
# Each morning at this hour (Asia/Shanghai), objections due that day or overdue are reminded to
# their school's aid office and principal.
AIDSYS_OBJECTION_REMINDER_HOUR = env_int("AIDSYS_OBJECTION_REMINDER_HOUR", 8)
if not 0 <= AIDSYS_OBJECTION_REMINDER_HOUR <= 23:
    raise ImproperlyConfigured("AIDSYS_OBJECTION_REMINDER_HOUR must be an hour of the day, 0 to 23")
CELERY_BEAT_SCHEDULE["remind-objections-daily"] = {
    "task": "publicity.tasks.objection_reminders_send",
    "schedule": crontab(hour=AIDSYS_OBJECTION_REMINDER_HOUR, minute=0),
}

# Mail is off unless AIDSYS_EMAIL_HOST is set; reminders are then e-mailed as well as shown.
EMAIL_HOST = env_str("AIDSYS_EMAIL_HOST")
AIDSYS_MAIL_ENABLED = bool(EMAIL_HOST)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.dummy.EmailBackend"
)
EMAIL_PORT = env_int("AIDSYS_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("AIDSYS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("AIDSYS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("AIDSYS_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("AIDSYS_EMAIL_FROM", "aidsys@localhost")
