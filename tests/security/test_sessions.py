"""Fault 2 of issue 12: sessions end on the server.

A session cookie copied before sign-out used to keep opening client pages for up to
8 hours from any browser. Now each session is a row on the server (StaffSession),
checked on every request: sign-out, a new password, a reset, a deactivation, 30
minutes without a request and 8 hours after sign-in each end it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from companion.extensions import db
from companion.models import StaffSession

from helpers import PASSWORD, sign_in


@pytest.fixture
def admin(staff):
    return staff("admin", name="Ada Admin")


def _session_cookie(web) -> str:
    cookie = web.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _signed_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _rows(user) -> list[StaffSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(StaffSession).where(StaffSession.staff_user_id == user.id))
    )


def test_a_cookie_copied_before_sign_out_opens_nothing_after(app, provider):
    web = sign_in(app, provider)
    assert web.get("/clients/").status_code == 200
    copied = _session_cookie(web)

    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/clients/").status_code == 200  # before sign-out: the same session

    assert _signed_out(web.post("/logout"))
    assert _signed_out(web.get("/clients/"))

    elsewhere = app.test_client()
    elsewhere.set_cookie("session", copied)
    assert _signed_out(elsewhere.get("/clients/"))
    assert _signed_out(thief.get("/clients/"))
    (row,) = _rows(provider)
    assert row.ended_reason == "signed_out" and row.ended_at is not None


def test_the_table_holds_no_usable_token(app, provider):
    web = sign_in(app, provider)
    (row,) = _rows(provider)
    with web.session_transaction() as cookie_session:
        token = cookie_session["staff_session"]
    assert row.id != token and len(row.id) == 64  # its SHA-256, not the token


def test_thirty_one_idle_minutes_end_the_session(app, provider, clock):
    web = sign_in(app, provider)
    clock.advance(timedelta(minutes=29))
    assert web.get("/clients/").status_code == 200  # activity keeps it going
    clock.advance(timedelta(minutes=31))
    response = web.get("/clients/")
    assert _signed_out(response)
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session expired. Please sign in again." in page
    (row,) = _rows(provider)
    assert row.ended_reason == "idle"
    # and it stays over, even if the clock could be talked back
    clock.advance(timedelta(minutes=-31))
    assert _signed_out(web.get("/clients/"))


def test_an_active_session_still_ends_eight_hours_after_sign_in(app, provider, clock):
    web = sign_in(app, provider)
    for _ in range(8 * 3 - 1):  # every 20 minutes, up to 7 h 40
        clock.advance(timedelta(minutes=20))
        assert web.get("/clients/").status_code == 200
    clock.advance(timedelta(minutes=20))  # 8 hours after sign-in
    assert _signed_out(web.get("/clients/"))
    (row,) = _rows(provider)
    assert row.ended_reason == "expired"
    assert sign_in(app, provider).get("/clients/").status_code == 200  # signing in again works


def test_the_idle_limit_is_a_setting(make_app, provider, clock):
    app = make_app(SESSION_IDLE_MINUTES="5")
    web = sign_in(app, provider)
    clock.advance(timedelta(minutes=6))
    assert _signed_out(web.get("/clients/"))


def test_deactivation_ends_the_session_at_once(app, admin, provider):
    theirs = sign_in(app, provider)
    copied = _session_cookie(theirs)
    assert theirs.get("/clients/").status_code == 200
    sign_in(app, admin).post(f"/admin/staff/{provider.id}/deactivate")
    assert _signed_out(theirs.get("/clients/"))
    (row,) = _rows(provider)
    assert row.ended_reason == "deactivated"
    # Reactivated, the old cookie still opens nothing.
    sign_in(app, admin).post(f"/admin/staff/{provider.id}/reactivate")
    again = app.test_client()
    again.set_cookie("session", copied)
    assert _signed_out(again.get("/clients/"))


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, provider):
    laptop, phone = sign_in(app, provider), sign_in(app, provider)
    copied = _session_cookie(laptop)
    new = "a brand new phrase"
    changed = laptop.post("/password", data={"current": PASSWORD, "new": new, "confirm": new})
    assert changed.status_code == 302
    assert laptop.get("/clients/").status_code == 200
    assert _signed_out(phone.get("/clients/"))
    reasons = sorted(row.ended_reason or "open" for row in _rows(provider))
    assert reasons == ["open", "password_changed"]
    # The laptop's session goes on, but it still ends at sign-out.
    assert _signed_out(laptop.post("/logout"))
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert _signed_out(thief.get("/clients/"))


def test_an_admin_reset_ends_every_session(app, admin, provider):
    browsers = [sign_in(app, provider), sign_in(app, provider)]
    sign_in(app, admin).post(f"/admin/staff/{provider.id}/password", data={"password": ""})
    for web in browsers:
        assert _signed_out(web.get("/clients/"))
    assert {row.ended_reason for row in _rows(provider)} == {"password_reset"}
