"""Fault 8 of issue 12, last part: nothing ever deleted or aged out message bodies.

Now the words of texts and check-in answers are erased RETENTION_DAYS after they were
written (the worker's pass), a discharged client's DISCHARGE_RETENTION_DAYS after
discharge, and one client's at once on a legal request (``flask erase-client``). What
was sent when, statuses, answers' values and the figures built on them stay, and so
does the audit log, which says what was erased in counts, never in words.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.care.plan import empty_content
from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    ConsentEvent,
    ConsentKind,
    Escalation,
    Message,
    PlanVersion,
    Status,
    Task,
)
from companion.runtime import escalation_settings, tick
from companion.services.clients import update_client
from companion.services.reports import build_report
from companion.services.retention import RetentionSettings
from companion.settings import ConfigError, Settings

from factories import AppointmentFactory, CheckInFactory, MessageFactory, PlanVersionFactory
from helpers import MONDAY_9AM, sign_in, text_back

CRISIS_WORDS = "Honestly I just want to die."
ASIDE = "can we move my Thursday group, my cousin Ray is visiting"
ANSWER_WORDS = "7, rough week at the warehouse"


@pytest.fixture
def admin(staff):
    return staff("admin", name="Ada Admin")


def _history(client) -> dict[str, object]:
    """A month of a client's texting: a check-in answered in words, a missed one, the
    prompt that asked it, a reply with no question (a task) and words that raise an alert."""
    answered = CheckInFactory(
        client=client,
        status=CheckInStatus.ANSWERED,
        answer_value=7,
        answer_text=ANSWER_WORDS,
        answered_at=MONDAY_9AM + timedelta(minutes=5),
    )
    CheckInFactory(
        client=client, due_at=MONDAY_9AM + timedelta(days=1), status=CheckInStatus.MISSED
    )
    prompt = MessageFactory(
        client=client,
        check_in_id=answered.id,
        body="Hi Ana, how stressed are you today, 0 to 10?",
        to_number=client.phone,
        provider_sid=f"SM{client.id:032d}",
        status=Status.DELIVERED,
    )
    aside = text_back(client, ASIDE, MONDAY_9AM + timedelta(minutes=10)).message
    crisis = text_back(client, CRISIS_WORDS, MONDAY_9AM + timedelta(minutes=20)).message
    return {"answered": answered.id, "prompt": prompt.id, "aside": aside.id, "crisis": crisis.id}


def _messages(client_id: int) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(Message.client_id == client_id)))


def _words(client_id: int) -> list[str]:
    """Every word of the client's texts and answers still stored."""
    bodies = [m.body for m in _messages(client_id) if m.body]
    answers = db.session.scalars(
        select(CheckIn.answer_text).where(CheckIn.client_id == client_id)
    ).all()
    return bodies + [a for a in answers if a]


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _figures(client):
    report = build_report(
        db.session, client, MONDAY_9AM.date().replace(day=1), MONDAY_9AM + timedelta(days=40),
        {k: k.value for k in AppointmentKind},
    )  # fmt: skip
    return vars(report.adherence), [(e.reason, e.status) for e in report.escalations]


def _metadata(client_id: int) -> list[tuple]:
    return sorted(
        (m.id, m.direction, m.kind, m.status, m.created_at, m.sent_at, m.provider_sid)
        for m in _messages(client_id)
    )


def _pages(app, user, client, crisis_id: int) -> list[str]:
    """The client page, the timeline and the alert page, as ``user`` reads them."""
    web = sign_in(app, user)
    escalation = db.session.scalars(
        select(Escalation).where(Escalation.message_id == crisis_id)
    ).one()
    pages = []
    for url in (
        f"/clients/{client.id}",
        f"/clients/{client.id}/timeline",
        f"/escalations/{escalation.id}",
    ):
        response = web.get(url)
        assert response.status_code == 200, url
        pages.append(response.get_data(as_text=True))
    return pages


# -- the retention period ------------------------------------------------------------------


