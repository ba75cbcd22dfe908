"""Managers' pages under /manage: where work is late or stuck, one instance's
diagram and history, the repair actions, and a unit's coming week (issue 7)."""
import csv
import io
import json
from datetime import date

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request,
                   stream_with_context, url_for)
from sqlalchemy import select

from engine import audit_words, chart, cover, dashboard, explain, migration, notifier, permissions, queries, reads, record, repair, runtime, specs
from engine.db import db
from engine.forms import FieldError
from engine.models import MAX_ID, AuditEvent, ProcessDefinition, ProcessInstance, Task, Unit
from engine.timeutil import from_db
from engine.current_data import current_task
from engine.transaction import Conflict, unit_of_work
from processes import calendar, clock, posts

from .access import permission_required
from .formatting import london
from .inputs import whole_number

bp = Blueprint("manage", __name__, url_prefix="/manage")

# Who sees the dashboard: the managers, and the Panel Manager for the panels'
# work (read only: repairs are for the case-decision chain, engine.repair).
DASHBOARD_POSTS = permissions.holders("dashboard.view")
UNIT_COORDINATOR = "Unit Co-ordinator"
INSTANCE_ACTIONS = ("suspend", "resume", "cancel", "retry", "move-back")
TASK_ACTIONS = ("reassign", "unclaim", "escalate")


def _rules() -> dashboard.Rules:
    config = current_app.config
    return dashboard.rules(int(config.get("STUCK_WORKING_DAYS", dashboard.DEFAULT_STUCK_WORKING_DAYS)),
                           int(config.get("STUCK_TIMER_GRACE_MINUTES", dashboard.DEFAULT_TIMER_GRACE_MINUTES)))


def _scope() -> dashboard.Scope:
    return dashboard.scope_of(g.user)


def _units(scope: dashboard.Scope) -> list[Unit]:
    units = queries.units()
    if scope.everything:
        return units
    if scope.unit_id is not None:
        return [u for u in units if u.id == scope.unit_id]
    return [u for u in units if u.service == scope.service]


@bp.app_template_filter("assignee_item")
def assignee_item(user, chosen=None) -> dict:
    return {"value": str(user.id), "text": f"{user.name}, {user.post}", "selected": str(user.id) == str(chosen)}


@bp.app_template_filter("element_name")
def element_name(element_id, names) -> str:
    return names.get(element_id, element_id)


@bp.app_template_filter("unit_item")
def unit_item(unit, chosen=None) -> dict:
    return {"value": str(unit.id), "text": unit.name, "selected": unit.id == chosen}


@bp.app_template_filter("step_item")
def step_item(step, chosen=None) -> dict:
    task_id, name, row = step
    item = {"value": task_id, "text": name, "checked": task_id == chosen}
    if row is not None and row.completed_by is not None:
        item["hint"] = {"text": f"Done by {row.completed_by.name} on {london(row.completed_at)}"}
    return item


# ---------------------------------------------------------------- filters from the query string

def _filters(default_sort: str, sorts: tuple) -> tuple[dashboard.Filters, list[FieldError]]:
    args, errors = request.args, []
    f = dashboard.Filters(sort=default_sort)

    def number(name, label, low=1, high=None):
        raw = args.get(name, "").strip()
        if not raw:
            return None
        value = whole_number(raw, high if high is not None else 10**12)
        if value is None or value < low:
            errors.append(FieldError(name, f"{label} must be a whole number"
                                           + (f" from {low} to {high}" if high else f" of {low} or more")))
            return None
        return value

    def day(name, label):
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors.append(FieldError(name, f"{label} must be a real date, like 2026-11-24"))
            return None

    f.process = args.get("process") or None
    f.unit_id = number("unit", "Unit", 1, MAX_ID)
    f.post = args.get("post") if args.get("post") in posts.POSTS else None
    f.priority = number("priority", "Priority", 1, 9)
    f.min_age_days = number("age", "Age", 0, 36500)
    f.due_from = day("due_from", "Due from")
    f.due_to = day("due_to", "Due to")
    f.reason = args.get("reason") if args.get("reason") in dashboard.REASONS else None
    f.sort = args.get("sort") if args.get("sort") in sorts else default_sort
    f.descending = args.get("dir") == "desc"
    f.page = number("page", "Page", 1, 10**6) or 1
    if f.due_from and f.due_to and f.due_to < f.due_from:
        errors.append(FieldError("due_to", "Due to must be the same as or after due from"))
    return f, errors


