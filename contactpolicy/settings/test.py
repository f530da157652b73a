"""The test suite: fast hashing, in-memory email, the same databases as configured."""

from .base import *  # noqa: F403
from .base import DATABASES

DEBUG = False
SECRET_KEY = "test-only-key-0123456789-0123456789-0123456789-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in memory

# Unit tests never publish to a real broker: tasks they enqueue go to an in-memory transport.
# The escalation fault tests start real workers against real Redis with their own settings.
CELERY_BROKER_URL = "memory://"

# Fixed encryption keys so runs are repeatable: the primary, then an "old" one still accepted
# for decryption, as in the middle of a key rotation. Tests never write a key file.
FIELD_ENCRYPTION_TEST_PRIMARY_KEY = "Y29udGFjdHBvbGljeS10ZXN0LWtleS1wcmltYXJ5ISE="
FIELD_ENCRYPTION_TEST_OLD_KEY = "Y29udGFjdHBvbGljeS10ZXN0LWtleS1vbGQtb25lISE="
FIELD_ENCRYPTION_KEYS = [FIELD_ENCRYPTION_TEST_PRIMARY_KEY, FIELD_ENCRYPTION_TEST_OLD_KEY]
FIELD_ENCRYPTION_KEY_FILE = None

# Tests send bursts of messages and reads from one client as fast as they can; the API rate
# limits are tested on their own with low limits (tests/inbox/test_api_rate_limits.py).
API_TOKEN_READS_PER_MINUTE = 100_000
API_CLIENT_MESSAGES_PER_MINUTE = 100_000
