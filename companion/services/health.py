"""The health check's reads: does the database answer, and when did the worker last beat?"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from companion.models import WorkerHeartbeat


class DatabaseDown(Exception):
    """The database did not answer."""


def heartbeat(session: Session, name: str) -> WorkerHeartbeat | None:
    """The worker's last heartbeat (None: never seen); DatabaseDown if the database is not
    reachable (the session is rolled back, ready for the next request)."""
    try:
        session.execute(text("SELECT 1"))
        return session.get(WorkerHeartbeat, name)
    except SQLAlchemyError as exc:
        session.rollback()
        raise DatabaseDown from exc
