"""Screening first (issue 14): every client text is read once and its risk signals reach a
person before keywords, opt-outs, answers and pauses; nothing unclear is closed silently.

Through ``services.inbound.receive`` with the app's hooks (the webhook's own path), with
texts any reading engine reads the same way ("I want to kill myself", "STOP", "yes").
Where a route needs a category the phrase lists may not hold yet, the Reading is given
(``understanding.read`` replaced): the flow is under test, not the words.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from companion.extensions import db
from companion.messaging import understanding, words
from companion.messaging.compose import render
from companion.messaging.i18n import TRANSLATIONS_DIR
from companion.messaging.texts import KINDS
from companion.messaging.understanding import Reading, Signal
from companion.messaging.words import fold
from companion.models import (
    CheckIn,
    CheckInStatus,
    ClientStatus,
    Consent,
    Direction,
    Escalation,
    Message,
    Status,
    Task,
)
from companion.runtime import HOOKS, send_now
from companion.services import tasks as task_service
from companion.services.escalations import queued_alerts
from companion.services.inbound import _from_shared_number

from helpers import MONDAY_9AM, OFFICER_PHONE, PROVIDER_PHONE, sent_bodies, sign_in, text_back

PHONE = "(213) 555-0100"


@pytest.fixture
def team(team_app, staff):
    officer = staff("officer", name="Olu Officer", phone=OFFICER_PHONE, email="olu@example.test")
    provider = staff("provider", name="Pat Provider", phone=PROVIDER_PHONE, email="p@example.test")
    return provider, officer


@pytest.fixture
def client_of(team, make_client):
    provider, officer = team

    def make(**fields):
        return make_client(provider_id=provider.id, officer_id=officer.id, **fields)

    return make


def escalations():
    return db.session.scalars(select(Escalation).order_by(Escalation.id)).all()


def tasks(kind=None):
    query = select(Task).order_by(Task.id)
    return db.session.scalars(query.where(Task.kind == kind) if kind else query).all()


def crisis(kind="crisis_self_harm", name="Ana"):
    return render(kind, "en", {"name": name, "phone": PHONE}).body


# -- screening whatever the client's state ----------------------------------------------


def test_an_opted_out_client_in_crisis_gets_the_crisis_reply_and_stays_opted_out(
    client_of, fake_twilio
):
    client = client_of(consent=Consent.OPTED_OUT)
    result = text_back(client, "I want to kill myself", MONDAY_9AM)
    assert sent_bodies(fake_twilio, client.phone) == [crisis()]
    assert client.consent == Consent.OPTED_OUT
    [alert] = escalations()
    assert (alert.reason, alert.urgent, alert.message_id) == ("self_harm", True, result.message.id)
    assert len(sent_bodies(fake_twilio, PROVIDER_PHONE)) == 1  # told at once
    # An ordinary text afterwards: no answer (they opted out), but a person reads it.
    later = text_back(client, "ok thanks", MONDAY_9AM + timedelta(minutes=5))
    assert sent_bodies(fake_twilio, client.phone) == [crisis()]
    [task] = tasks("opted_out_text")
    assert task.message_id == later.message.id


def test_stop_texting_me_i_want_to_die_opts_out_and_gets_the_crisis_reply_and_an_alert(
    client_of, fake_twilio
):
    client = client_of()
    text_back(client, "stop texting me I want to die", MONDAY_9AM)
    assert sorted(sent_bodies(fake_twilio, client.phone)) == sorted(
        [crisis(), render("opt_out_confirm", "en", {"phone": PHONE}).body]
    )
    assert client.consent == Consent.OPTED_OUT
    assert [(e.reason, e.urgent) for e in escalations()] == [("self_harm", True)]
    assert [t.kind for t in tasks()] == ["channel_change"]
    # Then no further texts: a later check-in question is not sent.
    text_back(client, "hello?", MONDAY_9AM + timedelta(minutes=5))
    assert len(sent_bodies(fake_twilio, client.phone)) == 2


def test_a_paused_client_is_screened_and_a_same_day_signal_becomes_a_task(
    client_of, fake_twilio
):
    client = client_of(status=ClientStatus.PAUSED)
    text_back(client, "I want to kill myself", MONDAY_9AM)
    assert sent_bodies(fake_twilio, client.phone) == [crisis()]
    assert [(e.reason, e.urgent) for e in escalations()] == [("self_harm", True)]
    # A paused client raises nothing routine (services.escalations): a same-day signal
    # is not dropped but read by a person, as a task with the text.
    late = text_back(client, "I lost my job today", MONDAY_9AM + timedelta(minutes=5))
    assert len(escalations()) == 1
    assert [t.message_id for t in tasks("signal_reply")] == [late.message.id]


def test_a_client_with_no_plan_and_no_question_is_screened(client_of, fake_twilio):
    client = client_of()  # no plan, nothing asked
    result = text_back(client, "I lost my job today", MONDAY_9AM)
    [alert] = escalations()
    assert (alert.reason, alert.urgent) == ("housing_work", False)  # the provider, same day
    assert alert.message_id == result.message.id
    assert sent_bodies(fake_twilio, client.phone) == [crisis("crisis_life_event")]
    assert "not watched around the clock" in sent_bodies(fake_twilio, client.phone)[0]


def test_a_crisis_text_from_a_shared_number_alerts_both_teams(
    team, staff, make_client, fake_twilio
):
    # clients.phone is unique today (the client form refuses a second client on a number),
    # so the webhook's refusal to guess is exercised directly, with the app's hooks.
    provider, officer = team
    other = staff("provider", name="Sam Second", phone="+12135550155", email="s@example.test")
    ana = make_client(provider_id=provider.id, officer_id=officer.id)
    ben = make_client(provider_id=other.id, display_name="Ben")
    text = Message(
        direction=Direction.INBOUND, kind="inbound", from_number=ana.phone,
        body="I want to kill myself", status=Status.RECEIVED, params={},
        created_at=MONDAY_9AM, updated_at=MONDAY_9AM,
    )  # fmt: skip
    db.session.add(text)
    db.session.flush()
    received = _from_shared_number(
        db.session, [ana, ben], text, MONDAY_9AM, HOOKS["on_consent"], HOOKS["screen"]
    )
    db.session.commit()
    send_now(received.reply_ids + queued_alerts(db.session), MONDAY_9AM)
    assert sorted((e.client_id, e.reason) for e in escalations()) == sorted(
        [(ana.id, "self_harm"), (ben.id, "self_harm")]
    )
    assert len(sent_bodies(fake_twilio, PROVIDER_PHONE)) == 1
    assert len(sent_bodies(fake_twilio, "+12135550155")) == 1
    assert sent_bodies(fake_twilio, ana.phone) == [crisis()]  # one crisis reply to the phone
    assert {t.client_id for t in tasks("shared_number")} == {ana.id, ben.id}


# -- stop inside a sentence, CANCEL ----------------------------------------------------------


def test_stop_inside_a_sentence_gets_the_stop_hint_and_a_person_reads_it(client_of, fake_twilio):
    client = client_of()
    result = text_back(client, "I want to stop drinking", MONDAY_9AM)
    assert client.consent == Consent.OPTED_IN  # not an opt-out
    bodies = sent_bodies(fake_twilio, client.phone)
    assert render("stop_hint", "en", {}).body in bodies
    assert len(bodies) == 2  # the hint beside the usual answer, which says who reads texts
    assert any("not watched around the clock" in b for b in bodies)
    # Whatever the engine makes of it (a relapse signal or not), a person sees the text.
    seen = {t.message_id for t in tasks()} | {e.message_id for e in escalations()}
    assert result.message.id in seen


def _offered(text: str) -> list[str]:
    """The words a text asks the client to send: capitals ("Reply STOP") and quoted words
    («إيقاف», '중지', 「停止」)."""
    quoted = re.findall(r"[«'「\"“]([^»'」\"”]{1,20})[»'」\"”]", text)
    capitals = [m for m in re.findall(r"\w+", text) if m.isupper() and m.isalpha()]
    return [fold(w) for w in quoted + capitals]


def test_no_text_offers_cancel_or_any_other_opt_out_word_for_something_else():
    """CANCEL is an opt-out everywhere (carriers, Twilio): a text may offer an opt-out
    word only where the English offers STOP (to opt out), in every catalog."""
    opt_out = {fold(w) for lang in words.section("keywords").values() for w in lang["opt_out"]}
    client_facing = {
        spec.template: kind for kind, spec in KINDS.items() if not kind.startswith("staff_")
    }
    client_facing |= {
        spec.no_phone_template: kind
        for kind, spec in KINDS.items()
        if spec.no_phone_template and not kind.startswith("staff_")
    }
    checked = 0
    for path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")):
        with path.open("rb") as po:
            catalog = read_po(po)
        for source, kind in client_facing.items():
            entry = catalog.get(source)
            text = entry.string if entry is not None and entry.string else source
            allowed = _offered(source).count("stop")
            offered = [w for w in _offered(text) if w in opt_out]
            assert len(offered) <= allowed, (path.parent.parent.name, kind, offered)
            assert "cancel" not in _offered(text), (path.parent.parent.name, kind)
            checked += 1
    assert checked >= 9 * 30


# -- nothing unclear closed silently ---------------------------------------------------------


def stress_asked(client):
    """An open check-in, "How much stress ... 0 to 10?", asked 10 minutes ago."""
    check_in = CheckIn(
        client_id=client.id, topic="stress", due_at=MONDAY_9AM - timedelta(minutes=10),
        closes_at=MONDAY_9AM + timedelta(hours=5), status=CheckInStatus.OPEN,
        created_at=MONDAY_9AM - timedelta(minutes=10),
    )  # fmt: skip
    db.session.add(check_in)
    db.session.flush()
    prompt = Message(
        direction=Direction.OUTBOUND, kind="checkin_prompt", client_id=client.id,
        check_in_id=check_in.id, status=Status.SENT, params={"topic": "stress"},
        body="Ana, quick check-in: How much stress...", send_after=check_in.due_at,
        sent_at=check_in.due_at, created_at=check_in.due_at, updated_at=check_in.due_at,
    )  # fmt: skip
    db.session.add(prompt)
    db.session.commit()
    return check_in, prompt


def test_an_unreadable_answer_becomes_a_task_with_the_text_and_its_question(
    client_of, fake_twilio
):
    client = client_of()
    check_in, prompt = stress_asked(client)
    text_back(client, "ugh, long day", MONDAY_9AM)  # asked once more, kindly
    assert tasks() == []
    second = text_back(client, "ugh, really long day", MONDAY_9AM + timedelta(minutes=3))
    [task] = tasks("unread_answer")
    assert task.message_id == second.message.id
    [row] = task_service.task_rows(db.session, [task])
    assert row.reply.body == "ugh, really long day"
    assert row.question.id == prompt.id  # the question it answered, shown with it
    assert check_in.status == CheckInStatus.ANSWERED and check_in.answer_value is None


# -- routes per signal (the Reading given) ---------------------------------------------------


def _reading(*signals: Signal, answer=None, stop_mentioned=False) -> Reading:
    return Reading(
        keyword=None, answer=answer, appointment=None, signals=signals,
        urgent=any(s in understanding.URGENT for s in signals), needs_human=True,
        stop_mentioned=stop_mentioned,
    )  # fmt: skip


ROUTED = [
    # signal, urgent, the officer told at once, the reply
    (Signal.WEAPON, True, True, "crisis_threat"),
    (Signal.MINOR_ACCESS, True, True, "crisis_contact"),
    (Signal.CSAM, True, False, "crisis_urge"),
    (Signal.SUBSTANCE, False, False, "crisis_life_event"),
]


def test_each_route_opens_its_alert_and_sends_its_reply(client_of, fake_twilio, monkeypatch):
    # One client per signal, in one app (each route's own alert and reply).
    for signal, urgent, officer_told, reply in ROUTED:
        client = client_of()
        monkeypatch.setattr(understanding, "read", lambda *a, s=signal, **k: _reading(s))
        told_before = len(sent_bodies(fake_twilio, OFFICER_PHONE))
        result = text_back(client, "(any words)", MONDAY_9AM)
        [alert] = [e for e in escalations() if e.client_id == client.id]
        assert (alert.reason, alert.urgent, alert.message_id) == (
            signal.value, urgent, result.message.id,
        ), signal  # fmt: skip
        assert (len(sent_bodies(fake_twilio, OFFICER_PHONE)) > told_before) == officer_told
        assert sent_bodies(fake_twilio, client.phone) == [crisis(reply)], signal


def test_an_answer_not_fully_understood_is_recorded_and_a_person_reads_it(
    client_of, fake_twilio, monkeypatch
):
    client = client_of()
    check_in, prompt = stress_asked(client)
    monkeypatch.setattr(understanding, "read", lambda *a, **k: _reading(answer="7"))
    result = text_back(client, "7 i guess, whatever that means", MONDAY_9AM)
    assert (check_in.status, check_in.answer_value) == (CheckInStatus.ANSWERED, "7")
    [task] = tasks("unclear_reply")
    assert task.message_id == result.message.id
    assert result.message.in_reply_to_id == prompt.id  # shown with its question


def test_no_stop_hint_beside_a_crisis_reply(client_of, fake_twilio, monkeypatch):
    client = client_of()
    reading = _reading(Signal.SELF_HARM, stop_mentioned=True)
    monkeypatch.setattr(understanding, "read", lambda *a, **k: reading)
    text_back(client, "(words with stop in them)", MONDAY_9AM)
    assert sent_bodies(fake_twilio, client.phone) == [crisis()]


def test_the_reading_is_made_once_per_text(client_of, fake_twilio, monkeypatch):
    client = client_of()
    calls = []
    real = understanding.read

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(understanding, "read", counting)
    text_back(client, "STOP, I want to kill myself", MONDAY_9AM)
    assert calls == ["STOP, I want to kill myself"]


# -- the admin page --------------------------------------------------------------------------


def test_the_admin_sees_each_languages_phrase_review(team_app, staff):
    admin = staff("admin", name="Ada Admin", email="ada@example.test")
    page = sign_in(team_app, admin).get("/admin/understanding/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for language in words.languages():
        assert f'id="language-{language}"' in html
    assert "drafted, not reviewed" in html and "Last reviewed by" in html
    assert 'style="' not in html
