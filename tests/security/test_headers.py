"""Fault 8 of issue 12 (build item 7): the security headers.

Every staff page used to go out without a Content-Security-Policy, HSTS, Permissions-Policy
or ``Cache-Control: no-store``: an injected script would have run, and client data stayed
in the browser's cache, where the next person at a shared computer could page back to it.
Now (companion/web/headers.py) every GET page of the URL map carries a strict policy with no
'unsafe-inline' and is never stored; static files keep their normal caching; production adds
HSTS. In chromium, the main pages raise no policy violation, the charts still draw and the
report's Print button still prints.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, url_for
from werkzeug.serving import make_server

from companion import create_app
from companion.care.ladder import Reason
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import CheckInStatus, Role, StaffUser
from companion.runtime import escalation_settings
from companion.services.escalations import open_escalation
from companion.web.headers import CONTENT_SECURITY_POLICY

from factories import (
    AppointmentFactory,
    CheckInFactory,
    ClientFactory,
    PlanVersionFactory,
    StaffUserFactory,
)
from helpers import MONDAY_9AM, PASSWORD, base_env, post_sms, sign_in

# Endpoints that are no staff page (the static files and the health check are cacheable).
NOT_PAGES = {"static", "health.healthz"}
# Onboarding's first step, by name.
ONBOARDING_STEP = "profile"
# What the policy would refuse in a page: a <style> block, a style= attribute, an on*= handler,
# a javascript: address, a <script> with code in it (a JSON data block is not run, so allowed).
INLINE_CODE = re.compile(
    r"<style|\sstyle=|\son[a-z]+=|javascript:"
    r"|<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")",
    re.IGNORECASE,
)


def _record(provider: StaffUser) -> dict[str, object]:
    """A client of ``provider`` with something on every page; the ids the URL map asks for."""
    now = MONDAY_9AM
    client = ClientFactory(provider=provider, display_name="Ana", phone="+12135550150",
                           checkin_topics=["stress", "substances"])  # fmt: skip
    PlanVersionFactory(client=client, created_by_id=provider.id)
    for days, topic, value in ((9, "stress", 6), (8, "substances", "no"), (2, "stress", 3)):
        due = now - timedelta(days=days)
        CheckInFactory(client=client, topic=topic, due_at=due, status=CheckInStatus.ANSWERED,
                       answer_value=value, answer_text=str(value),
                       answered_at=due + timedelta(minutes=20))  # fmt: skip
    CheckInFactory(client=client, due_at=now - timedelta(days=1), status=CheckInStatus.MISSED)
    appointment = AppointmentFactory(client=client, created_by_id=provider.id)
    alert = open_escalation(db.session, client, Reason.MISSED_CHECKINS, now,
                            escalation_settings())  # fmt: skip
    assert alert is not None
    db.session.commit()
    return {
        "client_id": client.id,
        "appointment_id": appointment.id,
        "number": 1,  # the plan's version
        "escalation_id": alert.id,
        "staff_id": provider.id,
        "name": ONBOARDING_STEP,
    }


def _staff_pages(app: Flask, ids: dict[str, object]) -> list[str]:
    """The address of every GET route but the static files and the health check."""
    addresses = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGES:
                continue
            missing = set(rule.arguments) - set(ids)
            assert not missing, f"{rule.rule}: give {missing} a real value in _record()"
            addresses.append(url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments}))
    return addresses


def _assert_protected(response, where: str) -> None:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert policy == CONTENT_SECURITY_POLICY, where
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy, where
    assert headers.get("Cache-Control") == "no-store", where
    assert headers.get("Pragma") == "no-cache", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    assert "geolocation=()" in headers["Permissions-Policy"], where
    assert headers.get("X-Content-Type-Options") == "nosniff", where


def test_every_staff_page_has_a_strict_policy_and_is_never_stored(app, staff):
    provider = staff("provider", name="Dana Provider")
    admin = staff("admin", name="Ada Admin")
    ids = _record(provider)
    pages = _staff_pages(app, ids)
    assert f"/clients/{ids['client_id']}/report.csv" in pages and "/admin/audit" in pages

    anonymous = app.test_client()
    as_provider, as_admin = sign_in(app, provider), sign_in(app, admin)
    opened = 0
    for address in pages:
        _assert_protected(anonymous.get(address), f"{address} signed out")
        response = as_provider.get(address)
        if response.status_code == 403:  # an admin page: the admin opens it
            response = as_admin.get(address)
        # 403 only if neither role may open it (the page is then refused, with the headers).
        assert response.status_code in (200, 302, 403), f"{address}: {response.status_code}"
        _assert_protected(response, address)
        if response.mimetype == "text/html":
            inline = INLINE_CODE.findall(response.get_data(as_text=True))
            assert not inline, f"{address} has inline code the policy refuses: {inline}"
        opened += response.status_code == 200
    assert opened >= 25  # of 34 today: pages with client data, not only redirects

    # Error pages too (they show the top bar with the staff member's name).
    _assert_protected(as_provider.get("/clients/999999"), "a missing client")
    _assert_protected(as_provider.get("/no-such-page"), "an unknown address")


def test_static_files_keep_their_caching(app):
    web = app.test_client()
    for name in ("companion.css", "charts.js", "print.js", "vendor/chart.js/chart.umd.min.js"):
        response = web.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert "no-store" not in response.headers.get("Cache-Control", ""), name
        assert "Pragma" not in response.headers, name
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()


def test_twilio_webhook_answers_carry_the_headers(twilio_app, fake_twilio, make_client):
    make_client(phone="+12135550151")
    response = post_sms(twilio_app, fake_twilio, "+12135550151", "HELP")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_in_production_only(make_app):
    development = make_app(COMPANION_ENV="development")
    testing = make_app()
    production = make_app(COMPANION_ENV="production")
    for app in (development, testing):
        for address in ("/login", "/static/companion.css", "/healthz"):
            assert "Strict-Transport-Security" not in app.test_client().get(address).headers
    for address in ("/login", "/static/companion.css", "/healthz"):
        response = production.test_client().get(address, base_url="https://companion.test")
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        ), address


# -- in chromium: no violation on the main pages; the chart and the Print button work -------


@pytest.fixture
def served(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    """The app served over HTTP with CSRF on, a provider and a client with a record."""
    path = tmp_path / "companion.sqlite3"
    shutil.copy(sqlite_template, path)
    app = create_app(base_env(f"sqlite:///{path}", WTF_CSRF_ENABLED="1"),
                     clock=FrozenClock(MONDAY_9AM))  # fmt: skip
    with app.app_context():
        provider = StaffUserFactory(role=Role.PROVIDER, email="dana@example.test", name="Dana")
        ids = _record(provider)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="headers-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


# Before any page script: record policy violations, and stand in for the print dialog.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""

MAIN_PAGES = {
    "home": "/today",
    "client list": "/clients/",
    "client": "/clients/{client_id}",
    "plan editor": "/clients/{client_id}/plan/edit",
    "schedule": "/clients/{client_id}/schedule",
    "alerts": "/escalations",
    "alert": "/escalations/{escalation_id}",
    "report": "/clients/{client_id}/report",
}


@pytest.mark.browser
def test_the_main_pages_run_under_the_policy_in_a_browser(served, browser) -> None:
    from playwright.sync_api import expect

    url, ids = served
    context = browser.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))

    page.goto(f"{url}/login")
    page.get_by_label("Email").fill("dana@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    for name, address in MAIN_PAGES.items():
        response = page.goto(url + address.format(**ids))
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("load")
        if name == "client":  # Chart.js draws on its canvases (and styles them from script)
            expect(page.locator(".chart canvas")).to_have_count(3)
            drawn = page.locator(".chart canvas").evaluate_all(
                "cs => cs.every(c => window.Chart.getChart(c) && c.width > 0)"
            )
            assert drawn
        if name == "report":
            page.get_by_role("button", name="Print").click()
            assert page.evaluate("window.__printed") == 1
        assert page.evaluate("window.__violations") == [], name
        blocked = [t for t in console if "Security Policy" in t or "Permissions-Policy" in t]
        assert blocked == [], f"{name}: {blocked}"

    # The policy is enforced, not only sent: injected inline code neither runs nor styles.
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img id="bait" src="/no-such-image" onerror="window.__ran = 1">'
            + '<p id="styled" style="color: rgb(255, 0, 0)">x</p>')"""
    )
    page.wait_for_function("window.__violations.length >= 2")
    assert page.evaluate("window.__ran") is None
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != (
        "rgb(255, 0, 0)"
    )
    assert any("Content Security Policy" in t for t in console)
    context.close()
