"""The client page's check-in charts and the page of every text a client can get."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from companion.care.plan import normalise as normalise_plan
from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Message,
    Status,
)
from companion.runtime import send_now

from factories import PlanVersionFactory
from helpers import MONDAY_9AM, sign_in

STATIC = Path(__file__).resolve().parents[1] / "companion" / "web" / "static"
STAFF_PHONE = "+12135550142"


def check_in(client, due, topic, status=CheckInStatus.ANSWERED, value=None):
    db.session.add(
        CheckIn(
            client_id=client.id,
            topic=topic,
            due_at=due,
            closes_at=due + timedelta(hours=6),
            status=status,
            answer_value=value,
            answer_text=None if value is None else str(value),
            created_at=due,
        )
    )


def chart_data(page: str) -> dict:
    found = re.search(
        r'<script type="application/json" id="checkin-chart-data">(.*?)</script>', page, re.S
    )
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def section(page: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by ``heading_id``."""
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start : page.index("</section>", start)]


def cells(table_html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", table_html, re.S)
    found = [
        [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td>(.*?)</td>", r)]
        for r in rows
    ]
    return [row for row in found if row]  # not the header


# -- charts ------------------------------------------------------------------------------


def test_the_client_page_charts_answers_and_weekly_adherence_with_tables(
    app, provider, make_client
):
    client = make_client(checkin_topics=["stress", "substances", "coping"])
    # Last week (Mon 16 Nov, Los Angeles): a rating, a yes, a choice, a miss.
    check_in(client, datetime(2026, 11, 16, 18, tzinfo=UTC), "stress", value="7")
    check_in(client, datetime(2026, 11, 17, 18, tzinfo=UTC), "substances", value="yes")
    check_in(client, datetime(2026, 11, 18, 18, tzinfo=UTC), "coping", value="B")
    check_in(client, datetime(2026, 11, 19, 18, tzinfo=UTC), "stress", CheckInStatus.MISSED)
    # Withdrawn (a pause) and still open: neither counts against the client.
    check_in(client, datetime(2026, 11, 20, 18, tzinfo=UTC), "stress", CheckInStatus.WITHDRAWN)
    check_in(client, datetime(2026, 11, 23, 16, tzinfo=UTC), "stress", CheckInStatus.OPEN)
    # The week before: one answered "no", one rating; and one far too old to show.
    check_in(client, datetime(2026, 11, 10, 18, tzinfo=UTC), "substances", value="no")
    check_in(client, datetime(2026, 11, 11, 18, tzinfo=UTC), "stress", value=3)
    check_in(client, datetime(2026, 6, 1, 18, tzinfo=UTC), "stress", value="9")
    db.session.commit()

    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    charts = section(page, "h-charts")

    # Without JavaScript: the answers and the weeks as tables with captions, open.
    assert "<caption>Check-in answers by topic, oldest first</caption>" in charts
    assert '<details class="chart-table" open>' in charts
    answers_table = charts[charts.index("Check-in answers by topic") :]
    answers_table = answers_table[: answers_table.index("</table>")]
    assert cells(answers_table) == [
        ["Tue 10 Nov 2026, 10:00 PST", "substances (substance use)", "no"],
        ["Wed 11 Nov 2026, 10:00 PST", "stress (negative mood)", "3"],
        ["Mon 16 Nov 2026, 10:00 PST", "stress (negative mood)", "7"],
        ["Tue 17 Nov 2026, 10:00 PST", "substances (substance use)", "yes"],
        ["Wed 18 Nov 2026, 10:00 PST", "coping (coping used)", "B"],
    ]
    weeks_table = charts[charts.index("<caption>Check-ins answered per week") :]
    weeks = cells(weeks_table[: weeks_table.index("</table>")])
    assert len(weeks) == 12
    assert weeks[-3:] == [
        ["Nov 9, 2026", "2", "0", "100%"],
        ["Nov 16, 2026", "3", "1", "75%"],
        ["Nov 23, 2026", "0", "0", "—"],
    ]
    assert "Withdrawn check-ins" in charts

    # With JavaScript: the same numbers as JSON, and our script with the vendored Chart.js.
    data = chart_data(page)
    assert data["zone"] == "America/Los_Angeles"
    ms = lambda d: int(d.timestamp() * 1000)  # noqa: E731
    assert data["ratings"] == [
        {
            "label": "stress (negative mood)",
            "points": [
                {"x": ms(datetime(2026, 11, 11, 18, tzinfo=UTC)), "y": 3},
                {"x": ms(datetime(2026, 11, 16, 18, tzinfo=UTC)), "y": 7},
            ],
        }
    ]
    assert data["yesNo"] == [
        {
            "label": "substances (substance use)",
            "points": [
                {"x": ms(datetime(2026, 11, 10, 18, tzinfo=UTC)), "y": 0},
                {"x": ms(datetime(2026, 11, 17, 18, tzinfo=UTC)), "y": 1},
            ],
        }
    ]
    assert [w["percent"] for w in data["weeks"][-3:]] == [100, 75, None]
    assert data["weeks"][-2]["note"] == "3 of 4 answered"
    assert 'src="/static/vendor/chart.js/chart.umd.min.js" defer' in page
    assert 'src="/static/charts.js" defer' in page
    for name in ("ratings", "yes-no", "adherence"):
        assert f'data-chart="{name}"' in charts
    # No inline script besides the JSON data.
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", page)


def test_the_chart_data_is_in_the_staff_members_language(app, provider, make_client):
    client = make_client(checkin_topics=["stress"])
    check_in(client, datetime(2026, 11, 16, 18, tzinfo=UTC), "stress", value="4")
    db.session.commit()
    web = sign_in(app, provider)
    web.post("/language", data={"language": "es", "next": "/"})
    page = web.get(f"/clients/{client.id}").get_data(as_text=True)
    data = chart_data(page)
    assert data["words"]["yes"] == "sí"
    assert data["weeks"][-2]["label"] == "16 nov 2026"


def test_no_check_ins_means_no_charts_and_no_chart_script(app, provider, make_client):
    client = make_client(checkin_topics=["stress"])
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "No check-in answered or missed in the last 12 weeks." in page
    assert "chart.umd.min.js" not in page and "checkin-chart-data" not in page


def test_an_examiner_sees_no_check_in_charts(app, staff, make_client):
    examiner = staff("examiner")
    client = make_client(examiner_id=examiner.id, checkin_topics=["stress"])
    check_in(client, datetime(2026, 11, 16, 18, tzinfo=UTC), "stress", value="4")
    db.session.commit()
    page = sign_in(app, examiner).get(f"/clients/{client.id}").get_data(as_text=True)
    assert "checkin-chart-data" not in page and "Check-ins over time" not in page


def test_chart_js_is_vendored_with_its_licence_and_version(app):
    folder = STATIC / "vendor" / "chart.js"
    assert "Chart.js v4." in (folder / "chart.umd.min.js").read_text()[:200]
    assert "MIT License" in (folder / "LICENSE.md").read_text()
    assert "4.6.1" in (folder / "README.md").read_text()
    web = app.test_client()
    assert web.get("/static/vendor/chart.js/chart.umd.min.js").status_code == 200
    assert web.get("/static/charts.js").status_code == 200


# -- previews ----------------------------------------------------------------------------


def with_plan(client):
    content, errors = normalise_plan(
        {
            "warning_signs": [
                {"sign": "staying in bed", "response": "call my brother", "ok_to_text": True}
            ],
            "support_contacts": [{"name": "Luis", "phone": "(213) 555-0177", "ok_to_text": True}],
        }
    )
    assert errors == {}
    PlanVersionFactory(client=client, content=content)
    return content


def bubble(page: str, key: str) -> str:
    start = page.index(f'id="text-{key}"')
    return page[start : page.index("</article>", start)]


def test_every_text_shows_as_the_phone_would_in_the_clients_language(
    app, provider, make_client
):
    client = make_client(language="fa", checkin_topics=["stress", "people", "coping"])
    content = with_plan(client)
    page = sign_in(app, provider).get(f"/clients/{client.id}/texts").get_data(as_text=True)
    phone = "(213) 555-0100"  # the provider's public number, as HELP gives it

    expected = {
        "welcome": render("welcome", "fa", {"name": "Ana", "phone": phone}),
        "help": render("help", "fa", {"phone": phone, "program": "Companion"}),
        "opt_out_confirm": render("opt_out_confirm", "fa", {"phone": phone}),
        "checkin_prompt-stress": render("checkin_prompt", "fa", {"name": "Ana", "topic": "stress"}),
        "checkin_prompt-people": render("checkin_prompt", "fa", {"name": "Ana", "topic": "people"}),
        "checkin_reminder-coping": render(
            "checkin_reminder", "fa", {"name": "Ana", "topic": "coping"}
        ),
        "checkin_nudge": render(
            "checkin_prompt", "fa", {"name": "Ana", "topic": "stress", "nudge": True}
        ),
        "clarify_rating": render("clarify_rating", "fa", {"low": 0, "high": 10}),
        "clarify_yes_no": render("clarify_yes_no", "fa", {}),
        "clarify_choice-coping": render("clarify_choice", "fa", {"choices": "A, B, C"}),
        "appt_day_before": render(
            "appt_day_before",
            "fa",
            # tomorrow at 10:00 in Los Angeles
            {"at": "2026-11-24T18:00:00+00:00", "timezone": "America/Los_Angeles"},
        ),
        "crisis_self_harm": render("crisis_self_harm", "fa", {"name": "Ana"}),
        "crisis_urge": render(
            "crisis_urge_contact",
            "fa",
            {"name": "Ana", "contact": "Luis", "contact_phone": "+12135550177", "phone": phone},
        ),
    }
    line_id = content["warning_signs"][0]["id"]
    expected[f"plan_reminder-{line_id}"] = render(
        "plan_reminder",
        "fa",
        {
            "name": "Ana",
            "line_template": "warning_sign",
            "line_words": {"sign": "staying in bed", "step": "call my brother"},
        },
    )
    for key, rendered in expected.items():
        shown = bubble(page, key)
        assert f'lang="fa" dir="rtl">{html.escape(rendered.body, quote=False)}</p>' in shown, key
        word = "text" if rendered.segments == 1 else "texts"
        assert f"{rendered.segments} {word} ({rendered.encoding})" in shown, key
        assert ">Send me a test</button>" in shown
    # Every kind of text the client can get is there, and nothing meant for staff.
    for key in ("opt_in_confirm", "received", "checkin_thanks", "appt_same_day", "appt_2h",
                "appt_cancelled", "appt_confirmed", "appt_reschedule", "crisis_contact",
                "crisis_threat", "crisis_life_event"):  # fmt: skip
        assert f'id="text-{key}"' in page, key
    assert "staff_alert" not in page and "unknown_sender" not in page
    assert "UCS-2" in page
    assert "Mon 23 Nov 2026" not in page and "Tue 24 Nov 2026, 10:00 PST" in page


def test_a_held_back_language_is_previewed_in_english(make_app, provider, make_client):
    app = make_app(HOLD_UNREVIEWED_LANGUAGES="1")
    client = make_client(language="vi", checkin_topics=["stress"])
    page = sign_in(app, provider).get(f"/clients/{client.id}/texts").get_data(as_text=True)
    assert "Texts go in English until a qualified translator has reviewed" in page
    body = render("checkin_prompt", "en", {"name": "Ana", "topic": "stress"}).body
    assert f'lang="en" dir="ltr">{body}</p>' in bubble(page, "checkin_prompt-stress")


def test_simple_words_are_previewed_and_sent_as_the_client_gets_them(app, staff, make_client):
    me = staff("provider", phone=STAFF_PHONE)
    client = make_client(checkin_topics=["urges"], simple_words=True, provider_id=me.id)
    web = sign_in(app, me)
    page = web.get(f"/clients/{client.id}/texts").get_data(as_text=True)
    expected = render("checkin_prompt", "en", {"name": "Ana", "topic": "urges", "simple": True})
    assert "Send a number" in expected.body
    assert f'lang="en" dir="ltr">{expected.body}</p>' in bubble(page, "checkin_prompt-urges")
    assert "We did not understand. Send one number from 0 to 10." in bubble(page, "clarify_rating")
    web.post(f"/clients/{client.id}/texts/checkin_prompt-urges/test")
    [row] = db.session.scalars(db.select(Message)).all()
    send_now([row.id], MONDAY_9AM)
    db.session.refresh(row)
    assert row.body == expected.body


def test_a_client_without_topics_or_plan_lines_is_told_so(app, provider, make_client):
    client = make_client(checkin_topics=[])
    page = sign_in(app, provider).get(f"/clients/{client.id}/texts").get_data(as_text=True)
    assert "No check-in topics chosen." in page
    assert "plan is marked OK to text." in page
    assert 'id="text-welcome"' in page


def test_the_client_page_links_to_the_previews(app, provider, make_client):
    client = make_client()
    page = sign_in(app, provider).get(f"/clients/{client.id}").get_data(as_text=True)
    assert f'href="/clients/{client.id}/texts"' in page


def test_viewing_the_previews_is_audited_and_caseload_checked(app, staff, provider, make_client):
    client = make_client()
    assert sign_in(app, provider).get(f"/clients/{client.id}/texts").status_code == 200
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "client.viewed")
    ).one()
    assert event.actor_id == provider.id and event.details == {"page": "texts"}

    other = sign_in(app, staff("provider"))
    assert other.get(f"/clients/{client.id}/texts").status_code == 403
    assert other.post(f"/clients/{client.id}/texts/welcome/test").status_code == 403
    examiner = staff("examiner")
    client.examiner_id = examiner.id
    db.session.commit()
    assert sign_in(app, examiner).get(f"/clients/{client.id}/texts").status_code == 403
    assert db.session.scalars(db.select(Message)).all() == []


