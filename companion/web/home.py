"""The home page: what needs the signed-in staff member today, by role.

- a **provider** sees their open alerts, check-ins missed in the last 7 days,
  appointments in the next 48 hours and plans due for review;
- an **officer** sees their supervisees' open alerts, no-shows recorded in the
  last 30 days and appointments in the next 48 hours;
- an **admin** sees the staff (counts by role, and anything that would stop an
  alert reaching someone), the settings that matter (never a secret) and the
  audit log;
- a polygraph **examiner** goes to their assigned clients.

Every list is drawn from ``caseload_query``: nobody sees outside their caseload.
Times are in the staff member's time zone; "today" is their today. The page lists
names and links only, like the client list, so opening it is not a view of any
client's record (nothing is audited).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from companion.care.topics import TOPICS
from companion.extensions import db
from companion.messaging.i18n import SOURCE_LANGUAGE, language_name, review_of
from companion.models import (
    Appointment,
    AppointmentStatus,
    AuditEvent,
    CheckIn,
    CheckInStatus,
    Client,
    ClientStatus,
    Escalation,
    EscalationStatus,
    PlanVersion,
    Role,
    StaffUser,
    WorkerHeartbeat,
)
from companion.services.appointments import Recorded, outcomes_recorded
from companion.web import clock
from companion.web.access import caseload_query
from companion.web.escalations import RUNG_LABELS, reason_label
from companion.web.language import L_, _, ngettext, ui_language
from companion.web.shared import APPOINTMENT_KINDS, APPOINTMENT_STATUS, DAY_NAMES, localtime
from companion.worker import HEARTBEAT_NAME

bp = Blueprint("home", __name__)

SHOWN = 50  # rows per list; the heading counts them all
UPCOMING = timedelta(hours=48)
MISSED_CHECKINS_SINCE = timedelta(days=7)
NO_SHOWS_SINCE = timedelta(days=30)
REVIEW_SOON = timedelta(days=7)
NO_RECIPIENT_SINCE = timedelta(days=30)
# Appointments still to come (not cancelled, not yet kept or missed).
COMING = (
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.RESCHEDULE_REQUESTED,
)
ROLE_NAMES = {
    Role.PROVIDER: L_("Providers"),
    Role.OFFICER: L_("Officers"),
    Role.EXAMINER: L_("Polygraph examiners"),
    Role.ADMIN: L_("Administrators"),
}
ROLE_WORDS = {
    Role.PROVIDER: L_("provider"),
    Role.OFFICER: L_("officer"),
    Role.EXAMINER: L_("examiner"),
    Role.ADMIN: L_("admin"),
}


@dataclass
class Listed:
    """The first rows of a list, and how many there are in all."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def _listed(query: Select[Any], *, scalars: bool = True) -> Listed:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    result = (
        db.session.scalars(query.limit(SHOWN))
        if scalars
        else db.session.execute(query.limit(SHOWN))
    )
    return Listed(list(result.all()), total or 0)


def _caseload_ids() -> Any:
    return caseload_query(current_user).with_only_columns(Client.id).scalar_subquery()


@bp.get("/today")
@login_required
def index() -> Response | str:
    """Today, for the signed-in staff member's role."""
    if current_user.role == Role.EXAMINER:
        return redirect(url_for("team.assigned"))
    now = clock.now()
    zone = ZoneInfo(current_user.timezone)
    today = now.astimezone(zone).date()
    common = {
        "now": now,
        "zone": current_user.timezone,
        "today_words": format_date(today, "full", locale=ui_language()),
        "kinds": APPOINTMENT_KINDS,
        "statuses": APPOINTMENT_STATUS,
        "reason_label": reason_label,
        "rung_labels": RUNG_LABELS,
        "day_words": lambda instant: _day_words(instant, today, zone),
        "date_words": _date_words,
    }
    if current_user.role == Role.ADMIN:
        return render_template("home/admin.html", **common, **_admin(now))
    if current_user.role == Role.PROVIDER:
        return render_template(
            "home/provider.html",
            **common,
            alerts=_open_alerts(),
            missed=_missed_checkins(now),
            topic_need=_topic_need,
            upcoming=_upcoming(now),
            plans=_plans_due(today),
            today=today,
        )
    if current_user.role == Role.OFFICER:
        no_shows = _no_shows(now)
        return render_template(
            "home/officer.html",
            **common,
            alerts=_open_alerts(),
            no_shows=no_shows,
            recorded=_recorded(no_shows),
            upcoming=_upcoming(now),
        )
    return redirect(url_for("clients.index"))  # a role added later: the client list


