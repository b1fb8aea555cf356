"""The admin's home page: staff counts, anything that would stop an alert reaching a
person, and the settings that change what happens (in words; never a secret)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_login import current_user

from companion.extensions import db
from companion.messaging.i18n import SOURCE_LANGUAGE, language_name, review_of
from companion.models import Client, Role, StaffUser
from companion.runtime import escalation_settings
from companion.services import caseload, oncall
from companion.services import home as lists
from companion.services.home import NO_RECIPIENT_SINCE
from companion.web.language import L_, _, ngettext
from companion.web.shared import DAY_NAMES, date_words, localtime
from companion.worker import HEARTBEAT_NAME

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


def admin_page(now: datetime) -> dict[str, Any]:
    config = current_app.config
    counts = lists.staff_counts(db.session)
    open_alerts, urgent_alerts = lists.alert_counts(db.session)
    return {
        "staff_counts": [(ROLE_NAMES[role], *counts[role]) for role in Role],
        "staff_page": _page("staff_admin.index"),
        "warnings": _staff_warnings(now, bool(config.get("MAIL_SERVER"))),
        "settings": _settings(now),
        "oncall_gaps": _oncall_gaps(now),
        "day_names": DAY_NAMES,
        "open_alerts": open_alerts,
        "urgent_alerts": urgent_alerts,
    }


def _oncall_gaps(now: datetime) -> list[oncall.Gap]:
    """The next 7 days' hours with nobody on call, or with an on-call clinician who cannot
    be reached (services/oncall.py ``gaps``)."""
    settings = escalation_settings()
    return oncall.gaps(db.session, now, settings.calendar.zone, settings.email)


def _staff_warnings(now: datetime, mail: bool) -> list[StaffWarning]:
    """Staff nobody can alert, deactivated staff still on a caseload, clients with no
    officer, and alerts that lately found nobody to tell."""
    staff = lists.all_staff(db.session)
    # Every provider's, officer's and examiner's first clients in one go (a statement per
    # role), not two statements per person: the page's count stays the same as staff grow.
    held = caseload.held_by(db.session, staff, lists.CLIENTS_SHOWN)
    warnings: list[StaffWarning] = []
    for person in staff:
        if person.role not in lists.CASELOAD_COLUMNS:
            continue
        if person.is_active_account:
            warnings.extend(_unreachable(person, mail, held[person.id]))
        else:
            warnings.extend(_deactivated(person, staff, held[person.id]))
    warnings.extend(_no_officer())
    warnings.extend(_nobody_told(now))
    return warnings


def _unreachable(
    person: StaffUser, mail: bool, held: tuple[list[Client], int]
) -> list[StaffWarning]:
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
    clients, total = held
    return [
        StaffWarning(
            text,
            _("Add a mobile number to their account."),
            clients,
            total - len(clients),
            _links((_("Edit their account"), _page("staff_admin.edit", staff_id=person.id))),
        )
    ]


def _deactivated(
    person: StaffUser, staff: Sequence[StaffUser], held: tuple[list[Client], int]
) -> list[StaffWarning]:
    """A deactivated account still holding clients, or still someone's backup officer."""
    found = []
    clients, total = held
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
    shown, total = lists.without_officer(db.session)
    if not total:
        return []
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
    nobody = lists.nobody_told(db.session, since)
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
    in_use = lists.languages_in_care(db.session)
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
        _("Next holiday: %(date)s.", date=date_words(coming[0]))
        if coming
        else _("No holidays to come are set (HOLIDAYS).")
    )
    return Setting(_("Business hours (for alerts that wait a business day)"), value, note)


def _worker_setting(config: Any, now: datetime) -> Setting:
    beat = lists.heartbeat(db.session, HEARTBEAT_NAME)
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
