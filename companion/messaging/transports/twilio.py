"""Sending through Twilio with the real ``twilio`` library."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from urllib.parse import urlencode

import requests
from requests.auth import HTTPBasicAuth
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from companion.messaging.transports.base import (
    PERMANENT_ERROR_CODES,
    SendResult,
    TransportError,
)

log = logging.getLogger(__name__)


def classify(exc: TwilioRestException) -> TransportError:
    """Turn Twilio's error into ours: permanent for a bad number, retryable for load."""
    code = exc.code if isinstance(exc.code, int) else None
    status = exc.status
    reason = f"Twilio {status}" + (f" error {code}" if code else "")
    if code in PERMANENT_ERROR_CODES:
        return TransportError(reason, retryable=False, code=code, http_status=status)
    # 429, 5xx: the provider is busy or down. 401/403: our credentials or
    # account are wrong; an operator fixes that, and no text should be lost meanwhile.
    retryable = status == 429 or status >= 500 or status in (401, 403)
    return TransportError(reason, retryable=retryable, code=code, http_status=status)


def _form_pairs(values: dict[str, object]) -> list[tuple[str, object]]:
    """Fields as ``requests`` reads a dict: an iterable value repeats the field, None is dropped."""
    pairs: list[tuple[str, object]] = []
    for key, value in values.items():
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            value = [value]
        pairs.extend((key, item) for item in value if item is not None)
    return pairs


class _OneHostHttpClient(TwilioHttpClient):
    """``TwilioHttpClient`` for a client that talks to one API host with fixed settings.

    The stock client runs each call through ``requests.Session.request``: it
    merges the session's cookies, headers, auth and hooks into a new request,
    looks up the environment (proxies, CA bundle, ``.netrc``), encodes the
    fields through checks that are slow on Python 3.11 (runtime ``Protocol``
    checks), stores cookies and prepares a redirect it will not follow. None of
    that changes between two calls here (proxies and CA bundle are read once,
    in ``TwilioTransport``), so this client writes the form-encoded request
    itself and hands it straight to the session's connection pool: the same
    ``HTTPAdapter`` with its keep-alive connections, timeout, TLS and proxy
    handling, and the same exceptions. About a quarter less CPU per text
    (docs/performance.md). Anything else (JSON bodies, redirects) takes the
    stock path.

    It also returns each call's own response instead of going through the
    shared ``_test_only_last_response`` attribute, which the dispatcher's
    threads would otherwise all write to.
    """

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        session = self.session
        content_type = (headers or {}).get("Content-Type")
        if (
            allow_redirects
            or session is None
            or content_type not in (None, "application/x-www-form-urlencoded")
        ):
            return super().request(
                method, url, params, data, headers, auth, timeout, allow_redirects
            )
        if timeout is None:
            timeout = self.timeout
        elif timeout <= 0:
            raise ValueError(timeout)
        method = method.upper()
        if self.logger.isEnabledFor(logging.INFO):
            self.log_request({"method": method, "url": url, "params": params, "headers": headers})

        prepared = requests.PreparedRequest()
        prepared.method = method
        if params:
            url += ("&" if "?" in url else "?") + urlencode(_form_pairs(params), doseq=True)
        prepared.url = requote_uri(url)
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict(session.headers)
        for key, value in (headers or {}).items():
            if value is None:
                merged.pop(key, None)  # as requests' merge_setting does
            else:
                merged[key] = value
        prepared.headers = merged
        if data:
            # Percent-encoded, so ASCII: its length is its size in bytes.
            body = urlencode(_form_pairs(data), doseq=True)
            prepared.body = body
            merged.setdefault("Content-Type", "application/x-www-form-urlencoded")
            merged["Content-Length"] = str(len(body))
        elif method not in ("GET", "HEAD"):
            merged["Content-Length"] = "0"
        if auth:
            HTTPBasicAuth(*auth)(prepared)
        prepared.hooks = default_hooks()

        response = session.get_adapter(prepared.url).send(
            prepared,
            stream=False,
            timeout=timeout,
            verify=session.verify,
            cert=session.cert,
            proxies=self.proxy,
        )
        text = response.text  # reads the body, which returns the connection to the pool
        if self.logger.isEnabledFor(logging.INFO):
            self.log_response(response.status_code, response)
        return Response(int(response.status_code), text, response.headers)


