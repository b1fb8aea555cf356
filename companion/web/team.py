"""Team views: a client's timeline, the monthly containment report, the audit log.

- ``/clients/<id>/timeline``: everything that happened, newest first: texts sent
  (with their delivery: a failed delivery is a phone problem, not defiance),
  texts received, check-in answers and misses, appointments, and each step of
  every escalation. Times in the staff member's time zone.
- ``/clients/<id>/report?month=YYYY-MM`` (and ``report.csv``): the month's
  check-in adherence, appointments kept by kind, escalations by reason with
  their outcomes and time to acknowledgement. The month is the client's own
  (their time zone): it is their days that are counted.
- ``/admin/audit``: the append-only audit log, filtered; administrators only.
- ``/assigned``: a polygraph examiner's clients (their home page).

Every view of a client's record is audited, as everywhere else; the caseload
rule (``access.py``) applies, and examiners never reach the first two.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import and_, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import selectinload
from wtforms import DateField, IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from companion.care.clock import local_instant
from companion.care.escalation import RULES, Reason
from companion.care.labels import W_
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.messaging.i18n import SOURCE_LANGUAGE
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Message,
    Outcome,
    Role,
    StaffUser,
    Status,
    UTCDateTime,
)
from companion.services import audit
from companion.web import clock
from companion.web.access import caseload_query, client_or_403, record_view
from companion.web.language import L_, StaffForm, _, ui_language

bp = Blueprint("team", __name__)

TIMELINE_PAGE = 100
AUDIT_PAGE = 50

# -- staff-facing words ------------------------------------------------------------------
#
# Words shown only on pages are lazy (``L_``). Words that the report's CSV also
# carries stay plain English strings, marked ``W_`` for the catalog: the CSV is
# for machines and stays English; pages show them through ``_()``.

APPOINTMENT_KINDS: dict[AppointmentKind, str] = {
    AppointmentKind.TREATMENT_GROUP: W_("Treatment group"),
    AppointmentKind.INDIVIDUAL: W_("Individual session"),
    AppointmentKind.SUPERVISION: W_("Probation/parole meeting"),
    AppointmentKind.POLYGRAPH: W_("Polygraph exam"),
    AppointmentKind.COURT: W_("Court date"),
}
APPOINTMENT_OUTCOMES: dict[AppointmentStatus, Any] = {
    AppointmentStatus.SCHEDULED: L_("scheduled, no outcome recorded"),
    AppointmentStatus.CONFIRMED: L_("confirmed by the client, no outcome recorded"),
    AppointmentStatus.RESCHEDULE_REQUESTED: L_("the client asked to reschedule"),
    AppointmentStatus.CANCELLED: L_("cancelled"),
    AppointmentStatus.KEPT: L_("kept"),
    AppointmentStatus.MISSED: L_("missed"),
}

# What each kind of text is, in plain words (the texts themselves never say it).
MESSAGE_KINDS = {
    "inbound": L_("Text from the client"),
    "welcome": L_("Welcome text (enrolment)"),
    "help": L_("Answer to HELP"),
    "opt_out_confirm": L_("Opt-out confirmation"),
    "opt_in_confirm": L_("Re-enrolment confirmation"),
    "received": L_("Thanks for a message"),
    "checkin_prompt": L_("Check-in question"),
    "checkin_reminder": L_("Check-in reminder"),
    "checkin_thanks": L_("Thanks for a check-in answer"),
    "clarify_rating": L_("Asked to clarify a check-in answer"),
    "clarify_yes_no": L_("Asked to clarify a check-in answer"),
    "clarify_choice": L_("Asked to clarify a check-in answer"),
    "plan_reminder": L_("Plan reminder"),
    "appt_day_before": L_("Appointment notice, the day before"),
    "appt_same_day": L_("Appointment notice, the same day"),
    "appt_2h": L_("Appointment notice, 2 hours before"),
    "appt_cancelled": L_("Appointment cancellation"),
    "appt_confirmed": L_("Appointment confirmed (answer to C)"),
    "appt_reschedule": L_("Reschedule request noted (answer to R)"),
    "crisis_self_harm": L_("Crisis reply: self-harm or hopelessness"),
    "crisis_urge": L_("Crisis reply: urges"),
    "crisis_contact": L_("Crisis reply: possible victim access"),
    "crisis_threat": L_("Crisis reply: threat to a person"),
    "crisis_life_event": L_("Crisis reply: housing, job or relapse"),
}
DELIVERY = {
    Status.SENDING: L_("being sent"),
    Status.SENT: L_("sent, no delivery receipt yet"),
    Status.DELIVERED: L_("delivered"),
    Status.UNDELIVERED: L_("not delivered"),
    Status.FAILED: L_("could not be sent"),
    Status.EXPIRED: L_("not sent: its time had passed"),
}
# Carrier and Twilio codes, told as what they are: a problem with the phone or the line.
CARRIER_CODES = {
    21211: L_("the number is not a valid phone number"),
    21408: L_("texts to this region are not enabled"),
    21610: L_("the phone has blocked our texts (STOP sent to the carrier)"),
    21612: L_("the carrier cannot take texts to this number"),
    21614: L_("the number is not a mobile phone"),
    30003: L_("the phone was off or out of coverage"),
    30004: L_("the carrier or the phone blocked the text"),
    30005: L_("the number is unknown or no longer in service"),
    30006: L_("a landline, or a carrier that cannot take texts"),
    30007: L_("the carrier filtered the text"),
    30008: L_("an unknown carrier error"),
}
OUTCOME_WORDS = {
    Outcome.CONTACTED: W_("contacted the client"),
    Outcome.EXCUSED: W_("excused"),
    Outcome.REVIEW: W_("for team review"),
}
CHANNEL_WORDS = {"sms": L_("text"), "email": L_("email"), "web": L_("the portal")}
RUNG_WORDS = {
    "provider": L_("provider"),
    "officer": L_("officer"),
    "backup_officer": L_("backup officer"),
}

# Outbound rows that are part of the record; pending or withdrawn (cancelled) ones are not.
SHOWN_OUTBOUND = (
    Status.SENDING,
    Status.SENT,
    Status.DELIVERED,
    Status.UNDELIVERED,
    Status.FAILED,
    Status.EXPIRED,
)
_PHONE_LIKE = re.compile(r"\+?\d[\d ().-]{6,}\d")


def reason_text(reason: str) -> str:
    """Why an escalation was raised, in English (the CSV, and what the record holds)."""
    try:
        return RULES[Reason(reason)].label
    except ValueError:
        return reason.replace("_", " ").capitalize()


def _shown(text: str) -> str:
    """A plain English label in the staff member's language (an empty one stays empty)."""
    return _(text) if text else text


