"""The conversation's invariants (issue 13), checked over the database.

Each invariant is one small function ``(session) -> list[Violation]``: it reads what was
stored (texts sent, replies received, check-ins, tasks) and names every row that breaks
it. ``simulate`` runs them after each simulated day, and tests run them after generated
weeks. They are written against today's data model; where a later change stores more
(a reply's ``in_reply_to``, a question's state), the one function that reads it changes.

- ``no_purpose_twice``: no purpose texted twice;
- ``no_text_in_quiet_hours``: no text that is not a direct reply outside the send window;
- ``replies_bound_once``: every reply bound to at most one question, and only one it fits;
- ``no_check_in_answered_and_missed``: no check-in both answered and missed;
- ``every_option_has_an_action``: every option a text offers maps to an action.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.care.topics import TOPICS
from companion.messaging.answers import parse_answer
from companion.messaging.texts import KINDS, QUESTIONS, SIMPLE_QUESTIONS, SIMPLE_TEMPLATES
from companion.models import (
    CheckIn,
    CheckInStatus,
    Client,
    Direction,
    Message,
    Status,
    Task,
)
from companion.services.conversation import question_for


@dataclass(frozen=True)
class Violation:
    """One breach of an invariant: which, the rows involved, and what is wrong in one line."""

    invariant: str
    ids: tuple[int, ...]
    description: str
    # When it happened (the text's or the reply's time), so a report can place it in a day.
    at: datetime | None = None

    @property
    def key(self) -> tuple[str, tuple[int, ...], str]:
        """The same breach found again (after the next day) has the same key."""
        return (self.invariant, self.ids, self.description)


# Texts that reached the provider (what a client's phone may show).
REACHED = (Status.SENT, Status.DELIVERED, Status.UNDELIVERED)
# Texts that ask the client something they answer by reply.
ASKING_KINDS = ("checkin_prompt", "checkin_reminder", "appt_day_before", "appt_same_day")
APPOINTMENT_NOTICES = ("appt_day_before", "appt_same_day", "appt_2h", "appt_cancelled")


def _sent_to_clients(session: Session) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.client_id.is_not(None),
                Message.status.in_(REACHED),
                Message.sent_at.is_not(None),
            )
            .order_by(Message.sent_at, Message.id)
        )
    )


# -- 1. no purpose texted twice -----------------------------------------------------------


def purpose_of(message: Message) -> tuple[Any, ...] | None:
    """What an outbound text is for, so that two texts for one purpose can be seen.

    Dedupe keys cannot say it alone: a re-plan writes a new key (an appointment's
    revision, a withdrawn reminder's suffix) for what is still the same purpose.
    A direct reply answers one inbound text (its key names it): it has no purpose of its
    own to repeat, so it is left out (None).

    - check-in prompt or reminder: the check-in and the kind;
    - appointment notice: the appointment, the kind and the time it announces (issue 13:
      each notice reaches the client at most once, whatever is re-planned or edited);
    - plan reminder: the client and the local day its key names;
    - anything else (the welcome): the client and the kind.
    """
    kind = message.kind
    spec = KINDS.get(kind)
    if (spec is not None and spec.reply) or (message.dedupe_key or "").startswith("reply:"):
        return None  # an answer to the client's own text (a tip they asked for, too)
    if kind in ("checkin_prompt", "checkin_reminder") and message.check_in_id is not None:
        return ("check_in", message.check_in_id, kind)
    if kind == "appt_moved" and message.appointment_id is not None:
        # One per move (its key names the move): the same new time after two moves is two.
        return ("appointment", message.appointment_id, kind, message.dedupe_key)
    if kind in APPOINTMENT_NOTICES and message.appointment_id is not None:
        # A notice announces a time: after a move, the notice for the new time is another.
        announced = (message.params or {}).get("starts_at")
        return ("appointment", message.appointment_id, kind, announced)
    if kind == "plan_reminder":
        day = (message.dedupe_key or "").split(":")[2:3]
        return ("plan", message.client_id, tuple(day))
    return ("client", message.client_id, kind)


def no_purpose_twice(session: Session) -> list[Violation]:
    """No purpose texted twice: one client never gets two texts for the same purpose
    (``purpose_of``), e.g. the day-before notice of one appointment sent again after a
    re-plan."""
    seen: dict[tuple[Any, ...], list[Message]] = defaultdict(list)
    for message in _sent_to_clients(session):
        purpose = purpose_of(message)
        if purpose is not None:
            seen[purpose].append(message)
    found = []
    for purpose, messages in seen.items():
        if len(messages) > 1:
            first, again = messages[0], messages[1:]
            for extra in again:
                found.append(
                    Violation(
                        "no_purpose_twice",
                        (first.id, extra.id),
                        f"{extra.kind} for {purpose[0]} #{purpose[1]} sent again "
                        f"(message {extra.id}, first was {first.id})",
                        extra.sent_at,
                    )
                )
    return found


# -- 2. no non-reply text outside quiet hours --------------------------------------------------


def inside_window(at: datetime, zone: str, start: time, end: time) -> bool:
    """Whether ``at`` falls in the local window [start, end) of ``zone``."""
    local = at.astimezone(ZoneInfo(zone)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # a window across midnight


def no_text_in_quiet_hours(session: Session) -> list[Violation]:
    """No text that is not a direct reply to the client's own message goes outside the
    client's send window (``send_window_start``..``send_window_end``, their timezone) at
    the moment it was sent. Replies (kinds marked ``reply``) go at once, by design."""
    clients = {c.id: c for c in session.scalars(select(Client))}
    found = []
    for message in _sent_to_clients(session):
        spec = KINDS.get(message.kind)
        if spec is not None and spec.reply:
            continue
        client = clients.get(message.client_id or 0)
        if client is None or message.sent_at is None:
            continue
        if not inside_window(
            message.sent_at, client.timezone, client.send_window_start, client.send_window_end
        ):
            local = message.sent_at.astimezone(ZoneInfo(client.timezone))
            found.append(
                Violation(
                    "no_text_in_quiet_hours",
                    (message.id,),
                    f"{message.kind} to client #{client.id} at {local:%H:%M} local "
                    f"(window {client.send_window_start:%H:%M}-{client.send_window_end:%H:%M})",
                    message.sent_at,
                )
            )
    return found


# -- 3. every reply bound to at most one question, and only one it fits -----------------------


def bindings(session: Session) -> dict[int, list[tuple[str, int]]]:
    """Which questions each inbound text was bound to: message id -> [(what, id)].

    A reply names the question it answers (``Message.in_reply_to_id``, with ``binding``
    bound, late, unbound or ambiguous: docs/conversation.md); a check-in's
    ``answer_message_id`` records an answer. A reply recorded against two different
    questions, answering a check-in other than the question it was bound to, or both an
    answer and a task for a reply that answered nothing, is bound twice. (A late or unbound
    reply becomes a task by design: that alone is one binding.)
    """
    bound: dict[int, list[tuple[str, int]]] = defaultdict(list)
    asked_check_in = dict(
        session.execute(
            select(Message.id, Message.check_in_id).where(Message.check_in_id.is_not(None))
        ).all()
    )
    for message_id, question_id in session.execute(
        select(Message.id, Message.in_reply_to_id).where(
            Message.direction == Direction.INBOUND, Message.in_reply_to_id.is_not(None)
        )
    ):
        bound[message_id].append(("question", question_id))
    for check_in_id, message_id in session.execute(
        select(CheckIn.id, CheckIn.answer_message_id).where(CheckIn.answer_message_id.is_not(None))
    ):
        questions = bound.get(message_id, [])
        if any(asked_check_in.get(q) == check_in_id for _, q in questions):
            continue  # the answer to the check-in its question asked: one binding
        bound[message_id].append(("check_in", check_in_id))
    # A reply kept for staff because it answered nothing must not also be an answer.
    for task_id, message_id in session.execute(
        select(Task.id, Task.message_id).where(
            Task.kind == "unmatched_reply", Task.message_id.is_not(None)
        )
    ):
        if any(what == "check_in" for what, _ in bound.get(message_id, [])):
            bound[message_id].append(("task:unmatched_reply", task_id))
    return bound


def replies_bound_once(session: Session) -> list[Violation]:
    """Every reply is bound to at most one question, and only to one it fits:

    - at most one binding per inbound text (``bindings``);
    - a reply recorded as a check-in's answer must read as an answer to that check-in's
      question (``parse_answer`` finds no problem), arrive while it was open, after the
      check-in was asked, and no other question (an appointment notice, another
      check-in) may have been asked between the check-in's first text and the reply:
      the reply could be meant for that one, so it is not this check-in's alone.
    """
    found = []
    for message_id, bound in sorted(bindings(session).items()):
        if len(bound) > 1:
            found.append(
                Violation(
                    "replies_bound_once",
                    (message_id, *(i for _, i in bound)),
                    f"reply {message_id} bound to {len(bound)} things: "
                    + ", ".join(f"{what} #{i}" for what, i in bound),
                )
            )
    answered = session.execute(
        select(CheckIn, Message)
        .join(Message, Message.id == CheckIn.answer_message_id)
        .order_by(CheckIn.id)
    ).all()
    asked = asked_by_client(session)
    for_staff = set(
        session.scalars(select(Task.message_id).where(Task.message_id.is_not(None)))
    )
    for check_in, reply in answered:
        found.extend(
            _fits(check_in, reply, asked.get(reply.client_id or 0, []), reply.id in for_staff)
        )
    return found


@dataclass(frozen=True)
class _Asked:
    """An asking text as the binding check needs it."""

    sent_at: datetime
    id: int
    kind: str
    check_in_id: int | None
    appointment_id: int | None


def asked_by_client(session: Session) -> dict[int, list[_Asked]]:
    """Every asking text that reached a client, oldest first: one query for all replies."""
    asked: dict[int, list[_Asked]] = defaultdict(list)
    for client_id, *row in session.execute(
        select(
            Message.client_id,
            Message.sent_at,
            Message.id,
            Message.kind,
            Message.check_in_id,
            Message.appointment_id,
        )
        .where(
            Message.direction == Direction.OUTBOUND,
            Message.kind.in_(ASKING_KINDS),
            Message.status.in_(REACHED),
            Message.sent_at.is_not(None),
        )
        .order_by(Message.sent_at, Message.id)
    ):
        asked[client_id].append(_Asked(*row))
    return asked


def _fits(
    check_in: CheckIn, reply: Message, asked: list[_Asked], read_by_staff: bool = False
) -> list[Violation]:
    at = reply.created_at
    problems = []
    if check_in.topic in TOPICS:
        parsed = parse_answer(reply.body or "", question_for(check_in.topic), _language(reply))
        # Words that could not be read even after asking once more are kept, with no value,
        # for a person to read (a task); an acute reply closes its check-in answered and
        # flagged, and an alert reaches a person. Neither is taken as an answer it is not.
        read_by_a_person = read_by_staff or check_in.flagged
        if parsed.problem is not None and (
            check_in.answer_value is not None or not read_by_a_person
        ):
            problems.append(f"does not read as an answer to {check_in.topic!r}")
    if not check_in.due_at <= at < check_in.closes_at:
        problems.append("arrived while the check-in was not open")
    # Other questions asked between this check-in's first text and the reply: the reply
    # could answer those too (several asked in one pass count), so it is not this one's alone.
    own = [a for a in asked if a.check_in_id == check_in.id and a.sent_at <= at]
    if not own:
        problems.append("its question was never asked before it")
    else:
        since = own[0].sent_at
        # Strictly before the reply: a question sent at the reply's own instant went after
        # it (the one-question hold let it go once the reply closed this check-in).
        others = [a for a in asked if since <= a.sent_at < at and a.check_in_id != check_in.id]
        for other in others[:1]:
            what = (
                f"check-in #{other.check_in_id}"
                if other.check_in_id is not None
                else f"{other.kind} of appointment #{other.appointment_id}"
            )
            problems.append(f"could answer {what}, asked since")
    return [
        Violation(
            "replies_bound_once",
            (reply.id, check_in.id),
            f"reply {reply.id} taken as the answer to check-in #{check_in.id} but it {p}",
            at,
        )
        for p in problems
    ]


def _language(message: Message) -> str:
    return message.client.language if message.client is not None else "en"


# -- 4. no check-in both answered and missed ------------------------------------------------


def no_check_in_answered_and_missed(session: Session) -> list[Violation]:
    """No check-in is both answered and missed: a check-in closed as missed must carry no
    sign that the client answered it (an answer's words, time or message, e.g. a reply
    kept for clarification or one with crisis words), and one closed as answered must
    have its answer's time and message."""
    found = []
    for check_in in session.scalars(
        select(CheckIn)
        .where(CheckIn.status.in_([CheckInStatus.MISSED, CheckInStatus.ANSWERED]))
        .order_by(CheckIn.id)
    ):
        answered = (
            check_in.answer_message_id is not None
            or check_in.answered_at is not None
            or check_in.answer_text is not None
        )
        if check_in.status == CheckInStatus.MISSED and answered:
            found.append(
                Violation(
                    "no_check_in_answered_and_missed",
                    (check_in.id,),
                    f"check-in #{check_in.id} ({check_in.topic}) closed missed "
                    "though a reply was recorded against it",
                    check_in.closes_at,
                )
            )
        if check_in.status == CheckInStatus.ANSWERED and (
            check_in.answered_at is None or check_in.answer_message_id is None
        ):
            found.append(
                Violation(
                    "no_check_in_answered_and_missed",
                    (check_in.id,),
                    f"check-in #{check_in.id} answered without an answer's time or message",
                    check_in.closes_at,
                )
            )
    return found


# -- 5. every offered option maps to an action ----------------------------------------------


@dataclass(frozen=True)
class Offer:
    """An option a text offers the client, and what handles it.

    ``where`` is a text kind or ``question:<topic>``; ``option`` what the client sends;
    ``promise`` what the text says will happen; ``handler`` the dotted name of the
    function that does it, or None where nothing does it yet.
    """

    where: str
    option: str
    promise: str
    handler: str | None


_ANSWER = "companion.services.replies._answer"  # recorded as the check-in's answer
_KEYWORD = "companion.services.inbound.receive"  # keywords: consent and HELP, before anything

OFFERS: tuple[Offer, ...] = (
    *(
        Offer(kind, word, promise, _KEYWORD)
        for kind in ("welcome", "help", "opt_in_confirm", "opt_out_confirm")
        for word, promise in (("HELP", "help"), ("STOP", "opt out"), ("START", "texts again"))
    ),
    Offer("stop_hint", "STOP", "opt out", _KEYWORD),
    *(
        Offer(kind, option, promise, "companion.services.replies._appointment_reply")
        for kind in ("appt_day_before", "appt_same_day")
        for option, promise in (("C", "confirm"), ("R", "reschedule"))
    ),
    *(
        Offer(kind, option, "an answer, recorded", _ANSWER)
        for kind in ("clarify_yes_no",)
        for option in ("YES", "NO")
    ),
    *(
        Offer(kind, "OK", "acknowledge the alert", "companion.services.escalations.staff_reply")
        for kind in ("staff_alert", "staff_alert_urgent", "staff_alert_release",
                     "staff_alert_urgent_release")  # fmt: skip
    ),
    *(
        Offer(f"question:{topic}", option, "an answer, recorded", _ANSWER)
        for topic, spec in TOPICS.items()
        if topic != "stuck"
        for option in (
            spec.choices
            if spec.expects == "choice"
            else ("YES", "NO")
            if spec.expects == "yes_no"
            else (str(spec.low), str(spec.high))
        )
    ),
    # "Reply 1 for tips or 2 if you want a call" (care.conversation.OPTIONS): a line of
    # the client's own plan at once, or a call-back task due in business hours.
    Offer("question:stuck", "1", "tips", "companion.services.replies._option"),
    Offer("question:stuck", "2", "a call from the team", "companion.services.replies._option"),
    # "Reply 1 for the check-in question or 2 for the appointment": the earlier reply
    # then counts for that one.
    *(
        Offer("clarify_which", option, "the earlier reply counts for that one",
              "companion.services.replies._which")
        for option in ("1", "2")
    ),  # fmt: skip
)

# "Reply C to confirm or R ...", "Send YES or NO", "Reply 0 (none) to 10 ...": the
# options a text offers, after the verb that offers them.
_OFFERING = re.compile(r"\b(?:[Rr]eply|[Ss]end)\b(?: a number:)?(?P<rest>[^.?]*)")
_OPTION = re.compile(r"(?<![\w%(])([A-Z]{1,5}|\d{1,2})(?![\w)])")


def offered_options(text: str) -> set[str]:
    """The options ``text`` offers (what follows "Reply"/"Send"), e.g. {"C", "R"}."""
    found: set[str] = set()
    for match in _OFFERING.finditer(text):
        found |= set(_OPTION.findall(match.group("rest")))
    return found


def offering_texts() -> Iterable[tuple[str, str]]:
    """Every source text that may offer options: (where, English source string)."""
    for kind, spec in KINDS.items():
        yield kind, spec.template
        if spec.no_phone_template:
            yield kind, spec.no_phone_template
    yield from SIMPLE_TEMPLATES.items()
    for topic, text in (*QUESTIONS.items(), *SIMPLE_QUESTIONS.items()):
        yield f"question:{topic}", text


def every_option_has_an_action(
    session: Session | None = None,
    offers: Iterable[Offer] = OFFERS,
    texts: Callable[[], Iterable[tuple[str, str]]] = offering_texts,
) -> list[Violation]:
    """Every option a text offers maps to an action: each option found in a catalog text
    (``offered_options``) is listed in ``OFFERS`` for that text, and each listed offer has
    a handler that exists. A static check over the source catalogs (translations keep
    the same options: ``make translations-check``); ``session`` is unused."""
    import importlib

    listed: dict[tuple[str, str], Offer] = {(o.where, o.option): o for o in offers}
    found = []
    for where, text in texts():
        for option in sorted(offered_options(text)):
            # A rating offers a range: its two ends are listed, the numbers between follow.
            if (where, option) not in listed and not _in_listed_range(listed, where, option):
                found.append(
                    Violation(
                        "every_option_has_an_action",
                        (),
                        f"{where} offers {option!r} but no action is listed for it",
                    )
                )
    for offer in listed.values():
        if offer.handler is None:
            found.append(
                Violation(
                    "every_option_has_an_action",
                    (),
                    f"{offer.where} offers {offer.option!r} ({offer.promise}) but nothing does it",
                )
            )
            continue
        module, _, name = offer.handler.rpartition(".")
        if not hasattr(importlib.import_module(module), name):
            found.append(
                Violation(
                    "every_option_has_an_action",
                    (),
                    f"{offer.where} offers {offer.option!r}: handler {offer.handler} is gone",
                )
            )
    return found


def _in_listed_range(listed: dict[tuple[str, str], Offer], where: str, option: str) -> bool:
    if not option.isdigit() or not where.startswith("question:"):
        return False
    spec = TOPICS.get(where.removeprefix("question:"))
    return spec is not None and spec.expects == "rating" and spec.low <= int(option) <= spec.high


# -- all of them ------------------------------------------------------------------------------

INVARIANTS: dict[str, Callable[[Session], list[Violation]]] = {
    "no_purpose_twice": no_purpose_twice,
    "no_text_in_quiet_hours": no_text_in_quiet_hours,
    "replies_bound_once": replies_bound_once,
    "no_check_in_answered_and_missed": no_check_in_answered_and_missed,
    "every_option_has_an_action": every_option_has_an_action,
}


def check_all(session: Session) -> list[Violation]:
    """Every invariant's violations, invariant by invariant."""
    return [v for check in INVARIANTS.values() for v in check(session)]
