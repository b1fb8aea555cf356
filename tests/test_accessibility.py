"""Accessibility of the main staff pages: axe-core in Debian's chromium, at 1280 and 375 px.

Each demo role (provider, officer, admin, polygraph examiner) signs in and opens the pages
it may open: sign-in, Today, the client list, a client's page, plan, plan editor, risk and
schedule, appointments, release of information, tasks, the alerts queue, an alert's page,
timeline, monthly report, on-call rota, audit log, staff, text languages, understanding, the phone
simulator and every step of the guided onboarding. axe-core (vendored in
tests/vendor/axe-core, see its README) runs on each: any violation of impact "serious" or
"critical" fails, with the rule, the element and the help address. At 375 px wide no page may
scroll sideways, and the keyboard focus must be visible (an outline or a shadow) on each
element Tab reaches first.

The bare demo (``load_bare_demo`` in companion/services/demo/) is filled in so the pages have
something to show: a plan, check-ins, an appointment, a task, an alert, texts both ways, a
release of information.

Needs /usr/bin/chromium: without it the tests skip, or fail when REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_browser import (
    DESKTOP,
    MOBILE,
    PASSWORD,
    REQUIRE_BROWSER,
    LiveServer,
)
from werkzeug.serving import make_server

from companion import create_app
from companion.care.ladder import Reason
from companion.care.plan import normalise as normalise_plan
from companion.clock import FrozenClock
from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    PlanVersion,
    Release,
    StaffUser,
)
from companion.runtime import HOOKS, escalation_settings, tick
from companion.services.demo import load_bare_demo as load_demo
from companion.services.escalations import open_escalation
from companion.services.inbound import receive
from companion.services.release import CONTAINMENT_RELEASE
from companion.web.onboarding.views import STEPS

from helpers import MONDAY_9AM, base_env

try:
    from playwright.sync_api import Browser, Page
except ImportError:  # pragma: no cover - playwright is a dev dependency
    if REQUIRE_BROWSER:
        raise
    pytest.skip("playwright is not installed (pip install -e '.[dev]')", allow_module_level=True)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = AXE.read_text(encoding="utf-8")[:40].split("axe v", 1)[1].split()[0]  # "4.14.1"
BLOCKING = ("serious", "critical")

pytestmark = pytest.mark.browser

LOGINS = {
    "provider": "provider@demo.invalid",
    "officer": "officer@demo.invalid",
    "admin": "admin@demo.invalid",
    "examiner": "examiner@demo.invalid",
}

# name -> address ({client}: the demo client Marcus; {alert}: his open alert).
PAGES = {
    "sign-in": "/login",
    "today": "/today",
    "clients": "/clients/",
    "my clients": "/assigned",
    "add client": "/clients/new",
    "client": "/clients/{client}",
    "plan": "/clients/{client}/plan",
    "plan editor": "/clients/{client}/plan/edit",
    "schedule": "/clients/{client}/schedule",
    "appointments": "/clients/{client}/appointments",
    "tasks": "/tasks",
    "alerts": "/escalations",
    "alert": "/escalations/{alert}",
    "timeline": "/clients/{client}/timeline",
    "report": "/clients/{client}/report",
    "audit log": "/admin/audit",
    "staff": "/admin/staff/",
    "simulator": "/simulator/",
    "phone": "/simulator/{client}",
    "release": "/clients/{client}/release",
    "on call": "/oncall",
    "languages": "/admin/languages/",
    "understanding": "/admin/understanding/",
    "onboarding": "/clients/onboard/profile",
}
_CARE = ["client", "plan", "schedule", "appointments", "timeline", "report"]
_COMMON = ["today", "clients", *_CARE, "release", "tasks", "alerts", "alert", "on call",
           "simulator", "phone"]  # fmt: skip
# What each role may open (everything else is 403 for it, which other tests check).
ROLE_PAGES = {
    "provider": [*_COMMON, "add client", "plan editor"],  # onboarding: its own test below
    "officer": _COMMON,
    # The reduced record only: no plan, schedule, timeline, tasks or texts (docs/roles.md).
    "admin": ["today", "clients", "client", "appointments", "alerts", "alert", "add client",
              "audit log", "staff", "on call", "languages", "understanding"],  # fmt: skip
    "examiner": ["my clients", "client", "appointments", "alerts", "alert"],
}
VISITS = [("anonymous", "sign-in")] + [
    (role, name) for role, names in ROLE_PAGES.items() for name in names
]
WIDTHS = {"1280": DESKTOP, "375": MOBILE}
ONBOARDING_STEPS = [s.name for s in STEPS]

# Known violations in templates this test may not fix, as (page, rule id): none for now.
KNOWN: set[tuple[str, str]] = set()


@dataclass
class Site:
    server: LiveServer
    ids: dict[str, int]

    def url(self, name: str) -> str:
        return self.server.url + PAGES[name].format(**self.ids)


def _fill_in(now: datetime) -> dict[str, int]:
    """Something on every page: a plan, check-ins, an appointment, a task, an alert, texts."""
    marcus = db.session.scalars(db.select(Client).where(Client.display_name == "Marcus")).one()
    provider = db.session.scalars(
        db.select(StaffUser).where(StaffUser.email == LOGINS["provider"])
    ).one()
    content, errors = normalise_plan(
        {
            "warning_signs": [
                {"sign": "staying in bed", "response": "call my brother", "ok_to_text": True},
                {"sign": "skipping meals", "response": "eat, then walk", "need": "health"},
            ],
            "high_risk_situations": [{"situation": "bus station at night", "handling": "avoid"}],
            "thinking_errors": [{"error": "nobody cares", "replacement": "Luis asked"}],
            "coping_strategies": [{"trigger": "bored", "steps": "go to the gym"}],
            "support_contacts": [
                {"name": "Luis", "phone": "(213) 555-0177", "knows_plan": True, "ok_to_text": True}
            ],
            "external_controls": [{"condition": "no internet after 10pm", "source": "officer"}],
            "approach_goals": [{"good": "work", "goal": "keep the job", "next_step": "be on time"}],
            "offense_chain_note": "Clinician-only note.",
        }
    )
    assert errors == {}
    db.session.add(
        PlanVersion(
            client_id=marcus.id,
            version=1,
            content=content,
            created_at=now,
            created_by_id=provider.id,
            review_date=(now + timedelta(days=90)).date(),
        )
    )
    for days, topic, status, value in [
        (6, "stress", CheckInStatus.ANSWERED, 7),
        (5, "connected", CheckInStatus.ANSWERED, 4),
        (4, "stress", CheckInStatus.MISSED, None),
        (3, "people", CheckInStatus.ANSWERED, "no"),
        (2, "stress", CheckInStatus.ANSWERED, 3),
    ]:
        due = now - timedelta(days=days)
        db.session.add(
            CheckIn(
                client_id=marcus.id,
                topic=topic,
                due_at=due,
                status=status,
                closes_at=due + timedelta(hours=6),
                answer_value=value,
                answer_text=None if value is None else str(value),
                answered_at=None if value is None else due + timedelta(minutes=20),
                created_at=due,
            )
        )
    db.session.add(
        Appointment(
            client_id=marcus.id,
            kind=AppointmentKind.POLYGRAPH,
            starts_at=now + timedelta(days=9),
            location="Room 4, 100 Main St",
            status=AppointmentStatus.SCHEDULED,
            revision=1,
            created_by_id=provider.id,
            created_at=now,
            updated_at=now,
        )
    )
    for category in CONTAINMENT_RELEASE:  # the release page's history lists them
        db.session.add(
            Release(client_id=marcus.id, category=category.value, granted=True,
                    signed_on=(now - timedelta(days=30)).date(), expires_on=None,
                    recorded_by_id=provider.id, recorded_at=now - timedelta(days=30),
                    note="Signed at intake.")
        )  # fmt: skip
    settings = escalation_settings()
    alert = open_escalation(
        db.session, marcus, Reason.MISSED_CHECKINS, now, settings, details={"consecutive misses": 2}
    )
    assert alert is not None
    db.session.commit()
    tick(now)  # the welcome texts and the alert go out
    # A reply that answers no question: a task, and a text each way in the timeline.
    receive(
        db.session,
        from_number=marcus.phone,
        to_number="+10000000000",
        body="running late today, sorry",
        now=now + timedelta(minutes=1),
        **HOOKS,
    )
    db.session.commit()
    tick(now + timedelta(minutes=2))
    return {"client": marcus.id, "alert": alert.id}


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app served over HTTP with CSRF on, demo data loaded and filled in (one per module)."""
    path = tmp_path_factory.mktemp("a11y") / "companion.sqlite3"
    shutil.copy(sqlite_template, path)
    clock = FrozenClock(MONDAY_9AM)
    app = create_app(base_env(f"sqlite:///{path}", WTF_CSRF_ENABLED="1"), clock=clock)
    now = clock.now()
    with app.app_context():
        load_demo(db.session, PASSWORD, now)
        ids = _fill_in(now)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="a11y-server", daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        yield Site(LiveServer(app=app, url=url, clock=clock), ids)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, site: Site) -> dict[str, Any]:
    """Each role's cookies after signing in through the form, as a person would."""
    states: dict[str, Any] = {"anonymous": {"cookies": [], "origins": []}}
    for role, email in LOGINS.items():
        context = browser.new_context(viewport=DESKTOP, locale="en-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{site.server.url}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, f"{role} could not sign in"
        states[role] = context.storage_state()
        context.close()
    return states


@pytest.fixture
def open_page(browser: Browser, site: Site, signed_in: dict[str, Any]):
    contexts = []

    def open_(role: str, name: str, width: str) -> Page:
        context = browser.new_context(
            viewport=WIDTHS[width], locale="en-US", storage_state=signed_in[role], bypass_csp=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        response = page.goto(site.url(name))
        assert response is not None and response.status == 200, (
            f"{role} opening {name}: HTTP {response and response.status}"
        )
        if role != "anonymous":
            assert "/login" not in page.url, f"{role} was sent to sign in opening {name}"
        page.wait_for_load_state("load")
        return page

    yield open_
    for context in contexts:
        context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands, every rule axe runs by default."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    impact: n.impact, target: n.target, html: n.html.slice(0, 160),
                    summary: (n.failureSummary || '').slice(0, 300),
                })),
            }));
        }"""
    )


def blocking_of(found: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The violations that fail a page: serious or critical, and not known for it."""
    return [
        v
        for v in found
        if (v["impact"] in BLOCKING or any(n["impact"] in BLOCKING for n in v["nodes"]))
        and (name, v["id"]) not in KNOWN
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        for node in v["nodes"]:
            lines.append(
                f"- {v['id']} ({node['impact'] or v['impact']}): {v['help']}\n"
                f"    element: {json.dumps(node['target'])}  {node['html']}\n"
                f"    {node['summary']}\n"
                f"    help: {v['helpUrl']}"
            )
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("role", "name"), VISITS, ids=[f"{r}-{n}" for r, n in VISITS])
def test_no_serious_accessibility_violations(open_page, role: str, name: str, width: str):
    page = open_page(role, name, width)
    blocking = blocking_of(axe_violations(page), name)
    assert not blocking, (
        f"axe-core {AXE_VERSION}: serious or critical violations on {name!r} "
        f"({PAGES[name]}) as {role} at {width} px:\n{describe(blocking)}"
    )


