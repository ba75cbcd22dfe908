"""Run process instances: start, complete a task, fire timers, persist.

Every function here works inside the caller's transaction and never commits:
the web views, the API and the worker each wrap one user action (or one timer)
in `engine.transaction.unit_of_work()`.
"""
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from processes import calendar, clock, posts
from processes.problems import field_of as problem_field

from . import audit, authz, cache, documents, forms, hooks, outbox, permissions, record, scripting, specs
from . import driver_statements, write_batch
from . import compaction
from .current_data import current_task
from .db import db
from .models import ONE_AT_A_TIME, AgendaItem, Case, Document, ProcessInstance, Task, Timer, Unit, User
from .row_objects import Shape
from .script_budget import BudgetExceeded, one_action
from .scripting import script_engine
from .serialization import dump_state, load_state
from .task_walk import CaseflowWorkflow
from .timeutil import from_db, to_db, utcnow

_ENGINE = script_engine()
_RULE_FUNCTIONS_NAMESPACE = "rules"

# The statements of the hot path, built once: building and cache-keying a
# statement per call costs several times what SQLite takes to run it.
_TASKS, _TIMERS, _AGENDA, _INSTANCES = (Task.__table__, Timer.__table__, AgendaItem.__table__,
                                        ProcessInstance.__table__)
# the instance (locked), the task and the case, in one statement on the
# driver; the snapshot is read only when the workflow is not in the cache
_INSTANCE_ROW, _TASK_ROW, _CASE_ROW = (Shape(ProcessInstance, leave_out={"state"}), Shape(Task), Shape(Case))
_SNAPSHOT = select(ProcessInstance.state).where(ProcessInstance.id == bindparam("id"))
_LOCK_TASK = (select(*_INSTANCE_ROW.columns, *_TASK_ROW.columns, *_CASE_ROW.columns)
              .select_from(ProcessInstance).join(Task, Task.instance_id == ProcessInstance.id)
              .outerjoin(Case, Case.id == ProcessInstance.case_id).where(Task.id == bindparam("task_id"))
              .with_for_update(of=ProcessInstance))
_MARK_COMPLETED = (_TASKS.update().where(_TASKS.c.id == bindparam("task_id"), _TASKS.c.state == "ready")
                   .values(state="completed", completed_by_id=bindparam("actor_id"),
                           completed_at=bindparam("at"), completed_for_id=bindparam("for_id")))
_CANCEL_TASKS = _TASKS.update().where(_TASKS.c.id.in_(bindparam("ids", expanding=True)),
                                      _TASKS.c.state == "ready").values(state="cancelled")
_INSERT_TASKS = _TASKS.insert()
_INSERT_TIMER = _TIMERS.insert()
# A timer stops waiting when it fires or when it is cancelled (its path not
# taken, the instance cancelled): fired_at is when, outcome says which.
_TIMERS_ENDED = _TIMERS.update().where(_TIMERS.c.id.in_(bindparam("ids", expanding=True)),
                                       _TIMERS.c.fired_at.is_(None)).values(fired_at=bindparam("at"),
                                                                            outcome=bindparam("outcome"))
# The agenda row listed or brought up to date in one statement (an upsert:
# its result is not needed before the action's writes are sent together).
_AGENDA_COLUMNS = ("meeting", "sitting", "case_id", "priority", "score", "carried_over", "direct",
                   "status", "summary")


def _agenda_upsert(dialect):
    insert = dialect.insert(_AGENDA)
    return insert.on_conflict_do_update(index_elements=[_AGENDA.c.instance_id],
                                        set_={c: insert.excluded[c] for c in _AGENDA_COLUMNS})


_UPSERT_AGENDA = {"sqlite": _agenda_upsert(sqlite), "postgresql": _agenda_upsert(postgresql)}
_UPDATE_INSTANCE = _INSTANCES.update().where(_INSTANCES.c.id == bindparam("b_id"),
                                             _INSTANCES.c.row_version == bindparam("b_version"))


# Told to a person whose start met another writer (SQLite's single writer lock).
BUSY_MESSAGE = "The system is busy with another change; try again in a moment."


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

