"""The Adoption and Fostering Panel calendar: the Panel Manager publishes it,
units read it, the Panel Advisor orders the reserve list (Panels §4 and §5)."""
from datetime import date, datetime

from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, PanelSitting

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import open_task
from .panel_steps import BOOKING_DAY, FEB, add_cases, book, bookings, publish


def dates(client, slug="adoption", year=2027):
    rows = page(client.get(f"/panels/{slug}?year={year}")).select("#sittings tbody tr")
    return [r["data-sitting"] for r in rows]


@freeze_time(BOOKING_DAY)
def test_the_panel_manager_publishes_a_year_of_monthly_dates_with_deadlines(client, app):
    publish(client)
    sign_in(client, "panel-manager")
    assert dates(client) == [f"2027-{m:02d}-{d:02d}" for m, d in (
        (1, 6), (2, 3), (3, 3), (4, 7), (5, 5), (6, 2), (7, 7), (8, 4), (9, 1), (10, 6), (11, 3), (12, 1))]
    row = page(client.get("/panels/adoption?year=2027")).select_one('tr[data-sitting="2027-02-03"]')
    assert "17:00, 13 January 2027" in row.get_text(" ") and "0 of 6" in row.get_text(" ")
    # publishing again leaves the published dates alone
    response = client.post("/panels/adoption/timetable", data={
        "year": "2027", "weekday": "2", "week": "1", "deadline_working_days": "15"}, follow_redirects=True)
    assert "0 Adoption Panel dates were published for 2027. 12 already published" in text(response)
    # the Fostering Panel has its own calendar, eight places a date
    assert dates(client, "fostering") == []
    client.post("/panels/fostering/timetable", data={
        "year": "2027", "weekday": "3", "week": "-1", "deadline_working_days": "10"})
    assert dates(client, "fostering")[0] == "2027-01-28"
    assert "0 of 8" in page(client.get("/panels/fostering?year=2027")).select_one("#sittings tbody tr").get_text(" ")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "panel.timetable_published")).first()
        assert event.actor_name == "Demo Panel Manager" and len(event.detail["dates"]) == 12


@freeze_time(BOOKING_DAY)
def test_an_extra_date_is_added_and_bad_dates_are_explained(client, app):
    sign_in(client, "panel-manager")
    response = client.post("/panels/adoption/dates", data={
        "sitting_on-day": "17", "sitting_on-month": "2", "sitting_on-year": "2027",
        "papers_deadline-day": "3", "papers_deadline-month": "2", "papers_deadline-year": "2027",
        "extra": "yes", "note": "Extra date for a sibling group."})
    assert response.status_code == 302
    row = page(client.get("/panels/adoption?year=2027")).select_one('tr[data-sitting="2027-02-17"]')
    assert "Extra date" in row.get_text(" ")
    again = client.post("/panels/adoption/dates", data={
        "sitting_on-day": "17", "sitting_on-month": "2", "sitting_on-year": "2027",
        "papers_deadline-day": "3", "papers_deadline-month": "2", "papers_deadline-year": "2027", "extra": "no"})
    assert again.status_code == 400
    assert error_summary(again) == ["The Adoption Panel already has a date on Wednesday 17 February 2027."]
    backwards = client.post("/panels/adoption/dates", data={
        "sitting_on-day": "10", "sitting_on-month": "3", "sitting_on-year": "2027",
        "papers_deadline-day": "11", "papers_deadline-month": "3", "papers_deadline-year": "2027", "extra": "no"})
    assert error_summary(backwards) == ["The papers deadline must be before the Panel date."]
    # a Panel sits on a working day (issue 12 item 19)
    for (d, m), why in (((6, 2), "Saturday 6 February 2027 is a weekend"),
                        ((29, 3), "Monday 29 March 2027 is a bank holiday")):
        refused = client.post("/panels/adoption/dates", data={
            "sitting_on-day": str(d), "sitting_on-month": str(m), "sitting_on-year": "2027",
            "papers_deadline-day": "1", "papers_deadline-month": "2", "papers_deadline-year": "2027", "extra": "yes"})
        assert refused.status_code == 400
        assert error_summary(refused) == [f"{why}: a Panel sits on a working day. Choose another date."]
    assert dates(client) == ["2027-02-17"]
    empty = client.post("/panels/adoption/dates", data={})
    assert empty.status_code == 400
    assert error_summary(empty) == ["Enter the Panel date", "Enter the papers deadline",
                                    "Select whether this is an extra date"]
    bad = client.post("/panels/adoption/timetable", data={"year": "twenty", "weekday": "9", "week": "1",
                                                          "deadline_working_days": "0"})
    assert bad.status_code == 400 and len(error_summary(bad)) == 3


