"""Who may see which client: the caseload rule, in one place.

Polygraph examiners see only the clients assigned to them, and of those only the
appointments and the alerts: ``examiner_may_open`` is the list of pages they may
open at all (checked before every request in ``web/__init__.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort
from flask_login import current_user

from companion.extensions import db
from companion.models import Client
from companion.services import caseload

# The caseload rule itself is a query (services/caseload.py); pages import it from here.
from companion.services.caseload import caseload_query

__all__ = ["caseload_query", "client_or_403", "examiner_may_open", "record_view"]


def client_or_403(client_id: int) -> Client:
    """The client, if in the signed-in user's caseload; 404 if none, 403 if not theirs."""
    client = caseload.client(db.session, client_id)
    if client is None:
        abort(404)
    if not caseload.in_caseload(db.session, current_user, client_id):
        abort(403)
    return client


# Pages a polygraph examiner may open, by endpoint, and with which methods. Everything
# else (plans, schedules, tasks, timelines, reports, the simulator…) is 403 for them.
EXAMINER_ENDPOINTS: dict[str, frozenset[str]] = {
    "static": frozenset({"GET", "HEAD"}),
    "health.healthz": frozenset({"GET", "HEAD"}),
    "auth.login": frozenset({"GET", "HEAD", "POST"}),
    "auth.logout": frozenset({"POST"}),
    "auth.home": frozenset({"GET", "HEAD"}),
    "auth.change_password": frozenset({"GET", "HEAD", "POST"}),  # a temporary password
    "language.choose": frozenset({"POST"}),
    "clients.index": frozenset({"GET", "HEAD"}),  # sent on to their assigned clients
    "clients.show": frozenset({"GET", "HEAD"}),  # the reduced page: name, appointments
    "appointments.appointments": frozenset({"GET", "HEAD"}),  # read only
    "escalations.queue": frozenset({"GET", "HEAD"}),
    "escalations.short_link": frozenset({"GET", "HEAD"}),
    "escalations.show": frozenset({"GET", "HEAD"}),
    "escalations.acknowledge_view": frozenset({"POST"}),
    "team.assigned": frozenset({"GET", "HEAD"}),
}


def examiner_may_open(endpoint: str | None, method: str) -> bool:
    """Whether an examiner may open ``endpoint`` with ``method`` (unknown addresses: 404 later)."""
    if endpoint is None:
        return True
    return method in EXAMINER_ENDPOINTS.get(endpoint, frozenset())


def record_view(client: Client, page: str, now: datetime, **details: Any) -> None:
    """Audit one view of a client's record by the signed-in staff member, and commit."""
    caseload.record_view(db.session, current_user, client, page, now, details)