def load_workflow(instance: ProcessInstance) -> BpmnWorkflow:
    workflow = cache.take(instance.id, instance.row_version)
    if workflow is None:
        loaded = specs.loaded_by_id(instance.definition_id)
        workflow = load_state(_snapshot(instance), loaded.spec, loaded.subprocess_specs, _ENGINE)
    return workflow


def _snapshot(instance: ProcessInstance) -> bytes:
    """The instance's snapshot: the locking read leaves it out (the cached
    workflow is what an action runs, nearly always), so it is read here, on
    the driver, when the workflow is not in the cache."""
    if "state" not in instance.__dict__:
        (row,) = driver_statements.session_rows(db.session, _SNAPSHOT, {"id": instance.id})
        set_committed_value(instance, "state", row.state)
    return instance.state


@dataclass
class _Before:
    """What the task, timer and agenda tables hold for this instance, read
    off the workflow as loaded (it is at the row's version, so they agree):
    persisting then writes only the differences, without querying them."""
    ready: set
    timers: set
    agenda: dict | None


def before_action(workflow: BpmnWorkflow | None) -> _Before:
    if workflow is None:
        return _Before(set(), set(), None)
    last = current_task(workflow).data if workflow.last_task else {}
    return _Before({t.id for t in workflow.get_tasks(state=TaskState.READY, manual=True)},
                   {t.id for t in timer_tasks(workflow)}, _agenda_of(last))


def _agenda_of(data: dict) -> dict | None:
    agenda = data.get("agenda")
    return dict(agenda) if isinstance(agenda, dict) else None


def properties(task_spec) -> dict:
    return task_spec.extensions.get("properties", {}) if hasattr(task_spec, "extensions") else {}


# ---------------------------------------------------------------- running

# A loop through a gateway inside one action (scripts only) adds its tasks to
# the tree each round, until SpiffWorkflow's task iterator (1,000 deep) loses
# sight of the ready task and the run stops with nothing left to do: the
# instance would sit "running" for ever.  Past this many tasks the finished
# rounds are dropped during the run, so it goes on until the action's script
# budget ends it in plain words.  Below it, nothing extra runs.
COMPACT_DURING_RUN = 400


def run_engine(workflow: BpmnWorkflow) -> None:
    """Run automatic steps until only people or the clock can move it on.
    (do_engine_steps refreshes timers last; one that fired needs a further round.)
    All its scripts and expressions share one budget (a loop through a gateway too)."""
    with one_action():
        workflow.do_engine_steps()
        while True:
            if len(workflow.tasks) > COMPACT_DURING_RUN and compaction.compact(workflow):
                workflow.do_engine_steps()      # the loop's ready task is in sight again
            elif any(True for _ in workflow.get_tasks_iterator(state=TaskState.READY, manual=False)):
                workflow.do_engine_steps()
            else:
                break


def advance(instance: ProcessInstance, workflow: BpmnWorkflow, actor) -> None:
    _record_error(instance, _run_engine_caught(workflow), actor)


def _run_engine_caught(workflow: BpmnWorkflow) -> SpiffWorkflowException | None:
    try:
        run_engine(workflow)
    except SpiffWorkflowException as exc:
        return exc
    return None


def _record_error(instance: ProcessInstance, exc: SpiffWorkflowException | None, actor) -> None:
    if exc is None:
        return
    instance.status = "error"
    instance.error = _plain_error(exc)
    audit.record("instance.error", actor, instance=instance,
                 element_name=getattr(getattr(exc, "task_spec", None), "bpmn_name", None),
                 detail={"error": instance.error})


def _plain_error(exc: Exception) -> str:
    spec = getattr(exc, "task_spec", None)
    stopped = exc.__context__
    if isinstance(stopped, BudgetExceeded) and stopped.element is not None:
        spec = stopped.element  # a shared budget ran out: what used it up
    where = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None)
    if isinstance(stopped, BudgetExceeded):
        what = "script" if getattr(spec, "script", None) else "expression"
        return (f"The {what} in «{where}» {stopped}. Fix the diagram, deploy it, "
                f"then retry this instance.")
    message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return f"{where}: {message}" if where else message


