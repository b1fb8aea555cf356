"""``flask simulate``: a synthetic caseload through the real paths, and the invariants it checks.

Each invariant (companion/services/invariants.py) is shown failing on rows made to break
it, and passing on their lawful neighbours, so none of them can pass by finding nothing.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from companion import create_app
from companion.extensions import db
from companion.models import CheckInStatus, Direction, Status, Task, TaskStatus
from companion.services import invariants
from companion.services.invariants import Offer, Violation
from companion.services.simulation import Options, lines, simulate
from companion.settings import settings_of

from factories import (
    AppointmentFactory,
    CheckInFactory,
    ClientFactory,
    MessageFactory,
)
from helpers import MONDAY_9AM, base_env

SMALL = ["simulate", "--clients", "4", "--days", "2", "--start", "2026-12-14", "--step", "20"]
SMALL += ["--seed", "3"]
# The command simulates in its own throwaway SQLite file whatever the app's database: once is
# enough. The service and the invariants run on both kinds (below).
COMMAND_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


# -- the command ------------------------------------------------------------------------------


@COMMAND_ONLY
def test_simulate_prints_each_day_and_a_summary(app):
    result = run(app, *SMALL)
    out = result.output
    assert "simulated 4 client(s) for 2 day(s) from 2026-12-14 (seed 3" in out
    assert "day 2026-12-14 (Mon)" in out and "day 2026-12-15 (Tue)" in out
    assert "summary" in out
    # Every client was welcomed once, on the first day, and was asked something.
    first_day = out.split("day 2026-12-15")[0]
    assert "welcome 4" in first_day
    assert "checkin_prompt" in out
    assert out.count("check-ins answered") == 3  # two days and the summary
    assert out.count("invariant violations (") == 3
    for name in invariants.INVARIANTS:
        assert f"{name} " in out
    # Exit code 1 exactly when the summary lists a violation (CI reads it).
    listed = [line for line in out.splitlines() if line.startswith("  ! ")]
    assert result.exit_code == (1 if listed else 0), out


@COMMAND_ONLY
def test_the_same_seed_gives_the_same_days_and_another_seed_others(app):
    day = ["simulate", "--clients", "3", "--days", "1", "--start", "2026-12-14", "--step", "30"]
    first, again = run(app, *day, "--seed", "3"), run(app, *day, "--seed", "3")
    assert first.output == again.output
    other = run(app, *day, "--seed", "4")
    assert other.output.splitlines()[1:] != first.output.splitlines()[1:]


@COMMAND_ONLY
def test_without_a_start_it_simulates_from_today_on_the_development_clock(app, clock):
    one_day = ["simulate", "--clients", "1", "--days", "1", "--step", "60"]
    assert "for 1 day(s) from 2026-11-23" in run(app, *one_day).output  # the clock's Monday
    clock.advance(timedelta(days=3))
    assert "from 2026-11-26" in run(app, *one_day).output


@COMMAND_ONLY
def test_simulate_is_refused_in_production(app):
    prod = create_app(base_env(app.config["SQLALCHEMY_DATABASE_URI"], COMPANION_ENV="production"))
    with prod.app_context():
        result = prod.test_cli_runner().invoke(args=SMALL)
    assert result.exit_code != 0
    assert "simulate is refused in production" in result.output


@COMMAND_ONLY
def test_simulate_never_writes_into_a_database_that_holds_clients(app):
    ClientFactory()
    before = db.session.scalar(db.select(db.func.count()).select_from(invariants.Client))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    result = run(app, *SMALL, "--database", url)
    assert result.exit_code != 0
    assert "already holds clients" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(invariants.Client)) == before


@COMMAND_ONLY
def test_bad_options_are_refused_with_an_example(app):
    assert "I=1,II=3" in run(app, *SMALL, "--risk-mix", "high=1").output
    assert "2026-12-14" in run(app, "simulate", "--start", "next monday").output
    assert run(app, "simulate", "--clients", "801").exit_code != 0


def test_a_simulation_runs_on_this_database(app):
    """The service on the test's own database (SQLite and PostgreSQL): replies are
    answered, alerts counted, and every invariant runs on what was stored."""
    options = Options(
        start=date(2026, 12, 14),
        days=2,
        clients=4,
        seed=2,
        answer_rate=0.9,
        step=timedelta(minutes=30),
    )
    report = simulate(db.session, settings_of(app).tick(), options)
    assert len(report.days) == 2
    assert sum(d.replies for d in report.days) > 0
    assert sum(d.answered for d in report.days) > 0
    assert sum(d.texts["welcome"] for d in report.days) == 4
    found = invariants.check_all(db.session)
    assert {v.key for v in found} == {v.key for v in report.violations}
    assert lines(report)[-1]


def _empty_database(request, database_url: str) -> None:
    """Back to the freshly migrated database (the audit log refuses DELETE, by design)."""
    db.session.remove()
    db.engine.dispose()
    if database_url.startswith("sqlite:///"):
        shutil.copy(request.getfixturevalue("sqlite_template"), database_url.removeprefix("sqlite:///"))
        return
    with db.engine.begin() as conn:
        tables = [t.name for t in db.metadata.sorted_tables]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


@pytest.mark.slow
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no long shrink: the case is printed
)
@given(
    seed=st.integers(0, 10_000),
    answer_rate=st.floats(0.3, 1.0),
    late_rate=st.floats(0.0, 0.5),
    edit_rate=st.floats(0.0, 0.6),
    start=st.dates(date(2026, 3, 1), date(2027, 12, 31)),  # DST changes included
)
@example(seed=281, answer_rate=0.61, late_rate=0.0, edit_rate=0.22, start=date(2026, 3, 21))
def test_any_caseload_lived_for_days_breaks_no_invariant(
    app, request, database_url, seed, answer_rate, late_rate, edit_rate, start
):
    """Weeks of plans, edits, appointment moves, on-time, late, unclear, keyword and
    crisis replies and worker passes (the simulation's synthetic caseload, drawn by
    Hypothesis): no purpose texted twice, no text in quiet hours, every reply bound to
    at most one question it fits, no check-in answered and missed, every option handled."""
    _empty_database(request, database_url)  # each example on its own caseload
    options = Options(
        start=start, days=5, clients=4, seed=seed, answer_rate=answer_rate,
        late_rate=late_rate, edit_rate=edit_rate, step=timedelta(minutes=20),
    )  # fmt: skip
    report = simulate(db.session, settings_of(app).tick(), options)
    assert sum(d.replies for d in report.days) > 0
    assert [v.description for v in invariants.check_all(db.session)] == []


@pytest.mark.slow
@COMMAND_ONLY
def test_fifty_clients_for_a_week(app):
    result = run(app, "simulate", "--clients", "50", "--days", "7", "--start", "2026-12-14")
    assert "day 2026-12-20 (Sun)" in result.output
    assert "alerts (" in result.output


# -- the invariants, each caught on rows made to break it ----------------------------------


def names(found: list[Violation]) -> list[str]:
    return [v.invariant for v in found]


def test_a_purpose_texted_twice_is_caught(app):
    client = ClientFactory()
    appointment = AppointmentFactory(client=client)
    for key in ("appt:1:r1:day_before", "appt:1:r2:day_before"):
        MessageFactory(
            client=client, kind="appt_day_before", dedupe_key=key, appointment_id=appointment.id
        )
    # Two acknowledgements answer two replies: not one purpose twice.
    for n in (1, 2):
        MessageFactory(client=client, kind="checkin_thanks", dedupe_key=f"reply:{n}")
    found = invariants.no_purpose_twice(db.session)
    assert names(found) == ["no_purpose_twice"]
    assert "appt_day_before for appointment" in found[0].description


def test_a_text_in_quiet_hours_is_caught_but_not_a_direct_reply(app):
    client = ClientFactory()  # Los Angeles, texts from 08:00 to 21:00
    midnight = MONDAY_9AM + timedelta(hours=15)  # 00:00 local
    MessageFactory(client=client, kind="welcome", send_after=midnight)
    MessageFactory(client=client, kind="checkin_thanks", send_after=midnight)
    MessageFactory(client=client, kind="plan_reminder", send_after=MONDAY_9AM)
    found = invariants.no_text_in_quiet_hours(db.session)
    assert names(found) == ["no_text_in_quiet_hours"]
    assert "welcome" in found[0].description and "00:00 local" in found[0].description


def _reply(client, body: str, at=MONDAY_9AM + timedelta(minutes=30)):
    return MessageFactory(
        client=client,
        direction=Direction.INBOUND,
        kind="inbound",
        status=Status.RECEIVED,
        body=body,
        send_after=at,
        sent_at=None,
    )


def _answered(check_in, reply, value) -> None:
    check_in.status = CheckInStatus.ANSWERED
    check_in.answer_message_id = reply.id
    check_in.answer_value = value
    check_in.answer_text = reply.body
    check_in.answered_at = reply.created_at
    db.session.commit()


def test_a_reply_bound_twice_or_where_it_does_not_fit_is_caught(app):
    client = ClientFactory()
    check_in = CheckInFactory(client=client, topic="stress")
    MessageFactory(client=client, kind="checkin_prompt", check_in_id=check_in.id)
    fine = _reply(client, "3")
    _answered(check_in, fine, "3")
    assert invariants.replies_bound_once(db.session) == []

    # The same reply also kept as a task: bound to two things.
    db.session.add(
        Task(
            client_id=client.id,
            kind="unmatched_reply",
            status=TaskStatus.OPEN,
            message_id=fine.id,
            created_at=MONDAY_9AM,
        )
    )
    db.session.commit()
    found = invariants.replies_bound_once(db.session)
    assert len(found) == 1 and "bound to 2 things" in found[0].description


def test_a_reply_taken_for_an_older_question_is_caught(app):
    client = ClientFactory()
    check_in = CheckInFactory(client=client, topic="plan_conditions")
    MessageFactory(client=client, kind="checkin_prompt", check_in_id=check_in.id)
    appointment = AppointmentFactory(client=client)
    MessageFactory(
        client=client,
        kind="appt_day_before",
        appointment_id=appointment.id,
        send_after=MONDAY_9AM + timedelta(minutes=10),
    )
    # "yes" after the appointment notice, recorded as the check-in's answer (issue 13).
    _answered(check_in, _reply(client, "yes"), "yes")
    found = invariants.replies_bound_once(db.session)
    assert len(found) == 1
    assert "could answer appt_day_before of appointment" in found[0].description


def test_a_reply_that_does_not_answer_the_question_is_caught(app):
    client = ClientFactory()
    check_in = CheckInFactory(client=client, topic="stress")
    MessageFactory(client=client, kind="checkin_prompt", check_in_id=check_in.id)
    _answered(check_in, _reply(client, "not sure"), None)
    found = invariants.replies_bound_once(db.session)
    assert len(found) == 1 and "does not read as an answer to 'stress'" in found[0].description


def test_a_check_in_answered_and_missed_is_caught(app):
    client = ClientFactory()
    CheckInFactory(client=client, status=CheckInStatus.MISSED)  # missed, nothing said: fine
    replied = CheckInFactory(
        client=client,
        status=CheckInStatus.MISSED,
        answer_text="I want to hurt myself",
        clarified=True,
    )
    found = invariants.no_check_in_answered_and_missed(db.session)
    assert [v.ids for v in found] == [(replied.id,)]
    assert "closed missed though a reply was recorded" in found[0].description


def test_an_offered_option_without_an_action_is_caught():
    texts = lambda: [("ride", "Reply 3 for a ride or STOP to opt out.")]  # noqa: E731
    stop = Offer("ride", "STOP", "opt out", "companion.services.inbound.receive")
    found = invariants.every_option_has_an_action(None, [stop], texts)
    assert [v.description for v in found] == ["ride offers '3' but no action is listed for it"]

    nobody = Offer("ride", "3", "a ride", None)
    gone = Offer("ride", "STOP", "opt out", "companion.services.inbound.no_such_function")
    found = invariants.every_option_has_an_action(None, [nobody, gone], texts)
    assert len(found) == 2
    assert "nothing does it" in found[0].description and "is gone" in found[1].description
    assert (
        invariants.every_option_has_an_action(
            None, [stop, replace(nobody, handler="companion.services.replies.route")], texts
        )
        == []
    )


def test_every_option_offered_today_has_an_action_and_a_missing_one_is_caught(app):
    assert invariants.every_option_has_an_action(db.session) == []
    # "2 for a call" with nothing behind it (as before issue 13): caught.
    offers = [
        o if (o.where, o.option) != ("question:stuck", "2") else replace(o, handler=None)
        for o in invariants.OFFERS
    ]
    found = invariants.every_option_has_an_action(db.session, offers)
    assert [v.description for v in found] == [
        "question:stuck offers '2' (a call from the team) but nothing does it"
    ]


def test_options_are_read_from_what_a_text_offers():
    assert invariants.offered_options("Reply C to confirm or R to reschedule.") == {"C", "R"}
    assert invariants.offered_options("Reply 0 (none) to 10 (a lot).") == {"0", "10"}
    assert invariants.offered_options("Send YES or NO.") == {"YES", "NO"}
    assert invariants.offered_options("Hi %(name)s, this is %(team)s.") == set()


def test_a_reply_after_two_questions_asked_at_once_is_not_one_questions_alone(app):
    client = ClientFactory()
    stress = CheckInFactory(client=client, topic="stress")
    urges = CheckInFactory(client=client, topic="urges")
    for check_in in (stress, urges):  # one pass asked both
        MessageFactory(client=client, kind="checkin_prompt", check_in_id=check_in.id)
    _answered(stress, _reply(client, "3"), "3")
    found = invariants.replies_bound_once(db.session)
    assert [v.description.split(" but it ")[1] for v in found] == [
        f"could answer check-in #{urges.id}, asked since"
    ]
