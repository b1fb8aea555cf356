"""A client: the person in treatment who receives texts."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Time, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.staff import StaffUser


class RiskLevel(enum.StrEnum):
    """Static-99R risk levels (DOMAIN.md)."""

    I = "I"  # noqa: E741 - the level's real name
    II = "II"
    III = "III"
    IVA = "IVa"
    IVB = "IVb"


class AcuteLevel(enum.StrEnum):
    """ACUTE-2007 result."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Consent(enum.StrEnum):
    NOT_ASKED = "not_asked"
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


class ClientStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISCHARGED = "discharged"


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    # First name or alias only: a text or a screen must never out the client.
    display_name: Mapped[str] = mapped_column(String(60))
    # E.164; None only once erased on a legal request (services/retention.py).
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    # Texts in the "simple words" variant where one exists (check-in questions, clarifications).
    simple_words: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    timezone: Mapped[str] = mapped_column(String(64), default="America/Los_Angeles")
    # Texts go out only inside this local window; outside it is quiet hours.
    send_window_start: Mapped[time] = mapped_column(Time(), default=time(8, 0))
    send_window_end: Mapped[time] = mapped_column(Time(), default=time(21, 0))
    risk_level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel, 20), default=RiskLevel.II)
    # Dynamic assessments (optional) and release date: they move the cadence (care/cadence.py).
    stable_score: Mapped[int | None] = mapped_column(Integer)  # STABLE-2007 total
    stable_date: Mapped[date | None] = mapped_column(Date)
    acute_level: Mapped[AcuteLevel | None] = mapped_column(enum_column(AcuteLevel, 20))
    acute_date: Mapped[date | None] = mapped_column(Date)
    release_date: Mapped[date | None] = mapped_column(Date)
    # Check-in topics (care/topics.py keys) and local times of day ("HH:MM").
    checkin_topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    checkin_times: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # The end of what has been planned into the outbox: planning resumes from here,
    # so a tick costs what is due, not how many clients exist.
    planned_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    consent: Mapped[Consent] = mapped_column(enum_column(Consent, 20), default=Consent.NOT_ASKED)
    consent_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ClientStatus] = mapped_column(
        enum_column(ClientStatus, 20), default=ClientStatus.ACTIVE
    )
    # A pause with a reason ("custody", "hospital", "other") and an end date stops texts
    # and escalations until then; the worker resumes the client on that date.
    pause_reason: Mapped[str | None] = mapped_column(String(20))
    paused_until: Mapped[date | None] = mapped_column(Date)
    # Since when the current pause holds (None while not paused), and when the last
    # pause ended (by its end date or by staff): services/pauses.py writes both.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The polygraph examiner assigned to the client (sees appointments and alerts only).
    examiner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # The client's release of information lets the officer hear of contact changes
    # (an opt-out), told only as a change of channel, never as non-compliance.
    roi_officer_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retention (services/retention.py): discharge sets when the client's texts and replies
    # are erased (cleared on return); ``texts_erased_at`` says when that happened, and
    # ``erased_at`` when a legal request erased the client's name and number too.
    erase_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    texts_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    provider: Mapped[StaffUser] = relationship(foreign_keys=[provider_id])
    officer: Mapped[StaffUser | None] = relationship(foreign_keys=[officer_id])
    examiner: Mapped[StaffUser | None] = relationship(foreign_keys=[examiner_id])

    @property
    def can_be_texted(self) -> bool:
        """Scheduled texts go only to active clients who opted in."""
        return self.status == ClientStatus.ACTIVE and self.consent == Consent.OPTED_IN

    def __repr__(self) -> str:
        return f"<Client {self.id}>"