def start_instance(process_key: str, case: Case | None, actor: User | None,
                   data: dict | None = None) -> ProcessInstance:
    definition = specs.current(process_key)
    if definition is None:
        raise NotFound(f"There is no deployed process called {process_key}.")
    if case is not None and case.closed_at is not None:
        raise EngineError(f"Case {case.reference} is closed: no process can start on it.")
    loaded = specs.loaded_by_id(definition.id)
    workflow = CaseflowWorkflow(loaded.spec, loaded.subprocess_specs, script_engine=_ENGINE)
    initial = dict(data or {})
    if case is not None:
        initial["case"] = {"id": case.id, "reference": case.reference,
                           "child_name": case.child_name, "service": case.service,
                           "unit": case.unit.name if case.unit else None,
                           "date_of_birth": case.date_of_birth.isoformat() if case.date_of_birth else None,
                           "expected_delivery_date": case.expected_delivery_date.isoformat()
                           if case.expected_delivery_date else None}
    if actor is not None:
        initial["started_by"] = {"id": actor.id, "name": actor.name, "post": actor.post}
    workflow.task_tree.data.update(initial)
    instance = ProcessInstance(definition_id=definition.id, process_key=process_key, case=case,
                               started_by_id=actor.id if actor else None,
                               summary=definition.name, state=b"")
    # Scripts run before the request's first write: on SQLite a slow one
    # would otherwise hold the database's write lock for its whole budget.
    failed = _run_engine_caught(workflow)
    _insert(instance)
    audit.record("instance.started", actor, instance=instance, element_name=definition.name,
                 detail={"process": process_key, "version": definition.version})
    _record_error(instance, failed, actor)
    persist(instance, workflow, actor, before_action(None))
    return instance


def _insert(instance: ProcessInstance) -> None:
    """Add the new instance; a process that runs one at a time per case
    (models.ONE_AT_A_TIME, a unique index) refuses a second in plain words."""
    db.session.add(instance)
    try:
        db.session.flush()
    except IntegrityError as exc:
        # SQLite names the columns, PostgreSQL the index (and the columns)
        if instance.process_key in ONE_AT_A_TIME and "case_id" in str(exc.orig):
            raise AlreadyDone(ONE_AT_A_TIME[instance.process_key]) from exc
        raise


