"""Staff accounts: signing in, failed attempts and the delays they bring, changing one's password.

Failed sign-ins count per **email and client address** (``SignInFailure``), not per
account: a guesser at one address slows down only their own tries, and the owner at
another address signs in at once. Wrong passwords typed on purpose therefore cannot lock
a colleague out (only someone behind the same address, e.g. the same office network, can
slow the owner down, and by at most ``max_minutes`` at a time).

From one address, ``free_tries`` wrong passwords on one email cost nothing; after that
each failure makes that address wait before its next try on that email: 1, 2, 4, 8...
minutes, at most ``max_minutes``. A success from the pair forgets its failures, so does
an administrator's unlock (``clear_failures``); otherwise they are forgotten a day
after the last one (a pair that waits out the longest delay keeps its count).

Many addresses guessing one account's password (a botnet) would each get the free
tries. So when the account has had ``account_alarm`` failures in the last day, from all
addresses together, free tries end for everyone who fails: an address waits after its
first failure. An address that has not failed needs nothing: the owner at their desk
still signs in at once, so the alarm cannot be used to lock anyone out; it only slows
the guessers further.

An email that is no one's is counted the same way (the key is a digest of the email,
never the email itself), so the answers never tell whether an email has an account. Rows
for made-up emails are bounded by the per-address rate limit and deleted after a day.
Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from companion.models import SignInFailure, StaffUser
from companion.services import audit, staff_sessions

PASSWORD_MIN_LENGTH = 10
_GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
# Failures are forgotten this long after a pair's last one: longer than the longest
# delay, so waiting a delay out never brings back the free tries.
FAILURES_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class SignInDelays:
    """SIGN_IN_MAX_FAILURES free tries per address, then waits doubling from one minute up
    to SIGN_IN_LOCK_MINUTES; SIGN_IN_ACCOUNT_FAILURES on one account from all addresses
    within a day end the free tries (see the module's docstring)."""

    free_tries: int
    max_minutes: int
    account_alarm: int

    def wait_after(self, failures: int, *, alarm: bool) -> timedelta | None:
        """How long an address waits after its ``failures``-th failure in a row (None: no wait)."""
        free = 1 if alarm else self.free_tries
        if failures < free:
            return None
        doublings = min(failures - free, 16)  # 2**16 minutes is past any sane cap
        return timedelta(minutes=min(2**doublings, self.max_minutes))


def generate_password() -> str:
    """A temporary password to read out or copy: four groups of four, about 79 bits."""
    groups = ("".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


def staff_by_email(session: Session, email: str) -> StaffUser | None:
    """The account with ``email`` (already lower-cased), whatever the stored case."""
    return session.scalars(select(StaffUser).where(func.lower(StaffUser.email) == email)).first()


def account_key(email: str) -> str:
    """What failures are counted under: a digest of the lower-cased email."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _pair(session: Session, email: str, address: str) -> SignInFailure | None:
    return session.get(SignInFailure, (account_key(email), address))


def waiting_until(session: Session, email: str, address: str, now: datetime) -> datetime | None:
    """When ``address`` may next try ``email``, if that is still to come."""
    pair = _pair(session, email, address)
    if pair is None or pair.retry_at is None or pair.retry_at <= now:
        return None
    return pair.retry_at


def refused_while_waiting(session: Session, user: StaffUser | None, now: datetime) -> None:
    """Audit a try that came before its wait was over (not counted as a failure); commits."""
    audit.record(
        session, "staff.sign_in_failed", now=now, subject=user, details={"reason": "waiting"}
    )
    session.commit()


def _count_failure(
    session: Session, email: str, address: str, now: datetime, delays: SignInDelays
) -> tuple[SignInFailure, timedelta | None]:
    """One more failure for the pair; sets when it may try again. The pair and its wait."""
    key = account_key(email)
    session.execute(delete(SignInFailure).where(SignInFailure.last_failed_at < now - FAILURES_KEPT))
    pair = session.scalars(
        select(SignInFailure).filter_by(account=key, address=address).with_for_update()
    ).first()
    if pair is None:
        try:
            with session.begin_nested():  # the same pair failing twice at the same instant
                pair = SignInFailure(account=key, address=address, failures=0, last_failed_at=now)
                session.add(pair)
        except IntegrityError:
            pair = session.get(SignInFailure, (key, address), with_for_update=True)
            assert pair is not None
    pair.failures += 1
    pair.last_failed_at = now
    on_account = session.scalar(
        select(func.coalesce(func.sum(SignInFailure.failures), 0)).where(
            SignInFailure.account == key, SignInFailure.last_failed_at >= now - FAILURES_KEPT
        )
    )
    wait = delays.wait_after(pair.failures, alarm=on_account >= delays.account_alarm)
    pair.retry_at = now + wait if wait else None
    return pair, wait


def sign_in_failed(
    session: Session,
    email: str,
    user: StaffUser | None,
    address: str,
    now: datetime,
    delays: SignInDelays,
) -> datetime | None:
    """A wrong password, a deactivated account or an email that is no one's: counted for
    the pair, audited; commits. Until when this address must now wait, if it must."""
    pair, wait = _count_failure(session, email, address, now, delays)
    if user is None:
        audit.record(session, "staff.sign_in_failed", now=now, details={})
    else:
        reason = "password" if user.is_active else "deactivated"
        audit.record(
            session, "staff.sign_in_failed", now=now, subject=user, details={"reason": reason}
        )
        _audit_wait(session, user, pair, wait, now)
    session.commit()
    return pair.retry_at


def _audit_wait(
    session: Session, user: StaffUser, pair: SignInFailure, wait: timedelta | None, now: datetime
) -> None:
    if wait:
        minutes = int(wait.total_seconds() // 60)
        audit.record(
            session, "staff.sign_in_delayed", now=now, subject=user,
            details={"minutes": minutes, "failures": pair.failures},
        )  # fmt: skip


def clear_failures(session: Session, member: StaffUser) -> int:
    """Forget every failed sign-in on ``member``'s email, from every address (an
    administrator's unlock or reset). How many addresses were waiting or counting."""
    result = session.execute(
        delete(SignInFailure).where(SignInFailure.account == account_key(member.email))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FailedSignIns:
    """What the staff pages show: failures in the last day, and the latest wait."""

    failures: int
    waiting_until: datetime | None


def failed_sign_ins(
    session: Session, members: list[StaffUser], now: datetime
) -> dict[int, FailedSignIns]:
    """For each member with failures in the last day (from any address): how many, and
    until when some address must wait."""
    by_key = {account_key(m.email): m.id for m in members}
    rows = session.execute(
        select(
            SignInFailure.account,
            func.sum(SignInFailure.failures),
            func.max(SignInFailure.retry_at),
        )
        .where(
            SignInFailure.account.in_(by_key),
            SignInFailure.last_failed_at >= now - FAILURES_KEPT,
        )
        .group_by(SignInFailure.account)
    )
    return {
        by_key[key]: FailedSignIns(int(total), until if until and until > now else None)
        for key, total, until in rows
    }


def signed_in(session: Session, user: StaffUser, address: str, now: datetime) -> None:
    """A successful sign-in: this address's failures on the account are forgotten (other
    addresses' are not); audited; commits."""
    user.last_login_at = now
    pair = _pair(session, user.email, address)
    if pair is not None:
        session.delete(pair)
    audit.record(session, "staff.signed_in", now=now, actor=user, subject=user)
    session.commit()


def password_change_refused(
    session: Session, user: StaffUser, address: str, now: datetime, delays: SignInDelays
) -> datetime | None:
    """A wrong current password on the change-password page: counted like a failed
    sign-in from ``address``, audited; commits. Until when this address must now wait
    (the page then signs out), if it must."""
    pair, wait = _count_failure(session, user.email, address, now, delays)
    audit.record(session, "staff.password_change_failed", now=now, actor=user, subject=user)
    _audit_wait(session, user, pair, wait, now)
    session.commit()
    return pair.retry_at


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
    audit.record(session, "staff.password_changed", now=now, actor=user, subject=user)
    session.commit()
