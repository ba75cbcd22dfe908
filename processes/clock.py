"""Time helpers: every domain rule works in Europe/London local time.

BPMN task data stores datetimes as ISO-8601 strings, so the helpers accept
strings as well as dates and (naive or aware) datetimes.
"""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current time, aware, in Europe/London."""
    # datetime.now(tz) rather than utcnow() so freezegun can freeze it.
    return datetime.now(LONDON)


def as_london(value) -> datetime:
    """An aware London datetime from an aware/naive datetime, a date or an ISO string.

    Naive values are taken as London local time; a bare date means midnight.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=LONDON)
        return value.astimezone(LONDON)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=LONDON)
    raise TypeError(f"expected a date, datetime or ISO string, not {type(value).__name__}")


# How every page, letter and message writes a day and a time (GOV.UK style):
# "Tuesday 8 December 2026", "Tuesday 8 December 2026 at 14:00".
DATE = "%A %-d %B %Y"
DATE_TIME = DATE + " at %H:%M"


def long_date(value) -> str:
    """A day in words: "Tuesday 8 December 2026" (naive times are London's)."""
    return as_date(value).strftime(DATE)


def long_time(value) -> str:
    """A moment in words: "Tuesday 8 December 2026 at 14:00" (naive times are London's)."""
    return as_london(value).strftime(DATE_TIME)


def as_date(value) -> date:
    """The London calendar date of a date, datetime or ISO string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return as_london(value).date()
