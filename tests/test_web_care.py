"""Staff care pages (issue 3): the plan editor, risk and schedule, appointments, tasks.

Every page is put at a fixed instant (Monday 23 November 2026, 09:00 in Los
Angeles) through ``companion.web.clock``, so "in the past", "pending" and
re-planning are exact.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.care.local_time import local_instant
from companion.extensions import db
from companion.messaging.compose import render
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Message,
    PlanVersion,
    RiskLevel,
    ScheduleOverride,
    Status,
    Task,
    TaskStatus,
)
from companion.runtime import tick

from helpers import MONDAY_9AM, PASSWORD, sign_in

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")


@pytest.fixture
def at(clock):
    """Pages run at MONDAY_9AM unless a test moves the clock with ``at(instant)``."""
    return clock.set


def la(day: date, hh: int, mm: int = 0) -> datetime:
    return local_instant(day, time(hh, mm), LA)


def local_times(instants, zone=LA):
    return sorted(i.astimezone(zone).strftime("%a %H:%M") for i in instants)


def plan_data(parts=None, *, action="save", base="0", review="2027-02-21", note=""):
    """The plan editor's form as a browser posts it: ``<part>-<index>-<field>``."""
    data = {"action": action, "base_version": base, "review_date": review}
    data["offense_chain_note"] = note
    for key, items in (parts or {}).items():
        for index, item in enumerate(items):
            data[f"{key}-{index}-id"] = item.get("id", f"{key[:6]}{index}")
            for name, value in item.items():
                if name == "id" or value is False:
                    continue
                data[f"{key}-{index}-{name}"] = "y" if value is True else value
    return data


def sign(text, response="call Luis", ok=True, **more):
    return {"sign": text, "response": response, "ok_to_text": ok, **more}


def page_of(response) -> str:
    return response.get_data(as_text=True)


def value_of(page: str, name: str) -> str | None:
    """The value of the input called ``name`` in ``page`` (HTML-escaped as served)."""
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def versions(client):
    return db.session.scalars(
        select(PlanVersion).where(PlanVersion.client_id == client.id).order_by(PlanVersion.version)
    ).all()


# -- the plan: versions ---------------------------------------------------------------------


def test_every_save_is_a_new_version_and_earlier_ones_stay_readable(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    first = web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign("up late alone online")]}),
    )
    assert first.status_code == 302
    second = web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign("skipping meals")]}, base="1"),
    )
    assert second.status_code == 302
    assert [v.version for v in versions(client)] == [1, 2]
    assert all(v.created_by_id == provider.id for v in versions(client))

    newest = page_of(web.get(f"/clients/{client.id}/plan"))
    assert "skipping meals" in newest and "up late alone online" not in newest
    assert "Version 2 by Dana Provider on" in newest

    old = page_of(web.get(f"/clients/{client.id}/plan/versions/1"))
    assert "up late alone online" in old and "skipping meals" not in old
    assert "Version 1 by Dana Provider on" in old
    assert "This is an earlier version" in old
    assert web.get(f"/clients/{client.id}/plan/versions/3").status_code == 404

    saved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "plan.saved")).all()
    assert [e.details["version"] for e in saved] == [1, 2]


def test_saving_an_unchanged_plan_adds_no_version(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    data = plan_data({"warning_signs": [sign("up late", id="abc")]})
    web.post(f"/clients/{client.id}/plan/edit", data=data)
    response = web.post(
        f"/clients/{client.id}/plan/edit", data={**data, "base_version": "1"}, follow_redirects=True
    )
    assert "Nothing changed" in page_of(response)
    assert len(versions(client)) == 1


def test_a_save_over_a_newer_version_shows_it_first_and_keeps_the_text(
    app, staff, provider, make_client
):
    client = make_client()
    web = sign_in(app, provider)
    web.post(f"/clients/{client.id}/plan/edit", data=plan_data({"warning_signs": [sign("one")]}))
    # Someone else saves version 2 while this page (opened at version 1) is still open.
    web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign("theirs")]}, base="1"),
    )
    mine = plan_data({"warning_signs": [sign("mine")]}, base="1")
    response = web.post(f"/clients/{client.id}/plan/edit", data=mine)
    page = page_of(response)
    assert response.status_code == 409
    assert "Version 2 was saved by Dana Provider" in page
    assert value_of(page, "warning_signs-0-sign") == "mine"
    assert value_of(page, "base_version") == "2"
    assert len(versions(client)) == 2
    # Saving again, having seen it, makes version 3.
    assert (
        web.post(f"/clients/{client.id}/plan/edit", data={**mine, "base_version": "2"}).status_code
        == 302
    )
    assert versions(client)[-1].content["warning_signs"][0]["sign"] == "mine"


# -- the plan: lists without JavaScript ----------------------------------------------------


@pytest.mark.parametrize("language, direction", [("fa", "rtl"), ("ar", "rtl"), ("es", "ltr")])
def test_the_editor_previews_each_line_in_the_clients_language_before_saving(
    app, provider, make_client, language, direction
):
    client = make_client(language=language)
    web = sign_in(app, provider)
    typed = {"warning_signs": [sign("I stop answering my phone", id="a1")]}
    page = page_of(web.post(f"/clients/{client.id}/plan/edit",
                            data=plan_data(typed, action="preview")))  # fmt: skip
    line = render("plan_reminder", language, {"name": client.display_name,
                  "line_template": "warning_sign",
                  "line_words": {"sign": "I stop answering my phone",
                                 "step": typed["warning_signs"][0]["response"]}})  # fmt: skip
    assert f'lang="{language}" dir="{direction}">{line.body}</span>' in page
    assert f"({line.segments} text" in page
    assert versions(client) == []  # previewing saves nothing


