"""The outbox: queueing is idempotent, withdrawing only touches what has not gone out.

Runs on SQLite and PostgreSQL (the ``database_url`` fixture is parametrized).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, literal, select

from companion.extensions import db
from companion.messaging.outbox import (
    cancel_pending,
    enqueue,
    enqueue_from,
    enqueue_many,
    outbox_row,
    pending_for,
)
from companion.models import Direction, Message, Status
from companion.runtime import tick

from helpers import MONDAY_9AM


def count_rows(**filters: object) -> int:
    query = select(func.count()).select_from(Message).filter_by(**filters)
    return db.session.scalar(query) or 0


def test_enqueue_twice_with_the_same_dedupe_key_keeps_one_row(app, make_client):
    client = make_client()
    first = enqueue(
        db.session, kind="welcome", dedupe_key=f"welcome:{client.id}", now=MONDAY_9AM,
        client_id=client.id,
    )
    second = enqueue(
        db.session, kind="welcome", dedupe_key=f"welcome:{client.id}",
        now=MONDAY_9AM + timedelta(minutes=5), client_id=client.id,
        send_after=MONDAY_9AM + timedelta(hours=2),
    )
    db.session.commit()

    assert first is not None
    assert second is None
    assert count_rows(dedupe_key=f"welcome:{client.id}") == 1
    # The second call changed nothing about the first row.
    db.session.expire_all()
    row = db.session.get(Message, first.id)
    assert row.send_after == MONDAY_9AM
    assert row.created_at == MONDAY_9AM


def test_enqueue_defaults_to_a_pending_outbound_row_due_now(app, make_client):
    client = make_client()
    row = enqueue(
        db.session, kind="welcome", dedupe_key="welcome:x", now=MONDAY_9AM, client_id=client.id,
        params={"extra": "kept"},
    )
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(Message, row.id)
    assert row.direction == Direction.OUTBOUND
    assert row.status == Status.PENDING
    assert row.send_after == MONDAY_9AM
    assert row.attempts == 0
    assert row.body is None  # rendered only when it is sent
    assert row.params == {"extra": "kept"}


def test_one_text_a_batch_and_a_select_write_the_same_row(app, make_client):
    """The three ways in (enqueue, enqueue_many, enqueue_from) share one idea of a new row."""
    client = make_client()
    later = MONDAY_9AM + timedelta(hours=1)
    enqueue(db.session, kind="welcome", dedupe_key="one", now=MONDAY_9AM, client_id=client.id,
            send_after=later, params={"a": "b"})  # fmt: skip
    batch = [
        outbox_row(MONDAY_9AM, kind="welcome", dedupe_key=key, client_id=client.id,
                   send_after=later, params={"a": "b"})
        for key in ("many", "one")
    ]  # fmt: skip
    enqueue_many(db.session, batch)  # "one" is already queued: left as it is
    columns = {
        "kind": literal("welcome"), "dedupe_key": literal("select"),
        "client_id": literal(client.id), "send_after": literal(later, Message.send_after.type),
        "params": literal({"a": "b"}, Message.params.type),
    }  # fmt: skip
    enqueue_from(db.session, MONDAY_9AM, columns)
    db.session.commit()
    db.session.expire_all()

    rows = db.session.scalars(select(Message).order_by(Message.dedupe_key)).all()
    assert [r.dedupe_key for r in rows] == ["many", "one", "select"]
    seen = {
        (r.direction, r.status, r.kind, r.client_id, r.send_after, r.expires_at, r.attempts,
         r.uncertain, r.num_media, r.created_at, r.updated_at, str(r.params))
        for r in rows
    }  # fmt: skip
    assert seen == {
        (Direction.OUTBOUND, Status.PENDING, "welcome", client.id, later, None, 0, False, 0,
         MONDAY_9AM, MONDAY_9AM, "{'a': 'b'}")
    }  # fmt: skip


def test_planning_twice_then_ticking_twice_sends_once(app, make_client):
    client = make_client()
    for _ in range(2):
        enqueue(
            db.session, kind="welcome", dedupe_key=f"welcome:{client.id}", now=MONDAY_9AM,
            client_id=client.id,
        )
        db.session.commit()
    first = tick(MONDAY_9AM)
    second = tick(MONDAY_9AM)
    assert first.dispatch.sent == 1
    assert second.dispatch.sent == 0
    assert count_rows(client_id=client.id) == 1


def test_cancel_pending_withdraws_only_that_clients_unsent_texts(app, make_client):
    ana, ben = make_client(display_name="Ana"), make_client(display_name="Ben")
    later = MONDAY_9AM + timedelta(days=1)
    sent = enqueue(db.session, kind="welcome", dedupe_key="w:ana", now=MONDAY_9AM, client_id=ana.id)
    waiting = enqueue(
        db.session, kind="received", dedupe_key="r:ana", now=MONDAY_9AM, send_after=later,
        client_id=ana.id,
    )
    kept_kind = enqueue(
        db.session, kind="opt_out_confirm", dedupe_key="o:ana", now=MONDAY_9AM, send_after=later,
        client_id=ana.id,
    )
    other = enqueue(
        db.session, kind="received", dedupe_key="r:ben", now=MONDAY_9AM, send_after=later,
        client_id=ben.id,
    )
    db.session.commit()
    tick(MONDAY_9AM)  # sends ana's welcome only

    withdrawn = cancel_pending(
        db.session, client_id=ana.id, reason="client discharged", now=later,
        keep_kinds={"opt_out_confirm"},
    )
    db.session.commit()
    db.session.expire_all()

    assert withdrawn == 1
    assert db.session.get(Message, sent.id).status == Status.DELIVERED  # console "delivers"
    row = db.session.get(Message, waiting.id)
    assert (row.status, row.status_reason) == (Status.CANCELLED, "client discharged")
    assert db.session.get(Message, kept_kind.id).status == Status.PENDING
    assert db.session.get(Message, other.id).status == Status.PENDING
    # Withdrawn texts never go out, even when their time comes.
    assert tick(later).dispatch.sent == 2  # ana's kept confirmation and ben's reply


def test_pending_for_lists_a_clients_waiting_texts_soonest_first(app, make_client):
    client = make_client()
    for hours, key in ((5, "b"), (1, "a"), (9, "c")):
        enqueue(
            db.session, kind="received", dedupe_key=key, now=MONDAY_9AM,
            send_after=MONDAY_9AM + timedelta(hours=hours), client_id=client.id,
        )
    db.session.commit()
    assert [m.dedupe_key for m in pending_for(db.session, client.id)] == ["a", "b", "c"]
    tick(MONDAY_9AM + timedelta(hours=2))
    assert [m.dedupe_key for m in pending_for(db.session, client.id)] == ["b", "c"]


def test_replanning_keeps_the_days_plan_reminder(app, make_client):
    from companion.care.plan import normalise
    from companion.models import PlanVersion, RiskLevel
    from companion.services.planning import plan_clients, replan

    client = make_client(risk_level=RiskLevel.III, checkin_topics=["stress"])
    content, _ = normalise(
        {"thinking_errors": [{"error": "x", "replacement": "I can ask", "ok_to_text": True}]}
    )
    db.session.add(PlanVersion(client_id=client.id, version=1, content=content,
                               created_at=MONDAY_9AM))  # fmt: skip
    db.session.commit()
    plan_clients(db.session, MONDAY_9AM)  # Monday: plans Tuesday's 12:30 reminder

    def pending_reminders():
        return db.session.scalars(
            select(Message.send_after).where(
                Message.kind == "plan_reminder", Message.status == Status.PENDING
            )
        ).all()

    [tuesday] = pending_reminders()
    replan(db.session, client, MONDAY_9AM, "schedule changed")
    db.session.commit()
    assert pending_reminders() == []
    plan_clients(db.session, MONDAY_9AM)
    assert pending_reminders() == [tuesday]
