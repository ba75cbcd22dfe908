"""Comments on a task or an instance (issue 13 §2): who, when, what, kept as
written and audited; read by whoever may see the case."""
from sqlalchemy import select

from . import audit, permissions
from .db import db
from .forms import FieldError
from .models import Comment, ProcessInstance, Task
from .runtime import Invalid, NotFound

MAX_LENGTH = 4000


def add(actor, text: str, *, task_id: str | None = None, instance_id: int | None = None) -> Comment:
    task = db.session.get(Task, task_id) if task_id else None
    instance = task.instance if task else (db.session.get(ProcessInstance, instance_id) if instance_id else None)
    if instance is None or not _may_see(actor, instance, task):
        raise NotFound("There is no such task or process, or it is not yours to see.")
    text = (text or "").strip()
    if not text:
        raise Invalid(errors=[FieldError("comment", "Enter your comment")])
    if len(text) > MAX_LENGTH:
        raise Invalid(errors=[FieldError("comment", f"Write {MAX_LENGTH} characters or fewer")])
    comment = Comment(case_id=instance.case_id, instance_id=instance.id, task_id=task.id if task else None,
                      author_id=actor.id, text=text)
    db.session.add(comment)
    audit.record("comment.added", actor, instance=instance, task=task, detail={"text": text})
    return comment


def of_instance(instance_id: int) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.instance_id == instance_id)
                                   .order_by(Comment.at, Comment.id)))


def of_case(case_id: int) -> list[Comment]:
    return list(db.session.scalars(select(Comment).where(Comment.case_id == case_id)
                                   .order_by(Comment.at, Comment.id)))


def _may_see(actor, instance, task) -> bool:
    if task is not None:
        return permissions.can(actor, "task.read", task)
    return instance.case is not None and permissions.can(actor, "case.read", instance.case)