def test_plan_errors_come_in_the_staff_members_language(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    web.post("/language", data={"language": "es", "next": "/"})
    typed = {"support_contacts": [{"name": "Luis", "phone": "call me", "ok_to_text": True}]}
    page = page_of(web.post(f"/clients/{client.id}/plan/edit", data=plan_data(typed)))
    assert "no es un número de teléfono; por ejemplo, (213) 555-0123." in page
    assert "not a phone number" not in page
    assert 'value="call me"' in page  # what was typed is kept


def test_add_remove_and_move_keep_everything_typed_and_save_nothing(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    url = f"/clients/{client.id}/plan/edit"
    typed = {
        "warning_signs": [sign("first sign", id="a1"), sign("second sign", id="b2", ok=False)],
        "support_contacts": [{"name": "Luis", "phone": "(213) 555-0177", "knows_plan": True}],
    }
    common = {"note": "chain as typed", "review": "2027-01-15"}

    added = page_of(web.post(url, data=plan_data(typed, action="add:warning_signs", **common)))
    assert "Added warning sign 3. Nothing is saved until you press Save plan." in added
    assert value_of(added, "warning_signs-0-sign") == "first sign"
    assert value_of(added, "warning_signs-1-sign") == "second sign"
    assert value_of(added, "warning_signs-2-sign") == ""
    assert value_of(added, "support_contacts-0-phone") == "(213) 555-0177"
    assert 'name="support_contacts-0-knows_plan" value="y" checked' in added
    assert 'name="warning_signs-1-ok_to_text" value="y">' in added  # still unticked
    assert "chain as typed" in added and 'value="2027-01-15"' in added

    moved = page_of(web.post(url, data=plan_data(typed, action="up:warning_signs:1", **common)))
    assert "Moved warning sign 2 up." in moved
    assert value_of(moved, "warning_signs-0-sign") == "second sign"
    assert value_of(moved, "warning_signs-0-id") == "b2"  # the item moves with its id
    assert value_of(moved, "warning_signs-1-sign") == "first sign"

    down = page_of(web.post(url, data=plan_data(typed, action="down:warning_signs:0", **common)))
    assert value_of(down, "warning_signs-0-sign") == "second sign"

    removed = page_of(
        web.post(url, data=plan_data(typed, action="remove:warning_signs:0", **common))
    )
    assert "Removed warning sign 1." in removed
    assert value_of(removed, "warning_signs-0-sign") == "second sign"
    assert value_of(removed, "warning_signs-1-sign") is None
    assert value_of(removed, "support_contacts-0-name") == "Luis"

    assert versions(client) == []

    # Enter in a field submits the form's first button: that must be "Save plan".
    editor = added.split('<form method="post" action="/clients/1/plan/edit"')[1]
    first_button = re.search(r"<button[^>]*>", editor).group(0)
    assert 'value="save"' in first_button


def test_the_editor_starts_from_the_newest_version(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data(
            {
                "thinking_errors": [
                    {"error": "I deserve a break", "replacement": "rules keep me safe"}
                ]
            },
            note="clinician note",
        ),
    )
    page = page_of(web.get(f"/clients/{client.id}/plan/edit"))
    assert value_of(page, "thinking_errors-0-error") == "I deserve a break"
    assert "clinician note" in page
    assert value_of(page, "base_version") == "1"


# -- the plan: bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts,field,error",
    [
        (
            {"warning_signs": [sign("", response="call Luis")]},
            "warning_signs-0-sign",
            "Warning sign: fill this in, or remove the item.",
        ),
        (
            {"warning_signs": [sign("x" * 2000)]},
            "warning_signs-0-sign",
            "Warning sign: 2000 characters; keep it under 300.",
        ),
        (
            {"support_contacts": [{"name": "Luis", "phone": "call me maybe"}]},
            "support_contacts-0-phone",
            "Phone: not a phone number",
        ),
    ],
    ids=["empty item", "2000 characters", "invalid phone"],
)
def test_a_bad_plan_says_what_is_wrong_where_and_keeps_everything(
    app, provider, make_client, parts, field, error
):
    client = make_client()
    web = sign_in(app, provider)
    parts = {**parts, "coping_strategies": [{"trigger": "urge", "steps": "leave, call, walk"}]}
    response = web.post(f"/clients/{client.id}/plan/edit", data=plan_data(parts, note="kept note"))
    page = page_of(response)
    assert response.status_code == 422
    assert "Nothing you typed was lost" in page
    assert error in page
    # The error sits with its field, tied to it for screen readers.
    assert f'id="{field}" name="{field}"' in page
    assert f'aria-describedby="{field}-error"' in page
    assert f'<p class="error" id="{field}-error">' in page
    # Everything typed comes back, the bad value included.
    typed = next(iter(parts.values()))[0]
    bad_name = field.rsplit("-", 1)[1]
    assert value_of(page, field) == typed[bad_name]
    assert value_of(page, "coping_strategies-0-steps") == "leave, call, walk"
    assert "kept note" in page
    assert versions(client) == []


def test_html_and_script_are_shown_escaped(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    script = "<script>alert(1)</script>"
    # Shown again after an error...
    response = web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign(script, response="", ok=False)]}, note=script),
    )
    page = page_of(response)
    assert response.status_code == 422
    assert script not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # ...and once saved.
    web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign(script, ok=False)]}, note=script),
    )
    shown = page_of(web.get(f"/clients/{client.id}/plan"))
    assert versions(client)[0].content["warning_signs"][0]["sign"] == script
    assert script not in shown and "&lt;script&gt;" in shown


