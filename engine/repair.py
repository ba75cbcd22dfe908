"""Putting a process instance right: managers' repair actions (issue 7).

Each action is taken by a post with authority (a Group Manager or Head of
Service within their own service, the Assistant or Deputy Director anywhere),
needs a reason, is audited with it, and works inside the caller's
unit_of_work() like the rest of the engine:

* reassign a task to a named person, or unclaim it (back to its post);
* escalate a task to the next post up the case-decision chain;
* retry a failed step (a script or service task in error) after changing data,
  on its own version or moved to the newest deployed one (the fixed diagram);
* move an instance back to an earlier user task (what the undone steps held,
  such as Panel places and agenda rows, is released: engine/hooks.py RELEASES);
* suspend and resume; cancel.

They use engine.runtime's own loading, engine steps and persisting, so the
task, timer and agenda tables stay in step with the workflow exactly as after
a task is completed.
"""
import json
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from sqlalchemy import select
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from processes import posts

from . import assignment, audit, compaction, hooks, migration, permissions, runtime, specs
from .current_data import current_task
from .db import db
from .forms import FieldError
from .models import AgendaItem, ProcessInstance, Task, Timer, User
from .runtime import AlreadyDone, EngineError, Invalid, NotAllowed, NotFound
from .timeutil import utcnow

REPAIRERS = permissions.holders("instance.repair")
DEPARTMENT_WIDE = (posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR)
OPEN = ("running", "error", "suspended")

# The chain a task climbs when escalated; the Referral Manager stands at the
# CSW's level in A&A only, so escalation never lands on that post.
ESCALATION_CHAIN = (posts.SOCIAL_WORKER, posts.CSW, posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE,
                    posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR)


# ---------------------------------------------------------------- authority

def may_repair(user: User) -> bool:
    """Whether the post repairs anything at all (the pages ask this)."""
    return permissions.can(user, "instance.repair")


def can_repair(user: User, instance: ProcessInstance) -> bool:
    if not may_repair(user):
        return False
    if user.post in DEPARTMENT_WIDE:
        return True
    case = instance.case
    return case is not None and bool(user.service) and case.service == user.service


def can_repair_task(user: User, task: Task) -> bool:
    if not may_repair(user):
        return False
    if user.post in DEPARTMENT_WIDE:
        return True
    # the task's own scope (a receiving unit's, say) or its case's service
    return bool(user.service) and (task.service == user.service or can_repair(user, task.instance))


def next_post(post: str | None) -> str | None:
    """The post above `post` in the case-decision chain, or None at the top
    or for posts outside the chain (a panel's or JARP's own staff)."""
    if post not in posts.CHAIN_RANK:
        return None
    rank = posts.CHAIN_RANK[post]
    return next((p for p in ESCALATION_CHAIN if posts.CHAIN_RANK[p] > rank), None)


def eligible_assignees(actor: User, task: Task) -> list[User]:
    """People a task may be given to: active, in a post that may do its work
    (the Matrix of Responsibility), within the manager's service unless the
    manager is department-wide."""
    query = select(User).where(User.active, User.post.in_(posts.posts_acting_as(task.post or "")))
    if actor.post not in DEPARTMENT_WIDE:
        query = query.where(User.service == actor.service)
    return list(db.session.scalars(query.order_by(User.name)))


# ---------------------------------------------------------------- helpers

def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise Invalid(errors=[FieldError("reason", "Enter the reason for this change")])
    return reason.strip()


def _lock_instance(instance_id: int) -> ProcessInstance:
    instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                  .with_for_update()).first()
    if instance is None:
        raise NotFound("There is no such process instance.")
    return instance


def _instance_for(actor: User, instance_id: int) -> ProcessInstance:
    instance = _lock_instance(instance_id)
    if not can_repair(actor, instance):
        raise NotAllowed("Your post cannot change this process.")
    return instance


def _task_for(actor: User, task_id: str) -> tuple[Task, ProcessInstance]:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound("There is no such task.")
    instance = _lock_instance(task.instance_id)   # queue behind anyone completing it
    db.session.refresh(task)
    if not can_repair_task(actor, task):
        raise NotAllowed("Your post cannot change this task.")
    if task.state != "ready":
        raise AlreadyDone(f"This task is no longer waiting to be done (it was {task.state}).")
    return task, instance


def _touch(instance: ProcessInstance) -> None:
    """A manager's action counts as progress for the 'no progress' rule."""
    instance.updated_at = utcnow()


