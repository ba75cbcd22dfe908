"""Read-only questions the pages and the API ask: materialised tables only,
except where one task's own data is shown."""
from copy import deepcopy
from datetime import date
from uuid import UUID

from processes import clock

from sqlalchemy import bindparam, case as sql_case, select
from sqlalchemy.orm import aliased
from SpiffWorkflow.exceptions import TaskNotFoundException

from . import authz, cache, cover, driver_statements, forms, record, specs
from .current_data import current_data
from .db import db
from .models import AgendaItem, AuditEvent, Case, Document, ProcessInstance, Task, Unit, User
from .serialization import load_state
from .runtime import _ENGINE


def _open_for(query, user, limit: int, covered=None):
    """A person's open tasks, most urgent first."""
    return _most_urgent(query.where(authz.task_clause(user, covered)), limit)


def open_tasks_for(user: User, limit: int = 200):
    return db.session.scalars(_open_for(select(Task), user, limit)).all()


# A task list's statement for each shape of person (post; unit, service or
# none) and list, built once: see authz.Shape.
_SHAPED: dict = {}


def _shaped(name: str, build, user: User, limit: int):
    """The statement `build(person, covered, limit)` makes for `user`, and
    its parameters: built for them alone when they cover someone today
    (rare; no parameters), else the one kept for their shape, with their
    values."""
    covered = cover.covered_by(user)
    if covered:
        return build(user, covered, limit), {}
    key = (name, limit, *authz.Shape.key(user))
    statement = _SHAPED.get(key)
    if statement is None:
        if len(_SHAPED) > 1024:  # a bound: posts times lists is some dozens
            _SHAPED.clear()
        statement = _SHAPED[key] = build(authz.Shape.of(user), (), limit)
    return statement, authz.Shape.params(user)


def _rows(statement, params: dict) -> list:
    """The rows of a Core SELECT of columns (the API's task rows) by its
    plan on the driver's cursor: a fifth of the Python of Session.execute
    (issue 16), flushing first as it would."""
    return driver_statements.session_rows(db.session, statement, params)


def _most_urgent(query, limit: int):
    return (query.where(Task.state == "ready")
            .order_by(Task.due_at.is_(None), Task.due_at, Task.priority.is_(None), Task.priority).limit(limit))


def my_tasks(user: User, limit: int = 200) -> list[Task]:
    """Assigned to me first, then my post's tasks nobody has taken; each most urgent first."""
    rows = db.session.scalars(*_shaped("mine", _my_tasks, user, limit)).all()
    return sorted(rows, key=lambda t: t.assigned_to_id != user.id)


def _my_tasks(person, covered, limit):
    return _most_urgent(select(Task).where(authz.my_task_clause(person, covered)), limit)


def halted(tasks) -> dict[int, str]:
    """instance id -> status, for the listed tasks' processes that are not
    running (suspended, stopped at a failed step): one query, no workflow read."""
    ids = {t.instance_id for t in tasks}
    if not ids:
        return {}
    rows = db.session.execute(select(ProcessInstance.id, ProcessInstance.status).where(
        ProcessInstance.id.in_(ids), ProcessInstance.status != "running"))
    return dict(rows.all())


def team_tasks(user: User, limit: int = 200) -> list[Task]:
    return db.session.scalars(_most_urgent(select(Task).where(authz.team_task_clause(user)), limit)).all()


def has_team(user: User) -> bool:
    return any(p != user.post for p in authz.acting_posts(user))


def visible_case(user: User, case_id: int) -> Case | None:
    return db.session.scalar(select(Case).where(Case.id == case_id, authz.case_clause(user)))


def cases_for(user: User, limit: int = 500):
    return db.session.scalars(select(Case).where(authz.case_clause(user))
                              .order_by(Case.reference).limit(limit)).all()


def case_instances(case_id: int):
    return db.session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)
                              .order_by(ProcessInstance.started_at.desc())).all()


def case_tasks(case_id: int):
    return db.session.scalars(select(Task).where(Task.case_id == case_id)
                              .order_by(Task.created_at.desc())).all()


def case_audit(case_id: int):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                              .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()


def running_instance(case_id: int, process_key: str) -> ProcessInstance | None:
    return db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.case_id == case_id, ProcessInstance.process_key == process_key,
        ProcessInstance.status.in_(("running", "error", "suspended"))).limit(1)).first()


def case_documents(case_id: int):
    return db.session.scalars(select(Document).where(Document.case_id == case_id)
                              .order_by(Document.uploaded_at.desc(), Document.id.desc())).all()


_COMPLETER = aliased(User)
# Task rows for the API, with the case's reference and the completer's name in
# the same statement (no lazy load per task); built once, as on the hot path.
_TASK_ROWS = (select(*Task.__table__.c, Case.reference.label("case_reference"),
                     _COMPLETER.name.label("completed_by_name"))
              .outerjoin(Case, Case.id == Task.case_id)
              .outerjoin(_COMPLETER, _COMPLETER.id == Task.completed_by_id))
_INSTANCE_TASK_ROWS = _TASK_ROWS.where(Task.instance_id == bindparam("instance_id")).order_by(Task.created_at)
_TASK_ROW = _TASK_ROWS.where(Task.id == bindparam("task_id"))


