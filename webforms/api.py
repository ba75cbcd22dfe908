"""JSON API under /api/v1, for client systems, with bearer-token authentication."""
from flask import Blueprint, g, jsonify, request

from engine import permissions, queries, reads, runtime, specs
from engine.db import db
from engine.models import MAX_ID, ProcessInstance, Task
from engine.timeutil import from_db
from engine.transaction import Conflict, unit_of_work

from . import formfields
from .access import permission_required, public
from .openapi import OPENAPI

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(self, status, message, errors=None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or []


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    body = {"error": exc.message}
    if exc.errors:
        body["errors"] = exc.errors
    return jsonify(body), exc.status


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    if g.user is None:
        raise ApiError(401, "Send a valid API token: Authorization: Bearer <token>.")
    return None


def _iso(value):
    return from_db(value).isoformat() if value else None


def task_json(task) -> dict:
    """A task row (queries.instance_task_rows, open_task_rows_for) as JSON."""
    return {
        "id": task.id, "name": task.name, "element": task.element_id,
        "process": task.process_key, "instance_id": task.instance_id, "case_id": task.case_id,
        "case_reference": task.case_reference,
        "post": task.post, "state": task.state, "priority": task.priority,
        "due_at": _iso(task.due_at), "created_at": _iso(task.created_at),
        "completed_by": task.completed_by_name,
        "completed_at": _iso(task.completed_at), "form": task.form,
    }


def instance_json(instance: ProcessInstance, with_data=True) -> dict:
    """The instance with its task rows; the workflow is read only for its data."""
    body = {
        "id": instance.id, "process": instance.process_key,
        "version": specs.loaded_by_id(instance.definition_id).version, "case_id": instance.case_id,
        "status": instance.status, "error": instance.error,
        "started_at": _iso(instance.started_at), "completed_at": _iso(instance.completed_at),
        "tasks": [task_json(t) for t in queries.instance_task_rows(instance.id)],
    }
    if with_data:
        body["data"] = queries.instance_data(instance)
    return body


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(OPENAPI)


@bp.get("/tasks")
@permission_required("task.list")
def list_tasks():
    return jsonify({"tasks": [task_json(t) for t in queries.open_task_rows_for(g.user)]})


def _visible_task(task_id: str) -> Task:
    task = db.session.get(Task, task_id)
    if task is None or not permissions.can(g.user, "task.read", task):
        raise ApiError(404, "There is no such task, or it is not yours to see.")
    return task


@bp.get("/tasks/<task_id>")
@permission_required("task.read")
def read_task(task_id):
    task = _visible_task(task_id)
    schema, data = queries.task_form(task)
    answer = jsonify({**task_json(queries.task_row(task.id)),
                      "form_schema": formfields.served_schema(schema, data), "data": data})
    reads.record(g.user, reads.TASK_VIEWED, task.case_id, f"task ‘{task.name}’ (API)")
    return answer


@bp.post("/tasks/<task_id>/complete")
@permission_required("task.complete")
def complete(task_id):
    body = json_body()
    data = body.get("data")
    if not isinstance(data, dict):
        raise ApiError(400, "Send the form answers as an object in 'data'.")
    override_reason = body.get("override_reason")
    if override_reason is not None and not isinstance(override_reason, str):
        raise ApiError(400, "Send 'override_reason' as text.")
    # complete_task checks who is asking (404 for a task not theirs to see)
    try:
        with unit_of_work():
            task = runtime.complete_task(task_id, g.user, data, override_reason=override_reason)
            # read in the same transaction: the instance is at hand, nothing is read twice
            answer = instance_json(task.instance, with_data=False)
    except runtime.Invalid as exc:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
        errors += [{"field": getattr(p, "field", None), "message": str(p), "can_override": exc.can_override}
                   for p in exc.problems]
        raise ApiError(422, "The answers were not accepted.", errors) from exc
    except Conflict as exc:
        raise ApiError(409, str(runtime.explain_conflict(task_id))) from exc
    except runtime.EngineError as exc:
        raise ApiError(exc.status, str(exc)) from exc
    return jsonify(answer)


@bp.post("/instances")
@permission_required("instance.start")
def start_instance():
    body = json_body()
    process, case_id = body.get("process"), body.get("case_id")
    if not isinstance(process, str) or not isinstance(case_id, int) or isinstance(case_id, bool) \
            or not 0 < case_id <= MAX_ID:
        raise ApiError(400, "Send 'process' (a process id) and 'case_id' (a case's number).")
    case = queries.visible_case(g.user, case_id)
    if case is None:
        raise ApiError(404, "There is no such case, or it is not yours to see.")
    from .cases import already_running, startable_processes
    if process not in dict(startable_processes(g.user, case)):
        raise ApiError(403, f"Your post cannot start {process} on this case.")
    refusal = already_running(case, process)
    if refusal:
        raise ApiError(409, refusal)
    try:
        with unit_of_work():
            instance = runtime.start_instance(process, case, g.user)
            # built in the transaction: what this start made, not a later change by someone else
            answer = instance_json(instance)
    except Conflict as exc:
        raise ApiError(503, runtime.BUSY_MESSAGE) from exc
    except runtime.EngineError as exc:
        raise ApiError(exc.status, str(exc)) from exc
    return jsonify(answer), 201


@bp.get("/instances/<int:instance_id>")
@permission_required("instance.read")
def read_instance(instance_id):
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or instance.case is None or queries.visible_case(g.user, instance.case_id) is None:
        raise ApiError(404, "There is no such process instance, or it is not yours to see.")
    answer = jsonify(instance_json(instance))
    reads.record(g.user, reads.INSTANCE_VIEWED, instance.case_id, f"instance {instance.id} (API)")
    return answer