@pytest.mark.parametrize(
    "text,word",
    [
        ("after my probation meeting", "probation"),
        ("thinking about the Victim", "Victim"),
        ("salir de la terapia enojado", "terapia"),
        ("nghĩ về buổi điều trị", "điều trị"),
        # Every shipped language's never-use list, not only English, Spanish, Vietnamese.
        ("Gọi anh trai khi có ham muốn", "ham muốn"),
        ("از دادگاه دور بمان", "دادگاه"),
        ("Не ходить мимо суда", "суда"),
    ],
)
def test_ok_to_text_is_refused_when_a_text_would_give_the_client_away(
    app, provider, make_client, text, word
):
    client = make_client()
    web = sign_in(app, provider)
    url = f"/clients/{client.id}/plan/edit"
    response = web.post(url, data=plan_data({"warning_signs": [sign(text)]}))
    page = page_of(response)
    assert response.status_code == 422
    assert f"&#34;{word}&#34; could give the client away" in page
    assert "Use neutral words (such as &#34;my appointment&#34;" in page
    assert value_of(page, "warning_signs-0-sign") == text
    assert versions(client) == []
    # Not texted, it may say so: the plan is for the clinician too.
    assert (
        web.post(url, data=plan_data({"warning_signs": [sign(text, ok=False)]})).status_code == 302
    )


def test_staff_only_fields_may_name_anything(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    response = web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign("up late", need="sexual preoccupation")]}),
    )
    assert response.status_code == 302


def test_ok_to_text_is_refused_when_the_reminder_would_take_more_than_three_texts(
    app, provider, make_client
):
    sign_text = (
        "sitting alone in the car after work for a long time with nothing planned "
        "and the phone in my hand"
    )
    step_text = (
        "drive home, text my brother Luis that I am on my way, then take the dog out "
        "for a walk round the block"
    )
    item = {"warning_signs": [sign(sign_text, response=step_text)]}
    # In English (GSM-7) the reminder fits in two texts...
    english = make_client(language="en")
    web = sign_in(app, provider)
    assert web.post(f"/clients/{english.id}/plan/edit", data=plan_data(item)).status_code == 302
    # ...in Vietnamese every text is UCS-2: 67 characters a segment, and it needs more than 3.
    vietnamese = make_client(display_name="Minh", language="vi")
    response = web.post(f"/clients/{vietnamese.id}/plan/edit", data=plan_data(item))
    page = page_of(response)
    assert response.status_code == 422
    assert re.search(r"As a text in [^<]+ this would be \d+ characters, [4-9] messages", page)
    assert "at most 3" in page
    assert 'id="warning_signs-0-ok_to_text-error"' in page
    assert versions(vietnamese) == []


def test_the_plan_page_previews_what_reminders_can_say(app, provider, make_client):
    client = make_client(display_name="Ana")
    web = sign_in(app, provider)
    web.post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data(
            {
                "warning_signs": [sign("up late online", response="log off and call Luis")],
                "thinking_errors": [
                    {"error": "I deserve a break", "replacement": "rules keep me safe"}
                ],
            }
        ),
    )
    page = page_of(web.get(f"/clients/{client.id}/plan"))
    assert "Ana, from your plan: when you notice up late online: log off and call Luis." in page
    assert "rules keep me safe" not in page.split("What plan reminders can say")[1]


# -- the plan: who may see and change it -----------------------------------------------------


def test_officers_read_the_plan_but_not_the_offense_chain_and_cannot_edit(
    app, staff, provider, make_client
):
    officer = staff("officer")
    client = make_client(officer_id=officer.id)
    sign_in(app, provider).post(
        f"/clients/{client.id}/plan/edit",
        data=plan_data({"warning_signs": [sign("up late")]}, note="clinician-only chain text"),
    )
    assert "clinician-only chain text" in page_of(
        sign_in(app, provider).get(f"/clients/{client.id}/plan")
    )
    web = sign_in(app, officer)
    page = page_of(web.get(f"/clients/{client.id}/plan"))
    assert "up late" in page
    assert "clinician-only chain text" not in page and "Offense chain" not in page
    assert "clinician-only chain text" not in page_of(
        web.get(f"/clients/{client.id}/plan/versions/1")
    )
    assert web.get(f"/clients/{client.id}/plan/edit").status_code == 403
    assert web.post(f"/clients/{client.id}/plan/edit", data=plan_data()).status_code == 403
    assert len(versions(client)) == 1


# -- risk and schedule -----------------------------------------------------------------------


def pending_prompts(client):
    return db.session.scalars(
        select(Message).where(
            Message.client_id == client.id,
            Message.kind == "checkin_prompt",
            Message.status == Status.PENDING,
        )
    ).all()


def test_an_override_needs_a_reason_and_keeps_what_was_ticked(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.IVA)
    web = sign_in(app, provider)
    url = f"/clients/{client.id}/schedule/overrides/checkin_days"
    response = web.post(
        url,
        data={"checkin_days-days": ["0", "3"], "checkin_days-reason": "  ", "action": "override"},
    )
    page = page_of(response)
    assert response.status_code == 422
    assert "Say why: the reason is kept with the change." in page
    assert 'name="checkin_days-days" value="0" checked' in page
    assert 'name="checkin_days-days" value="3" checked' in page
    assert 'name="checkin_days-days" value="1">' in page
    assert db.session.scalars(select(ScheduleOverride)).all() == []


