"""Client list, create and edit: the caseload of the signed-in staff member."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from companion.care.clock import local_instant
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.messaging.compose import Rendered, render
from companion.messaging.i18n import (
    Review,
    language_name,
    review_of,
    sending_language,
    shipped_languages,
    supported,
)
from companion.messaging.inbound import to_e164
from companion.messaging.outbox import cancel_pending, enqueue
from companion.models import (
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Consent,
    ConsentEvent,
    ConsentKind,
    Direction,
    Message,
    RiskLevel,
    Role,
    StaffUser,
    Status,
)
from companion.services import appointments, audit, pauses
from companion.services.escalations import EscalationSettings, unreachable
from companion.services.planning import derived_level, latest_plan, replan
from companion.web import clock
from companion.web.access import caseload_query, client_or_403
from companion.web.language import L_, StaffForm, _, ui_language
from companion.web.shared import (
    APPOINTMENT_KINDS,
    APPOINTMENT_STATUS,
    CHECKIN_STATUS,
    CsrfForm,
    local_today,
)
from companion.web.tasks.views import labelled

bp = Blueprint("clients", __name__, url_prefix="/clients")

COMMON_TIMEZONES = [
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Anchorage",
    "Pacific/Honolulu",
]

# How stored values read on the pages (the values themselves stay English: they are data).
STATUS_CHOICES = {
    ClientStatus.ACTIVE: L_("Active"),
    ClientStatus.PAUSED: L_("Paused"),
    ClientStatus.DISCHARGED: L_("Discharged"),
}
STATUS_LABELS = {
    ClientStatus.ACTIVE: L_("active"),
    ClientStatus.PAUSED: L_("paused"),
    ClientStatus.DISCHARGED: L_("discharged"),
}
CONSENT_LABELS = {
    Consent.NOT_ASKED: L_("not asked"),
    Consent.OPTED_IN: L_("opted in"),
    Consent.OPTED_OUT: L_("opted out"),
}
CONSENT_EVENT_LABELS = {
    ConsentKind.OPT_IN_RECORDED: L_("Consent recorded by staff"),
    ConsentKind.OPT_OUT: L_("The client texted STOP"),
    ConsentKind.OPT_IN: L_("The client texted START"),
    ConsentKind.OPT_OUT_BY_STAFF: L_("Consent removed by staff"),
    ConsentKind.ROI_CHANGED: L_("Release of information changed"),
}
MESSAGE_STATUS = {
    Status.PENDING: L_("pending"),
    Status.SENDING: L_("sending"),
    Status.SENT: L_("sent"),
    Status.DELIVERED: L_("delivered"),
    Status.UNDELIVERED: L_("undelivered"),
    Status.FAILED: L_("failed"),
    Status.EXPIRED: L_("expired"),
    Status.CANCELLED: L_("cancelled"),
    Status.RECEIVED: L_("received"),
}
PAUSE_REASON_LABELS = {
    "custody": L_("In custody"),
    "hospital": L_("In hospital"),
    "other": L_("Other"),
}


def pause_description(client: Client) -> str:
    """``pauses.describe`` in the staff member's words, e.g. "in custody until 2026-12-07"."""
    reason = client.pause_reason or ""
    if reason in pauses.PAUSE_REASONS and reason not in PAUSE_REASON_LABELS:
        return pauses.describe(client)  # a reason added to pauses but not yet here
    if client.paused_until is None:
        return {
            "custody": _("in custody"),
            "hospital": _("in hospital"),
            "other": _("other"),
        }.get(reason, _("paused"))
    until = client.paused_until.isoformat()
    return {
        "custody": _("in custody until %(date)s", date=until),
        "hospital": _("in hospital until %(date)s", date=until),
        "other": _("other until %(date)s", date=until),
    }.get(reason, _("paused until %(date)s", date=until))