def _query_args(**changes) -> dict:
    """The current query string with some values changed (sort links, pages)."""
    out = {k: v for k, v in request.args.items() if v}
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _sort_link(endpoint: str, key: str, f: dashboard.Filters) -> dict:
    active = f.sort == key
    direction = "asc" if not active or f.descending else "desc"
    aria = ("descending" if f.descending else "ascending") if active else "none"
    return {"href": url_for(endpoint, **_query_args(sort=key, dir=direction, page=None)), "aria": aria}


def _pagination(endpoint: str, page: dashboard.Page) -> dict:
    params = {}
    if page.page > 1:
        params["previous"] = {"href": url_for(endpoint, **_query_args(page=str(page.page - 1)))}
    if page.page < page.pages:
        params["next"] = {"href": url_for(endpoint, **_query_args(page=str(page.page + 1)))}
    shown = sorted({1, page.pages, *range(max(1, page.page - 2), min(page.pages, page.page + 2) + 1)})
    items, last = [], 0
    for n in shown:
        if n - last > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": url_for(endpoint, **_query_args(page=str(n))),
                      "current": n == page.page})
        last = n
    params["items"] = items
    return params


def _select_items(pairs, name: str, blank: str) -> list[dict]:
    """GOV.UK select items with the current filter value chosen."""
    chosen = request.args.get(name, "")
    return [{"value": "", "text": blank}] + [
        {"value": str(value), "text": text, "selected": str(value) == chosen} for value, text in pairs]


def _common(scope: dashboard.Scope) -> dict:
    units = _units(scope)
    return dict(scope=scope, units=units, unit_ids={u.name: u.id for u in units},  # by name: the unit table's links
                process_names=dashboard.process_names(),
                unit_pairs=[(u.id, u.name) for u in units], post_pairs=[(p, p) for p in posts.POSTS],
                select_items=_select_items, reasons=dashboard.REASONS, args=request.args,
                can_repair=repair.may_repair(g.user))


# ---------------------------------------------------------------- pages

@bp.route("/")
@permission_required("dashboard.view")
def dashboard_page():
    scope, r = _scope(), _rules()
    return render_template("dashboard.html", view="summary", summary=dashboard.summary(scope, r),
                           chart=chart.chart(scope, r), rules=r, failing_mail=notifier.failing(g.user),
                           **_common(scope))


def _list_page(view: str, default_sort: str, sorts: tuple, page_of, csv_endpoint: str):
    """The overdue and stuck lists: filters from the query string, one page,
    sort links, paging and the CSV link with the same filters."""
    scope, r = _scope(), _rules()
    f, errors = _filters(default_sort, sorts)
    page = page_of(scope, r, f)
    endpoint = f"manage.{view}"
    return render_template("dashboard.html", view=view, page=page, filters=f, errors=errors,
                           sorts={key: _sort_link(endpoint, key, f) for key in sorts},
                           pagination=_pagination(endpoint, page), rules=r,
                           csv_url=url_for(csv_endpoint, **_query_args(page=None)),
                           **_common(scope)), 400 if errors else 200


@bp.route("/overdue")
@permission_required("dashboard.view")
def overdue():
    return _list_page("overdue", "due", dashboard.OVERDUE_SORTS, dashboard.overdue_page, "manage.overdue_csv")


