"""Live workflows kept between requests, valid only at the row version they
were saved at.  The database row version is the authority: a cached copy is
used only when the row still has that version, so several processes can run
against one database and a stale copy is never used."""
from collections import OrderedDict

from sqlalchemy import event

from .db import db

_MAX = 1024
_live: OrderedDict[int, tuple[int, object]] = OrderedDict()


def take(instance_id: int, row_version: int):
    """Remove and return the cached workflow if it is at `row_version`.

    Taking (not peeking) means a workflow changed by a transaction that then
    fails is never seen again."""
    entry = _live.pop(instance_id, None)
    if entry and entry[0] == row_version:
        return entry[1]
    return None


def peek(instance_id: int, row_version: int):
    """The cached workflow for reading only, or None."""
    entry = _live.get(instance_id)
    return entry[1] if entry and entry[0] == row_version else None


def put_back(instance_id: int, row_version: int, workflow) -> None:
    """Return an unchanged workflow taken with `take`."""
    _live[instance_id] = (row_version, workflow)


def keep_after_commit(instance_id: int, row_version: int, workflow) -> None:
    db.session.info.setdefault("caseflow_cache", {})[instance_id] = (row_version, workflow)


def clear() -> None:
    _live.clear()


def _register(session_cls):
    @event.listens_for(session_cls, "after_commit")
    def _after_commit(session):
        for instance_id, entry in session.info.pop("caseflow_cache", {}).items():
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
