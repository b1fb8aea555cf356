"""The client list as a worklist: one page of a caseload, who needs attention first.

Each row carries what staff decide from (the next text, the last reply, adherence over
14 days, open alerts, language, risk level) computed in SQL: the page is two statements
(a count and one page of rows with its aggregates) whatever the caseload's size.

The attention order (``ATTENTION``), lowest rank first; a client takes the first that holds:

0. an urgent open alert (acute words, a threat);
1. any other open alert;
2. a check-in missed in the last 7 days;
3. opted out (STOP): texts stopped, someone should know why;
4. active and texted but with no check-in topics: never asked anything;
5. nothing pressing (in care);
6. discharged.

Ranks 0–4 are what the "needs attention" filter keeps. Within a rank: the most open alerts,
then the lowest adherence, then by name.

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from companion.models import (
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    Direction,
    Escalation,
    EscalationStatus,
    Message,
    RiskLevel,
    Status,
)

PAGE_SIZE = 50
ADHERENCE_DAYS = 14
MISSED_LATELY = timedelta(days=7)
ATTENTION_THRESHOLD = 5  # ranks below this "need attention"


class Sort(enum.StrEnum):
    """What the list can be ordered by (the ``sort`` query parameter)."""

    ATTENTION = "attention"
    NAME = "name"
    NEXT_TEXT = "next"
    LAST_REPLY = "reply"
    ADHERENCE = "adherence"
    ALERTS = "alerts"
    LANGUAGE = "language"
    RISK = "risk"


@dataclass(frozen=True)
class Filters:
    """What the staff member asked for: search, filters, order and page."""

    search: str = ""
    risk: RiskLevel | None = None
    language: str = ""
    attention_only: bool = False
    sort: Sort = Sort.ATTENTION
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class Row:
    """One client on the worklist."""

    id: int
    name: str
    language: str
    timezone: str
    risk_level: RiskLevel
    status: ClientStatus
    consent: Consent
    next_text: datetime | None
    last_reply: datetime | None
    answered: int
    missed: int
    open_alerts: int
    urgent_alerts: int
    rank: int

    @property
    def adherence(self) -> int | None:
        """Percent of the last 14 days' check-ins answered (None: none were due)."""
        counted = self.answered + self.missed
        return round(100 * self.answered / counted) if counted else None

    @property
    def needs_attention(self) -> bool:
        return self.rank < ATTENTION_THRESHOLD


@dataclass(frozen=True)
class Worklist:
    rows: list[Row]
    total: int  # rows matching the filters, on every page
    page: int
    pages: int


def _ids(caseload: Select[tuple[Client]]) -> Any:
    return caseload.with_only_columns(Client.id).scalar_subquery()


def _no_topics() -> ColumnElement[bool]:
    """No check-in topics: NULL, JSON null or an empty JSON list (SQLite and PostgreSQL)."""
    text = cast(Client.checkin_topics, String)
    return or_(Client.checkin_topics.is_(None), text.in_(["[]", "null"]))


