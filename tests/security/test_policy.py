"""The role policy, route by route: every URL × every role × every method.

EXPECTED below is the policy as a reader checks it (docs/roles.md): for each endpoint,
what the provider, the officer, the polygraph examiner, the admin and someone not
signed in get. The test walks ``app.url_map`` and fails for any route missing from
EXPECTED (a new page must say who may open it), and for any answer that differs.

Every id in an address is a real row in that user's caseload: a 403 here is the role
policy, never the caseload rule (tests/security/test_probes.py covers the caseload).
CSRF is off in tests, so a POST with an empty form reaches the view: "allowed" is any
answer but 403, 404 or 5xx (a 400 or 422 for the empty form is fine).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import Rule

from companion.care.ladder import Reason
from companion.care.roles import POLICY, Action, NotAllowed
from companion.extensions import db
from companion.models import (
    AppointmentKind,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    EscalationStatus,
    PlanVersion,
    Role,
    ScheduleOverride,
    StaffUser,
    Task,
    TaskStatus,
)
from companion.runtime import escalation_settings
from companion.services import plans, schedule, tasks
from companion.services import staff as staff_service
from companion.services.escalations import open_escalation

from factories import AppointmentFactory, CheckInFactory, MessageFactory, PlanVersionFactory
from helpers import MONDAY_9AM, sign_in

ALLOWED = "allowed"  # the page or the change happens (2xx, 3xx, or 400/422 for an empty form)
FORBIDDEN = "forbidden"  # 403
SIGN_IN = "sign in"  # a redirect to the sign-in page
UNSIGNED = "unsigned"  # a Twilio webhook without its signature: 403 for anyone
SIGNED_OUT = SIGN_IN  # signing out ends on the sign-in page

ROLES = ("provider", "officer", "examiner", "admin", "anonymous")


def row(
    provider: str, officer: str, examiner: str, admin: str, anonymous: str = SIGN_IN
) -> dict[str, str]:
    return {"provider": provider, "officer": officer, "examiner": examiner, "admin": admin,
            "anonymous": anonymous}  # fmt: skip


A, F = ALLOWED, FORBIDDEN
EVERYONE = row(A, A, A, A, anonymous=A)  # public pages
STAFF = row(A, A, A, A)  # any signed-in staff member
CLINICAL = row(A, A, F, F)  # clinical content: provider and officer
CLINICIAN = row(A, F, F, F)  # the provider alone
ADMIN = row(F, F, F, A)
WEBHOOK = row(UNSIGNED, UNSIGNED, UNSIGNED, UNSIGNED, anonymous=UNSIGNED)

# endpoint → role → outcome; "endpoint METHOD" when one method differs.
EXPECTED: dict[str, dict[str, str]] = {
    # public: sign-in, language, static files, health, Twilio (signature-checked), alert links
    "static": EVERYONE,
    "health.healthz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.home": EVERYONE,  # a redirect to today's page (which asks to sign in)
    "language.choose": EVERYONE,
    "escalations.short_link": EVERYONE,  # a redirect to the alert (which asks to sign in)
    "twilio.inbound_sms": WEBHOOK,
    "twilio.status_callback": WEBHOOK,
    # one's own account and start page
    "auth.logout": row(SIGNED_OUT, SIGNED_OUT, SIGNED_OUT, SIGNED_OUT),
    "auth.change_password": STAFF,
    "home.index": STAFF,  # examiners go on to their clients
    "team.assigned": STAFF,  # an examiner's clients; others go to the client list
    # clients
    "clients.index": STAFF,
    "clients.show": STAFF,  # examiners and admins get the reduced record
    "clients.create": row(A, F, F, A),
    "clients.edit": row(A, F, F, A),
    "onboarding.start": row(A, F, F, A),
    "onboarding.restart": row(A, F, F, A),
    "onboarding.step": row(A, F, F, A),
    "team.timeline": CLINICAL,
    "team.report": CLINICAL,
    "team.report_csv": CLINICAL,
    "previews.texts": CLINICAL,
    "previews.send_test": CLINICAL,
    "simulator.index": CLINICAL,
    "simulator.phone": CLINICAL,
    "simulator.jump": CLINICAL,  # moves the development clock to the next planned text
    # plan and schedule
    "plans.plan": CLINICAL,
    "plans.plan_version": CLINICAL,
    "plans.plan_edit": CLINICIAN,
    "schedule.schedule": CLINICAL,
    "schedule.save_risk": CLINICIAN,
    "schedule.override": CLINICIAN,
    # appointments and attendance: examiners read, the others manage
    "appointments.appointments GET": STAFF,
    "appointments.appointments POST": row(A, A, F, A),
    "appointments.edit_appointment": row(A, A, F, A),
    "appointments.cancel_appointment": row(A, A, F, A),
    "appointments.appointment_outcome": row(A, A, F, A),
    "imports.appointments": row(A, F, F, A),
    "imports.check_file": row(A, F, F, A),
    "imports.confirm": row(A, F, F, A),
    "imports.template": row(A, F, F, A),
    # alerts: everyone on the team sees them; a clinical one is closed by a clinician only
    "escalations.queue": STAFF,
    "escalations.show": STAFF,
    "escalations.acknowledge_view": CLINICIAN,  # here: a self-harm alert (see below)
    # the release of information: the officer reads what they are told; the provider records it
    "release.release GET": CLINICAL,
    "release.release POST": CLINICIAN,
    "tasks.tasks": CLINICAL,
    "oncall.rota": row(A, A, F, A),  # names and hours: whom to call (not the examiner)
    "oncall.add_shift": row(A, F, F, A),  # providers arrange it, the admin keeps it filled
    "oncall.remove_shift": row(A, F, F, A),
    "tasks.task_done": CLINICAL,
    # accounts and the audit log
    "team.audit_log": ADMIN,
    "staff_admin.index": ADMIN,
    "staff_admin.invite": ADMIN,
    "staff_admin.edit": ADMIN,
    "staff_admin.reset_password": ADMIN,
    "staff_admin.unlock": ADMIN,
    "staff_admin.deactivate": ADMIN,
    "staff_admin.reactivate": ADMIN,
    "staff_admin.caseload": ADMIN,
    "understanding_admin.index": ADMIN,

    "languages.index": ADMIN,
    "languages.decide": ADMIN,
}


def expected_for(endpoint: str, method: str) -> dict[str, str] | None:
    return EXPECTED.get(f"{endpoint} {method}") or EXPECTED.get(endpoint)


def outcome(status: int, location: str) -> str:
    if status == 403:
        return FORBIDDEN
    if status in (301, 302, 303) and "/login" in location:
        return SIGN_IN
    if status == 404 or status >= 500:
        return f"HTTP {status}"
    return ALLOWED


@pytest.fixture
def team(app: Flask, staff: Callable[..., StaffUser], make_client: Callable[..., Client]):
    """One client shared by a provider, an officer and an examiner, with a row of each kind."""
    people = {
        "provider": staff("provider", name="Pat Provider", phone="+12135550181"),
        "officer": staff("officer", name="Olu Officer", phone="+12135550182"),
        "examiner": staff("examiner", name="Eve Examiner"),
        "admin": staff("admin", name="Ada Admin"),
    }
    spare = staff("officer", name="Sam Spare")  # the staff member the admin pages change
    client = make_client(
        display_name="Ana",
        provider_id=people["provider"].id,
        officer_id=people["officer"].id,
        examiner_id=people["examiner"].id,
        checkin_topics=["stress"],
    )
    PlanVersionFactory(client=client)
    appointment = AppointmentFactory(client=client)
    clinical = open_escalation(
        db.session, client, Reason.SELF_HARM, MONDAY_9AM - timedelta(hours=1),
        escalation_settings(),
    )  # fmt: skip
    supervision = open_escalation(
        db.session, client, Reason.MISSED_CHECKINS, MONDAY_9AM - timedelta(hours=1),
        escalation_settings(),
    )  # fmt: skip
    task = Task(client_id=client.id, kind="review_reply", status=TaskStatus.OPEN,
                created_at=MONDAY_9AM)  # fmt: skip
    db.session.add(task)
    db.session.commit()
    assert clinical is not None and supervision is not None
    ids = {
        "client_id": client.id,
        "number": 1,
        "appointment_id": appointment.id,
        "escalation_id": clinical.id,
        "task_id": task.id,
        "shift_id": 1,  # none yet: removing one that is gone says so (a redirect)
        "staff_id": spare.id,
        "name": "profile",
        "key": "welcome",
        "part": "checkin_days",
        "filename": "companion.css",
        "lang": "es",
    }
    return people, ids, supervision


def address(rule: Rule, ids: dict[str, object]) -> str:
    missing = rule.arguments - ids.keys()
    assert not missing, f"{rule.endpoint}: no test value for {sorted(missing)}"
    return rule.build({name: ids[name] for name in rule.arguments})[1]


def test_every_route_answers_every_role_as_the_policy_says(app: Flask, team, clock) -> None:
    people, ids, _supervision = team
    browsers = {role: sign_in(app, user) for role, user in people.items()}
    browsers["anonymous"] = app.test_client()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))
    unlisted = [
        f"{rule.endpoint} {method}"
        for rule in rules
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        if expected_for(rule.endpoint, method) is None
    ]
    assert not unlisted, f"routes missing from EXPECTED in {__file__}: {unlisted}"

    wrong = []
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            expected = expected_for(rule.endpoint, method)
            assert expected is not None
            path = address(rule, ids)
            for role in ROLES:
                browser = browsers[role]
                if rule.endpoint == "auth.logout" and role != "anonymous":
                    browser = sign_in(app, people[role])  # signing out ends that browser's session
                response = browser.open(path, method=method)
                clock.set(MONDAY_9AM)  # the simulator's jump moves the clock: the walk stays put
                got = outcome(response.status_code, response.headers.get("Location", ""))
                want = expected[role]
                if want == UNSIGNED:
                    want = FORBIDDEN
                if got != want:
                    wrong.append(f"{method} {path} ({rule.endpoint}) as {role}: {got}, not {want}")
    assert not wrong, "\n".join(wrong)


def test_the_officer_closes_a_supervision_alert_but_not_a_clinical_one(app: Flask, team) -> None:
    people, ids, supervision = team
    officer = sign_in(app, people["officer"])
    clinical = officer.post(
        f"/escalations/{ids['escalation_id']}/acknowledge", data={"outcome": "contacted"}
    )
    assert clinical.status_code == 403
    closed = officer.post(
        f"/escalations/{supervision.id}/acknowledge", data={"outcome": "contacted"}
    )
    assert closed.status_code == 302
    assert db.session.get(Escalation, supervision.id).status == EscalationStatus.ACKNOWLEDGED
    assert db.session.get(Escalation, ids["escalation_id"]).status == EscalationStatus.OPEN


def test_a_page_that_declares_no_action_is_refused(app: Flask, staff) -> None:
    app.add_url_rule("/undeclared", "undeclared", lambda: "client records")
    provider = staff("provider")
    assert sign_in(app, provider).get("/undeclared").status_code == 403
    assert app.test_client().get("/undeclared").status_code == 403


@pytest.mark.parametrize("role", ["admin", "examiner"])
def test_admins_and_examiners_get_the_reduced_client_record(app: Flask, team, role) -> None:
    """Name, status and who works with the client; never texts, answers or the plan."""
    people, ids, _supervision = team
    client = db.session.get(Client, ids["client_id"])
    MessageFactory(client=client, direction=Direction.INBOUND, body="my private words")
    CheckInFactory(client=client, status=CheckInStatus.ANSWERED, answer_text="a hard night")
    db.session.commit()
    page = sign_in(app, people[role]).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "Ana" in page and "Pat Provider" in page and "Olu Officer" in page
    for clinical in ("my private words", "a hard night", "Relapse-prevention plan", "Timeline"):
        assert clinical not in page, clinical
    provider_page = sign_in(app, people["provider"]).get(f"/clients/{client.id}")
    assert "my private words" in provider_page.get_data(as_text=True)


def test_an_examiner_sees_exams_only_and_the_provider_every_appointment(app: Flask, team) -> None:
    """Exams and whether they were kept are the examiner's; sessions and court dates are not."""
    people, ids, _supervision = team
    client = db.session.get(Client, ids["client_id"])
    AppointmentFactory(client=client, kind=AppointmentKind.POLYGRAPH, location="Room 7 exam",
                       starts_at=MONDAY_9AM + timedelta(days=3))  # fmt: skip
    AppointmentFactory(client=client, kind=AppointmentKind.COURT, location="Hall B",
                       starts_at=MONDAY_9AM + timedelta(days=2))  # fmt: skip
    db.session.commit()
    pages = (f"/clients/{client.id}", f"/clients/{client.id}/appointments", "/assigned")
    examiner = sign_in(app, people["examiner"])
    for url in pages:
        page = examiner.get(url).get_data(as_text=True)
        assert "Room 7 exam" in page or url == "/assigned", url
        assert "Hall B" not in page, url
    assert "Polygraph" in examiner.get("/assigned").get_data(as_text=True)
    provider = sign_in(app, people["provider"])
    for url in pages[:2]:
        page = provider.get(url).get_data(as_text=True)
        assert "Room 7 exam" in page and "Hall B" in page, url


def test_the_table_has_a_cell_for_every_role_and_action() -> None:
    for action in Action:
        assert set(POLICY[action]) == set(Role), action.name


def test_services_refuse_what_the_role_may_not_do(app: Flask, team) -> None:
    """The same table guards the changes themselves, whatever calls them."""
    people, ids, _supervision = team
    client = db.session.get(Client, ids["client_id"])
    task = db.session.get(Task, ids["task_id"])
    spare = db.session.get(StaffUser, ids["staff_id"])
    attempts = [
        lambda: plans.save_plan(db.session, client, {}, None, "1", people["officer"], MONDAY_9AM),
        lambda: schedule.set_override(db.session, client, "checkin_days", [0], "why",
                                      people["admin"], MONDAY_9AM),  # fmt: skip
        lambda: tasks.mark_task_done(db.session, task, people["examiner"], MONDAY_9AM),
        lambda: staff_service.unlock(db.session, spare, people["provider"], MONDAY_9AM),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
    db.session.rollback()
    assert db.session.get(Task, ids["task_id"]).status == TaskStatus.OPEN
    assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 1
    assert db.session.scalars(select(ScheduleOverride)).all() == []
