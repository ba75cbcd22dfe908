"""Helpers for the managers' dashboard and repair tests: a small process
whose script step fails until the data is put right (tests/data/repair_steps.bpmn),
started and driven through the engine."""
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from engine import runtime, specs
from engine.db import db
from engine.models import AuditEvent, Case, ProcessInstance, Task, User
from engine.transaction import unit_of_work
from processes.clock import LONDON

ROOT = Path(__file__).resolve().parents[2]
REPAIR_BPMN = ROOT / "tests" / "data" / "repair_steps.bpmn"
TIMER_BPMN = ROOT / "tests" / "data" / "timer_then_task.bpmn"


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def deploy(app, path=REPAIR_BPMN, xml: bytes | None = None) -> None:
    with app.app_context(), unit_of_work():
        specs.deploy(xml or path.read_bytes(), path.name, forms={})


def start(app, process="repair_steps", reference="CIN-0001", username="social-worker") -> int:
    with app.app_context():
        with unit_of_work():
            case = db.session.scalar(select(Case).filter_by(reference=reference))
            return runtime.start_instance(process, case, user(username)).id


def open_tasks(app, instance_id: int) -> list[Task]:
    with app.app_context():
        tasks = db.session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
                                   .order_by(Task.created_at)).all()
        for t in tasks:
            db.session.expunge(t)
        return tasks


def complete(app, instance_id: int, element_id: str, username: str, data: dict) -> None:
    with app.app_context():
        task = db.session.scalar(select(Task).where(Task.instance_id == instance_id, Task.state == "ready",
                                                   Task.element_id == element_id))
        assert task is not None, f"no open {element_id}"
        with unit_of_work():
            runtime.complete_task(task.id, user(username), data)


def failed_instance(app) -> int:
    """A repair_steps instance whose script step failed (no `count` given)."""
    instance_id = start(app)
    complete(app, instance_id, "Task_prepare", "social-worker", {})
    assert instance(app, instance_id).status == "error"
    return instance_id


def instance(app, instance_id: int) -> ProcessInstance:
    with app.app_context():
        found = db.session.get(ProcessInstance, instance_id)
        db.session.expunge(found)
        return found


def audit_events(app, instance_id: int, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)).all()
        for e in events:
            db.session.expunge(e)
        return events