def test_words_older_than_the_retention_period_are_erased_and_recent_ones_kept(
    app, clock, make_client, provider
):
    client = make_client()
    ids = _history(client)
    before = _metadata(client.id), _figures(client)
    assert {ANSWER_WORDS, ASIDE, CRISIS_WORDS} <= set(_words(client.id))

    clock.advance(timedelta(days=364))
    tick(clock.now())
    assert {ANSWER_WORDS, ASIDE, CRISIS_WORDS} <= set(_words(client.id)), "erased too early"
    recent = text_back(client, "new week, all good", clock.now()).message.id

    clock.advance(timedelta(days=2))
    tick(clock.now())

    assert "new week, all good" in _words(client.id)
    assert not {ANSWER_WORDS, ASIDE, CRISIS_WORDS} & set(_words(client.id))
    erased = {m.id: m for m in _messages(client.id)}
    assert erased[recent].erased_at is None
    assert all(m.body is None for m in erased.values() if m.created_at < MONDAY_9AM + timedelta(1))
    for key in ("prompt", "aside", "crisis"):
        assert erased[ids[key]].body is None
        assert erased[ids[key]].erased_at == clock.now()
    answer = db.session.get(CheckIn, ids["answered"])
    assert (answer.answer_value, answer.answer_text, answer.erased_at) == (7, None, clock.now())
    # What was sent when, its delivery and the figures built on it are all still there.
    assert _metadata(client.id)[: len(before[0])] == before[0]
    assert _figures(client) == before[1]
    assert erased[ids["prompt"]].provider_sid == f"SM{client.id:032d}"
    assert erased[ids["prompt"]].status == Status.DELIVERED

    (entry,) = _audit("retention.erased")
    assert entry.details["messages"] >= 3 and entry.details["answers"] == 1
    dumped = json.dumps(entry.details)
    for words in (ANSWER_WORDS, ASIDE, CRISIS_WORDS, client.phone, client.display_name):
        assert words not in dumped

    # Every page that showed the words says they were erased, and when.
    stamp = f"erased on {clock.now():%Y-%m-%d}"
    for page in _pages(app, provider, client, ids["crisis"]):
        assert stamp in page
        assert ASIDE not in page and CRISIS_WORDS not in page
    tasks = sign_in(app, provider).get("/tasks").get_data(as_text=True)
    assert "The client wrote:" in tasks and stamp in tasks and ASIDE not in tasks


def test_a_second_pass_within_the_hour_does_nothing_and_nothing_due_writes_no_audit(
    app, clock, make_client
):
    client = make_client()
    _history(client)
    clock.advance(timedelta(days=366))
    tick(clock.now())
    clock.advance(timedelta(minutes=30))
    tick(clock.now())
    clock.advance(timedelta(hours=2))
    tick(clock.now())
    assert len(_audit("retention.erased")) == 1


def test_the_retention_period_is_at_least_thirty_days():
    env = {"COMPANION_ENV": "testing"}
    with pytest.raises(ConfigError, match="RETENTION_DAYS must be at least 30"):
        Settings.from_env({**env, "RETENTION_DAYS": "10"})
    settings = Settings.from_env({**env, "RETENTION_DAYS": "730"})
    assert settings.retention() == RetentionSettings(730, 90)


# -- discharge -----------------------------------------------------------------------------


def _set_status(client: Client, status: ClientStatus, actor, now) -> None:
    update_client(
        db.session, client, {"status": status}, True, actor, now, "", escalation_settings(),
        RetentionSettings(discharge_retention_days=90),
    )  # fmt: skip


def test_discharge_schedules_erasure_and_the_worker_erases_on_that_date_not_before(
    app, clock, make_client, provider
):
    client, other = make_client(), make_client(display_name="Bea")
    ids = _history(client)
    _history(other)
    _set_status(client, ClientStatus.DISCHARGED, provider, clock.now())

    due = MONDAY_9AM + timedelta(days=90)
    assert client.erase_after == due
    (scheduled,) = _audit("client.erasure_scheduled")
    assert (scheduled.actor_id, scheduled.subject_id) == (provider.id, client.id)
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "Texts and replies will be erased on Sun 21 Feb 2027" in page

    clock.set(due - timedelta(hours=1))
    tick(clock.now())
    assert CRISIS_WORDS in _words(client.id)

    clock.set(due)
    tick(clock.now())
    assert _words(client.id) == []
    assert CRISIS_WORDS in _words(other.id) and ANSWER_WORDS in _words(other.id)
    db.session.refresh(client)
    assert (client.erase_after, client.texts_erased_at) == (None, due)
    assert client.display_name == "Ana" and client.phone is not None  # only a legal request
    (entry,) = _audit("retention.erased")
    assert entry.details["clients"] == [client.id]

    pages = _pages(app, provider, client, ids["crisis"])
    assert "Texts and replies were erased on" in pages[0]
    assert all(CRISIS_WORDS not in page for page in pages)


def test_returning_from_discharge_cancels_the_erasure(app, clock, make_client, provider):
    client = make_client()
    _history(client)
    _set_status(client, ClientStatus.DISCHARGED, provider, clock.now())
    clock.advance(timedelta(days=10))
    _set_status(client, ClientStatus.ACTIVE, provider, clock.now())

    assert client.erase_after is None
    assert len(_audit("client.erasure_cancelled")) == 1
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "will be erased" not in page

    clock.advance(timedelta(days=100))
    tick(clock.now())
    assert CRISIS_WORDS in _words(client.id)
    assert _audit("retention.erased") == []


# -- a legal request -------------------------------------------------------------------------


def _erase(app, *args: str):
    return app.test_cli_runner().invoke(args=["erase-client", *args])


