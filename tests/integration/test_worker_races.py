"""Several workers on one database: a timer another worker fired first is a
lost race, not a failure, and nothing is logged as one."""
from sqlalchemy import func, select

from engine.db import db
from engine.models import AuditEvent

from .test_timer_worker import _start_timer_instances, _stop, _wait_for_tasks, _worker


def test_workers_racing_for_timers_log_no_failure(app, database_url):
    _start_timer_instances(app, count=20)
    workers = [_worker(database_url) for _ in range(3)]
    try:
        assert _wait_for_tasks(app, 20) == 20
    finally:
        outputs = [_stop(w) for w in workers]
    for output in outputs:
        assert "failed" not in output and "Traceback" not in output, output
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEvent.id)).filter_by(action="timer.fired")) == 20
