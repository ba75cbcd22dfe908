"""Whole numbers from query strings and forms.

str.isdigit() accepts "²" and other Unicode digits that int() refuses, and a
number past the id column's limit overflows PostgreSQL's integer: both were
500s (issue 11 item 8). Only ASCII digits, at most `high`.
"""
from engine.models import MAX_ID


def whole_number(raw: str | None, high: int = MAX_ID) -> int | None:
    """The number written, or None if it is not a whole number from 0 to high."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 12 or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= high else None


def date_from_parts(form, name: str):
    """A real date from a GOV.UK date input (name-day, name-month, name-year), or None."""
    from datetime import date
    parts = [whole_number(form.get(f"{name}-{part}"), 9999) for part in ("day", "month", "year")]
    if None in parts or not 1900 <= parts[2] <= 2100:
        return None
    try:
        return date(parts[2], parts[1], parts[0])
    except ValueError:
        return None