def _rekey_reused_rows(instance: ProcessInstance, workflow, before) -> None:
    """Moving back reuses SpiffWorkflow task ids: the reopened task (and a
    boundary timer reset with it) keep their ids.  Their old rows (completed,
    fired) are kept as history under a fresh id, so runtime.persist can insert the
    open ones afresh."""
    ready = {t.id for t in workflow.get_tasks(state=TaskState.READY, manual=True)} - before.ready
    timers = {t.id for t in runtime.timer_tasks(workflow)} - before.timers
    for model, ids in ((Task, ready), (Timer, timers)):
        if not ids:
            continue
        for row_id in db.session.scalars(select(model.id).where(model.id.in_([str(i) for i in ids]))).all():
            db.session.execute(model.__table__.update().where(model.id == row_id).values(id=str(uuid4())))


def _new_task_id(spiff_task) -> None:
    """SpiffWorkflow reopens a task under its old id.  The task row and audit
    rows of its earlier completion carry that id, so the reopened task is
    given a fresh one (its own row), and history keeps pointing at history."""
    workflow, old = spiff_task.workflow, spiff_task.id
    new = uuid4()
    del workflow.tasks[old]
    spiff_task.id = new
    workflow.tasks[new] = spiff_task
    parent = spiff_task.parent
    if parent is not None:
        parent._children = [new if child == old else child for child in parent._children]
    for child in spiff_task.children:
        child._parent = new


def parse_changes(text: str | None) -> dict:
    """The data changes for a retry, typed as a JSON object."""
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Invalid(errors=[FieldError(
            "changes", 'Enter the changes as a JSON object, for example {"count": 3}')])
    return value


# ---------------------------------------------------------------- task actions

def reassign(task_id: str, actor: User, assignee_id: int | None, reason: str | None) -> Task:
    task, instance = _task_for(actor, task_id)
    errors = []
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee is None or assignee not in eligible_assignees(actor, task):
        errors.append(FieldError("assignee", f"Select a person who can do the work of the {task.post}"))
    if not reason or not reason.strip():
        errors.append(FieldError("reason", "Enter the reason for this change"))
    if errors:
        raise Invalid(errors=errors)
    if assignee.id == task.assigned_to_id:
        raise EngineError(f"This task is already assigned to {assignee.name}.")
    holder = task.assigned_to
    before = holder.name if holder else None
    task.assigned_to, task.claimed_by_id = assignee, None
    _touch(instance)
    audit.record("task.reassigned", actor, instance=instance, task=task, reason=reason.strip(),
                 detail={"from": before, "to": assignee.name, "to_id": assignee.id, "post": task.post})
    assignment.told_of_change(task, actor, holder, assignee)
    return task


def unclaim(task_id: str, actor: User, reason: str | None) -> Task:
    task, instance = _task_for(actor, task_id)
    reason = _reason(reason)
    if task.assigned_to_id is None and task.claimed_by_id is None:
        raise EngineError("This task is not assigned to anyone.")
    before = task.assigned_to.name if task.assigned_to else None
    task.assigned_to, task.claimed_by_id = None, None
    _touch(instance)
    audit.record("task.unclaimed", actor, instance=instance, task=task, reason=reason,
                 detail={"from": before, "post": task.post})
    return task


def escalate(task_id: str, actor: User, reason: str | None) -> Task:
    task, instance = _task_for(actor, task_id)
    reason = _reason(reason)
    above = next_post(task.post)
    if above is None:
        raise EngineError(f"The {task.post} is not below anyone in the case-decision chain; "
                          "give the task to a named person instead.")
    before = task.post
    task.post, task.assigned_to, task.claimed_by_id = above, None, None
    _touch(instance)
    audit.record("task.escalated", actor, instance=instance, task=task, reason=reason,
                 detail={"from": before, "to": above})
    return task


# ---------------------------------------------------------------- instance actions

def suspend(instance_id: int, actor: User, reason: str | None) -> ProcessInstance:
    instance = _instance_for(actor, instance_id)
    reason = _reason(reason)
    if instance.status != "running":
        raise EngineError(f"Only a running process can be suspended; this one is {instance.status}.")
    instance.status = "suspended"
    _touch(instance)
    audit.record("instance.suspended", actor, instance=instance, reason=reason)
    return instance


