"""The append-only audit trail: who, when, what, why.

Events of one transaction are kept on the session and written with the
action's other rows (engine/write_batch.py: at the end of an engine action,
else just before it commits), in one statement: exactly when the rest of
the action is.
The table refuses UPDATE and DELETE (triggers, migration e5b2d3c4f6a7) and
its rows are hash-chained (audit_chain)."""

from . import audit_chain, write_batch
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


# the events recorded since the last write, chained after the trail's tail
write_batch.ride(_KEY, lambda rows, connection: audit_chain.append(connection, rows, _INSERT))
