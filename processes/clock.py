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


def as_date(value) -> date:
    """The London calendar date of a date, datetime or ISO string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return as_london(value).date()
