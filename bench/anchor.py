"""The floor bench/webhook.py measures Companion's webhook against: a 20-line Flask handler
that checks Twilio's signature and inserts one row, served the same way (gunicorn, 2 workers).
bench/load.py also measures the staff pages against the ``/anchor/...`` pages below.
"""

import os

from flask import Flask, Response, abort, request
from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
SIGNED_URL = os.environ["PUBLIC_BASE_URL"] + "/twilio/sms"
INSERT = text(
    "INSERT INTO anchor_inbound (sid, from_number, body) VALUES (:sid, :sender, :body) "
    "ON CONFLICT (sid) DO NOTHING"
)


@app.post("/twilio/sms")
def inbound_sms() -> Response:
    params = request.form.to_dict()
    if not validator.validate(SIGNED_URL, params, request.headers.get("X-Twilio-Signature", "")):
        abort(403)
    with engine.begin() as conn:
        conn.execute(
            INSERT, {"sid": params["MessageSid"], "sender": params["From"], "body": params["Body"]}
        )
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?><Response></Response>', mimetype="text/xml"
    )


# -- the pages' floor (bench/load.py): one SELECT of the rows a staff page shows, rendered
# as a bare Jinja table. No sign-in, no labels, no layout: what any page must cost at least.

PAGE_ROWS = {
    # The client list's first page (50 a page, by name).
    "clients": "SELECT id, display_name, risk_level, language, consent, status FROM clients "
    "ORDER BY display_name, id LIMIT 50",
    # A client page's latest messages (25 a page).
    "client": "SELECT c.display_name, m.direction, m.kind, m.status, m.body, m.created_at "
    "FROM messages m JOIN clients c ON c.id = m.client_id WHERE m.client_id = :client_id "
    "ORDER BY m.created_at DESC, m.id DESC LIMIT 25",
    # Today: the appointments of the next 48 hours (50 shown).
    "today": "SELECT c.id, c.display_name, a.kind, a.starts_at, a.location FROM appointments a "
    "JOIN clients c ON c.id = a.client_id WHERE a.starts_at BETWEEN now() "
    "AND now() + interval '48 hours' ORDER BY a.starts_at LIMIT 50",
    # Alerts: open ones first, then oldest first (300 shown).
    "alerts": "SELECT e.id, e.code, e.reason, e.urgent, e.status, e.opened_at, c.display_name "
    "FROM escalations e JOIN clients c ON c.id = e.client_id "
    "ORDER BY CASE WHEN e.status = 'open' THEN 0 ELSE 1 END, e.opened_at LIMIT 300",
}
TABLE = app.jinja_env.from_string(
    "<!doctype html><title>{{ name }}</title><table>"
    "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>"
    "{% endfor %}</table>"
)


def _page(name: str, **params: int) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text(PAGE_ROWS[name]), params).all()
    return TABLE.render(name=name, rows=rows)


@app.get("/anchor/clients")
def client_list() -> str:
    return _page("clients")


@app.get("/anchor/clients/<int:client_id>")
def client_page(client_id: int) -> str:
    return _page("client", client_id=client_id)


@app.get("/anchor/today")
def today() -> str:
    return _page("today")


@app.get("/anchor/escalations")
def alerts() -> str:
    return _page("alerts")
