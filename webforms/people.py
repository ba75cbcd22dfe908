"""/people: the people register, kept by the System administrator (issue 14
§2).  The engine checks and writes (engine/people.py); these views read the
form, show the outcome and never write rows themselves."""
from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for

from engine import people
from engine.runtime import EngineError, Invalid, NotFound
from engine.transaction import unit_of_work
from processes import posts

from .access import permission_required
from .inputs import whole_number

bp = Blueprint("people", __name__, url_prefix="/people")
MAX_UPLOAD = 2 * 1024 * 1024


def _items(options, chosen, empty=None):
    """GOV.UK select items from (value, text) pairs."""
    first = [{"value": "", "text": empty, "selected": not chosen}] if empty is not None else []
    return first + [{"value": value, "text": text, "selected": value == chosen} for value, text in options]


def _choices(form: dict, person=None) -> dict:
    services = [(s, s) for s in posts.SERVICES] + [(a, f"{a} (agency)") for a in posts.AGENCIES]
    deputies = [(u.username, f"{u.name}, {u.post}") for u in people.active_people()
                if person is None or u.id != person.id]
    return {
        "post_items": _items([(p, p) for p in posts.POSTS], form.get("post", ""), "Select a post"),
        "service_items": _items(services, form.get("service", ""), "None, or the unit's service"),
        "unit_items": _items([(u.name, u.name) for u in people.units()], form.get("unit", ""), "No unit"),
        "deputy_items": _items(deputies, form.get("deputy", ""), "No deputy"),
    }


def _person(person_id: int):
    try:
        return people.person(person_id)
    except NotFound:
        abort(404)


@bp.route("/")
@permission_required("people.manage")
def people_list():
    q = request.args.get("q", "")
    return render_template("people.html", people=people.search(q), q=q)


def _form_page(person=None, form=None, errors=None, status=200):
    form = form if form is not None else (people.details(person) if person else {})
    return render_template("people_form.html", person=person, form=form, errors=errors,
                           local_passwords=current_app.config["CASEFLOW_LOCAL_PASSWORDS"],
                           **_choices(form, person)), status


def _posted() -> dict:
    return {name: request.form.get(name, "") for name in people.COLUMNS}


@bp.route("/new")
@permission_required("people.manage")
def new():
    return _form_page()


@bp.route("/new", methods=["POST"])
@permission_required("people.manage")
def add():
    form = _posted()
    try:
        with unit_of_work():
            added = people.add(g.user, form)
            name, added_id = added.name, added.id
    except Invalid as exc:
        return _form_page(form=form, errors=exc.errors, status=400)
    flash(f"{name} is added to the register.", "success")
    return redirect(url_for("people.edit", person_id=added_id))


@bp.route("/<int:person_id>")
@permission_required("people.manage")
def edit(person_id):
    return _form_page(_person(person_id))


@bp.route("/<int:person_id>", methods=["POST"])
@permission_required("people.manage")
def save(person_id):
    person = _person(person_id)
    form = {**_posted(), "username": person.username}
    try:
        with unit_of_work():
            changed = people.change(g.user, person, form)
    except Invalid as exc:
        return _form_page(person, form=form, errors=exc.errors, status=400)
    flash(f"{person.name}'s details are saved." if changed else "Nothing was changed.", "success")
    return redirect(url_for("people.edit", person_id=person_id))


@bp.route("/<int:person_id>/password", methods=["POST"])
@permission_required("people.manage")
def password(person_id):
    if not current_app.config["CASEFLOW_LOCAL_PASSWORDS"]:
        abort(404)  # people sign in with the council's accounts only
    person = _person(person_id)
    try:
        with unit_of_work():
            people.set_password(g.user, person, request.form.get("password", ""), request.form.get("confirm", ""))
    except Invalid as exc:
        return _form_page(person, errors=exc.errors, status=400)
    flash(f"{person.name}'s new password is set: their sign-ins have ended and their API tokens stopped.",
          "success")
    return redirect(url_for("people.edit", person_id=person_id))


def _close_page(person, errors=None, problems=None, status=200):
    work = people.open_work(person)
    return render_template("people_deactivate.html", person=person, work=work, errors=errors,
                           problems=problems or [], deputy_for=people.deputy_for(person),
                           eligible={t.id: people.eligible_for(t, person) for t in work}), status


@bp.route("/<int:person_id>/deactivate")
@permission_required("people.manage")
def close(person_id):
    return _close_page(_person(person_id))


@bp.route("/<int:person_id>/hand-over", methods=["POST"])
@permission_required("people.manage")
def hand_over(person_id):
    person = _person(person_id)
    try:
        with unit_of_work():
            task = people.hand_over(g.user, person, request.form.get("task", ""),
                                    whole_number(request.form.get("to")))
            flash(f"{task.name} is now {task.assigned_to.name}'s.", "success")
    except NotFound as exc:
        flash(str(exc), "error")
    except Invalid as exc:
        return _close_page(person, errors=exc.errors, status=400)
    return redirect(url_for("people.close", person_id=person_id))


@bp.route("/<int:person_id>/deactivate", methods=["POST"])
@permission_required("people.manage")
def deactivate(person_id):
    person = _person(person_id)
    try:
        with unit_of_work():
            people.deactivate(g.user, person)
    except Invalid as exc:
        return _close_page(person, problems=exc.problems, status=400)
    except EngineError as exc:
        return _close_page(person, problems=[str(exc)], status=400)
    flash(f"{person.name}'s account is closed: their sign-ins have ended and their API tokens stopped.",
          "success")
    return redirect(url_for("people.people_list"))


@bp.route("/export.csv")
@permission_required("people.manage")
def export():
    with unit_of_work():
        text = people.export_csv(g.user)
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="caseflow-people.csv"'})


@bp.route("/import")
@permission_required("people.manage")
def import_page():
    return render_template("people_import.html", outcomes=None, errors=None)


def _import_page(outcomes=None, errors=None, problems=None, data="", status=200):
    return render_template("people_import.html", outcomes=outcomes, errors=errors, problems=problems or [],
                           data=data, columns=people.COLUMNS, labels=people.LABELS), status


@bp.route("/import", methods=["POST"])
@permission_required("people.manage")
def check_import():
    """The dry run: each row's outcome, nothing saved."""
    upload = request.files.get("file")
    raw = upload.read(MAX_UPLOAD + 1) if upload else b""
    if len(raw) > MAX_UPLOAD:
        return _import_page(errors=[("file", "The file must be smaller than 2 MB")], status=400)
    if not raw:
        return _import_page(errors=[("file", "Select a CSV file of people")], status=400)
    try:
        outcomes = people.dry_run(raw)
    except Invalid as exc:
        return _import_page(errors=exc.errors, status=400)
    data = raw.decode("utf-8-sig")
    return _import_page(outcomes=outcomes, data=data)


@bp.route("/import/save", methods=["POST"])
@permission_required("people.manage")
def save_import():
    data = request.form.get("data", "")
    try:
        with unit_of_work():
            outcomes = people.import_csv(g.user, data)
    except Invalid as exc:
        try:
            outcomes = people.dry_run(data)
        except Invalid:
            outcomes = None
        return _import_page(outcomes=outcomes, errors=exc.errors, problems=exc.problems, data=data, status=400)
    counts = {kind: sum(o.outcome == kind for o in outcomes) for kind in ("added", "changed", "unchanged")}
    flash(f"The file is saved: {counts['added']} added, {counts['changed']} changed, "
          f"{counts['unchanged']} unchanged.", "success")
    return redirect(url_for("people.people_list"))
