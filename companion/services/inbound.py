"""Receiving a text: store it, find who sent it, and answer.

The Twilio webhook and the phone simulator both call ``receive``: a reply
typed in the simulator takes exactly the path of a real SMS.
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

from companion.care.consent import ConsentDecision, decide
from companion.care.phones import to_e164
from companion.messaging.keywords import Keyword, classify
from companion.messaging.outbox import cancel_pending, enqueue
from companion.models import (
    Client,
    Consent,
    Direction,
    Message,
    StaffUser,
    Status,
    Task,
    TaskStatus,
)
from companion.services import audit

log = logging.getLogger(__name__)

# A text is at most 1,600 characters at Twilio; keep more than that but not unbounded.
MAX_BODY = 5000


# Decides what an ordinary reply means (an answer, a confirmation...) and which
# texts answer it: (kind, params) pairs. Supplied by companion.services.replies.hooks.
Router = Callable[[Session, Client, Message, datetime], list[tuple[str, dict[str, Any]]]]
# A text from a staff member's registered phone ("OK 4821"): the one answer to send back.
StaffRouter = Callable[[Session, StaffUser, Message, datetime], tuple[str, dict[str, Any]]]
# Told when a client's texting consent changes (an opt-out starts a channel-change task).
ConsentHook = Callable[[Session, Client, Consent, datetime], None]
# Alerts the team about a keyword message that also says something alarming.
AlertHook = Callable[[Session, Client, Message, datetime], None]


@dataclass
class Received:
    message: Message
    client: Client | None
    keyword: Keyword | None
    reply_ids: list[int] = field(default_factory=list)
    duplicate: bool = False


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
    on_keyword: AlertHook | None = None,
) -> Received:
    """Store one inbound text and queue the answer it needs. The caller commits.

    The hooks come from ``companion.services.replies.hooks`` (bound to the app's
    settings by ``companion.runtime.HOOKS``): what an
    ordinary reply means, what a staff member's text means, and what follows a
    change of consent, and what a keyword message ("stop texting me, I can't
    go on") says besides the keyword. Without them a reply is only acknowledged.
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
        return _from_shared_number(session, matches, message, now, on_consent, on_keyword)
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

    keyword = classify(body, opted_out=client.consent == Consent.OPTED_OUT)
    decision = _keyword(session, client, keyword, message, now, on_consent, on_keyword)
    replies: list[tuple[str, dict[str, Any]]] = []
    if decision.reply_kind == "received" and router is not None:
        replies = router(session, client, message, now)
    elif decision.reply_kind:
        message.binding = "keyword"  # care.conversation.Binding.KEYWORD
        replies = [(decision.reply_kind, {})]
    reply_ids = _queue(session, client, message, replies, now)
    return Received(message, client, keyword, reply_ids=reply_ids)


def _keyword(
    session: Session,
    client: Client,
    keyword: Keyword | None,
    message: Message,
    now: datetime,
    on_consent: ConsentHook | None,
    on_keyword: AlertHook | None,
) -> ConsentDecision:
    """Apply a compliance keyword (STOP, START, HELP) to the client's consent, first."""
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
    if keyword is not None and on_keyword is not None:
        # The keyword is honoured (an opt-out gets its one confirmation and
        # nothing else), but alarming words in the same text still reach a person.
        on_keyword(session, client, message, now)
    return decision


def _from_shared_number(
    session: Session,
    clients: list[Client],
    message: Message,
    now: datetime,
    on_consent: ConsentHook | None,
    on_keyword: AlertHook | None,
) -> Received:
    """A text from a number two clients share: it is kept, bound to no one, and staff are
    asked who wrote it. STOP or START counts for the number, so for each of them; any
    words that need a person now still alert their teams (on_keyword)."""
    message.binding = "shared"  # care.conversation.Binding.SHARED
    keyword = classify(message.body or "", opted_out=False)
    reply_kind = "received"
    for client in clients:
        decision = _keyword(session, client, keyword, message, now, on_consent, on_keyword)
        if keyword is None:
            if on_keyword is not None:
                on_keyword(session, client, message, now)
            session.add(
                Task(
                    client_id=client.id,
                    kind="shared_number",
                    status=TaskStatus.OPEN,
                    message_id=message.id,
                    note="A text from a number two clients share: who wrote it?",
                    created_at=now,
                )
            )
        else:
            reply_kind = decision.reply_kind or reply_kind
    replies = [(reply_kind, {})]
    return Received(message, None, keyword, _queue(session, clients[0], message, replies, now))


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
