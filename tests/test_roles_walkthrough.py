"""Each role's main task, end to end in Debian's chromium, on the seeded demo, at 1280 and 375 px.

Issue 17: a provider onboards a client and sees the first check-in planned; an officer
acknowledges an alert; a polygraph examiner sees only their clients and their exams; an
admin approves a text language. The demo (``seed-demo``, ``conftest.demo_template``) is
served over HTTP with CSRF on, on the development clock at MONDAY_9AM, one fresh copy per
test, as in tests/test_browser.py.

With SAVE_SCREENSHOTS=1 each step's screen is saved as
``docs/screenshots/<role>-<step>-<width>.png`` (the README shows some): a plain test run
never rewrites tracked files.

Needs /usr/bin/chromium: without it the tests skip, or fail when REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DESKTOP, MOBILE, SCREENSHOTS, LiveServer
from werkzeug.serving import make_server

from companion import create_app
from companion.care.roles import SUPERVISION
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import Appointment, Client, Escalation, EscalationStatus, StaffUser

from helpers import DEMO_PASSWORD, MONDAY_9AM, REQUIRE_BROWSER, base_env

try:
    from playwright.sync_api import Browser, Page, expect
except ImportError:  # pragma: no cover - playwright is a dev dependency
    if REQUIRE_BROWSER:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

pytestmark = pytest.mark.browser

SAVE = os.environ.get("SAVE_SCREENSHOTS") == "1"
WIDTHS = {"1280": DESKTOP, "375": MOBILE}
LOGINS = {
    "provider": "provider@demo.invalid",
    "officer": "officer@demo.invalid",
    "examiner": "examiner@demo.invalid",
    "admin": "admin@demo.invalid",
}


@pytest.fixture
def demo_site(demo_template: Path, tmp_path: Path) -> Iterator[LiveServer]:
    """The seeded demo served over HTTP (a fresh copy: each walkthrough changes it)."""
    path = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, path)
    clock = FrozenClock(MONDAY_9AM)
    app = create_app(base_env(f"sqlite:///{path}", WTF_CSRF_ENABLED="1"), clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="walkthrough", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}", clock=clock)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class Walk:
    """One role's browser at one width; ``step`` checks nothing, it only records the screen."""

    def __init__(self, browser: Browser, site: LiveServer, role: str, width: str) -> None:
        self.site, self.role, self.width = site, role, width
        self.context = browser.new_context(viewport=WIDTHS[width], locale="en-US")
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()

    def step(self, name: str) -> None:
        if SAVE:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOTS / f"{self.role}-{name}-{self.width}.png"
            self.page.screenshot(path=str(path))

    def sign_in(self) -> None:
        page = self.page
        page.goto(f"{self.site.url}/login")
        page.get_by_label("Email").fill(LOGINS[self.role])
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    def nav(self, name: str) -> None:
        """Follow a link of the top bar (on a phone it wraps; it is never hidden)."""
        self.page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=name, exact=True
        ).click()


@pytest.fixture
def walk(browser: Browser, demo_site: LiveServer) -> Iterator:
    walks: list[Walk] = []

    def start(role: str, width: str) -> Walk:
        walks.append(Walk(browser, demo_site, role, width))
        return walks[-1]

    expect.set_options(timeout=15_000)
    yield start
    for w in walks:
        w.context.close()