class TwilioTransport:
    """Texts through the ``twilio`` library, shared by the dispatcher's thread pool.

    All threads share one ``requests`` session: one keep-alive pool as large as
    the thread pool, ``trust_env`` off (proxies and CA bundle are read once,
    here), the configured timeout on every call. Each thread has its own
    ``twilio`` client and HTTP client over that session, so no call ever reads
    another thread's answer (the stock ``TwilioHttpClient`` hands each response
    back through one shared attribute).

    ``http_client`` picks the HTTP client under the library: ``"stock"`` is
    ``TwilioHttpClient`` as shipped, ``"lean"`` is ``_OneHostHttpClient``
    (docs/performance.md compares them).
    """

    name = "twilio"
    HTTP_CLIENT = "lean"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        messaging_service_sid: str = "",
        from_number: str = "",
        api_base_url: str = "",
        timeout: float = 10.0,
        pool_size: int = 8,
        http_client: str | None = None,
    ) -> None:
        # requests re-reads proxy and CA-bundle settings from the environment on
        # every request (two walks over os.environ per text: ~15% of a send's CPU,
        # more in containers with long environments). This client only ever talks
        # to one host, so read them once, here.
        self._proxies = requests.utils.get_environ_proxies(api_base_url or "https://api.twilio.com")
        session = requests.Session()
        session.trust_env = False
        session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        # requests keeps 10 connections per host by default; the dispatcher may use more.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 10))
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self._session = session
        self._http_class = {"stock": TwilioHttpClient, "lean": _OneHostHttpClient}[
            http_client or self.HTTP_CLIENT
        ]
        self._account = (account_sid, auth_token)
        self._api_base_url = api_base_url
        self._timeout = timeout
        self._local = threading.local()
        self.messaging_service_sid = messaging_service_sid
        self.from_number = from_number

    @property
    def client(self) -> Client:
        """This thread's ``twilio`` client (made on first use, over the shared session)."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            http_client = self._http_class(timeout=self._timeout, pool_connections=False)
            http_client.session = self._session
            http_client.proxy = self._proxies
            # The library talks to api.twilio.com unless told otherwise (tests: a local
            # fake). TWILIO_EDGE/TWILIO_REGION would rewrite a custom host, so ignore them then.
            environment = {} if self._api_base_url else None
            client = Client(*self._account, http_client=http_client, environment=environment)
            if self._api_base_url:
                client.api.base_url = self._api_base_url
            self._local.client = client
        return client

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        kwargs: dict[str, str] = {"to": to, "body": body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise classify(exc) from exc
        except requests.Timeout as exc:
            raise TransportError(
                "Twilio did not answer in time", retryable=True, ambiguous=True
            ) from exc
        except (requests.ConnectionError, TwilioException) as exc:
            raise TransportError("could not reach Twilio", retryable=True) from exc
        return SendResult(provider_sid=message.sid, provider_status=message.status or "queued")

    def find_sent(
        self, to: str, body: str, since: datetime, exclude: Collection[str] = ()
    ) -> str | None:
        try:
            # Twilio filters by date only; widen by a day and match the body exactly.
            candidates = self.client.messages.list(
                to=to, date_sent_after=since - timedelta(days=1), limit=50
            )
        except TwilioRestException as exc:
            raise classify(exc) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise TransportError("could not reach Twilio", retryable=True) from exc
        for message in candidates:
            if message.body == body and message.sid not in exclude:
                return message.sid
        return None