@bp.route("/no-one-can-act")
@permission_required("dashboard.view")
def nobody():
    """Steps nobody can do today (issue 13 §3): no holder of the post in reach, or all away without cover."""
    scope = _scope()
    groups = cover.nobody_can_act(None if scope.everything else scope.service,
                                  None if scope.everything else scope.unit_id)
    return render_template("dashboard.html", view="nobody", groups=groups, rules=_rules(), **_common(scope))


@bp.route("/stuck")
@permission_required("dashboard.view")
def stuck():
    return _list_page("stuck", "since", dashboard.STUCK_SORTS, dashboard.stuck_page, "manage.stuck_csv")


# ---------------------------------------------------------------- CSV

def _cell(value) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(name: str, header: list[str], rows) -> Response:
    def generate():
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")  # so spreadsheet programs read the file as UTF-8
        writer.writerow(header)
        # the header goes at once: the download starts while the query runs
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        for row in rows:
            writer.writerow([_cell(v) for v in row])
            if out.tell() > 64 * 1024:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    filename = f"caseflow-{name}-{clock.now():%Y-%m-%d}.csv"
    # one event for the export (many cases): what was asked for, not each row
    reads.record(g.user, reads.EXPORT_DOWNLOADED, None, f"{name}.csv {request.query_string.decode()[:250]}")
    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _late(due_at, today) -> int:
    return max(1, calendar.working_days_between(clock.as_date(from_db(due_at)), today))


@bp.route("/overdue.csv")
@permission_required("dashboard.view")
def overdue_csv():
    scope, r = _scope(), _rules()
    f, errors = _filters("due", dashboard.OVERDUE_SORTS)
    if errors:
        abort(400, errors[0].message)
    today = clock.as_date(clock.now())
    names = dashboard.process_names()

    def rows():
        for row in dashboard.overdue_rows(scope, r, f):
            yield ["Task" if row.kind == "task" else "Process deadline", row.name, row.case_reference,
                   names.get(row.process_key, row.process_key), row.unit, row.post,
                   row.assigned_to or (f"Any {row.post}" if row.post else ""),
                   london(row.due_at, "%Y-%m-%d %H:%M"), _late(row.due_at, today), row.priority,
                   london(row.created_at, "%Y-%m-%d %H:%M"), row.instance_id, row.task_id]

    return _csv_response("overdue", ["Kind", "What", "Case", "Process", "Unit", "Post", "Whose",
                                     "Due (London)", "Working days late", "Priority", "Open since (London)",
                                     "Instance", "Task id"], rows())


@bp.route("/stuck.csv")
@permission_required("dashboard.view")
def stuck_csv():
    scope, r = _scope(), _rules()
    f, errors = _filters("since", dashboard.STUCK_SORTS)
    if errors:
        abort(400, errors[0].message)
    names = dashboard.process_names()

    def rows():
        for row in dashboard.stuck_rows(scope, r, f):
            yield [row["instance_id"], row["case_reference"], names.get(row["process_key"], row["process_key"]),
                   row.get("unit_name"), row["status"],
                   "; ".join(dashboard.REASONS[x] for x in row["reasons"]),
                   london(row["updated_at"], "%Y-%m-%d %H:%M"), london(row["started_at"], "%Y-%m-%d %H:%M"),
                   london(row["due_at"], "%Y-%m-%d %H:%M"), row["priority"], row["error"]]

    return _csv_response("stuck", ["Instance", "Case", "Process", "Unit", "Status", "Why stuck",
                                   "Last progress (London)", "Started (London)", "Due (London)",
                                   "Priority", "Error"], rows())


# ---------------------------------------------------------------- one instance

def _visible_instance(instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None:
        abort(404)
    scope = _scope()
    if not scope.everything:
        inside = (instance.service == scope.service if scope.service is not None
                  else instance.unit_id == scope.unit_id)
        if not inside:
            abort(404)  # another service's process looks the same as none at all
    return instance


def _history(instance_id: int):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                              .order_by(AuditEvent.at, AuditEvent.id)).all()