@freeze_time(BOOKING_DAY)
def test_units_read_the_calendar_but_cannot_change_it_or_read_agendas(client, app):
    publish(client)
    book(client, app, "CIN-0001")
    sign_in(client, "social-worker")
    calendar = client.get("/panels/adoption?year=2027")
    assert calendar.status_code == 200
    assert page(calendar).select("form") == [page(calendar).select_one("header form")]   # sign out only
    mine = page(calendar).select_one("#bookings").get_text(" ", strip=True)
    assert "CIN-0001" in mine and "Wednesday 3 February 2027" in mine
    assert client.post("/panels/adoption/timetable", data={"year": "2028"}).status_code == 403
    assert client.post("/panels/adoption/dates", data={}).status_code == 403
    assert client.get("/panels/adoption/dates/2027-02-03").status_code == 403
    assert client.post("/panels/adoption/dates/2027-02-03/reserve", data={}).status_code == 403
    client.post("/sign-out")
    # another unit does not see CIN Unit 1's booking
    sign_in(client, "social-worker-lac")
    assert page(client.get("/panels/adoption?year=2027")).select_one("#bookings") is None
    client.post("/sign-out")
    sign_in(client, "panel-chair")
    assert client.get("/panels/adoption/dates/2027-02-03").status_code == 200
    assert client.get("/panels/adoption/dates/2027-02-04").status_code == 404
    assert client.get("/panels/adoption/dates/not-a-date").status_code == 404
    assert client.get("/panels/kinship").status_code == 404
    assert client.get("/panels/adoption?year=soon").status_code == 404


@freeze_time(BOOKING_DAY)
def test_a_date_with_bookings_cannot_be_cancelled_and_an_empty_one_can(client, app):
    publish(client)
    book(client, app, "CIN-0001")
    sign_in(client, "panel-manager")
    refused = client.post("/panels/adoption/dates/2027-02-03/cancel", data={"cancel_reason": "Chair ill."})
    assert refused.status_code == 400
    assert error_summary(refused) == ["1 case is booked or on the reserve list for this date: they must be "
                                      "cancelled or moved first."]
    assert error_summary(client.post("/panels/adoption/dates/2027-03-03/cancel", data={})) == [
        "Enter why the date is cancelled"]
    done = client.post("/panels/adoption/dates/2027-03-03/cancel", data={"cancel_reason": "Room unavailable."})
    assert done.status_code == 302
    row = page(client.get("/panels/adoption?year=2027")).select_one('tr[data-sitting="2027-03-03"]')
    assert "Cancelled" in row.get_text(" ") and "Room unavailable." in row.get_text(" ")
    client.post("/sign-out")
    # a cancelled date takes no bookings: the next date with room is April
    add_cases(app, 5)
    for ref in [f"PAN-{i:04d}" for i in range(1, 6)]:
        book(client, app, ref)
    book(client, app, "CIN-0002")
    assert bookings(app, "CIN-0002") == [("CIN-0002", "reserve", FEB, 1), ("CIN-0002", "booked", date(2027, 4, 7), None)]
    with app.app_context():
        assert db.session.scalar(select(PanelSitting.booked).where(PanelSitting.sitting_on == date(2027, 3, 3))) == 0


