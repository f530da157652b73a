"""Production: gunicorn behind TLS, PostgreSQL, Redis. Secrets come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from contactpolicy import crypto

from .base import *  # noqa: F403
from .base import FIELD_ENCRYPTION_KEYS, MIDDLEWARE, SECRET_KEY, STORAGES, env_bool

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

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
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
