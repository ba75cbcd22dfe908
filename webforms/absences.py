"""/absences: a person's absences and who covers them, recorded by the
person or their manager (issue 13 §3; 004 Cover Arrangements)."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import cover, permissions
from engine.db import db
from engine.models import Absence, User
from engine.runtime import Invalid
from engine.transaction import unit_of_work

from .access import permission_required
from .inputs import date_from_parts, whole_number

bp = Blueprint("absences", __name__, url_prefix="/absences")


def _people() -> list[User]:
    """Whose absences this person may record: their own, and a manager's people."""
    everyone = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
    return [u for u in everyone if permissions.can(g.user, "absence.manage", u)]


def _page(errors=None, form=None, status=200):
    people = _people()
    covers = list(db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
    shown = cover.upcoming([p.id for p in people])
    return render_template("absences.html", people=people, covers=covers, absences=shown,
                           cover_for=cover.cover_for, errors=errors, form=form or {}), status


@bp.route("/")
@permission_required("absence.manage")
def absence_list():
    return _page()


@bp.route("/", methods=["POST"])
@permission_required("absence.manage")
def record():
    person = db.session.get(User, whole_number(request.form.get("person")) or 0) or g.user
    if not permissions.can(g.user, "absence.manage", person):
        abort(403)
    chosen = whole_number(request.form.get("cover"))
    covering = db.session.get(User, chosen) if chosen else None
    try:
        with unit_of_work():
            cover.record(g.user, person, date_from_parts(request.form, "starts"),
                         date_from_parts(request.form, "ends"), request.form.get("reason", ""), covering)
    except Invalid as exc:
        return _page(errors=exc.errors, form=request.form, status=400)
    flash(f"The absence of {person.name} is recorded.", "success")
    return redirect(url_for("absences.absence_list"))


@bp.route("/<int:absence_id>/cancel", methods=["POST"])
@permission_required("absence.manage")
def cancel(absence_id):
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.cancelled_at or not permissions.can(g.user, "absence.manage", absence.person):
        abort(404)
    with unit_of_work():
        cover.cancel(g.user, absence)
    flash(f"The absence of {absence.person.name} is cancelled: their work is theirs again.", "success")
    return redirect(url_for("absences.absence_list"))
