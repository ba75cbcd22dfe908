"""What a timer leaves behind: the data of the path it started (agenda,
deadline, shown data), and whether it fired or was cancelled."""
import time
from pathlib import Path

from sqlalchemy import select

from engine import repair, runtime, specs, worker
from engine.db import db
from engine.models import AgendaItem, Case, ProcessInstance, Task, Timer, User
from engine.timeutil import from_db
from engine.transaction import unit_of_work

from .test_api import auth, token

DATA = Path(__file__).resolve().parents[1] / "data"


def _start(app, name, key):
    with app.app_context():
        with unit_of_work():
            specs.deploy((DATA / name).read_bytes(), name, forms={})
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
            user = db.session.scalar(select(User).filter_by(username="social-worker"))
            return runtime.start_instance(key, case, user).id


def test_an_interrupting_timer_s_path_sets_the_agenda_deadline_and_shown_data(app, client):
    instance_id = _start(app, "boundary_timer_agenda.bpmn", "boundary_timer_agenda")
    time.sleep(1.2)
    with app.app_context():
        assert worker.fire_due_timers() == 1
        db.session.remove()
    with app.app_context():
        item = db.session.get(AgendaItem, instance_id)
        assert item is not None and item.meeting == "Test meeting" and item.priority == 2
        instance = db.session.get(ProcessInstance, instance_id)
        assert from_db(instance.due_at).isoformat().startswith("2030-01-06T12:00")
        assert db.session.scalars(select(Timer.outcome).filter_by(instance_id=instance_id)).all() == ["fired"]
    shown = client.get(f"/api/v1/instances/{instance_id}", headers=auth(token(app, "social-worker")))
    assert shown.status_code == 200
    assert shown.json["data"]["after_timer"] is True
    assert [t["element"] for t in shown.json["tasks"] if t["state"] == "ready"] == ["Task_after_timer"]


def test_a_timer_whose_task_was_done_first_is_stored_as_cancelled(app):
    instance_id = _start(app, "boundary_timer_agenda.bpmn", "boundary_timer_agenda")
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="social-worker"))
        assert db.session.scalars(select(Timer.outcome).filter_by(instance_id=instance_id)).all() == [None]
        open_task = db.session.scalar(select(Task.id).filter_by(instance_id=instance_id, state="ready"))
        with unit_of_work():
            runtime.complete_task(open_task, user, {})
    with app.app_context():
        timer = db.session.scalar(select(Timer).filter_by(instance_id=instance_id))
        assert timer.outcome == "cancelled" and timer.fired_at is not None  # no longer waiting
        assert db.session.get(ProcessInstance, instance_id).status == "complete"


def test_cancelling_an_instance_cancels_its_timer(app):
    instance_id = _start(app, "timer_then_task.bpmn", "timer_then_task")
    with app.app_context():
        manager = db.session.scalar(select(User).filter_by(username="group-manager"))
        with unit_of_work():
            repair.cancel(instance_id, manager, "Started by mistake")
    with app.app_context():
        assert db.session.scalars(select(Timer.outcome).filter_by(instance_id=instance_id)).all() == ["cancelled"]
        assert worker.fire_due_timers() == 0