def test_overriding_shows_derived_versus_overridden_and_replans_pending_check_ins(
    app, provider, make_client
):
    client = make_client(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    tick(MONDAY_9AM)
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
    assert local_times(p.send_after for p in pending_prompts(client)) == ["Mon 10:00", "Tue 10:00"]

    tuesday_prompt = next(p for p in pending_prompts(client) if p.send_after == la(tuesday, 10))

    web = sign_in(app, provider)
    response = web.post(
        f"/clients/{client.id}/schedule/overrides/checkin_days",
        data={
            "checkin_days-days": ["0", "3"],
            "checkin_days-reason": "Six months of follow-through: less contact",
            "action": "override",
        },
        follow_redirects=True,
    )
    page = page_of(response)
    assert "Check-in days: overridden (Mon, Thu). Pending texts re-planned." in page
    row = page.split('id="part-checkin_days"')[1].split("</tr>")[0]
    assert "<td>every day</td>" in row  # derived for level IVa
    assert "<strong>Mon, Thu</strong>" in row and "overridden" in row
    assert "Dana Provider" in row and "Six months of follow-through: less contact" in row
    other = page.split('id="part-notices"')[1].split("</tr>")[0]
    assert '<span class="badge">derived</span>' in other

    # The Tuesday question planned under the old schedule is withdrawn; re-planning
    # keeps Monday (still a check-in day) and asks nothing on Tuesday.
    db.session.refresh(tuesday_prompt)
    assert tuesday_prompt.status == Status.CANCELLED
    tick(MONDAY_9AM)
    db.session.refresh(tuesday_prompt)
    assert tuesday_prompt.status == Status.CANCELLED
    assert [p.send_after for p in pending_prompts(client)] == [la(monday, 10)]

    # Back to derived: also with a reason, and the history keeps both.
    assert (
        web.post(
            f"/clients/{client.id}/schedule/overrides/checkin_days",
            data={"checkin_days-reason": "", "action": "derived"},
        ).status_code
        == 422
    )
    page = page_of(
        web.post(
            f"/clients/{client.id}/schedule/overrides/checkin_days",
            data={"checkin_days-reason": "ACUTE went up", "action": "derived"},
            follow_redirects=True,
        )
    )
    assert "Check-in days: back to derived (every day)." in page
    row = page.split('id="part-checkin_days"')[1].split("</tr>")[0]
    assert '<span class="badge">derived</span>' in row
    history = page.split("Override history")[1]
    assert "ACUTE went up" in history and "back to derived" in history
    assert "Six months of follow-through" in history
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "schedule.override")
    ).all()
    assert [e.details["reason"] for e in events] == [
        "Six months of follow-through: less contact",
        "ACUTE went up",
    ]


def test_lowering_notices_and_the_escalation_threshold(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.IVB)
    web = sign_in(app, provider)
    web.post(
        f"/clients/{client.id}/schedule/overrides/notices",
        data={"notices-notices": ["day_before"], "notices-reason": "stable", "action": "override"},
    )
    bad = web.post(
        f"/clients/{client.id}/schedule/overrides/escalate_after_misses",
        data={"escalate_after_misses-misses": "0", "escalate_after_misses-reason": "x"},
    )
    assert bad.status_code == 422 and "A number from 1 to 7." in page_of(bad)
    page = page_of(web.get(f"/clients/{client.id}/schedule"))
    row = page.split('id="part-notices"')[1].split("</tr>")[0]
    assert "<td>day before, same day, 2 hours before</td>" in row
    assert "<strong>day before</strong>" in row


def test_the_ladder_steps_are_set_per_client_in_order(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.III)
    web = sign_in(app, provider)
    url = f"/clients/{client.id}/schedule/overrides"
    # The officer may not hear before the provider would (2 misses at level III).
    early = web.post(
        f"{url}/officer_after_misses",
        data={"officer_after_misses-misses": "1", "officer_after_misses-reason": "worried"},
    )
    assert early.status_code == 422
    assert "At least 2: the provider is told first" in page_of(early)
    assert 'value="worried"' in page_of(early)  # what was typed is kept
    web.post(
        f"{url}/officer_after_misses",
        data={"officer_after_misses-misses": "4", "officer_after_misses-reason": "steady"},
    )
    web.post(
        f"{url}/ack_business_days",
        data={"ack_business_days-business_days": "2", "ack_business_days-reason": "part-time"},
    )
    too_long = web.post(
        f"{url}/ack_business_days",
        data={"ack_business_days-business_days": "9", "ack_business_days-reason": "x"},
    )
    assert too_long.status_code == 422 and "A number from 1 to 5." in page_of(too_long)
    page = page_of(web.get(f"/clients/{client.id}/schedule"))
    officer_row = page.split('id="part-officer_after_misses"')[1].split("</tr>")[0]
    # Counted in days since issue 15 (services/missed.py).
    assert "<td>3 days in a row with a missed check-in</td>" in officer_row  # derived
    assert "<strong>4 days in a row with a missed check-in</strong>" in officer_row
    assert "steady" in officer_row
    ack_row = page.split('id="part-ack_business_days"')[1].split("</tr>")[0]
    assert "<td>1 business day</td>" in ack_row and "<strong>2 business days</strong>" in ack_row


def risk_data(**overrides):
    data = {
        "risk_level": "II",
        "stable_score": "",
        "stable_date": "",
        "acute_level": "",
        "acute_date": "",
        "release_date": "",
        "checkin_topics": ["stress", "connected"],
        "checkin_times": "10:00",
    }
    data.update(overrides)
    return data


def test_risk_page_derives_the_level_and_says_why(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.III)
    web = sign_in(app, provider)
    page = page_of(
        web.post(
            f"/clients/{client.id}/schedule",
            data=risk_data(
                risk_level="II",
                acute_level="moderate",
                acute_date="2026-11-20",
                release_date="2026-10-01",
                stable_score="9",
                stable_date="2026-11-02",
            ),
            follow_redirects=True,
        )
    )
    db.session.refresh(client)
    assert client.risk_level == RiskLevel.II and client.stable_score == 9
    assert client.release_date == date(2026, 10, 1)
    assert "Schedule level now III" in page and "A dynamic score changed: review the plan." in page
    assert "<strong>level III</strong>" in page
    assert "ACUTE-2007 moderate: one level up" in page
    assert "first 90 days after release: one level up" in page

    high = page_of(
        web.post(
            f"/clients/{client.id}/schedule",
            data=risk_data(acute_level="high", acute_date="2026-11-22"),
            follow_redirects=True,
        )
    )
    assert "Provider review needed" in high
    assert "ACUTE-2007 high: daily check-ins and a provider review" in high


