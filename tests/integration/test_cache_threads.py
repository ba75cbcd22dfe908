"""Gunicorn's threads share the cache of live workflows: a page reading an
instance's data while another thread runs that workflow must see it whole,
before or after a change, never half-way, and keep what it read."""
import sys
import threading
import time

from sqlalchemy import select

from engine import cache, queries, runtime, specs
from engine.current_data import current_data
from engine.db import db
from engine.models import Case, ProcessInstance, User
from engine.transaction import unit_of_work

from .test_timer_outcomes import DATA


def test_reading_a_cached_workflow_while_another_thread_runs_it(app):
    with app.app_context():
        with unit_of_work():
            specs.deploy((DATA / "timer_then_task.bpmn").read_bytes(), "t.bpmn", forms={})
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
            user = db.session.scalar(select(User).filter_by(username="social-worker"))
            instance_id = runtime.start_instance("timer_then_task", case, user).id
        version = db.session.get(ProcessInstance, instance_id).row_version
        assert cache.take(instance_id, version) is not None  # kept after the start's commit
        cache.clear()
        instance = db.session.get(ProcessInstance, instance_id)
        workflow = queries.peek_workflow(instance)
        current_data(workflow).update(a=0, b=0, nested={"n": 0})
        cache.put_back(instance_id, version, workflow)
        db.session.remove()

    stop = threading.Event()
    seen, errors = [], []

    ready = threading.Barrier(4, timeout=60)

    def run_it():  # as complete_task does: take, change, put back
        ready.wait()
        deadline, i = time.monotonic() + 30, 0
        while len(seen) < 300 and time.monotonic() < deadline:
            i += 1
            taken = cache.take(instance_id, version)
            if taken is None:
                continue
            data = current_data(taken)
            data["a"] = i
            data["nested"]["n"] = i
            data["b"] = i
            cache.put_back(instance_id, version, taken)
        stop.set()

    def read_it():
        with app.app_context():
            instance = db.session.get(ProcessInstance, instance_id)
            ready.wait()
            try:
                while not stop.is_set():
                    data = queries.instance_data(instance)
                    if "a" in data:  # the cached copy (the persisted state has no a, b)
                        seen.append(data)
            except Exception as exc:  # noqa: BLE001 (a race shows as any error)
                errors.append(exc)
            finally:
                db.session.remove()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=run_it)] + [threading.Thread(target=read_it) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not errors
    assert len(seen) > 10
    torn = [d for d in seen if not d["a"] == d["b"] == d["nested"]["n"]]
    assert torn == []
