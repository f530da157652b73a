"""Production: gunicorn behind TLS, PostgreSQL, Redis. Secrets come from the environment."""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from contactpolicy import crypto

from .base import *  # noqa: F403
from .base import (
    EMAIL_BACKEND,
    EMAIL_HOST,
    FIELD_ENCRYPTION_KEYS,
    MIDDLEWARE,
    SECRET_KEY,
    SITE_URL,
    STORAGES,
    TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN,
    TWILIO_FROM_NUMBER,
    TWILIO_HTTP_CLIENT,
    env_bool,
)

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters.")

# Message bodies, notes and safety plans are encrypted with these keys: never generate one here.
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set: one or more comma-separated Fernet keys (the first "
        "encrypts, all decrypt). " + crypto.GENERATE_HINT.capitalize() + "."
    )
crypto.validate_keys(FIELD_ENCRYPTION_KEYS)
FIELD_ENCRYPTION_KEY_FILE = None

# No silent fake delivery: a page that only reaches a log, memory or a stub must stop the start,
# not be marked sent.
FAKE_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints emails to the log",
    "django.core.mail.backends.locmem.EmailBackend": "keeps emails in memory",
    "django.core.mail.backends.dummy.EmailBackend": "throws emails away",
    "django.core.mail.backends.filebased.EmailBackend": "writes emails to files",
}


def _delivery_problems() -> list[str]:
    problems = []
    if EMAIL_BACKEND in FAKE_EMAIL_BACKENDS:
        problems.append(
            f"EMAIL_BACKEND is {EMAIL_BACKEND}, which {FAKE_EMAIL_BACKENDS[EMAIL_BACKEND]} "
            "instead of sending them: set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) "
            "for SMTP, or EMAIL_BACKEND to a real provider's backend."
        )
    elif EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend" and not EMAIL_HOST:
        problems.append("EMAIL_HOST must be set: the SMTP backend has no server to send to.")
    if not os.environ.get("SITE_URL"):
        problems.append(
            "SITE_URL must be set to the app's public https address (e.g. "
            "https://contact.example.org): acknowledgement links in pages are built from it."
        )
    else:
        site = urlsplit(SITE_URL)
        if site.scheme != "https" or not site.hostname:
            problems.append(
                f"SITE_URL must be an https:// address with a host name, not {SITE_URL!r}: "
                "acknowledgement links are credentials and must not travel in clear text."
            )
    twilio = {
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": TWILIO_FROM_NUMBER,
    }
    if any(twilio.values()) and not all(twilio.values()):
        missing = ", ".join(name for name, value in twilio.items() if not value)
        problems.append(
            f"Twilio is half configured ({missing} missing): set all of TWILIO_ACCOUNT_SID, "
            "TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER, or none (then texts and calls fail loudly)."
        )
    if TWILIO_HTTP_CLIENT:
        problems.append(
            "TWILIO_HTTP_CLIENT replaces Twilio's transport with a test stub: unset it."
        )
    if not os.environ.get("REDIS_URL"):
        problems.append(
            "REDIS_URL must be set to the production Redis: the embedded broker is for "
            "`make run`, where texts and calls are kept in the demo outbox instead of sent."
        )
    return problems


if problems := _delivery_problems():
    raise ImproperlyConfigured(
        "Production refuses to start:\n" + "\n".join(f"- {problem}" for problem in problems)
    )
# Texts and calls never go to the demo outbox here, whatever else is set.
USES_EMBEDDED_SERVICES = False

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Sign-in throttling counts per client address: the one the TLS proxy saw.
SIGNIN_TRUSTED_PROXY_COUNT = int(os.environ.get("SIGNIN_TRUSTED_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Monitors inside the network may poll /healthz over plain http; it holds no personal data.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# gunicorn serves the collected static files itself, compressed and cache-busted.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
