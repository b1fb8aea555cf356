"""Logs free of personal data (issue 12, item 3).

A database error, an inbound text and a failed send are forced for real, and
everything logged meanwhile, through pytest's ``caplog`` and through a handler
formatting as production does (the root handler ``create_app`` sets up), is
searched for the phone numbers and the words used. The numbers are fictional
(213-555-01xx).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from companion import logs
from companion.extensions import db
from companion.messaging.outbox import enqueue
from companion.models import Client, Direction, Message, Status
from companion.runtime import tick

from helpers import MONDAY_9AM, post_sms

log = logging.getLogger("companion.tests.security")

PHONE = "+12135550177"
# How the same number may be written: each must be masked.
SPELLINGS = ["+12135550177", "2135550177", "(213) 555-0177", "213-555-0177", "213.555.0177"]
BODY_WORD = "Xylophonic"  # appears in no template, log line or code
BODY = f"{BODY_WORD} marmalade at the pier tonight"
NAME = "Quintessa Vale"

PRODUCTION_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@pytest.fixture
def captured(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[tuple[pytest.LogCaptureFixture, io.StringIO]]:
    """Everything logged at DEBUG and above: caplog, and a production-formatted stream."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(PRODUCTION_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    logs.install(root)  # as create_app does for the handlers it finds
    caplog.set_level(logging.DEBUG)
    # The twilio library stays at WARNING in production (it logs requests); even fully
    # verbose, nothing personal may come out of it.
    caplog.set_level(logging.DEBUG, logger="twilio")
    try:
        yield caplog, stream
    finally:
        root.removeHandler(handler)


def everything(captured) -> str:
    caplog, stream = captured
    lines = [caplog.text, stream.getvalue()]
    for record in caplog.records:  # what any other handler would be handed
        lines.append(record.getMessage())
        lines.append(record.exc_text or "")
        assert record.exc_info is None, "the exception object stays out of the record"
    return "\n".join(lines)


def assert_clean(output: str, *words: str) -> None:
    for needle in [*SPELLINGS, "2135550177", "%2B12135550177", BODY_WORD, *words]:
        assert needle.lower() not in output.lower(), f"{needle!r} reached the logs"


# -- the scrubbing itself ---------------------------------------------------------


@pytest.mark.parametrize("spelling", [*SPELLINGS, "%2B12135550177", "1-213-555-0177"])
def test_every_spelling_of_a_number_is_masked(spelling):
    assert logs.scrub(f"text to {spelling} failed") == "text to [phone] failed"


def test_ids_dates_and_sids_are_left_alone():
    line = "message 4211 at 2026-11-23 17:00:00 (SM0123456789abcdef0123456789abcdef) 3 of 12"
    assert logs.scrub(line) == line


def test_bodies_and_sql_parameters_are_dropped():
    assert logs.scrub("Body=I%27m+fine&To=%2B12135550177") == "Body=[body]&To=[phone]"
    assert logs.scrub("{'to': '+12135550177', 'body': 'it\\'s fine'}") == (
        "{'to': '[phone]', 'body': '[body]'}"
    )
    dump = (
        "(sqlite3.IntegrityError) UNIQUE constraint failed: clients.phone\n"
        "[SQL: INSERT INTO clients (display_name, phone) VALUES (?, ?)]\n"
        f"[parameters: ('{NAME}', '{PHONE}', '{BODY}\nsecond line')]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
    )
    scrubbed = logs.scrub(dump)
    assert "[parameters: [hidden]]" in scrubbed
    assert "UNIQUE constraint failed: clients.phone" in scrubbed
    assert_clean(scrubbed, NAME, "second line")
    assert logs.scrub("DETAIL:  Key (phone)=(+12135550177) already exists.") == (
        "DETAIL:  Key (phone)=([hidden]) already exists."
    )
    assert logs.scrub(f"DETAIL:  Failing row contains (7, {NAME}, {BODY}).") == (
        "DETAIL:  Failing row contains ([hidden])."
    )


