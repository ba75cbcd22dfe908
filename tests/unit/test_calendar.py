"""Working days, bank holidays, clock helpers and meeting calendars.

Every date below was checked against the 2021-2025 calendars and the GOV.UK
bank holiday list for England and Wales.
"""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from freezegun import freeze_time

from processes import clock
from processes.calendar import (JARP_MEETINGS, MeetingCalendar, add_working_days, deadline_at,
                                is_working_day, next_working_day, previous_working_day,
                                working_days_between)

D = date.fromisoformat


# --- clock -----------------------------------------------------------------

@freeze_time("2025-06-06 12:00:00")  # UTC; London is on BST
def test_now_is_aware_london_time():
    assert clock.now() == datetime(2025, 6, 6, 13, 0, tzinfo=clock.LONDON)
    assert clock.now().utcoffset().total_seconds() == 3600


def test_as_london_accepts_naive_aware_and_strings():
    assert clock.as_london(datetime(2025, 1, 10, 14, 0)) == datetime(2025, 1, 10, 14, 0, tzinfo=clock.LONDON)
    assert clock.as_london("2025-06-13T13:30:00+00:00").isoformat() == "2025-06-13T14:30:00+01:00"
    assert clock.as_london("2025-06-13T13:30:00Z").hour == 14
    assert clock.as_london("2025-06-13T14:30:00").isoformat() == "2025-06-13T14:30:00+01:00"
    assert clock.as_london("2025-01-10").isoformat() == "2025-01-10T00:00:00+00:00"
    assert clock.as_london(D("2025-01-10")).isoformat() == "2025-01-10T00:00:00+00:00"
    with pytest.raises(TypeError):
        clock.as_london(20250110)


def test_as_date_uses_the_london_calendar_date():
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    assert clock.as_date(datetime(2025, 6, 30, 23, 30, tzinfo=timezone.utc)) == D("2025-07-01")
    assert clock.as_date("2025-06-30T23:30:00+00:00") == D("2025-07-01")
    assert clock.as_date("2025-12-31T23:30:00+00:00") == D("2025-12-31")  # GMT in winter
    assert clock.as_date(D("2025-04-18")) == D("2025-04-18")
    assert clock.as_date("2025-04-18") == D("2025-04-18")


# --- bank holidays ---------------------------------------------------------

@pytest.mark.parametrize("day", [
    "2021-12-27", "2021-12-28",  # Sat 25 / Sun 26 Dec 2021: Mon and Tue substitutes
    "2022-12-26", "2022-12-27",  # Sun 25 Dec 2022: Boxing Day Mon, Christmas substitute Tue
    "2022-01-03",                # Sat 1 Jan 2022: Mon substitute
    "2025-04-18", "2025-04-21",  # Good Friday, Easter Monday
    "2025-05-05", "2025-05-26",  # early May, spring bank holiday
    "2025-12-25", "2025-12-26",
    "2022-06-02", "2022-06-03",  # moved spring holiday, Platinum Jubilee
])
def test_bank_holidays_are_not_working_days(day):
    assert not is_working_day(D(day))


@pytest.mark.parametrize("day", ["2021-12-24", "2021-12-29", "2022-12-28", "2025-04-17",
                                 "2025-04-22", "2025-05-06", "2025-05-27", "2025-12-24"])
def test_ordinary_weekdays_are_working_days(day):
    assert is_working_day(D(day))


def test_weekends_are_not_working_days():
    assert not is_working_day(D("2025-01-11"))  # Saturday
    assert not is_working_day("2025-01-12T10:00:00")  # Sunday, as an ISO string
    assert is_working_day(datetime(2025, 1, 13, 9, 0))  # Monday


# --- adding and counting working days --------------------------------------

