"""The dispatcher: takes due rows from the outbox and sends them.

(About 690 lines: one state machine — claim, render, send, record, recover — whose steps
must agree on every status move; it reads top to bottom in the order a row lives it.)

One pass (``Dispatcher.run``):
1. rows past ``expires_at`` are dropped as ``expired`` (never sent late);
2. rows left ``sending`` by a crash are settled (see ``recover_interrupted``);
3. due rows are claimed in batches (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
   so several dispatchers share the load), passed through the send-time gates
   (``messaging/gates.py``: quiet hours and the daily cap, for every text that
   is not a direct answer; a held row goes back to ``pending`` in the same
   transaction), rendered in the recipient's language of this moment, and sent
   through the transport by a small thread pool. Only the provider call runs in
   the pool; the database is touched from the calling thread alone.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from companion.care.phones import display_phone
from companion.messaging import audit, gates
from companion.messaging.compose import Rendered, render
from companion.messaging.languages import LanguagePolicy, load_policy
from companion.messaging.languages import choose as choose_language
from companion.messaging.outbox import cancel_pending
from companion.messaging.retry import RetryPolicy
from companion.messaging.texts import KINDS
from companion.messaging.transports.base import SendResult, Transport, TransportError
from companion.models import (
    PROVIDER_STATUS_RANK,
    Client,
    ClientStatus,
    Consent,
    Direction,
    Message,
    StaffUser,
    Status,
)

log = logging.getLogger(__name__)

# Fills in what a text says as of the moment it is sent (an appointment's
# current time, the next line of the current plan), or returns None when the
# text no longer applies. Supplied by the layer above (companion.services.planning).
Resolver = Callable[[Session, Message, Client], dict[str, Any] | None]
# Whether a text must wait its turn (an asking text while the client has another question
# open: services.conversation.waits_for_open_question). It stays pending, it is not dropped.
Hold = Callable[[Session, Message, datetime], bool]
HOLD_RETRY = timedelta(minutes=5)


@dataclass(frozen=True)
class DispatchSettings:
    """What the dispatcher needs; built from the app's settings (``Settings.dispatch``)."""

    concurrency: int = 8
    batch_size: int = 200
    max_attempts: int = 5
    retry_base_seconds: int = 30
    lease_seconds: int = 300
    public_base_url: str = ""
    program_name: str = "Companion"
    care_team_name: str = ""
    care_team_phone: str = ""
    region: str = "US"
    hold_unreviewed_languages: bool = False
    # Production: a drafted language goes out only once an admin approved it; until
    # then its clients get ``language_fallback`` (messaging/languages.py).
    require_language_approval: bool = False
    language_fallback: str = "en"
    daily_caps: gates.DailyCaps = field(default_factory=gates.DailyCaps)

    @property
    def retry(self) -> RetryPolicy:
        """Retries with doubling waits from ``retry_base_seconds``, at most an hour apart."""
        return RetryPolicy(self.max_attempts, timedelta(seconds=self.retry_base_seconds))


@dataclass
class DispatchSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0
    recovered: int = 0
    held: int = 0  # by a send-time gate, to a later send_after
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"sent {self.sent}, retrying {self.retried}, failed {self.failed}, "
            f"expired {self.expired}, withdrawn {self.cancelled}, recovered {self.recovered}, "
            f"held {self.held}"
        )


def status_for(provider_status: str) -> Status:
    """Our status for a provider's delivery status."""
    if provider_status in ("delivered", "read"):
        return Status.DELIVERED
    if provider_status == "undelivered":
        return Status.UNDELIVERED
    if provider_status == "failed":
        return Status.FAILED
    return Status.SENT


@dataclass
class _Prepared:
    message_id: int
    token: str
    to: str
    body: str
    callback: str | None
    since: datetime | None  # set when an earlier attempt may have gone through
    known: frozenset[str]  # provider ids of our other texts to this number
    rendered: Rendered


_Batch = list[tuple[_Prepared, "Future[SendResult]"]]


@dataclass
class _Recipients:
    clients: dict[int, Client]
    staff: dict[int, StaffUser]
    gate_batch: gates.GateBatch
    phones: dict[str, str] = field(default_factory=dict)  # E.164 -> as written locally
    languages: LanguagePolicy = field(default_factory=LanguagePolicy)


