"""Every staff page runs a constant number of SQL statements, whatever the caseload (issue 18).

A caseload of 20 clients, then of 520 (500 more, with the same history each: texts both
ways, check-ins answered and missed, appointments, alerts with their timelines), and each
page is opened as its role would: the count of statements must not move. Rows are put in
with a few bulk INSERTs (Core ``executemany``), not through the services one by one, so
the test stays a few seconds long.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time, timedelta

import pytest
from sqlalchemy import event, insert, select

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
    Status,
)

from helpers import MONDAY_9AM, sign_in

AREAS = ("213", "310", "323", "424", "562", "626")  # fictional: 555-0100..0199 in each
LEVELS = list(RiskLevel)
LANGUAGES = ("en", "es", "vi", "zh-Hant", "ko", "tl", "hy", "ru", "fa", "ar")


def seed(provider_id: int, officer_id: int, start: int, count: int) -> None:
    """``count`` clients numbered from ``start``, each with a week of history."""
    now = MONDAY_9AM
    numbers = range(start, start + count)
    db.session.execute(
        insert(Client),
        [
            {
                "display_name": f"Client {n:04d}",
                "phone": f"+1{AREAS[n // 100]}555{100 + n % 100:04d}",
                "language": LANGUAGES[n % len(LANGUAGES)],
                "timezone": "America/New_York" if n % 3 == 0 else "America/Los_Angeles",
                "send_window_start": time(8),
                "send_window_end": time(21),
                "risk_level": LEVELS[n % len(LEVELS)],
                "checkin_topics": ["stress"] if n % 4 else [],
                "checkin_times": [],
                "provider_id": provider_id,
                "officer_id": officer_id,
                "consent": Consent.OPTED_OUT if n % 9 == 0 else Consent.OPTED_IN,
                "status": ClientStatus.ACTIVE,
                "roi_officer_contact": True,
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=30),
            }
            for n in numbers
        ],
    )
    ids = db.session.scalars(
        select(Client.id).where(Client.display_name.in_([f"Client {n:04d}" for n in numbers]))
    ).all()
    messages, check_ins, appointments, escalations = [], [], [], []
    for i, client_id in enumerate(ids):
        for day in range(1, 4):
            sent = now - timedelta(days=day)
            messages.append(
                _message(client_id, Direction.OUTBOUND, Status.SENT, sent, "checkin_prompt")
            )
            messages.append(
                _message(
                    client_id,
                    Direction.INBOUND,
                    Status.RECEIVED,
                    sent + timedelta(minutes=5),
                    "inbound",
                )
            )
        messages.append(
            _message(
                client_id, Direction.OUTBOUND, Status.PENDING, now + timedelta(hours=3), "reminder"
            )
        )
        for day, status in (
            (1, CheckInStatus.ANSWERED),
            (2, CheckInStatus.MISSED),
            (0, CheckInStatus.OPEN),
        ):
            due = now - timedelta(days=day)
            check_ins.append(
                {"client_id": client_id, "topic": "stress", "due_at": due,
                 "closes_at": due + timedelta(hours=6), "status": status,
                 "answer_value": 4 if status == CheckInStatus.ANSWERED else None,
                 "created_at": due}
            )  # fmt: skip
        appointments.append(
            {"client_id": client_id, "kind": AppointmentKind.INDIVIDUAL,
             "starts_at": now + timedelta(hours=20 + i % 40), "location": "Room 2",
             "status": AppointmentStatus.SCHEDULED, "revision": 1,
             "created_at": now, "updated_at": now}
        )  # fmt: skip
        if i % 5 == 0:
            escalations.append(
                {"client_id": client_id, "reason": "missed_checkins", "urgent": i % 10 == 0,
                 "rung": "provider", "status": EscalationStatus.OPEN,
                 "code": f"{start + i:04d}", "opened_at": now - timedelta(hours=i % 24),
                 "details": {}, "note": "", "told_ids": []}
            )  # fmt: skip
    db.session.execute(insert(Message), messages)
    db.session.execute(insert(CheckIn), check_ins)
    db.session.execute(insert(Appointment), appointments)
    db.session.execute(insert(Escalation), escalations)
    opened = db.session.execute(
        select(Escalation.id, Escalation.opened_at).where(Escalation.client_id.in_(ids))
    ).all()
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
    db.session.commit()


def _message(client_id, direction, status, at, kind):  # type: ignore[no-untyped-def]
    outbound = direction == Direction.OUTBOUND
    return {
        "client_id": client_id,
        "direction": direction,
        "kind": kind,
        "params": {},
        "status": status,
        "send_after": at if outbound else None,
        "sent_at": at if status == Status.SENT else None,
        "body": "Fine today" if not outbound else None,
        "created_at": at,
        "updated_at": at,
    }


@contextmanager
def counted() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def page_counts(web, client_id: int, escalation_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    pages = {
        "client list": "/clients/",
        "client list, needing attention, by adherence": "/clients/?attention=1&sort=adherence",
        "client page": f"/clients/{client_id}",
        "client page, older messages": f"/clients/{client_id}?messages=2",
        "alerts": "/escalations",
        "alert": f"/escalations/{escalation_id}",
        "today": "/today",
    }
    counts = {}
    for name, url in pages.items():
        db.session.remove()  # a fresh session, as each request has in production
        with counted() as statements:
            response = web.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements)
    return counts


@pytest.mark.parametrize("role", ["provider", "officer", "admin"])
def test_every_staff_page_runs_as_many_statements_for_520_clients_as_for_20(
    app, staff, role
) -> None:
    provider = staff("provider", name="Dana Provider", timezone="America/Chicago")
    officer = staff("officer", name="Olive Officer")
    team = provider.id, officer.id
    seed(*team, 0, 20)
    first = db.session.scalar(select(Client.id).order_by(Client.id))
    alert = db.session.scalar(
        select(Escalation.id).where(Escalation.client_id == first).order_by(Escalation.id)
    )
    web = sign_in(app, {"provider": provider, "officer": officer}.get(role) or staff("admin"))
    small = page_counts(web, first, alert)
    seed(*team, 20, 500)
    large = page_counts(web, first, alert)
    assert large == small
    assert db.session.scalar(select(db.func.count()).select_from(Client)) == 520
