"""Move running instances onto another version of their process.

A snapshot holds the task tree and data without the spec (serialization.py),
so an instance moves by loading its state against the new version's spec.
It can move when every step it is at (ready, waiting, or a sub-process under
way) is in the new version with the same id and kind, and every step it has
passed is still there (its history must fit).  What the engine had only
predicted from the old diagram is dropped and predicted again from the new.
An instance in error moves one at a time, to be retried on the fixed
version (engine.repair.retry); its failed step counts as a step it is at.

Every move is checked in memory first (rebuilt, written, read back against
the new spec), then written with the instance's row version; nothing here
commits.
"""
import re
from dataclasses import dataclass

import orjson
from sqlalchemy import select
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

from . import audit, specs
from .db import db
from .models import ProcessDefinition, ProcessInstance, Task
from .scripting import script_engine
from .serialization import REGISTRY, dump_state, load_state, state_dict

_ENGINE = script_engine()
OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
MOVABLE_STATUSES = ("running",)


class MigrationError(Exception):
    """Nothing was moved; the reason in plain words."""


@dataclass
class Move:
    instance_id: int
    case_id: int | None
    case_reference: str | None
    from_version: int
    to_version: int
    movable: bool
    reason: str | None
    open_steps: list[str]

    def as_json(self) -> dict:
        return {"instance_id": self.instance_id, "case_id": self.case_id,
                "case_reference": self.case_reference, "from_version": self.from_version,
                "to_version": self.to_version, "can_move": self.movable, "reason": self.reason,
                "open_steps": self.open_steps}


def _kind(task_spec) -> str:
    name = type(task_spec).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _describe(task_spec, name: str) -> str:
    bpmn_name = getattr(task_spec, "bpmn_name", None)
    bpmn_id = getattr(task_spec, "bpmn_id", None) or name
    return f"‘{bpmn_name}’ ({bpmn_id})" if bpmn_name else bpmn_id


def _scopes(dct: dict, old, new):
    """(tasks, old spec, new spec, label) for the top process and each sub-process."""
    yield dct["tasks"], old.spec, new.spec, None
    for sub in dct.get("subprocesses", {}).values():
        name = sub.get("spec")
        yield sub["tasks"], old.subprocess_specs.get(name), new.subprocess_specs.get(name), name


def _prune(dct: dict) -> dict:
    """The snapshot without what the engine only predicted: tasks that are
    likely or maybe, and the future steps below steps not yet done."""
    dct = orjson.loads(orjson.dumps(dct))  # a copy

    def prune(tasks: dict) -> None:
        drop = set()
        for task_id, task in tasks.items():
            if task["state"] & TaskState.PREDICTED_MASK:
                drop.add(task_id)
            elif task["state"] & (OPEN | TaskState.FUTURE):
                stack = list(task["children"])
                while stack:
                    child = tasks.get(stack.pop())
                    if child is not None and child["state"] & (TaskState.PREDICTED_MASK | TaskState.FUTURE):
                        drop.add(child["id"])
                        stack.extend(child["children"])
        for task_id in drop:
            tasks.pop(task_id, None)
        for task in tasks.values():
            task["children"] = [c for c in task["children"] if c not in drop]

    prune(dct["tasks"])
    for sub in dct.get("subprocesses", {}).values():
        prune(sub["tasks"])
    return dct


def why_not(state: bytes, old, new, version: int) -> str | None:
    """Why an instance in `state` (on `old`) cannot move to `new`, or None."""
    dct = _prune(state_dict(state))
    for tasks, old_spec, new_spec, sub_name in _scopes(dct, old, new):
        if new_spec is None:
            return f"It is inside the sub-process {sub_name}, which version {version} does not have."
        for task in tasks.values():
            name = task["task_spec"]
            old_ts = old_spec.task_specs.get(name) if old_spec is not None else None
            new_ts = new_spec.task_specs.get(name)
            what = _describe(old_ts, name)
            if task["state"] & OPEN:
                if new_ts is None:
                    return f"It is at {what}, and version {version} has no step with that id."
                if old_ts is not None and type(new_ts) is not type(old_ts):
                    return (f"It is at {what}, a {_kind(old_ts)}, but in version {version} "
                            f"{name} is a {_kind(new_ts)}.")
            elif new_ts is None:
                return (f"It has already passed {what}, which version {version} no longer has, "
                        "so its history would not fit.")
    return None


