"""Twilio's webhooks: inbound texts and delivery status callbacks.

Both are checked with the twilio library's own signature validator against
PUBLIC_BASE_URL + the path (and query), which is the address Twilio signed:
behind a TLS-terminating proxy ``request.url`` would be the inner http URL
and every check would fail.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import RequestEntityTooLarge

from companion.extensions import csrf, db
from companion.runtime import HOOKS, send_soon
from companion.services import webhooks
from companion.web import clock
from companion.web.access import public

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
csrf.exempt(bp)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@bp.url_value_preprocessor
def _limit_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Before any hook can read the body: a webhook is a few hundred bytes (a text is at
    # most 1,600 characters), so anything over WEBHOOK_MAX_BYTES is refused with 413 from
    # its Content-Length, unread, signed or not.
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    request.max_content_length = limit
    request.max_form_memory_size = limit
    if (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()  # size first: no signature makes a huge body welcome


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge) -> Response:
    log.warning("twilio webhook: body over the limit on %s", request.path)
    return Response("", status=413)


def _signed_url() -> str:
    base = current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")
    query = request.query_string.decode("latin-1")
    return base + request.path + (f"?{query}" if query else "")


def _require_signature() -> dict[str, str]:
    """The form fields, once the request is shown to come from Twilio; 403 otherwise."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        abort(403)  # before reading a byte of the body
    try:
        params = request.form.to_dict()
    except UnicodeDecodeError:
        abort(400)
    if not RequestValidator(token).validate(_signed_url(), params, signature):
        log.warning("twilio webhook: bad signature on %s", request.path)
        abort(403)
    return params


@bp.post("/sms")
@public
def inbound_sms() -> Response:
    """An inbound text. Stored, answered through the outbox; the TwiML itself is empty.

    One transaction, then the answer: the replies leave through this process's fast lane
    (``send_soon``), so Twilio's own speed never holds this request or this worker.
    """
    params = _require_signature()
    if "From" not in params or "Body" not in params or not params["From"].strip():
        abort(400)
    now = clock.now()
    try:
        num_media = int(params.get("NumMedia", "0") or 0)
    except ValueError:
        num_media = 0
    send = webhooks.receive_text(
        db.session,
        from_number=params["From"],
        to_number=params.get("To", ""),
        body=params["Body"],
        provider_sid=params.get("MessageSid") or params.get("SmsSid") or None,
        num_media=num_media,
        now=now,
        region=current_app.config["DEFAULT_REGION"],
        hooks=HOOKS,
    )
    send_soon(send)
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/status")
@public
def status_callback() -> Response:
    """A delivery status update; safe to repeat and to receive out of order."""
    params = _require_signature()
    sid = params.get("MessageSid") or params.get("SmsSid")
    status = params.get("MessageStatus") or params.get("SmsStatus")
    if not sid or not status:
        abort(400)
    try:
        message_id = int(request.args["m"]) if "m" in request.args else None
        error_code = int(params["ErrorCode"]) if params.get("ErrorCode") else None
    except ValueError:
        abort(400)
    row = webhooks.record_status(
        db.session,
        message_id=message_id,
        provider_sid=sid,
        provider_status=status.lower(),
        error_code=error_code,
        now=clock.now(),
    )
    if row is None:
        log.info("twilio status: no message matches this callback")
    return Response("", status=204)
