"""A caseload simulated day by day: synthetic clients answer through the real paths.

``flask --app companion simulate`` (development only) calls ``simulate``. It enrols
invented clients the way staff do (``clients.create_client``, ``plans.save_plan``,
``appointments.add_appointment``), then steps a clock it drives through each day. Every
step runs the worker's pass (``tick.tick``: planning, closing, escalation, dispatch) with a
transport that only records, and the synthetic clients' replies go through the webhook's
own path (``webhooks.receive_text``) at their simulated moment. A seeded ``random.Random``
decides who answers, when and with what, so the same seed gives the same days.

After each day the invariants (``services.invariants``) are checked over everything
stored so far; a day reports the violations first seen that day.

No Flask here: the caller gives the session (a throwaway database), the tick settings
and the options.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from companion.care.ladder import Reason, Rung
from companion.care.plan import empty_content
from companion.care.topics import PLAN_TOPICS, TOPICS
from companion.messaging.transports.base import SendResult
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    OnCallShift,
    Outcome,
    RiskLevel,
    Role,
    StaffUser,
)
from companion.services import (
    appointments,
    clients,
    escalations,
    plans,
    release,
    replies,
    webhooks,
)
from companion.services import tick as ticking
from companion.services.invariants import INVARIANTS, REACHED, Violation, check_all
from companion.services.tick import TickSettings

# The days are read in this zone (the first clients' zone and the demo's).
REPORT_ZONE = ZoneInfo("America/Los_Angeles")

# Fictional numbers only: 555-0100..0199 is 100 numbers per area code, so the caseload
# takes that block in one area code after another (each area code's clients live in its
# zone). Staff take the block of 213.
AREAS: tuple[tuple[str, str], ...] = (
    ("310", "America/Los_Angeles"),
    ("312", "America/Chicago"),
    ("212", "America/New_York"),
    ("720", "America/Denver"),
    ("818", "America/Los_Angeles"),
    ("773", "America/Chicago"),
    ("646", "America/New_York"),
    ("303", "America/Denver"),
)
MAX_CLIENTS = 100 * len(AREAS)
STAFF_AREA = "213"
CLIENTS_PER_PROVIDER = 50

NAMES = (
    "Alex", "Blake", "Casey", "Dario", "Eli", "Frankie", "Gabe", "Hayden", "Ivan", "Jules",
    "Kai", "Luis", "Morgan", "Nico", "Omar", "Pat", "Quinn", "Reese", "Sol", "Tomas",
    "Uri", "Val", "Wes", "Xavi", "Yusuf", "Zane",
)  # fmt: skip

# The default mix of risk levels in a caseload (weights).
RISK_MIX: dict[RiskLevel, float] = {
    RiskLevel.I: 0.1,
    RiskLevel.II: 0.3,
    RiskLevel.III: 0.3,
    RiskLevel.IVA: 0.2,
    RiskLevel.IVB: 0.1,
}

UNCLEAR = ("not sure", "maybe later", "idk", "?", "🙂", "kind of")
CRISIS = "I want to hurt myself"
# An officer's alert names the release it relies on: the "_release" kinds (issue 15).
STAFF_ALERTS = ("staff_alert", "staff_alert_urgent", "staff_alert_release",
                "staff_alert_urgent_release")  # fmt: skip


@dataclass(frozen=True)
class Options:
    """What to simulate. Rates are chances in [0, 1]."""

    start: date
    days: int = 7
    clients: int = 200
    answer_rate: float = 0.75  # a check-in question gets an answer
    late_rate: float = 0.1  # an answer comes after the check-in closed
    edit_rate: float = 0.02  # a client's risk level or an appointment is changed, per day
    # A provider acknowledges a routine alert told to them, within hours (else it climbs
    # after the acknowledgement window, to the officer for missed contact).
    provider_ack_rate: float = 0.9
    seed: int = 1
    step: timedelta = timedelta(minutes=10)
    risk_mix: dict[RiskLevel, float] = field(default_factory=lambda: dict(RISK_MIX))


@dataclass
class Day:
    """What one simulated day (in ``REPORT_ZONE``) sent, heard and broke."""

    day: date
    texts: Counter[str] = field(default_factory=Counter)
    replies: int = 0
    answered: int = 0
    missed: int = 0
    alerts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (level, role)
    violations: Counter[str] = field(default_factory=Counter)


@dataclass
class OfficerRate:
    """Officer alerts for missed contact at one risk level, over the days simulated."""

    level: str
    clients: int = 0
    alerts: int = 0  # missed-contact alerts the officer (or their backup) was told of
    reached: int = 0  # clients with at least one

    def per_month(self, days: int) -> float:
        """Share of the level's clients whose officer heard, per 30 days."""
        return self.reached / self.clients * 30 / days if self.clients and days else 0.0


