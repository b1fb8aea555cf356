"""The development clock's offset: one row, read by every process (see companion/clock.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column

from companion.models.base import Base, UTCDateTime


class DevClock(Base):
    __tablename__ = "dev_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    # How far the development clock is ahead of (or behind) the wall clock.
    offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
