"""Staff sessions on the server: each signed-in browser is a row, checked on every request.

The session cookie carries a random token; the row is keyed by its SHA-256, so the
table alone opens nothing. A session ends when its person signs out, changes their
password (every other session of theirs), has it reset by an administrator or is
deactivated (all of them), after ``idle`` without a request, and ``absolute`` after
sign-in whatever happens. An ended row is kept (when and why) and never opens again.

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.models import StaffSession, StaffUser

# last_seen_at is written at most this often: one write a minute, not one per request.
SEEN_EVERY = timedelta(minutes=1)

SIGNED_OUT = "signed_out"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
PASSWORD_RESET = "password_reset"  # noqa: S105 - a reason, not a password
DEACTIVATED = "deactivated"
IDLE = "idle"
EXPIRED = "expired"


@dataclass(frozen=True)
class Limits:
    """SESSION_IDLE_MINUTES without a request, SESSION_LIFETIME_MINUTES after sign-in."""

    idle: timedelta
    absolute: timedelta


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user: StaffUser, now: datetime) -> str:
    """A new session for ``user``; returns the token for the cookie. Commits."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(id=_key(token), staff_user_id=user.id, created_at=now, last_seen_at=now)
    )
    session.commit()
    return token


def check(
    session: Session, token: str | None, user: StaffUser, now: datetime, limits: Limits
) -> bool:
    """Whether ``token`` is a live session of ``user`` at ``now``; records the visit.

    A session past its idle or absolute limit is ended here (and commits).
    """
    if not token:
        return False
    row = session.get(StaffSession, _key(token))
    if row is None or row.staff_user_id != user.id or row.ended_at is not None:
        return False
    reason = None
    if now - row.created_at >= limits.absolute:
        reason = EXPIRED
    elif now - row.last_seen_at >= limits.idle:
        reason = IDLE
    if reason is not None:
        row.ended_at, row.ended_reason = now, reason
        session.commit()
        return False
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        session.commit()
    return True


def carry(session: Session, token: str | None, moved: timedelta) -> None:
    """Move this session along with the development clock (the phone simulator's jump):
    the person who moved the clock stays signed in; every other session ages as if the
    time had passed. Never called in production, where the clock cannot move. Commits."""
    row = session.get(StaffSession, _key(token)) if token else None
    if row is not None and row.ended_at is None and moved > timedelta(0):
        row.created_at += moved
        row.last_seen_at += moved
        session.commit()


def end(session: Session, token: str | None, now: datetime, reason: str = SIGNED_OUT) -> None:
    """End the session of ``token`` (sign-out). Commits."""
    if not token:
        return
    row = session.get(StaffSession, _key(token))
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_reason = now, reason
        session.commit()


def end_all(
    session: Session, user: StaffUser, now: datetime, reason: str, keep: str | None = None
) -> int:
    """End every open session of ``user`` but ``keep``'s (a token). Does not commit:
    the caller's change and its audit entry commit with it. How many ended."""
    kept = _key(keep) if keep else None
    rows = session.scalars(
        select(StaffSession).where(
            StaffSession.staff_user_id == user.id, StaffSession.ended_at.is_(None)
        )
    )
    ended = 0
    for row in rows:
        if row.id != kept:
            row.ended_at, row.ended_reason = now, reason
            ended += 1
    return ended


def open_sessions(session: Session, user: StaffUser) -> list[StaffSession]:
    """``user``'s sessions not ended (some may be past their limits, not yet checked)."""
    return list(
        session.scalars(
            select(StaffSession).where(
                StaffSession.staff_user_id == user.id, StaffSession.ended_at.is_(None)
            )
        )
    )
