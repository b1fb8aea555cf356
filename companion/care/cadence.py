"""Risk level to cadence (DOMAIN.md, "Risk level -> cadence"), and provider overrides.

Risk: intensity follows risk to reoffend, more contact for higher risk and
less for low risk. ACUTE-2007 moderate, or the first 90 days after release,
moves a client one level up; ACUTE high means daily check-ins and a provider
review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from companion.care.labels import W_

LEVELS = ("I", "II", "III", "IVa", "IVb")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NOTICE_OFFSETS = ("day_before", "same_day", "2h_before")
RELEASE_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Cadence:
    """How often a client hears from us. Weekdays are 0 (Monday) to 6 (Sunday)."""

    checkin_days: tuple[int, ...]
    evening_checkin: bool
    reminder_days: tuple[int, ...]
    # Reminders every other week when True (ISO week parity): levels I-II.
    reminder_biweekly: bool
    notices: tuple[str, ...]
    # The escalation ladder's steps for this client (DOMAIN.md, "Escalation ladder"):
    # consecutive misses that alert the provider, and that go to the officer;
    # business days an alert waits for acknowledgement before it climbs a rung.
    escalate_after_misses: int
    officer_after_misses: int = 3
    ack_business_days: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "checkin_days": list(self.checkin_days),
            "evening_checkin": self.evening_checkin,
            "reminder_days": list(self.reminder_days),
            "reminder_biweekly": self.reminder_biweekly,
            "notices": list(self.notices),
            "escalate_after_misses": self.escalate_after_misses,
            "officer_after_misses": self.officer_after_misses,
            "ack_business_days": self.ack_business_days,
        }


DAILY = (0, 1, 2, 3, 4, 5, 6)

DEFAULTS: dict[str, Cadence] = {
    "I": Cadence((2,), False, (1,), True, ("day_before",), 2),
    "II": Cadence((2,), False, (1,), True, ("day_before",), 2),
    "III": Cadence((0, 2, 4), False, (1,), False, ("day_before", "same_day"), 2),
    "IVa": Cadence(DAILY, False, (1,), False, ("day_before", "same_day"), 2),
    "IVb": Cadence(DAILY, True, (1, 4), False, NOTICE_OFFSETS, 1),
}

# Parts a provider may override, with how to read a submitted value.
OVERRIDABLE = (
    "checkin_days",
    "evening_checkin",
    "reminder_days",
    "notices",
    "escalate_after_misses",
    "officer_after_misses",
    "ack_business_days",
)
# Bounds for the ladder's numbers: a week of daily misses, a working week of waiting.
MOST_MISSES = 7
MOST_ACK_DAYS = 5


@dataclass(frozen=True)
class Derived:
    """The level the schedule is derived from, and why it differs from the static level."""

    static_level: str
    level: str
    reasons: tuple[str, ...] = field(default=())
    provider_review: bool = False


def derive_level(
    static_level: str,
    *,
    today: date,
    acute_level: str | None = None,
    release_date: date | None = None,
) -> Derived:
    """Apply DOMAIN.md's modifiers to the Static-99R level."""
    index = LEVELS.index(static_level)
    reasons: list[str] = []
    review = False
    raise_one = False
    if acute_level == "moderate":
        raise_one = True
        reasons.append(W_("ACUTE-2007 moderate: one level up"))
    if release_date is not None and release_date <= today < release_date + RELEASE_WINDOW:
        raise_one = True
        reasons.append(W_("first 90 days after release: one level up"))
    if raise_one:
        index = min(index + 1, len(LEVELS) - 1)
    if acute_level == "high":
        index = max(index, LEVELS.index("IVa"))
        review = True
        reasons.append(W_("ACUTE-2007 high: daily check-ins and a provider review"))
    return Derived(static_level, LEVELS[index], tuple(reasons), review)


def apply_overrides(base: Cadence, overrides: Mapping[str, Any]) -> Cadence:
    """``base`` with the provider's overrides (part -> value; None = keep derived)."""
    changes: dict[str, Any] = {}
    for part, value in overrides.items():
        if value is None or part not in OVERRIDABLE:
            continue
        if part in ("checkin_days", "reminder_days"):
            changes[part] = tuple(sorted({int(d) for d in value if 0 <= int(d) <= 6}))
        elif part == "notices":
            changes[part] = tuple(n for n in NOTICE_OFFSETS if n in set(value))
        elif part == "evening_checkin":
            changes[part] = bool(value)
        elif part in ("escalate_after_misses", "officer_after_misses"):
            changes[part] = min(MOST_MISSES, max(1, int(value)))
        elif part == "ack_business_days":
            changes[part] = min(MOST_ACK_DAYS, max(1, int(value)))
    if "reminder_days" in changes:
        changes["reminder_biweekly"] = False  # an explicit choice of days is weekly
    return replace(base, **changes)


def effective_cadence(derived: Derived, overrides: Mapping[str, Any]) -> Cadence:
    """The schedule in force: the derived level's defaults with overrides on top."""
    return apply_overrides(DEFAULTS[derived.level], overrides)
