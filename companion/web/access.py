"""Who may open which page: the role policy and the caseload rule, enforced in one place.

Every view says what it does, with one decorator right under its route:

    @bp.get("/clients/<int:client_id>/plan")
    @requires(Action.VIEW_PLAN)
    def plan(client_id): ...

``requires`` signs the visitor in first (anonymous: to the sign-in page) and answers
403 when the role policy (``care/roles.py``) refuses the action. Pages anyone may open
(sign-in, webhooks with their signature, the health check) say ``@public``. A view
with neither is refused with 403 before it runs (``refuse_undeclared``), and
tests/security/test_policy.py names it. Within a page, ``client_or_403`` applies the
caseload rule and ``may(...)`` the finer cells (the reduced record, alert reasons).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user, login_required

from companion.care.roles import Action, allowed, appointment_kinds_seen, ever_allowed
from companion.extensions import db
from companion.models import AppointmentKind, Client
from companion.services import caseload

# The caseload rule itself is a query (services/caseload.py); pages import it from here.
from companion.services.caseload import caseload_query

__all__ = [
    "Action",
    "caseload_query",
    "client_or_403",
    "kinds_seen",
    "may",
    "public",
    "record_view",
    "refuse_undeclared",
    "requires",
]

View = TypeVar("View", bound=Callable[..., Any])

# Endpoints Flask itself adds (no view of ours to decorate): public.
FRAMEWORK_PUBLIC = frozenset({"static"})


def requires(action: Action, *, on_post: Action | None = None) -> Callable[[View], View]:
    """Sign-in, then 403 unless the signed-in role may ``action`` (in some case).

    ``on_post``: a page that reads on GET and changes on POST declares both.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            needed = on_post if on_post is not None and request.method == "POST" else action
            if not ever_allowed(current_user.role, needed):
                abort(403)
            return view(*args, **kwargs)

        guarded = login_required(checked)
        guarded.required_action = action  # type: ignore[attr-defined]
        guarded.post_action = on_post or action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: View) -> View:
    """A page anyone may open, signed in or not (it checks what it needs itself)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def declared(view: Callable[..., Any] | None) -> Action | bool | None:
    """The action ``view`` declares, True if public, None if it declares nothing."""
    if view is None:
        return None
    if getattr(view, "public", False):
        return True
    return getattr(view, "required_action", None)


def refuse_undeclared() -> None:
    """Before every request: a view that declares no action is refused (fail closed)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in FRAMEWORK_PUBLIC:
        return  # no route matched (404 follows), or Flask's own static files
    if declared(current_app.view_functions.get(endpoint)) is None:
        abort(403)


def may(action: Action, **facts: object) -> bool:
    """Whether the signed-in staff member may ``action`` (templates: ``may(Action.X)``)."""
    return current_user.is_authenticated and allowed(current_user.role, action, **facts)


def kinds_seen() -> frozenset[AppointmentKind] | None:
    """The kinds of appointment the signed-in staff member sees (None: every kind)."""
    return appointment_kinds_seen(current_user.role)


def client_or_403(client_id: int) -> Client:
    """The client, if in the signed-in user's caseload; 404 if none, 403 if not theirs."""
    client = caseload.client(db.session, client_id)
    if client is None:
        abort(404)
    if not caseload.in_caseload(db.session, current_user, client_id):
        abort(403)
    return client


def record_view(client: Client, page: str, now: datetime, **details: Any) -> None:
    """Audit one view of a client's record by the signed-in staff member, and commit."""
    caseload.record_view(db.session, current_user, client, page, now, details)