OVERFLOW = """() => {
    const doc = document.scrollingElement;
    const wide = [];
    if (doc.scrollWidth > innerWidth + 1) {
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            const parent = el.parentElement;
            const outside = parent && parent.getBoundingClientRect().right > innerWidth + 1;
            if (r.right > innerWidth + 1 && r.width > 0 && !outside) {
                const cls = typeof el.className === 'string' && el.className.trim()
                    ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                wide.push(`${el.tagName.toLowerCase()}${cls} right=${Math.round(r.right)}`);
            }
        }
    }
    return {scrollWidth: doc.scrollWidth, innerWidth, wide: wide.slice(0, 10)};
}"""

FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    const shadow = s.boxShadow && s.boxShadow !== 'none';
    return {
        element: el.outerHTML.slice(0, 120),
        visible: Boolean(outline || shadow),
        outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
        shadow: s.boxShadow,
    };
}"""
TABS = 8  # the skip link, the top bar and the first controls of the page


@pytest.mark.parametrize(("role", "name"), VISITS, ids=[f"{r}-{n}" for r, n in VISITS])
def test_phone_width_has_no_sideways_scroll_and_a_visible_focus(open_page, role: str, name: str):
    page = open_page(role, name, "375")
    size = page.evaluate(OVERFLOW)
    assert size["scrollWidth"] <= size["innerWidth"] + 1, (
        f"{name!r} ({PAGES[name]}) as {role} scrolls sideways at 375 px: "
        f"{size['scrollWidth']} px wide; too wide: {size['wide']}"
    )
    reached = []
    for _ in range(TABS):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus is None:
            break
        reached.append(focus)
    assert reached, f"Tab reaches nothing on {name!r}"
    hidden = [f for f in reached if not f["visible"]]
    assert not hidden, f"keyboard focus is invisible on {name!r} as {role}: {hidden}"


def test_the_checker_reports_what_it_should(browser: Browser) -> None:
    """axe-core runs and its findings reach the test: a bare image and an unlabelled field fail."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.set_content(
            '<!doctype html><html lang="en"><title>Bad</title><body><main><h1>Bad</h1>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
            "</main></body></html>"
        )
        found = {v["id"]: v["impact"] for v in axe_violations(page)}
    finally:
        context.close()
    assert found.get("image-alt") == "critical"
    assert found.get("label") == "critical"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_top_bar_says_which_page_is_open(open_page, width: str) -> None:
    page = open_page("provider", "tasks", width)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Tasks").get_attribute("aria-current") == "page"
    assert nav.get_by_role("link", name="Clients").get_attribute("aria-current") is None