@dataclass
class Report:
    options: Options
    days: list[Day] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    officer: list[OfficerRate] = field(default_factory=list)

    @property
    def violated(self) -> bool:
        return bool(self.violations)


class RecordingTransport:
    """A transport that only records: nothing leaves the process, each send gets a sid."""

    name = "simulation"

    def __init__(self) -> None:
        self.sent = 0
        self._sids = itertools.count(1)

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        self.sent += 1
        return SendResult(provider_sid=f"SIM{next(self._sids):08d}", provider_status="delivered")

    def find_sent(
        self, to: str, body: str, since: datetime, exclude: Collection[str] = ()
    ) -> str | None:
        return None


@dataclass(order=True)
class _Reply:
    at: datetime
    order: int
    phone: str = field(compare=False)
    body: str = field(compare=False)


class _Caseload:
    """The synthetic clients: who decided what about each question they got."""

    def __init__(self, rng: random.Random, options: Options) -> None:
        self.rng = rng
        self.options = options
        self.pending: list[_Reply] = []
        self._order = itertools.count()
        # Check-ins each client decided not to answer (a reminder may still change that).
        self.silent: set[int] = set()
        # The texts already read (each is read once).
        self.read: set[int] = set()

    def reply(self, phone: str, at: datetime, body: str) -> None:
        heapq.heappush(self.pending, _Reply(at, next(self._order), phone, body))

    def due(self, until: datetime) -> Iterator[_Reply]:
        while self.pending and self.pending[0].at <= until:
            yield heapq.heappop(self.pending)

    def react(self, session: Session, message: Message, phone: str) -> None:
        """What the client does about a text they just got (at its ``sent_at``)."""
        rng, at = self.rng, message.sent_at
        assert at is not None
        if message.kind == "checkin_prompt" and message.check_in_id is not None:
            if rng.random() >= self.options.answer_rate:
                self.silent.add(message.check_in_id)
                return
            check_in = session.get(CheckIn, message.check_in_id)
            assert check_in is not None
            if rng.random() < self.options.late_rate:
                when = check_in.closes_at + timedelta(minutes=rng.randint(5, 240))
            else:
                when = at + timedelta(minutes=rng.randint(1, 90))
            self.reply(phone, when, self._answer(check_in.topic))
        elif message.kind == "checkin_reminder" and message.check_in_id in self.silent:
            if rng.random() < 0.3:
                self.silent.discard(message.check_in_id)
                check_in = session.get(CheckIn, message.check_in_id)
                assert check_in is not None
                self.reply(
                    phone,
                    at + timedelta(minutes=rng.randint(1, 60)),
                    self._valid_for(check_in.topic),
                )
        elif message.kind.startswith("clarify_"):
            if rng.random() < 0.9:
                body = self._clarified(message.kind, message.params or {})
                self.reply(phone, at + timedelta(minutes=rng.randint(1, 30)), body)
        elif message.kind in ("appt_day_before", "appt_same_day"):
            roll = rng.random()
            when = at + timedelta(minutes=rng.randint(2, 120))
            if roll < 0.5:
                self.reply(phone, when, rng.choice(("C", "c", "C ")))
            elif roll < 0.55:
                self.reply(phone, when, "R")
            elif roll < 0.65:
                self.reply(phone, when, rng.choice(("yes", "ok", "Yes I'll be there")))

    def _answer(self, topic: str) -> str:
        """A reply to a check-in: mostly an answer, sometimes unclear, a keyword, or worse."""
        roll = self.rng.random()
        if roll < 0.86:
            return self._valid_for(topic)
        if roll < 0.95:
            return self.rng.choice(UNCLEAR)
        if roll < 0.99:
            return "HELP"
        return CRISIS

    def _valid_for(self, topic: str) -> str:
        spec = TOPICS[topic]
        rng = self.rng
        if spec.expects == "rating":
            # Mostly calm days; now and then a hard one.
            return str(min(spec.high, int(rng.triangular(spec.low, spec.high, spec.low + 2))))
        if spec.expects == "yes_no":
            return rng.choice(("yes", "no", "no", "NO", "No"))
        return rng.choice(spec.choices)

    def _clarified(self, kind: str, params: dict[str, Any]) -> str:
        """The answer again, readable this time, as the clarifying text asks."""
        if kind == "clarify_rating":
            low = int(params.get("low", 0))
            return str(self.rng.randint(low, max(low, min(int(params.get("high", 10)), 6))))
        if kind == "clarify_choice" and params.get("choices"):
            return self.rng.choice(str(params["choices"]).split(", "))
        return self.rng.choice(("yes", "no"))


