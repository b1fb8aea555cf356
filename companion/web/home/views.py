"""The home page: what needs the signed-in staff member today, by role.

- a **provider** sees their open alerts, check-ins missed in the last 7 days,
  appointments in the next 48 hours, plans due for review and clients never asked
  anything (no check-in topic);
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

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.care.topics import TOPICS
from companion.extensions import db
from companion.models import Role
from companion.services import check_in_topics
from companion.services import home as lists
from companion.services.appointment_outcomes import recorded as outcomes_recorded
from companion.web import clock
from companion.web.access import Action, caseload_query, requires
from companion.web.alerts.wording import RUNG_LABELS, reason_label
from companion.web.home.admin import admin_page
from companion.web.language import _, ui_language
from companion.web.shared import APPOINTMENT_KINDS, APPOINTMENT_STATUS, DAY_NAMES, date_words

bp = Blueprint("home", __name__)


@bp.get("/today")
@requires(Action.SEE_HOME)
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
        "date_words": date_words,
    }
    if current_user.role == Role.ADMIN:
        return render_template("home/admin.html", **common, **admin_page(now))
    caseload = caseload_query(current_user)
    if current_user.role == Role.PROVIDER:
        return render_template(
            "home/provider.html",
            **common,
            alerts=lists.open_alerts(db.session, caseload),
            missed=lists.missed_checkins(db.session, caseload, now),
            topic_need=_topic_need,
            upcoming=lists.upcoming(db.session, caseload, now),
            plans=lists.plans_due(db.session, caseload, today),
            without_topics=check_in_topics.without_topics(db.session, caseload),
            today=today,
        )
    if current_user.role == Role.OFFICER:
        no_shows = lists.no_shows(db.session, caseload, now)
        return render_template(
            "home/officer.html",
            **common,
            alerts=lists.open_alerts(db.session, caseload),
            no_shows=no_shows,
            recorded=outcomes_recorded(db.session, [a.id for a in no_shows.rows]),
            upcoming=lists.upcoming(db.session, caseload, now),
        )
    return redirect(url_for("clients.index"))  # a role added later: the client list


# -- provider and officer ------------------------------------------------------------------


def _topic_need(topic: str) -> str:
    spec = TOPICS.get(topic)
    return _(spec.need) if spec else ""


def _day_words(instant: datetime, today: date, zone: ZoneInfo) -> str:
    """ "today", "tomorrow" or the weekday, in the staff member's time zone."""
    day = instant.astimezone(zone).date()
    if day == today:
        return _("today")
    if day == today + timedelta(days=1):
        return _("tomorrow")
    return str(DAY_NAMES[day.weekday()])
