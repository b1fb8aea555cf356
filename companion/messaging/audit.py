"""Writing to the append-only audit log.

Below the services, so that the dispatcher (messaging/) records what it does too;
``companion.services.audit`` re-exports it for the use cases and the views.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from companion.models import AuditEvent, StaffUser


def record(
    session: Session,
    action: str,
    *,
    now: datetime,
    actor: StaffUser | None = None,
    actor_kind: str | None = None,
    subject: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller commits with its own change).

    Details must never hold a phone number or a message body.
    """
    event = AuditEvent(
        at=now,
        actor_id=actor.id if actor is not None else None,
        actor_kind=actor_kind or ("staff" if actor is not None else "system"),
        action=action,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details or {},
    )
    session.add(event)
    return event