class ClientForm(StaffForm):
    display_name = StringField(
        L_("First name or alias"),
        validators=[DataRequired(message=L_("Enter a first name or alias.")), Length(max=60)],
        description=L_("Shown in texts. No surname: a text can be read by others."),
    )
    phone = StringField(
        L_("Mobile number"),
        validators=[
            DataRequired(message=L_("Enter the client's mobile number.")),
            Length(max=40),
        ],
        description=L_("For example (213) 555-0123."),
    )
    language = SelectField(L_("Language for texts"))
    timezone = StringField(L_("Time zone"), validators=[DataRequired(), Length(max=64)])
    send_window_start = TimeField(L_("Texts from"), default=time(8, 0))
    send_window_end = TimeField(L_("Texts until"), default=time(21, 0))
    risk_level = SelectField(L_("Risk level (Static-99R)"))  # choices: in __init__
    provider_id = SelectField(L_("Provider"), coerce=int)
    officer_id = SelectField(L_("Supervising officer"), coerce=int)
    consent = BooleanField(L_("The client agreed to receive texts (consent given in person)"))
    examiner_id = SelectField(
        L_("Polygraph examiner"),
        coerce=int,
        validate_choice=False,  # checked in validate_examiner_id, with a clearer message
        description=L_("Optional. The examiner sees this client's appointments and alerts."),
    )
    status = SelectField(
        L_("Status"),
        choices=[
            SelectChoice(s.value, STATUS_CHOICES.get(s, s.value.capitalize()))
            for s in ClientStatus
        ],
    )
    pause_reason = SelectField(
        L_("Why paused"),
        choices=[SelectChoice("", L_("— choose —"))]
        + [
            SelectChoice(key, PAUSE_REASON_LABELS.get(key, label))
            for key, label in pauses.PAUSE_REASONS.items()
        ],
        validate_choice=False,  # required only when paused: checked in validate()
    )
    paused_until = DateField(
        L_("Paused until"),
        validators=[Optional()],
        description=L_(
            "The client's local date. That day the client becomes active again and "
            "texts start again."
        ),
    )
    simple_words = BooleanField(
        L_("Simple words"),
        description=L_(
            "Shorter, plainer check-in questions (\"Send a number: 0 = none, 10 = strong\"). "
            "For clients who find the usual wording hard to read."
        ),
    )
    roi_officer_contact = BooleanField(
        L_(
            "The client's release of information lets the officer hear about changes in how "
            "they can be reached"
        )
    )

    def __init__(self, *args: object, client_id: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._client_id = client_id
        self._e164: str | None = None
        self.language.choices = [
            SelectChoice(lang, language_name(lang)) for lang in shipped_languages()
        ]
        self.risk_level.choices = [
            SelectChoice(r.value, _("Level %(level)s", level=r.value)) for r in RiskLevel
        ]
        providers = db.session.scalars(
            select(StaffUser).where(StaffUser.role == Role.PROVIDER).order_by(StaffUser.name)
        ).all()
        officers = db.session.scalars(
            select(StaffUser).where(StaffUser.role == Role.OFFICER).order_by(StaffUser.name)
        ).all()
        self.provider_id.choices = [SelectChoice(p.id, p.name) for p in providers]
        self.officer_id.choices = [SelectChoice(0, _("— none —"))] + [
            SelectChoice(o.id, o.name) for o in officers
        ]
        examiners = db.session.scalars(
            select(StaffUser).where(StaffUser.role == Role.EXAMINER).order_by(StaffUser.name)
        ).all()
        self.examiner_id.choices = [SelectChoice(0, _("— none —"))] + [
            SelectChoice(e.id, e.name) for e in examiners
        ]

    def validate_phone(self, field: StringField) -> None:
        e164 = to_e164(field.data or "", current_app.config["DEFAULT_REGION"])
        if e164 is None:
            raise ValidationError(
                _(
                    "That is not a phone number we can text. Enter a mobile number "
                    "such as (213) 555-0123, or +52 for a number outside the US."
                )
            )
        taken = db.session.scalar(
            select(Client.id).where(Client.phone == e164, Client.id != (self._client_id or 0))
        )
        if taken is not None:
            raise ValidationError(_("Another client already has this number."))
        self._e164 = e164

    def validate_timezone(self, field: StringField) -> None:
        try:
            ZoneInfo((field.data or "").strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                _("Choose a time zone from the list, such as America/Los_Angeles.")
            ) from None

    def validate_send_window_end(self, field: TimeField) -> None:
        if self.send_window_start.data and field.data and field.data <= self.send_window_start.data:
            raise ValidationError(_("The end of the texting window must be after its start."))

    def validate_examiner_id(self, field: SelectField) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError(_("Choose a polygraph examiner from the list, or none."))

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)  # type: ignore[arg-type]
        if self.status.data == ClientStatus.PAUSED.value:
            self._check_pause()
        return ok and not any(f.errors for f in self)

    def _check_pause(self) -> None:
        """A pause needs a reason and an end date after today (the client's today)."""
        if self.pause_reason.data not in pauses.PAUSE_REASONS:
            self.pause_reason.errors.append(
                _("Choose why the client is paused: in custody, in hospital or other.")
            )
        until = self.paused_until
        if until.errors:
            return
        if until.data is None:
            until.errors.append(
                _("Enter the date the pause ends: texts and alerts start again that day.")
            )
            return
        today = self._client_today()
        if until.data <= today:
            until.errors.append(
                _(
                    "The pause must end after today (%(today)s where the client lives). "
                    "To end it now, set the status to Active.",
                    today=format_date(today, "full", locale=ui_language()),
                )
            )

    def _client_today(self) -> date:
        try:
            zone = ZoneInfo((self.timezone.data or "").strip())
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("America/Los_Angeles")  # the time zone field shows its own error
        return clock.now().astimezone(zone).date()

    @property
    def e164(self) -> str:
        assert self._e164 is not None
        return self._e164


