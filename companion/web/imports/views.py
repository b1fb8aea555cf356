"""Appointments imported from a CSV file: a dry run first, then all of it or nothing.

A provider or an admin uploads a CSV with one appointment a row (columns on the
page, and in the template it offers). The first step checks every row and shows
what would happen (a new appointment for whom, at what local time) or what is
wrong with it, and saves nothing. The second step imports, and only when no row
had an error: a partial import would leave the fixed file half done, and
checking it again would then flag every row already imported as a duplicate.
The second step checks the file again (time has passed, appointments may have
been added meanwhile) and saves every row in one transaction, each appointment
audited and its notices planned as the appointments page does.

The file travels from the first step to the second inside the confirmation form
(compressed), so nothing is kept on the server between the two steps.

Why this module is long: most of it is reading a spreadsheet's CSV cell by cell, each
problem said in the staff member's words; the lookups and the import itself are in
``services/imports.py``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from companion.care.phones import to_e164
from companion.extensions import db
from companion.models import Appointment, AppointmentKind, Client
from companion.services import imports as service
from companion.web import clock
from companion.web.access import Action, caseload_query, may, requires
from companion.web.appointments.forms import AppointmentForm, appointment_start, check_location
from companion.web.appointments.wording import texts_off_note
from companion.web.imports.forms import ConfirmForm, UploadForm
from companion.web.language import L_, _, ngettext, ui_language
from companion.web.shared import APPOINTMENT_KINDS

bp = Blueprint("imports", __name__)

MAX_BYTES = 1_000_000  # "1 MB"
MAX_ROWS = 2_000
# The whole request may be larger than the file: the form around it, and on the
# second step the file compressed and base64-encoded (at worst a third larger).
REQUEST_LIMIT = 2 * MAX_BYTES
MAX_PLACE = 200  # Appointment.location
SHOWN_NAMES = 5  # clients named in the message after an import

COLUMNS = ("client_phone", "client_id", "kind", "date", "time", "location")
REQUIRED = ("kind", "date", "time")
# What each kind is written as in the file: the stored value, and a few plain names.
KIND_WORDS: dict[str, AppointmentKind] = {kind.value: kind for kind in AppointmentKind}
KIND_WORDS.update(
    {
        "individual": AppointmentKind.INDIVIDUAL,
        "probation_meeting": AppointmentKind.SUPERVISION,
        "parole_meeting": AppointmentKind.SUPERVISION,
        "supervision": AppointmentKind.SUPERVISION,
        "polygraph_exam": AppointmentKind.POLYGRAPH,
        "court": AppointmentKind.COURT,
    }
)
KIND_ALIASES: dict[AppointmentKind, list[str]] = {kind: [] for kind in AppointmentKind}
for _word, _kind in KIND_WORDS.items():
    if _word != _kind.value:
        KIND_ALIASES[_kind].append(_word)

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?::(\d{2}))?(?:\s*([ap])\.?\s*m\.?)?", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?e\+?\d+", re.IGNORECASE)

COLUMN_HELP = (
    ("client_phone", L_("The client's mobile number, as on their page: (213) 555-0123 or +1…")),
    ("client_id", L_("Or the client's number in Companion (in the address of their page).")),
    ("kind", L_("What the appointment is: one of the values below.")),
    ("date", L_("The day, as YYYY-MM-DD: 2027-03-14.")),
    ("time", L_("The start, in the client's own time zone, on a 24-hour clock: 09:30, 14:00.")),
    ("location", L_("Optional. Texts show it exactly as written: an address or a neutral name.")),
)


# -- reading the file -------------------------------------------------------------------


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why, in the reader's language."""


@dataclass(eq=False)  # each row is its own key
class Row:
    """One line of the file: what it says, and what would become of it."""

    line: int
    cells: dict[str, str]
    client: Client | None = None
    kind: AppointmentKind | None = None
    day: date | None = None
    at: time | None = None
    starts: datetime | None = None
    location: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Checked:
    rows: list[Row]

    @property
    def ready(self) -> list[Row]:
        return [r for r in self.rows if r.ok]

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]


