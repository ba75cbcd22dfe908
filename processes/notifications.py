"""Who is told what, and when (issue 13; 004 Cover Arrangements, Panels
Appendix A "distributed to members the same day", "notify the unit").

Pure rules: the kinds of notification, how each person may choose to get
them, when a daily digest goes, how a failing e-mail is retried, and the
words of a message.  E-mails never carry a child's name (the handbook warns
records "could end up in the public domain"): the case reference, what to
do, the due date and a link.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from . import calendar, clock

# Kinds, in the order the preferences page lists them.
TASK_READY = "task_ready"
TASK_ASSIGNED = "task_assigned"
DECISION = "decision"
TASK_DUE = "task_due"
TEAM_OVERDUE = "team_overdue"
JARP_AGENDA = "jarp_agenda"

KINDS = {
    TASK_READY: "A task I can act on is ready",
    TASK_ASSIGNED: "A task is assigned to me or taken from me",
    DECISION: "A decision about a case of my unit was made",
    TASK_DUE: "A task of mine is due tomorrow or overdue",
    TEAM_OVERDUE: "A task in my area is overdue by 2 working days (managers)",
    JARP_AGENDA: "Friday's JARP agenda is ready (JARP members)",
}

# How a person gets a kind.
NOW, DIGEST, APP = "now", "digest", "app"
DELIVERIES = {
    NOW: "By e-mail at once",
    DIGEST: "In a daily e-mail at 8:30am on working days",
    APP: "In caseflow only",
}
# What a person gets before choosing: at once for what asks something of
# them now; the slower reminders in the morning digest.
DEFAULTS = {TASK_READY: NOW, TASK_ASSIGNED: NOW, DECISION: NOW, TASK_DUE: DIGEST,
            TEAM_OVERDUE: DIGEST, JARP_AGENDA: NOW}

DIGEST_AT = time(8, 30)          # office hours open (processes/calendar.py)
JARP_AGENDA_AT = time(14, 0)     # Friday, after the 12:00 cut-off (Panels §6, Appendix A step 2)
TEAM_OVERDUE_WORKING_DAYS = 2
# A message that has failed this long is shown on the managers' dashboard.
FAILING_AFTER = timedelta(hours=24)
# Retries: 1, 2, 4 … minutes, at most an hour apart.
_FIRST_RETRY = timedelta(minutes=1)
_LONGEST_WAIT = timedelta(hours=1)


def delivery_for(kind: str, chosen: dict[str, str]) -> str:
    """The person's choice for `kind`, or its default."""
    value = chosen.get(kind)
    return value if value in DELIVERIES else DEFAULTS[kind]


def retry_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure (1, 2, 4 … minutes, capped at an hour)."""
    return min(_FIRST_RETRY * (2 ** max(attempts - 1, 0)), _LONGEST_WAIT)


def digest_due(now: datetime, last_sent_on) -> bool:
    """The daily digest goes at 8:30am on working days, once a day."""
    local = clock.as_london(now)
    return (calendar.is_working_day(local) and local.time() >= DIGEST_AT
            and (last_sent_on is None or clock.as_date(last_sent_on) < local.date()))


def due_tomorrow(due_at, now: datetime) -> bool:
    """Due on the next working day: the reminder the day before."""
    today = clock.as_london(now).date()
    return clock.as_date(due_at) == calendar.add_working_days(today, 1)


def overdue_by(due_at, now: datetime) -> int:
    """Whole working days past the due date (0 if not past it)."""
    due, today = clock.as_date(due_at), clock.as_london(now).date()
    return calendar.working_days_between(due, today) if today > due else 0


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def task_ready(task_name: str, reference: str | None, due_at, link: str) -> Message:
    return Message(f"Task ready: {task_name}" + (f" (case {reference})" if reference else ""),
                   _body(f"A task you can act on is ready: {task_name}.", reference, due_at, link))


def task_assigned(task_name: str, reference: str | None, due_at, link: str, given: bool, by: str) -> Message:
    if given:
        return Message(f"Task assigned to you: {task_name}" + (f" (case {reference})" if reference else ""),
                       _body(f"{by} gave you a task: {task_name}.", reference, due_at, link))
    return Message(f"Task taken from you: {task_name}" + (f" (case {reference})" if reference else ""),
                   _body(f"{by} gave your task to someone else: {task_name}. You need do nothing more on it.",
                         reference, None, link))


def decision(what: str, outcome: str | None, reference: str | None, link: str) -> Message:
    said = f"{what}: {outcome}." if outcome else f"{what}."
    return Message(f"Decision made: {what}" + (f" (case {reference})" if reference else ""),
                   _body(f"A decision about a case of your unit was made. {said}", reference, None, link))


def task_due(task_name: str, reference: str | None, due_at, link: str, overdue: bool) -> Message:
    state = "is overdue" if overdue else "is due tomorrow"
    return Message(f"{'Overdue' if overdue else 'Due tomorrow'}: {task_name}",
                   _body(f"A task of yours {state}: {task_name}.", reference, due_at, link))


def team_overdue(task_name: str, reference: str | None, due_at, link: str, days: int) -> Message:
    return Message(f"Overdue by {days} working days: {task_name}",
                   _body(f"A task in your area is overdue by {days} working days: {task_name}.",
                         reference, due_at, link))


def jarp_agenda(sitting, count: int, link: str) -> Message:
    day = clock.long_date(sitting)
    cases = "1 referral" if count == 1 else f"{count} referrals"
    return Message(f"JARP agenda for {day}",
                   _body(f"The agenda for the JARP meeting on {day} is ready: {cases}. "
                         "Read the summaries before the meeting.", None, None, link))


def digest(notifications: list[tuple[str, str]], link: str) -> Message:
    """One e-mail for the day's waiting notifications: (subject, link) each."""
    lines = [f"- {subject}\n  {item_link}" for subject, item_link in notifications]
    count = "1 thing" if len(lines) == 1 else f"{len(lines)} things"
    return Message(f"caseflow: {count} for you today",
                   f"Good morning. caseflow has {count} for you:\n\n" + "\n".join(lines)
                   + f"\n\nAll your notifications: {link}\n")


def _body(first: str, reference: str | None, due_at, link: str) -> str:
    lines = [first]
    if reference:
        lines.append(f"Case reference: {reference}")
    if due_at is not None:
        lines.append(f"Due: {clock.long_date(due_at)}")
    lines.append(f"Open it in caseflow: {link}")
    return "\n".join(lines) + "\n"