# -- provider and officer ------------------------------------------------------------------


def _open_alerts() -> Listed:
    """Open escalations on the caseload: urgent first, then the oldest first."""
    return _listed(
        select(Escalation)
        .options(selectinload(Escalation.client))
        .where(
            Escalation.client_id.in_(_caseload_ids()),
            Escalation.status == EscalationStatus.OPEN,
        )
        .order_by(case((Escalation.urgent, 0), else_=1), Escalation.opened_at, Escalation.id)
    )


def _upcoming(now: datetime) -> Listed:
    """Appointments starting in the next 48 hours, soonest first."""
    return _listed(
        select(Appointment)
        .options(selectinload(Appointment.client))
        .where(
            Appointment.client_id.in_(_caseload_ids()),
            Appointment.starts_at >= now,
            Appointment.starts_at < now + UPCOMING,
            Appointment.status.in_(COMING),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )


def _missed_checkins(now: datetime) -> Listed:
    """Check-ins missed in the last 7 days, newest first."""
    return _listed(
        select(CheckIn)
        .options(selectinload(CheckIn.client))
        .where(
            CheckIn.client_id.in_(_caseload_ids()),
            CheckIn.status == CheckInStatus.MISSED,
            CheckIn.due_at >= now - MISSED_CHECKINS_SINCE,
            CheckIn.due_at <= now,
        )
        .order_by(CheckIn.due_at.desc(), CheckIn.id.desc())
    )


def _topic_need(topic: str) -> str:
    spec = TOPICS.get(topic)
    return _(spec.need) if spec else ""


@dataclass
class PlanDue:
    client: Client
    plan: PlanVersion | None


def _plans_due(today: date) -> Listed:
    """Clients still in care whose plan is missing, undated, overdue or due within 7 days."""
    latest = (
        select(PlanVersion.client_id, func.max(PlanVersion.version).label("version"))
        .group_by(PlanVersion.client_id)
        .subquery()
    )
    query = (
        caseload_query(current_user)
        .outerjoin(latest, latest.c.client_id == Client.id)
        .outerjoin(
            PlanVersion,
            and_(PlanVersion.client_id == Client.id, PlanVersion.version == latest.c.version),
        )
        .add_columns(PlanVersion)
        .where(
            Client.status != ClientStatus.DISCHARGED,
            or_(
                PlanVersion.id.is_(None),
                PlanVersion.review_date.is_(None),
                PlanVersion.review_date <= today + REVIEW_SOON,
            ),
        )
        .order_by(
            case((PlanVersion.id.is_(None), 0), (PlanVersion.review_date.is_(None), 1), else_=2),
            PlanVersion.review_date,
            Client.display_name,
            Client.id,
        )
    )
    found = _listed(query, scalars=False)
    found.rows = [PlanDue(client, plan) for client, plan in found.rows]
    return found


def _no_shows(now: datetime) -> Listed:
    """Appointments recorded missed that were due in the last 30 days, newest first."""
    return _listed(
        select(Appointment)
        .options(selectinload(Appointment.client))
        .where(
            Appointment.client_id.in_(_caseload_ids()),
            Appointment.status == AppointmentStatus.MISSED,
            Appointment.starts_at >= now - NO_SHOWS_SINCE,
            Appointment.starts_at <= now,
        )
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
    )


def _recorded(no_shows: Listed) -> dict[int, Recorded]:
    return outcomes_recorded(db.session, [a.id for a in no_shows.rows])


def _day_words(instant: datetime, today: date, zone: ZoneInfo) -> str:
    """ "today", "tomorrow" or the weekday, in the staff member's time zone."""
    day = instant.astimezone(zone).date()
    if day == today:
        return _("today")
    if day == today + timedelta(days=1):
        return _("tomorrow")
    return str(DAY_NAMES[day.weekday()])


def _date_words(day: date) -> str:
    return format_date(day, "medium", locale=ui_language())


# -- admin ---------------------------------------------------------------------------------


@dataclass
class StaffWarning:
    """Something about the staff that would stop an alert reaching a person."""

    text: str
    fix: str = ""
    clients: list[Client] = field(default_factory=list)
    more: int = 0
    links: list[tuple[str, str]] = field(default_factory=list)  # (words, address)


def _page(endpoint: str, **values: Any) -> str:
    """The address of ``endpoint``, or "" while this app has no such page."""
    if endpoint not in current_app.view_functions:
        return ""
    return url_for(endpoint, **values)


def _links(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [(words, address) for words, address in pairs if address]


def _admin(now: datetime) -> dict[str, Any]:
    config = current_app.config
    counts: dict[Role, list[int]] = {role: [0, 0] for role in Role}
    for role, active, n in db.session.execute(
        select(StaffUser.role, StaffUser.is_active_account, func.count()).group_by(
            StaffUser.role, StaffUser.is_active_account
        )
    ):
        counts[role][0 if active else 1] += n
    open_alerts, urgent_alerts = db.session.execute(
        select(func.count(), func.count(case((Escalation.urgent, 1))))
        .select_from(Escalation)
        .where(Escalation.status == EscalationStatus.OPEN)
    ).one()
    return {
        "staff_counts": [(ROLE_NAMES[role], *counts[role]) for role in Role],
        "staff_page": _page("staff_admin.index"),
        "warnings": _staff_warnings(now, bool(config.get("MAIL_SERVER"))),
        "settings": _settings(now),
        "open_alerts": open_alerts,
        "urgent_alerts": urgent_alerts,
    }


def _in_care() -> Any:
    return Client.status != ClientStatus.DISCHARGED


def _clients_of(column: Any, staff_id: int) -> tuple[list[Client], int]:
    query = select(Client).where(column == staff_id, _in_care())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shown = db.session.scalars(query.order_by(Client.display_name, Client.id).limit(10)).all()
    return list(shown), total


CASELOAD_COLUMNS = {
    Role.PROVIDER: Client.provider_id,
    Role.OFFICER: Client.officer_id,
    Role.EXAMINER: Client.examiner_id,
}


def _staff_warnings(now: datetime, mail: bool) -> list[StaffWarning]:
    """Staff nobody can alert, deactivated staff still on a caseload, clients with no
    officer, and alerts that lately found nobody to tell."""
    staff = db.session.scalars(select(StaffUser).order_by(StaffUser.name, StaffUser.id)).all()
    warnings: list[StaffWarning] = []
    for person in staff:
        if person.role not in CASELOAD_COLUMNS:
            continue
        if person.is_active_account:
            warnings.extend(_unreachable(person, mail))
        else:
            warnings.extend(_deactivated(person, staff))
    warnings.extend(_no_officer())
    warnings.extend(_nobody_told(now))
    return warnings


def _unreachable(person: StaffUser, mail: bool) -> list[StaffWarning]:
    """An active provider or officer with no way to receive an alert."""
    if person.role == Role.EXAMINER or person.phone or (mail and person.email):
        return []
    role = ROLE_WORDS[person.role]
    if mail:
        text = _(
            "%(name)s (%(role)s) has neither a phone nor an email address for alerts: "
            "alerts to them are passed over to the next person.",
            name=person.name,
            role=role,
        )
    else:
        text = _(
            "%(name)s (%(role)s) has no phone for alerts, and alert email is not "
            "configured: alerts to them are passed over to the next person.",
            name=person.name,
            role=role,
        )
    clients, total = _clients_of(CASELOAD_COLUMNS[person.role], person.id)
    return [
        StaffWarning(
            text,
            _("Add a mobile number to their account."),
            clients,
            total - len(clients),
            _links((_("Edit their account"), _page("staff_admin.edit", staff_id=person.id))),
        )
    ]


def _deactivated(person: StaffUser, staff: Sequence[StaffUser]) -> list[StaffWarning]:
    """A deactivated account still holding clients, or still someone's backup officer."""
    found = []
    clients, total = _clients_of(CASELOAD_COLUMNS[person.role], person.id)
    if total:
        found.append(
            StaffWarning(
                ngettext(
                    "%(name)s's account is deactivated, but they are still the %(role)s "
                    "of %(num)d client.",
                    "%(name)s's account is deactivated, but they are still the %(role)s "
                    "of %(num)d clients.",
                    total,
                    name=person.name,
                    role=ROLE_WORDS[person.role],
                ),
                _("Give these clients someone else."),
                clients,
                total - len(clients),
                _links(
                    (_("Move their clients"), _page("staff_admin.caseload", staff_id=person.id))
                ),
            )
        )
    backed_up = [s for s in staff if s.backup_officer_id == person.id and s.is_active_account]
    if person.role == Role.OFFICER and backed_up:
        found.append(
            StaffWarning(
                _(
                    "%(name)s's account is deactivated, but they are still the backup "
                    "officer of %(officers)s.",
                    name=person.name,
                    officers=", ".join(s.name for s in backed_up),
                ),
                _("Choose another backup officer for them."),
                links=_links(
                    *((s.name, _page("staff_admin.edit", staff_id=s.id)) for s in backed_up)
                ),
            )
        )
    return found


def _no_officer() -> list[StaffWarning]:
    query = select(Client).where(Client.officer_id.is_(None), _in_care())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if not total:
        return []
    shown = db.session.scalars(query.order_by(Client.display_name, Client.id).limit(10)).all()
    return [
        StaffWarning(
            ngettext(
                "%(num)d client has no supervising officer: alerts for the officer reach nobody.",
                "%(num)d clients have no supervising officer: alerts for the officer reach nobody.",
                total,
            ),
            _("Choose their officer on the client's page."),
            list(shown),
            total - len(shown),
        )
    ]


def _nobody_told(now: datetime) -> list[StaffWarning]:
    """Alerts that lately found nobody on a rung (escalations record it for the admin)."""
    since = now - NO_RECIPIENT_SINCE
    nobody = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "escalation.no_recipient", AuditEvent.at >= since)
    )
    if not nobody:
        return []
    local_since = since.astimezone(ZoneInfo(current_user.timezone)).date().isoformat()
    return [
        StaffWarning(
            ngettext(
                "In the last 30 days an alert found nobody to tell %(num)d time.",
                "In the last 30 days alerts found nobody to tell %(num)d times.",
                nobody,
            ),
            links=[
                (
                    _("See them in the audit log"),
                    url_for("team.audit_log", action="escalation.no_recipient", since=local_since),
                )
            ],
        )
    ]