def test_send_me_a_test_texts_the_preview_to_my_own_phone_once(app, staff, make_client):
    me = staff("provider", phone=STAFF_PHONE, public_phone="+12135550100")
    client = make_client(language="es", checkin_topics=["urges"], provider_id=me.id)
    web = sign_in(app, me)
    page = web.get(f"/clients/{client.id}/texts").get_data(as_text=True)

    first = web.post(f"/clients/{client.id}/texts/checkin_prompt-urges/test")
    assert first.status_code == 302
    back = "/texts?tested=checkin_prompt-urges&outcome=sent#text-checkin_prompt-urges"
    assert first.headers["Location"].endswith(f"/clients/{client.id}{back}")
    # The outcome is shown beside the text that was sent, not at the top of the page.
    after = web.get(first.headers["Location"]).get_data(as_text=True)
    shown = bubble(after, "checkin_prompt-urges")
    assert "A test of this text is on its way to your phone (number ending 0142)." in shown
    again = web.post(f"/clients/{client.id}/texts/checkin_prompt-urges/test", follow_redirects=True)
    shown = bubble(again.get_data(as_text=True), "checkin_prompt-urges")
    assert "That test is already on its way to your phone." in shown

    [row] = db.session.scalars(db.select(Message)).all()
    assert row.staff_user_id == me.id and row.client_id is None
    assert row.kind == "checkin_prompt" and row.params["language"] == "es"
    send_now([row.id], MONDAY_9AM)
    db.session.refresh(row)
    assert row.status in (Status.SENT, Status.DELIVERED) and row.to_number == STAFF_PHONE
    expected = render("checkin_prompt", "es", {"name": "Ana", "topic": "urges"}).body
    assert row.body == expected
    assert html.escape(expected, quote=False) in page

    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "text.test_sent")
    ).one()
    assert event.actor_id == me.id and event.subject_id == client.id
    assert event.details == {
        "kind": "checkin_prompt",
        "template": "checkin_prompt-urges",
        "language": "es",
    }
    assert "555" not in json.dumps(event.details)


