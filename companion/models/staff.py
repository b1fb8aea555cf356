"""Staff who sign in: providers, supervising officers and administrators."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column

_hasher = PasswordHasher()


class Role(enum.StrEnum):
    PROVIDER = "provider"
    OFFICER = "officer"
    EXAMINER = "examiner"  # polygraph examiner: sees only assigned clients' appointments, alerts
    ADMIN = "admin"


class StaffUser(UserMixin, Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    password_hash: Mapped[str] = mapped_column(String(255))
    # E.164; officers and providers get alerts here and acknowledge from it.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The number clients may call; given in HELP and opt-out replies.
    public_phone: Mapped[str | None] = mapped_column(String(20))
    backup_officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A password an administrator set or generated: replaced at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Random, replaced with every new password: a session remembers the stamp it was
    # signed in with, so a new one ends every other session (a time could repeat).
    session_stamp: Mapped[str] = mapped_column(String(32), default="", server_default="")

    backup_officer: Mapped[StaffUser | None] = relationship(remote_side=[id])

    @property
    def is_active(self) -> bool:  # Flask-Login: a deactivated account cannot sign in.
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: what the session remembers
        """``"<id>.<stamp>"``: a new password changes the stamp, which ends every other session."""
        return f"{self.id}.{self.session_stamp}"

    def end_other_sessions(self) -> None:
        """A new stamp: every session signed in with the old one is over."""
        self.session_stamp = secrets.token_hex(16)

    def set_password(self, password: str) -> None:
        """Store an argon2 hash of ``password``."""
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches; rehashes if argon2's parameters have moved on."""
        try:
            _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.role}>"


class SignInFailure(Base):
    """Failed sign-ins on one email address from one client address (services/accounts.py).

    ``account`` is the SHA-256 of the lower-cased email, whether or not it is anyone's: an
    unknown email is counted exactly like a known one, and what people typed into the
    email field is not kept. ``retry_at``: no new try from this address before then.
    """

    __tablename__ = "sign_in_failures"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(45), primary_key=True)  # IPv4 or IPv6
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SignInFailure {self.account[:8]} x{self.failures}>"


class StaffSession(Base):
    """One signed-in browser, on the server: the cookie holds a random token and this row
    holds its SHA-256 (``id``), so a copied cookie dies with the row (services/staff_sessions.py).
    """

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # signed_out, password_changed, password_reset, deactivated, idle, expired
    ended_reason: Mapped[str | None] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<StaffSession of {self.staff_user_id} ended={self.ended_reason}>"
