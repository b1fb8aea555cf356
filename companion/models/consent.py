"""The consent ledger: every change of a client's consent to texts, and what they were told.

Append-only: a row is never changed or deleted. Staff recording consent in person
(``opt_in_recorded``, with the exact opt-in words the client was shown or read),
staff removing it (``opt_out_by_staff``), the client's own STOP and START texts
(``opt_out`` / ``opt_in``, with the inbound text), and changes to the release of
information (``roi_changed``). Each row keeps the release's scope at that moment.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from companion.models.base import Base, UTCDateTime, enum_column
from companion.models.client import Client
from companion.models.message import Message
from companion.models.staff import StaffUser


class ConsentKind(enum.StrEnum):
    OPT_IN_RECORDED = "opt_in_recorded"  # staff recorded the client's agreement
    OPT_OUT = "opt_out"  # the client texted STOP
    OPT_IN = "opt_in"  # the client texted START
    OPT_OUT_BY_STAFF = "opt_out_by_staff"  # staff removed consent
    ROI_CHANGED = "roi_changed"  # the release of information changed


class ConsentEvent(Base):
    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind))
    # The staff member who recorded it; None for the client's own texts.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    # The exact opt-in words the client was shown or read, in their language.
    disclosure: Mapped[str | None] = mapped_column(Text)
    # The release of information's scope at that moment: may the officer hear of
    # changes in how the client can be reached.
    roi_officer_contact: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # The client's STOP or START text.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))

    client: Mapped[Client] = relationship()
    recorded_by: Mapped[StaffUser | None] = relationship()
    message: Mapped[Message | None] = relationship()

    def __repr__(self) -> str:
        return f"<ConsentEvent {self.id} {self.kind}>"