def _changes(event: AuditEvent) -> list[tuple[str, str]]:
    """What an audit event changed, as (name, value) pairs to show."""
    answered = record.event_answers(event)   # answers: questions and options in words, not codes
    if answered is not None:
        return answered
    return audit_words.detail_in_words(event.detail)   # the rest in words too: labels, never keys or codes


def _current_data(workflow) -> dict:
    """As engine.queries.instance_data, from the workflow already read (a
    cancelled one has no end data: its last step's then)."""
    if workflow.completed and workflow.data:
        return dict(workflow.data)
    last = current_task(workflow)  # after an interrupting timer, its path's data
    return dict(last.data) if last is not None else dict(workflow.task_tree.data)


def _instance_context(instance: ProcessInstance, errors=None, open_form=None, form=None) -> dict:
    definition = db.session.get(ProcessDefinition, instance.definition_id)
    tasks = queries.instance_tasks(instance.id)
    open_tasks = [t for t in tasks if t.state == "ready"]
    workflow = queries.peek_workflow(instance)     # the one workflow read on this page
    marks = repair.tokens(instance, workflow)
    heat = dashboard.heat(instance.process_key, _scope())
    diagram = {"xml": definition.bpmn_xml, "done": marks.done, "current": marks.current,
               "errored": marks.errored, "cancelled": marks.cancelled, "heat": heat}
    completed_by = {t.id: t for t in tasks if t.state == "completed"}
    steps_done = [(tid, name, completed_by.get(tid)) for tid, name in marks.steps_done]
    allowed = repair.can_repair(g.user, instance)
    newer = migration.newer_version(instance) if allowed and instance.status == "error" else None
    return dict(
        newer=newer, newer_refusal=migration.why_not_for_retry(instance, newer) if newer else None,
        instance=instance, definition=definition, tasks=tasks, open_tasks=open_tasks,
        diagram=diagram, history=_history(instance.id), changes=_changes,
        # the diagram as text (issue 17 item 3): the same steps as the procedure's page, where it waits marked
        steps=explain.steps(definition.bpmn_xml, instance.process_key), waiting_at=set(marks.current),
        # the path taken, in the order run: the named elements only (an unnamed gateway says nothing)
        path_taken=[marks.names[e] for e in marks.done if marks.names.get(e, e) != e],
        data=json.dumps(_current_data(workflow), indent=2, ensure_ascii=False, default=str),
        may_repair=allowed,
        task_rights={t.id: repair.can_repair_task(g.user, t) for t in open_tasks},
        assignees={t.id: repair.eligible_assignees(g.user, t) for t in open_tasks} if allowed or any(
            repair.can_repair_task(g.user, t) for t in open_tasks) else {},
        next_posts={t.id: repair.next_post(t.post) for t in open_tasks},
        steps_done=steps_done, element_names=marks.names, errors=errors or [], open_form=open_form, form=form or {},
        reasons=dashboard.REASONS)


@bp.route("/instances/<int:instance_id>")
@permission_required("dashboard.view")
def instance_page(instance_id):
    instance = _visible_instance(instance_id)
    html = render_template("instance.html", **_instance_context(instance))
    reads.record(g.user, reads.INSTANCE_VIEWED, instance.case_id, f"instance {instance.id}")
    return html


def _prefixed(errors, prefix: str) -> list[FieldError]:
    """Field errors named for the form they belong to (several forms share a page)."""
    return [FieldError(f"{prefix}-{e.field}", e.message) for e in errors]


def _run_repair(instance: ProcessInstance, prefix: str, action):
    """Run one repair in its own transaction; `action` returns what to tell
    the manager.  Missing or wrong answers re-show the page with the GOV.UK
    error summary; a refusal the engine explains is shown as a message."""
    try:
        with unit_of_work():
            message, category = action()
    except runtime.Invalid as exc:
        instance = db.session.get(ProcessInstance, instance.id)
        return render_template("instance.html", **_instance_context(
            instance, errors=_prefixed(exc.errors, prefix), open_form=prefix, form=request.form)), 400
    except runtime.NotAllowed:
        abort(403)
    except runtime.NotFound:
        abort(404)
    except Conflict:
        flash("Someone else changed this process at the same moment; nothing was changed. Try again.", "error")
    except runtime.EngineError as exc:
        flash(str(exc), "error")
    else:
        flash(message, category)
    return redirect(url_for("manage.instance_page", instance_id=instance.id))


