"""Live workflows kept between requests, valid only at the row version they
were saved at.  The database row version is the authority: a cached copy is
used only when the row still has that version, so several processes can run
against one database and a stale copy is never used."""
import threading
from collections import OrderedDict

from sqlalchemy import event

from .db import db

_MAX = 1024
_live: OrderedDict[int, tuple[int, object]] = OrderedDict()
# Gunicorn's threads share _live.  A workflow in it is never being run (a run
# takes it out first), so a reader that copies what it needs while holding the
# lock never sees one half-changed; one handed out unlocked could be taken and
# run under the reader's feet.
_lock = threading.Lock()
MISSING = object()


def take(instance_id: int, row_version: int):
    """Remove and return the cached workflow if it is at `row_version`.

    Taking (not peeking) means a workflow changed by a transaction that then
    fails is never seen again."""
    with _lock:
        entry = _live.pop(instance_id, None)
    if entry and entry[0] == row_version:
        return entry[1]
    return None


def read(instance_id: int, row_version: int, reader):
    """`reader(workflow)` on the cached workflow at `row_version`, under the
    lock (so it must copy what it returns and be quick), or MISSING."""
    with _lock:
        entry = _live.get(instance_id)
        if entry and entry[0] == row_version:
            return reader(entry[1])
    return MISSING


def put_back(instance_id: int, row_version: int, workflow) -> None:
    """Return an unchanged workflow taken with `take`."""
    with _lock:
        _live[instance_id] = (row_version, workflow)


def keep_after_commit(instance_id: int, row_version: int, workflow) -> None:
    db.session.info.setdefault("caseflow_cache", {})[instance_id] = (row_version, workflow)


def clear() -> None:
    with _lock:
        _live.clear()


def _register(session_cls):
    @event.listens_for(session_cls, "after_commit")
    def _after_commit(session):
        kept = session.info.pop("caseflow_cache", None)
        if not kept:
            return
        with _lock:
            for instance_id, entry in kept.items():
                _live[instance_id] = entry
                _live.move_to_end(instance_id)
            while len(_live) > _MAX:
                _live.popitem(last=False)

    @event.listens_for(session_cls, "after_rollback")
    def _after_rollback(session):
        session.info.pop("caseflow_cache", None)


def install() -> None:
    from sqlalchemy.orm import Session
    if not getattr(install, "done", False):
        _register(Session)
        install.done = True