def test_erase_client_erases_everything_of_that_client_and_nothing_of_another(
    app, clock, make_client, provider, admin
):
    client, other = make_client(), make_client(display_name="Bea")
    ids = _history(client)
    _history(other)
    phone, others_words = client.phone, sorted(_words(other.id))
    pending = MessageFactory(client=client, kind="plan_reminder", status=Status.PENDING,
                             send_after=clock.now() + timedelta(days=1))  # fmt: skip
    # Words that name the client elsewhere: the opt-in words they were shown, an alert note.
    db.session.add(ConsentEvent(client_id=client.id, at=clock.now(), recorded_by_id=provider.id,
                                kind=ConsentKind.OPT_IN_RECORDED,
                                disclosure="Ana, you agreed to texts from Companion."))  # fmt: skip
    alert = db.session.scalars(select(Escalation).where(Escalation.message_id == ids["crisis"]))
    alert.one().note = "Called Ana at home, she is safe"
    plan = PlanVersionFactory(client=client)
    AppointmentFactory(client=client, location="Ana's workplace, 5th St")
    db.session.commit()
    assert plan.content != empty_content()
    before = _metadata(client.id), _figures(client)

    result = _erase(app, str(client.id), "--reason", "Court order 26-CV-0042",
                    "--by", admin.email, "--yes")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "erased client" in result.output and phone not in result.output

    db.session.expire_all()
    client = db.session.get(Client, client.id)
    assert (client.display_name, client.phone) == (f"Erased client #{client.id}", None)
    assert client.status == ClientStatus.DISCHARGED and client.erased_at == clock.now()
    assert _words(client.id) == []
    assert all(m.to_number is None and m.from_number is None for m in _messages(client.id))
    assert db.session.get(Message, pending.id).status == Status.CANCELLED
    assert _metadata(client.id) == [
        row if row[0] != pending.id else (*row[:3], Status.CANCELLED, *row[4:])
        for row in before[0]
    ]
    assert _figures(client) == before[1]
    assert db.session.get(CheckIn, ids["answered"]).answer_value == 7
    assert db.session.scalars(select(Task).where(Task.client_id == client.id)).all()
    assert db.session.scalars(
        select(Escalation.note).where(Escalation.client_id == client.id)
    ).all() == [""]
    assert db.session.scalars(
        select(ConsentEvent.disclosure).where(ConsentEvent.client_id == client.id)
    ).all() == [None]
    assert all(
        content == empty_content()
        for content in db.session.scalars(
            select(PlanVersion.content).where(PlanVersion.client_id == client.id)
        )
    )
    assert db.session.scalars(
        select(Appointment.location).where(Appointment.client_id == client.id)
    ).all() == [""]
    # The other client is untouched.
    assert sorted(_words(other.id)) == others_words
    assert db.session.scalars(select(Client.phone).where(Client.id == other.id)).one()

    (entry,) = _audit("client.erased")
    assert (entry.actor_id, entry.subject_id) == (admin.id, client.id)
    assert entry.details["reason"] == "Court order 26-CV-0042"
    dumped = json.dumps(entry.details)
    assert phone not in dumped and "Ana" not in dumped and CRISIS_WORDS not in dumped

    for page in _pages(app, provider, client, ids["crisis"]):
        assert f"Erased client #{client.id}" in page
        assert "Ana" not in page and CRISIS_WORDS not in page and ASIDE not in page
        assert f"erased on {clock.now():%Y-%m-%d}" in page
    edit = sign_in(app, provider).get(f"/clients/{client.id}/edit")
    assert edit.status_code == 200 and phone not in edit.get_data(as_text=True)


def test_erase_client_refuses_without_a_reason_an_admin_or_a_known_client(
    app, make_client, provider, admin
):
    client = make_client()
    _history(client)
    words = sorted(_words(client.id))

    missing = _erase(app, str(client.id), "--by", admin.email, "--yes")
    assert missing.exit_code != 0 and "--reason" in missing.output
    blank = _erase(app, str(client.id), "--reason", "  ", "--by", admin.email, "--yes")
    assert blank.exit_code != 0 and "reason" in blank.output
    unknown = _erase(app, "9999", "--reason", "Court order", "--by", admin.email, "--yes")
    assert unknown.exit_code != 0 and "no client #9999" in unknown.output
    not_admin = _erase(app, str(client.id), "--reason", "Court order", "--by", provider.email,
                       "--yes")  # fmt: skip
    assert not_admin.exit_code != 0 and "not an active administrator" in not_admin.output
    declined = app.test_cli_runner().invoke(
        args=["erase-client", str(client.id), "--reason", "Court order", "--by", admin.email],
        input="n\n",
    )
    assert declined.exit_code != 0 and "This cannot be undone" in declined.output

    assert sorted(_words(client.id)) == words
    assert db.session.get(Client, client.id).display_name == "Ana"
    assert _audit("client.erased") == []