FIRST_SCREEN = 667  # px: the smallest phone screen in common use at 375 px wide (iPhone SE)
SUMMARY = """() => ({
    bottom: document.querySelector('section.summary').getBoundingClientRect().bottom,
    folded: [...document.querySelectorAll('details[data-fold]')].map(d => d.open),
    height: document.documentElement.scrollHeight,
})"""


@pytest.mark.parametrize("role", ["provider", "officer"])
def test_the_client_page_summary_fits_a_phones_first_screen(open_page, role: str) -> None:
    """Issue 17: the summary (phone, local time, risk, alerts, next texts) is on the first
    screen of a phone; the sections below start folded there and open on a wide screen."""
    phone = open_page(role, "client", "375").evaluate(SUMMARY)
    assert phone["bottom"] <= FIRST_SCREEN, phone
    assert phone["folded"] and not any(phone["folded"]), phone
    assert phone["height"] < 3 * FIRST_SCREEN, phone  # it was about 14,600 px
    wide = open_page(role, "client", "1280").evaluate(SUMMARY)
    assert wide["folded"] and all(wide["folded"]), wide


@pytest.mark.parametrize("width", WIDTHS)
def test_every_onboarding_step_passes_axe_and_fits_a_phone(open_page, site: Site, width: str):
    """The guided onboarding's steps, one after the other in one tab (the topics step with
    suggested topics and their previewed questions), as the provider who onboards."""
    page = open_page("provider", "onboarding", width)
    problems = []
    for step in ONBOARDING_STEPS:
        page.goto(f"{site.server.url}/clients/onboard/{step}")
        if step == "topics":
            needs = page.get_by_role("group", name=re.compile("Needs to watch"))
            needs.get_by_role("checkbox").first.check()
            page.get_by_role("button", name="Suggest topics from these needs").click()
            page.get_by_role("region", name=re.compile("The questions")).wait_for()
        blocking = blocking_of(axe_violations(page), "onboarding")
        if blocking:
            problems.append(f"step {step!r}:\n{describe(blocking)}")
        size = page.evaluate(OVERFLOW)
        if size["scrollWidth"] > size["innerWidth"] + 1:
            problems.append(f"step {step!r} scrolls sideways: {size}")
    assert not problems, (
        f"axe-core {AXE_VERSION}, onboarding as provider at {width} px:\n" + "\n".join(problems)
    )
