"""The release of information (ROI): which category an alert falls in, and who may hear it.

Plain rules over plain values (no database): the client signs a release per category
(../shared/DOMAIN.md, "Release of information"); an alert's reason falls in exactly one
category; the officer hears an alert only where a current release covers its category.
Supervision-condition matters are the exception: the officer hears them by the terms of
supervision under the containment model, whether or not a release row says so (the
release page records them all the same, so the client's paper and the product agree).

Reasons are matched by their string value, so a reason added to ``care/ladder.py``
is placed here by name; one missing from ``CATEGORY_OF`` counts as clinical, the
narrowest release (nothing outside a release reaches the officer by accident).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from companion.care.labels import W_


class Category(enum.StrEnum):
    """What a release covers, in the order the release page and "who is told" list them."""

    ATTENDANCE = "attendance"  # missed treatment sessions, polygraph exams
    ADHERENCE = "adherence"  # missed check-ins
    CHANNEL = "channel"  # opt-out, a number that cannot be reached
    CLINICAL = "clinical"  # self-harm, urges, sexual thoughts, threats, relapse
    SUPERVISION = "supervision"  # victim or minor contact against a condition, weapons


CATEGORIES = tuple(Category)

LABELS: dict[Category, str] = {
    Category.ATTENDANCE: W_("Attendance (missed sessions and exams)"),
    Category.ADHERENCE: W_("Adherence (missed check-ins)"),
    Category.CHANNEL: W_("Channel changes (opt-out, unreachable)"),
    Category.CLINICAL: W_("Clinical risk (self-harm, urges, sexual thoughts)"),
    Category.SUPERVISION: W_("Supervision conditions (victim or minors, weapons, travel)"),
}

# Each escalation reason (care/ladder.py Reason values, and those screening adds) → category.
# Why each one is where it is: docs/escalation.md, "Release of information".
CATEGORY_OF: dict[str, Category] = {
    "missed_appointment": Category.ATTENDANCE,
    "missed_checkins": Category.ADHERENCE,
    "cant_reach": Category.CHANNEL,
    "opted_out": Category.CHANNEL,
    # Clinical: a clinician's to answer; the officer hears only under a clinical release.
    "self_harm": Category.CLINICAL,
    "high_urge": Category.CLINICAL,
    "threat": Category.CLINICAL,  # duty to protect is the clinician's (Civil Code 43.92)
    "life_event": Category.CLINICAL,
    "child_sexual_thoughts": Category.CLINICAL,
    "csam": Category.CLINICAL,
    "substance": Category.CLINICAL,
    "housing_work": Category.CLINICAL,
    # Supervision conditions: the officer's by the terms of supervision.
    "victim_access": Category.SUPERVISION,
    "victim_contact": Category.SUPERVISION,
    "minor_access": Category.SUPERVISION,
    "weapon": Category.SUPERVISION,
    "leaving_area": Category.SUPERVISION,
}

# The rungs on which the officer (or their backup) is the one told.
OFFICER_RUNGS = frozenset({"officer", "backup_officer"})


def category_of(reason: str) -> Category:
    """The release category an alert raised for ``reason`` falls in (clinical if unknown)."""
    return CATEGORY_OF.get(str(reason), Category.CLINICAL)


@dataclass(frozen=True)
class Grant:
    """One release row as the rules see it: granted or refused, signed, maybe expiring."""

    category: Category
    granted: bool
    signed_on: date
    expires_on: date | None = None

    def current(self, today: date) -> bool:
        """Granted, and not past its expiry date (the expiry day itself still counts)."""
        return self.granted and (self.expires_on is None or today <= self.expires_on)

    def expired(self, today: date) -> bool:
        return self.granted and self.expires_on is not None and today > self.expires_on


@dataclass(frozen=True)
class Basis:
    """Why the officer may hear an alert: a current release, or the terms of supervision."""

    category: Category
    grant: Grant | None  # None: supervision matters with no release row on file

    def describe(self) -> str:
        """In English for the timeline and the staff alert: "attendance, signed 2026-11-02"."""
        if self.grant is None:
            return f"{self.category.value}, by the terms of supervision"
        return f"{self.category.value}, signed {self.grant.signed_on.isoformat()}"

    def sms_label(self) -> str:
        """The same for the officer's text: no health detail on a lock screen, so a
        clinical release is named by its date alone (the portal names the category)."""
        if self.grant is None:
            return "terms of supervision"
        if self.category == Category.CLINICAL:
            return f"signed {self.grant.signed_on.isoformat()}"
        return self.describe()


def officer_basis(category: Category, grant: Grant | None, today: date) -> Basis | None:
    """What lets the officer hear an alert in ``category`` (None: nothing; they are not told).

    ``grant`` is the client's latest release row for that category, if any.
    """
    if grant is not None and grant.current(today):
        return Basis(category, grant)
    if category == Category.SUPERVISION:
        return Basis(category, grant if grant is not None and grant.granted else None)
    return None


class Reach(enum.StrEnum):
    """What the client is told the officer sees (one enrollment text per value)."""

    TEAM = "team"  # nothing but supervision conditions
    MISSED = "missed"  # missed check-ins or sessions (and channel changes)
    ALL = "all"  # their answers too (a clinical release)


def client_reach(grants: dict[Category, Grant | None], today: date) -> Reach:
    """In plain words, what the officer sees of this client's texts, from their release."""

    def covered(category: Category) -> bool:
        grant = grants.get(category)
        return grant is not None and grant.current(today)

    if covered(Category.CLINICAL):
        return Reach.ALL
    if covered(Category.ATTENDANCE) or covered(Category.ADHERENCE):
        return Reach.MISSED
    return Reach.TEAM
