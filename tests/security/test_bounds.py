"""Bounded input (issue 12, faults 5, 6 and 8): request sizes, control characters in
staff forms, and concurrent copies of one inbound text.

- A body over the limit is answered 413 from its Content-Length, before a byte of it
  is read: 60 MB unsigned or 2 MB signed to the webhook, 2 MB to a staff page; the
  CSV import keeps its own, larger limit (tests/test_import.py).
- A NUL or another control character in any staff form field gets the form back with
  a message, nothing saved, never a 500.
- Twelve copies of one inbound text at once: all 2xx, one row, one reply.
"""

from __future__ import annotations

import io
import threading
import time

import pytest

from companion.extensions import db
from companion.models import Appointment, Client, Direction, Message

from helpers import OUR_NUMBER, SMS_URL, post_sms, sent_bodies, sign_in

MB = 1024 * 1024


class UnreadBody(io.BytesIO):
    """A request body that records whether anyone read it (and holds only a few bytes)."""

    def __init__(self) -> None:
        super().__init__(b"Body=x")
        self.reads = 0

    def read(self, *args):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().read(*args)

    read1 = read

    def readline(self, *args):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().readline(*args)

    def readinto(self, buffer):  # type: ignore[no-untyped-def]
        self.reads += 1
        return super().readinto(buffer)


def claimed_post(app, path: str, length: int, headers: dict[str, str] | None = None):
    """POST to ``path`` a body that claims ``length`` bytes; (response, body, seconds)."""
    body = UnreadBody()
    started = time.monotonic()
    response = app.test_client().post(
        path,
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers=headers or {},
        environ_overrides={"CONTENT_LENGTH": str(length)},
    )
    return response, body, time.monotonic() - started


def inbound_rows() -> list[Message]:
    db.session.expire_all()
    return list(
        db.session.scalars(db.select(Message).where(Message.direction == Direction.INBOUND))
    )


# -- request size: 413 before the body is read -----------------------------------------


def test_60_mb_unsigned_webhook_is_413_unread(twilio_app, fake_twilio):
    response, body, seconds = claimed_post(twilio_app, "/twilio/sms", 60 * MB)
    assert response.status_code == 413
    assert body.reads == 0
    assert seconds < 1
    assert inbound_rows() == []


def test_60_mb_webhook_with_a_signature_header_is_413_unread(twilio_app, fake_twilio):
    response, body, _ = claimed_post(
        twilio_app, "/twilio/sms", 60 * MB, headers={"X-Twilio-Signature": "c2lnbmVk"}
    )
    assert response.status_code == 413
    assert body.reads == 0


def test_2_mb_signed_webhook_is_413_and_not_stored(twilio_app, fake_twilio, make_client):
    client = make_client()
    params, signature = fake_twilio.inbound_request(
        SMS_URL, client.phone, OUR_NUMBER, "x" * (2 * MB)
    )
    started = time.monotonic()
    response = twilio_app.test_client().post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 413
    assert time.monotonic() - started < 2
    assert inbound_rows() == []
    assert sent_bodies(fake_twilio, client.phone) == []


def test_a_longest_text_still_goes_through(twilio_app, fake_twilio, make_client):
    client = make_client()
    response = post_sms(twilio_app, fake_twilio, client.phone, "é" * 1600)
    assert response.status_code == 200
    assert len(inbound_rows()) == 1


def test_status_callback_is_bounded_too(twilio_app, fake_twilio):
    response, body, _ = claimed_post(twilio_app, "/twilio/status", 60 * MB)
    assert response.status_code == 413 and body.reads == 0


def test_2_mb_staff_form_is_413_unread(app, provider):
    web = sign_in(app, provider)
    body = UnreadBody()
    response = web.post(
        "/clients/new",
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"CONTENT_LENGTH": str(2 * MB)},
    )
    assert response.status_code == 413
    assert body.reads == 0
    assert db.session.scalars(db.select(Client)).all() == []


def test_limits_are_settings(make_app):
    app = make_app(MAX_REQUEST_KB="64", WEBHOOK_MAX_KB="8")
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert app.config["WEBHOOK_MAX_BYTES"] == 8 * 1024
    response, _, _ = claimed_post(app, "/twilio/sms", 9 * 1024)
    assert response.status_code == 413