@freeze_time(BOOKING_DAY)
def test_the_panel_advisor_reorders_the_reserve_list_with_a_reason(client, app):
    publish(client)
    refs = add_cases(app, 6)
    for ref in refs:
        book(client, app, ref)
    book(client, app, "CIN-0001")
    book(client, app, "LAC-0001", "csw-lac")
    sign_in(client, "panel-advisor")
    agenda = page(client.get("/panels/adoption/dates/2027-02-03"))
    assert [r.select("td")[1].get_text(" ", strip=True).split()[0]
            for r in agenda.select("table.reserve tbody tr")] == ["CIN-0001", "LAC-0001"]
    lac = next(i["value"] for i in agenda.select("input[name=booking]")
               if "LAC-0001" in agenda.select_one(f'label[for="{i["id"]}"]').get_text())
    missing = client.post("/panels/adoption/dates/2027-02-03/reserve", data={"booking": lac, "position": "1"})
    assert missing.status_code == 400
    assert error_summary(missing) == ["Enter why the case moves on the reserve list"]
    too_far = client.post("/panels/adoption/dates/2027-02-03/reserve",
                          data={"booking": lac, "position": "5", "reason": "x"})
    assert error_summary(too_far) == ["The position must be between 1 and 2."]
    done = client.post("/panels/adoption/dates/2027-02-03/reserve", data={
        "booking": lac, "position": "1", "reason": "Final hearing listed for February: the Court needs the decision."})
    assert done.status_code == 302
    agenda = page(client.get("/panels/adoption/dates/2027-02-03"))
    assert [r.select("td")[1].get_text(" ", strip=True).split()[0]
            for r in agenda.select("table.reserve tbody tr")] == ["LAC-0001", "CIN-0001"]
    client.post("/sign-out")
    # the reason is in the moved case's audit trail
    sign_in(client, "csw-lac")
    from .jarp_steps import case_id
    assert "Final hearing listed for February" in text(client.get(f"/cases/{case_id(app, 'LAC-0001')}"))
    client.post("/sign-out")
    # only the Panel Advisor may reorder
    sign_in(client, "panel-manager")
    assert client.post("/panels/adoption/dates/2027-02-03/reserve", data={
        "booking": lac, "position": "2", "reason": "x"}).status_code == 403


@freeze_time(BOOKING_DAY)
def test_absurd_dates_are_refused_in_plain_words_never_a_server_error(client, app):
    publish(client)
    sign_in(client, "panel-manager")
    far = client.post("/panels/adoption/dates", data={
        "sitting_on-day": "31", "sitting_on-month": "12", "sitting_on-year": "2090",
        "papers_deadline-day": "1", "papers_deadline-month": "12", "papers_deadline-year": "2090", "extra": "no"})
    assert far.status_code == 400 and error_summary(far) == ["Publish dates up to three years ahead."]
    old = client.post("/panels/adoption/dates", data={
        "sitting_on-day": "1", "sitting_on-month": "1", "sitting_on-year": "2020",
        "papers_deadline-day": "1", "papers_deadline-month": "12", "papers_deadline-year": "2019", "extra": "no"})
    assert old.status_code == 400 and error_summary(old) == ["The Panel date must be after today."]
    year = client.post("/panels/adoption/timetable", data={
        "year": "2100", "weekday": "2", "week": "1", "deadline_working_days": "15"})
    assert error_summary(year) == ["Publish dates for this year or one of the next three."]
    client.post("/sign-out")
    response = book(client, app, expect=400, day=date(2090, 12, 31))
    assert error_summary(response) == ["Choose a Panel date from the published calendar: that date is years away."]
    response = book(client, app, expect=400, when="court", in_court=True, **{
        "initial_hearing_date-day": "31", "initial_hearing_date-month": "12", "initial_hearing_date-year": "2090"})
    assert error_summary(response) == ["Check the date of the initial hearing: it is years away."]
    response = book(client, app, expect=400, **{"sitting_date-day": "31", "sitting_date-month": "2",
                                                "sitting_date-year": "2027"})
    assert error_summary(response) == ["‘The Panel date you want’ must be a real date"]
    response = book(client, app, expect=400, day=date(9999, 12, 31))      # refused by the form itself
    assert error_summary(response) == ["‘The Panel date you want’ must be a real date"]