def resume(instance_id: int, actor: User, reason: str | None) -> ProcessInstance:
    instance = _instance_for(actor, instance_id)
    reason = _reason(reason)
    if instance.status != "suspended":
        raise EngineError(f"Only a suspended process can be resumed; this one is {instance.status}.")
    instance.status = "running"   # timers that fell due meanwhile fire on the worker's next round
    _touch(instance)
    audit.record("instance.resumed", actor, instance=instance, reason=reason)
    return instance


def cancel(instance_id: int, actor: User, reason: str | None) -> ProcessInstance:
    instance = _instance_for(actor, instance_id)
    reason = _reason(reason)
    if instance.status not in OPEN:
        raise EngineError(f"This process is already {instance.status}.")
    workflow = runtime.load_workflow(instance)
    before = runtime.before_action(workflow)
    # every step is undone: what they held goes (the agenda row stays, marked cancelled below);
    # the task table names the steps of loop passes compaction dropped from the tree too
    steps = {t.id for t in workflow.get_tasks()} | set(db.session.scalars(
        select(Task.id).where(Task.instance_id == instance.id)))
    hooks.release(instance, actor, reason, steps, current_task(workflow).data if workflow.last_task else {})
    workflow.cancel()
    workflow.data.pop("start_next", None)  # a cancelled cycle does not begin the next one
    instance.status = "cancelled"
    instance.completed_at = utcnow()       # when it ended: the charts read ends from here
    item = db.session.get(AgendaItem, instance.id)
    if item is not None and item.status == "listed":
        item.status = "cancelled"
    audit.record("instance.cancelled", actor, instance=instance, reason=reason,
                 detail={"open_tasks_cancelled": len(before.ready)})
    runtime.persist(instance, workflow, actor, before)
    return instance


def retry(instance_id: int, actor: User, changes: dict, reason: str | None,
          to_version: int | None = None) -> ProcessInstance:
    """Run the failed step again, with `changes` made to its data first.
    With `to_version`, the newest deployed version (the fixed diagram), the
    instance is first moved to it (engine.migration), in the same transaction."""
    instance = _instance_for(actor, instance_id)
    reason = _reason(reason)
    if instance.status != "error":
        raise EngineError(f"Only a process with a failed step can be retried; this one is {instance.status}.")
    workflow = runtime.load_workflow(instance)
    before = runtime.before_action(workflow)   # what the tables hold: the same open tasks after a move
    own = specs.loaded_by_id(instance.definition_id).version
    moved_from = None
    if to_version is not None and to_version != own:
        workflow = _move_to_newest(instance, to_version, own, actor)
        moved_from = own
    failed = workflow.get_tasks(state=TaskState.ERROR)
    previous_error = instance.error
    for spiff_task in failed:
        workflow.reset_from_task_id(spiff_task.id)   # READY again, with its parent's data
        spiff_task.data.update(changes)
    if not failed and current_task(workflow) is not None:  # after an interrupting timer: its path's task
        current_task(workflow).data.update(changes)
    instance.status, instance.error = "running", None
    runtime.advance(instance, workflow, actor)   # sets status error again if it fails again
    _rekey_reused_rows(instance, workflow, before)
    audit.record("instance.retried", actor, instance=instance, reason=reason,
                 element_name=", ".join(t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in failed) or None,
                 detail={"changes": changes, "previous_error": previous_error,
                         "outcome": "failed again" if instance.status == "error" else "ran",
                         "error": instance.error, "version": to_version or own,
                         "moved_from_version": moved_from})
    runtime.persist(instance, workflow, actor, before)
    return instance


def _move_to_newest(instance: ProcessInstance, to_version: int, own: int, actor):
    """The instance's workflow on `to_version`, which must be the newest
    deployed version (a page shown before another deploy asks for an older
    one: refused, not moved somewhere the manager did not see)."""
    newest = migration.newer_version(instance)
    if newest is None or newest.version != to_version:
        latest = specs.current(instance.process_key)
        raise EngineError(f"Version {to_version} is not the newest deployed version of this process "
                          f"(that is version {latest.version if latest else own}); nothing was changed. "
                          "Look at the page again and choose.")
    try:
        return migration.move_for_retry(instance, newest, actor)
    except migration.MigrationError as exc:
        raise EngineError(f"It cannot be retried on version {to_version}: {exc} Nothing was changed: "
                          f"it is still on version {own}, in error.") from exc


