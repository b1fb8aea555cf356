"""Which text languages an admin approved for sending (issue 16, item 6).

One row per language once an admin has decided about it; no row means not approved.
The row keeps the current decision and who made it when (``approved_by_id``,
``approved_at``: also set by a withdrawal, so the page always says who decided last);
every decision is in the audit log as well.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from companion.models.base import Base, UTCDateTime


class LanguageApproval(Base):
    __tablename__ = "language_approvals"

    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