def _move(client, day, new, deadline, reason="The Chair cannot attend that week."):
    data = {"move_reason": reason}
    for name, value in (("new_date", new), ("new_deadline", deadline)):
        if value is not None:
            data.update({f"{name}-day": str(value.day), f"{name}-month": str(value.month),
                         f"{name}-year": str(value.year)})
    return client.post(f"/panels/adoption/dates/{day.isoformat()}/move", data=data)


@freeze_time(BOOKING_DAY)
def test_a_date_is_moved_to_a_working_day_and_its_cases_go_with_it(client, app):
    """Issue 12 item 19: a Panel date on a weekend or bank holiday is refused when moved."""
    publish(client)
    book(client, app, "CIN-0001")
    for ref in add_cases(app, 5):
        book(client, app, ref)
    book(client, app, "LAC-0001", "csw-lac")                       # reserve for February, firm place in March
    sign_in(client, "panel-manager")
    weekend = _move(client, FEB, date(2027, 2, 6), date(2027, 1, 20), reason=" ")
    assert weekend.status_code == 400
    assert error_summary(weekend) == ["Enter why the date is moved"]
    weekend = _move(client, FEB, date(2027, 2, 6), date(2027, 1, 20))
    assert error_summary(weekend) == ["Saturday 6 February 2027 is a weekend: a Panel sits on a working day. "
                                      "Choose another date."]
    holiday = _move(client, date(2027, 4, 7), date(2027, 3, 29), date(2027, 3, 8))
    assert error_summary(holiday) == ["Monday 29 March 2027 is a bank holiday: a Panel sits on a working day. "
                                      "Choose another date."]
    taken = _move(client, FEB, date(2027, 3, 3), date(2027, 2, 1))
    assert error_summary(taken) == ["The Adoption Panel already has a date on Wednesday 3 March 2027."]
    assert page(taken).select_one("#move_reason").get_text() == "The Chair cannot attend that week."
    moved = _move(client, FEB, date(2027, 2, 10), date(2027, 1, 20))
    assert moved.status_code == 302, moved.text
    assert "2027-02-03" not in dates(client) and "2027-02-10" in dates(client)
    client.post("/sign-out")
    new = date(2027, 2, 10)
    assert bookings(app, "CIN-0001") == [("CIN-0001", "booked", new, None)]
    assert bookings(app, "LAC-0001") == [("LAC-0001", "reserve", new, 1),
                                         ("LAC-0001", "booked", date(2027, 3, 3), None)]
    # each case's process follows: papers due by the new deadline, the reserve entry names the new date
    assert open_task(app, "Task_send_papers", "CIN-0001").due_at == datetime(2027, 1, 20, 17, 0)
    sign_in(client, "social-worker")
    papers = open_task(app, "Task_send_papers", "CIN-0001")
    assert "Wednesday 10 February 2027" in text(client.get(f"/tasks/{papers.id}"))
    client.post("/sign-out")
    sign_in(client, "social-worker-lac")
    facts = text(client.get(f"/tasks/{open_task(app, 'Task_send_papers', 'LAC-0001').id}"))
    assert "On the reserve list for Wednesday 10 February 2027" in facts and "Wednesday 3 March 2027" in facts
    client.post("/sign-out")
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "panel.date_moved")).all()
        assert (event.actor_name, event.reason) == ("Demo Panel Manager", "The Chair cannot attend that week.")
        assert event.detail["from"] == "2027-02-03" and event.detail["to"] == "2027-02-10"
        amended = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data.amended")).all()
        assert len(amended) == 7 and all("cannot attend" in e.reason for e in amended)