@dataclass
class Setting:
    name: str
    value: str
    note: str = ""
    warn: bool = False
    link: str = ""
    link_text: str = ""


def _settings(now: datetime) -> list[Setting]:
    """The settings that change what happens, in words; never a secret."""
    config = current_app.config
    production = config["COMPANION_ENV"] == "production"
    shown = [_texts_setting(config, production)]
    shown.append(_language_setting(config))
    shown.append(_hours_setting(config, now))
    if config.get("MAIL_SERVER"):
        shown.append(
            Setting(
                _("Alert email"),
                _(
                    "Configured: alerts go by text and by email (server %(server)s, port "
                    "%(port)s).",
                    server=config["MAIL_SERVER"],
                    port=config["MAIL_PORT"],
                ),
            )
        )
    else:
        shown.append(
            Setting(
                _("Alert email"),
                _("Not configured: alerts go by text only."),
                _("Set MAIL_SERVER to send them by email too."),
            )
        )
    shown.append(_worker_setting(config, now))
    return shown


def _texts_setting(config: Any, production: bool) -> Setting:
    if config["SMS_TRANSPORT"] == "console":
        setting = Setting(
            _("Texts (SMS_TRANSPORT)"),
            _("Console: texts are kept in the database and go nowhere."),
            link=url_for("simulator.index"),
            link_text=_("Phone simulator"),
        )
        if production:
            setting.note = _("This is a production site: clients receive nothing.")
            setting.warn = True
        return setting
    sender = (
        _("Twilio, through a Messaging Service.")
        if config.get("TWILIO_MESSAGING_SERVICE_SID")
        else _("Twilio, from one number.")
    )
    base = urlsplit(config.get("PUBLIC_BASE_URL", ""))
    # Only the scheme, host and path: never a user or password written into the address.
    address = urlunsplit((base.scheme, base.hostname or "", base.path, "", ""))
    if base.port:
        address = urlunsplit((base.scheme, f"{base.hostname}:{base.port}", base.path, "", ""))
    return Setting(
        _("Texts (SMS_TRANSPORT)"),
        sender,
        _("Twilio calls back at %(address)s.", address=address) if address else "",
    )


