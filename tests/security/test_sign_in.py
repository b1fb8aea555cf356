"""Fault 8 of issue 12, sign-in: a rate limit every worker shares, delays instead of locks.

The red team found the sign-in rate limit counted in each gunicorn worker apart (16 of 30
attempts got through in a minute with two workers), and five wrong passwords locking any
known staff email for 15 minutes, whoever typed them. Now the per-address limit counts in
Redis, shared by every process, and failures count per email *and* client address: the
address that keeps failing waits growing delays, and nobody else waits.

The Redis tests skip when Redis is unreachable, unless REQUIRE_REDIS=1 (CI).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select

from companion.extensions import db
from companion.models import AuditEvent
from companion.settings import ConfigError, Settings

from helpers import PASSWORD, REDIS_URL, REQUIRE_REDIS, sign_in

ATTACKER = {"REMOTE_ADDR": "203.0.113.9"}
COLLEAGUE = {"REMOTE_ADDR": "198.51.100.7"}
UNUSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: Redis is "down"


@pytest.fixture
def admin(staff):
    return staff("admin", name="Ada Admin")


@pytest.fixture
def shared_redis() -> Iterator[dict[str, str]]:
    """Settings for counters in the test Redis, under a prefix of this test's own."""
    server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.RedisError as exc:
        if REQUIRE_REDIS:
            pytest.fail(f"Redis is required but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {type(exc).__name__}")
    prefix = f"test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    for key in server.scan_iter(f"LIMITER/{prefix}/*"):
        server.delete(key)
    server.close()


def client_at(app, environ: dict[str, str]):
    """A test client whose requests come from the address in ``environ``."""
    web = app.test_client()
    web.environ_base.update(environ)
    return web


def try_sign_in(web, email: str, password: str):
    return web.post("/login", data={"email": email, "password": password})


def flash_of(response) -> str:
    found = re.search(r'<p class="flash error"[^>]*>([^<]+)</p>', response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found.group(1)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# -- (a) the rate limit is shared by every process --------------------------------------------


def _failures_let_through(first, second, attempts: int) -> int:
    """Failed sign-ins from one address, alternating between two apps: how many were
    answered (not refused with 429)."""
    webs = [first.test_client(), second.test_client()]
    answered = 0
    for n in range(attempts):
        response = try_sign_in(webs[n % 2], f"guess{n}@agency.example", "wrong guess")
        answered += response.status_code != 429
    return answered


def test_two_processes_share_one_rate_limit_through_redis(make_app, shared_redis):
    # Two apps built apart hold their limiter state apart, as two gunicorn workers do.
    first = make_app(SIGN_IN_RATE_LIMIT="4 per minute", **shared_redis)
    second = make_app(SIGN_IN_RATE_LIMIT="4 per minute", **shared_redis)
    assert _failures_let_through(first, second, 10) == 4
    # Either one now refuses that address, with when to try again.
    response = try_sign_in(first.test_client(), "one.more@agency.example", "x")
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    assert "Too many failed sign-ins from this network" in flash_of(response)


def test_counting_in_each_process_memory_would_let_twice_as_many_through(make_app):
    """The fault as found: per-process counters (memory://, what development still uses)."""
    first = make_app(SIGN_IN_RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI="memory://")
    second = make_app(SIGN_IN_RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI="memory://")
    assert _failures_let_through(first, second, 10) == 8


def test_production_counts_in_redis_and_refuses_per_process_counters_with_two_workers():
    production = {"COMPANION_ENV": "production", "SECRET_KEY": "s" * 32}

    def storage(**env: str) -> str:
        return Settings.from_env({**production, **env}).flask_config()["RATELIMIT_STORAGE_URI"]

    assert storage() == "redis://127.0.0.1:6379/0"
    assert storage(REDIS_URL="redis://cache.internal:6379/2") == "redis://cache.internal:6379/2"
    assert storage(RATELIMIT_STORAGE_URI="redis://other:6379/1") == "redis://other:6379/1"
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI=memory:// counts"):
        storage(RATELIMIT_STORAGE_URI="memory://")  # the Procfile's 2 workers by default
    assert storage(RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY="1") == "memory://"
    assert Settings.from_env({"COMPANION_ENV": "development"}).rate_limit_storage == "memory://"


# -- (b) an attacker cannot lock a colleague out -----------------------------------------------


def test_twenty_failures_from_one_address_do_not_stop_the_owner_at_another(make_app, staff, clock):
    app = make_app(SIGN_IN_RATE_LIMIT="100 per minute")  # the delays, not the rate limit
    provider = staff("provider")
    attacker = client_at(app, ATTACKER)
    for n in range(20):
        if n:
            clock.advance(timedelta(minutes=16))  # past every delay: each try counts
        try_sign_in(attacker, provider.email, "wrong guess")
    assert try_sign_in(attacker, provider.email, PASSWORD).status_code == 429

    colleague = client_at(app, COLLEAGUE)
    response = try_sign_in(colleague, provider.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    # ... and her success does not free the attacker's address.
    assert try_sign_in(attacker, provider.email, PASSWORD).status_code == 429


def test_many_addresses_guessing_one_account_lose_their_free_tries_but_not_the_owner(
    make_app, staff
):
    app = make_app(SIGN_IN_ACCOUNT_FAILURES="6")
    provider = staff("provider")
    for n in range(5):  # a botnet: one try from each of five addresses
        bot = client_at(app, {"REMOTE_ADDR": f"192.0.2.{n + 1}"})
        assert flash_of(try_sign_in(bot, provider.email, "guess")).startswith("That email")
    # The sixth failure on the account: from now on an address waits after its first.
    for n in (6, 7):
        bot = client_at(app, {"REMOTE_ADDR": f"192.0.2.{n}"})
        assert try_sign_in(bot, provider.email, "guess").status_code == 429
        assert try_sign_in(bot, provider.email, PASSWORD).status_code == 429
    # ... while an address that has not failed signs in as always.
    owner = client_at(app, COLLEAGUE)
    assert try_sign_in(owner, provider.email, PASSWORD).status_code == 302


def test_the_real_client_address_behind_a_trusted_proxy(make_app, staff):
    app = make_app(PROXY_COUNT="1", SIGN_IN_MAX_FAILURES="2")
    provider = staff("provider")
    web = client_at(app, {"REMOTE_ADDR": "10.0.0.2"})  # every request comes through the proxy

    def via_proxy(client_address: str | None, password: str) -> int:
        headers = {"X-Forwarded-For": client_address} if client_address else {}
        data = {"email": provider.email, "password": password}
        return web.post("/login", data=data, headers=headers).status_code

    for _ in range(2):
        via_proxy(None, "wrong")  # the proxy's own address fails, and waits
    assert via_proxy(None, PASSWORD) == 429
    assert via_proxy("198.51.100.7", PASSWORD) == 302  # a client behind it does not
    web.post("/logout")
    for _ in range(2):
        via_proxy("203.0.113.9", "wrong")
    assert via_proxy("203.0.113.9", PASSWORD) == 429
    assert via_proxy("198.51.100.7", PASSWORD) == 302


# -- (c) delays grow, and the page says when ------------------------------------------------------


def test_delays_double_from_one_minute_up_to_the_cap_and_the_page_says_when(make_app, staff, clock):
    app = make_app(SIGN_IN_MAX_FAILURES="3", SIGN_IN_LOCK_MINUTES="15")
    provider = staff("provider")
    web = client_at(app, ATTACKER)
    for _ in range(2):  # free tries
        assert flash_of(try_sign_in(web, provider.email, "wrong")).startswith("That email")
    third = try_sign_in(web, provider.email, "wrong")
    assert third.status_code == 429 and third.headers["Retry-After"] == "60"
    assert "Try again in 1 minute," in flash_of(third)
    # While waiting, even the right password is refused, with the time left.
    clock.advance(timedelta(seconds=30))
    early = try_sign_in(web, provider.email, PASSWORD)
    assert early.status_code == 429 and early.headers["Retry-After"] == "30"
    assert "Try again in 1 minute," in flash_of(early)

    waits = []
    for minutes in (1, 2, 4, 8, 15):
        clock.advance(timedelta(minutes=minutes))  # the wait is over: one more try
        waits.append(flash_of(try_sign_in(web, provider.email, "wrong")))
    assert [re.search(r"in (\d+) minute", w).group(1) for w in waits] == [
        "2", "4", "8", "15", "15"
    ]  # fmt: skip

    clock.advance(timedelta(minutes=15))
    assert try_sign_in(web, provider.email, PASSWORD).status_code == 302
    # A success from the address starts its count again.
    web.post("/logout")
    assert flash_of(try_sign_in(web, provider.email, "wrong")).startswith("That email")
    delayed = events("staff.sign_in_delayed")
    assert [e.details["minutes"] for e in delayed] == [1, 2, 4, 8, 15, 15]
    assert {e.subject_id for e in delayed} == {provider.id}


def test_the_change_password_page_counts_toward_the_delay_and_signs_out(make_app, staff, clock):
    app = make_app(SIGN_IN_MAX_FAILURES="3")
    provider = staff("provider")
    web = sign_in(app, provider)
    wrong = {"current": "wrong", "new": "a fresh long one", "confirm": "a fresh long one"}
    for _ in range(2):
        assert "That is not your current password." in web.post("/password", data=wrong).text
    response = web.post("/password", data=wrong, follow_redirects=True)
    assert "Try again in 1 minute" in response.text
    assert web.get("/clients/").status_code == 302  # signed out
    assert try_sign_in(web, provider.email, PASSWORD).status_code == 429
    clock.advance(timedelta(minutes=1))
    assert try_sign_in(web, provider.email, PASSWORD).status_code == 302


# -- (d) an email that is no one's reads exactly like a staff member's ------------------------


def test_an_unknown_email_gets_the_same_answers_as_a_known_one(make_app, staff, clock):
    app = make_app(SIGN_IN_RATE_LIMIT="100 per minute")  # the delays, not the rate limit
    provider = staff("provider")

    def answers(email: str, address: str) -> list[tuple[int, str, str | None]]:
        web = client_at(app, {"REMOTE_ADDR": address})
        found = []
        for step in range(8):
            response = try_sign_in(web, email, "wrong guess")
            found.append(
                (response.status_code, flash_of(response), response.headers.get("Retry-After"))
            )
            if step == 6:
                clock.advance(timedelta(minutes=1))
        clock.advance(timedelta(minutes=-1))
        return found

    real = answers(provider.email, "192.0.2.10")
    ghost = answers("nobody@agency.example", "192.0.2.11")
    assert real == ghost
    assert real[0][0] == 200 and "do not match" in real[0][1]
    assert real[4][0] == 429 and "Try again in 1 minute" in real[4][1]
    assert "Try again in 2 minutes" in real[7][1]


# -- (e) Redis down: sign-in still works ---------------------------------------------------------


def test_sign_in_works_with_redis_down_and_counts_in_the_process_meanwhile(make_app, staff, caplog):
    app = make_app(RATELIMIT_STORAGE_URI=UNUSED_PORT, SIGN_IN_RATE_LIMIT="3 per minute")
    provider = staff("provider")
    web = app.test_client()
    with caplog.at_level(logging.WARNING, logger="companion.web.auth.throttle"):
        assert try_sign_in(web, provider.email, PASSWORD).status_code == 302
        web.post("/logout")
        for n in range(3):
            assert try_sign_in(web, f"guess{n}@agency.example", "x").status_code == 200
        assert try_sign_in(web, provider.email, PASSWORD).status_code == 429
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1  # said once, not at every request
    assert "rate-limit storage unreachable (ConnectionError)" in warnings[0]
    assert "127.0.0.1" not in warnings[0]