def test_a_test_help_text_gives_the_number_the_client_would_get(app, staff, make_client):
    me = staff("provider", phone=STAFF_PHONE, public_phone="+12135550107")
    client = make_client(language="en", provider_id=me.id)
    web = sign_in(app, me)
    response = web.post(f"/clients/{client.id}/texts/help/test", follow_redirects=True)
    shown = bubble(response.get_data(as_text=True), "help")
    assert "is on its way to your phone (number ending 0142)" in shown
    [row] = db.session.scalars(db.select(Message)).all()
    send_now([row.id], MONDAY_9AM)
    db.session.refresh(row)
    assert "(213) 555-0107" in row.body and row.body.startswith("Companion texts from")


def test_a_test_a_minute_later_is_a_new_text(app, staff, make_client, clock):
    me = staff("officer", phone=STAFF_PHONE)
    client = make_client(officer_id=me.id)
    web = sign_in(app, me)
    web.post(f"/clients/{client.id}/texts/welcome/test")
    clock.advance(timedelta(minutes=1))
    web.post(f"/clients/{client.id}/texts/welcome/test")
    assert len(db.session.scalars(db.select(Message)).all()) == 2


def test_send_me_a_test_without_a_phone_is_refused_in_words(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    page = web.get(f"/clients/{client.id}/texts").get_data(as_text=True)
    assert "You have no registered mobile number" in page
    response = web.post(f"/clients/{client.id}/texts/welcome/test", follow_redirects=True)
    shown = bubble(response.get_data(as_text=True), "welcome")
    assert '<p class="flash error" role="alert">You have no registered mobile number' in shown
    assert "no test can be sent to you. Ask an administrator to add yours" in shown
    assert db.session.scalars(db.select(Message)).all() == []
    assert not db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "text.test_sent")
    ).all()


