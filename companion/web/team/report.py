"""The monthly containment report for the team: a page to print, and the same figures as CSV.

``/clients/<id>/report?month=YYYY-MM`` (and ``report.csv``): the month's check-in
adherence, appointments kept by kind, escalations by reason with their outcomes and
time to acknowledgement (``services/reports.py`` counts them).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask_login import current_user

from companion.extensions import db
from companion.models import Client, Outcome
from companion.services import reports
from companion.services.reports import Report, next_month, reason_text
from companion.web import clock
from companion.web.access import Action, client_or_403, record_view, requires
from companion.web.language import _
from companion.web.shared import KIND_NAMES
from companion.web.team import bp
from companion.web.team.wording import (
    OUTCOME_WORDS,
    RUNG_WORDS,
    duration_words,
    kind_words,
    month_words,
    outcome_words,
    reason_label,
)


class BadMonth(ValueError):
    pass


_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(raw: str | None, zone: ZoneInfo, now: datetime) -> date:
    """The first day of the month ``raw`` names (``YYYY-MM``); by default the last full month."""
    today = now.astimezone(zone).date()
    if raw is None or raw == "":
        return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    match = _MONTH.fullmatch(raw.strip())
    if match is None:
        raise BadMonth(
            _('"%(raw)s" is not a month. Write it as YYYY-MM, for example 2026-10.', raw=raw[:20])
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise BadMonth(
            _("There is no month %(month)s: months run from 01 to 12.", month=f"{month:02d}")
        )
    if year < 2000:
        raise BadMonth(_("%(year)s is before any record Companion could hold.", year=year))
    first = date(year, month, 1)
    if first > today:
        raise BadMonth(
            _("%(month)s has not begun yet: there is nothing to report.", month=raw.strip())
        )
    return first


def _report_or_400(client: Client, now: datetime) -> Report | str:
    try:
        month = parse_month(request.args.get("month"), ZoneInfo(client.timezone), now)
    except BadMonth as exc:
        return str(exc)
    found = reports.build_report(db.session, client, month, now, KIND_NAMES)
    found.label = month_words(found.month)
    return found


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


@bp.get("/clients/<int:client_id>/report")
@requires(Action.VIEW_TEAM_REPORT)
def report(client_id: int) -> str | tuple[str, int]:
    """The month's figures for the containment team, as a page to print."""
    client = client_or_403(client_id)
    now = clock.now()
    found = _report_or_400(client, now)
    if isinstance(found, str):
        return render_template("team/bad_month.html", client=client, message=found), 400
    record_view(client, "report", now, month=found.key, format="html")
    return render_template(
        "team/report.html",
        report=found,
        client=client,
        zone=current_user.timezone,
        previous=(found.month - timedelta(days=1)).strftime("%Y-%m"),
        following=next_month(found.month).strftime("%Y-%m") if found.complete else None,
        percent=_percent,
        duration=duration_words,
        kinds=kind_words(),
        outcome_words=outcome_words(),
        rung_words=RUNG_WORDS,
        reason_label=reason_label,
        Outcome=Outcome,
    )


def _cell(value: Any) -> Any:
    # A spreadsheet must never read a cell as a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def report_rows(found: Report) -> list[tuple[Any, ...]]:
    """The report as (section, item, measure, value) rows: the same figures as the page."""
    a = found.adherence
    rows: list[tuple[Any, ...]] = [
        ("report", "", "client id", found.client.id),
        ("report", "", "client", found.client.display_name),
        ("report", "", "month", found.key),
        ("report", "", "time zone", found.client.timezone),
        ("report", "", "month complete", "yes" if found.complete else "no"),
        ("check-ins", "", "asked", a.asked),
        ("check-ins", "", "answered", a.answered),
        ("check-ins", "", "missed", a.missed),
        ("check-ins", "", "withdrawn (not counted against the client)", a.withdrawn),
        ("check-ins", "", "still open", a.still_open),
        (
            "check-ins",
            "",
            "adherence rate % (answered of answered + missed)",
            "" if a.rate is None else round(a.rate * 100, 1),
        ),
    ]
    for kind in found.appointments:
        for measure in ("kept", "missed", "cancelled", "no_outcome", "upcoming"):
            rows.append(
                ("appointments", kind.label, measure.replace("_", " "), getattr(kind, measure))
            )
    for reason in found.reasons:
        rows.append(("escalations", reason.label, "opened", reason.opened))
        rows.append(("escalations", reason.label, "urgent", reason.urgent))
        for outcome in Outcome:
            count = reason.outcomes[outcome.value]
            rows.append(("escalations", reason.label, OUTCOME_WORDS[outcome], count))
        rows.append(("escalations", reason.label, "still open", reason.still_open))
        median_wait = reason.median_wait
        rows.append(
            (
                "escalations",
                reason.label,
                "median minutes to acknowledgement",
                "" if median_wait is None else round(median_wait.total_seconds() / 60),
            )
        )
    for escalation in found.escalations:
        wait = (
            escalation.acknowledged_at - escalation.opened_at
            if escalation.acknowledged_at
            else None
        )
        item = f"alert {escalation.code} (#{escalation.id})"
        rows.append(("escalation", item, "reason", reason_text(escalation.reason)))
        rows.append(("escalation", item, "opened (UTC)", escalation.opened_at.isoformat()))
        rows.append(
            (
                "escalation",
                item,
                "outcome",
                OUTCOME_WORDS[escalation.outcome] if escalation.outcome else "still open",
            )
        )
        rows.append(
            (
                "escalation",
                item,
                "minutes to acknowledgement",
                "" if wait is None else round(wait.total_seconds() / 60),
            )
        )
    return rows


@bp.get("/clients/<int:client_id>/report.csv")
@requires(Action.VIEW_TEAM_REPORT)
def report_csv(client_id: int) -> Response:
    client = client_or_403(client_id)
    now = clock.now()
    found = _report_or_400(client, now)
    if isinstance(found, str):
        return Response(found + "\n", status=400, mimetype="text/plain")
    record_view(client, "report", now, month=found.key, format="csv")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("section", "item", "measure", "value"))
    for row in report_rows(found):
        writer.writerow([_cell(v) for v in row])
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="containment-report-{client.id}-{found.key}.csv"'
            ),
            "Cache-Control": "no-store",
        },
    )
