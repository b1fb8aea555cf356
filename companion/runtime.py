"""The app's services, bound to the app: what web views, the CLI and the worker call.

Services (``companion/services/``) take a session, settings and ``now`` and never
read Flask. This module is where the running app supplies them: its session
(``db.session``), its settings (read once by ``create_app``), its transport (made
once per app). It belongs to the top layer with ``web/``, ``cli.py`` and ``worker.py``.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask, current_app

from companion.clock import app_clock
from companion.extensions import db
from companion.messaging.dispatch import DispatchSettings, DispatchSummary
from companion.messaging.lane import FastLane
from companion.messaging.languages import Why
from companion.messaging.transports import Transport, make_transport
from companion.models import Client
from companion.services import languages, replies
from companion.services import tick as ticking
from companion.services.escalations import EscalationSettings
from companion.services.retention import RetentionSettings
from companion.services.tick import TickSummary
from companion.settings import Settings, settings_of

TRANSPORT_KEY = "companion.transport"
LANE_KEY = "companion.fast_lane"


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


def language_in_use(client: Client) -> tuple[str, Why]:
    """The language ``client``'s texts go out in now, and why (``services.languages``)."""
    current = settings()
    return languages.language_in_use(
        db.session,
        client,
        production=current.production,
        fallback=current.language_fallback,
        hold_unreviewed=current.hold_unreviewed_languages,
    )


def tick(now: datetime) -> TickSummary:
    """One pass of everything due at ``now`` (``services.tick.tick``) for the current app."""
    return ticking.tick(db.session, now, settings().tick(), transport())


def send_now(message_ids: list[int], now: datetime) -> DispatchSummary:
    """Send these queued rows at once, waiting for the provider; what cannot go now stays
    queued for the worker. Requests answering Twilio use ``send_soon`` instead."""
    return ticking.send_now(db.session, message_ids, now, dispatch_settings(), transport())


# -- the fast lane (companion/messaging/lane.py) ---------------------------------------

_lanes_lock = threading.Lock()
_open_lanes: weakref.WeakSet[FastLane] = weakref.WeakSet()


def send_soon(message_ids: list[int]) -> None:
    """Hand these committed outbox rows to this process's fast lane and return at once:
    they reach the provider within moments; whatever the lane cannot send stays queued
    for the worker."""
    if message_ids:
        fast_lane().hand_off(message_ids)


def fast_lane(app: Flask | None = None) -> FastLane:
    """This process's fast lane for ``app`` (the current app by default).

    Made on first use and again in a child forked after one was made (a thread does not
    survive a fork), never per request: one thread, one dispatcher and one pool per
    process, on the app's one transport.
    """
    app = app if app is not None else current_app._get_current_object()  # type: ignore[attr-defined]
    with _lanes_lock:
        lane: FastLane | None = app.extensions.get(LANE_KEY)
        if lane is None or not lane.in_this_process():
            lane = app.extensions[LANE_KEY] = _make_lane(app)
            _open_lanes.add(lane)
    return lane


def close_fast_lane(app: Flask) -> None:
    """Close ``app``'s lane in this process, if it has one (tests' teardown)."""
    lane: FastLane | None = app.extensions.get(LANE_KEY)
    if lane is not None and lane.in_this_process():
        lane.close()


def _make_lane(app: Flask) -> FastLane:
    @contextmanager
    def scope() -> Iterator[None]:
        # Its own app context, so its own session; emptied after every step.
        with app.app_context():
            try:
                yield
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    with app.app_context():
        dispatcher = ticking.dispatcher(db.session, dispatch_settings(), transport())
    return FastLane(dispatcher, now=app_clock(app).now, scope=scope)


@atexit.register
def _close_lanes() -> None:
    # A gunicorn worker's graceful exit: record the answers already on their way; ids
    # not yet claimed stay pending for the worker's next pass.
    for lane in list(_open_lanes):
        if lane.in_this_process():
            lane.close(timeout=5.0)


def write_heartbeat(name: str, now: datetime, summary: str) -> None:
    ticking.write_heartbeat(db.session, name, now, summary)


class _Hooks(Mapping[str, Callable[..., Any]]):
    """``receive(..., **HOOKS)``: the reply hooks bound to the current app's settings."""

    def _bound(self) -> dict[str, Callable[..., Any]]:
        return replies.hooks(escalation_settings())

    def __getitem__(self, key: str) -> Callable[..., Any]:
        return self._bound()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(("router", "staff_router", "on_consent", "screen"))

    def __len__(self) -> int:
        return 4


# What the webhook and the phone simulator hand to ``receive``.
HOOKS = _Hooks()