def reason_label(reason: str) -> str:
    """Why an escalation was raised, in the staff member's language."""
    return _shown(reason_text(reason))


def message_kind(kind: str) -> str:
    if kind in MESSAGE_KINDS:
        return str(MESSAGE_KINDS[kind])
    return kind.replace("_", " ").capitalize()


def carrier_words(code: int | None) -> str:
    if code is None:
        return ""
    what = CARRIER_CODES.get(code)
    return _(
        "carrier code %(code)s: %(what)s. A phone problem, not defiance.",
        code=code,
        what=_("a delivery error") if what is None else str(what),
    )


def no_numbers(text: str | None) -> str:
    """``text`` with anything that looks like a phone number taken out."""
    hidden = _("[number]")
    return _PHONE_LIKE.sub(lambda match: hidden, text or "")


def answer_words(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return "" if value is None else str(value)


def topic_words(topic: str) -> str:
    spec = TOPICS.get(topic)
    return f"{topic} ({_shown(spec.need)})" if spec else topic


def month_words(first: date) -> str:
    """A month as staff read it: "October 2026" (in Spanish, "octubre de 2026")."""
    language = ui_language()
    if language == SOURCE_LANGUAGE:
        return f"{first:%B %Y}"
    return format_skeleton("yMMMM", first, locale=language)


def _kind_words() -> dict[AppointmentKind, str]:
    return {kind: _(label) for kind, label in APPOINTMENT_KINDS.items()}


def _outcome_words() -> dict[Outcome, str]:
    return {outcome: _(words) for outcome, words in OUTCOME_WORDS.items()}


def duration_words(span: timedelta | None) -> str:
    """A span as staff read it: "45 min", "3 h 10 min", "2 d 4 h"."""
    if span is None:
        return "—"
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h", days=days, hours=hours)
    if hours:
        return _("%(hours)s h %(minutes)s min", hours=hours, minutes=mins)
    return _("%(minutes)s min", minutes=mins)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        abort(400)
    return int(raw)


# -- the client's timeline ----------------------------------------------------------------


@dataclass
class Entry:
    at: datetime
    source: str  # "message" | "check_in" | "appointment" | "escalation"
    item: Any


def _timeline_sources(client_id: int, now: datetime):  # type: ignore[no-untyped-def]
    """One UNION ALL of (source, id, at) over everything the timeline shows."""
    message_at = func.coalesce(Message.sent_at, Message.updated_at)
    messages = select(
        literal("message").label("source"),
        Message.id.label("id"),
        type_coerce(message_at, UTCDateTime()).label("at"),
    ).where(
        Message.client_id == client_id,
        Message.staff_user_id.is_(None),
        or_(
            Message.direction == Direction.INBOUND,
            Message.status.in_(SHOWN_OUTBOUND),
        ),
    )
    check_ins = select(
        literal("check_in"),
        CheckIn.id,
        type_coerce(func.coalesce(CheckIn.answered_at, CheckIn.closes_at), UTCDateTime()),
    ).where(
        CheckIn.client_id == client_id,
        CheckIn.status.in_([CheckInStatus.ANSWERED, CheckInStatus.MISSED]),
    )
    appointments = select(
        literal("appointment"),
        Appointment.id,
        type_coerce(Appointment.starts_at, UTCDateTime()),
    ).where(Appointment.client_id == client_id, Appointment.starts_at <= now)
    steps = (
        select(
            literal("escalation"),
            EscalationEvent.id,
            type_coerce(EscalationEvent.at, UTCDateTime()),
        )
        .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
        .where(Escalation.client_id == client_id)
    )
    return union_all(messages, check_ins, appointments, steps).subquery("timeline")


def _load(model: Any, ids: list[int], *options: Any) -> dict[int, Any]:
    if not ids:
        return {}
    rows = db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))
    return {row.id: row for row in rows}


