"""The one settings module: every value comes from the environment (see .env.example)."""

from __future__ import annotations

import os
from pathlib import Path

from config.environment import ConfigError, check_url, get_bool, get_int, get_list, get_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = get_str("OPENCORPO_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ConfigError(f"OPENCORPO_ENV={ENVIRONMENT!r} is unknown: use development, production or test.")
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(get_str("OPENCORPO_DATA_DIR", str(BASE_DIR / ".opencorpo"))).resolve()

DEBUG = get_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ConfigError("DEBUG=true is refused in production: unset DEBUG or set it to false.")

if PRODUCTION:
    SECRET_KEY = get_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ConfigError(
            "SECRET_KEY is too weak for production: use 50+ random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    ALLOWED_HOSTS = get_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ConfigError("ALLOWED_HOSTS is not set: list the host names the site is served under, comma-separated.")
else:
    SECRET_KEY = get_str("SECRET_KEY", "dev-only-insecure-key-for-local-demo-and-tests-0123456789abcdef")
    ALLOWED_HOSTS = get_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = get_list("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "opencorpo.core.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "opencorpo.core",
    "opencorpo.accounts",
    "opencorpo.planning",
    "opencorpo.dataio",
    "opencorpo.governance",
    "opencorpo.reports",
    "opencorpo.demo",
]

MIDDLEWARE = [
    "opencorpo.core.observability.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# --- database -------------------------------------------------------------------------
_default_db = "" if PRODUCTION else "postgres://postgres@127.0.0.1:5432/opencorpo"
DATABASES = {
    "default": parse_database_url(
        "DATABASE_URL",
        get_str("DATABASE_URL", _default_db or None, required=PRODUCTION),
        pool_size=get_int("DATABASE_POOL_SIZE", 10),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: Redis when configured, else a file cache that is correct across processes ----
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if PRODUCTION and not REDIS_URL:
    raise ConfigError("REDIS_URL is not set: production needs Redis, e.g. redis://redis-host:6379/0.")
CACHE_KEY_PREFIX = get_str("OPENCORPO_CACHE_PREFIX", "opencorpo")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": check_url("REDIS_URL", REDIS_URL, {"redis", "rediss", "unix"}),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": None,  # entries are keyed by data version; nothing expires on a timer
            "OPTIONS": {
                "SERIALIZER": "django_redis.serializers.json.JSONSerializer",  # never pickle
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip()
if PRODUCTION and not CELERY_BROKER_URL:
    raise ConfigError(
        "CELERY_BROKER_URL is not set: production needs RabbitMQ, e.g. amqp://user:password@rabbit:5672//."
    )
CELERY_BROKER_URL = check_url(
    "CELERY_BROKER_URL", CELERY_BROKER_URL or "filesystem://", {"amqp", "amqps", "pyamqp", "filesystem", "redis"}
)
CELERY_TASK_DEFAULT_QUEUE = get_str("OPENCORPO_QUEUE", "opencorpo")
CELERY_TASK_IGNORE_RESULT = True  # outcomes live on the Job row, not in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_ALWAYS_EAGER = get_bool("OPENCORPO_TASKS_EAGER", False)  # unit tests only; never in production
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _sub in ("queue", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)

# --- auth, API ------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Lockout after repeated failures, per username and client address, so one attacker cannot lock everyone out.
# Imports: limits for uploaded files (see opencorpo/dataio/guards.py); parsing runs in a limited child process.
IMPORT_MAX_BYTES = get_int("OPENCORPO_IMPORT_MAX_BYTES", 50 * 2**20)
IMPORT_MAX_ROWS = get_int("OPENCORPO_IMPORT_MAX_ROWS", 1_000_000)
IMPORT_MEMORY_BYTES = get_int("OPENCORPO_IMPORT_MEMORY_BYTES", 2**30)
IMPORT_SECONDS = get_int("OPENCORPO_IMPORT_SECONDS", 300)

AXES_FAILURE_LIMIT = get_int("OPENCORPO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = get_int("OPENCORPO_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "opencorpo.accounts.views.lockout_response"
AXES_VERBOSE = False
# Behind N trusted proxies the client address is the N-th from the right in X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = get_int("OPENCORPO_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "opencorpo.accounts.tokens.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "opencorpo.core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OpenCorpo API",
    "DESCRIPTION": "Planning cubes, write-back, imports, reports and jobs. Session + CSRF for browsers.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # served locally: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DimensionKindEnum": "opencorpo.planning.models.DimensionKind",
        "VersionKindEnum": "opencorpo.planning.models.VersionKind",
        "AccountTypeEnum": "opencorpo.planning.models.AccountType",
        "TimeBalanceEnum": "opencorpo.planning.models.TimeBalance",
        "PolarityEnum": "opencorpo.planning.models.Polarity",
        "PeriodKindEnum": "opencorpo.planning.models.PeriodKind",
        "RoleEnum": ["administrator", "modeller", "planner", "approver", "viewer"],  # accounts.roles.Role
    },
}

# --- e-mail (approval notifications): printed to the console unless EMAIL_BACKEND names e.g. the SMTP backend ----
EMAIL_BACKEND = get_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = get_str("EMAIL_HOST", "localhost")
EMAIL_PORT = get_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = get_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = get_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = get_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = get_str("DEFAULT_FROM_EMAIL", "OpenCorpo <opencorpo@localhost>")
SITE_URL = get_str("OPENCORPO_SITE_URL", "http://localhost:8000")  # links in e-mails

# --- single sign-on (OIDC), optional: on when OIDC_ISSUER is set (opencorpo/accounts/oidc.py, docs/security.md) ---
OIDC_ISSUER = get_str("OIDC_ISSUER", "")
OIDC_CLIENT_ID = get_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = get_str("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = get_str("OIDC_SCOPES", "openid email profile")
OIDC_LABEL = get_str("OIDC_LABEL", "SSO")  # the login button says "Sign in with <label>"
OIDC_USERNAME_CLAIM = get_str("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_ROLE_CLAIM = get_str("OIDC_ROLE_CLAIM", "groups")
_OIDC_ROLE_NAMES = ("administrator", "modeller", "planner", "approver", "viewer")  # accounts.roles.Role (tested)
OIDC_ROLE_MAP: dict[str, list[str]] = {}  # provider group -> OpenCorpo roles, from "group=role,group=role"
for _pair in get_list("OIDC_ROLE_MAP", []):
    _group, _, _role = (part.strip() for part in _pair.rpartition("="))
    if not _group or _role not in _OIDC_ROLE_NAMES:
        raise ConfigError(
            f"OIDC_ROLE_MAP entry {_pair!r} is not understood: use provider-group=role pairs, comma-separated, "
            f"with roles among {', '.join(_OIDC_ROLE_NAMES)}."
        )
    OIDC_ROLE_MAP.setdefault(_group, []).append(_role)
if OIDC_ISSUER:
    check_url("OIDC_ISSUER", OIDC_ISSUER, {"https"} if PRODUCTION else {"https", "http"})
    for _name, _value in (("OIDC_CLIENT_ID", OIDC_CLIENT_ID), ("OIDC_CLIENT_SECRET", OIDC_CLIENT_SECRET)):
        if not _value:
            raise ConfigError(
                f"OIDC_ISSUER is set but {_name} is not: set the client id and secret the provider issued, "
                "or unset OIDC_ISSUER to turn single sign-on off."
            )
    if "openid" not in OIDC_SCOPES.split():
        raise ConfigError(f"OIDC_SCOPES={OIDC_SCOPES!r} lacks openid: single sign-on needs it, e.g. 'openid email'.")
elif _stray := [n for n in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_MAP") if os.environ.get(n, "").strip()]:
    raise ConfigError(
        f"{' and '.join(_stray)} set but OIDC_ISSUER is not: set OIDC_ISSUER to the provider's issuer URL, "
        "or unset them to turn single sign-on off."
    )

# --- security headers -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = get_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = get_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = get_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = get_bool("SECURE_HSTS_PRELOAD", False)
    # Preloading is near-irreversible and a per-domain decision, so it is opt-in (docs/deployment.md).
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes speak plain HTTP inside the cluster
    if get_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: only this origin's scripts; the API docs page (inline bootstrap script) is exempt.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- static files and the built front end ----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.exists() else []
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION  # serve straight from frontend/dist without collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- logs: JSON lines with the request id ----------------------------------------------
LOG_LEVEL = get_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "opencorpo.core.observability.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_context"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.server": {"level": "WARNING"}, "celery": {"level": "INFO"}},
}
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if PRODUCTION and CELERY_TASK_ALWAYS_EAGER:
    raise ConfigError(
        "OPENCORPO_TASKS_EAGER=true is refused in production: jobs must run in workers, not in web requests."
    )
