"""The conversation with a client (docs/conversation.md): one open question at a time,
every reply bound to what it answers, offered options that do what they say, bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from companion.care.conversation import ASKING_KINDS, OPTIONS, Binding, call_back_due
from companion.care.plan import normalise
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.messaging.compose import render
from companion.messaging.keywords import classify, words_for
from companion.messaging.texts import KINDS, QUESTIONS, SIMPLE_QUESTIONS, SIMPLE_TEMPLATES
from companion.messaging.words import fold
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Direction,
    Message,
    PlanVersion,
    Status,
    Task,
)
from companion.runtime import HOOKS, send_now
from companion.services.clients import counted_check_ins
from companion.services.conversation import WHICH, question_for, waits_for_open_question
from companion.services.inbound import _from_shared_number, receive
from companion.services.planning import close_check_ins

from helpers import MONDAY_9AM, OUR_NUMBER, post_sms, sent_bodies, sign_in


def asked(client, topic="people", *, at=MONDAY_9AM, ago=timedelta(hours=1)):
    """A check-in whose question went out ``ago`` before ``at`` (a 6-hour window)."""
    check_in = CheckIn(
        client_id=client.id,
        topic=topic,
        due_at=at - ago,
        closes_at=at - ago + timedelta(hours=6),
        status=CheckInStatus.OPEN,
        created_at=at - ago,
    )
    db.session.add(check_in)
    db.session.flush()
    _sent(client, "checkin_prompt", at - ago, check_in_id=check_in.id, params={"topic": topic})
    db.session.commit()
    return check_in


def noticed(client, *, at=MONDAY_9AM, ago=timedelta(minutes=30)):
    """An appointment tomorrow whose confirm request ("Reply C ... or R ...") went out ``ago``."""
    appointment = Appointment(
        client_id=client.id,
        kind=AppointmentKind.INDIVIDUAL,
        starts_at=at + timedelta(days=1),
        location="",
        status=AppointmentStatus.SCHEDULED,
        created_at=at - timedelta(days=3),
        updated_at=at - timedelta(days=3),
    )
    db.session.add(appointment)
    db.session.flush()
    _sent(client, "appt_day_before", at - ago, appointment_id=appointment.id)
    db.session.commit()
    return appointment


def _sent(client, kind, at, status=Status.SENT, **fields):
    row = Message(
        direction=Direction.OUTBOUND,
        kind=kind,
        client_id=client.id,
        status=status,
        params=fields.pop("params", {}),
        send_after=at,
        sent_at=at if status == Status.SENT else None,
        created_at=at,
        updated_at=at,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def inbound(client):
    return db.session.scalars(
        select(Message)
        .where(Message.client_id == client.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id)
    ).all()


def tasks(kind=None):
    query = select(Task).order_by(Task.id)
    if kind:
        query = query.where(Task.kind == kind)
    return db.session.scalars(query).all()


# -- binding -------------------------------------------------------------------------


def test_yes_to_two_open_questions_asks_which_and_records_nothing_until_told(
    twilio_app, fake_twilio, make_client, clock
):
    client = make_client()
    check_in = asked(client, "plan_conditions")  # "Were you in a situation ...? YES or NO"
    appointment = noticed(client)  # "Reply C to confirm or R to reschedule"
    post_sms(twilio_app, fake_twilio, client.phone, "yes")
    db.session.expire_all()
    # Nothing recorded: no false alert, the appointment not confirmed behind the client's back.
    assert check_in.status == CheckInStatus.OPEN and appointment.status == "scheduled"
    [which] = sent_bodies(fake_twilio, client.phone)
    assert which == render("clarify_which", "en", {}).body
    assert "Reply 1" in which and "2 for the appointment" in which
    [first] = inbound(client)
    assert first.binding == Binding.AMBIGUOUS

    clock.advance(timedelta(minutes=2))
    post_sms(twilio_app, fake_twilio, client.phone, "2")
    db.session.expire_all()
    # The earlier "yes" now confirms the appointment; the check-in is still waiting.
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert check_in.status == CheckInStatus.OPEN
    assert first.binding == Binding.BOUND
    assert db.session.get(Message, first.in_reply_to_id).appointment_id == appointment.id
    assert "confirmed" in sent_bodies(fake_twilio, client.phone)[-1]

    clock.advance(timedelta(minutes=2))
    post_sms(twilio_app, fake_twilio, client.phone, "no")
    db.session.expire_all()
    assert (check_in.status, check_in.answer_value) == (CheckInStatus.ANSWERED, "no")
    assert not tasks()


def test_a_confirm_word_binds_to_the_appointment_while_a_check_in_is_open(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    check_in = asked(client, "stress")  # a 0-10 scale: "C" does not fit it
    appointment = noticed(client)
    post_sms(twilio_app, fake_twilio, client.phone, "C")
    db.session.expire_all()
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert check_in.status == CheckInStatus.OPEN and check_in.answer_text is None


def test_a_late_answer_is_kept_with_its_question_never_given_to_a_newer_one(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    old = asked(client, "people", ago=timedelta(hours=7))  # its window closed an hour ago
    new = asked(client, "stress", ago=timedelta(minutes=10))
    post_sms(twilio_app, fake_twilio, client.phone, "yes")
    db.session.expire_all()
    assert new.status == CheckInStatus.OPEN and new.answer_text is None and not new.clarified
    assert old.answer_message_id is None
    [reply] = inbound(client)
    assert reply.binding == Binding.LATE
    assert db.session.get(Message, reply.in_reply_to_id).check_in_id == old.id
    [task] = tasks()
    assert (task.kind, task.message_id) == ("unmatched_reply", reply.id)
    assert "late" in task.note
    assert sent_bodies(fake_twilio, client.phone) == [render("received", "en", {}).body]


def test_keywords_come_first_even_with_a_question_open(twilio_app, fake_twilio, make_client):
    client = make_client()
    check_in = asked(client, "people")
    post_sms(twilio_app, fake_twilio, client.phone, "HELP")
    db.session.expire_all()
    assert check_in.status == CheckInStatus.OPEN
    [reply] = inbound(client)
    assert reply.binding == Binding.KEYWORD
    assert "911" in sent_bodies(fake_twilio, client.phone)[0]


# -- one open question at a time ---------------------------------------------------------


def test_an_asking_text_waits_while_another_question_is_open_and_informing_ones_do_not(
    app, make_client
):
    client = make_client()
    check_in = asked(client, "people", ago=timedelta(minutes=30))
    appointment = noticed(client, ago=timedelta(days=2))  # an old notice: long closed
    notice = _sent(
        client, "appt_same_day", MONDAY_9AM, Status.PENDING, appointment_id=appointment.id
    )
    two_hours = _sent(client, "appt_2h", MONDAY_9AM, Status.PENDING, appointment_id=appointment.id)
    db.session.commit()
    assert waits_for_open_question(db.session, notice, MONDAY_9AM)
    assert not waits_for_open_question(db.session, two_hours, MONDAY_9AM)  # asks nothing
    # The check-in's own reminder never waits for its own question.
    reminder = _sent(
        client, "checkin_reminder", MONDAY_9AM, Status.PENDING, check_in_id=check_in.id
    )
    assert not waits_for_open_question(db.session, reminder, MONDAY_9AM)

    send_now([notice.id, two_hours.id], MONDAY_9AM)
    db.session.expire_all()
    assert notice.status == Status.PENDING  # held, not dropped
    assert notice.send_after > MONDAY_9AM and notice.attempts == 0
    assert two_hours.status in (Status.SENT, Status.DELIVERED)

    # Answered: the notice goes at its next turn.
    later = MONDAY_9AM + timedelta(minutes=10)
    _receive(client, "no", later)
    assert check_in.status == CheckInStatus.ANSWERED
    send_now([notice.id], later)
    db.session.expire_all()
    assert notice.status in (Status.SENT, Status.DELIVERED)


def test_two_asking_texts_due_at_once_do_not_wait_for_each_other(app, make_client):
    client = make_client()
    appointment = noticed(client, ago=timedelta(days=2))
    check_in = CheckIn(
        client_id=client.id, topic="people", due_at=MONDAY_9AM,
        closes_at=MONDAY_9AM + timedelta(hours=6), status=CheckInStatus.OPEN,
        created_at=MONDAY_9AM,
    )  # fmt: skip
    db.session.add(check_in)
    db.session.flush()
    notice = _sent(
        client, "appt_same_day", MONDAY_9AM, Status.PENDING, appointment_id=appointment.id
    )
    prompt = _sent(
        client, "checkin_prompt", MONDAY_9AM, Status.PENDING, check_in_id=check_in.id,
        params={"topic": "people"},
    )  # fmt: skip
    db.session.commit()
    send_now([notice.id, prompt.id], MONDAY_9AM)
    db.session.expire_all()
    # The check-in goes first (its window is hours); the confirm request waits its turn.
    assert prompt.status in (Status.SENT, Status.DELIVERED) and notice.status == Status.PENDING


# -- acute replies (item 4) -------------------------------------------------------------


def test_an_acute_reply_to_a_check_in_is_an_answer_flagged_never_a_miss(
    twilio_app, fake_twilio, make_client, clock
):
    client = make_client()
    check_in = asked(client, "stress")
    post_sms(twilio_app, fake_twilio, client.phone, "i want to kill myself")
    db.session.expire_all()
    assert (check_in.status, check_in.flagged) == (CheckInStatus.ANSWERED, True)
    assert "988" in sent_bodies(fake_twilio, client.phone)[0]
    close_check_ins(db.session, MONDAY_9AM + timedelta(hours=8))
    db.session.commit()
    db.session.expire_all()
    assert check_in.status == CheckInStatus.ANSWERED
    counted = counted_check_ins(
        db.session, client.id, MONDAY_9AM - timedelta(days=1), MONDAY_9AM + timedelta(days=1)
    )
    assert [c.status for c in counted] == [CheckInStatus.ANSWERED]


@pytest.mark.parametrize("clarifies", [False, True])
def test_words_nobody_could_read_are_an_answer_kept_for_a_person_never_a_miss(
    twilio_app, fake_twilio, make_client, clock, clarifies
):
    """Asked once more, then either more unreadable words or silence: the client did
    reply, so the check-in is answered (adherence counts it), and staff get a task."""
    client = make_client()
    check_in = asked(client, "stress")  # a 1-10 rating
    post_sms(twilio_app, fake_twilio, client.phone, "the thing with the car again")
    db.session.expire_all()
    assert check_in.status == CheckInStatus.OPEN and check_in.clarified
    if clarifies:
        post_sms(twilio_app, fake_twilio, client.phone, "same as before honestly")
    close_check_ins(db.session, MONDAY_9AM + timedelta(hours=8))
    db.session.expire_all()
    assert (check_in.status, check_in.answer_value) == (CheckInStatus.ANSWERED, None)
    assert check_in.answer_text
    [task] = db.session.scalars(select(Task).where(Task.kind == "unread_answer")).all()
    assert task.client_id == client.id and task.message_id is not None
    counted = counted_check_ins(
        db.session, client.id, MONDAY_9AM - timedelta(days=1), MONDAY_9AM + timedelta(days=1)
    )
    assert [c.status for c in counted] == [CheckInStatus.ANSWERED]


# -- every offered option does what it says (item 5) ------------------------------------

OFFER = re.compile(r"\b(?:Reply|Send|reply|or)\s+([A-Z0-9]+|YES|NO)\b")


def _offers(template: str) -> set[str]:
    found = set(OFFER.findall(template))
    found |= set(re.findall(r"\b([A-Z0-9]|\d+) (?:for|to|=)(?=\s)", template))
    found |= set(re.findall(r"\b(\d+) \(", template))  # "Reply 0 (none) to 10 (a lot)"
    return found - {"OK"}  # "Reply OK 4821" is for staff (services.escalations.staff_reply)


def test_every_option_a_client_text_offers_has_a_handler():
    keywords = {"HELP", "STOP", "START"}
    for topic, template in [*QUESTIONS.items(), *SIMPLE_QUESTIONS.items()]:
        question = question_for(topic)
        offered = _offers(template)
        assert offered, topic
        for option in offered:
            if TOPICS[topic].expects == "rating":
                assert question.low <= int(option) <= question.high, (topic, option)
            elif TOPICS[topic].expects == "yes_no":
                assert option in {"YES", "NO"}, (topic, option)
            else:
                assert option in question.choices, (topic, option)
        if topic == "stuck":  # "1 for tips", "2 for a call": each must do it
            assert {OPTIONS[("stuck", c)] for c in question.choices} == {"tips", "call_back"}
    for kind, spec in KINDS.items():
        if kind.startswith("staff_"):
            continue
        for template in (spec.template, spec.no_phone_template, SIMPLE_TEMPLATES.get(kind)):
            for option in _offers(template or ""):
                if option in keywords:
                    assert classify(option) is not None, (kind, option)
                elif kind.startswith("appt_"):
                    assert fold(option) in words_for("confirm") | words_for("reschedule")
                elif kind == "clarify_which":
                    assert option in WHICH.choices
                elif kind.startswith("clarify_"):
                    assert option in {"YES", "NO"}, (kind, option)
                else:
                    raise AssertionError(f"{kind} offers {option} with no handler")


@pytest.mark.parametrize("simple", [False, True])
def test_every_asking_text_says_how_to_answer(simple):
    appointment = {"at": "2026-11-24T18:00:00+00:00", "timezone": "America/Los_Angeles"}
    for kind in sorted(ASKING_KINDS):
        for topic in TOPICS if kind.startswith("checkin_") else [None]:
            params = {"name": "Ana", "team": "your care team", "simple": simple, **appointment}
            if topic:
                params["topic"] = topic
            body = render(kind, "en", params).body
            assert re.search(r"\b(Reply|Send) ", body), (kind, topic, body)


def test_two_for_a_call_makes_a_call_back_task_due_in_business_hours(
    twilio_app, fake_twilio, make_client, provider
):
    client = make_client()
    check_in = asked(client, "stuck")
    post_sms(twilio_app, fake_twilio, client.phone, "2")
    db.session.expire_all()
    assert (check_in.status, check_in.answer_value) == (CheckInStatus.ANSWERED, "2")
    [task] = tasks("call_back")
    # Monday 09:00 in Los Angeles: due by 17:00 the same day.
    assert task.due_at == call_back_due(MONDAY_9AM, client.timezone)
    assert task.due_at == MONDAY_9AM + timedelta(hours=8)
    [told] = sent_bodies(fake_twilio, client.phone)
    assert "will call you" in told and "not watched around the clock" in told
    assert "5:00" in told  # when, in the client's time
    # The team sees the call-back and when it is due.
    page = sign_in(twilio_app, provider).get("/tasks").get_data(as_text=True)
    assert "Call-back asked for by text" in page and "Due by" in page


def test_one_for_tips_sends_a_line_of_the_clients_own_plan(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    content, errors = normalise(
        {"thinking_errors": [{"error": "nobody cares", "replacement": "people do show up for me",
                              "ok_to_text": True}]}
    )  # fmt: skip
    assert errors == {}
    db.session.add(
        PlanVersion(client_id=client.id, version=1, content=content, created_at=MONDAY_9AM)
    )
    asked(client, "stuck")
    post_sms(twilio_app, fake_twilio, client.phone, "1")
    bodies = sent_bodies(fake_twilio, client.phone)  # sent together, in either order
    assert len(bodies) == 2
    assert any(b.startswith("Thanks") for b in bodies)
    assert any("people do show up for me" in b for b in bodies)


def test_a_call_back_asked_for_on_friday_evening_is_due_monday_noon():
    friday_evening = MONDAY_9AM - timedelta(days=3) + timedelta(hours=10)  # Fri 19:00 LA
    due = call_back_due(friday_evening, "America/Los_Angeles")
    assert due == MONDAY_9AM + timedelta(hours=3)


# -- bad input ---------------------------------------------------------------------------


def test_a_reply_with_no_open_question_is_kept_answered_and_a_task(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    post_sms(twilio_app, fake_twilio, client.phone, "are we still on for thursday")
    [reply] = inbound(client)
    assert reply.binding == Binding.UNBOUND and reply.body == "are we still on for thursday"
    assert [t.message_id for t in tasks("unmatched_reply")] == [reply.id]
    assert sent_bodies(fake_twilio, client.phone) == [render("received", "en", {}).body]


def test_an_answer_in_another_language_than_the_clients_is_read(
    twilio_app, fake_twilio, make_client
):
    client = make_client(language="es")
    check_in = asked(client, "people")
    post_sms(twilio_app, fake_twilio, client.phone, "yes")  # English from a Spanish speaker
    db.session.expire_all()
    assert check_in.answer_value == "yes"
    # Thanked in the client's own language.
    assert sent_bodies(fake_twilio, client.phone)[0].startswith("Gracias")


def test_an_emoji_only_reply_gets_asked_again_and_an_empty_one_is_kept(
    twilio_app, fake_twilio, make_client, clock
):
    client = make_client()
    check_in = asked(client, "stress")
    post_sms(twilio_app, fake_twilio, client.phone, "👍")
    db.session.expire_all()
    assert check_in.status == CheckInStatus.OPEN and check_in.clarified
    assert "0 to 10" in sent_bodies(fake_twilio, client.phone)[0]

    other = make_client()
    post_sms(twilio_app, fake_twilio, other.phone, "")
    [empty] = inbound(other)
    assert empty.binding == Binding.UNBOUND
    assert sent_bodies(fake_twilio, other.phone) == [render("received", "en", {}).body]
    assert [t.client_id for t in tasks("unmatched_reply")] == [other.id]


def test_a_text_from_a_number_two_clients_share_is_kept_for_staff_to_place(app, make_client):
    # clients.phone is unique today (the client form refuses a second client on a number),
    # so the webhook's refusal to guess is exercised directly.
    first, second = make_client(), make_client()
    check_in = asked(first, "people")
    text = Message(
        direction=Direction.INBOUND, kind="inbound", from_number=first.phone, body="yes",
        status=Status.RECEIVED, params={}, created_at=MONDAY_9AM, updated_at=MONDAY_9AM,
    )  # fmt: skip
    db.session.add(text)
    db.session.flush()
    received = _from_shared_number(db.session, [first, second], text, MONDAY_9AM, None, None)
    db.session.commit()
    db.session.expire_all()
    assert check_in.status == CheckInStatus.OPEN  # not guessed
    assert text.client_id is None and text.binding == Binding.SHARED
    shared = tasks("shared_number")
    assert sorted(t.client_id for t in shared) == sorted([first.id, second.id])
    assert {t.message_id for t in shared} == {text.id}
    [reply] = [db.session.get(Message, i) for i in received.reply_ids]
    assert reply.kind == "received"


# -- the invariants, over interleavings ----------------------------------------------------


def _receive(client, body, at):
    result = receive(
        db.session, from_number=client.phone, to_number=OUR_NUMBER, body=body, now=at,
        router=HOOKS["router"],
    )  # fmt: skip
    db.session.commit()
    send_now(result.reply_ids, at)
    db.session.expire_all()


REPLIES = st.sampled_from(["yes", "no", "C", "R", "7", "1", "2", "hello", "👍"])
# Minutes after 09:00: on time (within 2 h), late for the confirm request, late for all.
WHEN = st.sampled_from([1, 5, 30, 90, 150, 400, 3000])


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    topic=st.sampled_from(["people", "stress", "stuck"]),
    with_notice=st.booleans(),
    replies=st.lists(st.tuples(REPLIES, WHEN), min_size=1, max_size=5),
)
def test_every_reply_binds_to_at_most_one_question_it_fits(
    app, make_client, topic, with_notice, replies
):
    client = make_client()  # one client per example: its own conversation
    start = MONDAY_9AM
    check_in = asked(client, topic, at=start, ago=timedelta(0))
    appointment = noticed(client, at=start, ago=timedelta(0)) if with_notice else None
    for body, minutes in sorted(replies, key=lambda r: r[1]):
        _receive(client, body, start + timedelta(minutes=minutes))
    close_check_ins(db.session, start + timedelta(days=3))
    db.session.commit()
    db.session.expire_all()

    for reply in inbound(client):
        assert reply.binding in set(Binding), reply.binding
        answered = db.session.scalars(
            select(CheckIn).where(CheckIn.answer_message_id == reply.id)
        ).all()
        assert len(answered) <= 1
        question = db.session.get(Message, reply.in_reply_to_id) if reply.in_reply_to_id else None
        if answered:
            # Recorded only against the question it was bound to.
            assert reply.binding == Binding.BOUND and question is not None
            assert question.check_in_id == answered[0].id
        if reply.binding in (Binding.LATE, Binding.UNBOUND, Binding.AMBIGUOUS):
            assert not answered
    # The appointment changed only by a reply bound to its confirm request.
    if appointment is not None:
        db.session.refresh(appointment)
        bound_to_it = [
            r for r in inbound(client)
            if r.binding == Binding.BOUND and r.in_reply_to_id
            and db.session.get(Message, r.in_reply_to_id).appointment_id == appointment.id
        ]  # fmt: skip
        if appointment.status != AppointmentStatus.SCHEDULED:
            assert bound_to_it
    # No check-in both answered and missed.
    db.session.refresh(check_in)
    assert (check_in.answered_at is not None) == (check_in.status == CheckInStatus.ANSWERED)
    assert check_in.status in (CheckInStatus.ANSWERED, CheckInStatus.MISSED)
