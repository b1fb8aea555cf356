"""Escaped output: markup and template syntax typed by staff or texted by a client are shown
as text on every page that shows them, never run and never evaluated.

The client's name, plan lines, appointment place, task note and inbound text all carry
a script tag, an attribute break-out and ``{{7*7}}``. Other probes: tests/test_web.py
(name), tests/test_web_care.py (plan, tasks), tests/test_team_views.py (timeline),
tests/test_web_escalations.py (acknowledgement note).
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from companion.extensions import db
from companion.messaging.compose import render

from helpers import OFFICER_PHONE, PROVIDER_PHONE, sign_in
from probe_world import Caseload, caseload

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
TEMPLATE = "x{{7*7}}x"  # evaluated, it would read x49x
PAYLOAD = f"{SCRIPT} {BREAKOUT} {TEMPLATE}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_BREAKOUT = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"
# A name holds at most 60 characters: the page walk runs once with each.
NAMES = (f"Ana {SCRIPT} {TEMPLATE}", f"A{BREAKOUT}{TEMPLATE}")


class ActiveParts(HTMLParser):
    """What a browser would run: inline script text and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handlers += [
            (tag, name, value or "") for name, value in attrs if name.startswith("on")
        ]
        # A JSON data island (``|tojson``) is data, not code: the browser never runs it.
        self._in_script = tag == "script" and dict(attrs).get("type") != "application/json"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


@pytest.fixture
def team(app) -> Caseload:
    return caseload(
        "a",
        (PROVIDER_PHONE, OFFICER_PHONE, "+12135550186"),
        "+12135550120",
        name=NAMES[0],
        words=PAYLOAD,
    )


def pages(team: Caseload) -> dict[str, list[str]]:
    """Every page that shows the client's name or words, by who opens it."""
    c, base = team.client.id, f"/clients/{team.client.id}"
    return {
        "provider": [
            "/",
            "/today",
            "/clients/",
            base,
            f"{base}/edit",
            f"{base}/timeline",
            f"{base}/report",
            f"{base}/plan",
            f"{base}/plan/edit",
            f"{base}/plan/versions/1",
            f"{base}/appointments",
            f"{base}/appointments/{team.appointment.id}",
            f"{base}/schedule",
            f"{base}/texts",
            "/escalations",
            f"/escalations/{team.escalation.id}",
            "/tasks",
            f"/simulator/{c}",
        ],
        "officer": ["/", "/assigned", "/clients/", base, f"{base}/timeline", "/escalations"],
        "examiner": [
            "/",
            "/assigned",
            base,
            f"{base}/appointments",
            "/escalations",
            f"/escalations/{team.escalation.id}",
        ],  # fmt: skip
        "admin": [f"/admin/staff/{team.provider.id}/clients"],
    }


def test_markup_and_template_syntax_are_shown_as_text_everywhere(app, team, staff):
    people = {**team.staff, "admin": staff("admin", name="Ada Admin", email="ada@example.test")}
    team.officer.name = f"Olu {PAYLOAD}"  # staff names are shown on client and alert pages
    browsers = {role: sign_in(app, person) for role, person in people.items()}
    for name in NAMES:
        team.client.display_name = name
        db.session.commit()
        for role, urls in pages(team).items():
            for url in urls:
                response = browsers[role].get(url, follow_redirects=True)
                assert response.status_code == 200, (role, url)
                assert_shown_as_text(response.get_data(as_text=True), (name, role, url))


def assert_shown_as_text(html: str, where: tuple[str, ...]) -> None:
    # Shown, as text: the name or the words are on every one of these pages.
    assert ESCAPED_SCRIPT in html or ESCAPED_BREAKOUT in html, where
    assert TEMPLATE in html and "x49x" not in html, where
    # Never as markup.
    assert SCRIPT not in html and "<img src=x" not in html, where
    active = ActiveParts()
    active.feed(html)
    assert not [h for h in active.handlers if "alert(1)" in h[2]], where
    assert not [s for s in active.scripts if "alert(1)" in s], where


def test_what_a_csv_import_echoes_back_is_shown_as_text(app, team):
    """The dry run repeats column names, cells and the file's name: all as text."""
    web = sign_in(app, team.provider)
    # No quote or slash: a browser sends those encoded, and a slash starts a folder name.
    filename = f"<img src=x onerror=alert(1)>{TEMPLATE}.csv"
    bad_header = f"client_phone,kind,date,time,{SCRIPT}{TEMPLATE}\n".encode()
    out = io.StringIO()
    csv.writer(out).writerows([
        ["client_phone", "kind", "date", "time", "location"],
        [f"{SCRIPT}{TEMPLATE}", "individual", "2026-12-01", "10:00", ""],
        [team.client.phone, "individual", "2026-12-02", "10:00", PAYLOAD],
    ])  # fmt: skip
    rows = out.getvalue().encode()
    for content in (bad_header, rows):
        response = web.post("/appointments/import", data={"file": (io.BytesIO(content), filename)})
        html = response.get_data(as_text=True)
        assert SCRIPT not in html and "<img src=x" not in html and "x49x" not in html
        assert ESCAPED_SCRIPT in html and TEMPLATE in html
        if content is rows:
            assert f"&lt;img src=x onerror=alert(1)&gt;{TEMPLATE}.csv" in html
        active = ActiveParts()
        active.feed(html)
        assert not [h for h in active.handlers if "alert(1)" in h[2]]


def test_typed_words_are_not_template_syntax_in_texts():
    """A name or a support contact typed as placeholders reaches the phone as typed."""
    typed = "%(phone)s {phone} {{7*7}} ${phone}"
    body = render(
        "crisis_urge_contact",
        "en",
        {
            "name": typed,
            "contact": typed,
            "contact_phone": "+12135550177",
            "phone": "(213) 555-0100",
        },
    ).body
    assert body.count(typed) == 2 and "49" not in body
