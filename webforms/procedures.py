"""/procedures: each procedure explained in plain English, from the version
deployed now (issue 17; engine/explain.py)."""
from flask import Blueprint, abort, render_template

from engine import dashboard, explain, specs

from .access import permission_required

bp = Blueprint("procedures", __name__, url_prefix="/procedures")

# The four procedures of the handbook, first; the steps they call follow them.
MAIN = ("case_transfer", "jarp_referral", "resource_panel_referral", "panel_booking")


@bp.route("/")
@permission_required("procedure.view")
def procedure_list():
    names = dashboard.process_names()
    ordered = [k for k in MAIN if k in names] + sorted(k for k in names if k not in MAIN)
    return render_template("procedures.html", procedures=[(k, names[k]) for k in ordered])


@bp.route("/<process_key>")
@permission_required("procedure.view")
def how_it_works(process_key):
    definition = specs.current(process_key)
    if definition is None:
        abort(404)
    all_steps = explain.steps(definition.bpmn_xml, process_key)
    contacts = sorted({s.who for s in all_steps if s.who})
    return render_template("how_it_works.html", definition=definition, steps=all_steps,
                           lines=explain.as_text(all_steps), contacts=contacts)
