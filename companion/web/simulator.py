"""The phone simulator: read what a client received and reply as that client.

Only with the console transport (nothing leaves the machine then). A reply
typed here goes through ``services.inbound.receive``, the very code a real
inbound SMS takes.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from companion.extensions import db
from companion.models import Client, Direction, Message, Status
from companion.runtime import HOOKS, send_now
from companion.services.escalations import queued_alerts
from companion.services.inbound import receive
from companion.web import clock
from companion.web.access import caseload_query, client_or_403
from companion.web.clients import MESSAGE_STATUS
from companion.web.language import L_, StaffForm

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

SIMULATOR_NUMBER = "+10000000000"  # stands in for our own number in the inbound log


class ReplyForm(StaffForm):
    body = TextAreaField(L_("Reply as the client"), validators=[Length(max=1600)])


@bp.before_request
def console_only() -> None:
    if current_app.config["SMS_TRANSPORT"] != "console":
        abort(404)


@bp.get("/")
@login_required
def index() -> str:
    clients = db.session.scalars(caseload_query(current_user).order_by(Client.display_name)).all()
    return render_template("simulator/index.html", clients=clients)


@bp.route("/<int:client_id>", methods=["GET", "POST"])
@login_required
def phone(client_id: int) -> Response | str:
    client = client_or_403(client_id)
    form = ReplyForm()
    if form.validate_on_submit():
        now = clock.now()
        result = receive(
            db.session,
            from_number=client.phone,
            to_number=SIMULATOR_NUMBER,
            body=form.body.data or "",
            now=now,
            region=current_app.config["DEFAULT_REGION"],
            **HOOKS,
        )
        db.session.commit()
        send_now(result.reply_ids + queued_alerts(db.session), now)
        return redirect(url_for("simulator.phone", client_id=client.id))
    # What the phone shows: texts that actually went out, and what the client sent.
    shown = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED, Status.RECEIVED)
    thread = db.session.scalars(
        select(Message)
        .where(
            Message.client_id == client.id,
            or_(Message.direction == Direction.INBOUND, Message.status.in_(shown)),
        )
        .order_by(Message.sent_at.is_(None), Message.created_at, Message.id)
    ).all()
    thread = sorted(thread, key=lambda m: (m.sent_at or m.created_at, m.id))
    return render_template(
        "simulator/phone.html",
        client=client,
        thread=thread,
        form=form,
        Direction=Direction,
        message_status=MESSAGE_STATUS,
    )
