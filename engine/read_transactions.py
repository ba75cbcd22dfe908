"""A transaction that wrote nothing ends in COMMIT, not ROLLBACK (PostgreSQL).

To the database the two are the same for a transaction that only read.  To
psycopg they are not: at every ROLLBACK it forgets the statements it had
prepared on that connection (a rolled-back DDL could have left them stale).
Flask-SQLAlchemy ends each request's session with a rollback, so after any
page view its connection had nothing prepared, and the hot path's
statements were parsed and planned afresh every time: the completion's lock
select and its commit took 1.1 ms instead of 0.73 ms (issue 16).

So at the end of an app context (a request, a worker job, a CLI command)
whose session wrote nothing, it commits.  "Wrote nothing": no statement but
a SELECT went to the connection since its transaction began, the session
holds no new, changed or deleted objects, and no write is pending
(engine/write_batch.py).  Anything else is left to the session's close: a
rollback, as before."""
import logging

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from . import write_batch
from .db import db

_WROTE = "caseflow_wrote"
log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    """Call after db.init_app(app): teardown functions run last-registered
    first, so this one runs before Flask-SQLAlchemy removes the session."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return  # SQLite keeps no prepared statements across transactions anyway
    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", _forget)
    event.listen(engine, "rollback", _forget)
    event.listen(engine.pool, "reset", _forget_reset)
    app.teardown_appcontext(end_reads)


def _note_write(conn, cursor, statement, parameters, context, executemany):
    # a SELECT (one that locks too) changes nothing; anything else may
    if not statement.startswith("SELECT"):
        conn.info[_WROTE] = True


def _forget(conn):
    conn.info.pop(_WROTE, None)


def _forget_reset(dbapi_connection, connection_record, reset_state):
    connection_record.info.pop(_WROTE, None)


def end_reads(exc=None) -> None:
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if (not session.in_transaction() or session.new or session.dirty or session.deleted
            or write_batch.pending(session)):
        return
    expiring = session.expire_on_commit
    try:
        if not session.connection().info.get(_WROTE):
            # what was read stays readable after the context (as after a rollback)
            session.expire_on_commit = False
            session.commit()
    except SQLAlchemyError:
        # a connection lost, say: the session's close, next, rolls back as before
        log.warning("ending a read-only transaction failed", exc_info=True)
    finally:
        session.expire_on_commit = expiring