def _apply(form: ClientForm, client: Client, now: datetime) -> list[str]:
    """Copy the form onto the client; return the names of what changed."""
    changes = []
    paused = form.status.data == ClientStatus.PAUSED.value
    values = {
        "display_name": form.display_name.data.strip(),
        "phone": form.e164,
        "language": form.language.data,
        "timezone": form.timezone.data.strip(),
        "send_window_start": form.send_window_start.data,
        "send_window_end": form.send_window_end.data,
        "risk_level": RiskLevel(form.risk_level.data),
        "provider_id": form.provider_id.data,
        "officer_id": form.officer_id.data or None,
        "examiner_id": form.examiner_id.data or None,
        "status": ClientStatus(form.status.data),
        # A pause's reason and end date mean something only while paused.
        "pause_reason": form.pause_reason.data if paused else None,
        "paused_until": form.paused_until.data if paused else None,
        "roi_officer_contact": bool(form.roi_officer_contact.data),
        "simple_words": bool(form.simple_words.data),
    }
    for name, value in values.items():
        if getattr(client, name) != value:
            changes.append(name)
            setattr(client, name, value)
    wants_texts = bool(form.consent.data)
    if wants_texts and client.consent != Consent.OPTED_IN:
        client.consent, client.consent_changed_at = Consent.OPTED_IN, now
        changes.append("consent")
    elif not wants_texts and client.consent == Consent.OPTED_IN:
        client.consent, client.consent_changed_at = Consent.OPTED_OUT, now
        changes.append("consent")
    client.updated_at = now
    return changes


def _audit_details(client: Client, changes: list[str]) -> dict[str, object]:
    details: dict[str, object] = {"fields": changes}
    if client.status == ClientStatus.PAUSED and client.paused_until is not None:
        details["pause"] = {
            "reason": client.pause_reason,
            "until": client.paused_until.isoformat(),
        }
    return details


def _pause_changes(
    client: Client, was_paused: bool, ended: dict[str, str | None], now: datetime
) -> bool:
    """Hold escalations when a pause starts; restart them (and texts) when staff end it.

    Returns whether texts were re-planned.
    """
    settings = EscalationSettings.from_config(current_app.config)
    is_paused = client.status == ClientStatus.PAUSED
    if is_paused and not was_paused:
        pauses.paused(db.session, client, now)
    elif was_paused and not is_paused:
        pauses.after_pause(db.session, client, now, settings, ended, actor=current_user)
        return client.can_be_texted
    return False


