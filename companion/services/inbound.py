"""Receiving a text: store it, find who sent it, read it once, screen it, and answer.

The Twilio webhook and the phone simulator both call ``receive``: a reply
typed in the simulator takes exactly the path of a real SMS.

Every text from a client is read ONCE (``messaging.understanding.read``, against what
the client's open question expects) and screened FIRST (issue 14, DOMAIN.md "Replies
that need a person now"): whatever the client's state (opted out, paused, no open
question, no plan), inside a STOP message too, and for each client of a shared number,
risk signals reach a person before keywords, opt-outs, answers and pauses are applied.
The same Reading then decides the keyword and the answer (docs/understanding-flow.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from companion.care.consent import ConsentDecision, Keyword, decide
from companion.care.phones import to_e164
from companion.messaging import understanding
from companion.messaging.outbox import cancel_pending, enqueue
from companion.messaging.texts import KINDS
from companion.messaging.understanding import Reading
from companion.models import (
    Client,
    Consent,
    Direction,
    Message,
    StaffUser,
    Status,
)
from companion.services import audit, conversation
from companion.services.tasks import reply_task

log = logging.getLogger(__name__)

# A text is at most 1,600 characters at Twilio; keep more than that but not unbounded.
MAX_BODY = 5000


Replies = list[tuple[str, dict[str, Any]]]
# Decides what an ordinary reply means (an answer, a confirmation...) from its Reading and
# which texts answer it: (kind, params) pairs. Supplied by companion.services.replies.hooks.
Router = Callable[[Session, Client, Message, Reading, datetime, conversation.Questions], Replies]
# A text from a staff member's registered phone ("OK 4821"): the one answer to send back.
StaffRouter = Callable[[Session, StaffUser, Message, datetime], tuple[str, dict[str, Any]]]
# Told when a client's texting consent changes (an opt-out starts a channel-change task).
ConsentHook = Callable[[Session, Client, Consent, datetime], None]
# Screening: alerts a person about every risk signal of the Reading (an escalation with
# the text linked) and gives the crisis reply, if any, to send at once.
Screener = Callable[[Session, Client, Message, Reading, datetime], Replies]

# The replies a keyword gets: kept beside a crisis reply (a "stop texting me, I want to
# die" gets the crisis reply AND the one opt-out confirmation). Any other reply is
# replaced by the crisis reply.
KEYWORD_REPLIES = frozenset({"opt_out_confirm", "opt_in_confirm", "help"})
# "stop" inside a longer text that is not an opt-out: the client is told how to opt out.
STOP_HINT = "stop_hint"


@dataclass
class Received:
    message: Message
    client: Client | None
    keyword: Keyword | None
    reply_ids: list[int] = field(default_factory=list)
    duplicate: bool = False
    reading: Reading | None = None


def receive(
    session: Session,
    *,
    from_number: str,
    to_number: str,
    body: str,
    now: datetime,
    provider_sid: str | None = None,
    num_media: int = 0,
    region: str = "US",
    router: Router | None = None,
    staff_router: StaffRouter | None = None,
    on_consent: ConsentHook | None = None,
    screen: Screener | None = None,
) -> Received:
    """Store one inbound text and queue the answer it needs. The caller commits.

    The hooks come from ``companion.services.replies.hooks`` (bound to the app's
    settings by ``companion.runtime.HOOKS``): the screening of every client text
    (alerts and the crisis reply), what an ordinary reply means, what a staff
    member's text means, and what follows a change of consent. Without them a
    reply is only acknowledged.
    """
    sender = to_e164(from_number, region) or from_number.strip()[:20]
    # Two clients may share a phone (a couple, a family phone): never guess who wrote.
    matches = list(session.scalars(select(Client).where(Client.phone == sender).limit(2)))
    client = matches[0] if len(matches) == 1 else None
    values: dict[str, Any] = {
        "direction": Direction.INBOUND,
        "kind": "inbound",
        "client_id": client.id if client else None,
        "from_number": sender,
        "to_number": (to_number or "").strip()[:20] or None,
        # PostgreSQL text cannot hold NUL; keep the rest of the message as sent.
        "body": body[:MAX_BODY].replace("\x00", "\ufffd"),
        "num_media": num_media,
        "provider_sid": provider_sid,
        "status": Status.RECEIVED,
        "params": {},
        "created_at": now,
        "updated_at": now,
    }
    if provider_sid:
        # One row per provider message, however many copies of the webhook arrive at
        # once: the insert ignores the clash on provider_sid (a concurrent copy waits
        # for the first to commit), and every copy after the first is answered as a retry.
        # The row comes back from the INSERT itself (RETURNING): no second round trip.
        inserted = session.scalars(
            _insert(session)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["provider_sid"])
            .returning(Message)
        ).one_or_none()
        if inserted is None:  # the provider retried its webhook: already handled
            existing = session.scalars(
                select(Message).where(Message.provider_sid == provider_sid)
            ).one()
            return Received(existing, existing.client, None, duplicate=True)
        message = inserted
    else:
        message = Message(**values)
        session.add(message)
        session.flush()

    if len(matches) > 1:
        return _from_shared_number(session, matches, message, now, on_consent, screen)
    if client is None:
        staff = None
        if staff_router is not None:
            staff = session.scalars(
                select(StaffUser).where(
                    StaffUser.phone == sender, StaffUser.is_active_account.is_(True)
                )
            ).first()
        if staff is None:
            return Received(message, None, None, reply_ids=_answer_stranger(session, sender, now))
        message.staff_user_id = staff.id
        assert staff_router is not None
        kind, params = staff_router(session, staff, message, now)
        reply = enqueue(
            session,
            kind=kind,
            dedupe_key=f"reply:{message.id}",
            staff_user_id=staff.id,
            params=params,
            now=now,
        )
        return Received(message, None, None, reply_ids=[reply.id] if reply else [])

    known = conversation.questions(session, client.id, now)  # once per text
    reading = _read(client, message, known, now)
    # 1. Screening, first: a person hears of every risk signal, whatever follows.
    crisis = screen(session, client, message, reading, now) if screen is not None else []
    # 2. Keywords: STOP, START, HELP change consent (or answer) as the Reading says.
    keyword = Keyword(reading.keyword) if reading.keyword else None
    decision = _keyword(session, client, keyword, message, now, on_consent)
    replies: Replies = []
    if decision.reply_kind == "received" and router is not None:
        # 3. Answers and everything else: the same Reading, bound to the open question.
        replies = router(session, client, message, reading, now, known)
    elif decision.reply_kind:
        message.binding = "keyword"  # care.conversation.Binding.KEYWORD
        replies = [(decision.reply_kind, {})]
    elif keyword is None and not reading.signals:
        # Opted out: not answered, but a person reads what they wrote (nothing is
        # closed silently); a signal has already reached someone as an alert.
        reply_task(
            session, client_id=client.id, kind="opted_out_text", message_id=message.id,
            note="A text from a client who opted out of texts", now=now,
        )  # fmt: skip
    replies = _with_crisis(client, crisis, replies)
    if _hint_stop(reading, client):
        replies.append((STOP_HINT, {}))
    reply_ids = _queue(session, client, message, replies, now)
    return Received(message, client, keyword, reply_ids=reply_ids, reading=reading)


def _hint_stop(reading: Reading, client: Client) -> bool:
    """Whether to add "Reply STOP to end these texts": "stop" inside a sentence that is
    not an opt-out ("I want to stop drinking"), to a client still texted, and never
    beside a crisis reply ("I want to stop living" needs a person, not texting rules)."""
    return (
        reading.stop_mentioned
        and reading.keyword is None
        and not reading.urgent
        and client.consent != Consent.OPTED_OUT
    )


def _read(
    client: Client, message: Message, known: conversation.Questions, now: datetime
) -> Reading:
    """The one reading of a client's text, against what their open question expects."""
    return understanding.read(
        message.body or "",
        client.language,
        conversation.expects_of(known, now),
        opted_out=client.consent == Consent.OPTED_OUT,
        conditions=conditions_of(client),
    )


