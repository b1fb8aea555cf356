"""The on-call clinician (issue 15): the rota, crisis alerts to whoever is on call, the
backup after the acknowledgement window, gaps and people nobody can reach."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from companion.care import rota
from companion.care.ladder import Reason
from companion.extensions import db
from companion.models import Escalation, OnCallShift
from companion.runtime import escalation_settings
from companion.services import oncall
from companion.services.escalations import climb_due, open_escalation

from helpers import MONDAY_9AM, sign_in

LA = ZoneInfo("America/Los_Angeles")
SATURDAY_11PM = datetime(2026, 11, 28, 23, 0, tzinfo=LA)


def test_a_shift_past_midnight_covers_the_next_morning_and_the_rest_is_a_gap():
    friday_night = rota.Slot(1, 4, time(17), time(9))  # Friday 17:00 to Saturday 09:00
    saturday = datetime(2026, 11, 28, 8, 59)
    assert rota.covering([friday_night], saturday) == [friday_night]
    assert rota.covering([friday_night], saturday + timedelta(minutes=1)) == []
    holes = rota.gaps([friday_night], datetime(2026, 11, 27, 12), datetime(2026, 11, 28, 12))
    assert holes == [
        (datetime(2026, 11, 27, 12), datetime(2026, 11, 27, 17)),
        (datetime(2026, 11, 28, 9), datetime(2026, 11, 28, 12)),
    ]


@pytest.fixture
def rota_team(app, staff, make_client):
    provider = staff("provider", name="Pat Provider", phone="+12135550181")
    on_call = staff("provider", name="Cam Oncall", phone="+12135550184")
    backup = staff("provider", name="Bea Backup", phone="+12135550185")
    officer = staff("officer", name="Olu Officer", phone="+12135550182")
    admin = staff("admin", name="Ada Admin")
    for weekday in range(7):  # every day 09:00 to 09:00: no gap
        oncall.add_shift(db.session, admin, weekday=weekday, starts=time(9), ends=time(9),
                         clinician_id=on_call.id, backup_id=backup.id,
                         now=MONDAY_9AM)  # fmt: skip
    client = make_client(provider_id=provider.id, officer_id=officer.id)
    return provider, on_call, backup, officer, admin, client


def told(escalation: Escalation) -> list[str]:
    db.session.refresh(escalation)
    return [e.staff_user.name for e in escalation.events if e.kind == "told"]


def test_self_harm_goes_to_the_clinician_on_call_then_the_backup_never_the_officer(rota_team):
    *_, client = rota_team
    settings = escalation_settings()
    alert = open_escalation(db.session, client, Reason.SELF_HARM, SATURDAY_11PM, settings)
    db.session.commit()
    assert (alert.rung, told(alert)) == ("on_call", ["Cam Oncall"])
    assert alert.climbs_at == SATURDAY_11PM + timedelta(minutes=15)  # ONCALL_ACK_MINUTES

    climb_due(db.session, SATURDAY_11PM + timedelta(minutes=14), settings)
    assert told(alert) == ["Cam Oncall"]  # still within the window
    climb_due(db.session, SATURDAY_11PM + timedelta(minutes=15), settings)
    assert (alert.rung, told(alert)) == ("on_call_backup", ["Cam Oncall", "Bea Backup"])
    # Clinical risk is not in the release: the ladder ends with the clinicians.
    climb_due(db.session, SATURDAY_11PM + timedelta(hours=5), settings)
    assert told(alert) == ["Cam Oncall", "Bea Backup"] and alert.climbs_at is None


def test_an_urge_with_fear_of_acting_also_goes_to_the_clinician_on_call(rota_team):
    *_, client = rota_team
    alert = open_escalation(db.session, client, Reason.HIGH_URGE, SATURDAY_11PM,
                            escalation_settings())  # fmt: skip
    assert told(alert) == ["Cam Oncall"]


def test_with_nobody_on_call_the_clients_provider_is_told_and_the_gap_is_listed(
    app, staff, make_client
):
    provider = staff("provider", name="Pat Provider", phone="+12135550181")
    client = make_client(provider_id=provider.id)
    settings = escalation_settings()
    alert = open_escalation(db.session, client, Reason.SELF_HARM, SATURDAY_11PM, settings)
    assert told(alert) == ["Pat Provider"]
    [gap] = oncall.gaps(db.session, SATURDAY_11PM, LA, email=False)
    assert (gap.starts, gap.ends, gap.who) == (
        datetime(2026, 11, 28, 23, 0), datetime(2026, 12, 5, 23, 0), "")


def test_an_on_call_clinician_without_phone_or_email_passes_to_the_backup_and_shows_on_the_admin_page(  # noqa: E501
    rota_team, app
):
    _provider, on_call, _backup, _officer, admin, client = rota_team
    on_call.phone = None  # and alert email is off in this app
    db.session.commit()
    alert = open_escalation(db.session, client, Reason.SELF_HARM, SATURDAY_11PM,
                            escalation_settings())  # fmt: skip
    db.session.commit()
    assert told(alert) == ["Bea Backup"]  # the next person on the rota, at once
    gap = [e.detail for e in alert.events if e.kind == "no_recipient"]
    assert gap == ["Cam Oncall has no phone or email for alerts"]
    assert alert.nobody_told_count == 1

    gaps = oncall.gaps(db.session, MONDAY_9AM, LA, email=False)
    assert gaps and {g.who for g in gaps} == {"Cam Oncall"}
    page = sign_in(app, admin).get("/today").get_data(as_text=True)
    assert "On-call gaps, next 7 days" in page
    assert "Cam Oncall is on call but has no phone or email for alerts" in page


def test_a_provider_nobody_can_reach_is_stood_in_for_by_the_clinician_on_call(rota_team):
    provider, *_, client = rota_team
    provider.phone = None
    db.session.commit()
    alert = open_escalation(db.session, client, Reason.MISSED_CHECKINS, MONDAY_9AM,
                            escalation_settings())  # fmt: skip
    db.session.commit()
    assert (alert.rung, told(alert)) == ("provider", ["Cam Oncall"])
    assert alert.nobody_told_count == 1  # and the admin's page counts the gap


def test_providers_and_the_admin_set_the_rota_on_its_page(app, staff):
    provider = staff("provider", name="Pat Provider", phone="+12135550181")
    other = staff("provider", name="Bea Backup", phone="+12135550185")
    browser = sign_in(app, provider)
    response = browser.post("/oncall/shifts", data={
        "weekday": "5", "starts": "17:00", "ends": "09:00",
        "clinician": str(provider.id), "backup": str(other.id),
    })  # fmt: skip
    assert response.status_code == 302
    [shift] = db.session.scalars(select(OnCallShift)).all()
    assert (shift.weekday, shift.starts, shift.ends, shift.backup_id) == (
        5, time(17), time(9), other.id)  # fmt: skip
    page = browser.get("/oncall").get_data(as_text=True)
    assert "Pat Provider" in page and "(next day)" in page
    same = browser.post("/oncall/shifts", data={
        "weekday": "0", "starts": "09:00", "ends": "17:00",
        "clinician": str(provider.id), "backup": str(provider.id),
    })  # fmt: skip
    assert same.status_code == 400  # the backup must be someone else
    assert browser.post(f"/oncall/shifts/{shift.id}/remove").status_code == 302
    assert db.session.scalars(select(OnCallShift)).all() == []
