"""The embedded default transport: nothing leaves the machine.

Texts stay in the messages table, where the phone simulator page shows them.
The log line names the message id only: never a phone number or a body.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from datetime import datetime

from companion.messaging.transports.base import SendResult

log = logging.getLogger(__name__)


class ConsoleTransport:
    name = "console"

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        sid = "CONSOLE" + uuid.uuid4().hex
        log.info("console transport: text accepted (%d characters)", len(body))
        # A simulated phone always "delivers".
        return SendResult(provider_sid=sid, provider_status="delivered")

    def find_sent(
        self, to: str, body: str, since: datetime, exclude: Collection[str] = ()
    ) -> str | None:
        # Nothing leaves the process, so an interrupted send never went out.
        return None
