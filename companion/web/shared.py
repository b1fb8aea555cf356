"""What more than one area of the staff pages uses: formatting, labels and small forms.

Areas import these public names from here, never each other's private ones. Labels
are shown in the staff member's language (the "web" catalog): ``L_()`` here, ``_()``
when a view builds a sentence.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.support import LazyProxy
from flask_login import current_user

from companion.care.labels import W_
from companion.care.topics import TOPICS
from companion.models import (
    AcuteLevel,
    AppointmentKind,
    AppointmentStatus,
    CheckInStatus,
    Client,
    ClientStatus,
    Status,
)
from companion.models.message import STATUS_WORDS
from companion.web.language import L_, StaffForm, _, ui_language


def lazy(make: Any) -> LazyProxy:
    """A label with values in it (``make`` calls ``_()``), translated when it is shown."""
    return LazyProxy(make, enable_cache=False)


def localtime(instant: datetime | None, zone: str, with_zone: bool = True) -> str:
    """``instant`` as a wall-clock time in ``zone``: "Mon 23 Nov 2026, 10:00 PST".

    Also the ``localtime`` template filter (registered in ``web/__init__.py``).
    """
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(zone))
    language = ui_language()
    if language == "en":
        text = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    else:  # the same shape in the page's language: "lun 23 nov 2026, 10:00 PST"
        text = format_datetime(local, "EEE d MMM y, HH:mm", locale=language)
    return f"{text} {local:%Z}" if with_zone else text


def clienttime(instant: datetime | None, client_zone: str, staff_zone: str | None = None) -> str:
    """A time about a client: in their zone, named, and in the staff member's where it
    differs: "Mon 23 Nov 2026, 10:00 PST (13:00 EST for you)".

    The one way the staff pages show a time about a client (the ``clienttime`` filter;
    ``staff_zone`` defaults to the signed-in staff member's).
    """
    if instant is None:
        return ""
    if staff_zone is None:
        staff_zone = current_user.timezone if current_user.is_authenticated else client_zone
    theirs = localtime(instant, client_zone)
    there, here = (
        instant.astimezone(ZoneInfo(client_zone)),
        instant.astimezone(ZoneInfo(staff_zone)),
    )
    if there.utcoffset() == here.utcoffset() and there.tzname() == here.tzname():
        return theirs
    mine = f"{here:%H:%M %Z}" if here.date() == there.date() else localtime(instant, staff_zone)
    return _("%(theirs)s (%(mine)s for you)", theirs=theirs, mine=mine)


def date_words(day: date) -> str:
    """A date in the staff member's language ("Nov 16, 2026")."""
    return format_date(day, "medium", locale=ui_language())


def local_today(client: Client, now: datetime) -> date:
    """The client's calendar day at ``now``."""
    return now.astimezone(ZoneInfo(client.timezone)).date()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None."""
    # Only same-site paths: never bounce a signed-in user to another site.
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


class CsrfForm(StaffForm):
    """A form with no fields: the CSRF token of a one-button POST."""


# What an appointment is shows on the staff pages only: texts never name it. In English
# (KIND_NAMES) where it is kept with an alert; in the reader's language on the pages.
KIND_NAMES: dict[AppointmentKind, str] = {
    AppointmentKind.TREATMENT_GROUP: W_("Treatment group"),
    AppointmentKind.INDIVIDUAL: W_("Individual session"),
    AppointmentKind.SUPERVISION: W_("Probation/parole meeting"),
    AppointmentKind.POLYGRAPH: W_("Polygraph exam"),
    AppointmentKind.COURT: W_("Court date"),
}
APPOINTMENT_KINDS: dict[AppointmentKind, LazyProxy] = {
    kind: L_(name) for kind, name in KIND_NAMES.items()
}
APPOINTMENT_STATUS: dict[AppointmentStatus, LazyProxy] = {
    AppointmentStatus.SCHEDULED: L_("scheduled"),
    AppointmentStatus.CONFIRMED: L_("confirmed by the client"),
    AppointmentStatus.RESCHEDULE_REQUESTED: L_("the client asked to reschedule"),
    AppointmentStatus.CANCELLED: L_("cancelled"),
    AppointmentStatus.KEPT: L_("kept"),
    AppointmentStatus.MISSED: L_("missed"),
}
# A notice's state, as the appointments page shows it (the value stays the CSS class).
MESSAGE_STATUS: dict[Status, LazyProxy] = {s: L_(word) for s, word in STATUS_WORDS.items()}
CHECKIN_STATUS: dict[CheckInStatus, LazyProxy] = {
    CheckInStatus.ANSWERED: L_("answered"),
    CheckInStatus.MISSED: L_("missed"),
    CheckInStatus.WITHDRAWN: L_("withdrawn"),
}
# An ACUTE-2007 result: as a choice on the form, and as read on the schedule page.
ACUTE_CHOICES: dict[AcuteLevel, LazyProxy] = {
    AcuteLevel.LOW: L_("Low"),
    AcuteLevel.MODERATE: L_("Moderate"),
    AcuteLevel.HIGH: L_("High"),
}
ACUTE_WORDS: dict[AcuteLevel, LazyProxy] = {
    AcuteLevel.LOW: L_("low"),
    AcuteLevel.MODERATE: L_("moderate"),
    AcuteLevel.HIGH: L_("high"),
}
TEXT_LABELS = {
    "appt_day_before": L_("Day before"),
    "appt_same_day": L_("Same day"),
    "appt_2h": L_("2 hours before"),
    "appt_moved": L_("Moved (new time)"),
    "appt_cancelled": L_("Cancellation"),
    "appt_confirmed": L_("Confirmation (reply)"),
    "appt_reschedule": L_("Reschedule answer (reply)"),
}
TASK_LABELS = {
    "reschedule_request": L_("Reschedule request"),
    "unmatched_reply": L_("Reply with no open question"),
    "unread_answer": L_("Check-in answer that could not be read"),
    "call_back": L_("Call-back asked for by text"),
    "shared_number": L_("Text from a number two clients share"),
    "stale_appointment_reply": L_("Reply about an appointment since moved or cancelled"),
    "opted_out_text": L_("Text from a client who opted out"),
    "unclear_reply": L_("Reply that was not fully understood"),
    "signal_reply": L_("Reply that needs a person (no alert could be raised)"),
    "release_expired": L_("Release of information expired"),
    "rescore_acute": L_("ACUTE-2007 is stale: re-score it"),
    "plan_review": L_("Plan due for review"),
}
DAY_NAMES = (L_("Mon"), L_("Tue"), L_("Wed"), L_("Thu"), L_("Fri"), L_("Sat"), L_("Sun"))


def task_label(kind: str) -> LazyProxy | str:
    """A task's kind as staff read it."""
    return TASK_LABELS.get(kind, kind.replace("_", " ").capitalize())


def topic_label(topic: str) -> str:
    """A check-in topic as staff read it: "stress (negative mood)"."""
    spec = TOPICS.get(topic)
    return _("%(topic)s (%(need)s)", topic=topic, need=_(spec.need)) if spec else topic


# The time zones offered first wherever one is chosen (clients, staff).
COMMON_TIMEZONES = [
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Anchorage",
    "Pacific/Honolulu",
]
# How a client's stored status reads on the pages (the values stay English: they are data).
STATUS_LABELS = {
    ClientStatus.ACTIVE: L_("active"),
    ClientStatus.PAUSED: L_("paused"),
    ClientStatus.DISCHARGED: L_("discharged"),
}
