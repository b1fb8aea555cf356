"""The staff pages in a real browser: Playwright driving Debian's chromium, headless.

A provider signs in, adds a client (after a rejected phone number), reads the
welcome text in the phone simulator and replies HELP and STOP as the client;
then, with JavaScript off, writes a relapse-prevention plan: adds items, has
an indiscreet "OK to text" line refused, reorders, and saves.
The app is served over HTTP by werkzeug in a thread, with CSRF on, exactly as
a browser meets it. Screenshots for the README go to docs/screenshots/.

Needs /usr/bin/chromium: without it the test skips, or fails when
REQUIRE_BROWSER=1. ``playwright install`` is never needed.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from companion import create_app
from companion.clock import FrozenClock
from companion.extensions import db
from companion.runtime import tick
from companion.services.demo import load_bare_demo as load_demo

from helpers import MONDAY_9AM, REQUIRE_BROWSER, base_env

try:
    from playwright.sync_api import Browser, Locator, Page, expect
except ImportError:  # pragma: no cover - playwright is a dev dependency
    if REQUIRE_BROWSER:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 375, "height": 812}
PASSWORD = "browser-test-password"
PROVIDER_EMAIL = "provider@demo.invalid"

pytestmark = pytest.mark.browser


@dataclass
class LiveServer:
    app: Flask
    url: str
    clock: FrozenClock  # what the served app reads as now; the test moves it

    def tick(self) -> None:
        """One worker pass on the served app's database, as `flask worker` would run it."""
        with self.app.app_context():
            tick(self.clock.now())
            db.session.remove()


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "companion.sqlite3"
    shutil.copy(sqlite_template, path)
    clock = FrozenClock(MONDAY_9AM)
    app = create_app(base_env(f"sqlite:///{path}", WTF_CSRF_ENABLED="1"), clock=clock)
    with app.app_context():
        load_demo(db.session, PASSWORD, clock.now())
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", clock=clock)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    """A page with JavaScript off: the staff pages must not need it."""
    context = browser.new_context(viewport=DESKTOP, locale="en-US", java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def texts_fact(page: Page) -> Locator:
    """The value shown next to "Texts" on the client page."""
    return page.locator("dl.facts dt", has_text=re.compile(r"^Texts$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def test_sign_in_add_client_and_reply_in_the_phone_simulator(
    page: Page, live_server: LiveServer
) -> None:
    expect.set_options(timeout=15_000)

    # -- sign in ---------------------------------------------------------------
    page.goto(f"{live_server.url}/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "sign-in")
    page.get_by_label("Email").fill(PROVIDER_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # A provider lands on today's work, then opens the caseload.
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    shot(page, "today")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    expect(page.get_by_role("link", name="Marcus")).to_be_visible()  # the demo caseload
    shot(page, "clients")

    # -- add a client: a bad phone number first --------------------------------
    page.get_by_role("link", name="Add a client").click()
    expect(page.get_by_role("heading", name="Add a client")).to_be_visible()
    name = page.get_by_label("First name or alias")
    phone = page.get_by_label("Mobile number")
    timezone = page.get_by_label("Time zone")
    name.fill("Rosa")
    phone.fill("12345")
    timezone.fill("America/New_York")
    # The whole day, so the welcome goes out whatever the hour the test runs.
    page.get_by_label("Texts from").fill("00:00")
    page.get_by_label("Texts until").fill("23:59")
    page.get_by_role("button", name="Add client").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    # The error is in words, beside the phone field and tied to it for screen readers.
    phone_field = page.locator(".field", has=page.get_by_label("Mobile number"))
    expect(phone_field.locator(".error")).to_have_text(
        re.compile(r"^That is not a phone number we can text\.")
    )
    expect(phone).to_have_accessible_description(re.compile("not a phone number we can text"))
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    # Nothing typed was lost.
    expect(name).to_have_value("Rosa")
    expect(timezone).to_have_value("America/New_York")
    expect(phone).to_have_value("12345")
    expect(page.get_by_label("Texts from")).to_have_value("00:00")

    # -- fix it, give consent, save ----------------------------------------------
    phone.fill("(213) 555-0150")
    page.get_by_label("The client agreed to receive texts").check()
    page.get_by_role("button", name="Add client").click()

    expect(page.get_by_role("heading", name="Rosa")).to_be_visible()
    # Added, and warned that she has no check-in topics yet (a second status line).
    expect(page.get_by_role("status").first).to_have_text("Rosa was added.")
    expect(texts_fact(page)).to_have_text("opted in")

    # -- the phone simulator ----------------------------------------------------
    page.get_by_role("link", name="Open in phone simulator").click()
    expect(page.get_by_role("heading", name="Rosa's phone")).to_be_visible()
    expect(page.get_by_text("No texts yet.")).to_be_visible()  # queued, not sent

    live_server.tick()
    page.reload()
    conversation = page.get_by_role("region", name="Conversation")
    outgoing = conversation.locator("li.bubble.out")
    incoming = conversation.locator("li.bubble.in")
    expect(outgoing.filter(has_text="Hi Rosa, this is your care team")).to_be_visible()

    reply = page.get_by_label("Reply as the client")
    reply.fill("HELP")
    page.get_by_role("button", name="Send").click()
    expect(incoming.filter(has_text="HELP")).to_be_visible()
    expect(outgoing.filter(has_text="911")).to_be_visible()
    expect(reply).to_have_value("")

    reply.fill("STOP")
    page.get_by_role("button", name="Send").click()
    expect(incoming.filter(has_text="STOP")).to_be_visible()
    expect(outgoing.filter(has_text="no more texts")).to_be_visible()
    expect(outgoing).to_have_count(4)  # welcome, who sees the answers, help, opt-out confirmation
    shot(page, "simulator")

    page.set_viewport_size(MOBILE)
    shot(page, "simulator-mobile", full_page=True)
    page.set_viewport_size(DESKTOP)

    # -- back on the client page -------------------------------------------------
    page.get_by_role("link", name="Client page").click()
    expect(page.get_by_role("heading", name="Rosa")).to_be_visible()
    expect(texts_fact(page)).to_have_text("opted out")
    shot(page, "client")


def test_plan_editor_grows_reorders_and_saves_without_javascript(
    no_js_page: Page, live_server: LiveServer
) -> None:
    """The plan's lists are plain submit buttons: they work with JavaScript off."""
    expect.set_options(timeout=15_000)
    page = no_js_page
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(PROVIDER_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Marcus").click()
    page.get_by_role("link", name="Relapse-prevention plan").click()
    expect(page.get_by_text("Marcus has no plan yet.")).to_be_visible()
    page.get_by_role("link", name="Write the plan").click()
    expect(page.get_by_role("heading", name="Edit the plan of Marcus")).to_be_visible()

    # Two warning signs, typed one after the other.
    page.get_by_role("button", name="Add warning sign").click()
    expect(page.get_by_role("status")).to_contain_text("Added warning sign 1.")
    page.locator("#warning_signs-0-sign").fill("up late alone online")
    page.locator("#warning_signs-0-response").fill("log off and call Luis")
    page.get_by_role("button", name="Add warning sign").click()
    page.locator("#warning_signs-1-sign").fill("skipping meals")
    page.locator("#warning_signs-1-response").fill("eat something, then walk")
    expect(page.locator("#warning_signs-0-sign")).to_have_value("up late alone online")

    # A thought that would give him away is refused, and nothing is lost.
    page.get_by_role("button", name="Add thinking error").click()
    page.locator("#thinking_errors-0-error").fill("I deserve a break")
    page.locator("#thinking_errors-0-replacement").fill("therapy rules keep me safe")
    page.locator("#thinking_errors-0-ok_to_text").check()
    page.get_by_role("button", name="Save plan", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing you typed was lost")
    replacement = page.locator("#thinking_errors-0-replacement")
    expect(replacement).to_have_attribute("aria-invalid", "true")
    expect(replacement).to_have_accessible_description(re.compile('"therapy" could give'))
    expect(page.locator("#warning_signs-1-sign")).to_have_value("skipping meals")
    shot(page, "plan-editor-error", full_page=True)
    replacement.fill("the rules keep me safe")

    # Reorder: the second sign moves up, with what was typed.
    page.get_by_role("button", name="Move up: warning sign 2").click()
    expect(page.get_by_role("status")).to_contain_text("Moved warning sign 2 up.")
    expect(page.locator("#warning_signs-0-sign")).to_have_value("skipping meals")
    expect(page.locator("#warning_signs-1-sign")).to_have_value("up late alone online")
    expect(page.locator("#thinking_errors-0-replacement")).to_have_value("the rules keep me safe")
    shot(page, "plan-editor", full_page=True)

    page.get_by_role("button", name="Save plan", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Plan saved as version 1.")
    expect(page.get_by_text(re.compile(r"^Version 1 by Dana Reyes on"))).to_be_visible()
    signs = page.locator("section.plan-part", has=page.get_by_role("heading", name="Warning signs"))
    expect(signs.locator("tbody tr").first).to_contain_text("skipping meals")
    expect(
        page.get_by_text("Marcus, from your plan: remember, the rules keep me safe.")
    ).to_be_visible()
    shot(page, "plan", full_page=True)


def test_spanish_pages_and_a_right_to_left_text_preview(
    page: Page, live_server: LiveServer
) -> None:
    """The pages switch to Spanish; a Farsi client's text previews right to left."""
    from companion.models import Client, StaffUser

    with live_server.app.app_context():
        marcus = db.session.scalars(db.select(Client).where(Client.display_name == "Marcus")).one()
        marcus.language = "fa"
        db.session.commit()
        client_id = marcus.id
        assert db.session.scalars(
            db.select(StaffUser).where(StaffUser.email == PROVIDER_EMAIL)
        ).one()
        db.session.remove()
    expect.set_options(timeout=15_000)
    page.goto(f"{live_server.url}/login")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Correo electrónico").fill(PROVIDER_EMAIL)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("link", name="Clientes", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/clients/{client_id}")
    preview = page.locator(".phone-preview .sms")
    expect(preview).to_have_attribute("dir", "rtl")
    expect(preview).to_have_attribute("lang", "fa")
    assert preview.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # Right to left: the text's first word sits at the right edge of its bubble.
    box = preview.bounding_box()
    first = preview.evaluate(
        """el => { const r = document.createRange(); r.setStart(el.firstChild, 0);
                   r.setEnd(el.firstChild, 1); return r.getBoundingClientRect().right; }"""
    )
    assert box is not None and first > box["x"] + box["width"] * 0.8
    shot(page, "client-farsi-preview-es", full_page=True)


ROLE_LOGINS = {
    "provider": PROVIDER_EMAIL,
    "officer": "officer@demo.invalid",
    "admin": "admin@demo.invalid",
    "examiner": "examiner@demo.invalid",
}


def sign_in_as(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_officer_acknowledges_an_alert_and_caseloads_hold_in_the_browser(
    browser: Browser, live_server: LiveServer
) -> None:
    """An officer acknowledges from the alert's page; outside a caseload every role gets 403."""
    from companion.models import Client, Escalation, Role, StaffUser
    from companion.models import Consent as ClientConsent
    from companion.models import RiskLevel as Level
    from companion.services.escalations import open_escalation
    from companion.settings import settings_of

    with live_server.app.app_context():
        now = live_server.clock.now()
        marcus = db.session.scalars(db.select(Client).where(Client.display_name == "Marcus")).one()
        javier = db.session.scalars(db.select(Client).where(Client.display_name == "Javier")).one()
        other = StaffUser(email="other.provider@demo.invalid", name="Other Provider",
                          role=Role.PROVIDER, timezone="America/Los_Angeles",
                          password_hash="x", created_at=now)  # fmt: skip
        db.session.add(other)
        db.session.flush()
        stranger = Client(display_name="Zed", phone="+12135550188", language="en",
                          timezone="America/Los_Angeles", risk_level=Level.II,
                          provider_id=other.id, consent=ClientConsent.OPTED_IN,
                          consent_changed_at=now, created_at=now, updated_at=now)  # fmt: skip
        db.session.add(stranger)
        settings = settings_of(live_server.app).escalation()
        from companion.care.ladder import Reason, Rung

        # Missed check-ins are an adherence matter: the officer's to close under a release.
        from companion.models import Release

        db.session.add(Release(client_id=marcus.id, category="adherence", granted=True,
                               signed_on=now.date(), expires_on=None, recorded_at=now,
                               recorded_by_id=marcus.provider_id, note=""))  # fmt: skip
        alert = open_escalation(db.session, marcus, Reason.MISSED_CHECKINS, now, settings,
                                rung=Rung.OFFICER)  # fmt: skip
        db.session.commit()
        ids = {"marcus": marcus.id, "javier": javier.id, "zed": stranger.id, "alert": alert.id}
        code = alert.code
        db.session.remove()

    expect.set_options(timeout=15_000)
    # Outside the caseload: 403 for everyone but the admin (who sees every client).
    for role, email in ROLE_LOGINS.items():
        context = browser.new_context(viewport=DESKTOP, locale="en-US")
        page = context.new_page()
        sign_in_as(page, live_server.url, email)
        outside = page.goto(f"{live_server.url}/clients/{ids['zed']}")
        assert outside is not None
        assert outside.status == (200 if role == "admin" else 403), role
        if role == "examiner":  # assigned Marcus only
            javier_page = page.goto(f"{live_server.url}/clients/{ids['javier']}")
            assert javier_page is not None and javier_page.status == 403
        context.close()

    # The officer opens the alert from the queue and acknowledges it in one click.
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    sign_in_as(page, live_server.url, ROLE_LOGINS["officer"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name=code).click()
    page.get_by_label("Contacted (or contacting) the client").check()
    page.get_by_label(re.compile(r"^Note")).fill("Called him; he lost his phone charger.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text(code)
    shot(page, "alert-acknowledged", full_page=True)
    context.close()
    with live_server.app.app_context():
        done = db.session.get(Escalation, ids["alert"])
        assert done.status.value == "acknowledged" and done.outcome.value == "contacted"
        assert done.acknowledged_by.email == ROLE_LOGINS["officer"]
        db.session.remove()


def test_a_provider_onboards_a_spanish_speaker_who_answers_a_check_in_that_the_chart_shows(
    page: Page, live_server: LiveServer
) -> None:
    """Onboarding end to end (Spanish texts); the simulator answers; the chart plots it."""
    from datetime import time, timedelta
    from zoneinfo import ZoneInfo

    from companion.models import CheckIn, CheckInStatus, Client

    la = ZoneInfo("America/Los_Angeles")
    tomorrow = (live_server.clock.now().astimezone(la) + timedelta(days=1)).date()

    def at(hour: int, minute: int) -> datetime:
        return datetime.combine(tomorrow, time(hour, minute), la).astimezone(UTC)

    live_server.clock.set(at(9, 0))
    expect.set_options(timeout=15_000)
    sign_in_as(page, live_server.url, PROVIDER_EMAIL)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Guided onboarding").click()

    # 1 profile, 2 language (with the first text previewed in Spanish), 3 consent, 4 risk.
    expect(page.get_by_role("heading", name=re.compile("Step 1 of"))).to_be_visible()
    page.get_by_label("First name or alias").fill("Lucía")
    page.get_by_label("Mobile number").fill("(213) 555-0166")
    page.get_by_label("Time zone").fill("America/Los_Angeles")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Language for texts").select_option("es")
    page.get_by_role("button", name="Update the preview").click()
    preview = page.locator(".phone-preview .sms")
    expect(preview).to_have_attribute("lang", "es")
    expect(preview).to_contain_text("Hola, Lucía")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("li[aria-current=step]")).to_contain_text("Consent")
    page.get_by_label(re.compile("The client agreed to receive texts")).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Risk level (Static-99R)").select_option("IVa")
    page.get_by_role("button", name="Next").click()
    # 5 check-in topics: only urges (the question she answers below)
    topics = page.get_by_role("group", name="Check-in topics")
    for box in topics.get_by_role("checkbox").all():
        box.uncheck()
    page.locator("#topic-urges").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # the plan is written after finishing
    page.get_by_role("button", name="Finish").click()  # no first appointment
    expect(page.get_by_role("status")).to_contain_text("The welcome text went out.")
    expect(page.get_by_role("heading", name="Lucía")).to_be_visible()
    shot(page, "onboarded", full_page=True)

    # Tomorrow at 10:00 her first check-in goes out (asking about urges, in Spanish).
    with live_server.app.app_context():
        lucia = db.session.scalars(db.select(Client).where(Client.display_name == "Lucía")).one()
        assert lucia.language == "es" and lucia.consent.value == "opted_in"
        assert lucia.checkin_topics == ["urges"]
        client_id = lucia.id
        tick(at(9, 30))  # the worker plans the day
        tick(at(10, 1))  # and sends the 10:00 question
        db.session.remove()

    # She answers in the phone simulator (an hour on: the provider signs in again).
    live_server.clock.set(at(10, 3))
    sign_in_as(page, live_server.url, PROVIDER_EMAIL)
    page.goto(f"{live_server.url}/simulator/{client_id}")
    expect(page.get_by_text(re.compile("Lucía, una pregunta"))).to_be_visible()
    page.get_by_label("Reply as the client").fill("7")
    page.get_by_role("button", name="Send").click()
    with live_server.app.app_context():
        [answered] = db.session.scalars(
            db.select(CheckIn).where(CheckIn.client_id == client_id)
        ).all()[:1]
        assert answered.status == CheckInStatus.ANSWERED and answered.answer_value == "7"
        db.session.remove()

    # Her page charts the answer.
    live_server.clock.set(at(10, 5))
    page.emulate_media(reduced_motion="reduce")  # drawn at once: the screenshot shows the point
    page.goto(f"{live_server.url}/clients/{client_id}")
    expect(page.locator(".chart canvas").first).to_be_visible()
    plotted = page.locator(".chart canvas").first.evaluate(
        """c => Chart.getChart(c).data.datasets.flatMap(
               d => d.data.map(p => (p !== null && typeof p === 'object') ? p.y : p))"""
    )
    assert 7 in plotted
    shot(page, "client-chart", full_page=True)