@pytest.mark.parametrize("start, n, expected", [
    ("2021-12-24", 1, "2021-12-29"),  # over Christmas 2021 and both substitutes
    ("2021-12-23", 2, "2021-12-29"),
    ("2022-12-23", 1, "2022-12-28"),  # over Boxing Day and the Tue 27 Dec substitute
    ("2025-04-17", 1, "2025-04-22"),  # over Good Friday and Easter Monday
    ("2025-04-16", 3, "2025-04-23"),
    ("2025-05-02", 1, "2025-05-06"),  # over the early May bank holiday
    ("2025-05-23", 1, "2025-05-27"),  # over the spring bank holiday
    ("2025-01-10", 1, "2025-01-13"),  # plain weekend
    ("2025-01-13", 5, "2025-01-20"),
    ("2025-01-11", 1, "2025-01-13"),  # event on a Saturday: Monday is day 1
    ("2025-04-19", 1, "2025-04-22"),  # event on Easter Saturday
    ("2025-04-19", 0, "2025-04-19"),  # n=0 leaves the date alone, even a holiday weekend
    ("2025-01-14", 0, "2025-01-14"),
    ("2025-04-22", -1, "2025-04-17"),  # backwards over Easter
    ("2021-12-29", -1, "2021-12-24"),
    ("2025-01-13", -1, "2025-01-10"),
])
def test_add_working_days(start, n, expected):
    assert add_working_days(D(start), n) == D(expected)


def test_add_working_days_takes_datetimes_and_strings():
    assert add_working_days("2025-04-17T16:59:00+01:00", 1) == D("2025-04-22")
    # 23:30 UTC on Wed 16 Apr is already Thursday in London, so day 1 is after Easter.
    assert add_working_days(datetime(2025, 4, 16, 23, 30, tzinfo=timezone.utc), 1) == D("2025-04-22")
    assert add_working_days(datetime(2025, 4, 16, 22, 30, tzinfo=timezone.utc), 1) == D("2025-04-17")


@pytest.mark.parametrize("start, end, expected", [
    ("2025-04-17", "2025-04-22", 1),
    ("2025-04-17", "2025-04-17", 0),
    ("2025-04-22", "2025-04-17", -1),
    ("2021-12-24", "2021-12-31", 3),   # 29, 30, 31 Dec
    ("2021-12-31", "2021-12-24", -3),
    ("2025-05-02", "2025-05-09", 4),   # Tue 6 to Fri 9 May
    ("2025-01-10", "2025-01-11", 0),   # Friday to Saturday
    ("2025-01-10", "2025-01-13", 1),
    ("2025-01-13", "2025-01-10", -1),  # one working day overdue on Monday
    ("2025-01-06", "2025-01-20", 10),
])
def test_working_days_between(start, end, expected):
    assert working_days_between(D(start), D(end)) == expected


def test_working_days_between_inverts_add_working_days_on_working_days():
    start = D("2025-04-14")
    for n in range(-15, 16):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_next_and_previous_working_day():
    assert next_working_day(D("2021-12-25")) == D("2021-12-29")
    assert next_working_day(D("2025-04-18")) == D("2025-04-22")
    assert next_working_day(D("2025-04-17")) == D("2025-04-17")
    assert previous_working_day(D("2021-12-28")) == D("2021-12-24")
    assert previous_working_day(D("2025-05-05")) == D("2025-05-02")
    assert previous_working_day(D("2025-05-06")) == D("2025-05-06")


def test_deadline_at_is_close_of_office_london_time():
    assert deadline_at(D("2025-04-17"), 1) == datetime(2025, 4, 22, 17, 0, tzinfo=clock.LONDON)
    assert deadline_at("2025-04-17T10:00:00", 1).isoformat() == "2025-04-22T17:00:00+01:00"
    assert deadline_at(D("2022-12-23"), 3).isoformat() == "2022-12-30T17:00:00+00:00"
    assert deadline_at(D("2025-01-10"), 3, at=time(12, 0)).isoformat() == "2025-01-15T12:00:00+00:00"


# --- meeting calendars -----------------------------------------------------

