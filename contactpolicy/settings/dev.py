"""Local development and the embedded `make run` stack."""

import os

os.environ.setdefault("DEBUG", "true")

from .base import *  # noqa: F403
from .base import SECRET_KEY as _SECRET_KEY

SECRET_KEY = _SECRET_KEY or "dev-only-insecure-key-not-for-production-use-0123456789"
