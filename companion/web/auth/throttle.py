"""Failed sign-ins per client address (``SIGN_IN_RATE_LIMIT``), counted where every
worker sees them.

The counters live in ``RATELIMIT_STORAGE_URI`` (``Settings.rate_limit_storage``: Redis in
production, so gunicorn's workers share one count; this process's memory in development
and tests). Each app builds its own ``AddressThrottle`` (``throttle_of``): two apps, like
two worker processes, share counts only through that storage.

If the storage cannot be reached, sign-in keeps working: this process counts in its own
memory meanwhile and logs a warning (the email-and-address delays are in the database and
do not depend on it), and goes back to the shared storage as soon as it answers again.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)
EXTENSION_KEY = "companion.sign_in_throttle"
# A Redis that does not answer must not hold a sign-in for long.
_REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
T = TypeVar("T")


class AddressThrottle:
    """Fixed windows (``10 per minute;50 per hour``) of failed sign-ins per address."""

    def __init__(self, storage_uri: str, rule: str, prefix: str) -> None:
        plain_redis = storage_uri.startswith(("redis://", "rediss://", "redis+unix://"))
        options = _REDIS_TIMEOUTS if plain_redis else {}
        self._shared = FixedWindowRateLimiter(storage_from_string(storage_uri, **options))
        self._local = FixedWindowRateLimiter(MemoryStorage())
        self._rules: list[RateLimitItem] = parse_many(rule)
        self._prefix = prefix
        self._down = False

    def wait_seconds(self, address: str) -> int:
        """How long ``address`` must wait before another try (0: it may try now)."""
        keys = self._keys(address)

        def wait(limiter: FixedWindowRateLimiter) -> int:
            waits = [
                limiter.get_window_stats(rule, *keys).reset_time - time.time()
                for rule in self._rules
                if not limiter.test(rule, *keys)
            ]
            return max(1, math.ceil(max(waits))) if waits else 0

        return self._counted(wait)

    def failed(self, address: str) -> None:
        """Count one failed sign-in from ``address``."""
        keys = self._keys(address)
        self._counted(lambda limiter: [limiter.hit(rule, *keys) for rule in self._rules])

    def _keys(self, address: str) -> tuple[str, str, str]:
        return self._prefix, "sign-in", address

    def _counted(self, count: Callable[[FixedWindowRateLimiter], T]) -> T:
        """``count`` on the shared storage, or on this process's memory while it is down."""
        try:
            result = count(self._shared)
        except Exception as exc:  # any storage failure: count here, and say so once
            if not self._down:
                log.warning(
                    "sign-in rate-limit storage unreachable (%s): counting in this process "
                    "until it answers again",
                    type(exc).__name__,
                )
            self._down = True
            return count(self._local)
        if self._down:
            log.warning("sign-in rate-limit storage answers again: counting there")
            self._down = False
        return result


def init_throttle(app: Flask) -> None:
    """Give ``app`` its own throttle over the configured storage."""
    app.extensions[EXTENSION_KEY] = AddressThrottle(
        app.config["RATELIMIT_STORAGE_URI"],
        app.config["SIGN_IN_RATE_LIMIT"],
        app.config["RATELIMIT_KEY_PREFIX"],
    )


def throttle_of(app: Flask | None = None) -> AddressThrottle:
    """The app's throttle (the current app's by default)."""
    target = app if app is not None else current_app
    throttle: AddressThrottle = target.extensions[EXTENSION_KEY]
    return throttle
