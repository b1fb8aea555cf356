"""The app's services, bound to the app: what web views, the CLI and the worker call.

Services (``companion/services/``) take a session, settings and ``now`` and never
read Flask. This module is where the running app supplies them: its session
(``db.session``), its settings (read once by ``create_app``), its transport (made
once per app). It belongs to the top layer with ``web/``, ``cli.py`` and ``worker.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from flask import current_app

from companion.extensions import db
from companion.messaging.dispatch import DispatchSettings, DispatchSummary
from companion.messaging.transports import Transport, make_transport
from companion.services import replies
from companion.services import tick as ticking
from companion.services.escalations import EscalationSettings
from companion.services.retention import RetentionSettings
from companion.services.tick import TickSummary
from companion.settings import Settings, settings_of

TRANSPORT_KEY = "companion.transport"


def settings() -> Settings:
    """The current app's settings."""
    return settings_of(current_app)


def transport() -> Transport:
    """The app's transport, made once per app."""
    ext = current_app.extensions
    if TRANSPORT_KEY not in ext:
        ext[TRANSPORT_KEY] = make_transport(current_app.config)
    return ext[TRANSPORT_KEY]


def dispatch_settings(concurrency: int | None = None) -> DispatchSettings:
    return settings().dispatch(concurrency)


def escalation_settings() -> EscalationSettings:
    return settings().escalation()


def retention_settings() -> RetentionSettings:
    return settings().retention()


def tick(now: datetime) -> TickSummary:
    """One pass of everything due at ``now`` (``services.tick.tick``) for the current app."""
    return ticking.tick(db.session, now, settings().tick(), transport())


def send_now(message_ids: list[int], now: datetime) -> DispatchSummary:
    """Send these queued rows at once; what cannot go now stays queued for the worker."""
    return ticking.send_now(db.session, message_ids, now, dispatch_settings(), transport())


def write_heartbeat(name: str, now: datetime, summary: str) -> None:
    ticking.write_heartbeat(db.session, name, now, summary)


class _Hooks(Mapping[str, Callable[..., Any]]):
    """``receive(..., **HOOKS)``: the reply hooks bound to the current app's settings."""

    def _bound(self) -> dict[str, Callable[..., Any]]:
        return replies.hooks(escalation_settings())

    def __getitem__(self, key: str) -> Callable[..., Any]:
        return self._bound()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(("router", "staff_router", "on_consent", "on_keyword"))

    def __len__(self) -> int:
        return 4


# What the webhook and the phone simulator hand to ``receive``.
HOOKS = _Hooks()
