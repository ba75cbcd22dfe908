"""SQLite's write lock, waited for in fine steps (issue 16: the load test's tail).

SQLite's own busy handler (what the driver's `timeout` sets) sleeps 1, 2,
5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms between its tries: an action that
finds the lock held for the millisecond another action's writes take may
sleep 10-25 ms past its release, and with 50 people at work those sleeps
were the completions' p95 on SQLite.  `take` begins the transaction with
BEGIN IMMEDIATE before an action's first write, trying again every 0.2 ms
to 1 ms, up to the same timeout as the busy handler's; then, as before,
"database is locked" (engine.transaction turns it into a Conflict).  It is
SQLite's own lock, held to the commit: nothing is coordinated in memory."""
import sqlite3
import time

from sqlalchemy.exc import DBAPIError

_FIRST_WAIT, _LONGEST_WAIT = 0.0002, 0.001
_TIMEOUT_KEY = "caseflow_busy_timeout_ms"  # what the driver's `timeout` set, read once


def take(connection) -> None:
    """Begin `connection`'s transaction holding the write lock, unless it has
    begun; on any database but SQLite, nothing (its rows lock as they are written)."""
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw.in_transaction:
        return
    info = connection.connection.info  # kept with the driver's connection, for its life
    timeout_ms = info.get(_TIMEOUT_KEY)
    if timeout_ms is None:
        timeout_ms = info[_TIMEOUT_KEY] = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + timeout_ms / 1000
        wait = _FIRST_WAIT
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise DBAPIError.instance("BEGIN IMMEDIATE", (), exc, sqlite3.Error) from exc
            time.sleep(wait)
            wait = min(wait * 2, _LONGEST_WAIT)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
