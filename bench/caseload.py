"""A county's caseload in seconds, for bench/load.py: bulk INSERTs, not the services.

The shape follows ``tests/test_query_counts.py`` (Core ``executemany`` per table), with
``days`` of history for every client: a check-in question each day (three in four answered
a few minutes later, the rest missed), a reminder every third day, an appointment to come,
and an open alert with its timeline for one client in two. The first client has ninety
days of the same history: the client page the benchmark opens.

One provider (who signs in) holds the whole caseload, the worst case for their pages. The
first clients take ``bench/webhook.py``'s numbers, so its signed texts come from clients.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

from sqlalchemy import insert, select
from webhook import NUMBERS, PROVIDER_PHONE

from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    Direction,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    RiskLevel,
    Role,
    StaffUser,
    Status,
)

# Fictional numbers only (555-0100..0199): after webhook.py's area codes, these.
MORE_AREAS = (
    "209", "408", "424", "510", "530", "559", "562", "619", "650", "661",
    "707", "714", "760", "805", "831", "858", "909", "916", "925", "949", "951",
)  # fmt: skip
PHONES = NUMBERS + [f"+1{area}555{n:04d}" for area in MORE_AREAS for n in range(101, 199)]
MAX_CLIENTS = len(PHONES)
LANGUAGES = ("en", "es", "vi", "zh-Hant", "ko", "tl")
LEVELS = list(RiskLevel)
PROVIDER_EMAIL = "load-provider@example.test"
HISTORY_CLIENT_DAYS = 90
BATCH = 5000  # rows a statement: bounded memory, few round trips


def seed_caseload(clients: int, days: int, password: str, now: datetime | None = None) -> int:
    """Staff and ``clients`` clients with ``days`` days of history; the first client's id.

    Runs inside an app context on a migrated, empty database.
    """
    if not 1 <= clients <= MAX_CLIENTS:
        raise ValueError(f"between 1 and {MAX_CLIENTS} clients (fictional numbers run out)")
    now = now or datetime.now(UTC)
    provider = StaffUser(
        email=PROVIDER_EMAIL,
        name="Load Provider",
        role=Role.PROVIDER,
        phone=PROVIDER_PHONE,
        public_phone=PROVIDER_PHONE,
        created_at=now,
    )
    provider.set_password(password)
    officer = StaffUser(
        email="load-officer@example.test",
        name="Load Officer",
        role=Role.OFFICER,
        password_hash="!",  # noqa: S106 - nobody signs in as them
        created_at=now,
    )
    db.session.add_all([provider, officer])
    db.session.flush()
    db.session.execute(
        insert(Client),
        [
            {
                "display_name": f"Client {n:04d}",
                "phone": PHONES[n],
                "language": LANGUAGES[n % len(LANGUAGES)],
                "timezone": "America/New_York" if n % 3 == 0 else "America/Los_Angeles",
                "send_window_start": clock(0),
                "send_window_end": clock(23, 59),
                "risk_level": LEVELS[n % len(LEVELS)],
                "checkin_topics": ["stress"] if n % 4 else [],
                "checkin_times": [],
                "provider_id": provider.id,
                "officer_id": officer.id,
                "consent": Consent.OPTED_OUT if n % 50 == 49 else Consent.OPTED_IN,
                "status": ClientStatus.ACTIVE,
                "roi_officer_contact": True,
                "created_at": now - timedelta(days=max(days, HISTORY_CLIENT_DAYS) + 1),
                "updated_at": now - timedelta(days=1),
            }
            for n in range(clients)
        ],
    )
    ids = list(db.session.scalars(select(Client.id).order_by(Client.id)))
    _history(ids, days, now, provider.id)
    db.session.commit()
    return ids[0]


def _history(ids: list[int], days: int, now: datetime, provider_id: int) -> None:
    messages: list[dict[str, Any]] = []
    check_ins: list[dict[str, Any]] = []
    for i, client_id in enumerate(ids):
        for day in range(1, (HISTORY_CLIENT_DAYS if i == 0 else days) + 1):
            due = now - timedelta(days=day, hours=i % 8)
            answered = (i + day) % 4 != 0
            messages.append(_message(client_id, Direction.OUTBOUND, due, "checkin_prompt"))
            if answered:
                messages.append(
                    _message(client_id, Direction.INBOUND, due + timedelta(minutes=7), "inbound")
                )
            if day % 3 == 0:
                messages.append(
                    _message(client_id, Direction.OUTBOUND, due - timedelta(hours=2), "reminder")
                )
            check_ins.append(
                {"client_id": client_id, "topic": "stress", "due_at": due,
                 "closes_at": due + timedelta(hours=6),
                 "status": CheckInStatus.ANSWERED if answered else CheckInStatus.MISSED,
                 "answer_value": 3 + day % 5 if answered else None, "created_at": due}
            )  # fmt: skip
        if len(messages) >= BATCH:
            db.session.execute(insert(Message), messages)
            messages.clear()
        if len(check_ins) >= BATCH:
            db.session.execute(insert(CheckIn), check_ins)
            check_ins.clear()
    if messages:
        db.session.execute(insert(Message), messages)
    if check_ins:
        db.session.execute(insert(CheckIn), check_ins)
    db.session.execute(
        insert(Appointment),
        [
            {"client_id": client_id, "kind": AppointmentKind.INDIVIDUAL,
             "starts_at": now + timedelta(hours=2 + i % 70), "location": "Room 2",
             "status": AppointmentStatus.SCHEDULED, "revision": 1,
             "created_at": now - timedelta(days=3), "updated_at": now - timedelta(days=3)}
            for i, client_id in enumerate(ids)
        ],
    )  # fmt: skip
    db.session.execute(
        insert(Escalation),
        [
            {"client_id": client_id, "reason": "missed_checkins", "urgent": i % 10 == 0,
             "rung": "provider", "status": EscalationStatus.OPEN, "code": f"{i:04d}",
             "opened_at": now - timedelta(hours=1 + i % 200), "details": {}, "note": "",
             "told_ids": []}
            for i, client_id in enumerate(ids)
            if i % 2 == 0
        ],
    )  # fmt: skip
    opened = db.session.execute(select(Escalation.id, Escalation.opened_at)).all()
    db.session.execute(
        insert(EscalationEvent),
        [
            {"escalation_id": e, "at": at + timedelta(minutes=m), "kind": kind,
             "staff_user_id": provider_id if kind == "told" else None,
             "channel": "sms" if kind == "told" else None, "detail": "missed 2 check-ins"}
            for e, at in opened
            for m, kind in ((0, "opened"), (1, "told"))
        ],
    )  # fmt: skip


def _message(client_id: int, direction: Direction, at: datetime, kind: str) -> dict[str, Any]:
    outbound = direction == Direction.OUTBOUND
    return {
        "client_id": client_id,
        "direction": direction,
        "kind": kind,
        "params": {},
        "status": Status.SENT if outbound else Status.RECEIVED,
        "send_after": at if outbound else None,
        "sent_at": at if outbound else None,
        "body": None if outbound else "Fine today",
        "created_at": at,
        "updated_at": at,
    }