@pytest.mark.parametrize(
    "fields,error",
    [
        ({"stable_score": "12"}, "Enter the date of the STABLE-2007."),
        ({"stable_score": "40", "stable_date": "2026-11-02"}, "A STABLE-2007 total is 0 to 26."),
        ({"acute_date": "2026-11-02"}, "Enter the ACUTE-2007 result, or clear its date."),
        ({"acute_level": "low", "acute_date": "2026-12-30"}, "That date is in the future."),
        ({"checkin_times": "10:00, 25:00"}, "&#34;25:00&#34; is not a time of day"),
    ],
)
def test_bad_risk_input_is_refused_with_what_was_typed_kept(
    app, provider, make_client, fields, error
):
    client = make_client(risk_level=RiskLevel.III)
    response = sign_in(app, provider).post(
        f"/clients/{client.id}/schedule", data=risk_data(risk_level="IVa", **fields)
    )
    page = page_of(response)
    assert response.status_code == 422
    assert error in page
    for name, value in fields.items():
        assert f'value="{value}"' in page
    assert '<option selected value="IVa">' in page
    db.session.refresh(client)
    assert client.risk_level == RiskLevel.III


def test_check_in_topics_and_times_replan_what_is_pending(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    tick(MONDAY_9AM)
    web = sign_in(app, provider)
    page = page_of(
        web.post(
            f"/clients/{client.id}/schedule",
            data=risk_data(risk_level="IVa", checkin_topics=["urges"], checkin_times="9:30, 18:00"),
            follow_redirects=True,
        )
    )
    assert "Texts not yet sent were re-planned." in page
    db.session.refresh(client)
    assert client.checkin_topics == ["urges"] and client.checkin_times == ["09:30", "18:00"]
    tick(MONDAY_9AM)
    prompts = pending_prompts(client)
    assert local_times(p.send_after for p in prompts) == [
        "Mon 09:30",
        "Mon 18:00",
        "Tue 09:30",
        "Tue 18:00",
    ]
    assert {p.params["topic"] for p in prompts} == {"urges"}


def test_officers_read_the_schedule_but_do_not_change_it(app, staff, make_client):
    officer = staff("officer")
    client = make_client(officer_id=officer.id)
    web = sign_in(app, officer)
    page = page_of(web.get(f"/clients/{client.id}/schedule"))
    assert "Schedule follows" in page and "Override</button>" not in page
    assert web.post(f"/clients/{client.id}/schedule", data=risk_data()).status_code == 403
    assert (
        web.post(
            f"/clients/{client.id}/schedule/overrides/checkin_days",
            data={"checkin_days-reason": "x", "action": "override"},
        ).status_code
        == 403
    )


# -- appointments ------------------------------------------------------------------------


def appointment_data(day="2026-11-25", at="15:00", kind="court_date", location="200 Main St"):
    return {"kind": kind, "day": day, "at": at, "location": location}


def notices_of(appointment):
    return db.session.scalars(
        select(Message)
        .where(Message.appointment_id == appointment.id)
        .order_by(Message.send_after, Message.id)
    ).all()


def test_an_appointment_in_the_past_is_refused(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    response = web.post(
        f"/clients/{client.id}/appointments",
        data=appointment_data(day="2026-11-23", at="08:30", location="Room 4"),
    )
    page = page_of(response)
    assert response.status_code == 422
    assert (
        "That time has passed: it is now Mon 23 Nov 2026, 09:00 PST where the client lives." in page
    )
    assert 'value="2026-11-23"' in page and 'value="08:30"' in page and 'value="Room 4"' in page
    assert db.session.scalars(select(Appointment)).all() == []


def test_a_time_skipped_by_daylight_saving_is_refused_with_the_gap_named(
    app, provider, make_client
):
    client = make_client()
    response = sign_in(app, provider).post(
        f"/clients/{client.id}/appointments", data=appointment_data(day="2027-03-14", at="02:30")
    )
    page = page_of(response)
    assert response.status_code == 422
    assert (
        "02:30 does not exist on Sunday, March 14, 2027 in America/Los_Angeles: the clocks "
        "jump from 02:00 to 03:00 (daylight saving time). Did you mean 03:30?"
    ) in page
    assert db.session.scalars(select(Appointment)).all() == []


def test_the_form_says_times_are_the_clients_local_time(app, provider, make_client):
    client = make_client(timezone="America/New_York")
    page = page_of(sign_in(app, provider).get(f"/clients/{client.id}/appointments"))
    assert "local time: <strong>America/New_York</strong>" in page


def test_a_place_that_would_give_the_client_away_is_refused(app, provider, make_client):
    client = make_client()
    response = sign_in(app, provider).post(
        f"/clients/{client.id}/appointments", data=appointment_data(location="Probation office")
    )
    assert response.status_code == 422
    assert "&#34;Probation&#34; would be in the text" in page_of(response)


def test_a_new_appointment_queues_its_notices_in_local_time(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.III)  # day before + same day
    web = sign_in(app, provider)
    response = web.post(f"/clients/{client.id}/appointments", data=appointment_data())
    assert response.status_code == 302
    appointment = db.session.scalars(select(Appointment)).one()
    assert appointment.starts_at == la(date(2026, 11, 25), 15)
    assert appointment.kind == AppointmentKind.COURT and appointment.created_by_id == provider.id
    notices = notices_of(appointment)
    assert [(n.kind, n.status) for n in notices] == [
        ("appt_day_before", Status.PENDING),
        ("appt_same_day", Status.PENDING),
    ]
    assert local_times(n.send_after for n in notices) == ["Tue 10:00", "Wed 08:00"]
    assert all("court" not in str(n.params).lower() for n in notices)

    page = page_of(web.get(response.headers["Location"]))
    assert "Appointment added for Wed 25 Nov 2026, 15:00 PST. 2 notices queued." in page
    assert "Court date" in page and "200 Main St" in page
    assert "Day before: Tue 24 Nov 2026, 10:00 PST" in page
    assert '<span class="status pending">pending</span>' in page


def test_moving_an_appointment_withdraws_old_notices_and_queues_new_ones(
    app, provider, make_client
):
    client = make_client(risk_level=RiskLevel.III)
    web = sign_in(app, provider)
    web.post(f"/clients/{client.id}/appointments", data=appointment_data())
    appointment = db.session.scalars(select(Appointment)).one()
    old = notices_of(appointment)

    url = f"/clients/{client.id}/appointments/{appointment.id}"
    form = page_of(web.get(url))
    assert 'value="2026-11-25"' in form and 'value="15:00"' in form
    response = web.post(url, data=appointment_data(day="2026-11-27", at="11:00"))
    assert response.status_code == 302
    db.session.refresh(appointment)
    assert appointment.starts_at == la(date(2026, 11, 27), 11)
    for notice in old:
        db.session.refresh(notice)
        assert notice.status == Status.CANCELLED and notice.status_reason == "appointment moved"
    new = [n for n in notices_of(appointment) if n.status == Status.PENDING]
    assert local_times(n.send_after for n in new) == ["Fri 08:00", "Thu 10:00"]
    page = page_of(web.get(response.headers["Location"]))
    assert "Moved from Wed 25 Nov 2026, 15:00 PST to Fri 27 Nov 2026, 11:00 PST." in page
    assert "2 notices queued." in page
    assert "appointment moved" in page  # the withdrawn notices stay listed, with why

    # A new place alone re-plans nothing: notices read the place when they go out.
    web.post(url, data=appointment_data(day="2026-11-27", at="11:00", location="12 Oak Ave"))
    db.session.refresh(appointment)
    assert appointment.location == "12 Oak Ave"
    assert len([n for n in notices_of(appointment) if n.status == Status.PENDING]) == 2


def test_cancelling_after_a_notice_went_out_queues_a_cancellation_text(
    app, at, provider, make_client
):
    client = make_client(risk_level=RiskLevel.III)
    web = sign_in(app, provider)
    web.post(f"/clients/{client.id}/appointments", data=appointment_data(day="2026-11-24"))
    appointment = db.session.scalars(select(Appointment)).one()
    ten = la(date(2026, 11, 23), 10)
    tick(ten)  # the day-before notice goes out at 10:00
    day_before = notices_of(appointment)[0]
    db.session.refresh(day_before)
    assert day_before.kind == "appt_day_before"
    assert day_before.status in (Status.SENT, Status.DELIVERED)

    at(ten + timedelta(minutes=5))
    web = sign_in(app, provider)  # an hour on: a new session (the first one idled out)
    response = web.post(
        f"/clients/{client.id}/appointments/{appointment.id}/cancel", follow_redirects=True
    )
    assert "A notice had already gone out, so a cancellation text was queued." in page_of(response)
    db.session.refresh(appointment)
    assert appointment.status == AppointmentStatus.CANCELLED
    kinds = {(n.kind, n.status) for n in notices_of(appointment)}
    assert ("appt_cancelled", Status.PENDING) in kinds
    assert ("appt_same_day", Status.CANCELLED) in kinds
    tick(ten + timedelta(minutes=6))
    cancelled = next(n for n in notices_of(appointment) if n.kind == "appt_cancelled")
    db.session.refresh(cancelled)
    assert cancelled.status in (Status.SENT, Status.DELIVERED)
    assert "is cancelled" in cancelled.body and "court" not in cancelled.body.lower()


def test_cancelling_before_any_notice_sends_nothing(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.III)
    web = sign_in(app, provider)
    web.post(f"/clients/{client.id}/appointments", data=appointment_data())
    appointment = db.session.scalars(select(Appointment)).one()
    page = page_of(
        web.post(
            f"/clients/{client.id}/appointments/{appointment.id}/cancel", follow_redirects=True
        )
    )
    assert "No notice had gone out, so no cancellation text is sent" in page
    assert {n.status for n in notices_of(appointment)} == {Status.CANCELLED}
    assert all(n.kind != "appt_cancelled" for n in notices_of(appointment))
    # A cancelled appointment is listed under past and cancelled, and cannot change.
    assert "Past and cancelled" in page and "cancelled" in page.split("Past and cancelled")[1]
    edit = web.get(f"/clients/{client.id}/appointments/{appointment.id}", follow_redirects=True)
    assert "can no longer change" in page_of(edit)


def test_officers_manage_appointments_too(app, staff, make_client):
    officer = staff("officer")
    client = make_client(officer_id=officer.id)
    web = sign_in(app, officer)
    data = appointment_data(kind="supervision_meeting", location="")
    assert web.post(f"/clients/{client.id}/appointments", data=data).status_code == 302
    appointment = db.session.scalars(select(Appointment)).one()
    assert appointment.kind == AppointmentKind.SUPERVISION
    assert "Probation/parole meeting" in page_of(web.get(f"/clients/{client.id}/appointments"))


# -- tasks and check-ins ---------------------------------------------------------------------


def inbound(client, body):
    message = Message(
        direction=Direction.INBOUND,
        kind="inbound",
        client_id=client.id,
        status=Status.RECEIVED,
        body=body,
        from_number=client.phone,
        created_at=MONDAY_9AM,
        updated_at=MONDAY_9AM,
    )
    db.session.add(message)
    db.session.flush()
    return message


def make_task(client, kind="unmatched_reply", **fields):
    task = Task(
        client_id=client.id,
        kind=kind,
        status=TaskStatus.OPEN,
        created_at=MONDAY_9AM - timedelta(hours=1),
        **fields,
    )
    db.session.add(task)
    db.session.commit()
    return task


def test_tasks_are_listed_escaped_linked_and_marked_done(app, provider, make_client):
    client = make_client(display_name="Ana")
    reply = inbound(client, "<b>can we talk</b>")
    task = make_task(client, message_id=reply.id)
    appointment = Appointment(
        client_id=client.id,
        kind=AppointmentKind.POLYGRAPH,
        starts_at=la(date(2026, 11, 26), 14),
        location="",
        status=AppointmentStatus.RESCHEDULE_REQUESTED,
        revision=1,
        created_at=MONDAY_9AM,
        updated_at=MONDAY_9AM,
    )
    db.session.add(appointment)
    db.session.flush()
    reschedule = make_task(client, kind="reschedule_request", appointment_id=appointment.id)

    web = sign_in(app, provider)
    page = page_of(web.get("/tasks"))
    assert 'href="/tasks"' in page  # in the navigation
    assert "Reply with no open question" in page and "Reschedule request" in page
    assert "&lt;b&gt;can we talk&lt;/b&gt;" in page and "<b>can we talk</b>" not in page
    assert f'href="/clients/{client.id}"' in page
    assert "Polygraph exam, Thu 26 Nov 2026, 14:00 PST" in page
    client_page = page_of(web.get(f"/clients/{client.id}"))
    assert "&lt;b&gt;can we talk&lt;/b&gt;" in client_page and "Open tasks" in client_page

    response = web.post(
        f"/tasks/{task.id}/done", data={"next": f"/clients/{client.id}"}, follow_redirects=True
    )
    assert "Reply with no open question for Ana marked done." in page_of(response)
    db.session.refresh(task)
    assert task.status == TaskStatus.DONE
    assert task.done_by_id == provider.id and task.done_at == MONDAY_9AM
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task.done")).one()
    assert event.actor_id == provider.id and event.subject_id == task.id
    page = page_of(web.get("/tasks"))
    assert page.count(">Mark done</button>") == 1 and "done by Dana Provider" in page
    db.session.refresh(reschedule)
    assert reschedule.status == TaskStatus.OPEN
    # An off-site "next" is ignored.
    response = web.post(f"/tasks/{reschedule.id}/done", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/tasks"


def test_mark_done_needs_the_csrf_token(make_app, staff, make_client):
    app = make_app(WTF_CSRF_ENABLED="1")
    provider = staff("provider")
    client = make_client(provider_id=provider.id)
    task = make_task(client)
    web = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', page_of(web.get("/login"))
    )
    web.post(
        "/login",
        data={"email": provider.email, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert web.post(f"/tasks/{task.id}/done").status_code == 400
    db.session.refresh(task)
    assert task.status == TaskStatus.OPEN
    page = page_of(web.get("/tasks"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert web.post(f"/tasks/{task.id}/done", data={"csrf_token": token}).status_code == 302
    db.session.refresh(task)
    assert task.status == TaskStatus.DONE


def test_the_client_page_shows_recent_check_ins(app, provider, make_client):
    client = make_client()
    rows = [
        ("stress", -50, CheckInStatus.ANSWERED, 7, "7 today"),
        ("supports", -26, CheckInStatus.ANSWERED, True, "yes"),
        ("urges", -5, CheckInStatus.MISSED, None, None),
        ("connected", -3, CheckInStatus.WITHDRAWN, None, None),
        ("stress", -1, CheckInStatus.ANSWERED, None, "<i>meh</i>"),
        ("stress", 1, CheckInStatus.OPEN, None, None),
    ]
    for topic, hours, status, value, text in rows:
        due = MONDAY_9AM + timedelta(hours=hours)
        db.session.add(
            CheckIn(
                client_id=client.id,
                topic=topic,
                due_at=due,
                closes_at=due + timedelta(hours=6),
                status=status,
                answer_value=value,
                answer_text=text,
                created_at=due,
            )
        )
    db.session.commit()
    page = page_of(sign_in(app, provider).get(f"/clients/{client.id}"))
    section = page.split('id="s-checkins"')[1]
    assert "Sat 21 Nov 2026, 07:00 PST" in section  # due, in the client's local time
    assert "negative mood" in section  # the need it watches
    for state in ("answered", "missed", "withdrawn", "planned"):
        assert f"<td>{state}</td>" in section
    assert "<strong>7</strong>" in section and "<strong>yes</strong>" in section
    assert "&lt;i&gt;meh&lt;/i&gt;" in section and "<i>meh</i>" not in section


# -- caseload privacy --------------------------------------------------------------------------


def test_every_care_page_keeps_to_the_caseload(app, staff, provider, make_client):
    officer = staff("officer")
    other_provider = staff("provider")
    outsider_officer = staff("officer")
    client = make_client(officer_id=officer.id)
    sign_in(app, provider).post(
        f"/clients/{client.id}/plan/edit", data=plan_data({"warning_signs": [sign("up late")]})
    )
    appointment = Appointment(
        client_id=client.id,
        kind=AppointmentKind.INDIVIDUAL,
        starts_at=la(date(2026, 11, 30), 10),
        location="",
        status=AppointmentStatus.SCHEDULED,
        revision=1,
        created_at=MONDAY_9AM,
        updated_at=MONDAY_9AM,
    )
    db.session.add(appointment)
    db.session.flush()
    task = make_task(client, message_id=inbound(client, "secret words").id)
    base = f"/clients/{client.id}"
    reads = [
        f"{base}/plan",
        f"{base}/plan/versions/1",
        f"{base}/schedule",
        f"{base}/appointments",
        f"{base}/appointments/{appointment.id}",
    ]
    writes = [
        (f"{base}/plan/edit", plan_data({"warning_signs": [sign("x")]})),
        (f"{base}/schedule", risk_data()),
        (f"{base}/schedule/overrides/notices", {"notices-reason": "x", "action": "override"}),
        (f"{base}/appointments", appointment_data()),
        (f"{base}/appointments/{appointment.id}", appointment_data()),
        (f"{base}/appointments/{appointment.id}/cancel", {}),
        (f"/tasks/{task.id}/done", {}),
    ]
    for outsider in (other_provider, outsider_officer):
        web = sign_in(app, outsider)
        for url in [*reads, f"{base}/plan/edit"]:
            assert web.get(url).status_code == 403, url
        for url, data in writes:
            assert web.post(url, data=data).status_code == 403, url
        assert "secret words" not in page_of(web.get("/tasks"))
    # Nothing changed for all those attempts.
    assert len(versions(client)) == 1
    db.session.refresh(appointment)
    db.session.refresh(task)
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert task.status == TaskStatus.OPEN
    assert db.session.scalars(select(ScheduleOverride)).all() == []
    # The client's officer reads them all.
    web = sign_in(app, officer)
    for url in reads:
        assert web.get(url).status_code == 200, url
    assert "secret words" in page_of(web.get("/tasks"))
    # An admin sees the appointments, never the plan, the schedule or the client's words.
    web = sign_in(app, staff("admin"))
    for url in reads:
        expected = 200 if "/appointments" in url else 403
        assert web.get(url).status_code == expected, url
    assert web.get("/tasks").status_code == 403


# -- the client form re-plans what is pending ---------------------------------------------------


def client_form(client, **overrides):
    data = {
        "display_name": client.display_name,
        "phone": client.phone,
        "language": client.language,
        "timezone": client.timezone,
        "send_window_start": "08:00",
        "send_window_end": "21:00",
        "risk_level": client.risk_level.value,
        "provider_id": str(client.provider_id),
        "officer_id": "0",
        "status": client.status.value,
        "consent": "y",
    }
    data.update(overrides)
    return data


def test_a_timezone_change_moves_a_pending_check_in_to_the_new_local_ten_oclock(
    app, provider, make_client
):
    client = make_client(
        timezone="America/New_York", risk_level=RiskLevel.IVA, checkin_topics=["stress"]
    )
    tick(MONDAY_9AM)  # noon in New York: Monday's 10:00 has passed, Tuesday's is pending
    (before,) = pending_prompts(client)
    assert before.send_after.astimezone(NY).strftime("%a %H:%M") == "Tue 10:00"

    web = sign_in(app, provider)
    response = web.post(
        f"/clients/{client.id}/edit",
        data=client_form(client, timezone="America/Los_Angeles"),
        follow_redirects=True,
    )
    assert "Texts not yet sent were re-planned" in page_of(response)
    db.session.refresh(before)
    assert before.status == Status.CANCELLED

    tick(MONDAY_9AM)  # 09:00 in Los Angeles: today's 10:00 is still ahead
    after = pending_prompts(client)
    assert local_times(p.send_after for p in after) == ["Mon 10:00", "Tue 10:00"]
    assert {p.send_after for p in after} == {
        la(date(2026, 11, 23), 10),
        la(date(2026, 11, 24), 10),
    }


def test_a_client_coming_back_from_a_pause_is_planned_again(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    tick(MONDAY_9AM)
    web = sign_in(app, provider)
    # A pause needs a reason and an end date (tests/test_lost_contact.py has the rest).
    until = (MONDAY_9AM.date() + timedelta(days=30)).isoformat()
    web.post(f"/clients/{client.id}/edit",
             data=client_form(client, status="paused", pause_reason="hospital",
                              paused_until=until))  # fmt: skip
    assert pending_prompts(client) == []
    tick(MONDAY_9AM)
    assert pending_prompts(client) == []  # paused: nothing planned
    web.post(f"/clients/{client.id}/edit", data=client_form(client, status="active"))
    tick(MONDAY_9AM)
    assert local_times(p.send_after for p in pending_prompts(client)) == ["Mon 10:00", "Tue 10:00"]


def test_an_edit_that_moves_nothing_replans_nothing(app, provider, make_client):
    client = make_client(risk_level=RiskLevel.IVA, checkin_topics=["stress"])
    tick(MONDAY_9AM)
    before = {p.id for p in pending_prompts(client)}
    sign_in(app, provider).post(
        f"/clients/{client.id}/edit", data=client_form(client, display_name="Anita")
    )
    assert {p.id for p in pending_prompts(client)} == before
    assert db.session.get(Client, client.id).display_name == "Anita"


def test_admins_neither_read_nor_change_the_plan_or_the_schedule(app, staff, make_client):
    """Risk assessments, check-in topics and the plan are clinical: not the admin's
    (the admin manages accounts and settings; docs/roles.md)."""
    admin = staff("admin")
    client = make_client(risk_level=RiskLevel.III)
    web = sign_in(app, admin)
    answer = web.post(f"/clients/{client.id}/schedule", data=risk_data(risk_level="II"))
    assert answer.status_code == 403
    db.session.refresh(client)
    assert client.risk_level == RiskLevel.III
    for page in ("plan", "plan/edit", "schedule"):
        assert web.get(f"/clients/{client.id}/{page}").status_code == 403, page
