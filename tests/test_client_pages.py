"""The client list as a worklist and the client page's summary (issue 17 items 3 and 4),
through the real pages as a provider (or an admin) opens them."""

from __future__ import annotations

import re
from datetime import timedelta

from test_query_counts import seed

from companion.extensions import db
from companion.models import (
    CheckInStatus,
    ClientStatus,
    Consent,
    Direction,
    Escalation,
    EscalationStatus,
    RiskLevel,
    Status,
)

from factories import CheckInFactory, MessageFactory
from helpers import MONDAY_9AM, sign_in


def text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def names(page: str) -> list[str]:
    """The client names in the worklist's rows, top to bottom."""
    if '<table class="worklist">' not in page:
        assert "No client matches." in page or "No clients in your caseload yet." in page
        return []
    body = page.split('<table class="worklist">')[1].split("</table>")[0]
    return re.findall(r'<td><a href="/clients/\d+">([^<]+)</a>', body)


def alert(client, *, urgent: bool = False, check_in=None) -> Escalation:  # type: ignore[no-untyped-def]
    found = Escalation(
        client_id=client.id,
        reason="high_urge" if urgent else "missed_checkins",
        urgent=urgent,
        rung="provider",
        status=EscalationStatus.OPEN,
        code=f"{4000 + client.id}",
        opened_at=MONDAY_9AM - timedelta(hours=2),
        check_in_id=check_in.id if check_in else None,
    )
    db.session.add(found)
    db.session.commit()
    return found


def caseload(make_client):  # type: ignore[no-untyped-def]
    """One client for each step of the attention order, named so that by name they differ."""
    topics = {"checkin_topics": ["stress"]}
    made = {
        "Gil": make_client(display_name="Gil", status=ClientStatus.DISCHARGED, **topics),
        "Fay": make_client(display_name="Fay", language="es", **topics),
        "Eve": make_client(display_name="Eve", checkin_topics=[]),
        "Dan": make_client(display_name="Dan", consent=Consent.OPTED_OUT, **topics),
        "Cal": make_client(display_name="Cal", risk_level=RiskLevel.IVA, **topics),
        "Bea": make_client(display_name="Bea", **topics),
        "Abe": make_client(display_name="Abe", language="es", **topics),
    }
    CheckInFactory(
        client=made["Cal"], status=CheckInStatus.MISSED, due_at=MONDAY_9AM - timedelta(days=3)
    )
    CheckInFactory(
        client=made["Fay"],
        status=CheckInStatus.ANSWERED,
        due_at=MONDAY_9AM - timedelta(days=1),
        answer_value=6,
    )
    alert(made["Bea"])
    alert(made["Abe"], urgent=True)
    return made


def test_the_worklist_puts_who_needs_attention_first_and_says_why(app, provider, make_client):
    caseload(make_client)
    page = text(sign_in(app, provider).get("/clients/"))
    assert names(page) == ["Abe", "Bea", "Cal", "Dan", "Eve", "Fay", "Gil"]
    for why in ("urgent alert", "open alert", "missed a check-in this week", "opted out of texts",
                "no check-in topics"):  # fmt: skip
        assert why in page
    assert "7 clients." in page
    # Fay answered 1 of 1 check-ins in 14 days; the others had none due.
    assert re.search(r">Fay</a></td>.*?100%", page, re.S)


def test_the_worklist_filters_sorts_and_searches_on_the_server(app, provider, make_client):
    caseload(make_client)
    web = sign_in(app, provider)
    assert names(text(web.get("/clients/?attention=1"))) == ["Abe", "Bea", "Cal", "Dan", "Eve"]
    assert names(text(web.get("/clients/?language=es"))) == ["Abe", "Fay"]
    assert names(text(web.get("/clients/?risk=IVa"))) == ["Cal"]
    assert names(text(web.get("/clients/?q=aB"))) == ["Abe"]  # in the name, any case
    assert names(text(web.get("/clients/?q=a&attention=1"))) == ["Abe", "Bea", "Cal", "Dan"]
    assert names(text(web.get("/clients/?q=%25"))) == []  # a % is a letter, not a wildcard
    by_name = text(web.get("/clients/?sort=name&dir=desc"))
    assert names(by_name) == ["Gil", "Fay", "Eve", "Dan", "Cal", "Bea", "Abe"]
    assert 'aria-sort="descending"' in by_name
    assert names(text(web.get("/clients/?sort=alerts&dir=desc")))[:2] == ["Abe", "Bea"]
    # Unreadable input falls back to the defaults rather than failing.
    assert names(text(web.get("/clients/?sort=nope&risk=X&page=abc")))[0] == "Abe"


