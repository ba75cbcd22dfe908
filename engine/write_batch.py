"""The row writes of one engine action, sent to the database together (issue 16).

runtime works out a completion's writes (the task marked completed, tasks
made ready or cancelled, timers, the agenda row, the instance row) before
any of their results is needed, so it adds them here and `send`s them at
the end of `runtime.persist`.  On PostgreSQL they go in one psycopg 3 pipeline: one
round trip for all of them instead of one each.  On SQLite (in process: no
round trip to save) each is one statement on the connection, without the
ORM session's execution layer.

A write added with `stale=` guards against a concurrent writer: it must
change exactly one row, or StaleDataError (the caller's unit_of_work turns
it into a Conflict).  Writes are sent in the order added; a query that must
see them (the tasks of a case being moved, say) calls `send` first."""
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .db import db

_KEY = "caseflow_writes"


def add(statement, params, *, stale: str | None = None) -> None:
    db.session.info.setdefault(_KEY, []).append((statement, params, stale))


def send(session=None) -> None:
    session = session if session is not None else db.session
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _pipelined(connection, pending)
    else:
        for statement, params, stale in pending:
            # checked before the next: the loser of a race stops at its first write
            _check(stale, connection.execute(statement, params).rowcount)


def _check(stale: str | None, rowcount: int) -> None:
    if stale and rowcount != 1:
        raise StaleDataError(stale)


def _pipelined(connection, pending) -> None:
    """Execute in one pipeline, then check the row counts, read off the
    cursors once it is synced (SQLAlchemy's results are made before that).
    A guard that failed is the reason for an error after it (the loser of a
    race inserting the same next task, say), so it is told first."""
    import psycopg
    raw = connection.connection.dbapi_connection
    cursors = []
    try:
        with raw.pipeline():
            for statement, params, _ in pending:
                cursors.append(connection.execute(statement, params).context.cursor)
    except psycopg.Error as exc:  # raised at the sync: wrapped as SQLAlchemy wraps the others
        for (_, _, stale), cursor in zip(pending, cursors):
            if stale and cursor.pgresult is not None:
                _check(stale, cursor.rowcount)
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc
    for (_, _, stale), cursor in zip(pending, cursors):
        _check(stale, cursor.rowcount)


@event.listens_for(Session, "before_commit")
def _send_pending(session):
    send(session)   # nothing added is lost, whoever forgot to send


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_KEY, None)
