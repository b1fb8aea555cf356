"""A local fake of the Twilio REST API (Messages only) for tests and benchmarks.

The real ``twilio`` client is pointed at it with::

    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = fake.base_url

Only the parts of the 2010-04-01 API the Companion uses are emulated: create,
fetch and list Messages, plus the outgoing webhooks Twilio would send
(status callbacks, inbound SMS), signed with ``RequestValidator`` exactly like
Twilio signs them.

Failure injection (permanent per-number errors, scripted 5xx/429, hangs and
latency) lets tests exercise the retry / error paths deterministically.

Run as a process for benchmarks::

    python tests/fake_twilio.py --port 0 --latency 0.05
    # -> prints "READY http://127.0.0.1:<port>" and serves until SIGTERM/SIGINT
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import contextlib
import email.utils
import json
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from twilio.request_validator import RequestValidator

DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2  # fixed, obviously fake
DEFAULT_AUTH_TOKEN = "test-auth-token"
API_VERSION = "2010-04-01"

# Messages of the permanent per-number errors a test can script with reject_number().
REJECT_MESSAGES: dict[int, str] = {
    21211: "Invalid 'To' Phone Number",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}

# Default Twilio code/message for scripted transient failures, by HTTP status.
TRANSIENT_ERRORS: dict[int, tuple[int, str]] = {
    429: (20429, "Too Many Requests"),
    500: (20500, "An internal server error has occurred"),
    502: (20502, "Bad Gateway"),
    503: (20503, "Service Unavailable"),
    504: (20504, "Gateway Timeout"),
}

# Error messages for delivery failures reported through status callbacks.
DELIVERY_ERRORS: dict[int, str] = {
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}

_MESSAGES_RE = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/Messages\.json$")
_MESSAGE_RE = re.compile(rf"^/{API_VERSION}/Accounts/([^/]+)/Messages/([^/]+)\.json$")

# GSM 03.38 basic set (1 septet) and extension set (2 septets), for num_segments.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """Return how many SMS segments ``body`` needs (GSM-7 or UCS-2, concatenated)."""
    if all(c in _GSM_BASIC or c in _GSM_EXTENDED for c in body):
        units = sum(2 if c in _GSM_EXTENDED else 1 for c in body)
        single, multi = 160, 153
    else:
        # UCS-2 counts UTF-16 code units: astral characters (emoji) take two.
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


def rfc2822(dt: datetime) -> str:
    """Format like Twilio does: ``Thu, 24 Aug 2023 05:01:45 +0000``."""
    return email.utils.format_datetime(dt.astimezone(UTC).replace(microsecond=0))


def error_body(status: int, code: int, message: str) -> dict[str, Any]:
    """Twilio's legacy JSON error shape (the one ``TwilioRestException`` is built from)."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _parse_filter_date(value: str) -> datetime | date:
    """Parse a DateSent filter: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SSZ`` (library format)."""
    if len(value) == 10:
        return date.fromisoformat(value)
    dt = datetime.fromisoformat(value)  # 3.11+ accepts "Z"
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0)


def _day(bound: datetime | date) -> date:
    return bound.date() if isinstance(bound, datetime) else bound


def _cmp_key(sent: datetime, bound: datetime | date) -> tuple[datetime | date, datetime | date]:
    """Compare at the filter's precision: by UTC date, or by whole seconds."""
    if isinstance(bound, datetime):
        return sent.replace(microsecond=0), bound
    return sent.date(), bound


@dataclass
class _Action:
    """One scripted transient behaviour for the next create request(s)."""

    kind: str  # "fail" or "hang"
    remaining: int
    status: int = 500
    code: int | None = None
    seconds: float = 0.0


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer carrying a reference to its FakeTwilio."""

    daemon_threads = True
    # Benchmarks open many connections at once; the default backlog (5) drops SYNs.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], fake: FakeTwilio) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out or closed its pooled connection is expected; stay quiet.
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to the owning FakeTwilio."""

    # Keep-alive + no Nagle: otherwise each request stalls ~40 ms on delayed ACK.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "FakeTwilio/1.0"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request stderr log."""

    def _read_body(self) -> bytes:
        # Always drain the body, even for errors, or the keep-alive stream desyncs.
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            f"Server: {self.server_version}\r\n"
            f"Date: {self.date_time_string()}\r\n"
            "Content-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"Twilio-Request-Id: RQ{secrets.token_hex(16)}\r\n"
            "\r\n"
        ).encode("latin-1")
        # One write (one segment) for headers + body.
        self.wfile.write(head + body)

    def do_GET(self) -> None:
        self._read_body()
        status, payload = self.server.fake._handle("GET", self.path, b"", self.headers)
        self._send_json(status, payload)

    def do_POST(self) -> None:
        body = self._read_body()
        status, payload = self.server.fake._handle("POST", self.path, body, self.headers)
        self._send_json(status, payload)


