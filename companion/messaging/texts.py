"""Every text Companion sends, as gettext source strings keyed by kind.

Rules for anything added here (DOMAIN.md, "Texting rules"): plain words, no
mention of offense, treatment, court, probation or victims, and the sender is
only ever "your care team" (or the configured team name). Placeholders are
named so translators can reorder them.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.messaging.i18n import N_


@dataclass(frozen=True)
class TextKind:
    """A kind of outbound text and how the outbox treats it."""

    template: str
    # Direct replies answer a text the person just sent: they go out at once,
    # even in quiet hours, and do not need the client to be active.
    reply: bool = False
    # May still go to someone who opted out (the one confirmation, and HELP).
    after_opt_out: bool = False
    # Without a phone number to give, this variant is used instead.
    no_phone_template: str | None = None
    # Most segments a rendered text may cost in any shipped language, with the
    # longest placeholder values (tests/test_catalogs.py): 3 for reminders and
    # check-ins, 2 for appointment notices (issue 5), which carry a date, a
    # time and a place and must still arrive as one readable message.
    budget: int = 3


TEAM = N_("your care team")

KINDS: dict[str, TextKind] = {
    "welcome": TextKind(
        N_(
            "Hi %(name)s, this is %(team)s. You will get reminders and short check-ins "
            "by text. Msg frequency varies. Msg & data rates may apply. "
            "Reply HELP for help, STOP to opt out."
        ),
    ),
    # Who sees the client's answers, from their release (services/release.py): at
    # enrollment, and once after each change of release that changes it.
    "who_sees_team": TextKind(
        N_(
            "Your answers go to your care team. Your officer hears only about your "
            "rules. Texts are not watched around the clock. Need help now? Call or text 988."
        ),
    ),
    "who_sees_missed": TextKind(
        N_(
            "Your answers go to your care team. Your officer hears if you miss check-ins or "
            "visits. Texts are not watched around the clock. Need help now? Call or text 988."
        ),
    ),
    "who_sees_all": TextKind(
        N_(
            "Your care team and your officer see your answers. Texts are not watched around "
            "the clock. Need help now? Call or text 988."
        ),
    ),
    "help": TextKind(
        N_(
            "%(program)s texts from %(team)s. To reach us call %(phone)s. "
            "Texts are not watched around the clock. In an emergency call 911. "
            "Reply STOP to opt out."
        ),
        reply=True,
        after_opt_out=True,
        no_phone_template=N_(
            "%(program)s texts from %(team)s. Texts are not watched around the clock. "
            "In an emergency call 911. Reply STOP to opt out."
        ),
    ),
    "opt_out_confirm": TextKind(
        N_(
            "You will get no more texts from %(team)s. To reach us call %(phone)s. "
            "Reply START to get texts again."
        ),
        reply=True,
        after_opt_out=True,
        no_phone_template=N_(
            "You will get no more texts from %(team)s. Reply START to get texts again."
        ),
    ),
    "opt_in_confirm": TextKind(
        N_(
            "Welcome back, %(name)s. You will get texts from %(team)s again. "
            "Msg & data rates may apply. Reply HELP for help, STOP to opt out."
        ),
        reply=True,
    ),
    "received": TextKind(
        N_(
            "Thanks, %(team)s got your message. Texts are not watched around the clock. "
            "If you need help now, call or text 988. In an emergency call 911."
        ),
        reply=True,
    ),
    # "stop" inside a longer text that is not an opt-out ("I want to stop drinking"):
    # how to opt out, rather than a guess; it goes with the usual answer (issue 14).
    "stop_hint": TextKind(N_("Reply STOP to end these texts."), reply=True),
    # -- check-ins (the question itself comes from QUESTIONS, by topic) --
    "checkin_prompt": TextKind(N_("%(name)s, quick check-in: %(question)s")),
    "checkin_reminder": TextKind(N_("Still there, %(name)s? %(question)s")),
    "checkin_thanks": TextKind(
        N_("Thanks, %(name)s. Got it. Texts are not watched around the clock."),
        reply=True,
    ),
    # -- acknowledgements of a check-in answer (services/acknowledgements.py): a good
    # answer is reinforced, a hard one gets the client's own step or contact from the
    # plan; several wordings each, never the one sent last (ACKNOWLEDGEMENTS below).
    "ack_neutral_2": TextKind(
        N_("Got it, %(name)s, thank you. Texts are not watched around the clock."), reply=True
    ),
    "ack_good_1": TextKind(N_("Thanks, %(name)s. Good to hear. Keep it up!"), reply=True),
    "ack_good_2": TextKind(N_("Well done, %(name)s. That is a good step."), reply=True),
    "ack_good_3": TextKind(N_("Great, %(name)s. Thank you for telling us."), reply=True),
    "ack_hard_step_1": TextKind(
        N_("Thanks for telling us, %(name)s. Your plan says: %(step)s"), reply=True
    ),
    "ack_hard_step_2": TextKind(
        N_("Sorry today was hard, %(name)s. A step from your plan: %(step)s"), reply=True
    ),
    "ack_hard_contact_1": TextKind(
        N_("Thanks for telling us, %(name)s. You can call %(contact)s at %(contact_phone)s."),
        reply=True,
    ),
    "ack_hard_contact_2": TextKind(
        N_("Sorry today was hard, %(name)s. %(contact)s is there for you: %(contact_phone)s."),
        reply=True,
    ),
    "ack_hard_1": TextKind(
        N_(
            "Thanks for telling us, %(name)s. Hard days pass. Use the steps in your plan. "
            "Texts are not watched around the clock."
        ),
        reply=True,
    ),
    "ack_hard_2": TextKind(
        N_(
            "Sorry today was hard, %(name)s. Your plan can help. "
            "Texts are not watched around the clock."
        ),
        reply=True,
    ),
    "ack_goal_step_1": TextKind(N_("Thanks, %(name)s. Next step: %(step)s"), reply=True),
    "ack_goal_step_2": TextKind(N_("That is OK, %(name)s. Try this next: %(step)s"), reply=True),
    "clarify_rating": TextKind(
        N_("Sorry, we could not read that. Please reply with one number from %(low)s to %(high)s."),
        reply=True,
    ),
    "clarify_yes_no": TextKind(
        N_("Sorry, we could not read that. Please reply YES or NO."), reply=True
    ),
    "clarify_choice": TextKind(
        N_("Sorry, we could not read that. Please reply with one of: %(choices)s."), reply=True
    ),
    # Asked when a reply could answer both open questions ("yes" to a check-in and to an
    # appointment notice): nothing is recorded until the client says which (docs/conversation.md).
    "clarify_which": TextKind(
        N_(
            "Sorry, which did you answer? Reply 1 for the check-in question "
            "or 2 for the appointment."
        ),
        reply=True,
    ),
    # "Reply 2 if you want a call": what happens next, truthfully (a task due in business hours).
    "call_back": TextKind(
        N_(
            "Thanks, %(name)s. Your team will call you in business hours, by %(when)s. "
            "Texts are not watched around the clock. If you need help now, call or text 988."
        ),
        reply=True,
    ),
    # -- plan reminders (the line comes from PLAN_LINES, chosen at send time) --
    "plan_reminder": TextKind(N_("%(name)s, from your plan: %(line)s")),
    # -- appointments: time and place only, never what the appointment is --
    "appt_day_before": TextKind(
        N_(
            "Reminder from %(team)s: appointment tomorrow, %(when)s.%(where)s "
            "Reply C to confirm or R to reschedule."
        ),
        budget=2,
    ),
    "appt_same_day": TextKind(
        N_(
            "Reminder from %(team)s: appointment today at %(time)s.%(where)s "
            "Reply C to confirm or R to reschedule."
        ),
        budget=2,
    ),
    "appt_2h": TextKind(N_("Reminder: your appointment is today at %(time)s.%(where)s"), budget=2),
    # Sent only when an earlier text had told the client the old time (services/planning.py).
    "appt_moved": TextKind(
        N_("Update from %(team)s: your appointment has moved to %(when)s.%(where)s"),
        budget=2,
    ),
    "appt_cancelled": TextKind(
        N_(
            "Your appointment on %(when)s is cancelled. %(team)s will contact you about a new time."
        ),
        budget=2,
    ),
    "appt_confirmed": TextKind(
        N_("Thanks, your appointment on %(when)s is confirmed."),
        reply=True,
        budget=2,
    ),
    "appt_reschedule": TextKind(
        N_(
            "Thanks. We will contact you about a new time. Until then, your appointment "
            "on %(when)s stays as planned."
        ),
        reply=True,
        budget=2,
    ),
    # -- replies that need a person now (DOMAIN.md): the client hears back at once --
    "crisis_self_harm": TextKind(
        N_(
            "%(name)s, thank you for telling us. If you might hurt yourself, call or text 988 "
            "now. In an emergency call 911. Your team will be told. "
            "Texts are not watched around the clock."
        ),
        reply=True,
        # It answers the client's own words: it goes even to a client who opted out.
        after_opt_out=True,
    ),
    # Urges: the client's own plan and people, the care team's number, 988. Never a
    # helpline whose number names the program (Stop It Now's spells a word): anyone
    # who reads the lock screen could look it up (DOMAIN.md). Give that in session.
    "crisis_urge": TextKind(
        N_(
            "%(name)s, thank you for telling us. Use the steps in your plan and call someone "
            "on your list. Your team will be told. To reach them call %(phone)s. If you might "
            "hurt yourself, call or text 988. Texts are not watched around the clock."
        ),
        reply=True,
        # It answers the client's own words: it goes even to a client who opted out.
        after_opt_out=True,
        no_phone_template=N_(
            "%(name)s, thank you for telling us. Use the steps in your plan and call someone "
            "on your list. Your team will be told. If you might hurt yourself, call or text "
            "988. Texts are not watched around the clock."
        ),
    ),
    # The same, naming the support contact the plan says may be texted about.
    "crisis_urge_contact": TextKind(
        N_(
            "%(name)s, thank you for telling us. Use the steps in your plan and call "
            "%(contact)s at %(contact_phone)s. Your team will be told. To reach them call "
            "%(phone)s. If you might hurt yourself, call or text 988. "
            "Texts are not watched around the clock."
        ),
        reply=True,
        # It answers the client's own words: it goes even to a client who opted out.
        after_opt_out=True,
        no_phone_template=N_(
            "%(name)s, thank you for telling us. Use the steps in your plan and call "
            "%(contact)s at %(contact_phone)s. Your team will be told. If you might hurt "
            "yourself, call or text 988. Texts are not watched around the clock."
        ),
    ),
    "crisis_contact": TextKind(
        N_(
            "%(name)s, thank you for telling us. Please leave that place now if you can. "
            "Your team will contact you soon. In an emergency call 911. "
            "Texts are not watched around the clock."
        ),
        reply=True,
        # It answers the client's own words: it goes even to a client who opted out.
        after_opt_out=True,
    ),
    "crisis_threat": TextKind(
        N_(
            "%(name)s, thank you for telling us. Your team will contact you soon. If anyone is "
            "in danger, call 911. Texts are not watched around the clock."
        ),
        reply=True,
        # It answers the client's own words: it goes even to a client who opted out.
        after_opt_out=True,
    ),
    "crisis_life_event": TextKind(
        N_(
            "%(name)s, thank you for telling us. Your team will contact you today. If you need "
            "help now, call or text 988. Texts are not watched around the clock."
        ),
        reply=True,
    ),
    # -- alerts to staff: no health details, no surname, only a link to the portal --
    "staff_alert": TextKind(
        N_(
            "Companion: a client on your caseload needs attention. %(link)s "
            "Reply OK %(code)s once you have seen it."
        ),
    ),
    "staff_alert_urgent": TextKind(
        N_(
            "Companion: a client on your caseload needs attention now. %(link)s "
            "Reply OK %(code)s once you have seen it."
        ),
    ),
    # To an officer: the same, naming the release it relies on (issue 15).
    "staff_alert_release": TextKind(
        N_(
            "Companion: a client on your caseload needs attention. Release: %(release)s. "
            "%(link)s Reply OK %(code)s once you have seen it."
        ),
    ),
    "staff_alert_urgent_release": TextKind(
        N_(
            "Companion: a client on your caseload needs attention now. Release: %(release)s. "
            "%(link)s Reply OK %(code)s once you have seen it."
        ),
    ),
    "staff_channel_change": TextKind(
        N_(
            "Companion: a client on your caseload changed how they can be reached by text. %(link)s"
        ),
    ),
    "staff_ack": TextKind(
        N_("Companion: noted, thank you. The alert %(code)s is closed."), reply=True
    ),
    "staff_ack_unknown": TextKind(
        N_("Companion: no open alert of yours has that code. Please check the portal."),
        reply=True,
    ),
    "unknown_sender": TextKind(
        N_("This number cannot read your message. Please contact the person you meant to reach."),
        reply=True,
        after_opt_out=True,
    ),
}


@dataclass(frozen=True)
class AlertEmailWording:
    """An alert email to a staff member: discreet like the SMS; the portal holds the details."""

    subject: str
    body: str


ALERT_EMAILS: dict[bool, AlertEmailWording] = {
    # urgent -> wording
    False: AlertEmailWording(
        subject=N_("Companion alert %(code)s: a client needs attention soon"),
        body=N_(
            "Hello %(name)s,\n\nA client on your caseload needs attention soon.\n"
            "Open the alert: %(link)s\n\n"
            "Acknowledge it there, or text OK %(code)s from your registered phone.\n\n"
            "-- Companion"
        ),
    ),
    True: AlertEmailWording(
        subject=N_("Companion alert %(code)s: a client needs attention now"),
        body=N_(
            "Hello %(name)s,\n\nA client on your caseload needs attention now.\n"
            "Open the alert: %(link)s\n\n"
            "Acknowledge it there, or text OK %(code)s from your registered phone.\n\n"
            "-- Companion"
        ),
    ),
}


# The acknowledgement families (care/acknowledgements.py): each a few wordings of the
# same answer, taken in turn so the client never gets the same words twice in a row.
ACKNOWLEDGEMENTS: dict[str, tuple[str, ...]] = {
    "neutral": ("checkin_thanks", "ack_neutral_2"),
    "good": ("ack_good_1", "ack_good_2", "ack_good_3"),
    "hard_step": ("ack_hard_step_1", "ack_hard_step_2"),
    "hard_contact": ("ack_hard_contact_1", "ack_hard_contact_2"),
    "hard": ("ack_hard_1", "ack_hard_2"),
    "goal_step": ("ack_goal_step_1", "ack_goal_step_2"),
}
ACKNOWLEDGEMENT_KINDS = frozenset(k for kinds in ACKNOWLEDGEMENTS.values() for k in kinds)

# Added to an alert email to an officer: the release the alert relies on.
RELEASE_LINE = N_("Shared with you under the client's release: %(release)s.")

# Put before the next check-in question after a missed one: a nudge, never a reproach.
NUDGE = N_("We missed you last time, no problem.")

# " Place: ..." is appended to appointment notices only when the provider typed one.
WHERE = N_(" Place: %(location)s.")

# One short question per check-in topic (care/topics.py), in neutral words.
QUESTIONS: dict[str, str] = {
    "connected": N_(
        "How connected to other people did you feel today? Reply 0 (not at all) to 10 (very)."
    ),
    "stress": N_("How much stress or anger did you feel today? Reply 0 (none) to 10 (a lot)."),
    "urges": N_("Any unwanted urges today? Reply 0 (none) to 10 (very strong)."),
    "coping": N_(
        "Which step did you use today? Reply A for a walk, B for a call, C for slow breathing."
    ),
    "people": N_(
        "Were you around people today who make it harder to keep to your plan? Reply YES or NO."
    ),
    "stuck": N_("Stuck on something? Reply 1 for tips or 2 if you want a call."),
    "impulsive": N_("How often did you act without thinking today? Reply 0 (never) to 10 (a lot)."),
    "supports": N_("Did you talk to someone on your support list today? Reply YES or NO."),
    "substances": N_("Any alcohol or drugs today? Reply YES or NO."),
    "appointments": N_("Is there an appointment you might miss this week? Reply YES or NO."),
    "plan_conditions": N_("Were you in a situation your plan says to avoid? Reply YES or NO."),
    # Strengths: what went well, in the client's own terms.
    "good_moment": N_("Did you have a good moment today? Reply YES or NO."),
    "step_done": N_("Did you use a step from your plan today? Reply YES or NO."),
    # %(goal)s is an approach goal as the provider typed it (care/plan.py), or GOAL_FALLBACK.
    "goal": N_("Did you take a step toward %(goal)s today? Reply YES or NO."),
}
# The goal question's words when no goal is given (a preview, a test of every question).
GOAL_FALLBACK = N_("your goal")

# The "simple words" variant (a client setting): shorter words and an explicit
# "Send ..." for the check-in questions and the clarifying replies. Where a kind
# or topic has none, the usual text is used.
SIMPLE_QUESTIONS: dict[str, str] = {
    "connected": N_("Did you feel close to people today? Send a number: 0 = no, 10 = very close."),
    "stress": N_("Were you upset or angry today? Send a number: 0 = not at all, 10 = very."),
    "urges": N_("Did you have urges you did not want today? Send a number: 0 = none, 10 = strong."),
    "coping": N_("What helped you today? Send A for a walk, B for a call, C for slow breaths."),
    "people": N_("Were you with people who make your plan hard today? Send YES or NO."),
    "stuck": N_("Need help with something? Send 1 for tips or 2 for a call."),
    "impulsive": N_(
        "Did you do things without thinking today? Send a number: 0 = never, 10 = a lot."
    ),
    "supports": N_("Did you talk to a person on your support list today? Send YES or NO."),
    "substances": N_("Did you drink or use drugs today? Send YES or NO."),
    "appointments": N_("Could you miss an appointment this week? Send YES or NO."),
    "plan_conditions": N_("Were you somewhere your plan says to stay away from? Send YES or NO."),
}
SIMPLE_TEMPLATES: dict[str, str] = {
    "clarify_rating": N_("We did not understand. Send one number from %(low)s to %(high)s."),
    "clarify_yes_no": N_("We did not understand. Send YES or NO."),
    "clarify_choice": N_("We did not understand. Send one of: %(choices)s."),
}

# How each kind of plan line reads in a reminder (care/plan.py reminder_lines).
PLAN_LINES: dict[str, str] = {
    "warning_sign": N_("when you notice %(sign)s: %(step)s."),
    "thought": N_("remember, %(thought)s."),
    "coping": N_("when %(trigger)s: %(steps)s."),
    "support": N_("you can call %(contact)s at %(contact_phone)s."),
    "goal": N_("your goal is %(goal)s. Next step: %(step)s."),
    "avoid": N_("stay away from %(situation)s."),
    "control": N_("%(condition)s."),
}
