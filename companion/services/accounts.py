"""Staff accounts: signing in, failed attempts and locking, changing one's password.

Failures count in a row: a success or an unlock starts again, and so does a failure
more than a lock period after the previous one. Functions take a session, the inputs and
``now``; none imports Flask.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.models import StaffUser
from companion.services import audit, staff_sessions

PASSWORD_MIN_LENGTH = 10
_GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


@dataclass(frozen=True)
class Lockout:
    """SIGN_IN_MAX_FAILURES failures in a row lock an account for SIGN_IN_LOCK_MINUTES."""

    max_failures: int
    minutes: int


def generate_password() -> str:
    """A temporary password to read out or copy: four groups of four, about 79 bits."""
    groups = ("".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def staff_by_email(session: Session, email: str) -> StaffUser | None:
    """The account with ``email`` (already lower-cased), whatever the stored case."""
    return session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()


def record_failure(session: Session, user: StaffUser, now: datetime, lockout: Lockout) -> bool:
    """Count one failed attempt on ``user``; lock the account at the limit. True if locked now."""
    window = timedelta(minutes=lockout.minutes)
    last = user.last_failed_sign_in_at
    if last is None or now - last > window:
        user.failed_sign_ins = 0
    user.failed_sign_ins = (user.failed_sign_ins or 0) + 1
    user.last_failed_sign_in_at = now
    if user.failed_sign_ins < lockout.max_failures:
        return False
    user.locked_until = now + window
    user.failed_sign_ins = 0
    audit.record(
        session,
        "staff.locked",
        now=now,
        subject=user,
        details={"minutes": lockout.minutes, "failures": lockout.max_failures},
    )
    return True


def unknown_email_failed(session: Session, now: datetime) -> None:
    """Audit a sign-in with an address that is no account's; commits."""
    audit.record(session, "staff.sign_in_failed", now=now, details={})
    session.commit()


def locked_out(session: Session, user: StaffUser, now: datetime) -> None:
    """Audit a sign-in refused because the account is locked; commits."""
    audit.record(
        session, "staff.sign_in_failed", now=now, subject=user, details={"reason": "locked"}
    )
    session.commit()


def wrong_password(session: Session, user: StaffUser, now: datetime, lockout: Lockout) -> bool:
    """A wrong password (or a deactivated account): counted, audited; commits. True if the
    account is locked now."""
    locked = record_failure(session, user, now, lockout)
    reason = "password" if user.is_active else "deactivated"
    audit.record(session, "staff.sign_in_failed", now=now, subject=user, details={"reason": reason})
    session.commit()
    return locked


def signed_in(session: Session, user: StaffUser, now: datetime) -> None:
    """A successful sign-in: the failure count starts again; audited; commits."""
    user.last_login_at = now
    user.failed_sign_ins = 0
    user.last_failed_sign_in_at = None
    user.locked_until = None
    audit.record(session, "staff.signed_in", now=now, actor=user, subject=user)
    session.commit()


def password_change_refused(
    session: Session, user: StaffUser, now: datetime, lockout: Lockout
) -> bool:
    """A wrong current password on the change-password page: counted like a failed
    sign-in, audited; commits. True if the account is locked now."""
    locked = record_failure(session, user, now, lockout)
    audit.record(session, "staff.password_change_failed", now=now, actor=user, subject=user)
    session.commit()
    return locked


def change_password(
    session: Session, user: StaffUser, new: str, now: datetime, keep: str | None = None
) -> None:
    """Set ``user``'s own new password; every other session of theirs ends (all but the
    one whose token is ``keep``); commits."""
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = now
    user.end_other_sessions()
    staff_sessions.end_all(session, user, now, staff_sessions.PASSWORD_CHANGED, keep=keep)
    user.failed_sign_ins = 0
    audit.record(session, "staff.password_changed", now=now, actor=user, subject=user)
    session.commit()