def test_the_worklist_shows_fifty_a_page_with_links_to_the_others(app, provider, staff):
    officer = staff("officer")
    seed(provider.id, officer.id, 0, 120)
    web = sign_in(app, provider)
    first = text(web.get("/clients/?sort=name"))
    assert len(names(first)) == 50 and names(first)[0] == "Client 0000"
    assert "120 clients." in first and "Page 1 of 3" in first
    assert 'href="/clients/?sort=name&amp;page=2" rel="next"' in first
    last = text(web.get("/clients/?sort=name&page=3"))
    assert names(last) == [f"Client {n:04d}" for n in range(100, 120)]
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert names(text(web.get("/clients/?sort=name&page=99"))) == names(last)  # past the end


def test_an_admin_gets_the_reduced_worklist(app, staff, provider, make_client):
    caseload(make_client)
    page = text(sign_in(app, staff("admin")).get("/clients/?sort=adherence"))
    assert "Last reply" not in page and "Answered (14 days)" not in page
    assert names(page)[0] == "Abe"  # a clinical order is not theirs: back to attention
    assert "missed a check-in this week" not in page
    assert '<small class="warn">needs attention</small>' in page  # Cal


def test_the_client_page_summary_calls_tells_the_time_and_pages_messages(
    app, provider, make_client
):
    client = make_client(
        display_name="Ana", phone="+12135550142", timezone="America/New_York",
        checkin_topics=["stress"], language="es",
    )  # fmt: skip
    alert(client)
    for n in range(30):
        MessageFactory(
            client=client, send_after=MONDAY_9AM - timedelta(hours=n + 1), body=f"text {n}"
        )
    MessageFactory(
        client=client, kind="checkin_prompt", status=Status.PENDING, sent_at=None,
        send_after=MONDAY_9AM + timedelta(hours=3), body=None,
    )  # fmt: skip
    web = sign_in(app, provider)  # Dana works in Los Angeles
    page = text(web.get(f"/clients/{client.id}"))
    summary = page.split('class="summary"')[1].split("</section>")[0]
    assert '<a class="tel" href="tel:+12135550142">(213) 555-0142</a>' in summary
    assert "Mon 23 Nov 2026, 12:00 EST" in summary  # their time now, zone named
    assert "America/New_York" in summary and "español" in summary and "Level III" in summary
    assert f"{4000 + client.id}" in summary  # the open alert's code
    # The next text, in their time and in Dana's: "Mon 23 Nov 2026, 15:00 EST (12:00 PST for you)".
    assert "Check-in question · Mon 23 Nov 2026, 15:00 EST (12:00 PST for you)" in summary
    messages = page.split('id="s-messages"')[1].split("</details>")[0]
    assert "31 messages, newest first." in messages
    assert messages.count("<tr>") == 1 + 25  # the heading and a page of 25
    assert "checkin_prompt" not in messages and "Check-in question" in messages
    assert f'href="/clients/{client.id}?messages=2#s-messages" rel="next"' in messages
    older = text(web.get(f"/clients/{client.id}?messages=2")).split('id="s-messages"')[1]
    assert older.split("</details>")[0].count("<tr>") == 1 + 6
    assert "text 29" in older and "text 0<" not in older


def test_an_alert_page_shows_the_phone_and_the_check_in_that_raised_it(app, provider, make_client):
    client = make_client(phone="+12135550143", checkin_topics=["stress"])
    missed = CheckInFactory(
        client=client, status=CheckInStatus.MISSED, due_at=MONDAY_9AM - timedelta(days=1)
    )
    found = alert(client, check_in=missed)
    web = sign_in(app, provider)
    page = text(web.get(f"/escalations/{found.id}"))
    assert 'href="tel:+12135550143"' in page
    assert "due Sun 22 Nov 2026, 09:00 PST" in page and "missed" in page
    assert 'href="tel:+12135550143"' in text(web.get("/escalations"))
    assert Direction.INBOUND  # the enum is the one the page compares with


def test_a_stale_acute_score_shows_on_the_summary_with_a_prompt_to_rescore(
    app, provider, make_client
):
    """Issue 15 item 7: ACUTE-2007 carries its date and goes stale (30 days by default)."""
    def scored(name: str, phone: str, days_ago: int):  # type: ignore[no-untyped-def]
        return make_client(
            display_name=name, phone=phone, checkin_topics=["stress"], acute_level="low",
            acute_date=(MONDAY_9AM - timedelta(days=days_ago)).date(),
        )  # fmt: skip

    stale = scored("Rui", "+12135550143", 40)
    fresh = scored("Sol", "+12135550144", 3)
    web = sign_in(app, provider)
    assert "re-score it" in text(web.get(f"/clients/{stale.id}"))
    assert "re-score it" not in text(web.get(f"/clients/{fresh.id}"))
