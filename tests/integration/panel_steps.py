"""Steps of Adoption and Fostering Panel booking as people take them through the pages."""
import io
from datetime import date, datetime

from sqlalchemy import select

from engine.db import db
from engine.models import Booking, Case, PanelSitting, Unit
from engine.transaction import unit_of_work
from processes.clock import LONDON

from ..conftest import page, sign_in
from .jarp_steps import case_id, open_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Frozen "now" for booking: the 2027 timetable is published, its first dates ahead.
BOOKING_DAY = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
FEB, MAR, APR = date(2027, 2, 3), date(2027, 3, 3), date(2027, 4, 7)   # first Wednesdays
CHILD_WISHES = "To stay with the carers she knows and see her brother every month."


def london(*args):
    return datetime(*args, tzinfo=LONDON)


def publish(client, slug="adoption", year=2027, weekday=2, week=1, days=15):
    """The Panel Manager publishes a year of monthly dates (first Wednesdays by default)."""
    sign_in(client, "panel-manager")
    response = client.post(f"/panels/{slug}/timetable", data={
        "year": str(year), "weekday": str(weekday), "week": str(week), "deadline_working_days": str(days)})
    client.post("/sign-out")
    assert response.status_code == 302, response.text
    return response


def add_cases(app, count, unit="CIN Unit 1", prefix="PAN"):
    """More children in a unit, so a date can be filled."""
    with app.app_context():
        with unit_of_work():
            home = db.session.scalar(select(Unit).filter_by(name=unit))
            refs = [f"{prefix}-{i:04d}" for i in range(1, count + 1)]
            for ref in refs:
                db.session.add(Case(reference=ref, child_name=f"Child {ref}", service=home.service, unit=home))
    return refs


def booking_form(case_type="adoption_best_interests", when="date", day=FEB, in_court=False, **extra):
    form = {"case_type": case_type, "when": when, "in_court": "yes" if in_court else "no",
            "summary": "The plan is permanence; the Panel is asked to recommend it.",
            "child_asked": "yes", "child_wishes": CHILD_WISHES}
    if when == "date":
        form.update({"sitting_date-day": str(day.day), "sitting_date-month": str(day.month),
                     "sitting_date-year": str(day.year)})
    form.update(extra)
    return form


def start_booking(client, app, reference):
    response = client.post(f"/cases/{case_id(app, reference)}/start/panel_booking")
    assert response.status_code == 302, response.text
    assert "/tasks/" in response.location
    return response.location


def book(client, app, reference="CIN-0001", username="consultant-social-worker", expect=302, **form):
    """The unit's Consultant Social Worker books the case with the booking form."""
    sign_in(client, username)
    url = start_booking(client, app, reference)
    response = client.post(url, data=booking_form(**form))
    client.post("/sign-out")
    assert response.status_code == expect, response.text
    return response


def bookings(app, reference=None):
    """(case, status, date, reserve rank) in the order they were made."""
    with app.app_context():
        query = select(Booking).join(Case).order_by(Booking.id)
        if reference:
            query = query.where(Case.reference == reference)
        return [(b.case.reference, b.status, b.sitting.sitting_on if b.sitting else None, b.reserve_rank)
                for b in db.session.scalars(query)]


def places(app, day, panel="Adoption Panel"):
    with app.app_context():
        return db.session.scalar(select(PanelSitting.booked).where(
            PanelSitting.panel == panel, PanelSitting.sitting_on == day))


def upload(client, app, kinds, reference="CIN-0001"):
    for kind in kinds:
        response = client.post(f"/cases/{case_id(app, reference)}/documents",
                               data={"kind": kind, "document": (io.BytesIO(PDF), f"{kind}.pdf")},
                               content_type="multipart/form-data")
        assert response.status_code == 302, response.text


def paper_ids(client, task_id):
    return [i["value"] for i in page(client.get(f"/tasks/{task_id}")).select("input[name=papers]")]


def all_included(case_type):
    """Every document on the checklist ticked as included in another report."""
    from processes import panel_booking
    return [d["key"] for d in panel_booking.checklist(case_type)]


def send_papers(client, app, reference="CIN-0001", username="social-worker", expect=302, **form):
    task = open_task(app, "Task_send_papers", reference)
    assert task is not None, "no papers task"
    sign_in(client, username)
    response = client.post(f"/tasks/{task.id}", data=form)
    client.post("/sign-out")
    assert response.status_code == expect, response.text
    return response
