"""The outbox: what people must be told of, written in the transaction of
the action that caused it (issue 13).

Like the audit trail (engine/audit.py), events of one transaction are kept
on the session and inserted together just before it commits, in one
statement, so nothing is told of a rolled-back action and nothing is lost
once it commits.  `flask worker` (engine/notifier.py) turns each event into
notifications and e-mails."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from processes import notifications as kinds

from .db import db
from .models import OutboxEvent
from .timeutil import utcnow

_KEY = "caseflow_outbox"
_INSERT = OutboxEvent.__table__.insert()


def emit(kind: str, *, actor=None, case_id=None, instance_id=None, task_id=None, detail=None) -> None:
    db.session.info.setdefault(_KEY, []).append(dict(
        at=utcnow(), kind=kind, actor_id=actor.id if actor is not None else None, case_id=case_id,
        instance_id=instance_id, task_id=task_id, detail=detail, processed_at=None))


def tasks_ready(rows: list[dict]) -> None:
    """Task rows just made ready (engine/runtime.py): the people who can act are told."""
    for row in rows:
        emit(kinds.TASK_READY, case_id=row["case_id"], instance_id=row["instance_id"], task_id=row["id"])


def decision(actor, instance, what: str, outcome: str | None = None, units: list[int] | None = None) -> None:
    """A decision about a case: its unit (or the units named) are told."""
    emit(kinds.DECISION, actor=actor, case_id=instance.case_id, instance_id=instance.id,
         detail={"what": what, "outcome": outcome, "units": units})




@event.listens_for(Session, "before_commit")
def _write_pending(session):
    rows = session.info.pop(_KEY, None)
    if rows:
        session.flush()
        session.connection().execute(_INSERT, rows)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_KEY, None)