def decode(raw: bytes) -> str:
    """The file's text: UTF-8, with or without a byte-order mark; anything else is refused.

    A text in another encoding is refused rather than guessed at: the place is
    texted to the client exactly as written, and a wrong guess would send them
    garbled letters.
    """
    if not raw.strip():
        raise FileProblem(_("The file is empty."))
    if len(raw) > MAX_BYTES:
        raise FileProblem(_too_large())
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            _(
                "This is a spreadsheet workbook, not a CSV file. In Excel, choose "
                "File › Save As and the type CSV UTF-8 (Comma delimited), then check that file."
            )
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(
            _(
                "This file is saved as UTF-16 (Excel's Unicode Text). Save it as "
                "CSV UTF-8 (Comma delimited) instead, then check that file."
            )
        )
    if raw.startswith(b"%PDF") or b"\x00" in raw[:4096]:
        raise FileProblem(
            _("This is not a CSV file: it is not text. Upload the spreadsheet saved as CSV UTF-8.")
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FileProblem(
            _(
                "Line %(line)s is not UTF-8 text: the file was saved in another encoding "
                "(Excel's plain CSV does that). Save it as CSV UTF-8 (Comma delimited), "
                "then check that file.",
                line=line,
            )
        ) from None


def _too_large() -> str:
    return _(
        "The file is larger than 1 MB. Import at most 2,000 appointments at a time: "
        "split the file and check each part."
    )


def read_rows(text: str) -> list[Row]:
    """The rows of a CSV text as cells by column name; raises FileProblem for the whole file."""
    lines = text.splitlines()
    first = 0
    delimiter = None
    # Excel honours (and some exports write) a first line "sep=;".
    if lines and re.fullmatch(r"sep=.", lines[0].strip(), re.IGNORECASE):
        delimiter = lines[0].strip()[-1]
        first = 1
    if first >= len(lines) or not lines[first].strip():
        raise FileProblem(_missing_header(""))
    header_line = lines[first]
    if delimiter is None:
        delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    start = first + 1  # the line the record being read starts on
    try:
        for _skipped in range(first):
            next(reader)
        header = [_column_name(c) for c in next(reader)]
        while header and not header[-1]:
            header.pop()  # Excel's empty trailing columns
        _check_header(header, header_line)
        rows = []
        start = reader.line_num + 1
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(rows) >= MAX_ROWS:
                    raise FileProblem(
                        _(
                            "The file has more than %(most)s rows. Import at most %(most)s "
                            "appointments at a time: split the file and check each part.",
                            most=f"{MAX_ROWS:,}",
                        )
                    )
                rows.append(_row(start, header, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise FileProblem(
            _(
                "Line %(line)s cannot be read as CSV (%(reason)s). A value with a comma, "
                "a semicolon or a quote in it must be in double quotes, with its own quotes "
                "doubled.",
                line=start,
                reason=_csv_reason(str(error)),
            )
        ) from None
    if not rows:
        raise FileProblem(_("The file has the column names but no appointments under them."))
    return rows


def _csv_reason(error: str) -> str:
    """Python's csv error, in words a staff member can act on."""
    if "end of data" in error:
        return _("a double quote opens and never closes")
    if "expected after" in error:
        return _("text follows a closing double quote")
    if "field limit" in error:
        return _("a value is far too long")
    return _("the quotes or separators do not match")


def _column_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lstrip("\ufeff").lower())


def _delimiter(header_line: str) -> str:
    """The separator the header line uses: the one that splits it into known columns."""
    best, found = ",", 0
    for candidate in (",", ";", "\t"):
        names = {_column_name(c) for c in header_line.split(candidate)}
        known = len(names & set(COLUMNS))
        if known > found:
            best, found = candidate, known
    return best


def _missing_header(header_line: str) -> str:
    shown = header_line.strip()[:80]
    return _(
        "The first line must name the columns: client_phone (or client_id), kind, date, time "
        "and, if you like, location. The first line of this file reads: %(line)s",
        line=f"“{shown}”" if shown else _("(nothing)"),
    )


def _check_header(header: list[str], header_line: str) -> None:
    known = [c for c in header if c in COLUMNS]
    if not known:
        raise FileProblem(_missing_header(header_line))
    unknown = [c or _("(no name)") for c in header if c not in COLUMNS]
    if unknown:
        raise FileProblem(
            _(
                "Unknown column %(names)s. The columns are client_phone, client_id, kind, "
                "date, time and location: rename or remove it so nothing is left out unseen.",
                names=", ".join(f"“{name}”" for name in unknown),
            )
        )
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        raise FileProblem(
            _("The column %(names)s appears twice.", names=", ".join(f"“{c}”" for c in twice))
        )
    missing = [c for c in REQUIRED if c not in header]
    if "client_phone" not in header and "client_id" not in header:
        missing.insert(0, "client_phone")
    if missing:
        raise FileProblem(
            ngettext(
                "The file has no %(names)s column. Add it (the template shows every column).",
                "The file has no %(names)s columns. Add them (the template shows every column).",
                len(missing),
                names=", ".join(f"“{c}”" for c in missing),
            )
        )


def _row(line: int, header: list[str], cells: list[str]) -> Row:
    row = Row(line=line, cells={})
    extra = [c for c in cells[len(header) :] if c.strip()]
    if extra:
        row.errors.append(
            _(
                "This line has %(cells)s values but the file has %(columns)s columns. A value "
                "with a comma in it must be in double quotes.",
                cells=len(header) + len(extra),
                columns=len(header),
            )
        )
    for index, name in enumerate(header):
        row.cells[name] = cells[index].strip() if index < len(cells) else ""
    return row


# -- checking each row ------------------------------------------------------------------


def check(raw: bytes, user: Any, now: datetime) -> Checked:
    """Every row of the file, with its client, instant and errors. Saves nothing."""
    rows = read_rows(decode(raw))
    region = current_app.config["DEFAULT_REGION"]
    wanted_ids: dict[Row, int] = {}
    wanted_phones: dict[Row, str] = {}
    for row in rows:
        _read_client_cells(row, region, wanted_ids, wanted_phones)
    _find_clients(rows, user, wanted_ids, wanted_phones)
    for row in rows:  # errors in the order of the columns
        _read_kind(row)
        _read_day(row)
        _read_time(row)
        _check_time(row, now)
        _read_place(row)
    _check_duplicates(rows)
    for row in rows:
        if row.ok and row.client is not None:
            note = texts_off_note(row.client).strip()
            if note:
                row.notes.append(note)
    return Checked(rows)


def _read_client_cells(row: Row, region: str, ids: dict[Row, int], phones: dict[Row, str]) -> None:
    number = row.cells.get("client_id", "")
    phone = row.cells.get("client_phone", "")
    if not number and not phone:
        row.errors.append(_("Enter the client: their phone number (client_phone) or client_id."))
        return
    if number:
        if number.isdigit() and int(number) > 0:
            ids[row] = int(number)
        else:
            row.errors.append(_("client_id “%(value)s” is not a client number.", value=number[:40]))
    if phone:
        e164 = to_e164(phone, region)
        if _SCIENTIFIC.fullmatch(phone):
            row.errors.append(
                _(
                    "The phone number reads %(value)s: the spreadsheet turned it into a "
                    "rounded number. Format the client_phone column as Text and type it again.",
                    value=phone[:40],
                )
            )
        elif e164 is None:
            row.errors.append(_("“%(value)s” is not a phone number we can text.", value=phone[:40]))
        else:
            phones[row] = e164


def _find_clients(rows: list[Row], user: Any, ids: dict[Row, int], phones: dict[Row, str]) -> None:
    """Each row's client, looked up in the user's caseload only (two queries at most)."""
    by_id: dict[int, Client] = {}
    by_phone: dict[str, Client] = {}
    wanted_ids, wanted_phones = sorted(set(ids.values())), sorted(set(phones.values()))
    for client in service.clients_named(
        db.session, caseload_query(user), wanted_ids, wanted_phones
    ):
        by_id[client.id] = client
        by_phone[client.phone] = client
    for row in rows:
        from_id = by_id.get(ids[row]) if row in ids else None
        from_phone = by_phone.get(phones[row]) if row in phones else None
        # Unknown and outside the caseload read the same: the page must not tell
        # whether someone else's client exists.
        if row in ids and from_id is None:
            row.errors.append(_("No client number %(id)s in your caseload.", id=ids[row]))
        if row in phones and from_phone is None:
            row.errors.append(_("No client with this phone number in your caseload."))
        if from_id is not None and from_phone is not None and from_id.id != from_phone.id:
            row.errors.append(
                _(
                    "client_id and client_phone name two different clients (%(one)s and "
                    "%(other)s): keep the right one.",
                    one=from_id.display_name,
                    other=from_phone.display_name,
                )
            )
        elif from_id is not None or from_phone is not None:
            row.client = from_id or from_phone


def _read_kind(row: Row) -> None:
    typed = row.cells.get("kind", "")
    if not typed:
        row.errors.append(_("Enter what the appointment is (kind), e.g. treatment_group."))
        return
    kind = KIND_WORDS.get(_column_name(typed))
    if kind is None:
        row.errors.append(
            _(
                "Unknown kind “%(value)s”: write one of %(kinds)s.",
                value=typed[:40],
                kinds=", ".join(k.value for k in AppointmentKind),
            )
        )
    row.kind = kind


def _read_day(row: Row) -> None:
    typed = row.cells.get("date", "")
    if not typed:
        row.errors.append(_("Enter the date, as YYYY-MM-DD."))
        return
    match = _DATE.fullmatch(typed)
    if match is None:
        row.errors.append(
            _(
                "“%(value)s” is not a date as YYYY-MM-DD (such as 2027-03-14). If a spreadsheet "
                "changed it, format the date column as Text or as yyyy-mm-dd before saving.",
                value=typed[:40],
            )
        )
        return
    try:
        row.day = date(*(int(part) for part in match.groups()))
    except ValueError:
        row.errors.append(_("%(value)s is not a day on the calendar.", value=typed))


def _read_time(row: Row) -> None:
    typed = row.cells.get("time", "")
    if not typed:
        row.errors.append(_("Enter the time, as HH:MM on a 24-hour clock."))
        return
    match = _TIME.fullmatch(typed)
    hour = minute = -1
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2))
        second, half = match.group(3), (match.group(4) or "").lower()
        if second not in (None, "00"):
            hour = -1
        elif half:
            hour = -1 if not 1 <= hour <= 12 else hour % 12 + (12 if half == "p" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        row.errors.append(
            _(
                "“%(value)s” is not a time: write HH:MM on a 24-hour clock, such as 09:30 or "
                "14:00.",
                value=typed[:40],
            )
        )
        return
    row.at = time(hour, minute)


def _read_place(row: Row) -> None:
    typed = row.cells.get("location", "")
    if "\n" in typed or "\r" in typed:
        row.errors.append(_("The place must be on one line."))
        return
    if len(typed) > MAX_PLACE:
        row.errors.append(
            _(
                "The place is %(length)s characters long; at most %(most)s fit.",
                length=len(typed),
                most=MAX_PLACE,
            )
        )
        return
    # The appointments page's own rule, with its own words (texts show the place).
    form = _shim(location=typed)
    if not check_location(form):
        row.errors.extend(str(e) for e in form.location.errors)
    row.location = typed


def _shim(**data: Any) -> AppointmentForm:
    """The appointments page's form, filled in from a row, so its checks apply as they are."""
    form = AppointmentForm(formdata=None, meta={"csrf": False})
    for name, value in data.items():
        getattr(form, name).data = value
    for f in form:
        f.errors = []
    return form


def _check_time(row: Row, now: datetime) -> None:
    """The page's rules for the instant: a DST gap, the past, more than two years ahead."""
    if row.client is None or row.day is None or row.at is None:
        return
    form = _shim(day=row.day, at=row.at)
    row.starts = appointment_start(form, row.client, now)
    row.errors.extend(str(e) for e in [*form.day.errors, *form.at.errors])


def _check_duplicates(rows: list[Row]) -> None:
    """Same client, same instant: as an appointment already there, or twice in the file."""
    timed = [r for r in rows if r.starts is not None and r.client is not None]
    if not timed:
        return
    existing: dict[tuple[int, datetime], Appointment] = {}
    client_ids = sorted({r.client.id for r in timed if r.client is not None})
    earliest = min(r.starts for r in timed if r.starts is not None)
    latest = max(r.starts for r in timed if r.starts is not None)
    for appointment in service.appointments_between(db.session, client_ids, earliest, latest):
        existing[(appointment.client_id, appointment.starts_at)] = appointment
    seen: dict[tuple[int, datetime], Row] = {}
    for row in timed:
        assert row.client is not None and row.starts is not None
        key = (row.client.id, row.starts)
        there = existing.get(key)
        if there is not None:
            row.errors.append(
                _(
                    "%(name)s already has an appointment then (%(what)s).",
                    name=row.client.display_name,
                    what=APPOINTMENT_KINDS[there.kind],
                )
            )
        elif key in seen:
            row.errors.append(_("Same client and time as line %(line)s.", line=seen[key].line))
        else:
            seen[key] = row


# -- carrying the file to the second step -----------------------------------------------


def pack(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 6)).decode("ascii")


