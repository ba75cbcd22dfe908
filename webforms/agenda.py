"""Meeting agendas (JARP): cases listed by sitting, in the order they are heard."""
from datetime import date

from flask import Blueprint, abort, g, render_template, request

from engine import permissions, queries

from .access import permission_required

bp = Blueprint("agenda", __name__, url_prefix="/agenda")

JARP_POSTS = permissions.holders("agenda.jarp")


@bp.route("/jarp")
@permission_required("agenda.jarp")
def jarp():
    sitting = None
    if request.args.get("sitting"):
        try:
            sitting = date.fromisoformat(request.args["sitting"])
        except ValueError:
            abort(400, "The sitting date must look like 2026-11-24.")
    items = queries.agenda("JARP", sitting)
    decisions = queries.open_tasks_by_instance([i.instance_id for i in items], "Task_record_decision")
    sittings = {}
    for item in items:
        sittings.setdefault(item.sitting, []).append((item, decisions.get(item.instance_id)))
    return render_template("agenda.html", sittings=sittings, user=g.user)