def conditions_of(client: Client) -> frozenset[str]:
    """The client's supervision conditions that matter for reading ({"no_minors_places"}).

    Not recorded as data yet (a plan's external controls are free text): none, so places
    where children gather raise nothing on their own; children in the home, babysitting
    and online contact with teens are flagged whatever the conditions."""
    return frozenset()


def _with_crisis(client: Client, crisis: Replies, replies: Replies) -> Replies:
    """The crisis reply first, in place of the usual answer; a keyword's own reply (the
    opt-out confirmation, HELP) still follows it. To a client who has opted out (now or
    before) only the crisis texts that may follow an opt-out go: they answer the
    client's own message (messaging/texts.py, ``after_opt_out``)."""
    if client.consent == Consent.OPTED_OUT:
        crisis = [r for r in crisis if KINDS[r[0]].after_opt_out]
    if not crisis:
        return list(replies)
    return [*crisis, *(r for r in replies if r[0] in KEYWORD_REPLIES)]


def _keyword(
    session: Session,
    client: Client,
    keyword: Keyword | None,
    message: Message,
    now: datetime,
    on_consent: ConsentHook | None,
) -> ConsentDecision:
    """Apply a compliance keyword (STOP, START, HELP) to the client's consent."""
    decision = decide(client.consent, keyword)
    if decision.changed:
        client.consent = decision.new_consent
        client.consent_changed_at = now
        client.updated_at = now
        if decision.new_consent == Consent.OPTED_OUT:
            cancel_pending(session, client_id=client.id, reason="client opted out", now=now)
        audit.record(
            session,
            "client.opted_out" if decision.new_consent == Consent.OPTED_OUT else "client.opted_in",
            now=now,
            actor_kind="client",
            subject=client,
            details={"how": "text reply", "message_id": message.id},
        )
        if on_consent is not None:
            on_consent(session, client, decision.new_consent, now)
    return decision


