"""Who is doing a task (issue 13 §2): a person takes a task of their post
("I'll do this") or hands it back; a Consultant Social Worker allocates a
task of their unit to a member of the unit.  A manager's reassignment is a
repair (engine/repair.py).  Each change is audited and the people it
concerns are told (engine/outbox.py).

A take is a conditional UPDATE (only while nobody has the task), so two
people taking the same task at once leave exactly one holder."""
from sqlalchemy import select, update

from processes import notifications as kinds, posts

from . import audit, outbox, permissions
from .db import db
from .models import Task, User
from .forms import FieldError
from .runtime import AlreadyDone, EngineError, Invalid, NotAllowed, NotFound


def _ready_task(task_id: str) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound("There is no such task.")
    if task.state != "ready":
        raise AlreadyDone(f"This task is no longer waiting to be done (it was {task.state}).")
    return task


def take(task_id: str, actor: User) -> Task:
    task = _ready_task(task_id)
    if not permissions.can(actor, "task.take", task):
        raise NotAllowed("You cannot take this task.")
    if task.assigned_to_id == actor.id:
        raise EngineError("You are already doing this task.")
    if task.assigned_to_id is not None:
        raise EngineError(f"{task.assigned_to.name} is already doing this task.")
    done = db.session.execute(update(Task).where(Task.id == task.id, Task.state == "ready",
                                                 Task.assigned_to_id.is_(None))
                              .values(assigned_to_id=actor.id, claimed_by_id=actor.id))
    if done.rowcount != 1:
        db.session.refresh(task)
        holder = task.assigned_to.name if task.assigned_to else "someone else"
        raise EngineError(f"{holder} is already doing this task.")
    db.session.refresh(task)
    audit.record("task.taken", actor, instance=task.instance, task=task)
    return task


def hand_back(task_id: str, actor: User) -> Task:
    """Back to everyone of its post in its unit or service, who are told again."""
    task = _ready_task(task_id)
    if task.assigned_to_id != actor.id:
        raise NotAllowed("Only the person doing a task can hand it back.")
    task.assigned_to_id = task.claimed_by_id = None
    audit.record("task.handed_back", actor, instance=task.instance, task=task)
    outbox.emit(kinds.TASK_READY, actor=actor, case_id=task.case_id, instance_id=task.instance_id, task_id=task.id)
    return task


def allocatable(actor: User, task: Task) -> list[User]:
    """Members of the task's unit who may do its work, for a CSW allocating it."""
    if task.unit_id is None or not permissions.can(actor, "task.allocate", task):
        return []
    return list(db.session.scalars(select(User).where(
        User.unit_id == task.unit_id, User.active.is_(True),
        User.post.in_(posts.posts_acting_as(task.post or ""))).order_by(User.name)))


def allocate(task_id: str, actor: User, assignee_id: int | None) -> Task:
    task = _ready_task(task_id)
    if not permissions.can(actor, "task.allocate", task):
        raise NotAllowed("Only a Consultant Social Worker of the task's unit can allocate it.")
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee is None or assignee not in allocatable(actor, task):
        raise Invalid(errors=[FieldError("assignee", f"Select a member of the unit who can do the work "
                                                     f"of the {task.post}")])
    if assignee.id == task.assigned_to_id:
        raise EngineError(f"This task is already allocated to {assignee.name}.")
    before = task.assigned_to
    task.assigned_to_id, task.claimed_by_id = assignee.id, None
    audit.record("task.allocated", actor, instance=task.instance, task=task,
                 detail={"from": before.name if before else None, "to": assignee.name, "to_id": assignee.id})
    told_of_change(task, actor, before, assignee)
    return task


def told_of_change(task: Task, actor: User, before: User | None, after: User | None) -> None:
    """The person given a task, and the one it was taken from, are told."""
    for person, given in ((after, True), (before, False)):
        if person is not None and person.id != actor.id:
            outbox.emit(kinds.TASK_ASSIGNED, actor=actor, case_id=task.case_id, instance_id=task.instance_id,
                        task_id=task.id, detail={"to_id": person.id, "given": given, "by": actor.name})