def parse_retry(version: str | None, changes: str | None, reason: str | None) -> tuple[int | None, dict]:
    """The retry form's answers: the version chosen to run it on (None: its
    own) and the data changes; every problem at once."""
    errors, to_version, parsed = [], None, {}
    raw = (version or "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        errors.append(FieldError("version", "Select the version to run it on"))
    elif raw:
        to_version = int(raw)
    try:
        parsed = parse_changes(changes)
    except Invalid as exc:
        errors.extend(exc.errors)
    if errors and (not reason or not reason.strip()):
        errors.append(FieldError("reason", "Enter the reason for this change"))
    if errors:
        raise Invalid(errors=errors)
    return to_version, parsed


def move_back(instance_id: int, actor: User, task_id: str, reason: str | None) -> ProcessInstance:
    """Reopen an earlier user task: everything after it is undone (open tasks
    cancelled, its later steps dropped) and the process goes on from there."""
    instance = _instance_for(actor, instance_id)
    if not task_id:
        raise Invalid(errors=[FieldError("target", "Select the step to go back to")]
                      + ([FieldError("reason", "Enter the reason for this change")]
                         if not reason or not reason.strip() else []))
    reason = _reason(reason)
    if instance.status not in ("running", "error"):
        raise EngineError(f"A {instance.status} process cannot be moved back.")
    workflow = runtime.load_workflow(instance)
    try:
        target = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, TaskNotFoundException):  # not a task id, or one no longer in the tree (compaction)
        target = None
    if target is None or not target.task_spec.manual or target.state != TaskState.COMPLETED \
            or not compaction.may_reopen(target):
        raise Invalid(errors=[FieldError("target", "Select a step that has been done")])
    before = runtime.before_action(workflow)
    undone = {target.id} | {getattr(t, "id", t) for t in workflow.reset_from_task_id(target.id)}
    _new_task_id(target)
    # what the undone steps held in the engine's tables goes with them (places, agenda rows)
    hooks.release(instance, actor, reason, undone, target.data)
    instance.status, instance.error = "running", None
    runtime.advance(instance, workflow, actor)
    _rekey_reused_rows(instance, workflow, before)
    audit.record("instance.moved_back", actor, instance=instance, reason=reason,
                 element_name=target.task_spec.bpmn_name or target.task_spec.bpmn_id,
                 detail={"to_task": str(target.id), "element": target.task_spec.bpmn_id})
    runtime.persist(instance, workflow, actor, before)
    return instance


# ---------------------------------------------------------------- one instance, read

@dataclass
class Tokens:
    """Where an instance is, read from its (one, deserialized) workflow."""
    done: list = field(default_factory=list)       # element ids on the path taken
    current: list = field(default_factory=list)    # ready, waiting or started
    errored: list = field(default_factory=list)
    cancelled: list = field(default_factory=list)
    steps_done: list = field(default_factory=list)  # (task id, name) of completed user tasks
    names: dict = field(default_factory=dict)       # element id -> its name in the diagram


def tokens(instance: ProcessInstance, workflow=None) -> Tokens:
    if workflow is None:
        from .queries import peek_workflow
        workflow = peek_workflow(instance)
    out = Tokens()
    buckets = ((TaskState.COMPLETED, out.done), (TaskState.READY | TaskState.WAITING | TaskState.STARTED,
                                                 out.current),
               (TaskState.ERROR, out.errored), (TaskState.CANCELLED, out.cancelled))
    for state, bucket in buckets:
        for spiff_task in workflow.get_tasks(state=state):
            element = getattr(spiff_task.task_spec, "bpmn_id", None)
            if element and element not in bucket:
                bucket.append(element)
                out.names[element] = spiff_task.task_spec.bpmn_name or element
    _add_dropped(out, workflow)
    for spiff_task in workflow.get_tasks(state=TaskState.COMPLETED, manual=True):
        if compaction.may_reopen(spiff_task):
            out.steps_done.append((str(spiff_task.id),
                                   spiff_task.task_spec.bpmn_name or spiff_task.task_spec.bpmn_id))
    return out


def _add_dropped(out: Tokens, workflow) -> None:
    """The path taken in the loop passes compaction dropped from the tree
    (engine/compaction.py), for the elements the instance's version has."""
    dropped = compaction.record(workflow)
    if not dropped["dropped"]:
        return
    specs_by_element = {getattr(s, "bpmn_id", None): s for s in workflow.spec.task_specs.values()}
    for key, bucket in (("done", out.done), ("cancelled", out.cancelled)):
        for element in dropped[key]:
            spec = specs_by_element.get(element)
            if spec is not None and element not in bucket:
                bucket.append(element)
                out.names[element] = spec.bpmn_name or element
