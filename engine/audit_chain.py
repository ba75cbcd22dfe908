"""The audit trail's hash chain (issue 11 item 5).

Each audit_event row carries the hash of the row before it (prev_hash) and
its own (row_hash = sha256 of prev_hash and its contents), so a row changed,
removed or slipped in afterwards breaks the chain where `flask audit-verify`
finds it.  Rows are chained in id order; writers are serialised just for the
insert: on PostgreSQL by a transaction-scoped advisory lock taken just before
reading the last hash (caseflow_audit_tail(); caseflow_audit_append() takes
it, reads the tail and hashes in the database, so the rows go in the
action's pipeline), on SQLite by the database's single write lock."""
import hashlib
import json

from sqlalchemy import select, text

from . import sqlite_write_lock

# pg_advisory_xact_lock key: "audit" in ASCII, unique to this lock in the app
LOCK_KEY = 0x6175646974
FIELDS = ("at", "actor_id", "actor_name", "action", "case_id", "instance_id", "task_id",
          "element_name", "reason", "detail")
_LAST = text("SELECT row_hash FROM audit_event ORDER BY id DESC LIMIT 1")
# pg_advisory_xact_lock(LOCK_KEY), then the last row_hash (migration e5b2d3c4f6a7)
_LOCKED_TAIL = text("SELECT caseflow_audit_tail()")
# the lock, the tail, the hashes and the inserts (migration c2f3a4b5c6d7)
_APPEND = text("CALL caseflow_audit_append(CAST(:rows AS jsonb))")


def content(row) -> str:
    """A row's contents, canonically: the same text from the dict inserted and
    the row read back (JSON detail round-trips through its own text)."""
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k))
    values = [get(k) for k in FIELDS]
    at = values[0]
    values[0] = at.isoformat(sep=" ") if at is not None else None
    if values[-1] is not None:
        values[-1] = json.loads(json.dumps(values[-1]))
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(prev_hash: str | None, row) -> str:
    return hashlib.sha256(f"{prev_hash or ''}\n{content(row)}".encode()).hexdigest()


def chain(connection, rows: list[dict]) -> None:
    """Give `rows` (about to be inserted, in order) their hashes, after the
    last row written; the lock (held to commit) keeps the next writer behind."""
    if connection.dialect.name == "postgresql":
        prev = connection.execute(_LOCKED_TAIL).scalar()
    else:
        prev = _sqlite_tail(connection)
    for row in rows:
        row["prev_hash"] = prev
        row["row_hash"] = prev = link(prev, row)


def append(connection, rows: list[dict], insert) -> tuple:
    """The statement and parameters that write `rows` (in order) at the end
    of the chain: on PostgreSQL the database chains them (one statement
    that needs no answer, so it can be pipelined); elsewhere they are
    chained here after the tail read now, and inserted with `insert`."""
    if connection.dialect.name != "postgresql":
        chain(connection, rows)
        return insert, rows
    sent = []
    for row in rows:
        at = row["at"]
        sent.append({**row, "at": at.isoformat() if at is not None else None,
                     "detail": json.dumps(row["detail"]), "content": content(row)})
    return _APPEND, {"rows": json.dumps(sent)}


def _sqlite_tail(connection):
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        # nothing written yet (a read, say): take the write lock before
        # reading the last hash, or another writer could slip in between
        sqlite_write_lock.take(connection)
        # on the driver's cursor: one indexed row, on every action
        row = raw.execute(_LAST.text).fetchone()
        return row[0] if row else None
    return connection.execute(_LAST).scalar()


def verify(session, batch: int = 5000) -> tuple[int, str | None]:
    """Walk the chain in id order: (rows checked, the first broken link as
    "row N: what is wrong", or None if every link holds)."""
    from .models import AuditEvent
    prev, count, after = None, 0, 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.id > after)
                               .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return count, None
        for row in rows:
            if row.prev_hash != prev:
                return count, (f"row {row.id}: its link to the row before does not match "
                               f"(expected {prev or 'none'}, found {row.prev_hash or 'none'}): "
                               "a row before it was removed, changed or inserted")
            expected = link(prev, row)
            if row.row_hash != expected:
                return count, (f"row {row.id}: its contents do not match its hash "
                               "(the row was changed after it was written)")
            prev, count, after = row.row_hash, count + 1, row.id
        session.expunge_all()
