"""What a client's reply means, through the real webhook: answers, clarifications, C and R."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Direction,
    Message,
    Status,
    Task,
)

from helpers import MONDAY_9AM, post_sms, sent_bodies


def asked(client, topic="stress", *, ago=timedelta(hours=1)):
    """A check-in whose question went out ``ago``, with its reminder still waiting."""
    now = MONDAY_9AM
    check_in = CheckIn(
        client_id=client.id,
        topic=topic,
        due_at=now - ago,
        closes_at=now - ago + timedelta(hours=6),
        status=CheckInStatus.OPEN,
        created_at=now - ago,
    )
    db.session.add(check_in)
    db.session.flush()
    for kind, status, at in (
        ("checkin_prompt", Status.SENT, now - ago),
        ("checkin_reminder", Status.PENDING, now - ago + timedelta(hours=3)),
    ):
        db.session.add(
            Message(
                direction=Direction.OUTBOUND,
                kind=kind,
                dedupe_key=f"{kind}:{check_in.id}",
                client_id=client.id,
                check_in_id=check_in.id,
                status=status,
                params={"topic": topic},
                send_after=at,
                sent_at=at if status == Status.SENT else None,
                created_at=now - ago,
                updated_at=now - ago,
            )
        )
    db.session.commit()
    return check_in


def reminder_of(check_in):
    return db.session.scalars(
        select(Message).where(
            Message.check_in_id == check_in.id, Message.kind == "checkin_reminder"
        )
    ).one()


def test_a_readable_answer_closes_the_check_in_and_stops_the_reminder(
    twilio_app, fake_twilio, make_client
):
    client = make_client(language="es")
    check_in = asked(client, "stress")
    response = post_sms(twilio_app, fake_twilio, client.phone, "Hoy un 7/10, gracias")
    assert response.status_code == 200
    db.session.expire_all()
    assert check_in.status == CheckInStatus.ANSWERED
    assert check_in.answer_value == "7"
    assert check_in.answer_text == "Hoy un 7/10, gracias"
    assert reminder_of(check_in).status == Status.CANCELLED
    [thanks] = sent_bodies(fake_twilio, client.phone)
    # Stress 7 of 10 is a hard day: the client hears their plan, not only thanks (issue 16).
    assert thanks == render("ack_hard_1", "es", {"name": client.display_name}).body


@pytest.mark.parametrize(
    "reply, topic, clarify, params",
    [
        ("😀🙏", "stress", "clarify_rating", {"low": 0, "high": 10}),
        ("     ", "stress", "clarify_rating", {"low": 0, "high": 10}),
        ("x" * 1600, "stress", "clarify_rating", {"low": 0, "high": 10}),
        ("12", "stress", "clarify_rating", {"low": 0, "high": 10}),
        ("maybe", "people", "clarify_yes_no", {}),
        ("walked", "coping", "clarify_choice", {"choices": "A, B, C"}),
    ],
)
def test_an_unreadable_reply_gets_one_clarifying_text_and_is_kept(
    twilio_app, fake_twilio, make_client, reply, topic, clarify, params
):
    client = make_client(language="vi")
    check_in = asked(client, topic)
    post_sms(twilio_app, fake_twilio, client.phone, reply)
    db.session.expire_all()
    [stored] = [m for m in _inbound(client)]
    assert stored.body == reply
    assert check_in.status == CheckInStatus.OPEN  # still waiting for a readable answer
    assert check_in.answer_text == reply
    [question] = sent_bodies(fake_twilio, client.phone)
    assert question == render(clarify, "vi", {"name": client.display_name, **params}).body


def test_after_one_clarification_the_next_reply_is_kept_as_free_text(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    check_in = asked(client, "stress")
    post_sms(twilio_app, fake_twilio, client.phone, "rough")
    post_sms(twilio_app, fake_twilio, client.phone, "just rough, ok?")
    db.session.expire_all()
    assert check_in.status == CheckInStatus.ANSWERED
    assert check_in.answer_value is None
    assert check_in.answer_text == "just rough, ok?"
    clarify, thanks = sent_bodies(fake_twilio, client.phone)
    assert "0 to 10" in clarify
    assert thanks.startswith("Thanks")


def test_a_clarified_then_readable_answer_is_read(twilio_app, fake_twilio, make_client):
    client = make_client(language="es")
    check_in = asked(client, "people")
    post_sms(twilio_app, fake_twilio, client.phone, "no sé")  # "I don't know": not a no
    post_sms(twilio_app, fake_twilio, client.phone, "Sí")
    db.session.expire_all()
    assert (check_in.status, check_in.answer_value) == (CheckInStatus.ANSWERED, "yes")


def test_a_reply_with_no_open_check_in_is_kept_and_shown_to_the_provider(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    post_sms(twilio_app, fake_twilio, client.phone, "can we talk tomorrow")
    [task] = db.session.scalars(select(Task).where(Task.client_id == client.id)).all()
    [stored] = _inbound(client)
    assert (task.kind, task.message_id) == ("unmatched_reply", stored.id)
    [ack] = sent_bodies(fake_twilio, client.phone)
    assert ack == render("received", "en", {}).body


def test_a_closed_check_in_is_not_answered_late(twilio_app, fake_twilio, make_client):
    client = make_client()
    check_in = asked(client, "stress", ago=timedelta(hours=7))  # its window closed an hour ago
    post_sms(twilio_app, fake_twilio, client.phone, "5")
    db.session.expire_all()
    assert check_in.status == CheckInStatus.OPEN  # the worker marks it missed
    assert db.session.scalars(select(Task.kind)).all() == ["unmatched_reply"]


def noticed(client, *, starts_in=timedelta(days=1)):
    """An appointment whose day-before notice (asking C or R) went out an hour ago."""
    now = MONDAY_9AM
    appointment = Appointment(
        client_id=client.id,
        kind=AppointmentKind.POLYGRAPH,
        starts_at=now + starts_in,
        location="",
        status=AppointmentStatus.SCHEDULED,
        created_at=now - timedelta(days=3),
        updated_at=now - timedelta(days=3),
    )
    db.session.add(appointment)
    db.session.flush()
    db.session.add(
        Message(
            direction=Direction.OUTBOUND,
            kind="appt_day_before",
            dedupe_key=f"appt:{appointment.id}:r1:day_before",
            client_id=client.id,
            appointment_id=appointment.id,
            status=Status.SENT,
            params={"appointment_id": appointment.id},
            send_after=now - timedelta(hours=1),
            sent_at=now - timedelta(hours=1),
            created_at=now - timedelta(days=3),
            updated_at=now - timedelta(hours=1),
        )
    )
    db.session.commit()
    return appointment


@pytest.mark.parametrize("reply", ["C", "c.", "Confirmar"])
def test_c_confirms_the_appointment(twilio_app, fake_twilio, make_client, reply):
    client = make_client(language="es")
    appointment = noticed(client)
    post_sms(twilio_app, fake_twilio, client.phone, reply)
    db.session.expire_all()
    assert appointment.status == AppointmentStatus.CONFIRMED
    [confirmation] = sent_bodies(fake_twilio, client.phone)
    assert "confirm" in confirmation.lower()
    assert "polígrafo" not in confirmation.lower() and "polygraph" not in confirmation.lower()


def test_r_asks_to_reschedule_and_the_provider_gets_a_task(twilio_app, fake_twilio, make_client):
    client = make_client()
    appointment = noticed(client)
    post_sms(twilio_app, fake_twilio, client.phone, "R")
    db.session.expire_all()
    assert appointment.status == AppointmentStatus.RESCHEDULE_REQUESTED
    [task] = db.session.scalars(select(Task)).all()
    assert (task.kind, task.appointment_id) == ("reschedule_request", appointment.id)
    [answer] = sent_bodies(fake_twilio, client.phone)
    assert "new time" in answer and "stays as planned" in answer


def test_c_after_the_appointment_has_passed_is_just_a_message(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    appointment = noticed(client, starts_in=-timedelta(minutes=30))
    post_sms(twilio_app, fake_twilio, client.phone, "C")
    db.session.expire_all()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert db.session.scalars(select(Task.kind)).all() == ["unmatched_reply"]


def _inbound(client):
    return db.session.scalars(
        select(Message).where(
            Message.client_id == client.id, Message.direction == Direction.INBOUND
        )
    ).all()
