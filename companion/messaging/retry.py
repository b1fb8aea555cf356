"""When a failed send is tried again, and when it is given up: one policy for texts and mail.

An attempt that failed for a reason that may pass (a busy provider, an
unreachable mail server) waits ``base`` before the second attempt, then twice
as long before each next one, never more than ``cap``; after ``max_attempts``
attempts in all the row is marked failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)

    def delay(self, attempts: int) -> timedelta:
        """The wait after attempt number ``attempts`` (1, 2, ...) failed: doubling, capped."""
        return min(self.base * 2 ** max(attempts - 1, 0), self.cap)

    def gives_up(self, attempts: int) -> bool:
        """Whether ``attempts`` attempts are all this policy allows."""
        return attempts >= self.max_attempts