def test_a_traceback_without_hide_parameters_is_scrubbed_too(captured):
    # Another engine (a one-off script, a migration) without hide_parameters: the filter
    # alone keeps the parameters and the number out of the traceback.
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (phone TEXT UNIQUE, body TEXT)"))
        conn.execute(text("INSERT INTO t VALUES (:p, :b)"), {"p": PHONE, "b": "first"})
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:p, :b)"), {"p": PHONE, "b": BODY})
    except IntegrityError as exc:
        assert PHONE in str(exc)  # the leak this guards against is real
        log.exception("insert failed (%s)", PHONE)
    output = everything(captured)
    assert "IntegrityError" in output and "Traceback" in output
    assert_clean(output)


def test_the_app_installs_the_scrubbing_and_keeps_twilio_quiet(app):
    assert getattr(logging.getLogRecordFactory(), "companion_scrubs", False)
    assert logging.getLogger("twilio").level == logging.WARNING
    for handler in logging.getLogger().handlers:
        assert any(isinstance(f, logs.PersonalDataFilter) for f in handler.filters)


# -- the three paths, for real ----------------------------------------------------


def test_database_error_logs_no_phone_name_or_body(app, make_client, captured):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    first = make_client(phone=PHONE, display_name="Ana")
    db.session.add(
        Message(
            direction=Direction.INBOUND,
            kind="inbound",
            dedupe_key="inbound:SMlogs",
            client_id=first.id,
            from_number=PHONE,
            body="first",
            status=Status.RECEIVED,
            created_at=MONDAY_9AM,
            updated_at=MONDAY_9AM,
        )
    )
    db.session.commit()

    for row in (
        Client(display_name=NAME, phone=PHONE, provider_id=first.provider_id),
        Message(
            direction=Direction.INBOUND,
            kind="inbound",
            dedupe_key="inbound:SMlogs",
            client_id=first.id,
            from_number=PHONE,
            body=BODY,
            status=Status.RECEIVED,
            created_at=MONDAY_9AM,
            updated_at=MONDAY_9AM,
        ),
    ):
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError as exc:
            assert "hide_parameters" in str(exc)
            log.exception("saving a row failed")
        else:
            pytest.fail("no IntegrityError")
        db.session.rollback()

    output = everything(captured)
    assert output.count("Traceback") >= 2 and "IntegrityError" in output
    assert_clean(output, NAME)


def test_inbound_text_logs_neither_its_number_nor_its_words(
    make_client, twilio_app, fake_twilio, captured
):
    client = make_client(phone=PHONE)
    response = post_sms(twilio_app, fake_twilio, PHONE, BODY)
    assert response.status_code == 200
    # A stranger's text, a STOP and a bad signature log too: all clean.
    post_sms(twilio_app, fake_twilio, "+12135550178", f"{BODY_WORD} who is this")
    post_sms(twilio_app, fake_twilio, PHONE, "STOP")
    twilio_app.test_client().post("/twilio/sms", data={"From": PHONE, "Body": BODY})
    tick(MONDAY_9AM + timedelta(minutes=1))  # replies leave
    stored = db.session.scalars(db.select(Message).where(Message.client_id == client.id)).all()
    assert any(m.body == BODY for m in stored)  # it went through: the logs just don't say it
    assert_clean(everything(captured), "+12135550178", "who is this")


@pytest.mark.parametrize("failure", ["rejected", "server error"])
def test_failed_send_logs_neither_number_nor_body(
    make_client, twilio_app, fake_twilio, captured, failure
):
    # make_client first: the twilio app, built after the console one, is the active app.
    client = make_client(phone=PHONE)
    db.session.get(Client, client.id).display_name = NAME
    db.session.commit()
    enqueue(
        db.session,
        kind="welcome",
        dedupe_key=f"welcome:{client.id}",
        now=MONDAY_9AM,
        client_id=client.id,
    )
    db.session.commit()
    if failure == "rejected":
        fake_twilio.reject_number(PHONE, 21211)
    else:
        fake_twilio.fail_next(5, status=500)

    tick(MONDAY_9AM)
    tick(MONDAY_9AM + timedelta(hours=2))

    assert fake_twilio.attempts >= 1
    row = db.session.scalars(db.select(Message).where(Message.client_id == client.id)).one()
    assert row.status in (Status.FAILED, Status.PENDING) and row.body
    output = everything(captured)
    assert "outbox: message" in output  # the failure is logged, by id
    assert_clean(output, NAME, row.body, *row.body.split(".")[:1])
