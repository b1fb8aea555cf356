"""Send-time gates (issue 13, item 2): quiet hours and the daily cap apply when a text is
sent, not when it was planned; answers to the client's own texts go at once.

The fault seen: welcome texts went out at 00:00 local. Times below are written in the
client's local time (``local``) and handed to ``tick`` as the worker would see them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from test_onboarding import walk

from companion.extensions import db
from companion.messaging import gates
from companion.messaging.outbox import enqueue
from companion.models import Client, Message, RiskLevel, Status
from companion.runtime import tick

from factories import AppointmentFactory
from helpers import post_sms, sent_bodies, sign_in

GONE = {Status.SENT, Status.DELIVERED}  # the console transport delivers at once
LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")


def local(zone: ZoneInfo, *args: int) -> datetime:
    """A wall-clock time in ``zone`` as the UTC instant the app works with."""
    return datetime(*args, tzinfo=zone).astimezone(UTC)


def queue(client: Client, kind: str, at: datetime, key: str | None = None, **fields) -> int:
    row = enqueue(
        db.session,
        kind=kind,
        dedupe_key=key or f"{kind}:{client.id}:{at.isoformat()}",
        client_id=client.id,
        now=at,
        **fields,
    )
    assert row is not None
    db.session.commit()
    return row.id


def reload(message_id: int) -> Message:
    db.session.expire_all()
    row = db.session.get(Message, message_id)
    assert row is not None
    return row


def test_a_welcome_queued_late_at_night_goes_at_eight_next_morning_not_at_midnight(
    app, make_client, clock
):
    ana = make_client()
    clock.set(local(LA, 2026, 11, 23, 23, 50))
    welcome = queue(ana, "welcome", clock.now())

    tick(clock.now())
    row = reload(welcome)
    assert row.status == Status.PENDING
    assert row.send_after == local(LA, 2026, 11, 24, 8, 0)
    assert "quiet hours" in row.held_reason
    assert row.attempts == 0  # being held is no failed attempt

    clock.set(local(LA, 2026, 11, 24, 0, 0))  # where the fault sent it
    tick(clock.now())
    assert reload(welcome).status == Status.PENDING

    clock.set(local(LA, 2026, 11, 24, 8, 0))
    tick(clock.now())
    row = reload(welcome)
    assert row.status in GONE
    assert row.sent_at == local(LA, 2026, 11, 24, 8, 0)
    assert "quiet hours" in row.held_reason  # the page can still say why it waited


def test_the_window_is_the_clients_own_timezone(app, make_client, clock):
    west = make_client(timezone="America/Los_Angeles")
    east = make_client(timezone="America/New_York")
    clock.set(local(LA, 2026, 11, 24, 5, 30))  # 08:30 in New York
    to_west, to_east = queue(west, "welcome", clock.now()), queue(east, "welcome", clock.now())

    tick(clock.now())

    assert reload(to_east).status in GONE
    held = reload(to_west)
    assert held.status == Status.PENDING
    assert held.send_after == local(LA, 2026, 11, 24, 8, 0)
    assert "America/Los_Angeles" in held.held_reason


def test_a_clients_own_window_is_kept(app, make_client, clock):
    ana = make_client(send_window_start=time(10, 0), send_window_end=time(18, 0))
    clock.set(local(LA, 2026, 11, 24, 9, 0))
    welcome = queue(ana, "welcome", clock.now())

    tick(clock.now())

    assert reload(welcome).send_after == local(LA, 2026, 11, 24, 10, 0)


def test_the_next_opening_follows_a_change_of_clocks(app, make_client, clock):
    ana = make_client()
    # Clocks go forward on 2027-03-14 at 02:00: 08:00 that day is 15:00 UTC, not 16:00.
    clock.set(local(LA, 2027, 3, 13, 22, 0))
    spring = queue(ana, "welcome", clock.now())
    tick(clock.now())
    assert reload(spring).send_after == datetime(2027, 3, 14, 15, 0, tzinfo=UTC)
    # And back on 2026-11-01: 08:00 is 16:00 UTC again.
    ben = make_client()
    clock.set(local(LA, 2026, 10, 31, 23, 0))
    autumn = queue(ben, "welcome", clock.now())
    tick(clock.now())
    assert reload(autumn).send_after == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)


def test_a_crisis_reply_at_two_in_the_morning_goes_at_once(app, make_client, clock):
    ana = make_client()
    clock.set(local(LA, 2026, 11, 24, 2, 0))
    reply = queue(ana, "crisis_self_harm", clock.now())
    help_text = queue(ana, "help", clock.now())

    tick(clock.now())

    assert reload(reply).status in GONE
    assert reload(help_text).status in GONE
    assert reload(reply).held_reason is None


def test_the_fast_lane_answers_a_crisis_text_at_night_at_once(
    twilio_app, fake_twilio, make_client, clock
):
    client = make_client()
    clock.set(local(LA, 2026, 11, 24, 2, 0))

    post_sms(twilio_app, fake_twilio, client.phone, "I might act on it tonight")

    [body] = sent_bodies(fake_twilio, client.phone)
    assert "988" in body
    with twilio_app.app_context():
        [reply] = db.session.scalars(
            db.select(Message).where(Message.client_id == client.id, Message.kind.like("crisis%"))
        )
        assert reply.sent_at == clock.now()  # at 02:00 local, not held to the morning


def test_the_daily_cap_holds_the_text_over_it_to_the_next_day(app, make_client, clock):
    low = make_client(risk_level=RiskLevel.I)  # levels I-II: 4 a day by default
    clock.set(local(LA, 2026, 11, 24, 9, 0))
    routine = [queue(low, "welcome", clock.now(), key=f"routine:{n}") for n in range(5)]
    answer = queue(low, "received", clock.now())  # answers the client: never capped

    summary = tick(clock.now()).dispatch

    assert summary.sent == 5 and summary.held == 1
    assert all(reload(m).status in GONE for m in routine[:4])
    assert reload(answer).status in GONE
    over = reload(routine[4])
    assert over.status == Status.PENDING
    assert over.send_after == local(LA, 2026, 11, 25, 8, 0)
    assert over.held_reason.startswith("daily cap of 4 texts")

    # Later the same day it still waits; the next morning it goes.
    clock.set(local(LA, 2026, 11, 24, 15, 0))
    tick(clock.now())
    assert reload(routine[4]).status == Status.PENDING
    clock.set(local(LA, 2026, 11, 25, 8, 0))
    tick(clock.now())
    assert reload(routine[4]).status in GONE


def test_the_cap_follows_the_risk_level_and_its_setting(make_app, make_client, clock):
    make_app(DAILY_TEXT_CAP_HIGH="2")
    high = make_client(risk_level=RiskLevel.IVA)
    clock.set(local(LA, 2026, 11, 24, 9, 0))
    routine = [queue(high, "welcome", clock.now(), key=f"routine:{n}") for n in range(3)]

    tick(clock.now())

    assert [reload(m).status in GONE for m in routine] == [True, True, False]


def test_a_reminder_held_past_its_appointment_expires_with_the_reason(app, make_client, clock):
    ana = make_client()
    starts = local(LA, 2026, 11, 24, 7, 30)  # an early appointment
    appointment = AppointmentFactory(client=ana, starts_at=starts)
    clock.set(local(LA, 2026, 11, 24, 5, 30))
    reminder = queue(
        ana,
        "appt_2h",
        clock.now(),
        appointment_id=appointment.id,
        expires_at=starts,
        params={"appointment_id": appointment.id},
    )

    summary = tick(clock.now()).dispatch

    row = reload(reminder)
    assert row.status == Status.EXPIRED
    assert "quiet hours" in row.status_reason and "time would pass" in row.status_reason
    assert summary.expired >= 1 and row.sent_at is None


# -- the property: never outside the window, never lost ---------------------------------

ZONES = ["America/Los_Angeles", "America/New_York", "America/Phoenix", "Europe/London",
         "Australia/Lord_Howe", "Asia/Kolkata", "Pacific/Chatham"]  # fmt: skip


@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
    opens=st.integers(0, 22 * 4),
    length=st.integers(1, 16 * 4),
    expires_in=st.none() | st.integers(1, 72 * 60),
    kind=st.sampled_from(["welcome", "plan_reminder", "appt_day_before", "received", "help"]),
)
def test_a_text_is_never_sent_outside_its_window_and_never_lost(
    start: datetime, zone: str, opens: int, length: int, expires_in: int | None, kind: str
):
    """Follow one text from ``start`` through every hold, as the dispatcher would."""
    open_minutes = opens * 15
    close_minutes = min(open_minutes + length * 15, 24 * 60 - 1)
    window = (
        time(open_minutes // 60, open_minutes % 60),
        time(close_minutes // 60, close_minutes % 60),
    )
    client = Client(id=1, timezone=zone, send_window_start=window[0],
                    send_window_end=window[1], risk_level=RiskLevel.III)  # fmt: skip
    expires = start + timedelta(minutes=expires_in) if expires_in else None
    row = Message(id=1, kind=kind, client_id=1, send_after=start, expires_at=expires)
    now = start
    for _ in range(10):
        decision = gates.decide(row, client, gates.GateBatch(now, gates.DailyCaps()))
        if decision is None:
            if kind not in gates.DIRECT_ANSWERS:
                local_time = now.astimezone(ZoneInfo(zone)).time()
                assert window[0] <= local_time < window[1]
            return  # sent
        if isinstance(decision, gates.Expire):
            assert expires is not None and decision.reason
            return  # expired, with its reason
        assert decision.until > now and decision.reason  # held to later, saying why
        now = decision.until
    raise AssertionError(f"still held after 10 tries (window {window} in {zone})")


def test_direct_answers_are_the_reply_kinds():
    """One set, from one flag: every crisis reply, HELP, STOP and START confirmations."""
    for kind in ("crisis_self_harm", "crisis_urge", "help", "opt_out_confirm", "received",
                 "opt_in_confirm", "clarify_yes_no", "checkin_thanks"):  # fmt: skip
        assert gates.is_direct_answer(kind)
    for kind in ("welcome", "checkin_prompt", "plan_reminder", "appt_day_before"):
        assert not gates.is_direct_answer(kind)


def test_onboarding_at_night_says_when_the_welcome_will_go(app, provider, clock):
    clock.set(local(LA, 2026, 11, 23, 23, 50))
    web = sign_in(app, provider)
    finish = walk(web, language="en")

    welcome = db.session.scalars(db.select(Message).where(Message.kind == "welcome")).one()
    assert welcome.status == Status.PENDING
    assert welcome.send_after == local(LA, 2026, 11, 24, 8, 0)
    page = web.get(finish.headers["Location"]).get_data(as_text=True)
    assert "The welcome text waits for the client&#39;s texting hours" in page
    assert "Tue 24 Nov 2026, 08:00 PST" in page
    assert "The welcome text went out." not in page