def _pause_words(client: Client) -> str:
    if client.status != ClientStatus.PAUSED:
        return ""
    return " " + _(
        "%(name)s is paused (%(pause)s): no texts and no alerts until then; "
        "texts start again that day.",
        name=client.display_name,
        pause=pause_description(client),
    )


def _after_save(client: Client, changes: list[str], now: datetime) -> Message | None:
    """Welcome a newly consenting client; withdraw texts when consent or status ends.

    Returns the welcome text when one was queued just now.
    """
    if client.can_be_texted:
        return enqueue(
            db.session,
            kind="welcome",
            dedupe_key=f"welcome:{client.id}",
            client_id=client.id,
            now=now,
        )
    if "consent" in changes or "status" in changes:
        cancel_pending(db.session, client_id=client.id, reason="texts stopped by staff", now=now)
    return None


def consent_disclosure(name: str, language: str) -> Rendered:
    """The opt-in words the client is shown or read: their welcome text, in the language
    it goes in (English when theirs is not shipped or is held back unreviewed)."""
    hold = current_app.config.get("HOLD_UNREVIEWED_LANGUAGES", False)
    sent = sending_language(language, hold_unreviewed=hold)
    team = current_app.config.get("CARE_TEAM_NAME", "")
    return render("welcome", sent, {"name": name, "team": team})


def right_to_left(language: str) -> bool:
    return Locale.parse(language).character_order == "right-to-left"


def record_consent(
    client: Client, changes: list[str], now: datetime, *, created: bool = False
) -> ConsentEvent | None:
    """Add a consent ledger row for what staff just changed (consent, or the release)."""
    disclosure = None
    if "consent" in changes:
        opted_in = client.consent == Consent.OPTED_IN
        kind = ConsentKind.OPT_IN_RECORDED if opted_in else ConsentKind.OPT_OUT_BY_STAFF
        if opted_in:
            disclosure = consent_disclosure(client.display_name, client.language).body
    elif "roi_officer_contact" in changes and (client.roi_officer_contact or not created):
        kind = ConsentKind.ROI_CHANGED
    else:
        return None
    event = ConsentEvent(
        client_id=client.id,
        at=now,
        kind=kind,
        recorded_by_id=current_user.id,
        disclosure=disclosure,
        roi_officer_contact=client.roi_officer_contact,
    )
    db.session.add(event)
    return event


def add_client(
    form: ClientForm, now: datetime, also: dict[str, object] | None = None
) -> tuple[Client, Message | None]:
    """Create the client the form describes (plus ``also``'s attributes), audit it, record
    consent in the ledger and queue the welcome text; return the client and that text."""
    client = Client(created_at=now, updated_at=now, consent=Consent.NOT_ASKED)
    changes = _apply(form, client, now)
    for name, value in (also or {}).items():
        if value is not None:
            setattr(client, name, value)
            changes.append(name)
    db.session.add(client)
    db.session.flush()
    audit.record(
        db.session,
        "client.created",
        now=now,
        actor=current_user,
        subject=client,
        details=_audit_details(client, changes),
    )
    record_consent(client, changes, now, created=True)
    welcome = _after_save(client, changes, now)
    return client, welcome


# Edits that move when texts go out (issue 3: "a client's timezone change
# reschedules what is pending"); consent and status coming back restart planning.
RESCHEDULING = frozenset(
    {"timezone", "send_window_start", "send_window_end", "risk_level", "status", "consent"}
)


def _replan_if_moved(client: Client, changes: list[str], now: datetime) -> bool:
    """Re-plan pending texts after an edit that moves them; return whether it did."""
    if not client.can_be_texted or not RESCHEDULING.intersection(changes):
        return False
    replan(db.session, client, now, "client details changed")
    return True