def _language_setting(config: Any) -> Setting:
    in_use = db.session.execute(
        select(Client.language, func.count())
        .where(_in_care())
        .group_by(Client.language)
        .order_by(Client.language)
    ).all()
    drafted = [
        (language, n)
        for language, n in in_use
        if language != SOURCE_LANGUAGE and not review_of(language).reviewed
    ]
    clients = sum(n for _language, n in drafted)
    names = ", ".join(language_name(language) for language, _n in drafted)
    if config.get("HOLD_UNREVIEWED_LANGUAGES"):
        value = _(
            "On: texts go in English until a qualified translator has reviewed the "
            "client's language."
        )
        note = (
            ngettext(
                "%(num)d client in care gets English for now (%(languages)s).",
                "%(num)d clients in care get English for now (%(languages)s).",
                clients,
                languages=names,
            )
            if clients
            else ""
        )
    else:
        value = _(
            "Off: texts go in the client's language even before a qualified translator "
            "has reviewed it."
        )
        note = (
            ngettext(
                "%(num)d client in care gets texts in a language not yet reviewed (%(languages)s).",
                "%(num)d clients in care get texts in a language not yet reviewed (%(languages)s).",
                clients,
                languages=names,
            )
            if clients
            else ""
        )
    return Setting(_("Unreviewed languages (HOLD_UNREVIEWED_LANGUAGES)"), value, note)


