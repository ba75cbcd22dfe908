"""The write batch's statements run on the driver's cursor
(engine/driver_statements.py) write what SQLAlchemy would, tell its
execution events and raise its errors."""
from datetime import datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from engine import write_batch
from engine.db import db
from engine.models import OutboxEvent, Task
from engine.transaction import unit_of_work

_INSERT_TASK = Task.__table__.insert()
_INSERT_OUTBOX = OutboxEvent.__table__.insert().inline()


def _a_running_instance(app, client):
    from .test_api import start, token
    return start(client, app, token(app, "social-worker"))["id"]


def test_rows_get_the_columns_defaults_and_the_values_as_the_orm_reads_them(app, client):
    instance_id = _a_running_instance(app, client)
    due = datetime(2031, 5, 6, 7, 8, 9, 123456)
    with app.app_context():
        with unit_of_work():
            # no state, no created_at: the columns' Python-side defaults fill them
            write_batch.add(_INSERT_TASK, [dict(id=f"drv-{n}", instance_id=instance_id, process_key="jarp_referral",
                                                element_id="Task_x", name=f"Task {n}", due_at=due)
                                           for n in range(2)])
            write_batch.add(_INSERT_OUTBOX, {"kind": "task.ready", "detail": {"names": ["Ann", "Bó"]},
                                             "at": due, "task_id": "drv-0"})
        db.session.expire_all()
        rows = db.session.scalars(select(Task).where(Task.id.like("drv-%")).order_by(Task.id)).all()
        assert [(t.id, t.state, t.due_at) for t in rows] == [("drv-0", "ready", due), ("drv-1", "ready", due)]
        assert all(t.created_at is not None for t in rows)
        outbox = db.session.scalar(select(OutboxEvent).where(OutboxEvent.task_id == "drv-0"))
        assert (outbox.detail, outbox.at) == ({"names": ["Ann", "Bó"]}, due)


def test_execution_events_see_each_statement(app, client):
    instance_id = _a_running_instance(app, client)
    seen = []
    with app.app_context():
        listen = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            with unit_of_work():
                write_batch.add(_INSERT_TASK, dict(id="drv-seen", instance_id=instance_id, process_key="p",
                                                   element_id="e", name="n"))
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    assert any(s.startswith("INSERT INTO task ") for s in seen), seen


def test_a_driver_error_is_sqlalchemys_and_loses_the_whole_action(app, client):
    instance_id = _a_running_instance(app, client)
    row = dict(id="drv-twice", instance_id=instance_id, process_key="p", element_id="e", name="n")
    with app.app_context():
        with pytest.raises(IntegrityError):
            with unit_of_work():
                write_batch.add(_INSERT_TASK, dict(row, id="drv-first"))
                write_batch.add(_INSERT_TASK, row)
                write_batch.add(_INSERT_TASK, row)
        assert db.session.scalars(select(Task.id).where(Task.id.like("drv-%"))).all() == []


def test_task_rows_read_on_the_driver_are_the_rows_sqlalchemy_reads(app, client):
    """The API's task rows (engine.queries) come off the driver's cursor:
    the same values, of the same types (datetimes, not SQLite's text), by
    the same names, as Connection.execute gives."""
    from engine import driver_statements, queries
    instance_id = _a_running_instance(app, client)
    due = datetime(2031, 5, 6, 7, 8, 9, 123456)
    with app.app_context():
        case_id = db.session.scalar(select(Task.case_id).where(Task.instance_id == instance_id).limit(1))
        with unit_of_work():
            write_batch.add(_INSERT_TASK, dict(id="drv-read", instance_id=instance_id, case_id=case_id,
                                               process_key="jarp_referral", element_id="Task_x", name="Read me",
                                               due_at=due))
        statement, params = queries._INSTANCE_TASK_ROWS, {"instance_id": instance_id}
        expected = db.session.connection().execute(statement, params).all()
        got = driver_statements.rows(db.session.connection(), statement, params)
        assert [r._asdict() for r in got] == [r._asdict() for r in expected]
        assert len(got) >= 2
        read = next(r for r in got if r.id == "drv-read")
        assert (read.due_at, read.state, read.case_reference) == (due, "ready", "CIN-0001")
        assert isinstance(read.created_at, datetime)


def test_task_rows_include_what_the_session_holds_unflushed(app, client):
    """As Session.execute autoflushes, so do the driver's reads: a task
    added to the session and not yet written is in the instance's rows."""
    from engine import queries
    instance_id = _a_running_instance(app, client)
    with app.app_context():
        db.session.add(Task(id="drv-unflushed", instance_id=instance_id, process_key="jarp_referral",
                            element_id="Task_x", name="Not yet flushed"))
        names = [r.name for r in queries.instance_task_rows(instance_id)]
        db.session.rollback()
    assert "Not yet flushed" in names