class FakeTwilio:
    """In-process fake of Twilio's Messages REST API with failure injection.

    All shared state is guarded by one lock; handler threads never hold it while
    sleeping (latency / hangs) or doing network I/O.
    """

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        service_sender: str = "+12135550199",
    ) -> None:
        """``service_sender`` is the From that Twilio "picks" for Messaging Service sends."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.service_sender = service_sender
        self.latency: float = 0.0
        self._requested_port = port
        self._validator = RequestValidator(auth_token)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._open = threading.Event()  # cleared by hold(): creates wait until release()
        self._open.set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._messages: list[dict[str, Any]] = []
        self._resources: dict[str, dict[str, Any]] = {}
        self._rejections: dict[str, int] = {}
        self._script: collections.deque[_Action] = collections.deque()
        self._attempts = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind and serve in a daemon thread. Returns self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # fast stop()
            name=f"fake-twilio-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake hung handlers and close every open connection."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        self._open.set()
        server.shutdown()
        # Idle keep-alive connections would otherwise keep handler threads blocked.
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._server is None:
            raise RuntimeError("FakeTwilio is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Value for ``client.api.base_url``, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ------------------------------------------------------------- test controls

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Snapshot (copies) of accepted messages, in creation order.

        Keys: sid, to, from, messaging_service_sid, body, media_url, status,
        status_callback, num_segments, params (raw form), time (epoch float, when
        accepted), arrived (epoch float, when the request came in, before ``latency``),
        date_created (aware UTC datetime).
        """
        with self._lock:
            return [dict(m) for m in self._messages]

    @property
    def attempts(self) -> int:
        """Create requests received, whatever their outcome (hung/failed/401 included)."""
        with self._lock:
            return self._attempts

    def reject_number(self, number: str, code: int = 21211) -> None:
        """Make every create to ``number`` fail with HTTP 400 and Twilio error ``code``."""
        with self._lock:
            self._rejections[number] = code

    def fail_next(self, count: int = 1, status: int = 500, code: int | None = None) -> None:
        """Make the next ``count`` creates fail with HTTP ``status`` (e.g. 500, 429, 503).

        Scripted actions (this and hang_next) are consumed in the order they were added.
        """
        if count < 1 or not 400 <= status <= 599:
            raise ValueError("count must be >= 1 and status an HTTP error status")
        with self._lock:
            self._script.append(_Action("fail", count, status=status, code=code))

    def hang_next(self, count: int = 1, seconds: float = 5.0) -> None:
        """Make the next ``count`` creates sleep ``seconds`` and then answer 503.

        A hung create never records a message, so a client that timed out can be
        told apart from a delivered one. stop() wakes hung handlers immediately.
        """
        if count < 1 or seconds < 0:
            raise ValueError("count must be >= 1 and seconds >= 0")
        with self._lock:
            self._script.append(_Action("hang", count, status=503, seconds=seconds))

    def hold(self) -> None:
        """Make every create wait, unanswered, until ``release()`` (a Twilio that has not
        answered yet, for as long as a test needs: no wall-clock guess)."""
        self._open.clear()

    def release(self) -> None:
        """Let held and later creates through."""
        self._open.set()

    def reset(self) -> None:
        """Forget messages, rejection rules, scripted failures and the attempt counter."""
        self._open.set()
        with self._lock:
            self._messages.clear()
            self._resources.clear()
            self._rejections.clear()
            self._script.clear()
            self._attempts = 0
            self._changed.notify_all()

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` messages were accepted (for async senders).

        Raises TimeoutError otherwise.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(f"{len(self._messages)} of {count} messages after {timeout}s")
            return [dict(m) for m in self._messages]

    # ----------------------------------------------------------- webhooks to app

    def send_status_callback(
        self,
        sid: str,
        status: str,
        error_code: int | None = None,
        timeout: float = 5.0,
    ) -> int:
        """POST Twilio's status callback for message ``sid`` to its StatusCallback URL.

        Updates the stored resource first, signs with X-Twilio-Signature and
        returns the HTTP status of the app's response.
        """
        with self._lock:
            resource = self._resources.get(sid)
            record = next((m for m in self._messages if m["sid"] == sid), None)
            if resource is None or record is None:
                raise KeyError(f"unknown message sid {sid}")
            url = record["status_callback"]
            if not url:
                raise ValueError(f"message {sid} was created without StatusCallback")
            now = rfc2822(datetime.now(UTC))
            resource.update(
                status=status,
                date_updated=now,
                error_code=error_code,
                error_message=DELIVERY_ERRORS.get(error_code, "Unknown error")
                if error_code is not None
                else None,
                # Twilio fills num_segments in once a sender is picked.
                num_segments=str(record["num_segments"]),
                **{"from": resource["from"] or self.service_sender},
            )
            record["status"] = status
            params = {
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": status,
                "SmsStatus": status,
                "AccountSid": self.account_sid,
                "To": resource["to"],
                "From": resource["from"],
                "ApiVersion": API_VERSION,
            }
            if resource["messaging_service_sid"]:
                params["MessagingServiceSid"] = resource["messaging_service_sid"]
            if error_code is not None:
                params["ErrorCode"] = str(error_code)
        # Network I/O outside the lock: the app may call back into the fake.
        return self._post_webhook(url, params, timeout)

    def inbound_request(
        self,
        url: str,
        from_: str,
        to: str,
        body: str,
        message_sid: str | None = None,
        extra: dict[str, str | None] | None = None,
    ) -> tuple[dict[str, str], str]:
        """Build Twilio's inbound-SMS webhook form for ``url`` and its signature.

        ``extra`` adds or overrides fields (a None value removes one). Returns
        ``(params, signature)``; post ``params`` as form data with header
        ``X-Twilio-Signature: signature`` to exactly ``url``.
        """
        sid = message_sid or "SM" + secrets.token_hex(16)
        params: dict[str, str] = {
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": str(count_segments(body)),
            "SmsStatus": "received",
            "ApiVersion": API_VERSION,
        }
        for key, value in (extra or {}).items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return params, self.sign(url, params)

    def sign(self, url: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature for a form POST of ``params`` to ``url``."""
        return str(self._validator.compute_signature(url, params))

    def _post_webhook(self, url: str, params: dict[str, str], timeout: float) -> int:
        data = urllib.parse.urlencode(params).encode()
        req = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
                "X-Twilio-Signature": self.sign(url, params),
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                resp.read()
                return int(resp.status)
        except urllib.error.HTTPError as err:  # 4xx/5xx are answers too
            err.read()
            return int(err.code)

    # ----------------------------------------------------------- request handling

    def _pause(self, seconds: float) -> None:
        # Event.wait instead of sleep so that stop() is never slowed by hangs.
        if seconds > 0:
            self._stopping.wait(seconds)

    def _authorized(self, headers: Any, path_sid: str | None) -> bool:
        auth = headers.get("Authorization") or ""
        scheme, _, encoded = auth.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return (
            secrets.compare_digest(user, self.account_sid)
            and secrets.compare_digest(password, self.auth_token)
            and path_sid == self.account_sid
        )

    def _handle(
        self, method: str, raw_path: str, body: bytes, headers: Any
    ) -> tuple[int, dict[str, Any]]:
        """Dispatch one request; returns (HTTP status, JSON payload)."""
        split = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(split.path)
        list_match = _MESSAGES_RE.match(path)
        one_match = _MESSAGE_RE.match(path)
        is_create = method == "POST" and list_match is not None
        arrived = time.time()  # before any added latency: when the request reached "Twilio"
        if is_create:
            with self._lock:
                self._attempts += 1
        elif method == "GET" and path == "/_fake/messages":
            return 200, {"messages": self._records()}
        self._pause(self.latency)

        if is_create:
            self._open.wait()
            scripted = self._next_action()
            if scripted is not None:
                if scripted.kind == "hang":
                    self._pause(scripted.seconds)
                    return 503, error_body(503, 20503, "Service Unavailable")
                code, message = TRANSIENT_ERRORS.get(
                    scripted.status, (scripted.status, "Scripted failure")
                )
                code = scripted.code if scripted.code is not None else code
                return scripted.status, error_body(scripted.status, code, message)

        match = list_match or one_match
        if match is None:
            return 404, self._not_found(path)
        if not self._authorized(headers, match.group(1)):
            return 401, error_body(401, 20003, "Authenticate")

        if is_create:
            form = urllib.parse.parse_qs(body.decode(), keep_blank_values=True)
            return self._create(form, arrived)
        if method == "GET" and list_match is not None:
            query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
            return self._list(query)
        if method == "GET" and one_match is not None:
            with self._lock:
                resource = self._resources.get(one_match.group(2))
                if resource is not None:
                    return 200, dict(resource)
        return 404, self._not_found(path)

    def _next_action(self) -> _Action | None:
        with self._lock:
            if not self._script:
                return None
            action = self._script[0]
            action.remaining -= 1
            if action.remaining <= 0:
                self._script.popleft()
            return action

    @staticmethod
    def _not_found(path: str) -> dict[str, Any]:
        return error_body(404, 20404, f"The requested resource {path} was not found")

    def _records(self) -> list[dict[str, Any]]:
        """The accepted messages as JSON for a benchmark in another process
        (``GET /_fake/messages``, no auth: a test double's control endpoint)."""
        return [
            {k: m[k] for k in ("sid", "to", "body", "time", "arrived")} for m in self.messages
        ]

    def _create(
        self, form: dict[str, list[str]], arrived: float | None = None
    ) -> tuple[int, dict[str, Any]]:
        def first(name: str) -> str:
            return (form.get(name) or [""])[0]

        to, from_, service = first("To"), first("From"), first("MessagingServiceSid")
        body, media = first("Body"), [u for u in form.get("MediaUrl", []) if u]
        if not to:
            return 400, error_body(400, 21604, "A 'To' phone number is required.")
        if not from_ and not service:
            return 400, error_body(400, 21603, "A 'From' phone number is required.")
        if not body and not media:
            return 400, error_body(400, 21602, "Message body is required.")

        now = datetime.now(UTC)
        sid = "SM" + secrets.token_hex(16)
        segments = count_segments(body) if body else 1
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        resource: dict[str, Any] = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": rfc2822(now),
            "date_sent": rfc2822(now),
            "date_updated": rfc2822(now),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_ or None,
            "messaging_service_sid": service or None,
            "num_media": str(len(media)),
            # Like Twilio: "0" until a Messaging Service has picked a sender.
            "num_segments": "0" if service and not from_ else str(segments),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": to,
            "uri": uri,
        }
        with self._lock:
            code = self._rejections.get(to)
            if code is not None:
                message = REJECT_MESSAGES.get(code, f"Message to {to} rejected")
                return 400, error_body(400, code, message)
            self._resources[sid] = resource
            self._messages.append(
                {
                    "sid": sid,
                    "to": to,
                    "from": from_ or None,
                    "messaging_service_sid": service or None,
                    "body": body,
                    "media_url": media,
                    "status": resource["status"],
                    "status_callback": first("StatusCallback") or None,
                    "num_segments": segments,
                    "params": {k: v[0] if len(v) == 1 else v for k, v in form.items()},
                    "time": now.timestamp(),
                    "arrived": arrived if arrived is not None else now.timestamp(),
                    "date_created": now,
                }
            )
            self._changed.notify_all()
            return 201, dict(resource)

    def _list(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """Twilio list semantics: newest first; DateSent> / DateSent< are inclusive."""

        def first(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        try:
            page_size = min(max(int(first("PageSize") or 50), 1), 1000)
            page = max(int(first("Page") or 0), 0)
            bounds = {
                op: _parse_filter_date(value)
                for op in ("DateSent>", "DateSent<", "DateSent")
                if (value := first(op))
            }
        except ValueError as err:
            return 400, error_body(400, 20001, f"Invalid parameter: {err}")
        to, from_, token = first("To"), first("From"), first("PageToken")

        def keep(record: dict[str, Any]) -> bool:
            if to is not None and record["to"] != to:
                return False
            if from_ is not None and record["from"] != from_:
                return False
            sent: datetime = record["date_created"]
            for op, bound in bounds.items():
                value, limit = _cmp_key(sent, bound)
                if op == "DateSent>" and value < limit:  # type: ignore[operator]
                    return False
                if op == "DateSent<" and value > limit:  # type: ignore[operator]
                    return False
                # DateSent is documented as a day filter; the library still sends
                # a date as "YYYY-MM-DDT00:00:00Z", so compare by UTC day.
                if op == "DateSent" and sent.date() != _day(bound):
                    return False
            return True

        with self._lock:
            matching = [self._resources[m["sid"]] for m in reversed(self._messages) if keep(m)]
            start = page * page_size
            if token and token.startswith("PA"):
                # Token = last sid of the previous page: stable while new messages arrive.
                sids = [r["sid"] for r in matching]
                if token[2:] in sids:
                    start = sids.index(token[2:]) + 1
            records = [dict(r) for r in matching[start : start + page_size]]

        filters = [
            (k, v)
            for k in ("To", "From", "DateSent", "DateSent<", "DateSent>")
            if (v := first(k)) is not None
        ]
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def page_uri(number: int, extra: list[tuple[str, str]] | None = None) -> str:
            params = filters + [("PageSize", str(page_size)), ("Page", str(number))]
            return f"{base}?{urllib.parse.urlencode(params + (extra or []))}"

        has_next = start + page_size < len(matching)
        return 200, {
            "messages": records,
            "end": start + max(len(records) - 1, 0),
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1, [("PageToken", "PA" + records[-1]["sid"])])
            if has_next and records
            else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": page_uri(page) if not token else f"{page_uri(page)}&PageToken={token}",
        }


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; prints ``READY <base_url>`` once listening."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    args = parser.parse_args(argv)

    fake = FakeTwilio(args.account_sid, args.auth_token, host=args.host, port=args.port)
    fake.latency = args.latency
    done = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    fake.start()
    print(f"READY {fake.base_url}", flush=True)
    # Timed waits keep the main thread responsive to signals.
    while not done.wait(0.5):
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