def unpack(payload: str) -> bytes | None:
    """The file packed by ``pack``, or None if the form came back damaged."""
    try:
        squeezed = base64.urlsafe_b64decode(payload.encode("ascii"))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(squeezed, MAX_BYTES + 1)
    except (binascii.Error, zlib.error, UnicodeEncodeError, ValueError):
        return None
    if inflater.unconsumed_tail or not inflater.eof or len(raw) > MAX_BYTES:
        return None
    return raw


# -- the pages --------------------------------------------------------------------------


@bp.url_value_preprocessor
def _limit_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Runs before every before_request hook (CSRF's reads the form): the size limits
    # must be in place before anything reads the body.
    request.max_content_length = REQUEST_LIMIT
    request.max_form_memory_size = REQUEST_LIMIT


@bp.errorhandler(RequestEntityTooLarge)
def _too_large_page(error: RequestEntityTooLarge) -> tuple[str, int]:
    if not may(Action.IMPORT_APPOINTMENTS):
        return render_template("error.html", code=413, title=_("Too large")), 413
    form = UploadForm(formdata=None)
    form.file.errors = [_too_large()]
    return _page(form, status=413)


def _page(
    form: UploadForm,
    *,
    checked: Checked | None = None,
    confirm: ConfirmForm | None = None,
    filename: str = "",
    status: int = 200,
) -> tuple[str, int]:
    page = render_template(
        "imports/appointments.html",
        form=form,
        checked=checked,
        confirm=confirm,
        filename=filename,
        columns=COLUMN_HELP,
        kinds=APPOINTMENT_KINDS,
        aliases=KIND_ALIASES,
        most_rows=f"{MAX_ROWS:,}",
    )
    return page, status


def _filename(name: str | None) -> str:
    return (name or "").replace("\\", "/").rsplit("/", 1)[-1][:100]


@bp.get("/appointments/import")
@requires(Action.IMPORT_APPOINTMENTS)
def appointments() -> tuple[str, int]:
    """What the file holds, the template, and the form to check a file."""
    return _page(UploadForm(formdata=None))


@bp.post("/appointments/import")
@requires(Action.IMPORT_APPOINTMENTS)
def check_file() -> tuple[str, int]:
    """The dry run: every row and what would become of it; nothing is saved."""
    form = UploadForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(form, status=422)
    upload = form.file.data
    filename = _filename(upload.filename)
    raw = upload.stream.read(MAX_BYTES + 1)
    now = clock.now()
    try:
        checked = check(raw, current_user, now)
    except FileProblem as problem:
        form.file.errors = [str(problem)]
        return _page(form, status=422)
    confirm = None
    if not checked.failed:
        confirm = ConfirmForm(formdata=None)
        confirm.payload.data = pack(raw)
        confirm.expected.data = str(len(checked.ready))
        confirm.filename.data = filename
    page = _page(UploadForm(formdata=None), checked=checked, confirm=confirm, filename=filename)
    _audit_views(checked, now)  # after rendering: the commit would expire every client read
    return page


def _audit_views(checked: Checked, now: datetime) -> None:
    """The dry run shows each client found: a view of their record, audited like any."""
    found = {row.client.id: row.client for row in checked.rows if row.client is not None}
    service.record_dry_run(db.session, found.values(), current_user, now)


@bp.post("/appointments/import/confirm")
@requires(Action.IMPORT_APPOINTMENTS)
def confirm() -> Response | tuple[str, int]:
    """Import every row of a file that checked clean, in one transaction; else save nothing."""
    confirm_form = ConfirmForm()
    if not confirm_form.validate_on_submit():
        abort(400)
    raw = unpack(confirm_form.payload.data or "")
    filename = _filename(confirm_form.filename.data)
    if raw is None:
        flash(_("The confirmation came back damaged. Check the file again."), "error")
        return _page(UploadForm(formdata=None), status=400)
    now = clock.now()
    try:
        checked = check(raw, current_user, now)
    except FileProblem as problem:  # not after a clean check, unless the form was altered
        flash(str(problem), "error")
        return _page(UploadForm(formdata=None), status=400)
    if checked.failed or str(len(checked.ready)) != confirm_form.expected.data:
        flash(
            _(
                "Nothing was imported: since the check, some rows stopped being valid (time "
                "has passed, or appointments were added meanwhile). See the rows below, correct "
                "the file and check it again."
            ),
            "error",
        )
        return _page(UploadForm(formdata=None), checked=checked, filename=filename, status=409)
    clients = list({row.client.id: row.client for row in checked.ready if row.client}.values())
    queued = service.save_import(db.session, _lines(checked), current_user, now, filename)
    words = _imported_words(len(checked.ready), clients, queued)
    flash(words, "info")
    return redirect(url_for("imports.appointments"))


def _lines(checked: Checked) -> list[service.Line]:
    """The rows that checked clean, as they are saved."""
    lines = []
    for row in checked.ready:
        assert row.client is not None and row.kind is not None and row.starts is not None
        lines.append(service.Line(row.line, row.client, row.kind, row.starts, row.location))
    return lines


def _imported_words(count: int, clients: list[Client], queued: int) -> str:
    names = sorted(c.display_name for c in clients)
    shown = names[:SHOWN_NAMES]
    if len(names) > SHOWN_NAMES:
        others = len(names) - SHOWN_NAMES
        shown.append(ngettext("%(num)d other client", "%(num)d other clients", others))
    words = ngettext(
        "%(num)d appointment imported, for %(names)s.",
        "%(num)d appointments imported, for %(names)s.",
        count,
        names=format_list(shown, locale=ui_language()),
    )
    words += " " + ngettext("%(num)d notice queued.", "%(num)d notices queued.", queued)
    muted = sum(1 for c in clients if not c.can_be_texted)
    if muted:
        words += " " + ngettext(
            "Texts are off for %(num)d of these clients: no notice goes to them unless "
            "that changes.",
            "Texts are off for %(num)d of these clients: no notice goes to them unless "
            "that changes.",
            muted,
        )
    return words


@bp.get("/appointments/import/template.csv")
@requires(Action.IMPORT_APPOINTMENTS)
def template() -> Response:
    """A CSV with every column and two example rows to replace.

    The examples name numbers in the fictional 555-01xx range, which no real
    client has: a template uploaded unchanged checks as two unknown clients and
    imports nothing.
    """
    today = clock.now().astimezone(ZoneInfo(current_user.timezone)).date()
    first = today + timedelta(days=14)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        ["(213) 555-0100", "", "treatment_group", first.isoformat(), "18:00", "1200 Main St, Rm 4"]
    )
    writer.writerow(
        ["+1 213 555 0199", "", "probation_meeting", (first + timedelta(days=3)).isoformat(),
         "09:30", ""]
    )  # fmt: skip
    # The byte-order mark makes Excel read the file (and save it again) as UTF-8.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="appointments-template.csv"',
            "Cache-Control": "no-store",
        },
    )