def rebuild(state: bytes, new) -> BpmnWorkflow:
    """The instance's workflow on the new spec, predicted afresh."""
    workflow = REGISTRY.restore(_prune(state_dict(state)), spec=new.spec,
                                subprocess_specs=new.subprocess_specs)
    workflow.script_engine = _ENGINE
    for each in [workflow, *workflow.subprocesses.values()]:
        Workflow._predict(each)
    return workflow


def _open_steps(state: bytes, loaded) -> list[str]:
    dct = state_dict(state)
    out = []
    for tasks, old_spec, _new, _name in _scopes(dct, loaded, loaded):
        for task in tasks.values():
            if task["state"] & (TaskState.READY | TaskState.WAITING) and old_spec is not None:
                task_spec = old_spec.task_specs.get(task["task_spec"])
                if getattr(task_spec, "bpmn_id", None):
                    out.append(task_spec.bpmn_name or task_spec.bpmn_id)
    return out


def _check_move(instance: ProcessInstance, target: ProcessDefinition):
    """(reason it cannot move or None, rebuilt workflow or None)."""
    old = specs.loaded_by_id(instance.definition_id)
    new = specs.loaded(target)
    reason = why_not(instance.state, old, new, target.version)
    if reason:
        return reason, None
    try:
        workflow = rebuild(instance.state, new)
        # written and read back as the engine will next read it
        again = load_state(dump_state(workflow), new.spec, new.subprocess_specs, _ENGINE)
        ready = {str(t.id) for t in again.get_tasks(state=TaskState.READY, manual=True)}
    except Exception as exc:  # the engine refused the state: report it, move nothing
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"Its state could not be read against version {target.version}: {first}", None
    open_rows = set(db.session.scalars(select(Task.id).where(
        Task.instance_id == instance.id, Task.state == "ready")).all())
    if ready != open_rows:
        return (f"Its open tasks would not be the same on version {target.version}; "
                "it stays where it is."), None
    return None, workflow


def _write_move(instance: ProcessInstance, target: ProcessDefinition, workflow, old_version: int,
                actor, detail: dict | None = None) -> None:
    """Put the checked, rebuilt workflow on the instance and its open task
    rows, and audit the move."""
    instance.definition_id = target.id
    instance.state = dump_state(workflow)
    for spiff_task in workflow.get_tasks(state=TaskState.READY, manual=True):
        task_spec = spiff_task.task_spec
        db.session.execute(Task.__table__.update().where(Task.id == str(spiff_task.id)).values(
            name=task_spec.bpmn_name or task_spec.bpmn_id, post=task_spec.lane,
            form=getattr(task_spec, "extensions", {}).get("properties", {}).get(specs.FORM_PROPERTY)))
    audit.record("instance.migrated", actor, instance=instance, element_name=instance.process_key,
                 detail={"process": instance.process_key, "from_version": old_version,
                         "to_version": target.version, **(detail or {})})


def newer_version(instance: ProcessInstance) -> ProcessDefinition | None:
    """The version new instances of its process start on, when that is
    newer than the instance's own (a fixed diagram deployed since), or None."""
    current = specs.current(instance.process_key)
    if current is None or current.id == instance.definition_id:
        return None
    return current if current.version > specs.loaded_by_id(instance.definition_id).version else None


