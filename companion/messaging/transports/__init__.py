"""Transports carry a rendered text to a phone: ``console`` or ``twilio``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from companion.messaging.transports.base import (
    PERMANENT_ERROR_CODES,
    SendResult,
    Transport,
    TransportError,
)
from companion.messaging.transports.console import ConsoleTransport


def make_transport(config: Mapping[str, Any]) -> Transport:
    """The transport the configuration names."""
    if config["SMS_TRANSPORT"] == "twilio":
        from companion.messaging.transports.twilio import TwilioTransport

        return TwilioTransport(
            account_sid=config["TWILIO_ACCOUNT_SID"],
            auth_token=config["TWILIO_AUTH_TOKEN"],
            messaging_service_sid=config["TWILIO_MESSAGING_SERVICE_SID"],
            from_number=config["TWILIO_FROM_NUMBER"],
            api_base_url=config["TWILIO_API_BASE_URL"],
            timeout=config["TWILIO_TIMEOUT_SECONDS"],
            pool_size=config["DISPATCH_CONCURRENCY"],
        )
    return ConsoleTransport()


__all__ = [
    "PERMANENT_ERROR_CODES",
    "ConsoleTransport",
    "SendResult",
    "Transport",
    "TransportError",
    "make_transport",
]