def _from_shared_number(
    session: Session,
    clients: list[Client],
    message: Message,
    now: datetime,
    on_consent: ConsentHook | None,
    screen: Screener | None,
) -> Received:
    """A text from a number two clients share: it is kept, bound to no one, and staff are
    asked who wrote it. It is screened for each of them (both teams hear of a signal);
    STOP or START counts for the number, so for each of them."""
    message.binding = "shared"  # care.conversation.Binding.SHARED
    # Whose language is unknown: an unknown language reads every shipped language.
    reading = understanding.read(message.body or "", "", None, opted_out=False)
    keyword = Keyword(reading.keyword) if reading.keyword else None
    crisis: Replies = []
    reply_kind = "received"
    for client in clients:
        if screen is not None:
            crisis = screen(session, client, message, reading, now) or crisis
        decision = _keyword(session, client, keyword, message, now, on_consent)
        if keyword is None:
            reply_task(
                session, client_id=client.id, kind="shared_number", message_id=message.id,
                note="A text from a number two clients share: who wrote it?", now=now,
            )  # fmt: skip
        else:
            reply_kind = decision.reply_kind or reply_kind
    replies = _with_crisis(clients[0], crisis, [(reply_kind, {})])
    reply_ids = _queue(session, clients[0], message, replies, now)
    return Received(message, None, keyword, reply_ids, reading=reading)


def _queue(
    session: Session,
    client: Client,
    message: Message,
    replies: list[tuple[str, dict[str, Any]]],
    now: datetime,
) -> list[int]:
    """Queue the texts back (each once per received text, however often it is retried)."""
    reply_ids: list[int] = []
    for n, (kind, params) in enumerate(replies):
        reply = enqueue(
            session,
            kind=kind,
            dedupe_key=f"reply:{message.id}" + (f":{n}" if n else ""),
            client_id=client.id,
            appointment_id=params.get("appointment_id"),
            params={k: v for k, v in params.items() if k != "appointment_id"},
            now=now,
        )
        if reply is not None:
            reply_ids.append(reply.id)
    return reply_ids


def _insert(session: Session) -> Any:
    """INSERT for this session's database, with its ON CONFLICT clause."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(Message)


def _answer_stranger(session: Session, sender: str, now: datetime) -> list[int]:
    """One neutral answer a day to a number we do not know; it reveals nothing."""
    digest = hashlib.sha256(sender.encode()).hexdigest()[:16]
    reply = enqueue(
        session,
        kind="unknown_sender",
        dedupe_key=f"stranger:{digest}:{now.date().isoformat()}",
        to_number=sender,
        now=now,
    )
    return [reply.id] if reply is not None else []