def _scalar(site: LiveServer, query):
    with site.app.app_context():
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        db.session.remove()
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_a_provider_onboards_a_client_and_sees_the_first_check_in_planned(walk, width: str):
    w = walk("provider", width)
    page = w.page
    w.sign_in()
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    w.step("today")
    w.nav("Clients")
    page.get_by_role("link", name="Guided onboarding").click()

    # 1 profile
    expect(page.get_by_role("heading", name=re.compile("Step 1 of"))).to_be_visible()
    page.get_by_label("First name or alias").fill("Nadia")
    page.get_by_label("Mobile number").fill("(213) 555-0170")
    page.get_by_label("Time zone").fill("America/Los_Angeles")
    w.step("profile")
    page.get_by_role("button", name="Next").click()
    # 2 language (the welcome text previewed), 3 consent, 4 risk
    expect(page.locator(".phone-preview .sms")).to_contain_text("Nadia")
    page.get_by_role("button", name="Next").click()
    page.get_by_label(re.compile("The client agreed to receive texts")).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Risk level (Static-99R)").select_option("III")
    page.get_by_role("button", name="Next").click()
    # 5 check-in topics: suggested from the needs, each question previewed
    expect(page.locator("li[aria-current=step]")).to_contain_text("Check-in topics")
    needs = page.get_by_role("group", name=re.compile("Needs to watch"))
    needs.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Suggest topics from these needs").click()
    questions = page.get_by_role("region", name=re.compile("The questions"))
    expect(questions.locator(".sms").first).to_be_visible()
    questions.scroll_into_view_if_needed()  # the screenshot shows the previewed questions
    w.step("topics")
    page.get_by_role("button", name="Next").click()
    # 6 plan (written afterwards), 7 first appointment (optional): finish
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("status")).to_contain_text("The welcome text went out.")
    expect(page.get_by_role("heading", name="Nadia")).to_be_visible()
    w.step("client")

    # The worker's next pass plans her first check-in: the summary shows when it goes out.
    w.site.tick()
    page.reload()
    summary = page.get_by_role("region", name="Summary")
    next_texts = summary.locator("dt", has_text="Next texts").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(next_texts).to_contain_text("Check-in question")
    w.step("first-check-in")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_officer_acknowledges_an_alert(walk, width: str):
    w = walk("officer", width)
    page = w.page
    w.sign_in()
    w.step("today")
    w.nav("Alerts")
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
    w.step("alerts")
    # An open alert on a supervision matter (the officer's to close), picked from the queue.
    [officer] = _scalar(w.site, db.select(StaffUser).where(StaffUser.email == LOGINS["officer"]))
    theirs = _scalar(
        w.site,
        db.select(Escalation)
        .join(Client, Escalation.client_id == Client.id)
        .where(Client.officer_id == officer.id, Escalation.status == EscalationStatus.OPEN)
        .order_by(Escalation.id),
    )
    alert = next(e for e in theirs if e.reason in SUPERVISION)
    page.get_by_role("link", name=alert.code, exact=True).first.click()
    code = alert.code
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    expect(page.locator("a[href^='tel:']").first).to_be_visible()  # the client's phone
    w.step("alert")
    page.get_by_label("Contacted (or contacting) the client").check()
    page.get_by_label(re.compile(r"^Note")).fill("Called him; all well.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text(code)
    w.step("acknowledged")
    [done] = _scalar(w.site, db.select(Escalation).where(Escalation.id == alert.id))
    assert done.status == EscalationStatus.ACKNOWLEDGED


@pytest.mark.parametrize("width", WIDTHS)
def test_an_examiner_sees_only_their_clients_and_exams(walk, width: str):
    w = walk("examiner", width)
    page = w.page
    [examiner] = _scalar(w.site, db.select(StaffUser).where(StaffUser.email == LOGINS["examiner"]))
    theirs = _scalar(w.site, db.select(Client).where(Client.examiner_id == examiner.id))
    others = _scalar(
        w.site,
        db.select(Client).where((Client.examiner_id != examiner.id) | Client.examiner_id.is_(None)),
    )
    assert theirs and others
    w.sign_in()
    # Their home is their clients: these, and nobody else.
    expect(page.get_by_role("heading", name="My clients")).to_be_visible()
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(len(theirs))
    for client in theirs:
        expect(rows.get_by_role("link", name=client.display_name, exact=True)).to_be_visible()
    w.step("clients")
    first = theirs[0]
    page.get_by_role("link", name=first.display_name, exact=True).click()
    expect(page.get_by_role("heading", name=first.display_name)).to_be_visible()
    expect(page.get_by_role("link", name="Relapse-prevention plan")).to_have_count(0)
    w.step("client")
    page.get_by_role("navigation", name="Care").get_by_role("link", name="Appointments").click()
    # Only polygraph examinations, though the client has appointments of every kind.
    kinds = {
        a.kind.value
        for a in _scalar(w.site, db.select(Appointment).where(Appointment.client_id == first.id))
    }
    assert len(kinds) > 1, kinds
    listed = page.locator("main table tbody tr")
    expect(listed.first).to_be_visible()
    for text in listed.all_inner_texts():
        assert "polygraph" in text.lower(), text
    w.step("exams")
    # Anyone else's page is refused.
    refused = page.goto(f"{w.site.url}/clients/{others[0].id}")
    assert refused is not None and refused.status == 403


@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_approves_a_language(walk, width: str):
    w = walk("admin", width)
    page = w.page
    w.sign_in()
    w.step("today")
    w.nav("Languages")
    expect(page.get_by_role("heading", name="Text languages")).to_be_visible()
    w.step("languages")
    row = (
        page.locator("main tbody tr")
        .filter(has=page.get_by_role("button", name="Approve for sending"))
        .first
    )
    name = row.locator("th").inner_text().split(" (")[0].strip()
    row.get_by_label("Note (who reviewed it, what was checked)").fill(
        "Reviewed by the county's certified translator."
    )
    row.get_by_role("button", name="Approve for sending").click()
    expect(page.get_by_role("status")).to_have_text(f"{name} is approved for sending.")
    approved = page.locator("main tbody tr").filter(has_text=name)
    expect(approved.get_by_role("button", name="Withdraw approval")).to_be_visible()
    w.step("approved")
