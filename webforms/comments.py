"""Comments on a task or a process (issue 13 §2): the form under each task
and on a process's page; the engine checks who may see it and records it."""
from flask import abort, flash, g, redirect, request, url_for

from engine import comments
from engine.runtime import Invalid, NotFound
from engine.transaction import unit_of_work

from .access import permission_required
from .safe_next import safe_next
from .tasks import bp


def _add(back: str, **target):
    try:
        with unit_of_work():
            comments.add(g.user, request.form.get("comment", ""), **target)
    except NotFound:
        abort(404)
    except Invalid as exc:
        flash(exc.errors[0].message, "error")
    else:
        flash("Your comment is added.", "success")
    return redirect(safe_next(request.form.get("back")) or back)


@bp.route("/tasks/<task_id>/comments", methods=["POST"])
@permission_required("comment.add")
def comment_on_task(task_id):
    return _add(url_for("tasks.task_page", task_id=task_id), task_id=task_id)


@bp.route("/instances/<int:instance_id>/comments", methods=["POST"])
@permission_required("comment.add")
def comment_on_instance(instance_id):
    return _add(url_for("tasks.my_tasks"), instance_id=instance_id)


@bp.app_context_processor
def _comment_helpers():
    return {"comments_of": comments.of_instance}