def _columns(caseload: Select[tuple[Client]], now: datetime) -> Select[Any]:
    """Every caseload client with its aggregates: one statement, grouped subqueries."""
    ids = _ids(caseload)
    next_text = (
        select(Message.client_id, func.min(Message.send_after).label("at"))
        .where(
            Message.client_id.in_(ids),
            Message.direction == Direction.OUTBOUND,
            Message.status == Status.PENDING,
        )
        .group_by(Message.client_id)
        .subquery("next_text")
    )
    last_reply = (
        select(Message.client_id, func.max(Message.created_at).label("at"))
        .where(Message.client_id.in_(ids), Message.direction == Direction.INBOUND)
        .group_by(Message.client_id)
        .subquery("last_reply")
    )
    since = now - timedelta(days=ADHERENCE_DAYS)
    lately = now - MISSED_LATELY
    missed = CheckIn.status == CheckInStatus.MISSED
    checkins = (
        select(
            CheckIn.client_id,
            func.count(case((CheckIn.status == CheckInStatus.ANSWERED, 1))).label("answered"),
            func.count(case((missed, 1))).label("missed"),
            func.count(case((and_(missed, CheckIn.due_at >= lately), 1))).label("missed_lately"),
        )
        .where(CheckIn.client_id.in_(ids), CheckIn.due_at >= since, CheckIn.due_at <= now)
        .group_by(CheckIn.client_id)
        .subquery("checkins")
    )
    alerts = (
        select(
            Escalation.client_id,
            func.count().label("open"),
            func.count(case((Escalation.urgent, 1))).label("urgent"),
        )
        .where(Escalation.client_id.in_(ids), Escalation.status == EscalationStatus.OPEN)
        .group_by(Escalation.client_id)
        .subquery("alerts")
    )
    open_alerts = func.coalesce(alerts.c.open, 0)
    urgent = func.coalesce(alerts.c.urgent, 0)
    rank = case(
        (Client.status == ClientStatus.DISCHARGED, 6),
        (urgent > 0, 0),
        (open_alerts > 0, 1),
        (func.coalesce(checkins.c.missed_lately, 0) > 0, 2),
        (Client.consent == Consent.OPTED_OUT, 3),
        (
            and_(
                Client.status == ClientStatus.ACTIVE,
                Client.consent == Consent.OPTED_IN,
                _no_topics(),
            ),
            4,
        ),
        else_=5,
    )
    answered = func.coalesce(checkins.c.answered, 0)
    missed_count = func.coalesce(checkins.c.missed, 0)
    counted = answered + missed_count
    # Share answered as a number SQL can order by; no check-in due sorts after everyone.
    share = case(
        (counted > 0, cast(answered, Float) / cast(counted, Float)),
        else_=literal(2.0),
    )
    return (
        select(
            Client.id.label("id"),
            Client.display_name.label("name"),
            Client.language.label("language"),
            Client.timezone.label("timezone"),
            Client.risk_level.label("risk_level"),
            Client.status.label("status"),
            Client.consent.label("consent"),
            next_text.c.at.label("next_text"),
            last_reply.c.at.label("last_reply"),
            answered.label("answered"),
            missed_count.label("missed"),
            open_alerts.label("open_alerts"),
            urgent.label("urgent_alerts"),
            rank.label("rank"),
            share.label("share"),
        )
        .where(Client.id.in_(ids))
        .outerjoin(next_text, next_text.c.client_id == Client.id)
        .outerjoin(last_reply, last_reply.c.client_id == Client.id)
        .outerjoin(checkins, checkins.c.client_id == Client.id)
        .outerjoin(alerts, alerts.c.client_id == Client.id)
    )


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.search.strip():
        words = filters.search.strip().lower()
        escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Client.display_name).like(f"%{escaped}%", escape="\\"))
    if filters.risk is not None:
        query = query.where(Client.risk_level == filters.risk)
    if filters.language:
        query = query.where(Client.language == filters.language)
    return query


def worklist(
    session: Session, caseload: Select[tuple[Client]], filters: Filters, now: datetime
) -> Worklist:
    """One page (``PAGE_SIZE`` rows) of the caseload as ``filters`` ask: two statements."""
    inner = _filtered(_columns(caseload, now), filters).subquery("worklist")
    query = select(inner)
    if filters.attention_only:
        query = query.where(inner.c.rank < ATTENTION_THRESHOLD)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = _order(query, inner, filters)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    found = session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    fields = Row.__dataclass_fields__
    rows = [Row(**{k: v for k, v in r._mapping.items() if k in fields}) for r in found]
    return Worklist(rows, total, page, pages)


def _order(query: Select[Any], inner: Any, filters: Filters) -> Select[Any]:
    """The chosen order, then attention, most alerts, lowest adherence, name."""
    c = inner.c
    risk = case({level: i for i, level in enumerate(RiskLevel)}, value=c.risk_level)
    keys: dict[Sort, Any] = {
        Sort.ATTENTION: c.rank,
        Sort.NAME: c.name,
        Sort.NEXT_TEXT: c.next_text,
        Sort.LAST_REPLY: c.last_reply,
        Sort.ADHERENCE: c.share,
        Sort.ALERTS: c.open_alerts,
        Sort.LANGUAGE: c.language,
        Sort.RISK: risk,
    }
    key = keys[filters.sort]
    first = key.desc() if filters.descending else key.asc()
    if filters.sort in (Sort.NEXT_TEXT, Sort.LAST_REPLY):
        first = first.nulls_last()
    return query.order_by(first, c.rank, c.open_alerts.desc(), c.share, c.name, c.id)


def languages(session: Session, caseload: Select[tuple[Client]]) -> list[str]:
    """The languages the caseload's clients have (the language filter's choices)."""
    return list(
        session.scalars(
            select(Client.language)
            .where(Client.id.in_(_ids(caseload)))
            .distinct()
            .order_by(Client.language)
        )
    )
