"""The phone simulator: read what a client received and reply as that client.

Only with the console transport (nothing leaves the machine then). A reply
typed here goes through ``services.webhooks.receive_text``, the very code a real
inbound SMS takes.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from companion.clock import app_clock
from companion.extensions import db
from companion.models import Direction
from companion.runtime import HOOKS, fast_lane, send_soon, tick
from companion.services import staff_sessions, webhooks
from companion.services.clients import caseload_clients
from companion.web import SESSION_TOKEN_KEY, clock
from companion.web.access import Action, caseload_query, client_or_403, requires
from companion.web.language import _
from companion.web.shared import MESSAGE_STATUS, localtime
from companion.web.simulator.forms import JumpForm, ReplyForm

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

SIMULATOR_NUMBER = "+10000000000"  # stands in for our own number in the inbound log


@bp.before_request
def console_only() -> None:
    if current_app.config["SMS_TRANSPORT"] != "console":
        abort(404)


@bp.get("/")
@requires(Action.USE_SIMULATOR)
def index() -> str:
    clients = caseload_clients(db.session, caseload_query(current_user))
    return render_template("simulator/index.html", clients=clients)


@bp.route("/<int:client_id>", methods=["GET", "POST"])
@requires(Action.USE_SIMULATOR)
def phone(client_id: int) -> Response | str:
    client = client_or_403(client_id)
    form = ReplyForm()
    if form.validate_on_submit():
        now = clock.now()
        send = webhooks.receive_text(
            db.session,
            from_number=client.phone,
            to_number=SIMULATOR_NUMBER,
            body=form.body.data or "",
            now=now,
            region=current_app.config["DEFAULT_REGION"],
            hooks=HOOKS,
        )
        send_soon(send)  # the webhook's lane; waited for here so the phone shows the answer
        fast_lane().wait_idle(timeout=5.0)
        return redirect(url_for("simulator.phone", client_id=client.id))
    # What the phone shows: texts that actually went out, and what the client sent.
    thread = webhooks.phone_thread(db.session, client.id)
    now = clock.now()
    return render_template(
        "simulator/phone.html",
        client=client,
        now=now,
        staff_zone=current_user.timezone,
        # The development clock can be moved (``flask clock``, "jump"); production's cannot.
        clock_movable=bool(getattr(app_clock(current_app), "movable", False)),
        thread=thread,
        form=form,
        jump_form=JumpForm(formdata=None),
        next_at=webhooks.next_planned(db.session, client.id, now),
        Direction=Direction,
        message_status=MESSAGE_STATUS,
    )


@bp.post("/<int:client_id>/next")
@requires(Action.USE_SIMULATOR)
def jump(client_id: int) -> Response:
    """Move the development clock to the client's next planned text and run the worker's
    pass, so the phone shows it: a week of texts walked through in a few clicks."""
    client = client_or_403(client_id)
    if not JumpForm().validate_on_submit():
        abort(400)
    moving = app_clock(current_app)
    now = clock.now()
    at = webhooks.next_planned(db.session, client.id, now)
    if at is None:
        flash(_("Nothing is planned for this client."), "info")
    elif not hasattr(moving, "set"):
        flash(_("Only the wall clock exists here: the clock cannot be moved."), "error")
    else:
        if at > now:
            moving.set(at)
            # The staff member who jumped stays signed in across the moved time.
            staff_sessions.carry(db.session, session.get(SESSION_TOKEN_KEY), at - now)
        tick(clock.now())
        fast_lane().wait_idle(timeout=5.0)
        flash(
            _("The clock is now %(when)s.", when=localtime(clock.now(), client.timezone)), "info"
        )
    return redirect(url_for("simulator.phone", client_id=client.id))
