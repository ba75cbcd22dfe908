"""The audit trail is append-only in the database and hash-chained: the app
cannot change or remove a row, and `flask audit-verify` finds the first row
someone with the owner's rights changed behind its back (issue 11 item 5)."""
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from engine import audit
from engine.db import db
from engine.models import AuditEvent, User
from engine.transaction import unit_of_work

from .manage_steps import complete, deploy, open_tasks, start


def _some_events(app):
    deploy(app)
    instance_id = start(app)
    complete(app, instance_id, "Task_prepare", "social-worker", {"count": 2})
    return instance_id


def test_the_trail_verifies_after_ordinary_work(app, runner):
    _some_events(app)
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
    assert "Audit trail OK" in result.output


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET reason = 'rewritten'",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_to_change_or_remove_audit_rows(app, statement):
    _some_events(app)
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
        assert db.session.scalar(select(func.count()).where(AuditEvent.reason == "rewritten")) == 0


def test_postgresql_refuses_truncate(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            assert db.engine.dialect.name == "sqlite"   # SQLite has no TRUNCATE to refuse
            return
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("TRUNCATE audit_event CASCADE"))
        db.session.rollback()


def _drop_triggers(conn):
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
    else:
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("DROP TRIGGER audit_event_no_delete"))


def test_audit_verify_reports_the_row_an_admin_rewrote(app, runner):
    _some_events(app)
    with app.app_context():
        ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        victim = ids[len(ids) // 2]
        db.session.rollback()   # end the read, which holds a lock DROP TRIGGER would wait for
        with db.engine.begin() as conn:   # the owner's rights, not the app's ordinary path
            _drop_triggers(conn)
            conn.execute(text("UPDATE audit_event SET reason = 'nothing to see' WHERE id = :id"), {"id": victim})
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"row {victim}: its contents do not match its hash" in result.output
    assert f"after {ids.index(victim)} good rows" in result.output


def test_audit_verify_reports_the_row_after_one_removed(app, runner):
    _some_events(app)
    with app.app_context():
        ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
        db.session.rollback()
        with db.engine.begin() as conn:
            _drop_triggers(conn)
            conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[0]})
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"row {ids[1]}: its link to the row before does not match" in result.output


def test_concurrent_writers_do_not_fork_the_chain(app, runner):
    """Eight threads writing audit rows at once: each row links to the one
    before it by id, so every link verifies."""
    errors = []

    def write(n):
        try:
            with app.app_context():
                actor = db.session.get(User, 1)
                for i in range(5):
                    with unit_of_work():
                        audit.record("test.concurrent", actor, reason=f"{n}-{i}")
                        audit.record("test.concurrent", actor, reason=f"{n}-{i}-b")
        except Exception as exc:   # reported below, not swallowed
            errors.append(exc)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "test.concurrent")) == 80
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
