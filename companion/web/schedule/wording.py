"""The schedule in words: each overridable part, as the schedule page and flashes say it."""

from __future__ import annotations

from typing import Any

from companion.care.cadence import DEFAULTS, Cadence, apply_overrides
from companion.care.topics import EVENING_TIME
from companion.web.language import L_, _, ngettext
from companion.web.shared import DAY_NAMES, lazy

NOTICE_NAMES = {
    "day_before": L_("day before"),
    "same_day": L_("same day"),
    "2h_before": L_("2 hours before"),
}
PART_NAMES = {
    "checkin_days": L_("Check-in days"),
    "evening_checkin": lazy(lambda: _("Evening check-in (%(time)s)", time=EVENING_TIME)),
    "reminder_days": L_("Plan reminder days"),
    "notices": L_("Appointment notices"),
    "escalate_after_misses": L_("Tell the provider after"),
    "officer_after_misses": L_("Tell the officer after"),
    "ack_business_days": L_("Wait for acknowledgement"),
}


def describe(part: str, cadence: Cadence) -> str:
    """One part of a cadence in words, as the schedule page shows it."""
    if part in ("checkin_days", "reminder_days"):
        days = getattr(cadence, part)
        if len(days) == 7:
            text = _("every day")
        else:
            text = ", ".join(str(DAY_NAMES[d]) for d in days) or _("none")
        if part == "reminder_days" and cadence.reminder_biweekly and days:
            text = _("%(days)s, every other week", days=text)
        return text
    if part == "evening_checkin":
        return _("yes, at %(time)s", time=EVENING_TIME) if cadence.evening_checkin else _("no")
    if part == "notices":
        return ", ".join(str(NOTICE_NAMES[n]) for n in cadence.notices) or _("none")
    if part == "ack_business_days":
        days = cadence.ack_business_days
        return ngettext("%(num)d business day", "%(num)d business days", days)
    misses = getattr(cadence, part)
    # Missed contact is counted in days, not check-ins (services/missed.py).
    return ngettext(
        "%(num)d day with a missed check-in", "%(num)d days in a row with a missed check-in", misses
    )


def describe_value(part: str, value: Any, level: str) -> str:
    """A stored override value in words ("back to derived" for None)."""
    if value is None:
        return _("back to derived")
    return describe(part, apply_overrides(DEFAULTS[level], {part: value}))
