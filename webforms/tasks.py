"""My tasks, and the form that completes one."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from engine import permissions, queries, reads, record, runtime, specs
from engine.db import db
from engine.models import Task
from engine.transaction import Conflict, unit_of_work
from processes import papers
from processes.problems import field_of as problem_field

from . import running
from .access import permission_required
from .formfields import fields_for, parse_form, values_from_answers

bp = Blueprint("tasks", __name__)


@bp.route("/")
@permission_required("task.list")
def my_tasks():
    # a manager sees the decisions for their own post first; their team's work is the second tab
    team_view = request.args.get("view") == "team" and queries.has_team(g.user)
    tasks = queries.team_tasks(g.user) if team_view else queries.my_tasks(g.user)
    return render_template("my_tasks.html", team_view=team_view, has_team=queries.has_team(g.user),
                           tasks=tasks, halted=queries.halted(tasks))


def _task_or_404(task_id: str) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    if not permissions.can(g.user, "task.read", task):
        abort(404)  # another unit's task looks the same as no task at all
    return task


def _option_lists(schema: dict, case_id) -> dict:
    """Choices that come from the register rather than the form schema."""
    wanted = {p.get("x-options") for p in schema.get("properties", {}).values()}
    lists = {}
    if "units" in wanted:
        lists["units"] = [(u.name, f"{u.name} ({u.service})") for u in queries.units()]
    if "documents" in wanted and case_id:
        lists["documents"] = [(str(d.id), f"{papers.label(d.kind)}: {d.filename}")
                              for d in queries.case_documents(case_id)]
    return lists


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@permission_required("task.read")
def task_page(task_id):
    task = _task_or_404(task_id)
    schema, data = queries.task_form(task)
    schema = schema or {"type": "object", "properties": {}}
    errors, problems, can_override, values = [], [], False, {}
    refused = None  # why a submit was not taken; what was typed is shown again (issue 15 item 4)
    status = 200
    earlier = data.get(schema.get("x-prefill") or "")
    if request.method == "GET" and isinstance(earlier, dict):
        values = values_from_answers(schema, earlier)  # a form done again, e.g. sent back
    if request.method == "POST":
        form_data, values = parse_form(schema, request.form)
        try:
            with unit_of_work():
                runtime.complete_task(task.id, g.user, form_data,
                                      override_reason=request.form.get("override_reason"))
        except runtime.Invalid as exc:
            errors, problems, can_override, status = exc.errors, exc.problems, exc.can_override, 400
            if problems and can_override and request.form.get("override") == "yes" \
                    and not request.form.get("override_reason", "").strip():
                errors = errors + [_override_reason_missing()]
        except (runtime.NotAllowed, runtime.NotFound):
            abort(403)
        except Conflict:
            db.session.rollback()
            refused, status = str(runtime.explain_conflict(task.id)), 409
        except runtime.EngineError as exc:  # done meanwhile, suspended meanwhile, ...
            db.session.rollback()
            refused, status = str(exc), exc.status
        else:
            flash(f"‘{task.name}’ is done.", "success")
            return redirect(url_for("cases.case_page", case_id=task.case_id)
                            if task.case_id else url_for("tasks.my_tasks"))
    halted = runtime.halted_message(task.instance.status) if task.state == "ready" else None
    may_complete = task.state == "ready" and permissions.can(g.user, "task.complete", task)
    fields = fields_for(schema, values, data, _option_lists(schema, task.case_id))
    html = render_template(
        "task.html", task=task, schema=schema, fields=fields,
        summary=queries.summary(schema, data, specs.loaded_by_id(task.instance.definition_id).forms),
        errors=errors, problems=problems, inline_errors=errors + _problems_by_field(problems, errors),
        can_override=can_override, halted=halted, refused=refused,
        # a refused submit keeps the form and its answers, to send again once it can be taken
        editable=may_complete and (not halted or request.method == "POST"),
        unsent=_unsent(fields) if refused and not may_complete else [],
        override_reason=request.form.get("override_reason", ""), answers=_answers_shown(task),
        rests_on=_rests_on(task), fact_papers=queries.summary_papers(schema, data),
        running_here=_running_alongside(task))
    # the page shows the child's earlier answers: a read (issue 11 item 6), also when it comes back with errors
    reads.record(g.user, reads.TASK_VIEWED, task.case_id, f"task ‘{task.name}’")
    return html, status


def _problems_by_field(problems, errors) -> list:
    """A rule's problem about one question, shown at that question too."""
    from engine.forms import FieldError
    taken = {e.field for e in errors}
    return [FieldError(problem_field(p), str(p)) for p in problems
            if problem_field(p) and problem_field(p) not in taken]


def _unsent(fields) -> list[tuple[str, str]]:
    """(question, answer) typed into a form that can no longer be sent, so
    nothing typed is lost: the person can copy it (issue 15 item 4)."""
    out = []
    for f in fields:
        words = dict(f.options)
        value = f.value
        if isinstance(value, dict):   # a date's parts
            value = " ".join(v for v in (value.get("day"), value.get("month"), value.get("year")) if v)
        elif isinstance(value, list):
            value = ", ".join(words.get(v, v) for v in value)
        elif f.options and value:
            value = words.get(str(value), value)
        if value not in (None, ""):
            out.append((f.title, str(value)))
        for revealed in f.reveals.values():
            out += _unsent(revealed)
    return out


def _running_alongside(task: Task) -> list:
    """On a process's first form, before it is sent: what of its family runs on the case already."""
    if task.state != "ready" or task.case is None or len(queries.instance_tasks(task.instance_id)) > 1:
        return []
    return running.alongside(task.case, task.instance.process_key, exclude=task.instance_id)


def _may_read_record(task: Task) -> bool:
    return task.case is None or permissions.can(g.user, "case.record.view", task.case)


def _rests_on(task: Task) -> list:
    """The steps before this one, for those who may see the case's record (issue 15 item 5)."""
    return record.steps_before(task) if _may_read_record(task) else []


def _answers_shown(task: Task) -> list[tuple[str, str]]:
    """A completed task's answers in words, for those who may see the case (issue 14 §3)."""
    if task.state != "completed" or not _may_read_record(task):
        return []
    return record.task_answers(task)


def _override_reason_missing():
    from engine.forms import FieldError
    return FieldError("override_reason", "Enter the reason for overriding the rule")
