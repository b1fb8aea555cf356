"""Appointments imported from a CSV file (issue 6): the dry run, then the import.

Every page runs at Monday 23 November 2026, 09:00 in Los Angeles (MONDAY_9AM),
so "in the past", the DST gap of 14 March 2027 and the notices planned are exact.
The CSV files are built here, as a spreadsheet would save them.
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from companion.care.local_time import local_instant
from companion.extensions import db
from companion.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    Consent,
    Direction,
    Message,
)
from companion.services import planning
from companion.web.imports import views as imports

from helpers import MONDAY_9AM, PASSWORD, sign_in

HEADER = "client_phone,client_id,kind,date,time,location"


@pytest.fixture
def ana(make_client):
    return make_client(display_name="Ana", phone="+12135550120")


@pytest.fixture
def ben(make_client):
    return make_client(display_name="Ben", phone="+12135550121", timezone="America/New_York")


def la(day: date, hh: int, mm: int = 0):
    return local_instant(day, time(hh, mm), ZoneInfo("America/Los_Angeles"))


def csv_bytes(*lines: str, header: str = HEADER, newline: str = "\n", bom: bool = False) -> bytes:
    text = newline.join([header, *lines]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def upload(web, content: bytes, name: str = "appointments.csv"):
    return web.post(
        "/appointments/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def page_text(response) -> str:
    """The page as a person reads it: tags gone, entities decoded, spaces collapsed."""
    body = response.get_data(as_text=True)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def row_text(response, line: int) -> str:
    body = response.get_data(as_text=True)
    match = re.search(rf'<tr id="line-{line}"[^>]*>(.*?)</tr>', body, flags=re.S)
    assert match, f"no row for line {line}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def row_errors(response, line: int) -> list[str]:
    body = response.get_data(as_text=True)
    match = re.search(rf'<tr id="line-{line}"[^>]*>(.*?)</tr>', body, flags=re.S)
    assert match, f"no row for line {line}"
    return [html.unescape(e) for e in re.findall(r'<p class="error">(.*?)</p>', match.group(1))]


def hidden_fields(response) -> dict[str, str]:
    body = response.get_data(as_text=True)
    form = re.search(r'<form method="post" action="/appointments/import/confirm">(.*?)</form>',
                     body, flags=re.S)  # fmt: skip
    assert form, "no import button on the page"
    found = {}
    for tag in re.findall(r"<input[^>]*>", form.group(1)):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            found[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return found


def appointment_count() -> int:
    return db.session.scalar(select(func.count(Appointment.id))) or 0


# -- the page and the template --------------------------------------------------------------


def test_page_documents_the_columns_and_offers_a_template(app, provider):
    web = sign_in(app, provider)
    page = web.get("/appointments/import")
    assert page.status_code == 200
    text = page_text(page)
    for column in ("client_phone", "client_id", "kind", "date", "time", "location"):
        assert column in text
    for kind in AppointmentKind:
        assert kind.value in text
    assert "probation_meeting" in text  # a plain name that is also accepted
    assert "Download the template (CSV)" in text
    assert "at most 1 MB and 2,000 rows" in text

    template = web.get("/appointments/import/template.csv")
    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    assert "attachment" in template.headers["Content-Disposition"]
    raw = template.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert raw.decode("utf-8-sig").splitlines()[0] == HEADER
    assert "555-01" in raw.decode()  # fictional numbers only


def test_the_template_itself_checks_as_rows_not_as_a_broken_file(app, provider):
    web = sign_in(app, provider)
    template = web.get("/appointments/import/template.csv").get_data()
    check = upload(web, template, "appointments-template.csv")
    assert check.status_code == 200
    # Its example clients do not exist (and nothing else is wrong): it imports nothing.
    assert row_errors(check, 2) == ["No client with this phone number in your caseload."]
    assert row_errors(check, 3) == ["No client with this phone number in your caseload."]
    assert "/appointments/import/confirm" not in check.get_data(as_text=True)


def test_officers_and_examiners_may_not_import(app, staff, ana):
    for role in ("officer", "examiner"):
        web = sign_in(app, staff(role))
        assert web.get("/appointments/import").status_code == 403
        assert (
            upload(web, csv_bytes("+12135550120,,individual,2026-12-01,10:00,")).status_code == 403
        )
        assert web.get("/appointments/import/template.csv").status_code == 403
    assert appointment_count() == 0


# -- the dry run -------------------------------------------------------------------------


def test_dry_run_lists_each_appointment_and_saves_nothing(app, provider, ana, ben):
    web = sign_in(app, provider)
    content = csv_bytes(
        "(213) 555-0120,,treatment_group,2026-12-01,18:00,1200 Main St",
        f",{ben.id},probation_meeting,2026-12-02,9:30,",
    )
    check = upload(web, content)
    assert check.status_code == 200
    first, second = row_text(check, 2), row_text(check, 3)
    assert "Ana" in first and "Treatment group" in first
    assert "Tue 1 Dec 2026, 18:00 PST" in first  # Ana's own time zone
    assert "1200 Main St" in first and "New appointment" in first
    assert "Ben" in second and "Probation/parole meeting" in second
    assert "Wed 2 Dec 2026, 09:30 EST" in second  # Ben's: New York
    text = page_text(check)
    assert "2 rows read: 2 appointments ready to import." in text
    assert "Import 2 appointments" in text
    assert appointment_count() == 0
    assert db.session.scalar(select(func.count(Message.id))) == 0
    # Showing who the clients are is a view of their records, audited.
    viewed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "client.viewed")
    ).all()
    assert sorted(e.subject_id for e in viewed) == sorted([ana.id, ben.id])
    assert {e.details["page"] for e in viewed} == {"appointment import"}


def test_every_kind_of_row_error_is_said_in_words(app, provider, staff, make_client, ana):
    other = staff("provider")
    theirs = make_client(display_name="Cruz", phone="+12135550150", provider_id=other.id)
    db.session.add(
        Appointment(
            client_id=ana.id, kind=AppointmentKind.INDIVIDUAL, starts_at=la(date(2026, 12, 3), 10),
            location="", status=AppointmentStatus.SCHEDULED, revision=1,
            created_at=MONDAY_9AM, updated_at=MONDAY_9AM,
        )
    )  # fmt: skip
    db.session.commit()
    web = sign_in(app, provider)
    lines = [
        "+12135550177,,individual,2026-12-01,10:00,",  # 2 nobody has this number
        f"+12135550150,{theirs.id},individual,2026-12-01,10:00,",  # 3 another caseload
        "+12135550120,,individual,12/01/2026,10:00,",  # 4 Excel's date
        "+12135550120,,individual,2027-02-30,10:00,",  # 5 no such day
        "+12135550120,,individual,2027-03-14,02:30,",  # 6 DST gap
        "+12135550120,,individual,2026-11-20,10:00,",  # 7 past
        "+12135550120,,individual,2026-12-03,10:00,",  # 8 already booked
        "+12135550120,,therapy,2026-12-04,10:00,",  # 9 unknown kind
        "+12135550120,,individual,2026-12-04,,",  # 10 no time
        "+12135550120,,individual,2026-12-04,25:00,",  # 11 not a time
        "+12135550120,,individual,2026-12-05,10:00,Probation Dept",  # 12 indiscreet place
        "+12135550120,,individual,2026-12-06,10:00,",  # 13 fine
        "(213) 555-0120,,group,2026-12-06,10:00,",  # 14 same as line 13 (and bad kind)
        "+12135550120,,individual,2026-12-07,10:00,",  # 15 same as 16
        "+12135550120,,court_date,2026-12-07,10:00,",  # 16
        "1.21356E+10,,individual,2026-12-08,10:00,",  # 17 Excel rounded the phone
        ",,individual,2026-12-08,10:00,",  # 18 no client
        "+12135550120,,individual,2029-01-01,10:00,",  # 19 too far
    ]
    check = upload(web, csv_bytes(*lines))
    assert check.status_code == 200
    assert "No client with this phone number in your caseload." in row_text(check, 2)
    # Someone else's client reads exactly like no client at all.
    assert "No client with this phone number in your caseload." in row_text(check, 3)
    assert f"No client number {theirs.id} in your caseload." in row_text(check, 3)
    assert "Cruz" not in page_text(check)
    assert "is not a date as YYYY-MM-DD" in row_text(check, 4)
    assert "2027-02-30 is not a day on the calendar." in row_text(check, 5)
    assert (
        "02:30 does not exist on Sunday, March 14, 2027 in America/Los_Angeles: the clocks "
        "jump from 02:00 to 03:00 (daylight saving time). Did you mean 03:30?"
    ) in row_text(check, 6)
    assert "That time has passed" in row_text(check, 7)
    assert "Ana already has an appointment then (Individual session)." in row_text(check, 8)
    assert "Unknown kind “therapy”" in row_text(check, 9)
    assert "Enter the time, as HH:MM on a 24-hour clock." in row_text(check, 10)
    assert "“25:00” is not a time" in row_text(check, 11)
    assert '"Probation" would be in the text' in row_text(check, 12)
    assert "New appointment" in row_text(check, 13)
    assert "Same client and time as line 13." in row_text(check, 14)
    assert "Same client and time as line 15." in row_text(check, 16)
    assert "the spreadsheet turned it into a rounded number" in row_text(check, 17)
    assert "Enter the client" in row_text(check, 18)
    assert "more than two years away" in row_text(check, 19)
    text = page_text(check)
    assert "18 rows read: 2 appointments ready to import, 16 rows with errors" in text
    assert "Lines with errors: 2 , 3 , 4 ," in text
    assert "Nothing was saved." in text
    assert "Import 2 appointments" not in text and "/appointments/import/confirm" not in text
    assert appointment_count() == 1  # only the one that was there


def test_excel_csv_with_bom_semicolons_and_crlf_reads(app, provider, ana):
    web = sign_in(app, provider)
    content = csv_bytes(
        "+12135550120;;Individual Session;2026-12-01;6:00 PM;Calle Peña 5",
        header="sep=;\r\nClient Phone;client_id;Kind;Date;Time;Location;;",
        newline="\r\n",
        bom=True,
    )
    check = upload(web, content)
    assert check.status_code == 200
    row = row_text(check, 3)
    assert "Tue 1 Dec 2026, 18:00 PST" in row
    assert "Calle Peña 5" in row
    assert "New appointment" in row


def test_a_quoted_place_with_a_comma_and_a_client_whose_texts_are_off(app, provider, make_client):
    quiet = make_client(display_name="Dee", phone="+12135550130", consent=Consent.OPTED_OUT)
    web = sign_in(app, provider)
    check = upload(
        web, csv_bytes(f'+12135550130,{quiet.id},polygraph,2026-12-01,10:00,"1 A St, B"')
    )
    row = row_text(check, 2)
    assert "1 A St, B" in row and "New appointment" in row
    assert "Texts to Dee are off" in row


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "This is a spreadsheet workbook, not a CSV"),
        ("client_phone,kind\n".encode("utf-16"), "saved as UTF-16"),
        (b"%PDF-1.7\n\x00\x01binary", "This is not a CSV file: it is not text."),
        (
            (HEADER + "\n+12135550120,,individual,2026-12-01,10:00,Calle Pe\xf1a\n").encode(
                "cp1252"
            ),
            "Line 2 is not UTF-8 text",
        ),
        (b"client_phone,kind,date\n+12135550120,individual,2026-12-01\n", "no “time” column"),
        (b"client_phone,kind,date,time,notes\n", "Unknown column “notes”"),
        (b"name,when\nAna,tomorrow\n", "The first line must name the columns"),
        ((HEADER + "\n").encode(), "no appointments under them"),
        (
            (HEADER + '\n"+12135550120,,individual\n').encode(),
            "Line 2 cannot be read as CSV (a double quote opens and never closes)",
        ),
        (
            csv_bytes("+12135550120,,individual,2026-12-01,10:00,", '"Main" St,,x,,,'),
            "Line 3 cannot be read as CSV (text follows a closing double quote)",
        ),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_error_not_a_crash(
    app, provider, ana, content, message
):
    web = sign_in(app, provider)
    check = upload(web, content, "appointments.csv")
    assert check.status_code == 422
    text = page_text(check)
    assert message in text
    assert "Nothing was saved: the file could not be checked" in text
    # The error sits next to the file field.
    assert 'aria-invalid="true"' in check.get_data(as_text=True)
    assert appointment_count() == 0


def test_no_file_chosen(app, provider):
    web = sign_in(app, provider)
    check = web.post("/appointments/import", data={}, content_type="multipart/form-data")
    assert check.status_code == 422
    assert "Choose the CSV file to check." in page_text(check)


def test_size_and_row_limits(app, provider, ana):
    web = sign_in(app, provider)
    row = "+12135550120,,individual,2026-12-01,10:00,"
    many = upload(web, csv_bytes(*[row] * (imports.MAX_ROWS + 1)))
    assert many.status_code == 422
    assert "The file has more than 2,000 rows." in page_text(many)

    big = upload(web, csv_bytes(row + "x" * (imports.MAX_BYTES + 10)))
    assert big.status_code == 422
    assert "The file is larger than 1 MB." in page_text(big)

    huge = upload(web, b"x" * (imports.REQUEST_LIMIT + 10))
    assert huge.status_code == 413
    assert "The file is larger than 1 MB." in page_text(huge)
    assert appointment_count() == 0


def csrf_token(response) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_with_csrf_on_an_oversized_upload_is_refused_in_words(make_app, app, provider, ana):
    strict = make_app(WTF_CSRF_ENABLED="1")
    web = strict.test_client()
    token = csrf_token(web.get("/login"))
    login = web.post(
        "/login", data={"email": provider.email, "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 302
    token = csrf_token(web.get("/appointments/import"))
    huge = b"x" * (imports.REQUEST_LIMIT + 10)
    refused = web.post(
        "/appointments/import",
        data={"csrf_token": token, "file": (io.BytesIO(huge), "a.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 413
    assert "The file is larger than 1 MB." in page_text(refused)
    # Without the token nothing is checked at all.
    assert upload(web, csv_bytes("+12135550120,,individual,2026-12-01,10:00,")).status_code == 400


# -- the import --------------------------------------------------------------------------


def test_import_saves_every_row_plans_notices_and_audits(app, provider, ana, ben):
    web = sign_in(app, provider)
    check = upload(
        web,
        csv_bytes(
            "+12135550120,,treatment_group,2026-12-01,18:00,1200 Main St",
            f",{ben.id},supervision_meeting,2026-12-02,09:30,",
        ),
    )
    fields = hidden_fields(check)
    assert fields["expected"] == "2"
    done = web.post("/appointments/import/confirm", data=fields)
    assert done.status_code == 302
    after = web.get(done.headers["Location"])
    text = page_text(after)
    assert "2 appointments imported, for Ana and Ben." in text
    assert re.search(r"\d+ notices? queued\.", text)

    saved = db.session.scalars(select(Appointment).order_by(Appointment.starts_at)).all()
    assert [(a.client_id, a.kind, a.location, a.status) for a in saved] == [
        (ana.id, AppointmentKind.TREATMENT_GROUP, "1200 Main St", AppointmentStatus.SCHEDULED),
        (ben.id, AppointmentKind.SUPERVISION, "", AppointmentStatus.SCHEDULED),
    ]
    assert saved[0].starts_at == la(date(2026, 12, 1), 18)
    assert saved[0].created_by_id == provider.id
    # Notices planned as the appointments page plans them.
    notices = db.session.scalars(
        select(Message).where(Message.direction == Direction.OUTBOUND)
    ).all()
    assert {m.appointment_id for m in notices} == {a.id for a in saved}
    created = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "appointment.created")
    ).all()
    assert sorted(e.subject_id for e in created) == sorted(a.id for a in saved)
    assert all(e.details["imported"] and e.actor_id == provider.id for e in created)
    assert sum(e.details["notices"] for e in created) == len(notices)
    batch = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "appointments.imported")
    ).one()
    assert batch.details["appointments"] == 2 and batch.details["file"] == "appointments.csv"

    # Each client's appointments page shows them, with their notices.
    page = page_text(web.get(f"/clients/{ana.id}/appointments"))
    assert "Tue 1 Dec 2026, 18:00 PST" in page and "1200 Main St" in page

    # The same file again: every row is now a duplicate, nothing more is saved.
    again = upload(web, csv_bytes("+12135550120,,treatment_group,2026-12-01,18:00,1200 Main St"))
    assert "Ana already has an appointment then (Treatment group)." in row_text(again, 2)
    assert appointment_count() == 2


def test_import_saves_nothing_if_the_rows_changed_since_the_check(app, provider, ana, clock):
    web = sign_in(app, provider)
    check = upload(
        web,
        csv_bytes(
            "+12135550120,,individual,2026-11-23,09:15,",
            "+12135550120,,individual,2026-12-01,10:00,",
        ),
    )
    fields = hidden_fields(check)
    # Twenty minutes go by (still signed in): the first appointment's time has passed.
    later = MONDAY_9AM.replace(minute=20)
    clock.set(later)
    done = web.post("/appointments/import/confirm", data=fields)
    assert done.status_code == 409
    text = page_text(done)
    assert "Nothing was imported" in text
    assert "That time has passed" in row_text(done, 2)
    assert appointment_count() == 0


def test_import_is_one_transaction(app, provider, ana, monkeypatch):
    web = sign_in(app, provider)
    check = upload(
        web,
        csv_bytes(
            "+12135550120,,individual,2026-12-01,10:00,",
            "+12135550120,,individual,2026-12-02,10:00,",
        ),
    )
    fields = hidden_fields(check)
    calls = []
    real = planning.plan_appointment

    def failing(session, appointment, now):
        calls.append(appointment.id)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(session, appointment, now)

    monkeypatch.setattr(planning, "plan_appointment", failing)
    with pytest.raises(RuntimeError):
        web.post("/appointments/import/confirm", data=fields)
    db.session.rollback()
    assert appointment_count() == 0
    assert db.session.scalar(select(func.count(Message.id))) == 0


def test_a_damaged_confirmation_is_refused(app, provider, ana):
    web = sign_in(app, provider)
    fields = hidden_fields(upload(web, csv_bytes("+12135550120,,individual,2026-12-01,10:00,")))
    fields["payload"] = fields["payload"][:-12] + "AAAAAAAAAAAA"
    done = web.post("/appointments/import/confirm", data=fields)
    assert done.status_code == 400
    assert "The confirmation came back damaged. Check the file again." in page_text(done)
    assert appointment_count() == 0


def test_an_admin_imports_for_any_caseload(app, staff, ana):
    admin = staff("admin")
    web = sign_in(app, admin)
    check = upload(web, csv_bytes(f",{ana.id},court,2026-12-09,08:15,"))
    assert "Wed 9 Dec 2026, 08:15 PST" in row_text(check, 2)
    done = web.post("/appointments/import/confirm", data=hidden_fields(check))
    assert done.status_code == 302
    saved = db.session.scalars(select(Appointment)).one()
    assert saved.kind == AppointmentKind.COURT and saved.created_by_id == admin.id
