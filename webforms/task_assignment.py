"""Taking, handing back and allocating a task (issue 13 §2): the buttons on
the task page.  The engine decides and records (engine/assignment.py)."""
from flask import abort, flash, g, redirect, request, url_for

from engine import assignment
from engine.models import Task
from engine.runtime import AlreadyDone, EngineError, Invalid, NotAllowed, NotFound
from engine.transaction import unit_of_work

from .access import permission_required
from .inputs import whole_number
from .tasks import bp


def _act(task_id: str, action, done: str, *args):
    try:
        with unit_of_work():
            task = action(task_id, g.user, *args)
            name = task.name
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except (AlreadyDone, EngineError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("tasks.task_page", task_id=task_id))
    flash(done.format(name=name), "success")
    return None


@bp.route("/tasks/<task_id>/take", methods=["POST"])
@permission_required("task.take")
def take(task_id):
    return _act(task_id, assignment.take, "You are doing ‘{name}’: it is in your tasks, assigned to you.") \
        or redirect(url_for("tasks.task_page", task_id=task_id))


@bp.route("/tasks/<task_id>/hand-back", methods=["POST"])
@permission_required("task.take")
def hand_back(task_id):
    return _act(task_id, assignment.hand_back, "‘{name}’ is handed back: anyone of its post can take it.") \
        or redirect(url_for("tasks.my_tasks"))


@bp.route("/tasks/<task_id>/allocate", methods=["POST"])
@permission_required("task.allocate")
def allocate(task_id):
    try:
        return _act(task_id, assignment.allocate, "‘{name}’ is allocated.",
                    whole_number(request.form.get("assignee"))) \
            or redirect(url_for("tasks.task_page", task_id=task_id))
    except Invalid as exc:
        flash(exc.errors[0].message, "error")
        return redirect(url_for("tasks.task_page", task_id=task_id))


@bp.app_context_processor
def _assignment_helpers():
    def allocatable(task: Task):
        """Members of the unit a CSW may give `task` to (none for anyone else)."""
        return assignment.allocatable(g.user, task) if g.get("user") and task.state == "ready" else []
    return {"allocatable": allocatable}
