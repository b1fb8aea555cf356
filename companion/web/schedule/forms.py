"""Risk and schedule forms: the assessments, check-in topics and times, one override."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from companion.care.cadence import LEVELS, MOST_ACK_DAYS, MOST_MISSES, NOTICE_OFFSETS, WEEKDAYS
from companion.care.topics import DEFAULT_TIMES, EVENING_TIME, PLAN_TOPICS, TOPICS
from companion.models import AcuteLevel
from companion.web.language import L_, StaffForm, _
from companion.web.schedule.wording import NOTICE_NAMES
from companion.web.shared import ACUTE_CHOICES, DAY_NAMES, lazy


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (rendered by hand in the templates)."""


class RiskForm(StaffForm):
    risk_level = SelectField(
        L_("Static-99R level"),
        choices=[
            SelectChoice(level, lazy(lambda level=level: _("Level %(level)s", level=level)))
            for level in LEVELS
        ],
    )
    stable_score = IntegerField(
        L_("STABLE-2007 total score"),
        validators=[
            Optional(),
            NumberRange(0, 26, message=L_("A STABLE-2007 total is 0 to 26.")),
        ],
    )
    stable_date = DateField(L_("STABLE-2007 date"), validators=[Optional()])
    acute_level = SelectField(
        L_("ACUTE-2007 result"),
        choices=[SelectChoice("", L_("— not scored —"))]
        + [SelectChoice(a.value, ACUTE_CHOICES[a]) for a in AcuteLevel],
    )
    acute_date = DateField(L_("ACUTE-2007 date"), validators=[Optional()])
    release_date = DateField(
        L_("Release date"),
        validators=[Optional()],
        description=L_("The first 90 days after release raise the schedule one level."),
    )
    checkin_topics = MultiCheckboxField(
        L_("Check-in topics"),
        # The goal question comes from the plan's approach goals, not from a tick here.
        choices=[
            SelectChoice(key, L_(topic.need))
            for key, topic in TOPICS.items()
            if key not in PLAN_TOPICS
        ],
    )
    checkin_times = StringField(
        L_("Check-in times"),
        validators=[Length(max=100)],
        description=lazy(
            lambda: _(
                "The client's local time, HH:MM, separated by commas (at most 4). "
                "Empty means %(times)s. A time in quiet hours waits for the "
                "texting window to open.",
                times=", ".join(DEFAULT_TIMES),
            )
        ),
    )

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.times: list[str] = []

    def _not_future(self, field: DateField) -> None:
        if field.data and field.data > self.today:
            field.errors.append(_("That date is in the future."))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        pairs = (
            (self.stable_score, self.stable_date, "STABLE-2007"),
            (self.acute_level, self.acute_date, "ACUTE-2007"),
        )
        for result, when, tool in pairs:
            has_result = result.data not in (None, "")
            if has_result and not when.data and not when.errors:
                when.errors.append(_("Enter the date of the %(tool)s.", tool=tool))
            if when.data and not has_result and not result.errors:
                result.errors.append(_("Enter the %(tool)s result, or clear its date.", tool=tool))
            self._not_future(when)
        times, problem = parse_times_text(self.checkin_times.data or "")
        if problem:
            self.checkin_times.errors.append(problem)
        self.times = times
        return ok and not any(f.errors for f in self)


def parse_times_text(text: str) -> tuple[list[str], str | None]:
    """ "10:00, 7:30pm"-like input as sorted "HH:MM" strings, or a problem to show."""
    times = set()
    for piece in (p for p in re.split(r"[,;\s]+", text.strip()) if p):
        match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", piece)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return [], _(
                '"%(piece)s" is not a time of day. Write times as HH:MM on a 24-hour '
                "clock, e.g. 10:00 or 18:30.",
                piece=piece,
            )
        times.add(f"{int(match.group(1)):02d}:{match.group(2)}")
    if len(times) > 4:
        return [], _("At most 4 check-in times a day.")
    return sorted(times), None


class OverrideForm(StaffForm):
    """One overridable part: the value (the widget that fits the part) and why."""

    days = MultiCheckboxField(
        L_("Days"),
        choices=[SelectChoice(i, DAY_NAMES[i]) for i in range(len(WEEKDAYS))],
        coerce=int,
    )
    evening = SelectField(
        L_("Evening check-in"),
        choices=[
            SelectChoice("yes", lazy(lambda: _("Yes, also at %(time)s", time=EVENING_TIME))),
            SelectChoice("no", L_("No")),
        ],
        validate_choice=False,
    )
    notices = MultiCheckboxField(
        L_("Notices"), choices=[SelectChoice(n, NOTICE_NAMES[n]) for n in NOTICE_OFFSETS]
    )
    misses = IntegerField(
        L_("Days in a row with a missed check-in"),
        validators=[
            Optional(),
            NumberRange(1, MOST_MISSES, message=L_("A number from 1 to 7.")),
        ],
    )
    business_days = IntegerField(
        L_("Business days before it goes to the next person"),
        validators=[
            Optional(),
            NumberRange(1, MOST_ACK_DAYS, message=L_("A number from 1 to 5.")),
        ],
        description=L_("Urgent alerts (acute replies) always climb within the hour."),
    )
    reason = StringField(
        L_("Why"),
        validators=[
            DataRequired(message=L_("Say why: the reason is kept with the change.")),
            Length(max=500),
        ],
    )
