"""Cases: the list, one case with its processes and audit trail, starting a process."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import authz, case_register, permissions, queries, reads, runtime
from engine.db import db
from engine.models import Case, Unit
from engine.transaction import Conflict, unit_of_work
from processes import jarp, papers, posts

from . import jarp_allocations, resource_panel, running
from .access import permission_required

bp = Blueprint("cases", __name__, url_prefix="/cases")

STARTABLE = {"jarp_referral": "Start a JARP referral", "case_transfer": "Request a transfer",
             "resource_panel_referral": "Refer to the Children's Resource Panel",
             "resource_panel_review": "Call to the Children's Resource Panel for review",
             "panel_booking": "Book onto the Adoption or Fostering Panel"}


# One service at a time: a case is never in two transfers at once (enforced
# by a unique index too, engine/models.py, for two starts at the same moment).
from engine.models import ONE_AT_A_TIME  # noqa: E402


def already_running(case, process_key) -> str | None:
    """Why this process cannot start now on this case, or None."""
    if process_key in ONE_AT_A_TIME and queries.running_instance(case.id, process_key):
        return ONE_AT_A_TIME[process_key]
    if process_key == "jarp_referral" and jarp.referrer_problems(case.service):
        return jarp.referrer_problems(case.service)[0]  # Panels §6 'Who can refer to JARP?'
    return None


def startable_processes(user, case):
    """Processes this person may start on this case: those whose start event
    sits in a lane of a post they may act as."""
    out = []
    for key, label in STARTABLE.items():
        lane = queries.start_lane(key)
        # case-decision posts start processes for their own unit's or service's
        # cases; department-wide posts only the processes that begin in their lane
        if lane and (user.post == lane or posts.can_act_as(user.post, lane)
                     and posts.scope_of(user.post) != posts.ALL):
            out.append((key, label))
    return out


@bp.route("/")
@permission_required("case.list")
def case_list():
    query = request.args.get("q", "").strip()[:120]
    return render_template("cases.html", cases=case_register.find(g.user, text=query) if query
                           else queries.cases_for(g.user), query=query)


@bp.route("/<int:case_id>")
@permission_required("case.read")
def case_page(case_id):
    case = queries.visible_case(g.user, case_id)
    if case is None:
        moved = transferred_away(g.user, case_id)
        if moved is None:
            abort(404)
        # issue 12 item 6: the sending unit is told where the case went and when
        return render_template("case_transferred.html", **moved)
    html = render_template("case.html", **case_context(case))
    reads.record(g.user, reads.CASE_VIEWED, case.id, f"case {case.reference}")
    return html


@bp.route("/<int:case_id>/reads")
@permission_required("case.reads.view")
def case_reads(case_id):
    """Who has read this child's record: for the Head of Service and above."""
    case = queries.visible_case(g.user, case_id)
    if case is None or not permissions.can(g.user, "case.reads.view", case):
        abort(404)
    return render_template("case_reads.html", case=case, events=reads.of_case(case.id))


def transferred_away(user, case_id: int) -> dict | None:
    """The last transfer of a case out of `user`'s unit (or service), if the
    case is no longer theirs to open: the reference, where it went and when
    (the audited case move). Nothing else of the child's record is shown."""
    case = db.session.get(Case, case_id) if 0 < case_id else None
    if case is None:
        return None
    for event in queries.case_audit(case.id):       # newest first
        if event.action != "case.transferred" or not isinstance(event.detail, dict):
            continue
        old = event.detail.get("from") or {}
        unit = db.session.scalar(select(Unit).filter_by(name=old.get("unit"))) if old.get("unit") else None
        if authz.within(user, old.get("service"), unit.id if unit else None):
            return dict(case=case, moved=event, to=event.detail.get("to") or {})
        return None
    return None


def pending_transfer(case) -> dict | None:
    """A transfer accepted and waiting for its point of transfer (Case Transfer
    §3.1-3.4): the receiving unit and when the case moves."""
    if case.pending_unit_id is None or queries.running_instance(case.id, "case_transfer") is None:
        return None
    return {"unit": case.pending_unit.name, "service": case.pending_unit.service, "at": case.pending_at}


def case_context(case) -> dict:
    instances, startable = queries.case_instances(case.id), startable_processes(g.user, case)
    return dict(case=case, instances=instances, pending=pending_transfer(case),
                tasks=queries.case_tasks(case.id), audit=queries.case_audit(case.id),
                documents=queries.case_documents(case.id), paper_kinds=papers.KINDS,
                startable=startable, running=running.on_case_page(case, startable, instances),
                blocks=running.blocks,
                panel_decisions=resource_panel.case_decisions(case.id),
                jarp_allocations=jarp_allocations.of_case(case.id))


@bp.route("/<int:case_id>/start/<process_key>", methods=["POST"])
@permission_required("instance.start")
def start(case_id, process_key):
    case = queries.visible_case(g.user, case_id)
    if case is None:
        abort(404)
    if process_key not in dict(startable_processes(g.user, case)):
        abort(403)
    refusal = already_running(case, process_key)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("cases.case_page", case_id=case.id))
    try:
        with unit_of_work():
            instance = runtime.start_instance(process_key, case, g.user)
    except Conflict:
        flash(runtime.BUSY_MESSAGE, "error")
        return redirect(url_for("cases.case_page", case_id=case.id))
    except runtime.EngineError as exc:  # e.g. a transfer started by someone else at the same moment
        flash(str(exc), "error")
        return redirect(url_for("cases.case_page", case_id=case.id))
    task = queries.open_task_for_instance(instance.id)
    if task is not None and permissions.can(g.user, "task.complete", task):
        return redirect(url_for("tasks.task_page", task_id=task.id))
    flash("The process has started.", "success")
    return redirect(url_for("cases.case_page", case_id=case.id))

