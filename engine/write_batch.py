"""The row writes of one engine action, sent to the database together (issue 16).

runtime works out a completion's writes (the task marked completed, tasks
made ready or cancelled, timers, the agenda row, the instance row) before
any of their results is needed, so it adds them here and `send`s them at
the end of `runtime.persist`.  The audit events and outbox events recorded
so far in the transaction ride along after them (engine/audit.py and
engine/outbox.py keep them on the session and `ride` here).  On PostgreSQL
they all go in one psycopg 3 pipeline: one round trip instead of one per
statement (the audit chain's tail is read and its hashes made by the
database, caseflow_audit_append()).  On SQLite (in process: no round trip
to save) each is one statement on the driver's cursor, after the write lock
is taken (engine/sqlite_write_lock.py).  Either way a statement runs by its
plan, compiled once (engine/driver_statements.py).

A write added with `stale=` guards against a concurrent writer: it must
change exactly one row, or StaleDataError (the caller's unit_of_work turns
it into a Conflict).  Writes are sent in the order added; a query that must
see them (the tasks of a case being moved, say) calls `send` first.
Whatever is still pending at commit is sent then."""
import sqlite3

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import driver_statements, sqlite_write_lock
from .db import db

_KEY = "caseflow_writes"
# {session.info key: statement(rows, connection) → (statement, params)}, in order
_RIDERS = {}


def add(statement, params, *, stale: str | None = None) -> None:
    db.session.info.setdefault(_KEY, []).append((statement, params, stale))


def ride(key: str, statement) -> None:
    """Rows a module keeps in a list under session.info[key] are written
    after the batch's writes (and after the session's new objects, which
    they may name), with `statement(rows, connection)`; a rollback drops them."""
    _RIDERS[key] = statement


def pending(session) -> bool:
    """Whether writes (or rows riding with them) wait to be sent."""
    return _KEY in session.info or any(key in session.info for key in _RIDERS)


def send(session=None) -> None:
    session = session if session is not None else db.session
    if not pending(session):
        return
    writes = session.info.pop(_KEY, None) or []
    connection = session.connection()
    postgresql = connection.dialect.name == "postgresql"
    sqlite_write_lock.take(connection)  # SQLite: waited for in fine steps, not its 1-100 ms sleeps
    riding = [key for key in _RIDERS if key in session.info]
    if riding and session.new:
        # objects just added (a new instance) get their rows, and ids, first
        _execute(connection, writes, postgresql)
        writes = []
        session.flush()
    for key in riding:
        if rows := session.info.pop(key):
            writes.append((*_RIDERS[key](rows, connection), None))
    _execute(connection, writes, postgresql)


def _execute(connection, pending, postgresql: bool) -> None:
    if not pending:
        return
    if postgresql:
        _pipelined(connection, pending)
        return
    cursor = connection.connection.dbapi_connection.cursor()
    for statement, params, stale in pending:
        # checked before the next: the loser of a race stops at its first write
        _check(stale, driver_statements.run(connection, cursor, statement, params,
                                            driver_error=sqlite3.Error).rowcount)


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
                cursors.append(driver_statements.run(connection, raw.cursor(), statement, params,
                                                     driver_error=psycopg.Error))
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
    for key in (_KEY, *_RIDERS):
        session.info.pop(key, None)
