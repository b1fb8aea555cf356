"""The inbound webhook never waits on Twilio (issue 12, fault 7; issue 18, item 1).

The webhook stores the text and its replies in one transaction and answers; the replies
leave through the process's fast lane within moments, recorded in the outbox like every
text; what the lane never sent (closed, or its process died) goes with the worker's next
pass, once. Timing is shown with events (the fake Twilio held until released), not with
wall-clock thresholds.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from sqlalchemy import event

from companion.extensions import db
from companion.models import Direction, Message, Status
from companion.runtime import fast_lane, tick

from helpers import post_sms, sent_bodies

URGE = "I might act on it tonight"


def eventually(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def replies_to(client) -> list[Message]:
    db.session.expire_all()  # the lane wrote them from its own session
    return list(
        db.session.scalars(
            db.select(Message)
            .where(Message.direction == Direction.OUTBOUND, Message.client_id == client.id)
            .order_by(Message.id)
        )
    )


def test_the_webhook_answers_while_twilio_has_not_answered_and_the_crisis_reply_follows(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    fake_twilio.hold()  # Twilio takes every request and answers none until released
    release = threading.Timer(60, fake_twilio.release)  # never hang the suite
    release.start()
    try:
        response = post_sms(twilio_app, fake_twilio, client.phone, URGE, wait=False)
        # Answered while Twilio had not answered a single request.
        assert response.status_code == 200
        assert fake_twilio.messages == []
        # The crisis reply reaches Twilio without waiting for anything else.
        assert eventually(lambda: fake_twilio.attempts >= 1)
    finally:
        fake_twilio.release()
        release.cancel()
    assert fast_lane(twilio_app).wait_idle(timeout=30)
    [reply] = [row for row in replies_to(client) if row.kind.startswith("crisis_urge")]
    assert reply.status == Status.SENT
    [sent] = [m for m in fake_twilio.messages if m["sid"] == reply.provider_sid]
    assert sent["to"] == client.phone and sent["body"] == reply.body
    assert "988" in reply.body


def test_a_reply_the_lane_never_sent_goes_with_the_next_worker_pass_once(
    twilio_app, fake_twilio, make_client, clock
):
    client = make_client()
    fast_lane(twilio_app).close()  # as if the web process died right after answering
    response = post_sms(twilio_app, fake_twilio, client.phone, "hello", wait=False)
    assert response.status_code == 200
    [reply] = replies_to(client)
    assert reply.status == Status.PENDING
    assert fake_twilio.messages == []

    with twilio_app.app_context():
        tick(clock.now())
        tick(clock.now())
    [reply] = replies_to(client)
    assert reply.status == Status.SENT
    assert sent_bodies(fake_twilio, client.phone) == [reply.body]


def test_the_lane_and_a_worker_pass_at_once_send_each_reply_once(
    twilio_app, fake_twilio, make_client, clock
):
    clients = [make_client() for _ in range(6)]
    fake_twilio.latency = 0.05  # the two overlap for a while
    for client in clients:
        post_sms(twilio_app, fake_twilio, client.phone, "hello", wait=False)

    def worker_pass() -> None:
        with twilio_app.app_context():
            tick(clock.now())
            db.session.remove()

    worker = threading.Thread(target=worker_pass)
    worker.start()
    worker.join(60)
    assert fast_lane(twilio_app).wait_idle(timeout=30)
    for client in clients:
        [reply] = replies_to(client)
        assert reply.status == Status.SENT
        assert sent_bodies(fake_twilio, client.phone) == [reply.body]


def statements_of_webhook(app, fake, phone: str, body: str) -> tuple[list[str], int]:
    """The SQL statements and commits of one POST /twilio/sms (the lane's left out)."""
    request_thread = threading.get_ident()
    statements: list[str] = []
    commits: list[int] = []

    def on_statement(conn, cursor, statement, *args) -> None:
        if threading.get_ident() == request_thread:
            statements.append(statement)

    def on_commit(conn) -> None:
        if threading.get_ident() == request_thread:
            commits.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        assert post_sms(app, fake, phone, body, wait=False).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)
    assert fast_lane(app).wait_idle(timeout=30)
    return statements, len(commits)


def test_the_webhook_is_one_transaction_of_a_handful_of_statements(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    statements, commits = statements_of_webhook(twilio_app, fake_twilio, client.phone, "hello")
    # Find the sender, store the text, look for the question it answers, note it for the
    # team, queue the reply, note on the text what it was bound to (docs/conversation.md):
    # one commit, no sweep of the outbox (only the text's own row is updated), no provider
    # call.
    assert commits == 1
    assert len(statements) <= 6, statements
    updates = [s for s in statements if "UPDATE messages" in s]
    one_row = re.compile(r"WHERE messages\.id = (\?|%\(\w+\)s(::\w+)?)\s*$")
    assert all(one_row.search(s) for s in updates), updates

    # A crisis text opens an alert as well (its rungs, tasks and audit): still one commit.
    statements, commits = statements_of_webhook(twilio_app, fake_twilio, client.phone, URGE)
    assert commits == 1
    assert not any("expires_at <=" in s for s in statements)
