"""Tasks: what a reply asked of staff (a reschedule request, a reply with no question).

Functions take a session, the inputs and ``now``; none imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from companion.care.roles import Action, check
from companion.models import Appointment, Client, Message, StaffUser, Task, TaskStatus
from companion.services import audit


@dataclass
class TaskRow:
    task: Task
    reply: Message | None
    appointment: Appointment | None
    done_by: StaffUser | None
    # The text the client's reply answered (a check-in question, a notice), if any.
    question: Message | None = None
    label: Any = field(default="")  # set by the page, in the reader's words


def staff_by_id(session: Session, ids: Iterable[int]) -> dict[int, StaffUser]:
    ids = set(ids)
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))}


def task_rows(session: Session, tasks: list[Task]) -> list[TaskRow]:
    """Tasks with the reply, appointment and staff member they point at (few queries)."""
    message_ids = {t.message_id for t in tasks if t.message_id}
    appointment_ids = {t.appointment_id for t in tasks if t.appointment_id}
    messages = (
        {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(message_ids)))}
        if message_ids
        else {}
    )
    asked_ids = {m.in_reply_to_id for m in messages.values() if m.in_reply_to_id}
    asked = (
        {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(asked_ids)))}
        if asked_ids
        else {}
    )
    found = (
        session.scalars(select(Appointment).where(Appointment.id.in_(appointment_ids)))
        if appointment_ids
        else []
    )
    appointments = {a.id: a for a in found}
    staff = staff_by_id(session, (t.done_by_id for t in tasks if t.done_by_id))
    return [
        TaskRow(
            task=t,
            reply=messages.get(t.message_id) if t.message_id else None,
            appointment=appointments.get(t.appointment_id) if t.appointment_id else None,
            done_by=staff.get(t.done_by_id) if t.done_by_id else None,
            question=_asked(messages.get(t.message_id) if t.message_id else None, asked),
        )
        for t in tasks
    ]


def _asked(reply: Message | None, asked: dict[int, Message]) -> Message | None:
    if reply is None or reply.in_reply_to_id is None:
        return None
    return asked.get(reply.in_reply_to_id)


def caseload_tasks(
    session: Session, caseload: Select[tuple[Client]]
) -> tuple[list[TaskRow], list[TaskRow]]:
    """Open tasks across ``caseload`` (oldest first), and the 20 done most lately."""
    ids = caseload.with_only_columns(Client.id)
    open_tasks = session.scalars(
        select(Task)
        .options(selectinload(Task.client))
        .where(Task.client_id.in_(ids), Task.status == TaskStatus.OPEN)
        .order_by(Task.created_at, Task.id)
        .limit(500)
    ).all()
    done = session.scalars(
        select(Task)
        .options(selectinload(Task.client))
        .where(Task.client_id.in_(ids), Task.status == TaskStatus.DONE)
        .order_by(Task.done_at.desc(), Task.id.desc())
        .limit(20)
    ).all()
    return task_rows(session, list(open_tasks)), task_rows(session, list(done))


def mark_task_done(session: Session, task: Task, actor: StaffUser, now: datetime) -> bool:
    """Mark a task done (who and when kept, audited; commits); False if it already was."""
    check(actor.role, Action.WORK_TASKS)  # the role policy (care/roles.py)
    if task.status == TaskStatus.DONE:
        return False
    task.status = TaskStatus.DONE
    task.done_at = now
    task.done_by_id = actor.id
    audit.record(
        session,
        "task.done",
        now=now,
        actor=actor,
        subject=task,
        details={"client_id": task.client_id, "kind": task.kind},
    )
    session.commit()
    return True


def task(session: Session, task_id: int) -> Task | None:
    return session.get(Task, task_id)


def reply_task(
    session: Session,
    *,
    client_id: int,
    kind: str,
    note: str,
    now: datetime,
    message_id: int | None = None,
    appointment_id: int | None = None,
    due_at: datetime | None = None,
) -> Task:
    """A task for a person about a client's text: one that could not be read, answers
    nothing open, needs a call back, names a moved appointment... (nothing unclear is
    closed silently: issue 14). The task keeps the text (``message_id``); the page shows
    it with the question it answered (the text's ``in_reply_to``)."""
    task = Task(
        client_id=client_id,
        kind=kind,
        status=TaskStatus.OPEN,
        message_id=message_id,
        appointment_id=appointment_id,
        note=note[:500],
        created_at=now,
        due_at=due_at,
    )
    session.add(task)
    return task
