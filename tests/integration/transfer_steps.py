"""Steps of the case transfer protocol as people take them through the web forms.

Each step signs in as the person who does it, posts the form a browser would
post (dates as `name-day`/`name-month`/`name-year`, booleans "yes"/"no") and
signs out again.
"""
from datetime import date, datetime, timezone

from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, Case, ProcessInstance, Task, Unit, User
from engine.transaction import unit_of_work
from processes.clock import LONDON
from webforms import demo
from webforms.auth import hash_password

from ..conftest import sign_in
from .jarp_steps import case_id, open_task

__all__ = [
    "CHILD_WISHES", "london", "as_db", "date_fields", "case_id", "open_task", "add_person", "add_case",
    "start_transfer", "request_form", "request_transfer", "submit", "complete_as",
    "case_row", "transfer_instances", "audit_events", "task_rows",
]


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def as_db(moment: datetime) -> datetime:
    """How the database keeps an aware time: naive UTC."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def date_fields(name: str, d: date | None) -> dict:
    """A date as the GOV.UK date input posts it."""
    if d is None:
        return {}
    return {f"{name}-day": str(d.day), f"{name}-month": str(d.month), f"{name}-year": str(d.year)}


def add_person(app, username, post, *, unit=None, service=None) -> None:
    """Someone the demo data lacks (the CSW of another unit, say)."""
    with app.app_context():
        with unit_of_work():
            unit_row = db.session.scalar(select(Unit).filter_by(name=unit)) if unit else None
            db.session.add(User(username=username, name=f"Test {username}",
                                password_hash=hash_password(demo.DEMO_PASSWORD), post=post,
                                service=unit_row.service if unit_row else service, unit=unit_row))


def add_case(app, reference, child_name, *, unit, service=None, born=None) -> int:
    with app.app_context():
        with unit_of_work():
            unit_row = db.session.scalar(select(Unit).filter_by(name=unit))
            case = Case(reference=reference, child_name=child_name, date_of_birth=born,
                        service=service or unit_row.service, unit=unit_row)
            db.session.add(case)
            db.session.flush()
            return case.id


def start_transfer(client, app, reference) -> str:
    """The signed-in CSW opens the case and presses "Request a transfer": the form opens."""
    response = client.post(f"/cases/{case_id(app, reference)}/start/case_transfer")
    assert response.status_code == 302, response.text
    assert "/tasks/" in response.location, response.location
    return response.location


CHILD_WISHES = "To keep seeing the same worker until the move."


def request_form(route, receiving_service, transfer_date, *, receiving_unit=None,
                 reason="The case has reached its point of transfer.", child_wishes=CHILD_WISHES) -> dict:
    """The request as a browser posts it; the child was asked what they want next (issue 12 item 21)."""
    form = {"route": route, "receiving_service": receiving_service, "reason": reason,
            "child_asked": "yes", "child_wishes": child_wishes,
            **date_fields("transfer_date", transfer_date)}
    if receiving_unit:
        form["receiving_unit"] = receiving_unit
    return form


def request_transfer(client, app, username, reference, form):
    """Sign in, start a transfer on the case and submit the request; return the task URL."""
    sign_in(client, username)
    url = start_transfer(client, app, reference)
    response = client.post(url, data=form)
    client.post("/sign-out")
    assert response.status_code == 302, response.text
    return url


def submit(client, username, app, element_id, form, reference):
    """Sign in as `username` and post the form of the case's open task `element_id`."""
    task = open_task(app, element_id, reference)
    assert task is not None, f"no open {element_id} on {reference}"
    sign_in(client, username)
    response = client.post(f"/tasks/{task.id}", data=form)
    client.post("/sign-out")
    return response, task


def complete_as(client, username, app, element_id, form, reference):
    response, task = submit(client, username, app, element_id, form, reference)
    assert response.status_code == 302, response.text
    return task


def case_row(app, reference) -> dict:
    with app.app_context():
        case = db.session.scalar(select(Case).filter_by(reference=reference))
        return {"service": case.service, "unit": case.unit.name}


def transfer_instances(app, reference, process_key="case_transfer") -> list[ProcessInstance]:
    with app.app_context():
        rows = db.session.scalars(select(ProcessInstance).join(Case).where(
            Case.reference == reference, ProcessInstance.process_key == process_key)
            .order_by(ProcessInstance.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def audit_events(app, reference, action) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).join(Case, Case.id == AuditEvent.case_id).where(
            Case.reference == reference, AuditEvent.action == action)
            .order_by(AuditEvent.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def task_rows(app, reference, element_id) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(Task).join(Case).where(
            Case.reference == reference, Task.element_id == element_id)
            .order_by(Task.created_at)).all()
        return [{"state": t.state, "post": t.post, "service": t.service,
                 "unit": t.unit.name if t.unit else None, "due_at": t.due_at} for t in rows]

