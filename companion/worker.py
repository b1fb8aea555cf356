"""The worker process: APScheduler drives ``tick`` on an interval.

It owns no logic of its own. One job, coalesced, one instance at a time, so
a slow pass is never run twice at once and a backlog becomes one catch-up
pass. Run it as one dedicated process (the Procfile's ``worker:``), never
inside gunicorn workers, or every web worker would tick.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from companion.clock import app_clock
from companion.extensions import db
from companion.runtime import tick, write_heartbeat

log = logging.getLogger(__name__)

HEARTBEAT_NAME = "worker"


def run_once(app: Flask) -> str | None:
    """One scheduled pass: tick at the app's now, then beat. Never raises."""
    with app.app_context():
        try:
            now = app_clock(app).now()
            summary = tick(now)
            line = summary.line()
            # Liveness is a wall-clock fact, whatever the development clock says.
            write_heartbeat(HEARTBEAT_NAME, datetime.now(UTC), line)
        except SQLAlchemyError as exc:
            # Database down: say so and keep running; the next pass catches up,
            # because everything due is still in the outbox.
            db.session.rollback()
            log.error("worker: database unavailable (%s); will try again", type(exc).__name__)
            return None
        except Exception:
            db.session.rollback()
            log.exception("worker: tick failed; will try again")
            return None
        finally:
            db.session.remove()
    # A quiet pass is not news: log it only when asked for detail.
    d = summary.dispatch
    busy = any((d.sent, d.retried, d.failed, d.expired, d.cancelled, d.recovered, d.held))
    log.log(logging.INFO if busy else logging.DEBUG, "%s", line)
    return line


def run_worker(
    app: Flask, interval: int | None = None, stop: threading.Event | None = None
) -> None:
    """Run until SIGTERM or SIGINT (or ``stop`` is set); finish the pass in progress first."""
    seconds = interval or app.config["WORKER_INTERVAL_SECONDS"]
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        run_once,
        "interval",
        seconds=seconds,
        args=[app],
        id="tick",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=None,  # a late pass still runs (once, coalesced)
        next_run_time=datetime.now(UTC),  # APScheduler runs on the wall clock: start at once
    )

    def shut_down(signum: int, _frame: Any) -> None:
        log.info("worker: stopping after the current pass (signal %d)", signum)
        scheduler.shutdown(wait=True)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, shut_down)
        signal.signal(signal.SIGINT, shut_down)
    if stop is not None:
        threading.Thread(
            target=lambda: (stop.wait(), scheduler.shutdown(wait=True)), daemon=True
        ).start()
    log.info("worker: ticking every %d s", seconds)
    scheduler.start()
    log.info("worker: stopped")
