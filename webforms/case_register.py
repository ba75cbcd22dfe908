"""Registering and closing cases on the pages (issue 14 §2); the engine
checks and records (engine/case_register.py)."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import case_register, permissions, queries
from engine.db import db
from engine.models import Unit
from engine.runtime import Invalid, NotAllowed
from engine.transaction import unit_of_work
from processes import case_register as rules

from .access import permission_required
from .cases import bp
from .inputs import date_from_parts


def _units() -> list[Unit]:
    return [u for u in db.session.scalars(select(Unit).order_by(Unit.name))
            if permissions.can(g.user, "case.register", u)]


def _date(name: str):
    """A date input's value: None if left empty, the date, or the text typed (for the rules to name)."""
    parts = [request.form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    return date_from_parts(request.form, name) or "-".join(parts)


@bp.route("/new", methods=["GET", "POST"])
@permission_required("case.register")
def register_case():
    errors = []
    if request.method == "POST":
        fields = {"reference": request.form.get("reference", ""), "child_name": request.form.get("child_name", ""),
                  "date_of_birth": _date("date_of_birth"), "expected_delivery_date": _date("expected_delivery_date"),
                  "unit": request.form.get("unit", ""),
                  **{k: k in request.form.getlist("legal_status") for k in rules.LEGAL_STATUS}}
        try:
            with unit_of_work():
                case = case_register.register(g.user, fields)
                case_id, reference = case.id, case.reference
        except Invalid as exc:
            errors = exc.errors
        except NotAllowed:
            abort(403)
        else:
            flash(f"Case {reference} is registered.", "success")
            return redirect(url_for("cases.case_page", case_id=case_id))
    return render_template("case_register.html", units=_units(), errors=errors, form=request.form,
                           legal_status=rules.LEGAL_STATUS), 400 if errors else 200


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@permission_required("case.close")
def close_case(case_id):
    case = queries.visible_case(g.user, case_id)
    if case is None or not permissions.can(g.user, "case.close", case):
        abort(404)
    errors = []
    if request.method == "POST":
        try:
            with unit_of_work():
                case_register.close(g.user, case, request.form.get("reason"))
        except Invalid as exc:
            errors = exc.errors
        except NotAllowed:
            abort(403)
        else:
            flash(f"Case {case.reference} is closed.", "success")
            return redirect(url_for("cases.case_page", case_id=case.id))
    return render_template("case_close.html", case=case, errors=errors,
                           reason=request.form.get("reason", "")), 400 if errors else 200


@bp.app_template_filter("unit_choice")
def unit_choice(unit: Unit, chosen=None) -> dict:
    return {"value": unit.name, "text": f"{unit.name} ({unit.service})", "selected": unit.name == chosen}


@bp.app_context_processor
def _register_helpers():
    def legal_status_items(chosen):
        return [{"value": k, "text": f"The child is {v}", "checked": k in chosen} for k, v in rules.LEGAL_STATUS.items()]
    return {"legal_status_items": legal_status_items}