def simulate(
    session: Session, settings: TickSettings, options: Options, region: str = "US"
) -> Report:
    """Enrol ``options.clients`` synthetic clients and live ``options.days`` days; the report.

    Writes into ``session``'s database: give it a throwaway one.
    """
    if not 1 <= options.clients <= MAX_CLIENTS:
        raise ValueError(f"between 1 and {MAX_CLIENTS} clients (fictional numbers run out)")
    rng = random.Random(options.seed)
    # Only the recording transport, one send at a time (the same order every run), no email.
    transport = RecordingTransport()
    settings = replace(
        settings, dispatch=replace(settings.dispatch, concurrency=1), mail=None, retention=None
    )
    hooks = replies.hooks(settings.escalation)
    now = _local(options.start, time(9))  # staff enrol at nine
    staff = _enrol_staff(session, options.clients, now)
    phones = _enrol_clients(session, rng, options, staff, now)
    caseload = _Caseload(rng, options)
    report = Report(options)
    seen: set[tuple[str, tuple[int, ...], str]] = set()
    # The staff's own dice, so the clients' answers are the same whatever staff do.
    providers = _Providers(random.Random(options.seed + 1), options.provider_ack_rate)

    for number in range(options.days):
        day = options.start + timedelta(days=number)
        # In UTC: steps stay ten minutes apart across a change to or from daylight time.
        day_start, day_end = _local(day, time(0)), _local(day + timedelta(days=1), time(0))
        edit_at = _local(day, time(11))
        t = max(now, day_start)
        while t < day_end:
            for reply in caseload.due(t):
                ids = webhooks.receive_text(
                    session,
                    from_number=reply.phone,
                    to_number="+12135550100",
                    body=reply.body,
                    now=reply.at,
                    region=region,
                    hooks=hooks,
                )
                # The webhook's fast lane: the answer goes at once.
                ticking.send_now(session, ids, reply.at, settings.dispatch, transport)
                _read_texts(session, caseload, phones, reply.at)
            if t <= edit_at < t + options.step:
                _edit(session, rng, options, staff, phones, settings, t)
            ticking.tick(session, t, settings, transport)
            providers.acknowledge_due(session, t)
            _read_texts(session, caseload, phones, t)
            t += options.step
        now = t
        report.days.append(_day(session, day, day_start, day_end))
        for violation in check_all(session):
            if violation.key not in seen:
                seen.add(violation.key)
                report.violations.append(violation)
                report.days[-1].violations[violation.invariant] += 1
    report.officer = officer_rates(session)
    return report


