"""Log lines without personal data: phone numbers masked, message bodies dropped.

Companion's own log calls name ids and counts only. This module is the net under
everything else that logs: SQLAlchemy's error messages, Twilio's error texts, the
database's own ``DETAIL`` lines, and exception tracebacks. ``install()`` (called by
``create_app``, so the web app, the worker and every ``flask`` command) scrubs each
record once, when it is made:

- phone numbers, E.164 (``+12135550123``, ``%2B12135550123``) and US-formatted
  (``(213) 555-0123``, ``213-555-0123``, ``213.555.0123``, ``2135550123``), become
  ``[phone]``;
- message bodies (``Body=...`` form fields, ``'body': ...`` in a dict) become ``[body]``;
- SQL parameter dumps (``[parameters: ...]``) and the database's copies of a row
  (``Key (phone)=(...)``, ``Failing row contains (...)``) become ``[hidden]``;

in the message, its arguments, the formatted traceback (``exc_text``; the exception
object itself is dropped from the record) and the stack. The engine also runs with
``hide_parameters=True`` (``Settings.flask_config``), so SQLAlchemy never writes
parameters into an error in the first place.

Plain ``logging`` only: no Flask, no SQLAlchemy, no Twilio.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

__all__ = ["PersonalDataFilter", "install", "scrub"]

PHONE = "[phone]"
BODY = "[body]"
HIDDEN = "[hidden]"

_BODIES = [
    # Twilio webhooks and API calls, form-encoded: Body=I%27m+fine&From=...
    (re.compile(r"(?i)\b(body=)[^&\s'\"]*"), rf"\1{BODY}"),
    # A dict's repr or JSON: {'body': "I'm fine", "Body": "..."}
    (
        re.compile(r"""(?i)(['"]body['"]\s*:\s*)(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""),
        rf"\1'{BODY}'",
    ),
]
_DUMPS = [
    # SQLAlchemy without hide_parameters: "[parameters: ('Ana', '+1213...', ...)]"
    (
        re.compile(r"\[parameters: .*?\](?=\n\(Background on this error|\Z)", re.S),
        f"[parameters: {HIDDEN}]",
    ),
    (re.compile(r"\[parameters: (?!\[hidden\]\])[^\n]*"), f"[parameters: {HIDDEN}]"),
    # PostgreSQL's DETAIL lines repeat the values: Key (phone)=(+1...) already exists.
    (
        re.compile(r"(Key \([^)]*\)=\().*?(\)(?: already exists| is not present|\.|$))", re.M),
        rf"\1{HIDDEN}\2",
    ),
    (re.compile(r"(Failing row contains )\(.*\)(\.?)", re.M), rf"\1({HIDDEN})\2"),
]
_PHONES = re.compile(
    r"""
    (?:\+|%2[bB])\d[\d\ ().-]{6,18}\d      # E.164, perhaps spaced or URL-encoded
    | (?<![\w+%])(?:1[\ .-]?)?\(\d{3}\)[\ .-]?\d{3}[\ .-]?\d{4}(?!\d)   # (213) 555-0123
    | (?<![\w+%])(?:1[\ .-])?\d{3}[\ .-]\d{3}[\ .-]\d{4}(?!\d)          # 213-555-0123
    | (?<![\w+%./:-])1?[2-9]\d{2}[2-9]\d{6}(?![\w-])                     # 2135550123
    """,
    re.X,
)


def scrub(text: str) -> str:
    """``text`` with phone numbers masked, bodies and SQL parameters dropped."""
    for pattern, replacement in _BODIES:
        text = pattern.sub(replacement, text)
    for pattern, replacement in _DUMPS:
        text = pattern.sub(replacement, text)
    return _PHONES.sub(PHONE, text)


_FORMATTER = logging.Formatter()
_MARK = "_companion_scrubbed"


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Scrub ``record`` in place (once): message, arguments, traceback and stack."""
    if getattr(record, _MARK, False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what can be shown
        message = f"{record.msg!r} {record.args!r}"
    record.msg = scrub(message)
    record.args = ()
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        record.exc_info = None  # the exception (and its SQL parameters) leaves the record
    if record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    setattr(record, _MARK, True)
    return record


class PersonalDataFilter(logging.Filter):
    """A handler filter that scrubs each record (see ``scrub``); it never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def _scrubbing_factory(inner: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(inner(*args, **kwargs))

    make.companion_scrubs = True  # type: ignore[attr-defined]
    return make


def install(root: logging.Logger | None = None) -> None:
    """Scrub every record from now on: at creation, and on the root logger's handlers.

    Idempotent: building several apps in one process installs it once.
    """
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "companion_scrubs", False):
        logging.setLogRecordFactory(_scrubbing_factory(factory))
    for handler in (root or logging.getLogger()).handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(PersonalDataFilter())
