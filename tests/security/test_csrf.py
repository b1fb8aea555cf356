"""Cross-site request forgery: every POST of the staff pages needs the session's CSRF token.

The test settings turn CSRF off (``WTF_CSRF_ENABLED=0`` in tests/helpers.py ``base_env``)
so other tests can post plain forms; this app turns it back on, as production runs.
Without the token, or with another session's, every POST answers 400 and changes
nothing. Twilio's webhooks are exempt (Twilio has no token) and checked by signature
instead (tests/security/test_signatures.py). Other probes: tests/test_web_care.py
(``test_mark_done_needs_the_csrf_token``), tests/test_import.py (upload with CSRF on).
"""

from __future__ import annotations

import re

import pytest

from companion.extensions import db
from companion.models import Direction, Message

from helpers import OFFICER_PHONE, PASSWORD, PROVIDER_PHONE, post_sms, twilio_env
from probe_world import Caseload, caseload, changed_tables, snapshot

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token_of(response) -> str:
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def signed_in(app, user):
    """A browser signed in the way a person is: with the sign-in page's token."""
    web = app.test_client()
    token = token_of(web.get("/login"))
    response = web.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return web


@pytest.fixture
def strict(make_app, fake_twilio):
    return make_app(WTF_CSRF_ENABLED="1", **twilio_env(fake_twilio))


@pytest.fixture
def team(strict) -> Caseload:
    return caseload("a", (PROVIDER_PHONE, OFFICER_PHONE, "+12135550186"), "+12135550120")


def id_values(team: Caseload) -> dict[str, object]:
    """The team's own records, by the name of their id in an address."""
    return {
        "client_id": team.client.id,
        "appointment_id": team.appointment.id,
        "escalation_id": team.escalation.id,
        "task_id": team.task.id,
        "part": "notices",
        "key": "welcome",
        "staff_id": team.officer.id,
        "name": "profile",
        "shift_id": 1,  # the on-call rota's first shift (a refusal never needs it to exist)
        "lang": "es",  # a text language on the admin's Languages page
    }


def post_routes(app, team: Caseload) -> list[tuple[str, str]]:
    """(endpoint, address) of every POST of the staff pages, on the team's own records."""
    values = id_values(team)
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint.startswith("twilio."):
            continue
        routes.append((rule.endpoint, rule.build({a: values[a] for a in rule.arguments})[1]))
    return sorted(routes)


def test_every_staff_post_without_the_token_is_400_and_changes_nothing(strict, team, staff):
    admin = staff("admin", name="Ada Admin", email="ada@example.test")
    # Each POST is tried by someone who may make it: the admin on staff accounts, the
    # client's provider everywhere else (and anyone at all on the sign-in page).
    provider, manager = signed_in(strict, team.provider), signed_in(strict, admin)
    # A real token, but of the other person's session.
    foreign = {
        provider: token_of(manager.get("/password")),
        manager: token_of(provider.get("/password")),
    }
    routes = post_routes(strict, team)
    assert len(routes) >= 25

    before = snapshot()
    for endpoint, url in routes:
        web = manager if endpoint.startswith("staff_admin.") else provider
        for data in ({}, {"csrf_token": foreign[web]}, {"csrf_token": "forged"}):
            response = web.post(url, data=data)
            assert response.status_code == 400, (endpoint, url, data, response.status_code)
    assert changed_tables(before) == []
    # Sign-out without the token did not sign anyone out either.
    assert provider.get(f"/clients/{team.client.id}").status_code == 200

    # With the page's own token the same kind of request goes through: the 400s were the
    # token's doing.
    page = provider.get("/tasks")
    done = provider.post(f"/tasks/{team.task.id}/done", data={"csrf_token": token_of(page)})
    assert done.status_code == 302
    assert changed_tables(before) == ["tasks"]


def test_no_page_opened_with_get_changes_anything(strict, team, staff):
    """A link or an image on another site makes the browser GET: that must change nothing
    (but the audit trail of who looked)."""
    admin = staff("admin", name="Ada Admin", email="ada@example.test")
    provider, manager = signed_in(strict, team.provider), signed_in(strict, admin)
    values = {**id_values(team), "number": 1}
    before = snapshot()
    opened = 0
    for rule in strict.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments <= set(values):
            continue
        web = manager if rule.endpoint.startswith(("staff_admin.", "team.audit")) else provider
        response = web.get(rule.build({a: values[a] for a in rule.arguments})[1])
        opened += response.status_code == 200
    assert opened >= 25
    assert changed_tables(before) == []


def test_webhooks_need_no_token_but_a_signature(strict, fake_twilio, team):
    unsigned = strict.test_client().post(
        "/twilio/sms", data={"From": team.client.phone, "To": "+12135550199", "Body": "hi"}
    )
    assert unsigned.status_code == 403
    assert post_sms(strict, fake_twilio, team.client.phone, "5").status_code == 200
    db.session.expire_all()
    bodies = [
        m.body
        for m in db.session.query(Message).filter(Message.direction == Direction.INBOUND)
        if m.from_number == team.client.phone
    ]
    assert bodies.count("5") == 1 and "hi" not in bodies
