"""Open redirect: after sign-in (or a password change, or marking a task done) the browser
goes only to a page of this site, whatever ``next`` says.

Browsers read a backslash in an http address as a slash and drop tabs and line breaks, so
``/\\evil.test`` and ``/<tab>/evil.test`` lead to ``//evil.test``: another site, with the
staff member just signed in and trusting the page. ``safe_next`` (companion/web/shared.py)
keeps only same-site paths, and werkzeug percent-encodes what is left of a backslash in the
Location header. The plain ``https://evil.example/`` case: tests/test_web.py.
"""

from __future__ import annotations

from urllib.parse import urljoin

from companion.extensions import db
from companion.models import Task, TaskStatus

from helpers import MONDAY_9AM, PASSWORD, sign_in

BASE = "https://companion.example/"
# Eight, so the sign-ins below stay under the rate limit of ten a minute from one address.
ELSEWHERE = [
    "https://evil.test/",
    "//evil.test/",
    "/\\evil.test/",
    "\\\\evil.test/",
    "/\t/evil.test/",
    "/\n/evil.test/",
    " //evil.test/",
    "javascript:alert(1)",
]


def browser_reads(location: str) -> str:
    """Where a browser goes: backslashes read as slashes, tabs and line breaks dropped."""
    cleaned = location.strip().replace("\\", "/")
    for char in "\t\n\r":
        cleaned = cleaned.replace(char, "")
    return urljoin(BASE, cleaned)


def test_sign_in_never_sends_the_browser_to_another_site(app, provider):
    for target in ELSEWHERE:
        response = app.test_client().post(
            "/login",
            query_string={"next": target},
            data={"email": provider.email, "password": PASSWORD},
        )
        assert response.status_code == 302, repr(target)
        assert browser_reads(response.location).startswith(BASE), (target, response.location)
    # A path on this site is kept, so the check is not simply "always home".
    kept = app.test_client().post(
        "/login",
        query_string={"next": "/clients/?page=2"},
        data={"email": provider.email, "password": PASSWORD},
    )
    assert kept.location == "/clients/?page=2"


def test_marking_a_task_done_never_sends_the_browser_to_another_site(app, provider, make_client):
    client = make_client()
    web = sign_in(app, provider)
    for target in ELSEWHERE:
        task = Task(client_id=client.id, kind="unmatched_reply", status=TaskStatus.OPEN,
                    created_at=MONDAY_9AM)  # fmt: skip
        db.session.add(task)
        db.session.commit()
        response = web.post(f"/tasks/{task.id}/done", data={"next": target})
        assert response.status_code == 302, repr(target)
        assert browser_reads(response.location).startswith(BASE), (target, response.location)