def test_jarp_meets_tuesdays_at_half_past_nine():
    assert JARP_MEETINGS.sittings(D("2025-01-01"), D("2025-01-31")) == [
        D("2025-01-07"), D("2025-01-14"), D("2025-01-21"), D("2025-01-28")]
    assert JARP_MEETINGS.starts_at(D("2025-01-14")).isoformat() == "2025-01-14T09:30:00+00:00"
    assert JARP_MEETINGS.starts_at(D("2025-06-10")).isoformat() == "2025-06-10T09:30:00+01:00"


def test_sittings_respect_cancelled_and_moved_dates():
    cal = MeetingCalendar(weekday=1, at=time(9, 30),
                          cancelled=frozenset({D("2025-01-21")}),
                          moved={D("2025-01-28"): D("2025-01-29"), D("2025-02-04"): D("2025-01-31")})
    assert cal.sittings(D("2025-01-01"), D("2025-01-31")) == [
        D("2025-01-07"), D("2025-01-14"), D("2025-01-29"), D("2025-01-31")]
    # The 4 Feb sitting moved out of February into January.
    assert cal.sittings(D("2025-02-01"), D("2025-02-14")) == [D("2025-02-11")]
    assert cal.sittings(D("2025-01-15"), D("2025-01-14")) == []
    assert cal.original_date(D("2025-01-29")) == D("2025-01-28")
    assert cal.original_date(D("2025-01-14")) == D("2025-01-14")


def test_cancelled_beats_moved():
    cal = MeetingCalendar(weekday=1, at=time(9, 30), cancelled=frozenset({D("2025-01-21")}),
                          moved={D("2025-01-21"): D("2025-01-22")})
    assert cal.sittings(D("2025-01-20"), D("2025-01-27")) == []
    assert cal.next_sitting(D("2025-01-15")) == D("2025-01-28")


def test_next_sitting_and_sitting_after():
    assert JARP_MEETINGS.next_sitting(D("2025-01-14")) == D("2025-01-14")
    assert JARP_MEETINGS.next_sitting(D("2025-01-14"), inclusive=False) == D("2025-01-21")
    assert JARP_MEETINGS.next_sitting("2025-01-15T08:00:00") == D("2025-01-21")
    assert JARP_MEETINGS.sitting_after(D("2025-01-14")) == D("2025-01-21")
    assert JARP_MEETINGS.sitting_after(D("2025-01-13")) == D("2025-01-14")
    cal = MeetingCalendar(weekday=1, at=time(9, 30), cancelled=frozenset({D("2025-01-21")}))
    assert cal.sitting_after(D("2025-01-14")) == D("2025-01-28")
    assert cal.next_sitting(D("2025-01-21")) == D("2025-01-28")


def test_next_sitting_finds_a_meeting_moved_earlier():
    cal = MeetingCalendar(weekday=1, at=time(9, 30), moved={D("2025-01-21"): D("2025-01-20")})
    assert cal.next_sitting(D("2025-01-15")) == D("2025-01-20")
    assert cal.sitting_after(D("2025-01-20")) == D("2025-01-28")


def test_calendar_rejects_dates_that_are_not_regular_sittings():
    with pytest.raises(ValueError, match="2025-01-22"):
        MeetingCalendar(weekday=1, at=time(9, 30), cancelled=frozenset({D("2025-01-22")}))
    with pytest.raises(ValueError, match="2025-01-23"):
        MeetingCalendar(weekday=1, at=time(9, 30), moved={D("2025-01-23"): D("2025-01-24")})


def test_next_sitting_gives_up_after_a_year_of_cancellations():
    year = frozenset(D("2025-01-07") + timedelta(weeks=i) for i in range(60))
    cal = MeetingCalendar(weekday=1, at=time(9, 30), cancelled=year)
    with pytest.raises(LookupError):
        cal.next_sitting(D("2025-01-01"))
