"""The outbox: what people must be told of, written in the transaction of
the action that caused it (issue 13).

Like the audit trail (engine/audit.py), events of one transaction are kept
on the session and inserted together with the action's other rows
(engine/write_batch.py), in one statement, so nothing is told of a
rolled-back action and nothing is lost once it commits.  `flask worker`
(engine/notifier.py) turns each event into notifications and e-mails."""

from processes import notifications as kinds

from . import write_batch
from .db import db
from .models import OutboxEvent
from .timeutil import utcnow

_KEY = "caseflow_outbox"
# inline: no RETURNING of the new id (nothing needs it), so it can be pipelined
_INSERT = OutboxEvent.__table__.insert().inline()


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


write_batch.ride(_KEY, lambda rows, connection: (_INSERT, rows))
