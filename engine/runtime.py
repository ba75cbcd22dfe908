"""Run process instances: start, complete a task, fire timers, persist.

Every function here works inside the caller's transaction and never commits:
the web views, the API and the worker each wrap one user action (or one timer)
in `engine.transaction.unit_of_work()`.
"""
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from processes import calendar, clock, posts

from . import audit, authz, cache, forms, specs
from .db import db
from .models import AgendaItem, Case, ProcessInstance, Task, Timer, Unit, User
from .scripting import script_engine
from .serialization import dump_state, load_state
from .timeutil import from_db, to_db, utcnow

_ENGINE = script_engine()
_RULE_FUNCTIONS_NAMESPACE = "rules"


class EngineError(Exception):
    """Something the person asking should be told, in plain words."""
    status = 400


class NotFound(EngineError):
    status = 404


class NotAllowed(EngineError):
    status = 403


class AlreadyDone(EngineError):
    status = 409


@dataclass
class Invalid(EngineError):
    errors: list = field(default_factory=list)     # FieldError
    problems: list = field(default_factory=list)   # rule problems, plain words
    can_override: bool = False
    status = 422

    def __str__(self):
        return "; ".join([e.message for e in self.errors] + self.problems)


# ---------------------------------------------------------------- loading

def _workflow(instance: ProcessInstance) -> BpmnWorkflow:
    workflow = cache.take(instance.id, instance.row_version)
    if workflow is None:
        loaded = specs.loaded(instance.definition)
        workflow = load_state(instance.state, loaded.spec, loaded.subprocess_specs, _ENGINE)
    return workflow


def properties(task_spec) -> dict:
    return task_spec.extensions.get("properties", {}) if hasattr(task_spec, "extensions") else {}


# ---------------------------------------------------------------- running

def _run_engine(workflow: BpmnWorkflow) -> None:
    """Run automatic steps until only people or the clock can move it on."""
    workflow.do_engine_steps()
    while workflow.get_tasks(state=TaskState.READY, manual=False):
        workflow.do_engine_steps()


def _advance(instance: ProcessInstance, workflow: BpmnWorkflow, actor) -> None:
    try:
        _run_engine(workflow)
    except SpiffWorkflowException as exc:
        instance.status = "error"
        instance.error = _plain_error(exc)
        audit.record("instance.error", actor, instance=instance,
                     element_name=getattr(getattr(exc, "task_spec", None), "bpmn_name", None),
                     detail={"error": instance.error})


def _plain_error(exc: Exception) -> str:
    where = getattr(getattr(exc, "task_spec", None), "bpmn_name", None)
    message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return f"{where}: {message}" if where else message


def start_instance(process_key: str, case: Case | None, actor: User | None,
                   data: dict | None = None) -> ProcessInstance:
    definition = specs.current(process_key)
    if definition is None:
        raise NotFound(f"There is no deployed process called {process_key}.")
    loaded = specs.loaded(definition)
    workflow = BpmnWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=_ENGINE)
    initial = dict(data or {})
    if case is not None:
        initial["case"] = {"id": case.id, "reference": case.reference,
                           "child_name": case.child_name, "service": case.service,
                           "unit": case.unit.name if case.unit else None}
    if actor is not None:
        initial["started_by"] = {"id": actor.id, "name": actor.name, "post": actor.post}
    workflow.task_tree.data.update(initial)
    instance = ProcessInstance(definition=definition, process_key=process_key, case=case,
                               started_by_id=actor.id if actor else None,
                               summary=definition.name, state=b"")
    db.session.add(instance)
    db.session.flush()
    audit.record("instance.started", actor, instance=instance, element_name=definition.name,
                 detail={"process": process_key, "version": definition.version})
    _advance(instance, workflow, actor)
    _persist(instance, workflow, actor)
    return instance


