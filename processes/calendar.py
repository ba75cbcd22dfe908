"""Working days and meeting calendars (PROCESS-RULES §0, Cover Arrangements §1).

A working day is Monday to Friday and not a bank holiday in England and Wales;
office hours are 08:30-17:00.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from . import clock

OFFICE_OPENS = time(8, 30)
OFFICE_CLOSES = time(17, 0)
_DAY = timedelta(days=1)


@lru_cache(maxsize=None)
def _bank_holidays(year: int) -> frozenset[date]:
    # The package includes the substitute ("observed") days, e.g. Tue 27 Dec 2022.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(d) -> bool:
    """Monday to Friday and not an English bank holiday (substitute days included)."""
    d = clock.as_date(d)
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def next_working_day(d) -> date:
    """d itself if it is a working day, otherwise the next working day."""
    d = clock.as_date(d)
    while not is_working_day(d):
        d += _DAY
    return d


def previous_working_day(d) -> date:
    """d itself if it is a working day, otherwise the last working day before it."""
    d = clock.as_date(d)
    while not is_working_day(d):
        d -= _DAY
    return d


def add_working_days(start, n: int) -> date:
    """The n-th working day after start's date (before it if n < 0).

    "Deadlines in N working days count whole working days after the day of the
    event" (§0): the day of the event never counts, whatever day it is; n=0
    gives start's date unchanged.
    """
    d = clock.as_date(start)
    step = _DAY if n > 0 else -_DAY
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d):
            remaining -= 1
    return d


def working_days_between(start, end) -> int:
    """Working days after start's date up to and including end's date.

    0 on the same date. If end is before start the result is negative:
    -working_days_between(end, start), i.e. how many working days late end is
    ("overdue by N working days" is -working_days_between(today, deadline)).
    """
    s, e = clock.as_date(start), clock.as_date(end)
    if e < s:
        return -working_days_between(e, s)
    count, d = 0, s
    while d < e:
        d += _DAY
        count += is_working_day(d)
    return count


def deadline_at(start, n: int, at: time = OFFICE_CLOSES) -> datetime:
    """Close of office (17:00 London) on the n-th working day after start."""
    return datetime.combine(add_working_days(start, n), at, tzinfo=clock.LONDON)


@dataclass(frozen=True)
class MeetingCalendar:
    """A weekly meeting on `weekday` (0=Monday) at `at`, London time.

    `cancelled` holds regular dates that will not sit; `moved` maps a regular
    date to the date it sits on instead. Both are keyed by the regular
    (original) date; a date both cancelled and moved counts as cancelled.
    """

    weekday: int
    at: time
    cancelled: frozenset[date] = frozenset()
    moved: dict[date, date] = field(default_factory=dict)

    def __post_init__(self):
        for d in (*self.cancelled, *self.moved):
            if d.weekday() != self.weekday:
                raise ValueError(f"{d.isoformat()} is not a regular sitting day")

    def sittings(self, start_date, end_date) -> list[date]:
        """Actual sitting dates from start_date to end_date inclusive, sorted."""
        start, end = clock.as_date(start_date), clock.as_date(end_date)
        found = {new for old, new in self.moved.items()
                 if old not in self.cancelled and start <= new <= end}
        d = start + timedelta(days=(self.weekday - start.weekday()) % 7)
        while d <= end:
            if d not in self.cancelled and d not in self.moved:
                found.add(d)
            d += timedelta(weeks=1)
        return sorted(found)

    def next_sitting(self, after, inclusive: bool = True) -> date:
        """The first sitting on (or, if not inclusive, strictly after) the date."""
        d = clock.as_date(after) + (timedelta(0) if inclusive else _DAY)
        # Search in eight-week windows; a year of cancellations means a data error.
        for _ in range(7):
            found = self.sittings(d, d + timedelta(weeks=8) - _DAY)
            if found:
                return found[0]
            d += timedelta(weeks=8)
        raise LookupError(f"no sitting within a year of {clock.as_date(after).isoformat()}")

    def sitting_after(self, d) -> date:
        """The first sitting strictly after the date."""
        return self.next_sitting(d, inclusive=False)

    def original_date(self, sitting) -> date:
        """The regular date a sitting stands for (itself unless it was moved)."""
        sitting = clock.as_date(sitting)
        return next((old for old, new in self.moved.items()
                     if new == sitting and old not in self.cancelled), sitting)

    def starts_at(self, sitting) -> datetime:
        """The sitting's start as an aware London datetime."""
        return datetime.combine(clock.as_date(sitting), self.at, tzinfo=clock.LONDON)


# Panels §6: JARP meets weekly, Tuesday 09:30-11:00.
JARP_MEETINGS = MeetingCalendar(weekday=1, at=time(9, 30))