@bp.get("/clients/<int:client_id>/timeline")
@login_required
def timeline(client_id: int) -> str:
    """Everything that happened with one client, newest first, 100 to a page."""
    client = client_or_403(client_id)
    page = _page_number()
    now = clock.now()
    sources = _timeline_sources(client.id, now)
    total = db.session.scalar(select(func.count()).select_from(sources)) or 0
    keys = db.session.execute(
        select(sources.c.source, sources.c.id, sources.c.at)
        .order_by(sources.c.at.desc(), sources.c.source, sources.c.id.desc())
        .limit(TIMELINE_PAGE)
        .offset((page - 1) * TIMELINE_PAGE)
    ).all()
    wanted: dict[str, list[int]] = defaultdict(list)
    for source, item_id, _at in keys:
        wanted[source].append(item_id)
    found = {
        "message": _load(Message, wanted["message"]),
        "check_in": _load(CheckIn, wanted["check_in"]),
        "appointment": _load(Appointment, wanted["appointment"]),
        "escalation": _load(
            EscalationEvent,
            wanted["escalation"],
            selectinload(EscalationEvent.escalation),
            selectinload(EscalationEvent.staff_user),
        ),
    }
    entries = [
        Entry(at=at, source=source, item=found[source][item_id])
        for source, item_id, at in keys
        if item_id in found[source]
    ]
    record_view(client, "timeline", now, page_number=page)
    pages = max(1, -(-total // TIMELINE_PAGE))
    return render_template(
        "team/timeline.html",
        client=client,
        entries=entries,
        page=page,
        pages=pages,
        total=total,
        zone=current_user.timezone,
        Direction=Direction,
        Status=Status,
        CheckInStatus=CheckInStatus,
        message_kind=message_kind,
        delivery=DELIVERY,
        carrier_words=carrier_words,
        no_numbers=no_numbers,
        answer_words=answer_words,
        topic_words=topic_words,
        kinds=_kind_words(),
        outcomes=APPOINTMENT_OUTCOMES,
        reason_label=reason_label,
        reason_text=reason_text,
        outcome_words=_outcome_words(),
        channel_words=CHANNEL_WORDS,
    )


# -- the monthly containment report -------------------------------------------------------


class BadMonth(ValueError):
    pass


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(raw: str | None, zone: ZoneInfo, now: datetime) -> date:
    """The first day of the month ``raw`` names (``YYYY-MM``); by default the last full month."""
    today = now.astimezone(zone).date()
    if raw is None or raw == "":
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    match = _MONTH.fullmatch(raw.strip())
    if match is None:
        raise BadMonth(
            _('"%(raw)s" is not a month. Write it as YYYY-MM, for example 2026-10.', raw=raw[:20])
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise BadMonth(
            _("There is no month %(month)s: months run from 01 to 12.", month=f"{month:02d}")
        )
    if year < 2000:
        raise BadMonth(_("%(year)s is before any record Companion could hold.", year=year))
    first = date(year, month, 1)
    if first > today:
        raise BadMonth(
            _("%(month)s has not begun yet: there is nothing to report.", month=raw.strip())
        )
    return first


def _next_month(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


@dataclass
class Adherence:
    answered: int = 0
    missed: int = 0
    withdrawn: int = 0
    still_open: int = 0

    @property
    def asked(self) -> int:
        return self.answered + self.missed + self.withdrawn

    @property
    def counted(self) -> int:
        """Check-ins that count for or against the client: withdrawn ones do not."""
        return self.answered + self.missed

    @property
    def rate(self) -> float | None:
        return self.answered / self.counted if self.counted else None


@dataclass
class KindRow:
    kind: AppointmentKind
    label: str
    kept: int = 0
    missed: int = 0
    cancelled: int = 0
    no_outcome: int = 0
    upcoming: int = 0

    @property
    def total(self) -> int:
        return self.kept + self.missed + self.cancelled + self.no_outcome + self.upcoming


@dataclass
class ReasonRow:
    reason: str
    label: str
    opened: int = 0
    urgent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    still_open: int = 0
    waits: list[timedelta] = field(default_factory=list)

    @property
    def median_wait(self) -> timedelta | None:
        return median(self.waits) if self.waits else None

    @property
    def longest_wait(self) -> timedelta | None:
        return max(self.waits) if self.waits else None


@dataclass
class Report:
    client: Client
    month: date
    start: datetime
    end: datetime
    complete: bool  # the month is over
    adherence: Adherence
    appointments: list[KindRow]
    reasons: list[ReasonRow]
    escalations: list[Escalation]

    @property
    def label(self) -> str:
        """The month, in the staff member's language."""
        return month_words(self.month)

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"


def _asked(check_in: CheckIn, prompt: Message | None) -> bool:
    """False for a check-in withdrawn before its time came (a re-plan, a pause, an opt-out).

    Such a question was never put to the client: it is neither asked nor
    withdrawn in the report (a re-plan puts a new check-in in the same slot).
    """
    if check_in.status != CheckInStatus.WITHDRAWN:
        return True
    if prompt is None:
        return False
    return not (
        prompt.status == Status.CANCELLED
        and prompt.sent_at is None
        and prompt.updated_at <= check_in.due_at
    )


def build_report(client: Client, month: date, now: datetime) -> Report:
    zone = ZoneInfo(client.timezone)
    start = local_instant(month, time(0, 0), zone)
    end = local_instant(_next_month(month), time(0, 0), zone)

    adherence = Adherence()
    check_ins = db.session.scalars(
        select(CheckIn).where(
            CheckIn.client_id == client.id, CheckIn.due_at >= start, CheckIn.due_at < end
        )
    ).all()
    prompts = (
        {
            m.check_in_id: m
            for m in db.session.scalars(
                select(Message).where(
                    Message.check_in_id.in_([c.id for c in check_ins]),
                    Message.kind == "checkin_prompt",
                )
            )
        }
        if check_ins
        else {}
    )
    for check_in in check_ins:
        if check_in.status == CheckInStatus.OPEN:
            if check_in.due_at <= now:
                adherence.still_open += 1
        elif check_in.status == CheckInStatus.ANSWERED:
            adherence.answered += 1
        elif check_in.status == CheckInStatus.MISSED:
            adherence.missed += 1
        elif _asked(check_in, prompts.get(check_in.id)):
            adherence.withdrawn += 1

    kinds = {k: KindRow(k, label) for k, label in APPOINTMENT_KINDS.items()}
    for appointment in db.session.scalars(
        select(Appointment).where(
            Appointment.client_id == client.id,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
    ):
        row = kinds[appointment.kind]
        if appointment.status == AppointmentStatus.KEPT:
            row.kept += 1
        elif appointment.status == AppointmentStatus.MISSED:
            row.missed += 1
        elif appointment.status == AppointmentStatus.CANCELLED:
            row.cancelled += 1
        elif appointment.starts_at > now:
            row.upcoming += 1
        else:
            row.no_outcome += 1

    escalations = list(
        db.session.scalars(
            select(Escalation)
            .options(selectinload(Escalation.acknowledged_by))
            .where(
                Escalation.client_id == client.id,
                Escalation.opened_at >= start,
                Escalation.opened_at < end,
            )
            .order_by(Escalation.opened_at, Escalation.id)
        )
    )
    reasons: dict[str, ReasonRow] = {}
    for escalation in escalations:
        row = reasons.setdefault(
            escalation.reason, ReasonRow(escalation.reason, reason_text(escalation.reason))
        )
        row.opened += 1
        row.urgent += escalation.urgent
        if escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.outcome:
            row.outcomes[escalation.outcome.value] += 1
            if escalation.acknowledged_at is not None:
                row.waits.append(escalation.acknowledged_at - escalation.opened_at)
        else:
            row.still_open += 1

    return Report(
        client=client,
        month=month,
        start=start,
        end=end,
        complete=end <= now,
        adherence=adherence,
        appointments=list(kinds.values()),
        reasons=sorted(reasons.values(), key=lambda r: (-r.opened, r.label)),
        escalations=escalations,
    )


def _report_or_400(client: Client, now: datetime) -> Report | str:
    try:
        month = parse_month(request.args.get("month"), ZoneInfo(client.timezone), now)
    except BadMonth as exc:
        return str(exc)
    return build_report(client, month, now)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


@bp.get("/clients/<int:client_id>/report")
@login_required
def report(client_id: int) -> str | tuple[str, int]:
    """The month's figures for the containment team, as a page to print."""
    client = client_or_403(client_id)
    now = clock.now()
    found = _report_or_400(client, now)
    if isinstance(found, str):
        return render_template("team/bad_month.html", client=client, message=found), 400
    record_view(client, "report", now, month=found.key, format="html")
    return render_template(
        "team/report.html",
        report=found,
        client=client,
        zone=current_user.timezone,
        previous=(found.month - timedelta(days=1)).strftime("%Y-%m"),
        following=_next_month(found.month).strftime("%Y-%m") if found.complete else None,
        percent=_percent,
        duration=duration_words,
        kinds=_kind_words(),
        outcome_words=_outcome_words(),
        rung_words=RUNG_WORDS,
        reason_label=reason_label,
        Outcome=Outcome,
    )


def _cell(value: Any) -> Any:
    # A spreadsheet must never read a cell as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_rows(found: Report) -> list[tuple[Any, ...]]:
    """The report as (section, item, measure, value) rows: the same figures as the page."""
    a = found.adherence
    rows: list[tuple[Any, ...]] = [
        ("report", "", "client id", found.client.id),
        ("report", "", "client", found.client.display_name),
        ("report", "", "month", found.key),
        ("report", "", "time zone", found.client.timezone),
        ("report", "", "month complete", "yes" if found.complete else "no"),
        ("check-ins", "", "asked", a.asked),
        ("check-ins", "", "answered", a.answered),
        ("check-ins", "", "missed", a.missed),
        ("check-ins", "", "withdrawn (not counted against the client)", a.withdrawn),
        ("check-ins", "", "still open", a.still_open),
        (
            "check-ins",
            "",
            "adherence rate % (answered of answered + missed)",
            "" if a.rate is None else round(a.rate * 100, 1),
        ),
    ]
    for kind in found.appointments:
        for measure in ("kept", "missed", "cancelled", "no_outcome", "upcoming"):
            rows.append(
                ("appointments", kind.label, measure.replace("_", " "), getattr(kind, measure))
            )
    for reason in found.reasons:
        rows.append(("escalations", reason.label, "opened", reason.opened))
        rows.append(("escalations", reason.label, "urgent", reason.urgent))
        for outcome in Outcome:
            count = reason.outcomes[outcome.value]
            rows.append(("escalations", reason.label, OUTCOME_WORDS[outcome], count))
        rows.append(("escalations", reason.label, "still open", reason.still_open))
        median_wait = reason.median_wait
        rows.append(
            (
                "escalations",
                reason.label,
                "median minutes to acknowledgement",
                "" if median_wait is None else round(median_wait.total_seconds() / 60),
            )
        )
    for escalation in found.escalations:
        wait = (
            escalation.acknowledged_at - escalation.opened_at
            if escalation.acknowledged_at
            else None
        )
        item = f"alert {escalation.code} (#{escalation.id})"
        rows.append(("escalation", item, "reason", reason_text(escalation.reason)))
        rows.append(("escalation", item, "opened (UTC)", escalation.opened_at.isoformat()))
        rows.append(
            (
                "escalation",
                item,
                "outcome",
                OUTCOME_WORDS[escalation.outcome] if escalation.outcome else "still open",
            )
        )
        rows.append(
            (
                "escalation",
                item,
                "minutes to acknowledgement",
                "" if wait is None else round(wait.total_seconds() / 60),
            )
        )
    return rows


@bp.get("/clients/<int:client_id>/report.csv")
@login_required
def report_csv(client_id: int) -> Response:
    client = client_or_403(client_id)
    now = clock.now()
    found = _report_or_400(client, now)
    if isinstance(found, str):
        return Response(found + "\n", status=400, mimetype="text/plain")
    record_view(client, "report", now, month=found.key, format="csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "item", "measure", "value"))
    for row in report_rows(found):
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="containment-report-{client.id}-{found.key}.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )


# -- a polygraph examiner's clients --------------------------------------------------------


@bp.get("/assigned")
@login_required
def assigned() -> Response | str:
    """An examiner's home: their assigned clients, next appointment and open alerts."""
    if current_user.role != Role.EXAMINER:
        return redirect(url_for("clients.index"))
    now = clock.now()
    clients = db.session.scalars(caseload_query(current_user).order_by(Client.display_name)).all()
    ids = [c.id for c in clients]
    upcoming: dict[int, Appointment] = {}
    alerts: Counter[int] = Counter()
    if ids:
        for appointment in db.session.scalars(
            select(Appointment)
            .where(
                Appointment.client_id.in_(ids),
                Appointment.starts_at > now,
                Appointment.status != AppointmentStatus.CANCELLED,
            )
            .order_by(Appointment.starts_at)
        ):
            upcoming.setdefault(appointment.client_id, appointment)
        alerts.update(
            dict(
                db.session.execute(
                    select(Escalation.client_id, func.count())
                    .where(
                        Escalation.client_id.in_(ids),
                        Escalation.status == EscalationStatus.OPEN,
                    )
                    .group_by(Escalation.client_id)
                ).all()
            )
        )
    return render_template(
        "team/assigned.html",
        clients=clients,
        upcoming=upcoming,
        alerts=alerts,
        kinds=_kind_words(),
        zone=current_user.timezone,
    )


# -- the audit log -------------------------------------------------------------------------

# What each action means, for the filter; actions found in the log are added to it.
KNOWN_ACTIONS = {
    "staff.created": L_("Staff member added"),
    "staff.updated": L_("Staff member's details changed"),
    "staff.password_reset": L_("Password reset by an administrator"),
    "staff.password_changed": L_("Password changed"),
    "staff.password_change_failed": L_("Password change refused (wrong current password)"),
    "staff.locked": L_("Account locked after failed sign-ins"),
    "staff.unlocked": L_("Account unlocked"),
    "staff.deactivated": L_("Staff member deactivated"),
    "staff.reactivated": L_("Staff member reactivated"),
    "client.reassigned": L_("Client moved to another staff member"),
    "text.test_sent": L_("Test text sent to a staff member's own phone"),
    "appointments.imported": L_("Appointments imported from a file"),
    "staff.signed_in": L_("Staff signed in"),
    "staff.sign_in_failed": L_("Sign-in failed"),
    "client.viewed": L_("Viewed a client's record"),
    "client.created": L_("Client added"),
    "client.updated": L_("Client details changed"),
    "client.risk_updated": L_("Risk level or assessments changed"),
    "client.opted_in": L_("Client opted in"),
    "client.opted_out": L_("Client opted out"),
    "client.channel_change": L_("Client changed how to be reached"),
    "plan.saved": L_("Plan saved"),
    "schedule.override": L_("Schedule overridden"),
    "appointment.created": L_("Appointment added"),
    "appointment.updated": L_("Appointment changed"),
    "appointment.cancelled": L_("Appointment cancelled"),
    "task.done": L_("Task marked done"),
    "escalation.opened": L_("Escalation opened"),
    "escalation.viewed": L_("Escalation viewed"),
    "escalation.acknowledged": L_("Escalation acknowledged"),
    "escalation.ack_rejected": L_("Acknowledgement by text refused"),
    "escalation.no_recipient": L_("Nobody to alert"),
    "outbox.expired": L_("Text expired unsent"),
    "outbox.failed": L_("Text failed"),
    "outbox.recovered": L_("Interrupted send settled"),
    "audit.viewed": L_("Audit log viewed"),
}
# Never shown, whatever a future caller puts in ``details``.
_SECRET_KEYS = re.compile(r"phone|body|text|number|password|token", re.IGNORECASE)


def safe_details(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    shown = []
    for key, value in (details or {}).items():
        if _SECRET_KEYS.search(str(key)):
            shown.append((str(key), _("[withheld]")))
        else:
            shown.append((str(key), no_numbers(str(value))))
    return shown


class AuditFilterForm(StaffForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    action = SelectField(L_("Action"), default="")
    actor = SelectField(L_("By"), default="")
    client_id = IntegerField(
        L_("Client number"),
        validators=[Optional(), NumberRange(min=1, message=L_("A client number is 1 or more."))],
    )
    since = DateField(L_("From"), validators=[Optional()])
    until = DateField(L_("To (inclusive)"), validators=[Optional()])

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end of the range is before its start."))


@bp.get("/admin/audit")
@login_required
def audit_log() -> tuple[str, int]:
    """The audit log, newest first, filtered by action, actor, client and dates."""
    if current_user.role != Role.ADMIN:
        abort(403)
    now = clock.now()
    form = AuditFilterForm(formdata=request.args)
    present = db.session.scalars(select(AuditEvent.action).distinct()).all()
    actions = sorted(set(KNOWN_ACTIONS) | set(present))
    form.action.choices = [SelectChoice("", _("Any action"))] + [
        SelectChoice(a, f"{KNOWN_ACTIONS[a]!s} ({a})" if a in KNOWN_ACTIONS else a) for a in actions
    ]
    staff = db.session.scalars(select(StaffUser).order_by(StaffUser.name)).all()
    form.actor.choices = [
        SelectChoice("", _("Anyone")),
        SelectChoice("system", _("The system")),
        SelectChoice("client", _("A client (texts)")),
    ] + [SelectChoice(str(s.id), f"{s.name} ({s.role.value})") for s in staff]
    page = _page_number()
    ok = form.validate()
    query = select(AuditEvent)
    if ok:
        query = _filtered(query, form)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE)
        .offset((page - 1) * AUDIT_PAGE)
    ).all()
    names = {s.id: s for s in staff}
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    audit.record(db.session, "audit.viewed", now=now, actor=current_user,
                 details={"filters": sorted(filters)})  # fmt: skip
    db.session.commit()
    page_html = render_template(
        "admin/audit.html",
        form=form,
        events=events if ok else [],
        total=total if ok else 0,
        page=page,
        pages=max(1, -(-total // AUDIT_PAGE)),
        filters=filters,
        names=names,
        actions=KNOWN_ACTIONS,
        safe_details=safe_details,
        zone=current_user.timezone,
    )
    return page_html, 200 if ok else 400


def _filtered(query: Any, form: AuditFilterForm) -> Any:
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    actor = form.actor.data
    if actor in ("system", "client"):
        query = query.where(AuditEvent.actor_kind == actor, AuditEvent.actor_id.is_(None))
    elif actor:
        query = query.where(AuditEvent.actor_id == int(actor))
    if form.client_id.data:
        client_id = form.client_id.data
        query = query.where(
            or_(
                and_(AuditEvent.subject_type == "Client", AuditEvent.subject_id == client_id),
                AuditEvent.details["client_id"].as_integer() == client_id,
            )
        )
    zone = ZoneInfo(current_user.timezone)
    if form.since.data:
        query = query.where(AuditEvent.at >= local_instant(form.since.data, time(0, 0), zone))
    if form.until.data:
        after = form.until.data + timedelta(days=1)
        query = query.where(AuditEvent.at < local_instant(after, time(0, 0), zone))
    return query