def complete_task(task_id: str, actor: User, form_data: dict, *,
                  override_reason: str | None = None) -> Task:
    """Authorise → validate → run → engine steps → persist → audit."""
    task = db.session.get(Task, task_id)
    if task is None or not (authz.can_act_on(actor, task) or authz.can_see_case(actor, task.case)):
        raise NotFound("There is no such task, or it is not yours to see.")
    # Lock the instance row so two people finishing the same task queue up
    # (PostgreSQL); the row version check catches the rest (SQLite).
    instance = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.id == task.instance_id).with_for_update()).one()
    db.session.refresh(task)
    if task.state != "ready":
        who = task.completed_by.name if task.completed_by else "someone else"
        when = from_db(task.completed_at).strftime("%-d %B %Y at %H:%M") if task.completed_at else ""
        raise AlreadyDone(f"This task was already completed by {who}{' on ' + when if when else ''}.")
    if not authz.can_act_on(actor, task):
        raise NotAllowed("You cannot complete this task.")
    if instance.status != "running":
        raise EngineError(f"This process is {instance.status}; a manager must put it right first.")

    loaded = specs.loaded(instance.definition)
    workflow = _workflow(instance)
    spiff_task = workflow.get_task_from_id(UUID(task_id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise AlreadyDone("This task is no longer waiting to be done.")
    props = properties(spiff_task.task_spec)
    data = dict(form_data)
    try:
        overridden = _check_answers(loaded, props, data, spiff_task, actor, override_reason)
    except Invalid:
        cache.put_back(instance.id, instance.row_version, workflow)  # unchanged: keep it warm
        raise
    key = props.get("formDataKey")
    if key:
        spiff_task.data[key] = data
    else:
        spiff_task.data.update(data)
    spiff_task.run()
    now = utcnow()
    task.state, task.completed_by_id, task.completed_at = "completed", actor.id, now
    audit.record("task.completed", actor, instance=instance, task=task, detail={"data": data})
    if overridden:
        audit.record("rule.overridden", actor, instance=instance, task=task,
                     reason=override_reason.strip(), detail={"rules": overridden})
    _advance(instance, workflow, actor)
    _persist(instance, workflow, actor)
    return task


def _check_answers(loaded, props, data, spiff_task, actor, override_reason) -> list[str] | None:
    """Schema, then the task's rules; returns the rules overridden, if any."""
    schema = loaded.forms.get(props.get(specs.FORM_PROPERTY, ""), None)
    if schema is not None:
        errors = forms.validate(schema, data) + _option_errors(schema, data)
        if errors:
            raise Invalid(errors=errors)
    problems = _rule_problems(props, data, spiff_task.data)
    if not problems:
        return None
    override_post = props.get("overridePost")
    allowed = bool(override_post) and posts.outranks(actor.post, override_post)
    if not (allowed and override_reason and override_reason.strip()):
        raise Invalid(problems=problems, can_override=allowed)
    return problems


def _option_errors(schema: dict, data: dict) -> list:
    """Answers that must name something in the register (x-options: units)."""
    errors = []
    for name, prop in schema.get("properties", {}).items():
        if prop.get("x-options") == "units" and data.get(name):
            if db.session.scalar(select(Unit.id).filter_by(name=data[name])) is None:
                errors.append(forms.FieldError(name, f"Select a unit from the list for ‘{prop.get('title', name)}’"))
    return errors


def _rule_problems(props: dict, data: dict, task_data: dict) -> list[str]:
    """The task's rules: a function of the answers, evaluated in the task's
    data so it may use earlier answers (e.g. the route of a transfer)."""
    expression = props.get("rules")
    if not expression:
        return []
    check = _ENGINE.environment.evaluate(expression, dict(task_data))
    return [str(p) for p in check(data) or []]


def explain_conflict(task_id: str) -> AlreadyDone:
    """After losing a race for a task: who won it."""
    task = db.session.get(Task, task_id)
    if task is not None and task.state == "completed" and task.completed_by:
        return AlreadyDone(f"This task was already completed by {task.completed_by.name}.")
    return AlreadyDone("Someone else changed this process at the same moment; reload and try again.")


def fire_timers(instance: ProcessInstance) -> int:
    """Let due timers of one instance fire and the process move on."""
    workflow = _workflow(instance)
    waiting = {t.id for t in _timer_tasks(workflow)}
    workflow.refresh_timers()
    _advance(instance, workflow, None)
    fired = waiting - {t.id for t in _timer_tasks(workflow)}
    for task_id in fired:
        audit.record("timer.fired", None, instance=instance, detail={"timer": str(task_id)})
    _persist(instance, workflow, None)
    return len(fired)


# ---------------------------------------------------------------- persisting

def _timer_tasks(workflow: BpmnWorkflow):
    return [t for t in workflow.event_manager.tasks.values()
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def _persist(instance: ProcessInstance, workflow: BpmnWorkflow, actor) -> None:
    if workflow.completed and instance.status == "running":
        instance.status = "complete"
        instance.completed_at = utcnow()
        audit.record("instance.completed", actor, instance=instance)
    instance.state = dump_state(workflow)
    instance.updated_at = utcnow()
    _sync_tasks(instance, workflow)
    _sync_timers(instance, workflow)
    data = workflow.data if workflow.completed else (workflow.last_task.data if workflow.last_task else {})
    _sync_agenda(instance, data)
    if data.get("process_due"):
        instance.due_at = to_db(data["process_due"])
    if isinstance(data.get("case_move"), dict):
        _move_case(instance, data["case_move"], actor)
    db.session.flush()  # bumps row_version, or raises StaleDataError
    cache.keep_after_commit(instance.id, instance.row_version, workflow)
    if workflow.completed and isinstance(data.get("start_next"), dict):
        _start_next(instance, data["start_next"], actor)


def _sync_tasks(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    open_rows = {t.id: t for t in db.session.scalars(select(Task).where(
        Task.instance_id == instance.id, Task.state == "ready"))}
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    for task_id, row in open_rows.items():
        if task_id not in ready:
            row.state = "cancelled"
    for task_id, spiff_task in ready.items():
        if task_id in open_rows:
            continue
        spec = spiff_task.task_spec
        props = properties(spec)
        agenda = spiff_task.data.get("agenda") if isinstance(spiff_task.data.get("agenda"), dict) else {}
        service, unit_id = _scope(instance.case, props, spiff_task.data)
        db.session.add(Task(
            id=task_id, instance_id=instance.id, case_id=instance.case_id,
            process_key=instance.process_key, element_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id, post=spec.lane,
            service=service, unit_id=unit_id,
            form=props.get(specs.FORM_PROPERTY), priority=agenda.get("priority"),
            due_at=_due_at(spiff_task, props)))


def _scope(case: Case | None, props: dict, data: dict) -> tuple[str | None, int | None]:
    """Whose task it is: the case's unit, unless the diagram names another
    unit (scopeUnit) or service (scopeService), as for a receiving unit."""
    if props.get("scopeUnit"):
        name = _ENGINE.environment.evaluate(props["scopeUnit"], dict(data))
        unit = db.session.scalar(select(Unit).filter_by(name=name)) if name else None
        if unit is not None:
            return unit.service, unit.id
    if props.get("scopeService"):
        service = _ENGINE.environment.evaluate(props["scopeService"], dict(data))
        if service:
            return service, None
    return (case.service, case.unit_id) if case else (None, None)


def _due_at(spiff_task, props: dict) -> datetime | None:
    if props.get("dueDate"):
        return to_db(_ENGINE.environment.evaluate(props["dueDate"], dict(spiff_task.data)))
    if props.get("dueWorkingDays"):
        return to_db(calendar.deadline_at(clock.now(), int(props["dueWorkingDays"])))
    return None


def _sync_timers(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    existing = {t.id: t for t in db.session.scalars(select(Timer).where(
        Timer.instance_id == instance.id, Timer.fired_at.is_(None)))}
    waiting = {}
    for task in _timer_tasks(workflow):
        value = task._get_internal_data("event_value")
        if isinstance(value, str):
            waiting[str(task.id)] = TimerEventDefinition.get_datetime(value)
    now = utcnow()
    for timer_id, row in existing.items():
        if timer_id not in waiting:
            row.fired_at = now
    for timer_id, fire_at in waiting.items():
        if timer_id not in existing:
            db.session.add(Timer(id=timer_id, instance_id=instance.id,
                                 element_id=workflow.get_task_from_id(UUID(timer_id)).task_spec.bpmn_id,
                                 fire_at=to_db(fire_at)))


def _sync_agenda(instance: ProcessInstance, data: dict) -> None:
    agenda = data.get("agenda")
    if not isinstance(agenda, dict) or not agenda.get("sitting"):
        return
    item = db.session.get(AgendaItem, instance.id) or AgendaItem(instance_id=instance.id)
    item.meeting = agenda.get("name", "")
    item.sitting = clock.as_date(agenda["sitting"])
    item.case_id = instance.case_id
    item.priority = agenda.get("priority")
    item.score = agenda.get("score")
    item.carried_over = bool(agenda.get("carried_over"))
    item.direct = bool(agenda.get("direct"))
    item.status = agenda.get("status", "listed")
    instance.priority = item.priority
    db.session.add(item)


def _move_case(instance: ProcessInstance, move: dict, actor) -> None:
    """Change the case's unit and service in this same transaction: the new
    unit sees the case and its open tasks, the old unit no longer does."""
    case = instance.case
    unit = db.session.scalar(select(Unit).filter_by(name=move.get("unit"))) if move.get("unit") else None
    service = unit.service if unit else move.get("service")
    if case is None or (unit is None and not service):
        return
    if (case.unit_id, case.service) == ((unit.id if unit else case.unit_id), service):
        return
    old = {"service": case.service, "unit": case.unit.name if case.unit else None}
    for task in db.session.scalars(select(Task).where(
            Task.case_id == case.id, Task.state == "ready", Task.unit_id == case.unit_id)):
        task.service, task.unit_id = service, unit.id if unit else None
    case.service = service
    if unit is not None:
        case.unit = unit
    audit.record("case.transferred", actor, instance=instance, reason=move.get("reason"),
                 detail={"from": old, "to": {"service": service, "unit": unit.name if unit else None}})


def _start_next(instance: ProcessInstance, spec: dict, actor) -> None:
    """A bounded cycle (a six-week review, say) begins as a new instance."""
    process_key = spec.get("process")
    if not process_key:
        return
    start_instance(process_key, instance.case, actor, dict(spec.get("data") or {}))