def test_an_unknown_template_is_not_found(app, staff, make_client):
    me = staff("provider", phone=STAFF_PHONE)
    client = make_client(provider_id=me.id, checkin_topics=["stress"])
    web = sign_in(app, me)
    assert web.post(f"/clients/{client.id}/texts/staff_alert/test").status_code == 404
    assert web.post(f"/clients/{client.id}/texts/checkin_prompt-urges/test").status_code == 404
    assert db.session.scalars(db.select(Message)).all() == []


def test_send_me_a_test_needs_the_csrf_token(make_app, staff, make_client):
    app = make_app(WTF_CSRF_ENABLED="1")
    me = staff("provider", phone=STAFF_PHONE)
    client = make_client(provider_id=me.id)
    web = app.test_client()
    login = web.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    web.post("/login", data={"email": me.email, "password": "correct horse battery",
                             "csrf_token": token})  # fmt: skip
    assert web.post(f"/clients/{client.id}/texts/welcome/test").status_code == 400
    assert db.session.scalars(db.select(Message)).all() == []


# -- in a real browser: the charts are drawn, and without JavaScript the tables stay --------


@pytest.fixture
def served(sqlite_template, tmp_path):
    """The app on its own SQLite copy, served over HTTP, with one client's check-ins."""
    import shutil
    import threading

    from werkzeug.serving import make_server

    from companion import create_app
    from companion.clock import FrozenClock
    from companion.models import Client, ClientStatus, Consent, RiskLevel, Role, StaffUser

    from helpers import PASSWORD, base_env

    path = tmp_path / "companion.sqlite3"
    shutil.copy(sqlite_template, path)
    now = MONDAY_9AM
    app = create_app(base_env(f"sqlite:///{path}"), clock=FrozenClock(now))
    with app.app_context():
        me = StaffUser(email="dana@example.test", name="Dana", role=Role.PROVIDER, created_at=now)
        me.set_password(PASSWORD)
        db.session.add(me)
        db.session.flush()
        client = Client(
            display_name="Ana", phone="+12135550150", language="en",
            timezone="America/Los_Angeles", send_window_start=datetime.min.time(),
            send_window_end=datetime.max.time().replace(microsecond=0),
            risk_level=RiskLevel.III, provider_id=me.id, consent=Consent.OPTED_IN,
            status=ClientStatus.ACTIVE, created_at=now, updated_at=now,
            checkin_topics=["stress", "substances"],
        )  # fmt: skip
        db.session.add(client)
        db.session.flush()
        for days, topic, value in ((9, "stress", "6"), (8, "substances", "no"), (2, "stress", "3")):
            check_in(client, now - timedelta(days=days), topic, value=value)
        check_in(client, now - timedelta(days=1), "substances", CheckInStatus.MISSED)
        db.session.commit()
        client_id = client.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", client_id
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False])
def test_the_charts_draw_in_a_browser_and_the_tables_stay_without_javascript(
    served, javascript, browser
):
    url, client_id = served
    from playwright.sync_api import expect

    # Debian's chromium: conftest's browser fixture (fails, not skips, under REQUIRE_BROWSER=1).
    context = browser.new_context(locale="en-US", java_script_enabled=javascript)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{url}/login")
    page.fill("input[name=email]", "dana@example.test")
    page.fill("input[name=password]", "correct horse battery")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.goto(f"{url}/clients/{client_id}")
    tables = page.locator("details.chart-table")
    if javascript:
        expect(page.locator(".chart canvas")).to_have_count(3)
        labels = page.locator(".chart canvas").evaluate_all(
            "cs => cs.map(c => c.getAttribute('aria-label'))"
        )
        assert all("table below" in label for label in labels)
        # The tables are folded away behind their summary, one click from view.
        expect(tables.first).not_to_have_attribute("open", "")
        expect(page.get_by_text("Check-in answers by topic")).to_be_hidden()
        page.get_by_text("Answers as a table").click()
        expect(page.get_by_text("Check-in answers by topic")).to_be_visible()
        assert errors == []
    else:
        assert page.locator("canvas").count() == 0
        expect(page.locator(".chart").first).to_be_hidden()
        expect(page.get_by_text("Check-in answers by topic")).to_be_visible()
        expect(page.get_by_text("Check-ins answered per week")).to_be_visible()
    context.close()

