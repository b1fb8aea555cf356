"""The client's release of information, per category: one row per change, history kept.

A row is never changed: recording a release again (granted or withdrawn, a new signed
date or expiry) adds a row, and the newest row per client and category is the one in
force (services/release.py). ``category`` takes care/release.py's Category values.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime
from companion.models.client import Client
from companion.models.staff import StaffUser


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (Index("ix_releases_client_category", "client_id", "category", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    category: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    # The day the client signed (or withdrew) it, and the last day it holds (None: no end).
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # None for rows the migration made from the old single flag.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(300), default="")
    # When the provider was told it expired (one task, not one a day).
    expiry_noted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    recorded_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<Release {self.id} {self.category} {'granted' if self.granted else 'refused'}>"
