"""GET /healthz: is the database reachable, and is the worker ticking?"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify

from companion.extensions import db
from companion.services import health
from companion.web.access import public
from companion.worker import HEARTBEAT_NAME

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():  # type: ignore[no-untyped-def]
    """200 while the database answers (503 otherwise); the worker's state is reported."""
    try:
        beat = health.heartbeat(db.session, HEARTBEAT_NAME)
    except health.DatabaseDown:
        return jsonify(status="error", database="unreachable", worker="unknown"), 503
    if beat is None:
        worker, age = "never seen", None
    else:
        age = int((datetime.now(UTC) - beat.beat_at).total_seconds())
        worker = "ok" if age <= current_app.config["HEARTBEAT_STALE_SECONDS"] else "stale"
    return jsonify(status="ok", database="ok", worker=worker, worker_last_seen_seconds=age)