@dataclass
class InFlight:
    """A batch handed to the provider and not yet recorded (``Dispatcher.start``)."""

    now: datetime
    batch: _Batch
    summary: DispatchSummary

    @property
    def futures(self) -> list[Future[SendResult]]:
        return [future for _, future in self.batch]

    def answered(self) -> bool:
        """True once the provider has answered every text of the batch."""
        return all(future.done() for future in self.futures)


class Dispatcher:
    """Sends due outbox rows through one transport."""

    def __init__(
        self,
        session: Session,
        transport: Transport,
        settings: DispatchSettings,
        resolve: Resolver | None = None,
        hold: Hold | None = None,
    ) -> None:
        self.session = session
        self.transport = transport
        self.settings = settings
        self.resolve = resolve
        self.hold = hold
        self._pool = ThreadPoolExecutor(
            max_workers=settings.concurrency, thread_name_prefix="dispatch"
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one pass -------------------------------------------------------------

    def run(self, now: datetime, only_ids: Iterable[int] | None = None) -> DispatchSummary:
        """Expire, recover and send everything due at ``now`` (or only ``only_ids``)."""
        summary = DispatchSummary()
        ids = list(only_ids) if only_ids is not None else None
        if ids is None:
            # Outbox-wide housekeeping belongs to the worker's full pass: a few named
            # rows (an answer to a text just received) skip expired rows in the claim.
            summary.expired = self.expire(now)
            summary.recovered = self.recover_interrupted(now)
        # Batches overlap: the next one is claimed, written and handed to the
        # pool before the answers of the previous one are stored, so the
        # provider calls do not wait on the database (docs/performance.md).
        previous: _Batch | None = None
        while True:
            claimed = self._claim(now, ids)
            current = self._start_batch(claimed, now, summary) if claimed else None
            # The rows' ORM objects are not needed any more: let them go now, or
            # every later commit would expire them all over again.
            del claimed
            if previous is not None:
                self._finish_batch(previous, now, summary)
            previous = current
            if current is None or ids is not None:
                break
        if previous is not None:
            self._finish_batch(previous, now, summary)
        return summary

    # -- the fast lane: a batch handed to the provider without waiting ---------

    def start(self, now: datetime, ids: Iterable[int]) -> InFlight:
        """Claim these rows (those still pending, due and unexpired), render them, commit,
        and hand them to the pool; returns without waiting on the provider.

        The claim is the one every pass makes, so a worker pass running at the same time
        never sends a row twice: whichever claims it first sends it. ``finish`` stores the
        answers (``companion.messaging.lane`` drives the two).
        """
        summary = DispatchSummary()
        claimed = self._claim(now, list(ids))
        batch = self._start_batch(claimed, now, summary) if claimed else []
        return InFlight(now, batch, summary)

    def finish(self, sending: InFlight) -> DispatchSummary:
        """Wait for the provider's answers to a started batch and store them."""
        if sending.batch:
            self._finish_batch(sending.batch, sending.now, sending.summary)
        return sending.summary

    def expire(self, now: datetime) -> int:
        """Drop unsent rows whose moment has passed; they are kept as ``expired``."""
        result = self.session.execute(
            update(Message)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.status == Status.PENDING,
                # Only rows already due: a row expires no earlier than it could have
                # gone, and this keeps the sweep on the (status, send_after) index, so
                # its cost follows what is due, not the size of the outbox.
                Message.send_after <= now,
                Message.expires_at.is_not(None),
                Message.expires_at <= now,
            )
            .values(
                status=Status.EXPIRED,
                status_reason="its time had passed before it could be sent",
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        count = result.rowcount or 0
        if count:
            audit.record(self.session, "outbox.expired", now=now, details={"count": count})
            log.warning("outbox: %d text(s) expired unsent", count)
        self.session.commit()
        return count

    def recover_interrupted(self, now: datetime) -> int:
        """Settle rows left ``sending`` longer than the lease (a crash mid-send).

        Such a row may or may not have reached the provider. It is never
        silently dropped and never blindly sent again: the provider is asked
        whether a text with that body went to that number since the claim.
        If it did, the row becomes ``sent`` with the provider's id; if not,
        it goes back to ``pending``. If the provider cannot be asked, the row
        waits for the next pass.
        """
        cutoff = now - timedelta(seconds=self.settings.lease_seconds)
        stale = self.session.scalars(
            select(Message).where(
                Message.direction == Direction.OUTBOUND,
                Message.status == Status.SENDING,
                Message.claimed_at < cutoff,
            )
        ).all()
        settled = 0
        for row in stale:
            sid = None
            if row.body and row.to_number and row.claimed_at:
                try:
                    sid = self.transport.find_sent(
                        row.to_number,
                        row.body,
                        row.claimed_at,
                        exclude=self._known_sids(row.to_number, row.id),
                    )
                except TransportError as exc:
                    log.warning("outbox: message %d still unsettled: %s", row.id, exc.reason)
                    continue
            if sid:
                values = {
                    "status": Status.SENT,
                    "provider_sid": sid,
                    "sent_at": row.sent_at or row.claimed_at,
                    "status_reason": "confirmed with the provider after an interrupted send",
                }
            else:
                values = {
                    "status": Status.PENDING,
                    "status_reason": "interrupted before the provider took it; sending again",
                }
            # Guarded by the crashed claim: another dispatcher may have settled
            # (and even re-claimed) this row since it was read above.
            settled_here = self.session.execute(
                update(Message)
                .where(
                    Message.id == row.id,
                    Message.status == Status.SENDING,
                    Message.claim_token == row.claim_token,
                )
                .values(claim_token=None, updated_at=now, **values)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not settled_here:
                continue
            audit.record(
                self.session,
                "outbox.recovered",
                now=now,
                subject=row,
                details={"outcome": "sent" if sid else "requeued"},
            )
            settled += 1
        self.session.commit()
        return settled

    def _known_sids(self, to: str, message_id: int) -> frozenset[str]:
        """Provider ids our other texts to ``to`` already hold: never this text's."""
        return frozenset(
            self.session.scalars(
                select(Message.provider_sid).where(
                    Message.to_number == to,
                    Message.direction == Direction.OUTBOUND,
                    Message.provider_sid.is_not(None),
                    Message.id != message_id,
                )
            )
        )

    # -- claiming and sending -------------------------------------------------

    def _claim(self, now: datetime, only_ids: list[int] | None) -> list[Message]:
        query = (
            select(Message.id)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.status == Status.PENDING,
                Message.send_after <= now,
            )
            .order_by(Message.send_after, Message.id)
            .limit(self.settings.batch_size)
        )
        if only_ids is not None:
            if not only_ids:
                return []
            # No expiry sweep before a claim by id (see run): an expired row is left
            # for the worker's pass to mark, never sent late.
            query = query.where(
                Message.id.in_(only_ids),
                or_(Message.expires_at.is_(None), Message.expires_at > now),
            )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(query))
        if not ids:
            self.session.commit()
            return []
        token = uuid.uuid4().hex
        # The status guard makes the claim safe on SQLite too, where there is no SKIP LOCKED.
        self.session.execute(
            update(Message)
            .where(Message.id.in_(ids), Message.status == Status.PENDING)
            .values(
                status=Status.SENDING,
                claim_token=token,
                claimed_at=now,
                attempts=Message.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        # Not committed yet: _send_batch commits the claim together with the
        # rendered texts, before anything is handed to the provider.
        return list(
            self.session.scalars(
                select(Message)
                .where(Message.claim_token == token)
                .order_by(Message.id)
                .execution_options(populate_existing=True)
            )
        )

    def _load_recipients(self, rows: list[Message], now: datetime) -> _Recipients:
        """Everyone this batch texts, their providers, and what the send-time gates need:
        a few queries per batch, never one per row."""
        client_ids = {row.client_id for row in rows if row.client_id is not None}
        clients = (
            {c.id: c for c in self.session.scalars(select(Client).where(Client.id.in_(client_ids)))}
            if client_ids
            else {}
        )
        staff_ids = {c.provider_id for c in clients.values()} | {
            row.staff_user_id for row in rows if row.staff_user_id is not None
        }
        staff = (
            {
                s.id: s
                for s in self.session.scalars(select(StaffUser).where(StaffUser.id.in_(staff_ids)))
            }
            if staff_ids
            else {}
        )
        batch = gates.load_batch(self.session, rows, clients, now, self.settings.daily_caps)
        policy = load_policy(
            self.session,
            production=self.settings.require_language_approval,
            fallback=self.settings.language_fallback,
            hold_unreviewed=self.settings.hold_unreviewed_languages,
        )
        return _Recipients(clients, staff, batch, languages=policy)

    def _start_batch(self, rows: list[Message], now: datetime, summary: DispatchSummary) -> _Batch:
        """Render the claimed rows, commit, and hand them to the pool."""
        recipients = self._load_recipients(rows, now)
        prepared: list[_Prepared] = []
        # One flush for the batch at the commit below, not one per row whenever
        # a look-up (a resolver's query, _known_sids) would trigger autoflush.
        with self.session.no_autoflush:
            for row in rows:
                item = self._prepare(row, now, recipients)
                if item is not None:
                    prepared.append(item)
                    recipients.gate_batch.note_sending(row)
                elif row.status == Status.PENDING:
                    summary.held += 1
                elif row.status == Status.EXPIRED:
                    summary.expired += 1
                else:
                    summary.cancelled += 1
        # The claim, bodies and numbers are stored before the provider call, so
        # a crash in between can be settled by asking the provider (recover_interrupted).
        self._store_rendered(prepared)
        self.session.commit()
        return [(item, self._pool.submit(self._send_one, item)) for item in prepared]

    def _store_rendered(self, prepared: Sequence[_Prepared]) -> None:
        """Write what each row will say, and to which number: one statement per batch.

        Written with Core rather than through the rows' ORM objects: the unit of
        work's per-object bookkeeping cost more than the writing itself. The
        ORM still flushes at the commit what a resolver or a withdrawal changed
        (other columns).
        """
        if not prepared:
            return
        table = Message.__table__
        self.session.execute(
            update(table)
            .where(table.c.id == bindparam("m_id"), table.c.claim_token == bindparam("m_token"))
            .values(
                to_number=bindparam("m_to"),
                body=bindparam("m_body"),
                locale=bindparam("m_locale"),
                encoding=bindparam("m_encoding"),
                segments=bindparam("m_segments"),
                transport=self.transport.name,
            ),
            [
                {
                    "m_id": item.message_id,
                    "m_token": item.token,
                    "m_to": item.to,
                    "m_body": item.body,
                    "m_locale": item.rendered.language,
                    "m_encoding": item.rendered.encoding,
                    "m_segments": item.rendered.segments,
                }
                for item in prepared
            ],
        )

    def _finish_batch(self, batch: _Batch, now: datetime, summary: DispatchSummary) -> None:
        """Wait for a batch's provider calls and store their outcomes."""
        successes: list[tuple[_Prepared, SendResult]] = []
        for item, future in batch:
            try:
                result = future.result()
            except TransportError as exc:
                self._record_failure(item, exc, now, summary)
            except Exception as exc:  # a transport bug must not lose the row
                log.exception(
                    "outbox: transport raised unexpectedly for message %d", item.message_id
                )
                self._record_failure(
                    item, TransportError(type(exc).__name__, retryable=True), now, summary
                )
            else:
                successes.append((item, result))
                summary.sent += 1
        self._record_successes(successes, now)
        self.session.commit()

    def _send_one(self, item: _Prepared) -> SendResult:
        """Runs in the pool: the provider call, after a look-up if a try may have landed."""
        if item.since is not None:
            sid = self.transport.find_sent(item.to, item.body, item.since, exclude=item.known)
            if sid:
                return SendResult(provider_sid=sid, provider_status="sent")
        return self.transport.send(item.to, item.body, item.callback)

    def _prepare(self, row: Message, now: datetime, recipients: _Recipients) -> _Prepared | None:
        """Render the row for its recipient as of now; None if it must not go."""
        spec = KINDS.get(row.kind)
        if spec is None:
            return self._withdraw(row, f"unknown kind {row.kind!r}", now)
        params: dict = dict(row.params or {})
        params.setdefault("program", self.settings.program_name)
        if self.settings.care_team_name:
            params.setdefault("team", self.settings.care_team_name)
        language = params.pop("language", "en")
        to = row.to_number

        if row.client_id is not None:
            client = recipients.clients.get(row.client_id)
            if client is None:
                return self._withdraw(row, "client no longer exists", now)
            reason = _why_not_send(client, spec.reply, spec.after_opt_out)
            if reason:
                return self._withdraw(row, reason, now)
            # The one place send-time gates apply (messaging/gates.py), before the
            # resolver's look-ups: a held text is not rendered.
            decision = gates.decide(row, client, recipients.gate_batch)
            if isinstance(decision, gates.Hold):
                return self._hold(row, decision, now)
            if isinstance(decision, gates.Expire):
                return self._withdraw(row, decision.reason, now, Status.EXPIRED)
            # One question at a time (services/conversation.py): an asking text waits
            # while the client has another open question, and is looked at again soon.
            if self.hold is not None and self.hold(self.session, row, now):
                waiting = gates.Hold(now + HOLD_RETRY, "waiting its turn: another question is open")
                return self._hold(row, waiting, now)
            to = client.phone
            language, _ = choose_language(client.language, recipients.languages)
            params.setdefault("name", client.display_name)
            if client.simple_words:
                params["simple"] = True
            provider = recipients.staff.get(client.provider_id)
            phone = (provider.public_phone if provider else None) or self.settings.care_team_phone
            if phone:
                if phone not in recipients.phones:
                    recipients.phones[phone] = display_phone(phone, self.settings.region)
                params.setdefault("phone", recipients.phones[phone])
            if self.resolve is not None:
                extra = self.resolve(self.session, row, client)
                if extra is None:
                    return self._withdraw(row, "no longer applies", now)
                params.update(extra)
        elif row.staff_user_id is not None:
            staff = recipients.staff.get(row.staff_user_id)
            if staff is None or not staff.phone or not staff.is_active_account:
                return self._withdraw(row, "staff member has no phone for texts", now)
            to = staff.phone
        if not to:
            return self._withdraw(row, "no phone number to send to", now)

        try:
            rendered = render(row.kind, language, params)
        except (KeyError, ValueError, TypeError) as exc:
            # A broken template or catalog: keep the row visible, do not send garbage.
            log.error("outbox: message %d could not be rendered: %s", row.id, type(exc).__name__)
            return self._withdraw(row, "could not be written (template error)", now, Status.FAILED)
        callback = None
        if self.settings.public_base_url:
            callback = f"{self.settings.public_base_url}/twilio/status?m={row.id}"
        assert row.claim_token is not None
        if row.uncertain:
            # The last try timed out: look before sending again (see _send_one).
            since, known = row.created_at, self._known_sids(to, row.id)
        else:
            since, known = None, frozenset()
        return _Prepared(
            row.id, row.claim_token, to, rendered.body, callback, since, known, rendered
        )

    def _hold(self, row: Message, hold: gates.Hold, now: datetime) -> None:
        """Back to ``pending`` until ``hold.until``; stored with the claim's commit."""
        row.status = Status.PENDING
        row.send_after = hold.until
        row.status_reason = hold.reason
        row.held_reason = hold.reason
        row.claim_token = None
        row.attempts -= 1  # the claim counted an attempt that never reached the provider
        row.updated_at = now
        log.info("outbox: message %d held to %s", row.id, hold.until.isoformat())
        return None

    def _withdraw(
        self, row: Message, reason: str, now: datetime, status: Status = Status.CANCELLED
    ) -> None:
        row.status = status
        row.status_reason = reason
        row.claim_token = None
        row.updated_at = now
        return None

    def _record_successes(
        self, successes: Sequence[tuple[_Prepared, SendResult]], now: datetime
    ) -> None:
        """Store what the provider said for each text it took: one statement per batch."""
        if not successes:
            return
        table = Message.__table__
        took = [
            {
                "m_id": item.message_id,
                "m_token": item.token,
                "m_status": status_for(result.provider_status),
                "m_sid": result.provider_sid,
                "m_provider_status": result.provider_status,
                "m_delivered_at": now
                if status_for(result.provider_status) == Status.DELIVERED
                else None,
                "m_now": now,
            }
            for item, result in successes
        ]
        # Rows still holding our claim but no longer "sending" had a status
        # callback get there first and move them on: they keep its newer status
        # and only get what it could not know. One statement either way (SET
        # expressions all see the row as it was).
        sending = table.c.status == Status.SENDING

        def ours(value: Any, column: Any) -> Any:
            return case((sending, value), else_=column)

        self.session.execute(
            update(table)
            .where(table.c.id == bindparam("m_id"), table.c.claim_token == bindparam("m_token"))
            .values(
                status=ours(bindparam("m_status", type_=table.c.status.type), table.c.status),
                provider_sid=ours(bindparam("m_sid"), table.c.provider_sid),
                provider_status=ours(bindparam("m_provider_status"), table.c.provider_status),
                sent_at=ours(
                    bindparam("m_now", type_=table.c.sent_at.type),
                    func.coalesce(table.c.sent_at, bindparam("m_now", type_=table.c.sent_at.type)),
                ),
                delivered_at=ours(
                    bindparam("m_delivered_at", type_=table.c.delivered_at.type),
                    table.c.delivered_at,
                ),
                status_reason=ours(None, table.c.status_reason),
                uncertain=ours(False, table.c.uncertain),
                claim_token=None,
                updated_at=now,
            ),
            took,
        )

    def _record_failure(
        self, item: _Prepared, exc: TransportError, now: datetime, summary: DispatchSummary
    ) -> None:
        row = self.session.get(Message, item.message_id)
        if row is None or row.claim_token != item.token:
            return
        if row.status != Status.SENDING:
            # A status callback arrived before this answer (a timeout the provider
            # took after all): the provider's word stands, nothing to retry.
            row.claim_token = None
            row.sent_at = row.sent_at or now
            row.updated_at = now
            summary.sent += 1
            return
        row.error_code = exc.code
        row.claim_token = None
        row.updated_at = now
        # A timeout leaves us not knowing whether the provider took the text.
        row.uncertain = row.uncertain or exc.ambiguous
        retry = self.settings.retry
        if exc.retryable and not retry.gives_up(row.attempts):
            row.status = Status.PENDING
            row.send_after = now + retry.delay(row.attempts)
            row.status_reason = f"{exc.reason}; will retry"
            summary.retried += 1
            log.warning("outbox: message %d: %s; retry %d", row.id, exc.reason, row.attempts)
            return
        row.status = Status.FAILED
        row.status_reason = (
            exc.reason
            if not exc.retryable
            else f"gave up after {row.attempts} attempts: {exc.reason}"
        )
        summary.failed += 1
        log.error("outbox: message %d failed: %s", row.id, row.status_reason)
        audit.record(
            self.session,
            "outbox.failed",
            now=now,
            subject=row,
            details={"code": exc.code, "reason": row.status_reason},
        )
        if exc.code == 21610 and row.client_id is not None:
            _carrier_opt_out(self.session, row.client_id, now)


def _why_not_send(client: Client, reply: bool, after_opt_out: bool) -> str | None:
    """Why a text must not go to this client now, or None if it may."""
    if client.consent == Consent.OPTED_OUT and not after_opt_out:
        return "client opted out"
    if reply:
        return None  # answering what they just sent
    if client.consent != Consent.OPTED_IN:
        return "client has not agreed to texts"
    if client.status != ClientStatus.ACTIVE:
        return f"client is {client.status.value}"
    return None


def _carrier_opt_out(session: Session, client_id: int, now: datetime) -> None:
    """The carrier says the client unsubscribed (21610): stop texting them too."""
    client = session.get(Client, client_id)
    if client is None or client.consent == Consent.OPTED_OUT:
        return
    client.consent = Consent.OPTED_OUT
    client.consent_changed_at = now
    cancel_pending(session, client_id=client_id, reason="client opted out", now=now)
    audit.record(
        session,
        "client.opted_out",
        now=now,
        actor_kind="system",
        subject=client,
        details={"how": "carrier reported unsubscribed (21610)"},
    )


def apply_provider_status(
    session: Session,
    *,
    message_id: int | None,
    provider_sid: str,
    provider_status: str,
    error_code: int | None,
    now: datetime,
) -> Message | None:
    """Apply a delivery-status callback; statuses only ever move forward.

    The row is found by our id (carried in the callback URL, so a callback
    that overtakes the send's own answer still lands) or by the provider's
    sid. Returns the row, or None when no row matches.
    """
    query = select(Message).where(Message.direction == Direction.OUTBOUND)
    if message_id is not None:
        query = query.where(Message.id == message_id)
    else:
        query = query.where(Message.provider_sid == provider_sid)
    row = session.scalars(query.with_for_update()).first()
    if row is None:
        return None
    if row.provider_sid and row.provider_sid != provider_sid:
        return None  # a callback for some other message: ignore
    new_rank = PROVIDER_STATUS_RANK.get(provider_status)
    if new_rank is None:
        return row
    old_rank = PROVIDER_STATUS_RANK.get(row.provider_status or "", 0)
    row.provider_sid = row.provider_sid or provider_sid
    if new_rank <= old_rank:
        return row  # late or repeated: never move backwards
    row.provider_status = provider_status
    # Whatever we thought (even "pending" after a timed-out send), the
    # provider's word on what happened to the text is the truth.
    row.status = status_for(provider_status)
    row.uncertain = False
    if row.status == Status.DELIVERED:
        row.delivered_at = now
    if error_code:
        row.error_code = error_code
        row.status_reason = f"carrier reported error {error_code}"
    row.updated_at = now
    return row
