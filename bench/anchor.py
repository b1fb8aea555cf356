"""The floor bench/webhook.py measures Companion's webhook against: a 20-line Flask handler
that checks Twilio's signature and inserts one row, served the same way (gunicorn, 2 workers).
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
