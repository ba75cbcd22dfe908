"""The database keeps naive UTC; people and the rules see Europe/London."""
from datetime import datetime, timezone

from processes.clock import LONDON, as_london


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_db(value) -> datetime | None:
    """Any datetime or ISO string (naive = London) → naive UTC for storage."""
    if value is None or value == "":
        return None
    return as_london(value).astimezone(timezone.utc).replace(tzinfo=None)


def from_db(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(LONDON)
