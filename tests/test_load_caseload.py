"""bench/load.py's caseload (bench/caseload.py) is one the staff pages open: the provider
who holds it signs in and sees the client list, the history client's page, Today and the
Alerts queue. The timed run itself needs gunicorn and PostgreSQL: `make bench-load`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from companion.extensions import db
from companion.models import CheckIn, Client, Escalation, Message, StaffUser

from helpers import MONDAY_9AM, PASSWORD, sign_in

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from caseload import HISTORY_CLIENT_DAYS, PROVIDER_EMAIL, seed_caseload  # noqa: E402


# SQLite only: the benchmark itself runs the caseload on PostgreSQL.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_benchmark_caseload_opens_on_every_page_it_times(app) -> None:
    first = seed_caseload(24, 2, PASSWORD, now=MONDAY_9AM)  # the app's clock, not the wall's
    assert db.session.scalar(select(func.count()).select_from(Client)) == 24
    history = db.session.scalar(select(func.count()).where(CheckIn.client_id == first))
    assert history == HISTORY_CLIENT_DAYS  # three months on the page the benchmark opens
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 12
    assert db.session.scalar(select(func.count()).select_from(Message)) > 24 * 3

    provider = db.session.scalar(select(StaffUser).where(StaffUser.email == PROVIDER_EMAIL))
    web = sign_in(app, provider)
    for path in ("/clients/", f"/clients/{first}", "/today", "/escalations"):
        response = web.get(path)
        assert response.status_code == 200, path
        assert "Client 0000" in response.get_data(as_text=True), path