@bp.get("/")
@login_required
def index() -> str:
    clients = db.session.scalars(caseload_query(current_user).order_by(Client.display_name)).all()
    return render_template(
        "clients/index.html",
        clients=clients,
        consent_labels=CONSENT_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str:
    if current_user.role not in (Role.PROVIDER, Role.ADMIN):
        abort(403)
    form = ClientForm()
    if not form.is_submitted():
        form.timezone.data = "America/Los_Angeles"
        if current_user.role == Role.PROVIDER:
            form.provider_id.data = current_user.id
    if form.validate_on_submit():
        if current_user.role == Role.PROVIDER and form.provider_id.data != current_user.id:
            form.provider_id.errors = [_("You can only add clients to your own caseload.")]
        else:
            now = clock.now()
            client, _welcome = add_client(form, now)
            db.session.commit()
            added = _("%(name)s was added.", name=client.display_name)
            flash(added + _pause_words(client), "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None, timezones=COMMON_TIMEZONES)


@bp.get("/<int:client_id>")
@login_required
def show(client_id: int) -> str:
    client = client_or_403(client_id)
    now = clock.now()
    audit.record(db.session, "client.viewed", now=now, actor=current_user, subject=client)
    db.session.commit()
    quiet = db.session.execute(
        unreachable(select(Client).where(Client.id == client.id), now)
    ).first()
    ledger = db.session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.client_id == client.id)
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
    ).all()
    messages = db.session.scalars(
        select(Message)
        .where(Message.client_id == client.id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(100)
    ).all()
    return render_template(
        "clients/show.html",
        client=client,
        messages=messages,
        ledger=ledger,
        ledger_labels=CONSENT_EVENT_LABELS,
        Direction=Direction,
        care=client_overview(client, now),
        unreachable=quiet is not None,
        last_delivered=quiet[1] if quiet else None,
        pause=pause_description(client) if client.status == ClientStatus.PAUSED else None,
        texts_in=texts_language(client),
        charts=None if current_user.role == Role.EXAMINER else checkin_charts(client, now),
        topic_label=topic_label,
        answer_label=answer_label,
        week_label=week_label,
        consent_labels=CONSENT_LABELS,
        status_labels=STATUS_LABELS,
        message_status=MESSAGE_STATUS,
    )


@dataclass(frozen=True)
class TextsLanguage:
    """Which language a client's texts go in, and why, for the client page."""

    chosen: str  # what the client record says
    sent: str  # what actually goes out
    review: Review  # of the language that goes out
    unsupported: bool  # no catalog for the chosen language: English instead
    held_back: bool  # not reviewed and HOLD_UNREVIEWED_LANGUAGES is on: English instead
    preview: Rendered  # the first check-in question as the phone shows it
    right_to_left: bool

    @property
    def tag(self) -> str:
        """The language as an HTML ``lang`` value ("zh-Hant")."""
        return self.sent.replace("_", "-")


def texts_language(client: Client) -> TextsLanguage:
    """The client's text language as the page explains it (see i18n.sending_language)."""
    hold = current_app.config.get("HOLD_UNREVIEWED_LANGUAGES", False)
    sent = sending_language(client.language, hold_unreviewed=hold)
    topic = next(iter(client.checkin_topics or []), "stress")
    params = {"name": client.display_name, "topic": topic, "simple": client.simple_words}
    return TextsLanguage(
        chosen=client.language,
        sent=sent,
        review=review_of(sent),
        unsupported=client.language not in shipped_languages(),
        held_back=sent != supported(client.language),
        preview=render("checkin_prompt", sent, params),
        right_to_left=right_to_left(sent),
    )


# -- check-ins over time: the client page's charts and their tables ----------------------

CHART_WEEKS = 12  # how far back the charts look, in the client's weeks (Monday first)


@dataclass(frozen=True)
class ChartAnswer:
    """One answered check-in as the charts read it."""

    due_at: datetime
    topic: str
    expects: str  # "rating", "yes_no" or "choice" (care/topics.py)
    value: int | float | bool | str  # a number, yes (True) / no (False), or a choice


@dataclass
class ChartWeek:
    """One of the client's weeks: check-ins answered and missed (withdrawn ones do not count)."""

    start: date
    answered: int = 0
    missed: int = 0

    @property
    def counted(self) -> int:
        return self.answered + self.missed

    @property
    def percent(self) -> int | None:
        return round(100 * self.answered / self.counted) if self.counted else None


@dataclass
class CheckinCharts:
    """The client's check-in answers per topic and weekly adherence, for charts and tables."""

    zone: str
    since: datetime
    until: datetime
    weeks: list[ChartWeek]
    answers: list[ChartAnswer] = field(default_factory=list)

    @property
    def ratings(self) -> list[ChartAnswer]:
        return [a for a in self.answers if a.expects == "rating"]

    @property
    def yes_no(self) -> list[ChartAnswer]:
        return [a for a in self.answers if a.expects == "yes_no"]

    @property
    def any_counted(self) -> bool:
        return any(week.counted for week in self.weeks)

    @property
    def empty(self) -> bool:
        return not self.answers and not self.any_counted

    def data(self) -> dict[str, object]:
        """What ``static/charts.js`` draws: the same numbers as the tables, words translated."""
        return {
            "zone": self.zone,
            "since": _ms(self.since),
            "until": _ms(self.until),
            "ratings": _series(self.ratings, lambda value: value),
            "yesNo": _series(self.yes_no, lambda value: 1 if value else 0),
            "weeks": [
                {
                    "start": _ms(local_instant(week.start, time(0, 0), ZoneInfo(self.zone))),
                    "label": week_label(week.start),
                    "percent": week.percent,
                    "note": _(
                        "%(answered)s of %(counted)s answered",
                        answered=week.answered,
                        counted=week.counted,
                    )
                    if week.counted
                    else _("no check-ins counted"),
                }
                for week in self.weeks
            ],
            "words": {
                "yes": _("yes"),
                "no": _("no"),
                "ratings": _("Ratings, 0 to 10"),
                "yesNo": _("Yes or no answers"),
                "adherence": _("Share of check-ins answered, in percent"),
            },
        }


def _ms(instant: datetime) -> int:
    """An instant as JavaScript counts it: milliseconds since 1970 (UTC)."""
    return int(instant.timestamp() * 1000)


def _series(
    answers: list[ChartAnswer], y: Callable[[object], object]
) -> list[dict[str, object]]:
    by_topic: dict[str, list[dict[str, object]]] = {}
    for answer in answers:
        by_topic.setdefault(answer.topic, []).append(
            {"x": _ms(answer.due_at), "y": y(answer.value)}
        )
    return [{"label": topic_label(topic), "points": points} for topic, points in by_topic.items()]


def topic_label(topic: str) -> str:
    """A check-in topic as staff read it: "stress (negative mood)"."""
    spec = TOPICS.get(topic)
    return _("%(topic)s (%(need)s)", topic=topic, need=_(spec.need)) if spec else topic


def week_label(start: date) -> str:
    """The Monday a week starts on, in the staff member's language ("Nov 16, 2026")."""
    return format_date(start, "medium", locale=ui_language())


def answer_label(answer: ChartAnswer) -> str:
    if answer.expects == "yes_no":
        return _("yes") if answer.value else _("no")
    return str(answer.value)


def chart_value(expects: str, value: object) -> int | float | bool | str | None:
    """A stored answer as a chart point: None when there is nothing to draw (unreadable)."""
    if value is None:
        return None
    if expects == "rating":
        if isinstance(value, bool):
            return None
        try:
            number = float(str(value))
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    if expects == "yes_no":
        if value is True or str(value).strip().lower() == "yes":
            return True
        if value is False or str(value).strip().lower() == "no":
            return False
        return None
    return str(value)


def checkin_charts(client: Client, now: datetime) -> CheckinCharts:
    """The last ``CHART_WEEKS`` of the client's weeks (in their time zone) up to ``now``.

    Adherence is counted as in the monthly report: answered of answered + missed;
    withdrawn check-ins (a pause, an opt-out, a re-plan) and those still open do not
    count against the client.
    """
    zone = ZoneInfo(client.timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=today.weekday() + 7 * (CHART_WEEKS - 1))
    since = local_instant(first, time(0, 0), zone)
    weeks = [ChartWeek(first + timedelta(weeks=i)) for i in range(CHART_WEEKS)]
    check_ins = db.session.scalars(
        select(CheckIn)
        .where(
            CheckIn.client_id == client.id,
            CheckIn.due_at >= since,
            CheckIn.due_at <= now,
            CheckIn.status.in_([CheckInStatus.ANSWERED, CheckInStatus.MISSED]),
        )
        .order_by(CheckIn.due_at, CheckIn.id)
    ).all()
    charts = CheckinCharts(zone=client.timezone, since=since, until=now, weeks=weeks)
    for check_in in check_ins:
        local_day = check_in.due_at.astimezone(zone).date()
        week = weeks[(local_day - first).days // 7]
        if check_in.status == CheckInStatus.MISSED:
            week.missed += 1
            continue
        week.answered += 1
        spec = TOPICS.get(check_in.topic)
        if spec is None:
            continue
        value = chart_value(spec.expects, check_in.answer_value)
        if value is not None:
            charts.answers.append(ChartAnswer(check_in.due_at, check_in.topic, spec.expects, value))
    return charts


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@login_required
def edit(client_id: int) -> Response | str:
    client = client_or_403(client_id)
    if current_user.role not in (Role.PROVIDER, Role.ADMIN):
        abort(403)
    form = ClientForm(obj=client, client_id=client.id)
    if not form.is_submitted():
        form.consent.data = client.consent == Consent.OPTED_IN
        form.officer_id.data = client.officer_id or 0
        form.examiner_id.data = client.examiner_id or 0
        form.risk_level.data = client.risk_level.value
        form.status.data = client.status.value
        form.pause_reason.data = client.pause_reason or ""
    if form.validate_on_submit():
        if current_user.role == Role.PROVIDER and form.provider_id.data != current_user.id:
            form.provider_id.errors = [
                _("Ask an administrator to move a client to another provider.")
            ]
        else:
            now = clock.now()
            was_paused = client.status == ClientStatus.PAUSED
            ended = {
                "reason": client.pause_reason,
                "until": client.paused_until.isoformat() if client.paused_until else None,
            }
            changes = _apply(form, client, now)
            if changes:
                audit.record(
                    db.session,
                    "client.updated",
                    now=now,
                    actor=current_user,
                    subject=client,
                    details=_audit_details(client, changes),
                )
            record_consent(client, changes, now)
            _after_save(client, changes, now)
            rescheduled = _pause_changes(client, was_paused, ended, now)
            rescheduled = rescheduled or _replan_if_moved(client, changes, now)
            db.session.commit()
            message = _("Saved.") if changes else _("Nothing changed.")
            if rescheduled:
                message += " " + _("Texts not yet sent were re-planned for the new settings.")
            if changes:
                message += _pause_words(client)
            flash(message, "info")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template(
        "clients/form.html", form=form, client=client, timezones=COMMON_TIMEZONES
    )


def checkin_state(check_in: CheckIn, now: datetime) -> str:
    """A check-in's status as staff read it."""
    if check_in.status == CheckInStatus.OPEN:
        return _("planned") if check_in.due_at > now else _("waiting for an answer")
    label = CHECKIN_STATUS.get(check_in.status)
    return str(label) if label is not None else check_in.status.value


def client_overview(client: Client, now: datetime) -> dict[str, Any]:
    """What the client page shows of their care: plan, level, tasks, check-ins, appointments."""
    summary = appointments.care_summary(db.session, client.id, now)
    return {
        "plan": latest_plan(db.session, client.id),
        "derived": derived_level(client, local_today(client, now)),
        "task_rows": labelled(summary.open_tasks),
        "check_ins": summary.check_ins,
        "checkin_state": lambda c: checkin_state(c, now),
        "topics": TOPICS,
        "upcoming": summary.upcoming,
        "kinds": APPOINTMENT_KINDS,
        "statuses": APPOINTMENT_STATUS,
        "done_form": CsrfForm(formdata=None),
        "today": local_today(client, now),
    }