def _hours_setting(config: Any, now: datetime) -> Setting:
    opens, closes = config["BUSINESS_HOURS"]
    days = ", ".join(str(DAY_NAMES[d]) for d in config["BUSINESS_DAYS"])
    value = _(
        "%(opens)s–%(closes)s, %(days)s (%(zone)s)",
        opens=opens,
        closes=closes,
        days=days,
        zone=config["BUSINESS_TIMEZONE"],
    )
    local_today = now.astimezone(ZoneInfo(config["BUSINESS_TIMEZONE"])).date()
    coming = sorted(
        day for day in (date.fromisoformat(d) for d in config["HOLIDAYS"]) if day >= local_today
    )
    note = (
        _("Next holiday: %(date)s.", date=_date_words(coming[0]))
        if coming
        else _("No holidays to come are set (HOLIDAYS).")
    )
    return Setting(_("Business hours (for alerts that wait a business day)"), value, note)


def _worker_setting(config: Any, now: datetime) -> Setting:
    beat = db.session.get(WorkerHeartbeat, HEARTBEAT_NAME)
    if beat is None:
        return Setting(
            _("Worker"),
            _("Never seen: no texts are planned or sent, and alerts do not climb."),
            _("Start it with flask worker."),
            warn=True,
        )
    stale = (now - beat.beat_at).total_seconds() > config["HEARTBEAT_STALE_SECONDS"]
    return Setting(
        _("Worker"),
        _("Last seen %(when)s.", when=_localtime(beat.beat_at)),
        _("It has stopped: no texts are planned or sent, and alerts do not climb.")
        if stale
        else "",
        warn=stale,
    )


def _localtime(instant: datetime) -> str:
    return localtime(instant, current_user.timezone)