def officer_rates(session: Session) -> list[OfficerRate]:
    """Per Static-99R level: clients, missed-contact alerts an officer was told of, and
    the clients they concern (the level each client has at the end)."""
    rates = {level.value: OfficerRate(level.value) for level in RiskLevel}
    for level, count in session.execute(
        select(Client.risk_level, func.count()).group_by(Client.risk_level)
    ):
        rates[RiskLevel(level).value].clients = count
    told = (
        select(Escalation.id, Escalation.client_id, Client.risk_level)
        .join(Client, Client.id == Escalation.client_id)
        .join(EscalationEvent, EscalationEvent.escalation_id == Escalation.id)
        .join(StaffUser, StaffUser.id == EscalationEvent.staff_user_id)
        .where(
            Escalation.reason == Reason.MISSED_CHECKINS,
            EscalationEvent.kind == "told",
            StaffUser.role == Role.OFFICER,
        )
        .distinct()
    )
    reached: dict[str, set[int]] = {level: set() for level in rates}
    for _escalation_id, client_id, level in session.execute(told):
        rates[RiskLevel(level).value].alerts += 1
        reached[RiskLevel(level).value].add(client_id)
    for level, ids in reached.items():
        rates[level].reached = len(ids)
    return list(rates.values())


class _Providers:
    """The providers: each routine alert told to them is acknowledged a few hours later,
    or (1 - rate) of the time never."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        self.when: dict[int, datetime | None] = {}

    def acknowledge_due(self, session: Session, now: datetime) -> None:
        for escalation in session.scalars(
            select(Escalation).where(
                Escalation.status == EscalationStatus.OPEN,
                Escalation.urgent.is_(False),
                Escalation.rung == Rung.PROVIDER,
                Escalation.told_at.is_not(None),
            )
        ).all():
            if escalation.id not in self.when:
                hours = self.rng.uniform(0.5, 6)
                told = escalation.told_at or now
                acked = self.rng.random() < self.rate
                self.when[escalation.id] = told + timedelta(hours=hours) if acked else None
            due = self.when[escalation.id]
            if due is not None and due <= now:
                escalations.acknowledge(session, escalation, escalation.client.provider,
                                        Outcome.CONTACTED, "", now, "web")  # fmt: skip
        session.commit()


def _local(day: date, at: time) -> datetime:
    """``at`` on ``day`` in ``REPORT_ZONE``, as an instant in UTC."""
    return datetime.combine(day, at, REPORT_ZONE).astimezone(UTC)


# -- enrolment ------------------------------------------------------------------------------


def _enrol_staff(session: Session, clients_count: int, now: datetime) -> dict[str, list[StaffUser]]:
    """One provider and one officer per 50 clients, and one backup officer."""
    teams = -(-clients_count // CLIENTS_PER_PROVIDER)
    numbers = (f"+1{STAFF_AREA}55501{n:02d}" for n in itertools.count(1))
    backup = _staff(session, Role.OFFICER, "Backup officer", next(numbers), now)
    staff: dict[str, list[StaffUser]] = {"provider": [], "officer": []}
    for team in range(1, teams + 1):
        staff["provider"].append(
            _staff(session, Role.PROVIDER, f"Provider {team}", next(numbers), now)
        )
        officer = _staff(session, Role.OFFICER, f"Officer {team}", next(numbers), now)
        officer.backup_officer_id = backup.id
        staff["officer"].append(officer)
    session.flush()
    # An on-call rota with no gap: each day from 09:00 to 09:00 the next, the providers
    # in turn, the next one as backup (services/oncall.py).
    providers = staff["provider"]
    for weekday in range(7):
        clinician = providers[weekday % len(providers)]
        backup_clinician = providers[(weekday + 1) % len(providers)]
        session.add(OnCallShift(
            weekday=weekday, starts=time(9), ends=time(9), clinician_id=clinician.id,
            backup_id=backup_clinician.id if backup_clinician is not clinician else None,
            set_at=now,
        ))  # fmt: skip
    session.commit()
    return staff


def _staff(session: Session, role: Role, name: str, phone: str, now: datetime) -> StaffUser:
    user = StaffUser(
        email=f"{phone[2:]}@simulation.invalid",
        name=name,
        role=role,
        phone=phone,
        created_at=now,
    )
    user.password_hash = "!"  # noqa: S105 - no hash matches it: nobody signs in as them
    session.add(user)
    session.flush()
    return user


def _enrol_clients(
    session: Session,
    rng: random.Random,
    options: Options,
    staff: dict[str, list[StaffUser]],
    now: datetime,
) -> dict[int, str]:
    """Each client as staff add one: details, consent, a plan, a few appointments. Their
    phone numbers by client id."""
    levels = list(options.risk_mix)
    weights = [options.risk_mix[level] for level in levels]
    phones: dict[int, str] = {}
    for n in range(options.clients):
        area, zone = AREAS[n // 100]
        phone = f"+1{area}55501{n % 100:02d}"
        provider = staff["provider"][n // CLIENTS_PER_PROVIDER]
        # The goal question comes from the plan (planning adds it), never from this list.
        topics = rng.sample(sorted(set(TOPICS) - set(PLAN_TOPICS)), rng.randint(2, 3))
        values: dict[str, Any] = {
            "display_name": NAMES[n % len(NAMES)],
            "phone": phone,
            "language": "en",
            "timezone": zone,
            "risk_level": rng.choices(levels, weights)[0],
            "provider_id": provider.id,
            "officer_id": staff["officer"][n // CLIENTS_PER_PROVIDER].id,
            "checkin_topics": topics,
        }
        client = clients.create_client(
            session, values, True, provider, now, disclosure="simulated client"
        )
        for category in release.CONTAINMENT_RELEASE:  # what most clients sign (DOMAIN.md)
            release.record(session, client, category, True, now.date(), None, provider, now)
        plans.save_plan(session, client, _plan(n), None, "0", provider, now)
        for _ in range(rng.randint(1, 2)):
            day = options.start + timedelta(days=rng.randint(1, max(1, options.days - 1)))
            starts = datetime.combine(day, time(rng.randint(10, 16)), ZoneInfo(zone))
            kind = rng.choice([AppointmentKind.INDIVIDUAL, AppointmentKind.TREATMENT_GROUP])
            appointments.add_appointment(session, client, kind, starts, "Suite 4", provider, now)
        phones[client.id] = phone
    return phones


def _plan(n: int) -> dict[str, Any]:
    content = empty_content()
    content["coping_strategies"] = [
        {"id": f"c{n}", "trigger": "I feel stressed", "steps": "take a walk", "ok_to_text": True}
    ]
    content["thinking_errors"] = [
        {
            "id": f"t{n}",
            "error": "nobody cares",
            "replacement": "my friends care",
            "ok_to_text": True,
        }
    ]
    return content


# -- what happens during a day -----------------------------------------------------------------


def _read_texts(
    session: Session, caseload: _Caseload, phones: dict[int, str], at: datetime
) -> None:
    """The clients read the texts sent at ``at`` (a pass, or the answer to a reply) and
    decide what to do."""
    sent = session.scalars(
        select(Message)
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.client_id.is_not(None),
            Message.status.in_(REACHED),
            Message.sent_at == at,
        )
        .order_by(Message.sent_at, Message.id)
    ).all()
    for message in sent:
        phone = phones.get(message.client_id or 0)
        if phone is not None and message.id not in caseload.read:
            caseload.read.add(message.id)
            caseload.react(session, message, phone)


def _edit(
    session: Session,
    rng: random.Random,
    options: Options,
    staff: dict[str, list[StaffUser]],
    phones: dict[int, str],
    settings: TickSettings,
    now: datetime,
) -> None:
    """Staff change a few clients a day: a new risk level (a re-plan) or a moved appointment."""
    for client_id in sorted(phones):
        if rng.random() >= options.edit_rate:
            continue
        client = session.get(Client, client_id)
        assert client is not None
        provider = session.get(StaffUser, client.provider_id)
        assert provider is not None
        upcoming = session.scalars(
            select(Appointment)
            .where(
                Appointment.client_id == client_id,
                Appointment.starts_at > now + timedelta(hours=3),
                Appointment.status.in_([AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED]),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        ).first()
        if upcoming is not None and rng.random() < 0.5:
            appointments.change_appointment(
                session,
                upcoming,
                upcoming.kind,
                upcoming.starts_at + timedelta(days=1),
                upcoming.location,
                provider,
                now,
            )
            continue
        others = [level for level in RiskLevel if level != client.risk_level]
        clients.update_client(
            session,
            client,
            {"risk_level": rng.choice(others)},
            True,
            provider,
            now,
            "simulated client",
            settings.escalation,
        )


def _day(session: Session, day: date, start: datetime, end: datetime) -> Day:
    """What the day sent, heard and recorded."""
    report = Day(day)
    in_day = (Message.sent_at >= start, Message.sent_at < end)
    for kind, count in session.execute(
        select(Message.kind, func.count())
        .where(Message.direction == Direction.OUTBOUND, Message.client_id.is_not(None), *in_day)
        .group_by(Message.kind)
    ):
        report.texts[kind] = count
    for kind, role, count in session.execute(
        select(Message.kind, StaffUser.role, func.count())
        .join(StaffUser, StaffUser.id == Message.staff_user_id)
        .where(Message.kind.in_(STAFF_ALERTS), *in_day)
        .group_by(Message.kind, StaffUser.role)
    ):
        level = "urgent" if kind.startswith("staff_alert_urgent") else "routine"
        report.alerts[(level, Role(role).value)] += count
    report.replies = (
        session.scalar(
            select(func.count()).where(
                Message.direction == Direction.INBOUND,
                Message.client_id.is_not(None),
                Message.created_at >= start,
                Message.created_at < end,
            )
        )
        or 0
    )
    report.answered = (
        session.scalar(
            select(func.count()).where(CheckIn.answered_at >= start, CheckIn.answered_at < end)
        )
        or 0
    )
    report.missed = (
        session.scalar(
            select(func.count()).where(
                CheckIn.status == CheckInStatus.MISSED,
                CheckIn.closes_at >= start,
                CheckIn.closes_at < end,
            )
        )
        or 0
    )
    return report


# -- the printed report --------------------------------------------------------------------------


def lines(report: Report) -> list[str]:
    """The report as the command prints it: a block per day, then the summary."""
    o = report.options
    out = [
        f"simulated {o.clients} client(s) for {o.days} day(s) from {o.start.isoformat()} "
        f"(seed {o.seed}, answer rate {o.answer_rate:g}, late rate {o.late_rate:g}, "
        f"provider acknowledges {o.provider_ack_rate:g}, "
        f"edit rate {o.edit_rate:g}, a tick every {int(o.step.total_seconds() // 60)} min)",
    ]
    total = Day(o.start)
    for day in report.days:
        out += _block(f"day {day.day.isoformat()} ({day.day:%a})", day)
        total.texts.update(day.texts)
        total.alerts.update(day.alerts)
        total.violations.update(day.violations)
        total.replies += day.replies
        total.answered += day.answered
        total.missed += day.missed
    out += _block("summary", total)
    if report.officer:
        out.append(f"officer alerts for missed contact, by risk level ({o.days} days; "
                   "share of clients per 30 days)")  # fmt: skip
        everyone = OfficerRate("all")
        for rate in report.officer:
            everyone.clients += rate.clients
            everyone.alerts += rate.alerts
            everyone.reached += rate.reached
        for rate in [*report.officer, everyone]:
            out.append(
                f"  {rate.level}: {rate.clients} client(s), {rate.alerts} alert(s) to an "
                f"officer, {rate.reached} client(s), {rate.per_month(o.days):.1%} a month"
            )
    for violation in report.violations[:20]:
        out.append(f"  ! {violation.invariant}: {violation.description}")
    if len(report.violations) > 20:
        out.append(f"  ! ... and {len(report.violations) - 20} more")
    return out


def _block(title: str, day: Day) -> list[str]:
    texts = ", ".join(f"{kind} {n}" for kind, n in sorted(day.texts.items())) or "none"
    alerts = (
        ", ".join(f"{level} to {role} {n}" for (level, role), n in sorted(day.alerts.items()))
        or "none"
    )
    violations = ", ".join(f"{name} {day.violations[name]}" for name in INVARIANTS)
    return [
        f"{title}",
        f"  texts ({sum(day.texts.values())}): {texts}",
        f"  replies {day.replies}, check-ins answered {day.answered}, missed {day.missed}",
        f"  alerts ({sum(day.alerts.values())}): {alerts}",
        f"  invariant violations ({sum(day.violations.values())}): {violations}",
    ]
