"""The texts preview's "Send me a test": a client's text, to the staff member's phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from companion.messaging.outbox import enqueue
from companion.models import Client, Message, StaffUser
from companion.services import audit

# A test text that could not go within the hour is dropped, not sent late.
TEST_EXPIRES = timedelta(hours=1)


def send_test(
    session: Session,
    client: Client,
    actor: StaffUser,
    *,
    kind: str,
    key: str,
    params: dict[str, Any],
    language: str,
    now: datetime,
) -> Message | None:
    """Queue text ``key`` (of ``kind``, as ``client`` would get it) to ``actor``'s phone;
    audited; commits. None for a double click: the first one is on its way."""
    row = enqueue(
        session,
        kind=kind,
        dedupe_key=f"preview:{actor.id}:{client.id}:{key}:{now:%Y%m%d%H%M}",
        now=now,
        expires_at=now + TEST_EXPIRES,
        staff_user_id=actor.id,
        params={**params, "language": language},
    )
    if row is None:
        return None
    audit.record(
        session,
        "text.test_sent",
        now=now,
        actor=actor,
        subject=client,
        details={"kind": kind, "template": key, "language": language},
    )
    session.commit()
    return row
