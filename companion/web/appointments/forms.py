"""The appointment form, and the checks of what it names (a time that exists, a discreet place).

Shared by the appointments page, guided onboarding and the CSV import.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wtforms import DateField, SelectChoice, SelectField, StringField, TimeField
from wtforms.validators import InputRequired, Length

from companion.care.local_time import local_instant, skipped_gap
from companion.care.plan import indiscreet_word
from companion.messaging.compose import discretion_lists
from companion.models import Client
from companion.web.language import L_, StaffForm, _
from companion.web.shared import APPOINTMENT_KINDS, localtime

FURTHEST_APPOINTMENT = timedelta(days=730)


class AppointmentForm(StaffForm):
    kind = SelectField(
        L_("What it is"),
        choices=[SelectChoice(k.value, label) for k, label in APPOINTMENT_KINDS.items()],
        description=L_("For staff only: texts give the time and place, never what it is."),
    )
    day = DateField(L_("Date"), validators=[InputRequired(message=L_("Enter the date."))])
    at = TimeField(L_("Time"), validators=[InputRequired(message=L_("Enter the time."))])
    location = StringField(
        L_("Place"),
        validators=[Length(max=200)],
        description=L_(
            "Texts show it exactly as typed: a street address or a neutral name. "
            "Leave it empty to leave the place out."
        ),
    )


def appointment_start(form: AppointmentForm, client: Client, now: datetime) -> datetime | None:
    """The instant the form names in the client's zone, or None with the error on the form."""
    zone = ZoneInfo(client.timezone)
    day, at = form.day.data, form.at.data
    assert day is not None and at is not None
    gap = skipped_gap(day, at, zone)
    if gap is not None:
        instead = local_instant(day, at, zone).astimezone(zone)
        form.at.errors.append(
            _(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks jump from "
                "%(start)s to %(end)s (daylight saving time). Did you mean %(instead)s?",
                time=f"{at:%H:%M}",
                day=f"{day:%A, %B} {day.day}, {day.year}",
                zone=client.timezone,
                start=f"{gap[0]:%H:%M}",
                end=f"{gap[1]:%H:%M}",
                instead=f"{instead:%H:%M}",
            )
        )
        return None
    starts = local_instant(day, at, zone)
    if starts <= now:
        form.at.errors.append(
            _(
                "That time has passed: it is now %(now)s where the client lives. "
                "Choose a time in the future.",
                now=localtime(now, client.timezone),
            )
        )
        return None
    if starts > now + FURTHEST_APPOINTMENT:
        form.day.errors.append(_("That is more than two years away. Check the year."))
        return None
    return starts


def check_location(form: AppointmentForm) -> bool:
    word = indiscreet_word(form.location.data or "", discretion_lists())
    if word:
        form.location.errors.append(
            _(
                '"%(word)s" would be in the text: texts show the place exactly as typed. '
                "Use a street address or a neutral name.",
                word=word,
            )
        )
        return False
    return True
