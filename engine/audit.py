"""The append-only audit trail: who, when, what, why."""
from .db import db
from .models import AuditEvent


def record(action: str, actor=None, *, instance=None, case_id=None, task=None,
           element_name=None, reason=None, detail=None) -> AuditEvent:
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.name if actor is not None else "caseflow (system)",
        instance_id=instance.id if instance is not None else None,
        case_id=case_id if case_id is not None else (instance.case_id if instance is not None else None),
        task_id=task.id if task is not None else None,
        element_name=element_name or (task.name if task is not None else None),
        reason=reason, detail=detail)
    db.session.add(event)
    return event
