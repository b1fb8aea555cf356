"""Approved for sending (issue 16, item 6): in production a drafted translation waits for
an admin's approval and its clients get English (or the fallback) meanwhile; in
development, demo and testing every language goes out, marked drafted on the pages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from companion.extensions import db
from companion.messaging.compose import render
from companion.messaging.dispatch import Dispatcher
from companion.messaging.i18n import review_of, shipped_languages
from companion.messaging.languages import LanguagePolicy, Why, choose
from companion.messaging.outbox import enqueue
from companion.models import AuditEvent, LanguageApproval, Message
from companion.runtime import dispatch_settings, transport
from companion.services import languages
from companion.settings import ConfigError, Settings

from helpers import MONDAY_9AM, sign_in

PRODUCTION = LanguagePolicy(production=True)


def test_production_sends_a_drafted_language_only_once_approved():
    assert not review_of("es").reviewed  # drafted by the developers, as shipped
    assert choose("es", PRODUCTION) == ("en", Why.NOT_APPROVED)
    approved = replace(PRODUCTION, approved=frozenset({"es"}))
    assert choose("es", approved) == ("es", Why.APPROVED)
    # Development, demo and testing: sent as drafted.
    assert choose("es", LanguagePolicy()) == ("es", Why.DRAFTED)
    assert choose("en", PRODUCTION) == ("en", Why.REVIEWED)
    assert choose("xx", PRODUCTION) == ("en", Why.NO_CATALOG)


def test_the_fallback_is_used_only_when_it_may_be_sent_itself():
    spanish = replace(PRODUCTION, fallback="es")
    assert choose("vi", spanish) == ("en", Why.NOT_APPROVED)  # Spanish is not approved either
    assert choose("vi", replace(spanish, approved=frozenset({"es"}))) == ("es", Why.NOT_APPROVED)


def test_the_fallback_setting_must_be_a_shipped_language():
    assert Settings(companion_env="testing", language_fallback="es").language_fallback == "es"
    with pytest.raises((ConfigError, ValueError)):
        Settings(companion_env="testing", language_fallback="xx")
    assert Settings(companion_env="production", secret_key="k" * 32).dispatch(
    ).require_language_approval  # fmt: skip


def _welcome(client, n: int) -> Message:
    row = enqueue(db.session, now=MONDAY_9AM, kind="welcome", dedupe_key=f"welcome:{n}",
                  client_id=client.id, send_after=MONDAY_9AM)  # fmt: skip
    db.session.commit()
    assert row is not None
    return row


def _sent_body(row_id: int, production: bool) -> str:
    settings = replace(dispatch_settings(), require_language_approval=production)
    with Dispatcher(db.session, transport(), settings) as dispatcher:
        dispatcher.run(MONDAY_9AM, only_ids=[row_id])
    db.session.expire_all()
    row = db.session.get(Message, row_id)
    assert row is not None and row.body
    return row.body


def test_the_dispatcher_sends_english_until_an_admin_approves(app, make_client, staff):
    client = make_client(language="es")
    english = render("welcome", "en", {"name": "Ana"}).body.split(".")[0]
    spanish = render("welcome", "es", {"name": "Ana"}).body.split(".")[0]
    assert english in _sent_body(_welcome(client, 1).id, production=True)
    assert languages.language_in_use(db.session, client, production=True) == (
        "en", Why.NOT_APPROVED)  # fmt: skip

    admin = staff("admin", name="Ada Admin")
    languages.set_approval(db.session, "es", True, admin, MONDAY_9AM, "read by M. Ruiz")
    assert spanish in _sent_body(_welcome(client, 2).id, production=True)
    assert languages.language_in_use(db.session, client, production=True) == (
        "es", Why.APPROVED)  # fmt: skip
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "language.approved"))
    assert event.one().details == {"language": "es", "note": "read by M. Ruiz"}

    languages.set_approval(db.session, "es", False, admin, MONDAY_9AM)
    assert english in _sent_body(_welcome(client, 3).id, production=True)
    # Outside production the client's own language goes out, approved or not.
    assert spanish in _sent_body(_welcome(client, 4).id, production=False)
    assert languages.language_in_use(db.session, client, production=False) == (
        "es", Why.DRAFTED)  # fmt: skip


def test_the_admin_page_lists_every_language_and_approves(app, staff):
    admin = staff("admin", name="Ada Admin")
    web = sign_in(app, admin)
    page = web.get("/admin/languages/").get_data(as_text=True)
    assert page.count('<th scope="row">') == len(shipped_languages()) == 10
    assert "drafted translation" in page
    response = web.post("/admin/languages/fa", data={"decision": "approve", "fa-note": "ok"})
    assert response.status_code == 302
    row = db.session.get(LanguageApproval, "fa")
    assert row is not None and row.approved and row.approved_by_id == admin.id
    assert row.note == "ok" and row.approved_at is not None
    page = web.get("/admin/languages/").get_data(as_text=True)
    assert "Withdraw approval" in page and "Ada Admin" in page
    assert web.post("/admin/languages/en", data={"decision": "approve"}).status_code == 404
    # A provider may not decide (tests/security/test_policy.py walks every role).
    provider = staff("provider", name="Pat Provider")
    assert sign_in(app, provider).post("/admin/languages/fa", data={}).status_code == 403
