"""Send-time gates: whether a claimed text may go to its client at this moment.

Planning puts texts inside the client's texting window when it plans them, but a
text can fall due later than planned (a retry, a welcome queued at 23:50, a
worker that was down, a client who moved timezone). So the dispatcher asks
again at the moment of sending, for every row it claimed (``decide``):

1. Direct answers go at once: a text answering what the client just sent
   (crisis replies, HELP, the STOP confirmation, acknowledgements,
   clarifications). Which kinds those are is one flag, ``TextKind.reply`` in
   ``messaging/texts.py``; ``DIRECT_ANSWERS`` is that set.
2. Every other text passes each gate of ``GATES`` in order:
   - quiet hours: only inside the client's window (default 08:00–21:00) in
     their timezone at this instant; else held to the next opening;
   - daily cap: at most ``DailyCaps`` texts per local day by risk level,
     counting texts already sent that day (direct answers are not counted and
     never blocked: the client chose to write); else held to the next day's opening.
3. A held text whose purpose passes before it could go (``expires_at``: the
   appointment's start, the check-in's close) is expired with the reason instead.

A held text is never dropped: it goes back to ``pending`` with the later
``send_after`` and the reason on ``held_reason`` (shown on the client's page).

To add a gate (e.g. waiting for an open question to close): load what it needs
for the whole batch in ``load_batch`` (one query per batch, never per row), put
it on ``GateBatch``, and append a function to ``GATES``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from companion.care.cadence import derive_level
from companion.care.local_time import local_date, local_instant, next_allowed, within_window
from companion.messaging.texts import KINDS
from companion.models import Client, Direction, Message, Status

# Texts answering the client's own message: never held, never counted.
DIRECT_ANSWERS: frozenset[str] = frozenset(kind for kind, spec in KINDS.items() if spec.reply)

# DOMAIN.md, "Texting rules": quiet hours default 8:00–21:00 in the client's timezone.
DEFAULT_WINDOW = (time(8, 0), time(21, 0))


def is_direct_answer(kind: str) -> bool:
    return kind in DIRECT_ANSWERS


@dataclass(frozen=True)
class DailyCaps:
    """Most gated texts a client gets per local day, by the derived risk level."""

    low: int = 4  # levels I–II
    moderate: int = 6  # level III
    high: int = 8  # levels IVa–IVb

    def for_level(self, level: str) -> int:
        if level in ("I", "II"):
            return self.low
        if level == "III":
            return self.moderate
        return self.high


@dataclass(frozen=True)
class Hold:
    """Not now: try again at ``until`` (a gate gives the short why, ``decide`` the full reason)."""

    until: datetime
    reason: str


@dataclass(frozen=True)
class Expire:
    """Not now, and by the next chance the text's purpose has passed."""

    reason: str


Decision = Hold | Expire | None  # None: send now


@dataclass
class GateBatch:
    """What the gates need about a claimed batch, loaded once (``load_batch``)."""

    now: datetime
    caps: DailyCaps
    # Client id -> gated texts already sent (or being sent) on their local day.
    sent_today: Counter[int] = field(default_factory=Counter)

    def note_sending(self, row: Message) -> None:
        """Count a row this batch is about to send toward its client's cap."""
        if row.client_id is not None and not is_direct_answer(row.kind):
            self.sent_today[row.client_id] += 1


def client_zone(client: Client) -> ZoneInfo:
    return ZoneInfo(client.timezone)


def client_window(client: Client) -> tuple[time, time]:
    return (
        client.send_window_start or DEFAULT_WINDOW[0],
        client.send_window_end or DEFAULT_WINDOW[1],
    )


def _day_start(instant: datetime, zone: ZoneInfo) -> datetime:
    return local_instant(local_date(instant, zone), time(0, 0), zone)


def load_batch(
    session: Session,
    rows: Iterable[Message],
    clients: dict[int, Client],
    now: datetime,
    caps: DailyCaps,
) -> GateBatch:
    """Count each batch client's gated texts of their local day: one query for the batch,
    none when the batch holds only direct answers (the fast lane's usual batch)."""
    batch = GateBatch(now, caps)
    rows = list(rows)
    client_ids = {
        row.client_id for row in rows if row.client_id in clients and not is_direct_answer(row.kind)
    }
    if not client_ids:
        return batch
    day_starts = {cid: _day_start(now, client_zone(clients[cid])) for cid in client_ids}
    since = min(day_starts.values())
    sent = session.execute(
        select(Message.client_id, Message.sent_at, Message.claimed_at).where(
            Message.client_id.in_(client_ids),
            Message.direction == Direction.OUTBOUND,
            Message.kind.not_in(DIRECT_ANSWERS),
            Message.id.not_in([row.id for row in rows]),
            or_(
                Message.sent_at >= since,
                # Claimed by another dispatcher and in flight right now.
                (Message.status == Status.SENDING) & (Message.claimed_at >= since),
            ),
        )
    )
    for client_id, sent_at, claimed_at in sent:
        if (sent_at or claimed_at) >= day_starts[client_id]:
            batch.sent_today[client_id] += 1
    return batch


# -- the gates: each returns a Hold, or None to let the text through ------------------

Gate = Callable[[Message, Client, GateBatch], Hold | None]


def quiet_hours(row: Message, client: Client, batch: GateBatch) -> Hold | None:
    zone = client_zone(client)
    start, end = client_window(client)
    if within_window(batch.now, zone, start, end):
        return None
    until = next_allowed(batch.now, zone, start, end)
    return Hold(
        until,
        f"quiet hours ({start:%H:%M}–{end:%H:%M} {client.timezone})",
    )


def daily_cap(row: Message, client: Client, batch: GateBatch) -> Hold | None:
    level = derive_level(
        client.risk_level.value,
        today=local_date(batch.now, client_zone(client)),
        acute_level=client.acute_level.value if client.acute_level else None,
        release_date=client.release_date,
    ).level
    cap = batch.caps.for_level(level)
    if batch.sent_today[client.id] < cap:
        return None
    zone = client_zone(client)
    start, end = client_window(client)
    tomorrow = local_instant(local_date(batch.now, zone) + timedelta(days=1), time(0, 0), zone)
    return Hold(
        next_allowed(tomorrow, zone, start, end),
        f"daily cap of {cap} texts reached",
    )


# In order: a text held for quiet hours is not counted against the cap.
GATES: tuple[Gate, ...] = (quiet_hours, daily_cap)


def decide(row: Message, client: Client, batch: GateBatch) -> Decision:
    """Whether ``row`` may go to ``client`` now: None (send), a Hold, or an Expire."""
    if is_direct_answer(row.kind):
        return None
    for gate in GATES:
        hold = gate(row, client, batch)
        if hold is None:
            continue
        # Never due again at once: the dispatcher's pass claims until nothing is due.
        until = max(hold.until, batch.now + timedelta(seconds=1))
        if row.expires_at is not None and until >= row.expires_at:
            return Expire(f"{hold.reason}: its time would pass before it could go")
        return Hold(until, f"{hold.reason}: held to the next chance")
    return None