def test_the_import_takes_more_than_a_webhook(app, provider):
    """The CSV import's own limit (2 MB a request) is above the webhook's and the pages'."""
    from companion.web.imports.views import REQUEST_LIMIT

    assert REQUEST_LIMIT > app.config["MAX_CONTENT_LENGTH"] > app.config["WEBHOOK_MAX_BYTES"]
    web = sign_in(app, provider)
    body = UnreadBody()
    response = web.post(
        "/appointments/import",
        input_stream=body,
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(REQUEST_LIMIT + 1)},
    )
    assert response.status_code == 413 and body.reads == 0


# -- control characters in staff forms -------------------------------------------------


def client_form(provider, **overrides):
    data = {
        "display_name": "Rosa",
        "phone": "(213) 555-0150",
        "language": "es",
        "timezone": "America/Los_Angeles",
        "send_window_start": "08:00",
        "send_window_end": "21:00",
        "risk_level": "III",
        "officer_id": "0",
        "status": "active",
        "consent": "y",
        "provider_id": str(provider.id),
    }
    data.update(overrides)
    return data


CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\t", "\n"]
MESSAGE = "invisible control characters"


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_control_character_in_a_client_name_is_refused_in_words(app, provider, char):
    web = sign_in(app, provider)
    response = web.post("/clients/new", data=client_form(provider, display_name=f"Ro{char}sa"))
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 422)
    assert MESSAGE in page
    assert 'value="Rosa"' in page  # what was typed, without the control character
    assert db.session.scalars(db.select(Client)).all() == []


def test_the_message_is_in_spanish_for_a_spanish_page(app, provider):
    web = sign_in(app, provider)
    web.post("/language", data={"language": "es", "next": "/clients/new"})
    response = web.post("/clients/new", data=client_form(provider, display_name="Ro\x00sa"))
    page = response.get_data(as_text=True)
    assert MESSAGE not in page
    assert "caracteres de control" in page


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\x9b"])
def test_control_character_in_an_appointment_place_is_refused(app, provider, make_client, char):
    client = make_client()
    web = sign_in(app, provider)
    response = web.post(
        f"/clients/{client.id}/appointments",
        data={
            "kind": "court_date",
            "day": "2026-11-25",
            "at": "15:00",
            "location": f"200 Main{char} St",
        },
    )
    assert response.status_code in (200, 400, 422)
    page = response.get_data(as_text=True)
    assert MESSAGE in page
    assert "200 Main St" in page
    assert db.session.scalars(db.select(Appointment)).all() == []


def test_tab_and_line_breaks_stay_allowed_in_a_text_area(app, provider, make_client):
    from companion.web.language import CONTROL_IN_TEXTAREA

    assert not CONTROL_IN_TEXTAREA.search("first line\r\n\tsecond line")
    assert CONTROL_IN_TEXTAREA.search("nul\x00") and CONTROL_IN_TEXTAREA.search("esc\x1b")


def test_every_staff_form_is_a_staff_form():
    """One filter for all forms: every form class in the web package goes through it."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import companion.web
    from companion.web.language import StaffForm

    forms = []
    for info in pkgutil.walk_packages(companion.web.__path__, "companion.web."):
        module = importlib.import_module(info.name)
        forms += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, FlaskForm) and obj is not FlaskForm
        ]
    assert forms
    assert all(issubclass(form, StaffForm) for form in forms)


# -- twelve copies of one inbound text at once -----------------------------------------

ON_POSTGRES_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.mark.postgres_only
@ON_POSTGRES_ONLY
def test_twelve_concurrent_copies_of_one_text_all_answer_2xx_once(
    twilio_app, fake_twilio, make_client
):
    phone = make_client().phone  # read here: the threads have no application context
    sid = "SM" + "c" * 32
    copies = 12
    barrier = threading.Barrier(copies)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(post_sms(twilio_app, fake_twilio, phone, "hello", sid=sid).status_code)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(statuses) == copies and all(200 <= s < 300 for s in statuses), statuses
    rows = inbound_rows()
    assert len(rows) == 1 and rows[0].provider_sid == sid
    assert len(sent_bodies(fake_twilio, phone)) == 1


def test_a_repeated_message_sid_is_stored_once_on_either_database(
    twilio_app, fake_twilio, make_client
):
    client = make_client()
    sid = "SM" + "d" * 32
    first = post_sms(twilio_app, fake_twilio, client.phone, "hello", sid=sid)
    again = post_sms(twilio_app, fake_twilio, client.phone, "hello", sid=sid)
    assert (first.status_code, again.status_code) == (200, 200)
    assert len(inbound_rows()) == 1
    assert len(sent_bodies(fake_twilio, client.phone)) == 1
