"""Check-ins over time: the client page's charts and their tables (the same numbers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from companion.care.local_time import local_instant
from companion.care.topics import TOPICS
from companion.extensions import db
from companion.models import CheckInStatus, Client
from companion.services import clients
from companion.web.language import _, ui_language
from companion.web.shared import topic_label

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


def _series(answers: list[ChartAnswer], y: Callable[[object], object]) -> list[dict[str, object]]:
    by_topic: dict[str, list[dict[str, object]]] = {}
    for answer in answers:
        by_topic.setdefault(answer.topic, []).append(
            {"x": _ms(answer.due_at), "y": y(answer.value)}
        )
    return [{"label": topic_label(topic), "points": points} for topic, points in by_topic.items()]


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
    check_ins = clients.counted_check_ins(db.session, client.id, since, now)
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
