"""The team pages for administrators, and what protects sign-in.

Adding staff with a temporary password they must replace, roles and backup
officers, password resets, failed sign-ins as the administrator sees them and
unlocking, the rate limit on failed sign-ins, expired sessions, deactivation, and moving
clients between caseloads without touching their planned texts.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from companion.care.ladder import Reason
from companion.extensions import db
from companion.messaging.outbox import enqueue
from companion.models import AuditEvent, Client, Message, StaffUser, Status
from companion.services.escalations import open_escalation
from companion.settings import ConfigError, Settings, settings_of

from helpers import MONDAY_9AM, PASSWORD, sign_in


def page_of(response) -> str:
    return response.get_data(as_text=True)


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def shown_password(html: str) -> str:
    found = re.search(r'<code class="password">([^<]+)</code>', html)
    assert found, html
    return found.group(1)


def try_sign_in(web, email: str, password: str):
    return web.post("/login", data={"email": email, "password": password})


@pytest.fixture
def admin(staff) -> StaffUser:
    return staff("admin", name="Ada Admin")


def invite_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Nia Newhire",
        "email": "Nia.Newhire@Agency.example",
        "role": "provider",
        "phone": "(213) 555-0150",
        "public_phone": "213-555-0151",
        "timezone": "America/Chicago",
        "backup_officer_id": "0",
        "password": "",
    }
    data.update(overrides)
    return data


# -- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["provider", "officer", "examiner"])
def test_only_administrators_open_the_staff_pages(app, staff, admin, role):
    web = sign_in(app, staff(role))
    assert web.get("/admin/staff/").status_code == 403
    assert web.get("/admin/staff/new").status_code == 403
    assert web.post("/admin/staff/new", data=invite_data()).status_code == 403
    assert web.get(f"/admin/staff/{admin.id}").status_code == 403
    assert web.post(f"/admin/staff/{admin.id}/deactivate").status_code == 403
    assert web.get(f"/admin/staff/{admin.id}/clients").status_code == 403
    assert db.session.scalar(select(StaffUser).where(StaffUser.name == "Nia Newhire")) is None


# -- adding staff -----------------------------------------------------------------------


def test_an_admin_adds_a_provider_whose_made_up_password_must_be_replaced(app, admin):
    web = sign_in(app, admin)
    response = web.post("/admin/staff/new", data=invite_data())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page_of(response)
    assert "Nia Newhire was added" in html and "shown only now" in html
    temporary = shown_password(html)
    assert len(temporary) >= 16

    member = db.session.scalar(select(StaffUser).where(StaffUser.name == "Nia Newhire"))
    assert member.email == "nia.newhire@agency.example"
    assert member.role.value == "provider"
    assert (member.phone, member.public_phone) == ("+12135550150", "+12135550151")
    assert member.timezone == "America/Chicago"
    assert member.must_change_password
    (created,) = events("staff.created")
    assert created.actor_id == admin.id and created.subject_id == member.id
    assert temporary not in str(created.details)  # never in the audit log
    # Shown once: the list and the member's page never show it again.
    assert temporary not in page_of(web.get("/admin/staff/"))
    assert temporary not in page_of(web.get(f"/admin/staff/{member.id}"))
    assert "temporary password" in page_of(web.get("/admin/staff/"))

    # First sign-in: every page leads to choosing a password first.
    newcomer = app.test_client()
    response = try_sign_in(newcomer, "NIA.newhire@agency.example", temporary)
    assert response.headers["Location"].startswith("/password")
    assert newcomer.get("/clients/").headers["Location"].startswith("/password")
    page = page_of(newcomer.get("/password"))
    assert "Your password was set by an administrator" in page
    response = newcomer.post(
        "/password",
        data={"current": temporary, "new": "my own secret words", "confirm": "my own secret words"},
    )
    assert response.headers["Location"] == "/"  # on to the Today page
    assert newcomer.get("/clients/").status_code == 200
    db.session.refresh(member)
    assert not member.must_change_password
    assert events("staff.password_changed")

    # The temporary password is gone; the new one works.
    assert "do not match" in page_of(try_sign_in(app.test_client(), member.email, temporary))
    assert try_sign_in(app.test_client(), member.email, "my own secret words").status_code == 302


def test_a_typed_temporary_password_and_a_backup_officer(app, admin, staff):
    backup = staff("officer", name="Bo Backup")
    web = sign_in(app, admin)
    response = web.post(
        "/admin/staff/new",
        data=invite_data(
            name="Olu Officer",
            email="olu@agency.example",
            role="officer",
            phone="",
            public_phone="",
            backup_officer_id=str(backup.id),
            password="temporary-words-9",
        ),
    )
    assert shown_password(page_of(response)) == "temporary-words-9"
    officer = db.session.scalar(select(StaffUser).where(StaffUser.name == "Olu Officer"))
    assert officer.backup_officer_id == backup.id
    assert officer.phone is None
    response = try_sign_in(app.test_client(), "olu@agency.example", "temporary-words-9")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "not an address"}, "Enter an email address such as"),
        ({"email": "PROVIDER1@example.test"}, "already signs in with this email"),
        ({"phone": "12"}, "That is not a phone number"),
        ({"phone": "+12135550177"}, "Another staff member gets alerts at this number"),
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list"),
        ({"name": ""}, "Enter the staff member&#39;s name."),
        ({"password": "short"}, "Use between 10 and 200 characters"),
        ({"backup_officer_id": "BACKUP"}, "Only officers have a backup officer"),
    ],
)
def test_bad_input_is_refused_in_words_and_keeps_what_was_typed(
    app, admin, staff, overrides, error
):
    overrides = dict(overrides)  # the parameters are shared by the SQLite and PostgreSQL runs
    staff("provider", email="provider1@example.test", phone="+12135550177")
    backup = staff("officer", name="Bo Backup")
    if overrides.get("backup_officer_id") == "BACKUP":
        overrides["backup_officer_id"] = str(backup.id)
    data = invite_data(name=overrides.pop("name", "Nia Newhire"), **overrides)
    response = sign_in(app, admin).post("/admin/staff/new", data=data)
    assert response.status_code == 400
    html = page_of(response)
    assert error in html
    assert "Nothing you typed was lost" in html
    for value in (data["name"], data["timezone"]):
        if value:
            assert f'value="{value}"' in html
    if data["password"]:
        assert f'value="{data["password"]}"' in html
    added = db.session.scalar(select(StaffUser).where(StaffUser.timezone == "America/Chicago"))
    assert added is None


def test_a_client_phone_cannot_be_a_staff_alert_phone(app, admin, make_client):
    client = make_client()
    response = sign_in(app, admin).post("/admin/staff/new", data=invite_data(phone=client.phone))
    assert "A client texts from this number" in page_of(response)


# -- changing staff ---------------------------------------------------------------------


def test_roles_and_backup_officers_change_what_staff_see(app, admin, staff, make_client):
    officer = staff("officer", name="Olu Officer")
    backup = staff("officer", name="Bo Backup")
    client = make_client(display_name="Rafa", officer_id=officer.id)
    assert sign_in(app, backup).get(f"/clients/{client.id}").status_code == 403

    web = sign_in(app, admin)
    form = page_of(web.get(f"/admin/staff/{officer.id}"))
    assert 'value="Olu Officer"' in form
    response = web.post(
        f"/admin/staff/{officer.id}",
        data={
            "name": "Olu Officer",
            "email": officer.email,
            "role": "officer",
            "phone": "",
            "public_phone": "",
            "timezone": "America/New_York",
            "backup_officer_id": str(backup.id),
        },
        follow_redirects=True,
    )
    assert "Olu Officer: saved." in page_of(response)
    db.session.refresh(officer)
    assert officer.backup_officer_id == backup.id
    assert officer.timezone == "America/New_York"
    (updated,) = events("staff.updated")
    assert set(updated.details["fields"]) == {"timezone", "backup_officer_id"}
    assert sign_in(app, backup).get(f"/clients/{client.id}").status_code == 200
    assert "Backup officer for:" in page_of(web.get(f"/admin/staff/{backup.id}"))


def test_an_officer_cannot_be_their_own_backup(app, admin, staff):
    officer = staff("officer", name="Olu Officer")
    response = sign_in(app, admin).post(
        f"/admin/staff/{officer.id}",
        data={"name": "Olu Officer", "email": officer.email, "role": "officer",
              "timezone": "America/Los_Angeles", "backup_officer_id": str(officer.id)},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Choose an active officer other than this one" in page_of(response)


def test_a_role_change_waits_until_the_caseload_is_moved(app, admin, provider, make_client):
    make_client(display_name="Rafa")
    web = sign_in(app, admin)
    data = {"name": provider.name, "email": provider.email, "role": "officer",
            "timezone": "America/Los_Angeles", "backup_officer_id": "0"}  # fmt: skip
    response = web.post(f"/admin/staff/{provider.id}", data=data)
    assert response.status_code == 400
    assert "Dana Provider still has 1 client in their caseload" in page_of(response)
    db.session.refresh(provider)
    assert provider.role.value == "provider"


def test_an_admin_keeps_their_own_role_and_account(app, admin):
    web = sign_in(app, admin)
    response = web.post(
        f"/admin/staff/{admin.id}",
        data={"name": admin.name, "email": admin.email, "role": "provider",
              "timezone": "America/Los_Angeles", "backup_officer_id": "0"},
    )  # fmt: skip
    assert "You cannot take away your own administrator role" in page_of(response)
    response = web.post(f"/admin/staff/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in page_of(response)
    db.session.refresh(admin)
    assert admin.is_active_account and admin.role.value == "admin"


def test_resetting_a_password_shows_it_once_and_unlocks(app, admin, provider, clock):
    guesser = app.test_client()
    for _ in range(5):
        try_sign_in(guesser, provider.email, "wrong guess")
    web = sign_in(app, admin)
    assert "an address waits until" in page_of(web.get(f"/admin/staff/{provider.id}"))
    response = web.post(f"/admin/staff/{provider.id}/password", data={"password": ""})
    assert response.headers["Cache-Control"] == "no-store"
    temporary = shown_password(page_of(response))
    assert "New password for Dana Provider" in page_of(response)
    db.session.refresh(provider)
    assert provider.must_change_password
    assert "do not match" in page_of(try_sign_in(app.test_client(), provider.email, PASSWORD))
    # No delay left, even from the address that failed.
    response = try_sign_in(guesser, provider.email, temporary)
    assert response.headers["Location"].startswith("/password")
    (reset,) = events("staff.password_reset")
    assert reset.details == {"temporary": "generated"}


def test_a_too_short_reset_password_says_so_and_changes_nothing(app, admin, provider):
    response = sign_in(app, admin).post(
        f"/admin/staff/{provider.id}/password", data={"password": "short"}
    )
    assert response.status_code == 400
    html = page_of(response)
    assert "The password was not reset" in html and "Use between 10 and 200 characters" in html
    assert 'value="short"' in html
    assert sign_in(app, provider)  # the old password still works


# -- failed sign-ins, as the administrator sees them (the rules: tests/security/test_sign_in.py)


def test_the_admin_sees_an_address_waiting_and_clears_it_at_once(app, admin, provider, clock):
    web = app.test_client()
    for _ in range(5):
        try_sign_in(web, provider.email, "wrong guess")
    assert try_sign_in(web, provider.email, PASSWORD).status_code == 429
    (delayed,) = events("staff.sign_in_delayed")
    assert delayed.subject_id == provider.id and delayed.details == {"minutes": 1, "failures": 5}
    admin_web = sign_in(app, admin)
    assert "sign-in delayed until Mon 23 Nov 2026, 09:01" in page_of(admin_web.get("/admin/staff/"))
    assert "5 in the last day" in page_of(admin_web.get(f"/admin/staff/{provider.id}"))

    response = admin_web.post(f"/admin/staff/{provider.id}/unlock", follow_redirects=True)
    assert "Dana Provider can sign in again." in page_of(response)
    assert "Failed sign-ins</dt><dd>none" in page_of(response)
    assert try_sign_in(web, provider.email, PASSWORD).status_code == 302
    assert events("staff.unlocked")[0].details == {"addresses": 1}


def test_failed_sign_ins_from_one_address_are_rate_limited(make_app, staff):
    app = make_app(SIGN_IN_RATE_LIMIT="3 per minute")
    member = staff("provider")
    web = app.test_client()
    for _ in range(5):  # successful sign-ins do not count
        assert try_sign_in(web, member.email, PASSWORD).status_code == 302
        web.post("/logout")
    for n in range(3):
        assert try_sign_in(web, f"guess{n}@agency.example", "x").status_code == 200
    response = try_sign_in(web, member.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins from this network. Try again in 1 minute." in page_of(response)
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert web.get("/login").status_code == 200  # the page itself still opens


def load_config(env):
    """The app.config a Settings read from ``env`` gives (what create_app stores)."""
    return Settings.from_env(env).flask_config("instance")


def test_a_bad_rate_limit_setting_is_refused_in_words():
    with pytest.raises(ConfigError, match="SIGN_IN_RATE_LIMIT"):
        load_config({"COMPANION_ENV": "testing", "SIGN_IN_RATE_LIMIT": "lots"})
    config = load_config({"COMPANION_ENV": "testing"})
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert (config["SIGN_IN_MAX_FAILURES"], config["SIGN_IN_LOCK_MINUTES"]) == (5, 15)
    assert config["SIGN_IN_ACCOUNT_FAILURES"] == 20


# -- sessions -----------------------------------------------------------------------------


def test_sign_in_makes_a_session_that_expires_and_says_so(app, provider, monkeypatch):
    web = app.test_client()
    response = try_sign_in(web, provider.email, PASSWORD)
    session_cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert session_cookie and "Expires=" in session_cookie[0]  # permanent: lifetime applies
    assert web.get("/clients/").status_code == 200

    # Nine hours later (SESSION_LIFETIME_MINUTES is 480): the session cookie is too old.
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 9 * 3600)
    response = web.get("/clients/?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/clients/?page%3D2"
    page = page_of(web.get(response.headers["Location"]))
    assert "Your session expired. Please sign in again." in page
    assert "Please sign in to see that page." not in page  # one message, not two
    assert "Your session expired" not in page_of(web.get("/login"))  # and only once
    # Signing in again goes back to where they were.
    response = web.post(
        "/login?next=/clients/?page%3D2", data={"email": provider.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/clients/?page=2"


def test_a_new_visitor_is_just_asked_to_sign_in(app):
    response = app.test_client().get("/clients/", follow_redirects=True)
    html = page_of(response)
    assert "Please sign in to see that page." in html and "expired" not in html


def test_changing_a_password_checks_the_current_one_and_the_repeat(app, provider):
    web = sign_in(app, provider)
    bad = web.post("/password", data={"current": "wrong", "new": "a fresh long one",
                                      "confirm": "a fresh long one"})  # fmt: skip
    assert "That is not your current password." in page_of(bad)
    bad = web.post("/password", data={"current": PASSWORD, "new": "a fresh long one",
                                      "confirm": "another long one"})  # fmt: skip
    assert "The two new passwords are not the same." in page_of(bad)
    bad = web.post("/password", data={"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD})
    assert "different from the current one" in page_of(bad)
    assert sign_in(app, provider)  # unchanged


# -- deactivating -------------------------------------------------------------------------


def test_a_deactivated_member_cannot_sign_in_and_their_alerts_stay_on_the_queue(
    app, admin, provider, make_client
):
    client = make_client(display_name="Rafa")
    settings = settings_of(app).escalation()
    escalation = open_escalation(db.session, client, Reason.MISSED_CHECKINS, MONDAY_9AM, settings)
    db.session.commit()
    their_browser = sign_in(app, provider)

    web = sign_in(app, admin)
    page = page_of(web.get(f"/admin/staff/{provider.id}"))
    assert "1 client." in page and "1 open alert about them." in page
    response = web.post(f"/admin/staff/{provider.id}/deactivate", follow_redirects=True)
    html = page_of(response)
    assert "Dana Provider is deactivated" in html
    assert "Their 1 client still names them" in html
    assert events("staff.deactivated")[0].details == {"clients": 1}

    assert their_browser.get("/clients/").status_code == 302  # signed out at once
    response = try_sign_in(app.test_client(), provider.email, PASSWORD)
    assert "do not match an active account" in page_of(response)
    queue = page_of(web.get("/escalations"))
    assert f'/escalations/{escalation.id}">{escalation.code}</a>' in queue
    assert "Rafa" in queue and "No open alerts." not in queue
    assert "Deactivated" in page_of(web.get("/admin/staff/"))

    web.post(f"/admin/staff/{provider.id}/reactivate")
    assert try_sign_in(app.test_client(), provider.email, PASSWORD).status_code == 302


def test_account_buttons_need_the_csrf_token(make_app, staff):
    app = make_app(WTF_CSRF_ENABLED="1")
    admin = staff("admin")
    member = staff("provider")
    web = app.test_client()
    login_page = page_of(web.get("/login"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    web.post("/login", data={"email": admin.email, "password": PASSWORD,
                             "csrf_token": token.group(1)})  # fmt: skip
    assert web.post(f"/admin/staff/{member.id}/deactivate").status_code == 400
    db.session.refresh(member)
    assert member.is_active_account


# -- caseloads ------------------------------------------------------------------------------


def test_chosen_clients_move_to_another_provider_and_their_texts_stay(
    app, admin, staff, provider, make_client
):
    other = staff("provider", name="Pat Other")
    moving = [make_client(display_name=n) for n in ("Ana", "Ben")]
    staying = make_client(display_name="Cy")
    later = MONDAY_9AM + timedelta(days=1)
    for c in (*moving, staying):
        enqueue(db.session, kind="welcome", dedupe_key=f"test:{c.id}", client_id=c.id,
                now=MONDAY_9AM, send_after=later)  # fmt: skip
    db.session.commit()
    before = {m.id: (m.status, m.send_after, m.kind) for m in db.session.scalars(select(Message))}

    web = sign_in(app, admin)
    page = page_of(web.get(f"/admin/staff/{provider.id}/clients"))
    assert "Ana" in page and "Ben" in page and "Cy" in page
    response = web.post(
        f"/admin/staff/{provider.id}/clients",
        data={"client_ids": [str(c.id) for c in moving], "to_staff_id": str(other.id)},
        follow_redirects=True,
    )
    assert "2 clients moved to Pat Other." in page_of(response)
    db.session.expire_all()
    assert [db.session.get(Client, c.id).provider_id for c in moving] == [other.id, other.id]
    assert db.session.get(Client, staying.id).provider_id == provider.id
    after = {m.id: (m.status, m.send_after, m.kind) for m in db.session.scalars(select(Message))}
    assert after == before and all(s == Status.PENDING for s, _, _ in after.values())
    moved = events("client.reassigned")
    assert sorted(e.subject_id for e in moved) == sorted(c.id for c in moving)
    assert moved[0].details == {"role": "provider", "from": provider.id, "to": other.id}

    assert sign_in(app, other).get(f"/clients/{moving[0].id}").status_code == 200
    assert sign_in(app, provider).get(f"/clients/{moving[0].id}").status_code == 403


def test_moving_nothing_or_to_nobody_says_what_is_missing(app, admin, staff, provider, make_client):
    client = make_client(display_name="Ana")
    web = sign_in(app, admin)
    response = web.post(f"/admin/staff/{provider.id}/clients", data={"to_staff_id": "-1"})
    assert response.status_code == 400
    html = page_of(response)
    assert "Tick at least one client to move." in html
    assert "Choose who takes over these clients." in html
    # A client always has a provider: "nobody" is not offered, and refused if sent.
    assert "Nobody" not in html
    response = web.post(
        f"/admin/staff/{provider.id}/clients",
        data={"client_ids": [str(client.id)], "to_staff_id": "0"},
    )
    assert response.status_code == 400
    assert "checked" in page_of(response)  # the ticks are kept
    db.session.refresh(client)
    assert client.provider_id == provider.id


def test_an_officers_supervisees_move_to_another_officer_or_to_nobody(
    app, admin, staff, make_client
):
    officer = staff("officer", name="Olu Officer")
    successor = staff("officer", name="Sam Successor")
    gone = staff("officer", name="Gil Gone", is_active_account=False)
    a, b = make_client(officer_id=officer.id), make_client(officer_id=officer.id)
    web = sign_in(app, admin)
    page = page_of(web.get(f"/admin/staff/{officer.id}/clients?all=1"))
    assert page.count(" checked") == 2 and "Gil Gone" not in page
    web.post(f"/admin/staff/{officer.id}/clients",
             data={"client_ids": [str(a.id)], "to_staff_id": str(successor.id)})  # fmt: skip
    response = web.post(f"/admin/staff/{officer.id}/clients",
                        data={"client_ids": [str(b.id)], "to_staff_id": "0"},
                        follow_redirects=True)  # fmt: skip
    assert "1 client no longer has anyone in this role." in page_of(response)
    db.session.expire_all()
    assert db.session.get(Client, a.id).officer_id == successor.id
    assert db.session.get(Client, b.id).officer_id is None
    # A deactivated officer is never offered as the new one.
    response = web.post(f"/admin/staff/{successor.id}/clients",
                        data={"client_ids": [str(a.id)], "to_staff_id": str(gone.id)})  # fmt: skip
    assert response.status_code == 400
    assert "Choose an active staff member with the same role" in page_of(response)


def test_the_staff_list_shows_roles_caseloads_and_states(app, admin, staff, provider, make_client):
    make_client()
    staff("officer", name="Gil Gone", is_active_account=False)
    staff("officer", name="Tess Temp", must_change_password=True)
    html = page_of(sign_in(app, admin).get("/admin/staff/"))
    assert "Dana Provider" in html and "Supervising officer" in html
    assert f'href="/admin/staff/{provider.id}/clients">1</a>' in html
    assert "temporary password" in html and "never signed in" in html
    assert html.index("Deactivated") < html.index("Gil Gone")


def test_a_new_password_ends_every_other_session(app, admin, provider):
    laptop, phone = sign_in(app, provider), sign_in(app, provider)
    assert laptop.get("/clients/").status_code == 200 and phone.get("/clients/").status_code == 200
    changed = laptop.post(
        "/password",
        data={"current": PASSWORD, "new": "a brand new phrase", "confirm": "a brand new phrase"},
    )
    assert changed.status_code == 302
    assert laptop.get("/clients/").status_code == 200  # the session that changed it goes on
    stale = phone.get("/clients/")
    assert stale.status_code == 302 and "/login" in stale.headers["Location"]
    # An administrator's reset ends the person's sessions too.
    again = sign_in(app, provider, password="a brand new phrase")
    assert again.get("/clients/").status_code == 200
    sign_in(app, admin).post(f"/admin/staff/{provider.id}/password", data={"password": ""})
    for ended in (again, laptop):
        response = ended.get("/clients/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