def task_row(task_id: str):
    found = _rows(_TASK_ROW, {"task_id": task_id})
    return found[0] if found else None


def instance_task_rows(instance_id: int):
    return _rows(_INSTANCE_TASK_ROWS, {"instance_id": instance_id})


def open_task_rows_for(user: User, limit: int = 200):
    statement, params = _shaped("rows", _task_rows, user, limit)
    # built for one person alone (covering someone): not worth a plan kept
    return _rows(statement, params) if params else db.session.execute(statement).all()


def _task_rows(person, covered, limit):
    return _open_for(_TASK_ROWS, person, limit, covered)


def instance_tasks(instance_id: int):
    return db.session.scalars(select(Task).where(Task.instance_id == instance_id)
                              .order_by(Task.created_at)).all()


def agenda(meeting: str, sitting=None):
    """Items for a meeting, ordered by priority, carried-over first, then
    score (Appendix B), then the order they arrived."""
    query = select(AgendaItem).where(AgendaItem.meeting == meeting)
    if sitting is not None:
        query = query.where(AgendaItem.sitting == sitting)
    query = query.order_by(AgendaItem.sitting, AgendaItem.priority,
                           sql_case((AgendaItem.carried_over, 0), else_=1),
                           AgendaItem.score.desc(), AgendaItem.listed_at)
    return db.session.scalars(query).all()


def units():
    return db.session.scalars(select(Unit).order_by(Unit.service, Unit.name)).all()


def open_tasks_by_instance(instance_ids: list[int], element_id: str) -> dict:
    """The open task at `element_id` of each instance, in one query."""
    if not instance_ids:
        return {}
    rows = db.session.scalars(select(Task).where(
        Task.instance_id.in_(instance_ids), Task.element_id == element_id, Task.state == "ready"))
    return {t.instance_id: t for t in rows}


def open_task_for_instance(instance_id: int, element_id: str | None = None) -> Task | None:
    query = select(Task).where(Task.instance_id == instance_id, Task.state == "ready")
    if element_id:
        query = query.where(Task.element_id == element_id)
    return db.session.scalars(query.limit(1)).first()


def peek_workflow(instance: ProcessInstance):
    """A workflow of this instance's own, to walk at leisure: from the
    persisted state (the cached one may be running in another thread)."""
    loaded = specs.loaded_by_id(instance.definition_id)
    return load_state(instance.state, loaded.spec, loaded.subprocess_specs, _ENGINE)


def _read(instance: ProcessInstance, reader):
    """reader(workflow): on the cached workflow under its lock, else on the persisted state."""
    found = cache.read(instance.id, instance.row_version, reader)
    return reader(peek_workflow(instance)) if found is cache.MISSING else found


def task_form(task: Task) -> tuple[dict | None, dict]:
    """The form schema of a task and the data it was given."""
    instance = task.instance
    loaded = specs.loaded_by_id(instance.definition_id)
    schema = loaded.forms.get(task.form) if task.form else None
    return schema, _read(instance, lambda workflow: _task_data(workflow, task.id))


def _task_data(workflow, task_id: str) -> dict:
    try:
        spiff_task = workflow.get_task_from_id(UUID(task_id))
    except TaskNotFoundException:  # a finished loop pass's task, compacted away: its row and audit remain
        spiff_task = None
    return deepcopy(spiff_task.data) if spiff_task is not None else {}


def instance_data(instance: ProcessInstance) -> dict:
    return _read(instance, _instance_data)


def _instance_data(workflow) -> dict:
    return deepcopy(current_data(workflow))


def start_lane(process_key: str) -> str | None:
    """The post whose lane holds the process's start event."""
    definition = specs.current(process_key)
    if definition is None:
        return None
    spec = specs.loaded(definition).spec
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ == "StartEvent" and getattr(task_spec, "lane", None):
            return task_spec.lane
    return None


def summary(schema: dict | None, data: dict, version_forms: dict | None = None) -> list[tuple[str, str]]:
    """The read-only facts a form shows above its questions (x-summary); with
    the version's forms, earlier answers chosen from options in their words."""
    rows = []
    for item in (schema or {}).get("x-summary", []):
        value = forms.lookup(data, item["key"])
        if value is None:
            continue
        words = version_forms and record.fact_words(version_forms, item["key"], value)
        rows.append((item["label"], words or _shown(value)))
    return rows


def summary_papers(schema: dict | None, data: dict) -> dict[str, list[dict]]:
    """The facts above a form that are papers (issue 15 item 5), by their
    label: the page links each to the paper rather than naming it."""
    found = {}
    for item in (schema or {}).get("x-summary", []):
        value = forms.lookup(data, item["key"])
        items = value if isinstance(value, list) else [value]
        if value and all(record.is_paper(v) for v in items):
            found[item["label"]] = items
    return found


def _shown(value) -> str:
    """A fact as a person reads it: dates as 24 November 2026, lists joined."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if record.is_paper(value):
        return record.words(None, value)
    if isinstance(value, dict):
        return str(value.get("label") or value.get("name") or value)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            if len(value) == 10:
                return clock.long_date(date.fromisoformat(value))
            return clock.long_time(value)
        except ValueError:
            pass
    return str(value)