def complete_task(task_id: str, actor: User, form_data: dict, *,
                  override_reason: str | None = None) -> Task:
    """Authorise → validate → run → engine steps → persist → audit."""
    # Lock the instance row first, so two people finishing the same task queue
    # up (PostgreSQL); the row version check catches the rest (SQLite).
    # One statement: the instance (locked), the task and the case.
    instance = task = None
    session, at = db.session, len(_INSTANCE_ROW.columns)
    for row in driver_statements.session_rows(session, _LOCK_TASK, {"task_id": task_id}):
        instance, task = _INSTANCE_ROW.made(session, row), _TASK_ROW.made(session, row, at)
        # the session holds its objects weakly: tied to the task returned, the
        # instance and case read here are not read again (the API's answer)
        set_committed_value(task, "instance", instance)
        set_committed_value(instance, "case", _CASE_ROW.made(session, row, at + len(_TASK_ROW.columns)))
    if task is None or not permissions.can(actor, "task.read", task):
        raise NotFound("There is no such task, or it is not yours to see.")
    if task.state != "ready":
        raise _already_done(task)
    if not permissions.can(actor, "task.complete", task):
        raise NotAllowed("You cannot complete this task.")
    if instance.status != "running":
        raise EngineError(halted_message(instance.status))

    loaded = specs.loaded_by_id(instance.definition_id)
    workflow = load_workflow(instance)
    spiff_task = workflow.get_task_from_id(UUID(task_id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        db.session.refresh(task)  # the row read with the lock may predate the winner's commit
        raise _already_done(task)
    props = properties(spiff_task.task_spec)
    data = dict(form_data)
    try:
        overridden = _check_answers(loaded, props, data, spiff_task, actor, override_reason)
        # engineHook: Python with database access (a panel place, say), in this
        # transaction; it may refuse the answers (Invalid). See engine/hooks.py.
        shared = hooks.run(props.get("engineHook"), instance, spiff_task, data, actor)
    except Invalid:
        cache.put_back(instance.id, instance.row_version, workflow)  # unchanged: keep it warm
        raise
    before = before_action(workflow)
    before.ready.discard(spiff_task.id)  # marked completed below, not cancelled
    key = props.get("formDataKey")
    if key:
        spiff_task.data[key] = data
    else:
        spiff_task.data.update(data)
    _share(workflow, spiff_task, shared)
    spiff_task.run()
    away = authz.acting_for(actor, task)  # a cover doing the work of someone away (issue 13 §3)
    # sent with the rest of the action's writes; none other changed it since we read it
    write_batch.add(_MARK_COMPLETED, {"task_id": task.id, "actor_id": actor.id, "at": utcnow(),
                                      "for_id": away.id if away else None}, stale=f"task {task.id} changed")
    audit.record("task.completed", actor, instance=instance, task=task,
                 detail={"data": data, "for": away.name} if away else {"data": data})
    if props.get("notifyUnit"):  # a decision the case's unit is told of (issue 13)
        outbox.decision(actor, instance, task.name, record.answer_label(
            loaded.forms.get(props.get(specs.FORM_PROPERTY, ""), None), data, props["notifyUnit"]))
    if overridden:
        audit.record("rule.overridden", actor, instance=instance, task=task,
                     reason=override_reason.strip(), detail={"rules": overridden})
    advance(instance, workflow, actor)
    persist(instance, workflow, actor, before)
    return task


def halted_message(status: str) -> str | None:
    """Why no task of a process in `status` can be completed now, or None: told
    before the form, not after the work is typed (issue 15 item 4)."""
    return {
        "suspended": "This process is suspended: its tasks cannot be completed until a manager resumes it.",
        "error": "This process stopped at a step that failed: its tasks cannot be completed until a "
                 "manager puts it right.",
    }.get(status, None if status == "running" else f"This process is {status}: its tasks cannot be completed.")


def _already_done(task: Task) -> AlreadyDone:
    if task.state == "completed" and task.completed_by is not None:
        when = clock.long_time(from_db(task.completed_at))
        return AlreadyDone(f"This task was already completed by {task.completed_by.name} on {when}.")
    return AlreadyDone(f"This task is no longer waiting to be done (it was {task.state}).")


def _check_answers(loaded, props, data, spiff_task, actor, override_reason) -> list[str] | None:
    """Schema, then the task's rules; returns the rules overridden, if any."""
    clash = [] if props.get("formDataKey") else scripting.reserved_in(data)
    if clash:   # answers merged into the task data must not take a name the sandbox keeps
        raise Invalid(errors=[forms.FieldError(n, f"‘{n}’ is a name caseflow keeps for itself: "
                                                  "the answers cannot use it") for n in clash])
    schema = loaded.forms.get(props.get(specs.FORM_PROPERTY, ""), None)
    errors = []
    if schema is not None:
        errors = forms.validate(schema, data)
        errors += _register_answers(schema, data, spiff_task, skip={e.field for e in errors})
    # the rules' problems come with the form's errors, all on the first submit (issue 15 item 2)
    problems = _rule_problems(props, data, spiff_task.data, errors)
    # not about a question the answers do not ask yet (under an option not chosen)
    problems = [p for p in problems if forms.asked(schema, problem_field(p), data)]
    if errors:
        raise Invalid(errors=errors, problems=problems, can_override=bool(problems) and _may_override(
            props, spiff_task, actor))
    if not problems:
        return None
    allowed = _may_override(props, spiff_task, actor)
    if not (allowed and override_reason and override_reason.strip()):
        raise Invalid(problems=problems, can_override=allowed)
    return problems


def _may_override(props, spiff_task, actor) -> bool:
    override_post = props.get("overridePost")
    if override_post and not posts.is_post(override_post):
        # an expression, e.g. the deciding post of the chosen route
        override_post = _ENGINE.environment.evaluate(override_post, dict(spiff_task.data))
    return bool(override_post) and posts.outranks(actor.post, override_post)


def _register_answers(schema: dict, data: dict, spiff_task, skip=frozenset()) -> list:
    """Answers naming something in the register (x-options): a unit must
    exist; papers must be this case's, and are recorded by kind and name.
    Answers in `skip` already have an error."""
    errors = []
    case_id = (spiff_task.data.get("case") or {}).get("id")
    for name, prop in schema.get("properties", {}).items():
        if name in skip:
            continue
        title = prop.get("title", name)
        if prop.get("x-options") == "units" and data.get(name):
            unit = db.session.scalar(select(Unit).filter_by(name=data[name]))
            # x-unit-of: the answer (or earlier answer) naming the service the unit must be in
            service = forms.lookup(data, prop["x-unit-of"]) or forms.lookup(spiff_task.data, prop["x-unit-of"]) \
                if prop.get("x-unit-of") else None
            if unit is None:
                errors.append(forms.FieldError(name, f"Select a unit from the list for ‘{title}’"))
            elif service and unit.service != service:
                errors.append(forms.FieldError(name, f"{unit.name} is not in {service}: select a unit of that service"))
        elif prop.get("x-options") == "documents" and data.get(name):
            ids = [int(v) for v in data[name] if str(v).isdigit()]
            found = db.session.scalars(select(Document).where(
                Document.id.in_(ids), Document.case_id == case_id)).all() if ids else []
            if len(found) != len(data[name]):
                errors.append(forms.FieldError(name, f"Select papers of this case for ‘{title}’"))
            else:
                data[name] = [documents.describe(d) for d in sorted(found, key=lambda d: d.id)]
    return errors


def _rule_problems(props: dict, data: dict, task_data: dict, errors=()) -> list[str]:
    """The task's rules: a function of the answers, evaluated in the task's
    data so it may use earlier answers (e.g. the route of a transfer).

    With `errors` (the form's), the rules see only the answers without one,
    and a problem about an answer that has an error is left out: that answer
    is told once.  A rule that cannot judge answers so incomplete (it reads
    one that is missing) says nothing yet; the errors are enough."""
    expression = props.get("rules")
    if not expression:
        return []
    bad = {e.field for e in errors}
    answers = {k: v for k, v in data.items() if k not in bad} if bad else data
    try:
        check = _ENGINE.environment.evaluate(expression, dict(task_data))
        found = check(answers) or []
    except Exception:
        if not errors:
            raise
        return []
    # a Problem (processes/problems.py) keeps the question it is about
    return [p if isinstance(p, str) else str(p) for p in found if problem_field(p) not in bad]


def _share(workflow: BpmnWorkflow, spiff_task, updates: dict) -> None:
    """A hook's result is the instance's, not one branch's: it goes to the
    completing task and to every other open step (as `amend` does), so a
    parallel branch does not carry an older copy forward."""
    if not updates:
        return
    spiff_task.data.update(updates)
    for other in workflow.get_tasks(state=TaskState.READY, manual=True):
        if other is not spiff_task:
            other.data.update(updates)
            props = properties(other.task_spec)
            if props.get("dueDate"):  # a due date read from the data follows it
                db.session.execute(Task.__table__.update().where(Task.id == str(other.id))
                                   .values(due_at=_due_at(other, props)))


def amend(instance: ProcessInstance, actor: User, updates: dict, reason: str) -> None:
    """Change the data of a running instance's open steps (a Panel case moved
    to another sitting, say): open tasks get due dates from the new data, the
    agenda follows, and the change is audited with its reason."""
    if not reason or not reason.strip():
        raise EngineError("Give the reason for the change.")
    workflow = load_workflow(instance)
    before = before_action(workflow)
    open_tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    for spiff_task in open_tasks:
        spiff_task.data.update(updates)
        due = _due_at(spiff_task, properties(spiff_task.task_spec))
        db.session.execute(Task.__table__.update().where(Task.id == str(spiff_task.id)).values(due_at=due))
    current = current_task(workflow)
    if current is not None and current not in open_tasks:
        current.data.update(updates)
    audit.record("data.amended", actor, instance=instance, reason=reason.strip(),
                 detail={"changes": updates})
    persist(instance, workflow, actor, before)


def explain_conflict(task_id: str) -> AlreadyDone:
    """After losing a race for a task: who won it."""
    task = db.session.get(Task, task_id)
    if task is not None and task.state == "completed" and task.completed_by:
        return AlreadyDone(f"This task was already completed by {task.completed_by.name}.")
    return AlreadyDone("Someone else changed this process at the same moment; reload and try again.")


def fire_timers(instance: ProcessInstance) -> int:
    """Let due timers of one instance fire and the process move on."""
    workflow = load_workflow(instance)
    before = before_action(workflow)
    workflow.refresh_timers()
    advance(instance, workflow, None)
    fired = _fired(workflow, before.timers - {t.id for t in timer_tasks(workflow)})
    for task_id in fired:
        audit.record("timer.fired", None, instance=instance, detail={"timer": str(task_id)})
    persist(instance, workflow, None, before)
    return len(fired)


# ---------------------------------------------------------------- persisting

def timer_tasks(workflow: BpmnWorkflow):
    return [t for t in workflow.event_manager.tasks.values()
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def persist(instance: ProcessInstance, workflow: BpmnWorkflow, actor, before: _Before) -> None:
    """Write the snapshot and the differences in tasks, timers and agenda;
    the instance row is updated once, checking its version."""
    changes = {}
    with db.session.no_autoflush:
        if workflow.completed and instance.status == "running":
            changes.update(status="complete", completed_at=utcnow())
            audit.record("instance.completed", actor, instance=instance)
        data = workflow.data if workflow.completed else (current_task(workflow).data if workflow.last_task else {})
        _sync_tasks(instance, workflow, before.ready)
        _sync_timers(instance, workflow, before.timers)
        agenda = _agenda_of(data)
        if agenda and agenda != before.agenda:
            _sync_agenda(instance, agenda, changes)
        if data.get("process_due"):
            changes["due_at"] = to_db(data["process_due"])
        if isinstance(data.get("case_move"), dict):
            write_batch.send()  # the case's open tasks, those just made ready too, move with it
            _move_case(instance, data["case_move"], actor)
        if workflow.completed and isinstance(data.get("ended_as"), str) and data["ended_as"].strip():
            # how it ended, in words, shown with the process (a JARP referral "withdrawn: <reason>")
            changes["summary"] = f"{instance.summary}: {data['ended_as'].strip()}"[:300]
        if isinstance(data.get("case_pending"), dict):
            _pend_case(instance, data["case_pending"])
        # the tables are in step with this action's tree: its finished loop passes can go now
        compaction.compact(workflow)
        changes.update(state=dump_state(workflow), updated_at=utcnow())
        _write_instance(instance, changes)
        write_batch.send()  # this action's rows, in one round trip where the database allows
    cache.keep_after_commit(instance.id, instance.row_version, workflow)
    if workflow.completed and isinstance(data.get("start_next"), dict):
        _start_next(instance, data["start_next"], actor)


def _write_instance(instance: ProcessInstance, changes: dict) -> None:
    """One UPDATE of the instance row that checks and bumps its row version,
    as the ORM's versioned flush does, at a fraction of its cost (this runs
    on every action), the last of the action's batched writes.  Columns the
    caller changed on the object (a repair's status, say) go with it."""
    state = inspect(instance)
    if state.modified:
        for attr in state.mapper.column_attrs:
            added = state.attrs[attr.key].history.added
            if added and attr.key not in changes:
                changes[attr.key] = added[0]
    version = instance.row_version
    changes["row_version"] = version + 1
    write_batch.add(_UPDATE_INSTANCE, {**changes, "b_id": instance.id, "b_version": version},
                    stale=f"process instance {instance.id} changed (row version {version})")
    _written(instance, changes)


def _written(obj, values: dict) -> None:
    """Tell the session that `obj` (if it holds it) now has these values in
    its row, written with Core: nothing is left for it to write, and what the
    page asking reads afterwards agrees with the row."""
    if obj is not None:
        for key, value in values.items():
            set_committed_value(obj, key, value)


def _sync_tasks(instance: ProcessInstance, workflow: BpmnWorkflow, was_ready: set) -> None:
    ready = {t.id: t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    gone = [str(i) for i in was_ready - set(ready)]
    if gone:
        # the one completed here is already marked; any other left unfinished was cancelled
        write_batch.add(_CANCEL_TASKS, {"ids": gone})
    rows = []
    for task_id in set(ready) - was_ready:
        spiff_task = ready[task_id]
        spec = spiff_task.task_spec
        props = properties(spec)
        agenda = _agenda_of(spiff_task.data) or {}
        service, unit_id = _scope(instance.case, props, spiff_task.data)
        rows.append(dict(
            id=str(task_id), instance_id=instance.id, case_id=instance.case_id,
            process_key=instance.process_key, element_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id, post=spec.lane,
            service=service, unit_id=unit_id, state="ready", created_at=utcnow(),
            form=props.get(specs.FORM_PROPERTY), priority=agenda.get("priority"),
            due_at=_due_at(spiff_task, props)))
    if rows:
        write_batch.add(_INSERT_TASKS, rows)
        outbox.tasks_ready(rows)


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


def _sync_timers(instance: ProcessInstance, workflow: BpmnWorkflow, were_waiting: set) -> None:
    waiting = {t.id: t for t in timer_tasks(workflow)}
    gone = were_waiting - set(waiting)
    if gone:
        fired = _fired(workflow, gone)
        now = utcnow()
        for outcome, ids in (("fired", fired), ("cancelled", gone - fired)):
            if ids:
                write_batch.add(_TIMERS_ENDED, {"ids": [str(i) for i in ids], "at": now, "outcome": outcome})
    for timer_id in set(waiting) - were_waiting:
        task = waiting[timer_id]
        value = task._get_internal_data("event_value")
        if isinstance(value, str):
            write_batch.add(_INSERT_TIMER, dict(id=str(timer_id), instance_id=instance.id,
                                                element_id=task.task_spec.bpmn_id,
                                                fire_at=to_db(TimerEventDefinition.get_datetime(value))))


def _fired(workflow: BpmnWorkflow, timer_ids: set) -> set:
    """The timers that left the waiting list by firing (their event task
    completed), not by being cancelled or dropped from the tree."""
    return {i for i in timer_ids
            if (t := workflow.get_task_from_id(i)) is not None and t.state == TaskState.COMPLETED}


def _sync_agenda(instance: ProcessInstance, agenda: dict, changes: dict) -> None:
    if not agenda.get("sitting"):
        return
    values = dict(meeting=agenda.get("name", ""), sitting=clock.as_date(agenda["sitting"]),
                  case_id=instance.case_id, priority=agenda.get("priority"), score=agenda.get("score"),
                  carried_over=bool(agenda.get("carried_over")), direct=bool(agenda.get("direct")),
                  status=agenda.get("status", "listed"), summary=agenda.get("summary"))
    changes["priority"] = values["priority"]
    write_batch.add(_UPSERT_AGENDA[db.engine.dialect.name], {**values, "instance_id": instance.id})
    _written(db.session.identity_map.get(db.session.identity_key(AgendaItem, instance.id)), values)


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
    outbox.decision(actor, instance, "Case transferred", f"now with {unit.name if unit else service}",
                    units=[u for u in (case.unit_id, unit.id if unit else None) if u])
    for task in db.session.scalars(select(Task).where(
            Task.case_id == case.id, Task.state == "ready", Task.unit_id == case.unit_id)):
        task.service, task.unit_id = service, unit.id if unit else None
    case.service = service
    if unit is not None:
        case.unit = unit
    case.pending_unit_id = case.pending_at = None  # moved: nothing pending any more
    audit.record("case.transferred", actor, instance=instance, reason=move.get("reason"),
                 detail={"from": old, "to": {"service": service, "unit": unit.name if unit else None}})


def _pend_case(instance: ProcessInstance, pending: dict) -> None:
    """A transfer accepted and waiting for its point of transfer: the case
    shows the receiving unit and when it moves; that unit may open it."""
    case = instance.case
    unit = db.session.scalar(select(Unit).filter_by(name=pending.get("unit"))) if pending.get("unit") else None
    at = to_db(pending["at"]) if pending.get("at") else None
    if case is not None and (case.pending_unit_id, case.pending_at) != ((unit.id if unit else None), at):
        case.pending_unit_id, case.pending_at = (unit.id if unit else None), at


def _start_next(instance: ProcessInstance, spec: dict, actor) -> None:
    """A bounded cycle (a six-week review, say) begins as a new instance."""
    process_key = spec.get("process")
    if not process_key:
        return
    start_instance(process_key, instance.case, actor, dict(spec.get("data") or {}))