@bp.route("/instances/<int:instance_id>/<action>", methods=["POST"])
@permission_required("instance.repair")
def instance_action(instance_id, action):
    if action not in INSTANCE_ACTIONS:
        abort(404)
    instance = _visible_instance(instance_id)
    if not repair.can_repair(g.user, instance):
        abort(403)
    form, reason = request.form, request.form.get("reason")

    def act():
        if action == "retry":
            to_version, changes = repair.parse_retry(form.get("version"), form.get("changes"), reason)
            done = repair.retry(instance.id, g.user, changes, reason, to_version)
            on = f" on version {to_version}" if to_version is not None else ""
            if done.status == "error":
                return f"The step failed again{on}: {done.error}", "error"
            return f"The failed step was run again{on} and the process has moved on.", "success"
        if action == "move-back":
            repair.move_back(instance.id, g.user, form.get("target", ""), reason)
            return "The process has gone back to the chosen step.", "success"
        function, message = {"suspend": (repair.suspend, "The process is suspended."),
                             "resume": (repair.resume, "The process is running again."),
                             "cancel": (repair.cancel, "The process is cancelled.")}[action]
        function(instance.id, g.user, reason)
        return message, "success"

    return _run_repair(instance, action, act)


@bp.route("/tasks/<task_id>/<action>", methods=["POST"])
@permission_required("instance.repair")
def task_action(task_id, action):
    if action not in TASK_ACTIONS:
        abort(404)
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    instance = _visible_instance(task.instance_id)
    if not repair.can_repair_task(g.user, task):
        abort(403)
    form, reason, name = request.form, request.form.get("reason"), task.name

    def act():
        if action == "reassign":
            raw = form.get("assignee", "")
            done = repair.reassign(task_id, g.user, whole_number(raw), reason)
            return f"‘{name}’ is now assigned to {done.assigned_to.name}.", "success"
        if action == "unclaim":
            repair.unclaim(task_id, g.user, reason)
            return f"‘{name}’ is back with any {task.post}.", "success"
        done = repair.escalate(task_id, g.user, reason)
        return f"‘{name}’ is escalated to the {done.post}.", "success"

    return _run_repair(instance, f"{action}-{task_id}", act)


# ---------------------------------------------------------------- a unit's coming week

def _element_namer():
    cache = {}

    def name(definition_id, element_id):
        key = (definition_id, element_id)
        if key not in cache:
            spec = specs.loaded_by_id(definition_id).spec
            task_spec = spec.task_specs.get(element_id)
            cache[key] = (getattr(task_spec, "bpmn_name", None) or element_id) if task_spec else element_id
        return cache[key]
    return name


@bp.route("/unit")
@permission_required("dashboard.unit_week")
def unit_week():
    """The Unit Co-ordinator's own unit; a manager may look at any unit they oversee."""
    user = g.user
    if user.post == UNIT_COORDINATOR:
        units = [user.unit] if user.unit else []
    elif user.post in DASHBOARD_POSTS:
        units = _units(_scope())
    else:
        abort(403)
    if not units:
        abort(403)
    chosen = request.args.get("unit", "")
    unit = next((u for u in units if str(u.id) == chosen), units[0])
    r = _rules()
    items = dashboard.unit_week(unit.id, r, 7, _element_namer())
    days = {}
    for item in items:
        key = "late" if item.due_at < r.now else clock.as_date(from_db(item.due_at))
        days.setdefault(key, []).append(item)
    return render_template("unit_week.html", unit=unit, units=units, days=days,
                           today=clock.as_date(clock.now()), rules=r)