def _retry_refusal(instance: ProcessInstance, target: ProcessDefinition) -> str | None:
    if instance.status != "error":
        return f"It is {instance.status}; only a process with a failed step is moved to be retried."
    if instance.process_key != target.process_key:
        return f"Version {target.version} is of {target.process_key}, not of {instance.process_key}."
    if instance.definition_id == target.id:
        return f"It is already on version {target.version}."
    return None


def why_not_for_retry(instance: ProcessInstance, target: ProcessDefinition) -> str | None:
    """The dry run for one instance in error: why it cannot move to
    `target` to be retried there, or None.  The failed step is open (it will
    run again), so `target` must have it with the same id and kind."""
    return _retry_refusal(instance, target) or _check_move(instance, target)[0]


def move_for_retry(instance: ProcessInstance, target: ProcessDefinition, actor):
    """Move one instance in error (locked by the caller) to `target` and
    return its workflow there, for the caller to retry in the same
    transaction; MigrationError, with nothing moved, if it cannot move."""
    reason = _retry_refusal(instance, target)
    workflow = None
    if reason is None:
        reason, workflow = _check_move(instance, target)
    if reason:
        raise MigrationError(reason)
    _write_move(instance, target, workflow, specs.loaded_by_id(instance.definition_id).version, actor,
                {"for": "retry"})
    return workflow


def plan(process_key: str, target: ProcessDefinition) -> list[Move]:
    """The dry run: each running instance on another version, and whether
    it can move to `target` (and if not, why)."""
    rows = db.session.execute(
        select(ProcessInstance, ProcessDefinition.version)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.process_key == process_key,
               ProcessInstance.status.in_(MOVABLE_STATUSES),
               ProcessInstance.definition_id != target.id)
        .order_by(ProcessInstance.id)).all()
    moves = []
    for instance, version in rows:
        reason, _workflow = _check_move(instance, target)
        old = specs.loaded_by_id(instance.definition_id)
        moves.append(Move(instance.id, instance.case_id,
                          instance.case.reference if instance.case else None,
                          version, target.version, reason is None, reason,
                          _open_steps(instance.state, old)))
    return moves


def migrate(process_key: str, target: ProcessDefinition, instance_ids: list[int], actor) -> tuple[list[Move], list[Move]]:
    """Move the chosen instances to `target`; (moved, refused).  Each move is
    audited on the instance (and so on its case's trail)."""
    if not instance_ids:
        raise MigrationError("Choose at least one process instance to move.")
    instances = db.session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))
        .order_by(ProcessInstance.id).with_for_update()).all()
    found = {i.id for i in instances}
    moved, refused = [], []
    for missing in sorted(set(instance_ids) - found):
        refused.append(Move(missing, None, None, 0, target.version, False,
                            "There is no such process instance.", []))
    new = specs.loaded(target)
    for instance in instances:
        old_version = specs.loaded_by_id(instance.definition_id).version
        reference = instance.case.reference if instance.case else None
        workflow = None
        if instance.process_key != process_key:
            reason = f"It is an instance of {instance.process_key}, not of {process_key}."
        elif instance.status not in MOVABLE_STATUSES:
            reason = f"It is {instance.status}; only running instances move."
        elif instance.definition_id == target.id:
            reason = f"It is already on version {target.version}."
        else:
            reason, workflow = _check_move(instance, target)
        move = Move(instance.id, instance.case_id, reference, old_version, target.version,
                    reason is None, reason, [])
        if reason:
            refused.append(move)
            continue
        _write_move(instance, target, workflow, old_version, actor)
        moved.append(move)
    db.session.flush()  # checks each row version: a concurrent change fails the whole move
    for instance in instances:
        if instance.id in {m.instance_id for m in moved}:
            # read back from what will be committed, against the new spec
            load_state(instance.state, new.spec, new.subprocess_specs, _ENGINE)
    audit.record("process.migrated", actor, element_name=process_key,
                 detail={"process": process_key, "to_version": target.version,
                         "moved": [m.instance_id for m in moved],
                         "refused": {str(m.instance_id): m.reason for m in refused}})
    return moved, refused
