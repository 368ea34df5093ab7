"""Settings for the policy archive, read from the environment.

DATABASE_URL names the PostgreSQL database (the only database the archive supports);
`./dev` sets it to a private cluster when it is not given.
"""

import datetime
import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
# The development key is for this machine alone: with DEBUG on, or DJANGO_DEV=1 (./dev, the
# tests and the benchmarks, which serve 127.0.0.1), and never for a host beyond it.
# Production sets its own key.
DEV_SECRET_KEY = "dev-only-insecure-key"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (
    DEV_SECRET_KEY if DEBUG or env_bool("DJANGO_DEV") else None
)
if not SECRET_KEY:
    raise RuntimeError("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
if SECRET_KEY == DEV_SECRET_KEY and not set(ALLOWED_HOSTS) <= LOCAL_HOSTS:
    raise RuntimeError(
        "The development key serves this machine only: set DJANGO_SECRET_KEY to serve "
        f"{', '.join(sorted(set(ALLOWED_HOSTS) - LOCAL_HOSTS))}."
    )
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "reversion",
    "statements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "statements.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login itself
]

# Login throttling (django-axes): five wrong passwords for one username from one address lock
# that pair out for 15 minutes (429); a right password before then resets the count. Editors
# only log in through the admin, which passes the request that axes needs.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

ROOT_URLCONF = "policy.urls"
# /bench/bare/, the bare view bench/load_bench.py measures the framework's ceiling with.
BENCH_VIEWS = env_bool("DJANGO_BENCH_VIEWS")

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
            ],
        },
    },
]

WSGI_APPLICATION = "policy.wsgi.application"

if not os.environ.get("DATABASE_URL"):
    raise RuntimeError(
        "DATABASE_URL is not set. Run the app through ./dev, which starts a private "
        "PostgreSQL cluster, or point DATABASE_URL at a PostgreSQL 15+ database."
    )
# Connections are kept between requests (checked before reuse) by the production server's
# workers, one each. The development server runs a thread per request, and kept connections
# would pile up until PostgreSQL refuses more: it closes each one after its request.
RUNSERVER = sys.argv[1:2] == ["runserver"]
conn_max_age = 0 if RUNSERVER else int(os.environ.get("DJANGO_CONN_MAX_AGE", 60))
DATABASES = {"default": dj_database_url.config(conn_max_age=conn_max_age, conn_health_checks=True)}

# Streaming replicas for the public pages' reads (statements/routing.py, docs/scaling.md):
# DATABASE_REPLICA_URL names one or several (comma-separated); without it, or empty, there
# is no router and everything reads and writes "default", the primary. A replica further
# behind the primary than DATABASE_REPLICA_MAX_LAG seconds, or unreachable, is not read; each
# process looks again every DATABASE_REPLICA_CHECK_INTERVAL seconds.
REPLICA_DATABASES = []
for number, url in enumerate(
    (u.strip() for u in os.environ.get("DATABASE_REPLICA_URL", "").split(",") if u.strip()), 1
):
    replica = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    # A replica whose host is gone costs a request two seconds, not a worker's timeout.
    replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Under the tests a replica is the test database itself: pytest-django creates none.
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{number}"] = replica
    REPLICA_DATABASES.append(f"replica_{number}")


def env_seconds(name, default):
    try:
        seconds = float(os.environ.get(name) or default)
    except ValueError:
        seconds = -1
    if not 0 <= seconds < float("inf"):
        raise RuntimeError(f"{name} must be a number of seconds, not {os.environ[name]!r}.")
    return seconds


DATABASE_REPLICA_MAX_LAG = env_seconds("DATABASE_REPLICA_MAX_LAG", 5)
DATABASE_REPLICA_CHECK_INTERVAL = env_seconds("DATABASE_REPLICA_CHECK_INTERVAL", 2)
if REPLICA_DATABASES:
    DATABASE_ROUTERS = ["statements.routing.ReplicaRouter"]
    # It picks by the view (process_view); before axes, which stays last.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("statements.middleware.DatabaseUnavailableMiddleware") + 1,
        "statements.routing.ReplicaReadsMiddleware",
    )

# Behind PgBouncer in transaction mode a server-side cursor (the downloads stream through
# them) may be fetched from on another server connection than the one that opened it:
# DJANGO_DISABLE_SERVER_SIDE_CURSORS=1 makes them ordinary cursors.
if env_bool("DJANGO_DISABLE_SERVER_SIDE_CURSORS"):
    for database in DATABASES.values():
        database["DISABLE_SERVER_SIDE_CURSORS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The public-page cache (statements/views/pagecache.py): keyed on the archive's version, so a
# change anywhere leaves no reader a stale page. Shared by every worker in Redis when
# REDIS_URL names one (production); otherwise each process keeps its own in local memory.
# Entries of older versions are never read again: they expire after PAGE_CACHE_SECONDS (0
# turns the cache off), or Redis evicts them first (give it maxmemory and allkeys-lru).
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", 60 * 60))
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "policy.cache.PooledRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "archive",
            # A Redis that has gone away costs a page half a second, not a worker's timeout.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("DJANGO_PAGE_CACHE_ENTRIES", 1000))},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Document intake (the admin's "Statement from a document"): the largest upload it reads.
INTAKE_MAX_UPLOAD_MB = int(os.environ.get("DJANGO_INTAKE_MAX_UPLOAD_MB", 50))

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Production (a key of its own, DEBUG off) is served over HTTPS only: HSTS, secure cookies and
# a redirect to https, which a proxy that ends TLS says it did through the header named in
# DJANGO_PROXY_SSL_HEADER (e.g. "HTTP_X_FORWARDED_PROTO"). /health/ stays reachable over plain
# HTTP for the load balancer. `manage.py check --deploy` is clean (tests/test_settings.py).
# A Content-Security-Policy on every response: our own scripts, styles and images only, no
# inline script or style anywhere (the pages have none: the timeline places its labels by
# class), no plugins, no framing, forms posting here only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

PRODUCTION = not DEBUG and SECRET_KEY != DEV_SECRET_KEY
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
if os.environ.get("DJANGO_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["DJANGO_PROXY_SSL_HEADER"], "https")

# The open data (/api/, /downloads/, /feeds/) is read-only and public: any site may read it
# from a browser (CORS), with the validators a poller needs to ask "changed?" cheaply.
CORS_URLS_REGEX = r"^/(api|downloads|feeds)/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link"]

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "statements.api.errors.exception_handler",
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Policy archive API",
    "DESCRIPTION": (
        "Read-only: organisations, topics, congresses, resolutions, statements, positions and "
        "search, with the same query parameters as the public pages. Only published items."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKind": "statements.codes.OrganisationKind",
        "StatementKind": "statements.codes.StatementKind",
        "ResolutionKind": "statements.codes.ResolutionKind",
        "Relation": "statements.codes.Relation",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
