"""One clock: the development clock moves the web app, the webhooks and the worker together;
production has only the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion import create_app
from companion.clock import FrozenClock, StoredClock, WallClock, app_clock, parse_duration
from companion.extensions import db
from companion.models import Direction, Message

from helpers import MONDAY_9AM, base_env, post_sms, twilio_env

LATER = datetime(2026, 12, 14, 16, 0, tzinfo=UTC)  # Monday 14 December, 08:00 in Los Angeles


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1d", timedelta(days=1)),
        ("3h", timedelta(hours=3)),
        ("90m", timedelta(minutes=90)),
        ("1w2d", timedelta(days=9)),
        ("1d 12h", timedelta(days=1, hours=12)),
        ("45s", timedelta(seconds=45)),
    ],
)
def test_durations_read_as_people_write_them(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "tomorrow", "1y", "-1d", "1.5h", "d"])
def test_a_duration_that_is_not_one_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="such as 1d"):
        parse_duration(text)


@given(st.lists(st.tuples(st.integers(0, 500), st.sampled_from("wdhms")), min_size=1))
def test_any_sum_of_steps_reads_back(steps):
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    text = "".join(f"{n}{u}" for n, u in steps)
    assert parse_duration(text).total_seconds() == sum(n * units[u] for n, u in steps)


def test_a_frozen_clock_moves_only_when_told():
    clock = FrozenClock(MONDAY_9AM)
    assert clock.now() == clock.now() == MONDAY_9AM
    clock.advance(timedelta(hours=2))
    assert clock.now() == MONDAY_9AM + timedelta(hours=2)


def test_the_stored_clock_runs_on_from_where_it_was_set(app):
    wall = [MONDAY_9AM - timedelta(days=30)]
    clock = StoredClock(lambda: db.session, wall=lambda: wall[0])
    assert clock.now() == wall[0]  # nothing stored: the wall clock
    clock.set(LATER)
    db.session.commit()
    assert clock.now() == LATER
    wall[0] += timedelta(minutes=5)  # time passes for everyone
    assert clock.now() == LATER + timedelta(minutes=5)
    clock.advance(timedelta(days=1))
    assert clock.now() == LATER + timedelta(days=1, minutes=5)
    clock.reset()
    assert clock.now() == wall[0]


def test_clock_commands_move_the_time_every_process_reads(make_app):
    app = make_app()
    # Built as `flask` builds it in development: the clock stored in the database.
    dev = create_app(base_env(app.config["SQLALCHEMY_DATABASE_URI"]))
    assert isinstance(app_clock(dev), StoredClock)
    runner = dev.test_cli_runner()
    # A week from whatever day the suite runs on (the stored clock runs on the wall clock).
    target = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    with dev.app_context():  # as `flask` pushes it
        result = runner.invoke(args=["clock", "set", target.isoformat()])
        assert result.exit_code == 0, result.output
        assert target.isoformat()[:16] in result.output
        assert "ahead of the wall clock" in result.output
        assert abs(app_clock(dev).now() - target) < timedelta(minutes=1)

        result = runner.invoke(args=["clock", "advance", "1d"])
        later = (target + timedelta(days=1)).isoformat()[:15]
        assert result.exit_code == 0 and later in result.output

        # Another process, built afresh on the same database, sees the same moved time.
        other = create_app(base_env(app.config["SQLALCHEMY_DATABASE_URI"]))
        with other.app_context():
            moved = app_clock(other).now() - (target + timedelta(days=1))
            assert abs(moved) < timedelta(minutes=1)
            db.session.remove()

        bad = runner.invoke(args=["clock", "advance", "soon"])
        assert bad.exit_code != 0 and "such as 1d" in bad.output
        bad = runner.invoke(args=["clock", "set", "2026-12-14T08:00"])
        assert bad.exit_code != 0 and "offset" in bad.output

        result = runner.invoke(args=["clock", "set", (target - timedelta(days=30)).isoformat()])
        assert "behind the wall clock" in result.output

        result = runner.invoke(args=["clock", "reset"])
        assert result.exit_code == 0 and "(the wall clock)" in result.output
        assert abs(app_clock(dev).now() - datetime.now(UTC)) < timedelta(minutes=1)
        db.session.remove()


def test_production_has_only_the_wall_clock(app):
    prod = create_app(
        base_env(app.config["SQLALCHEMY_DATABASE_URI"], COMPANION_ENV="production")
    )
    assert isinstance(app_clock(prod), WallClock)
    runner = prod.test_cli_runner()
    with prod.app_context():  # as `flask` pushes it
        for args in (["clock", "set", "2030-01-01T00:00:00Z"], ["clock", "advance", "1d"],
                     ["clock", "reset"]):  # fmt: skip
            result = runner.invoke(args=args)
            assert result.exit_code != 0
            assert "refused in production: only the wall clock exists" in result.output
        shown = runner.invoke(args=["clock", "show"])
        assert shown.exit_code == 0 and "production: the wall clock" in shown.output


def test_the_webhook_and_the_tick_read_the_app_clock(make_client, make_app, fake_twilio, clock):
    """A replayed moment: the inbound text is stamped with the clock's time, not the machine's."""
    client = make_client()
    twilio = make_app(**twilio_env(fake_twilio))
    clock.set(LATER)
    response = post_sms(twilio, fake_twilio, client.phone, "hello")
    assert response.status_code == 200
    inbound = db.session.scalars(
        db.select(Message).where(Message.direction == Direction.INBOUND)
    ).one()
    assert inbound.created_at == LATER
    # `flask tick` without --at runs at the same moment.
    result = twilio.test_cli_runner().invoke(args=["clock", "show"])
    assert "2026-12-14T16:00:00+00:00" in result.output
