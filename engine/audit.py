"""The append-only audit trail: who, when, what, why.

Events of one transaction are inserted together just before it commits, in
one statement: they are written exactly when the rest of the action is.
The table refuses UPDATE and DELETE (triggers, migration e5b2d3c4f6a7) and
its rows are hash-chained (audit_chain)."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from . import audit_chain
from .db import db
from .models import AuditEvent
from .timeutil import utcnow

_KEY = "caseflow_audit"
# a Core insert, built once: the ORM's bulk insert path costs more than the row
_INSERT = AuditEvent.__table__.insert()


def record(action: str, actor=None, *, instance=None, case_id=None, task=None,
           element_name=None, reason=None, detail=None) -> None:
    db.session.info.setdefault(_KEY, []).append(dict(
        at=utcnow(), action=action,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else "caseflow (system)",
        instance_id=instance.id if instance is not None else None,
        case_id=case_id if case_id is not None else (instance.case_id if instance is not None else None),
        task_id=task.id if task is not None else None,
        element_name=element_name or (task.name if task is not None else None),
        reason=reason, detail=detail))


@event.listens_for(Session, "before_commit")
def _write_pending(session):
    rows = session.info.pop(_KEY, None)
    if rows:
        session.flush()   # rows the events name (a new instance) are written first
        connection = session.connection()
        audit_chain.chain(connection, rows)
        connection.execute(_INSERT, rows)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_KEY, None)
