"""Fixed-window request counters in Django's cache (shared Redis in production, so every web
process counts together; per process in the embedded mode and the tests).

``rate_limit_take`` counts one request against ``key`` and says how long to wait when the
window's allowance is used up. What may never be limited (a declared emergency, a message that
reads as a crisis) is decided by the caller, before it asks.
"""

import math
import time

from django.core.cache import cache


def rate_limit_take(*, key: str, limit: int, window_seconds: int, now: float | None = None) -> int:
    """Count one request; 0 if it is within ``limit`` per window, else the seconds until the
    next window opens (for ``Retry-After``)."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    bucket = f"ratelimit:{key}:{window}"
    cache.add(bucket, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr: this request opens the count
        cache.add(bucket, 1, timeout=window_seconds + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * window_seconds - now))
