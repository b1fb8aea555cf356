"""Invented demo data: staff and three clients (English, Spanish, Vietnamese).

Every name is invented and every phone number is in the fictional 555-01xx range.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.messaging.outbox import enqueue
from companion.models import Client, Consent, RiskLevel, Role, StaffUser
from companion.services import audit, release

STAFF = [
    ("provider", "provider@demo.invalid", "Dana Reyes", "+12135550101", "+12135550100"),
    ("officer", "officer@demo.invalid", "Sam Okafor", "+12135550102", None),
    ("officer", "backup.officer@demo.invalid", "Kim Tran", "+12135550103", None),
    ("admin", "admin@demo.invalid", "Alex Morgan", None, None),
    ("examiner", "examiner@demo.invalid", "Robin Park", None, None),
]
# The polygraph examiner sees only this client's appointments and alerts.
EXAMINED_CLIENT = "+12135550121"

CLIENTS = [
    ("Marcus", "+12135550121", "en", RiskLevel.III),
    ("Javier", "+12135550122", "es", RiskLevel.IVA),
    ("Minh", "+12135550123", "vi", RiskLevel.II),
]


def load_demo(session: Session, password: str, now: datetime) -> list[tuple[str, str]]:
    """Create (or refresh the passwords of) the demo staff and clients; welcome each client.

    Safe to run again: existing rows are kept and no text is queued twice.
    """
    staff: dict[str, StaffUser] = {}
    for role, email, name, phone, public_phone in STAFF:
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).first()
        if user is None:
            user = StaffUser(
                email=email,
                name=name,
                role=Role(role),
                phone=phone,
                public_phone=public_phone,
                created_at=now,
            )
            session.add(user)
        user.set_password(password)
        staff.setdefault(role, user)
        staff[email] = user
    session.flush()
    staff["officer"].backup_officer_id = staff["backup.officer@demo.invalid"].id

    for name, phone, language, level in CLIENTS:
        client = session.scalars(select(Client).where(Client.phone == phone)).first()
        if client is None:
            client = Client(
                display_name=name,
                phone=phone,
                language=language,
                timezone="America/Los_Angeles",
                risk_level=level,
                provider_id=staff["provider"].id,
                officer_id=staff["officer"].id,
                consent=Consent.OPTED_IN,
                consent_changed_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(client)
            session.flush()
            audit.record(
                session, "client.created", now=now, subject=client, details={"how": "demo data"}
            )
            for category in release.CONTAINMENT_RELEASE:  # what most clients sign (DOMAIN.md)
                release.record(session, client, category, True, now.date(), None,
                               staff["provider"], now)  # fmt: skip
        if phone == EXAMINED_CLIENT and client.examiner_id is None:
            client.examiner_id = staff["examiner"].id
        enqueue(
            session,
            kind="welcome",
            dedupe_key=f"welcome:{client.id}",
            client_id=client.id,
            now=now,
        )
        release.tell_client(session, client, now)  # who sees their answers
    session.commit()
    return [(role, email) for role, email, *_ in STAFF]
