"""Timers are fired by the real worker process, not by the test."""
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from engine import chart, dashboard, runtime, specs
from engine.db import db
from engine.models import AuditEvent, Case, ChartWeek, Task, Timer, User
from engine.transaction import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
TIMER_BPMN = ROOT / "tests" / "data" / "timer_then_task.bpmn"


def _start_timer_instances(app, count=1):
    with app.app_context():
        with unit_of_work():
            specs.deploy(TIMER_BPMN.read_bytes(), TIMER_BPMN.name, forms={})
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
            user = db.session.scalar(select(User).filter_by(username="social-worker"))
            for _ in range(count):
                runtime.start_instance("timer_then_task", case, user)
        assert db.session.scalar(select(func.count(Timer.id)).where(Timer.fired_at.is_(None))) == count


def _worker(database_url):
    env = dict(os.environ, DATABASE_URL=database_url, CASEFLOW_SECRET_KEY="worker-test")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "webforms", "worker",
                             "--interval", "0.2"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for_tasks(app, count, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with app.app_context():
            found = db.session.scalar(select(func.count(Task.id)).where(
                Task.element_id == "Task_after_timer", Task.state == "ready"))
            db.session.remove()
        if found >= count:
            return found
        time.sleep(0.2)
    return found


def _stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=10)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def test_worker_process_fires_a_due_timer(app, database_url):
    _start_timer_instances(app)
    with app.app_context():
        assert db.session.scalar(select(func.count(Task.id)).where(
            Task.element_id == "Task_after_timer")) == 0
    worker = _worker(database_url)
    try:
        assert _wait_for_tasks(app, 1) == 1
    finally:
        output = _stop(worker)
    assert "fired 1 timer" in output
    with app.app_context():
        assert db.session.scalar(select(func.count(Timer.id)).where(Timer.fired_at.is_(None))) == 0
        event = db.session.scalars(select(AuditEvent).filter_by(action="timer.fired")).one()
        assert event.actor_name == "caseflow (system)"


def test_two_workers_fire_each_timer_exactly_once(app, database_url):
    _start_timer_instances(app, count=12)
    workers = [_worker(database_url), _worker(database_url)]
    try:
        assert _wait_for_tasks(app, 12) == 12
    finally:
        for w in workers:
            _stop(w)
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).filter_by(action="timer.fired")) == 12
        assert db.session.scalar(select(func.count(Task.id)).where(
            Task.element_id == "Task_after_timer")) == 12


def test_two_workers_count_the_charts_closed_weeks_once(app, database_url):
    """The worker process counts the managers' chart's closed weeks and keeps
    them (engine/chart.py); with two workers each week is kept once."""
    _start_timer_instances(app, count=2)
    with app.app_context():
        scope, rules = dashboard.Scope(everything=True), dashboard.rules()
        counted = chart.chart(scope, rules)
        db.session.remove()
    workers = [_worker(database_url), _worker(database_url)]
    try:
        deadline = time.time() + 30
        kept = 0
        while kept < 12 and time.time() < deadline:
            time.sleep(0.2)
            with app.app_context():
                kept = db.session.scalar(select(func.count()).select_from(ChartWeek))
                db.session.remove()
    finally:
        outputs = [_stop(w) for w in workers]
    assert kept == 12, outputs
    assert "Traceback" not in "".join(outputs)
    with app.app_context():
        assert db.session.scalar(select(func.count(func.distinct(ChartWeek.week)))) == 12
        assert chart.chart(scope, rules) == counted
