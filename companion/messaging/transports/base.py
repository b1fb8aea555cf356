"""What every transport offers the dispatcher."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Twilio error codes that mean "this number will not take this text": retrying
# cannot help, so the row ends and the code is kept for the team to see.
PERMANENT_ERROR_CODES = frozenset(
    {
        21211,  # invalid 'To' number
        21408,  # region not enabled
        21610,  # recipient unsubscribed (replied STOP)
        21612,  # cannot route to this number
        21614,  # not a mobile number
        30004,  # blocked
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)


@dataclass(frozen=True)
class SendResult:
    provider_sid: str
    provider_status: str  # e.g. "queued", "accepted", "delivered" (console)


class TransportError(Exception):
    """A send that did not go through.

    ``retryable`` says whether trying again later may succeed (429, 5xx,
    timeouts, connection errors); otherwise the failure is final.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        code: int | None = None,
        http_status: int | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        # True when the provider may have taken the text anyway (a timeout).
        self.ambiguous = ambiguous
        self.code = code
        self.http_status = http_status


class Transport(Protocol):
    name: str

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        """Hand one text to the provider; raise TransportError if it was not taken."""
        ...

    def find_sent(
        self, to: str, body: str, since: datetime, exclude: Collection[str] = ()
    ) -> str | None:
        """The provider sid of a text with this body sent to ``to`` since ``since``, if any.

        Used after a crash or a timeout, to learn whether that send went out.
        Sids in ``exclude`` belong to other texts already (the same words can
        go to the same number twice) and never count as a match.
        Raise TransportError when the provider cannot be asked right now.
        """
        ...
