"""Process owners' pages: the process definitions and their versions, the
modeller (bpmn-js, served from static/vendor), drafts, validation, deploy,
upload and download, migration of running instances, and the form files.

The modeller talks to the JSON endpoints here with the session's cookie and
the CSRF token; client systems use the same operations under /api/v1
(modeller_api.py)."""
import json

from flask import (
    Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for,
)

from engine import explain, migration, modelling, permissions, queries, specs
from engine.transaction import Conflict, unit_of_work
from processes import posts

from .access import permission_required
from .formfields import fields_for
from .inputs import whole_number

bp = Blueprint("modeller", __name__, url_prefix="/processes")

def _or_404(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except modelling.NotFound:
        abort(404)


def _bpmn_download(xml: str, filename: str) -> Response:
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------- reading

@bp.route("/")
@permission_required("process.view")
def process_list():
    return render_template("modeller/list.html", processes=modelling.overview(),
                           can_edit=permissions.can(g.user, "process.edit"))


@bp.route("/<key>")
@permission_required("process.view")
def process_page(key):
    entry = _or_404(modelling.process, key)
    return render_template("modeller/process.html", p=entry, copies=modelling.conflict_copies(key),
                           history=modelling.history(key), can_edit=permissions.can(g.user, "process.edit"))


@bp.route("/<key>/versions/<int:number>")
@permission_required("process.view")
def version_page(key, number):
    definition = _or_404(modelling.version, key, number)
    return render_template("modeller/version.html", d=definition, p=_or_404(modelling.process, key),
                           config={"mode": "view", "xml": definition.bpmn_xml},
                           steps=explain.steps(definition.bpmn_xml, key),   # the diagram's text alternative
                           can_edit=permissions.can(g.user, "process.edit"))


@bp.route("/<key>/versions/<int:number>.bpmn")
@permission_required("process.view")
def version_download(key, number):
    definition = _or_404(modelling.version, key, number)
    return _bpmn_download(definition.bpmn_xml, f"{key}-v{number}.bpmn")


@bp.route("/<key>/draft.bpmn")
@permission_required("process.edit")
def draft_download(key):
    draft = modelling.open_draft(key)
    if draft is None:
        abort(404)
    return _bpmn_download(draft.bpmn_xml, f"{key}-draft.bpmn")


@bp.route("/<key>/copies/<int:copy_id>.bpmn")
@permission_required("process.edit")
def copy_download(key, copy_id):
    kept = _or_404(modelling.copy, key, copy_id)
    return _bpmn_download(kept.bpmn_xml, f"{key}-copy-{copy_id}.bpmn")


# ---------------------------------------------------------------- the modeller

def _number(name):
    value = request.args.get(name)
    if value is None:
        return None
    number = whole_number(value)
    if number is None:
        abort(404)
    return number


@bp.route("/<key>/edit")
@permission_required("process.edit")
def edit(key):
    source = _or_404(modelling.editor_source, key, _number("version"), _number("copy"))
    config = {
        "mode": "edit", "key": key, "xml": source["xml"], "base": source["base"],
        "urls": {"save": url_for(".save_draft", key=key), "validate": url_for(".validate", key=key),
                 "deploy": url_for(".deploy", key=key), "process": url_for(".process_page", key=key)},
        "forms": sorted(modelling.available_forms()),
        "posts": list(posts.POSTS),
        "processes": sorted(modelling.known_processes()),
        "draftSaved": "draft" in source,
    }
    return render_template("modeller/edit.html", key=key, source=source, config=config,
                           draft=None if "draft" in source else modelling.open_draft(key))


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "Send a JSON object.")
    return body


def _xml_of(body: dict) -> str:
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise modelling.ModellingError("Send the diagram as 'xml'.")
    return xml


def _error(exc: modelling.ModellingError):
    """The page's endpoints answer an expected refusal (a conflict, problems)
    with 200 and ok: false, so the browser does not log a failed load; the
    API under /api/v1 uses the HTTP status codes."""
    body = {"ok": False, "status": exc.status, "error": str(exc)}
    if getattr(exc, "copy_id", None):
        body["copy"] = exc.copy_id
    return jsonify(body)


def save(key: str, xml: str, base, user):
    """Save a draft.  On a lost race the person's copy is kept beside the
    draft (nothing is lost) and Changed says so, with the copy's id."""
    base = base if isinstance(base, str) else ""
    try:
        with unit_of_work():
            return modelling.save_draft(key, xml, base, user)
    except modelling.Changed as exc:
        message = str(exc)
    except Conflict:
        message = None
    with unit_of_work():
        kept = modelling.keep_copy(key, xml, base, user)
        message = message or modelling.changed_message(key, None)
        copy_id = kept.id
    raise modelling.Changed(message, copy_id=copy_id)


@bp.route("/<key>/draft", methods=["POST"])
@permission_required("process.edit")
def save_draft(key):
    body = _json_body()
    try:
        draft = save(key, _xml_of(body), body.get("base"), g.user)
    except modelling.ModellingError as exc:
        return _error(exc)
    return jsonify({"ok": True, "hash": draft.content_hash, "message": "Draft saved."})


@bp.route("/<key>/validate", methods=["POST"])
@permission_required("process.edit")
def validate(key):
    body = _json_body()
    try:
        xml = _xml_of(body)
        problems = modelling.check(xml, key)
    except modelling.ModellingError as exc:
        return _error(exc)
    return jsonify({"ok": True, "problems": [p.as_json() for p in problems],
                    "warnings": [] if problems else explain.warnings(xml, key)})


@bp.route("/<key>/deploy", methods=["GET", "POST"])
@permission_required("process.deploy")
def deploy(key):
    """Deploying asks first (GOV.UK's confirmation page, with or without
    JavaScript): the checks' result on the saved draft and the instances
    running now, then the Deploy button posts the draft's hash."""
    errors, status = [], 200
    if request.method == "POST":
        try:
            with unit_of_work():
                deployed = modelling.deploy_draft(key, request.form.get("base", ""), g.user)
                versions = [(d.process_key, d.version) for d in deployed]
        except modelling.NotDeployable:
            errors.append(("problems", "The draft was not deployed: put right the problems listed "
                                       "in the modeller."))
            status = 400
        except modelling.ModellingError as exc:
            errors.append(("deploy", str(exc)))
            status = exc.status
        except Conflict:
            errors.append(("deploy", "Someone changed this process at the same moment, so nothing "
                                     "was deployed. Look at the checks again and deploy."))
            status = 409
        else:
            mine = next((v for k, v in versions if k == key), versions[0][1])
            flash(f"Version {mine} of {key} is deployed: new instances start on it; "
                  "running instances stay on their version.", "success")
            return redirect(url_for(".process_page", key=key))
    try:
        preview = _or_404(modelling.deploy_preview, key)
    except modelling.ModellingError as exc:  # no draft (any more): nothing to confirm
        preview, errors = None, errors or [(None, str(exc))]
    entry = preview["process"] if preview else _or_404(modelling.process, key)
    return render_template("modeller/deploy.html", p=entry, preview=preview, errors=errors), status


@bp.route("/<key>/discard", methods=["POST"])
@permission_required("process.edit")
def discard(key):
    copy_id = request.form.get("copy")
    try:
        with unit_of_work():
            modelling.discard(key, whole_number(copy_id), g.user)
    except modelling.NotFound:
        abort(404)
    flash("The copy was discarded." if copy_id else "The draft was discarded.", "success")
    return redirect(url_for(".process_page", key=key))


# ---------------------------------------------------------------- upload

@bp.route("/upload", methods=["GET", "POST"])
@permission_required("process.edit")
def upload():
    errors, problems, status = [], [], 200
    if request.method == "POST":
        file = request.files.get("bpmn")
        as_draft = request.form.get("then") == "draft"
        if file is None or not file.filename:
            errors.append(("bpmn", "Select a .bpmn file"))
        elif not as_draft and not permissions.can(g.user, "process.deploy"):
            abort(403)  # uploading to deploy is deploying: the same permission as the Deploy button
        else:
            try:
                with unit_of_work():
                    result = modelling.upload(file.filename, file.read(), g.user, as_draft=as_draft)
                    if as_draft:
                        key = result.process_key
                    else:
                        shown = ", ".join(f"{d.process_key} version {d.version}" for d in result)
                        key = result[0].process_key
            except modelling.NotDeployable as exc:  # only when deploying: a draft may have problems
                problems = exc.problems
                count = f"the problem{'s' if len(problems) != 1 else ''} listed below"
                errors.append(("bpmn", f"{file.filename} was not deployed: put right {count}, or "
                                       "upload it again to keep as a draft and fix in the modeller. "
                                       "The version new instances start on is unchanged."))
            except modelling.ModellingError as exc:
                errors.append(("bpmn", str(exc)))
            except Conflict:
                errors.append(("bpmn", "Someone changed this process at the same moment; try again."))
            else:
                if as_draft:
                    flash(f"{file.filename} is kept as the draft of {key}.", "success")
                    return redirect(url_for(".edit", key=key))
                flash(f"{file.filename} is deployed: {shown}. New instances start on it.", "success")
                return redirect(url_for(".process_page", key=key))
        status = 400
    return render_template("modeller/upload.html", errors=errors, problems=problems), status


# ---------------------------------------------------------------- migration

@bp.route("/<key>/migrate", methods=["GET", "POST"])
@permission_required("process.deploy")  # moving instances is deploying's other half (the API's too)
def migrate(key):
    entry = _or_404(modelling.process, key)
    target = specs.current(key)
    if target is None:
        abort(404)
    errors, status, moved, refused = [], 200, None, None
    if request.method == "POST":
        chosen = [n for n in map(whole_number, request.form.getlist("instance")) if n is not None]
        try:
            with unit_of_work():
                moved, refused = migration.migrate(key, target, chosen, g.user)
        except migration.MigrationError as exc:
            errors.append(("instance", str(exc)))
            status = 400
        except Conflict:
            errors.append(("instance", "An instance changed while it was being moved, so none was "
                                       "moved. Look at the list again and try again."))
            status = 409
        else:
            if moved:
                flash(f"{len(moved)} instance{'s' if len(moved) != 1 else ''} moved to version "
                      f"{target.version}.", "success")
    plan = migration.plan(key, target)
    return render_template("modeller/migrate.html", p=entry, target=target, plan=plan, errors=errors,
                           moved=moved, refused=refused), status


# ---------------------------------------------------------------- forms

@bp.route("/forms")
@permission_required("process.view")
def form_list():
    return render_template("modeller/forms.html", forms=modelling.form_list(),
                           can_edit=permissions.can(g.user, "process.edit"))


def _preview_fields(schema: dict):
    options = {"units": [(u.name, f"{u.name} ({u.service})") for u in queries.units()],
               "documents": [("1", "Court report: example.pdf"), ("2", "Care plan: example.docx")]}
    return fields_for(schema, {}, {}, options)


@bp.route("/forms/new", methods=["GET", "POST"])
@bp.route("/forms/<name>", methods=["GET", "POST"])
@permission_required("process.edit")
def form_edit(name=None):
    is_new = name is None
    errors, status, preview = [], 200, None
    if request.method == "POST":
        name = request.form.get("name", "").strip() if is_new else name
        text, base = request.form.get("schema", ""), request.form.get("base", "")
        if request.form.get("action") == "preview":
            schema, problem = modelling.parse_form(text)
            if problem:
                errors.append(("schema", problem))
            else:
                preview = schema
        else:
            try:
                with unit_of_work():
                    modelling.save_form(name, text, base, g.user)
            except modelling.ModellingError as exc:
                field = "name" if is_new and ("file name" in str(exc) or "already" in str(exc)) else "schema"
                errors.append((field, str(exc)))
            else:
                flash(f"The form {name} is saved. Processes use it from their next deploy.", "success")
                return redirect(url_for(".form_edit", name=name))
        status = 400 if errors else 200
    else:
        if is_new:
            text, base = json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                     "title": "", "type": "object", "properties": {},
                                     "required": []}, indent=2), ""
        else:
            schema, base = _or_404(modelling.form, name)
            text = schema if isinstance(schema, str) else json.dumps(schema, indent=2, ensure_ascii=False)
    return render_template("modeller/form_edit.html", name=name or "", is_new=is_new, text=text, base=base,
                           errors=errors, preview=preview,
                           fields=_preview_fields(preview) if preview else None), status


@bp.route("/forms/<name>/preview")
@permission_required("process.view")
def form_preview(name):
    schema, _token = _or_404(modelling.form, name)
    if isinstance(schema, str):
        abort(404)
    return render_template("modeller/form_preview.html", name=name, schema=schema,
                           fields=_preview_fields(schema))


# ---------------------------------------------------------------- history

@bp.app_template_filter("modeller_event")
def describe_event(event) -> str:
    """An audit event of a process, as a sentence."""
    d = event.detail or {}
    if event.action == "process.migrated":
        moved, refused = d.get("moved", []), d.get("refused", {})
        text = f"Moved {len(moved)} instance{'s' if len(moved) != 1 else ''} to version {d.get('to_version')}"
        return text + (f"; {len(refused)} could not move" if refused else "")
    return {
        "process.draft_saved": "Saved a draft",
        "process.draft_conflict": "Saved over a newer draft was refused; their copy was kept",
        "process.draft_discarded": "Discarded a copy" if d.get("status") == "conflict" else "Discarded the draft",
        "process.deployed": f"Deployed version {d.get('version')}",
        "process.uploaded": f"Uploaded {d.get('file')}" + (" as a draft" if d.get("as_draft") else ""),
        "instance.migrated": f"Moved instance {event.instance_id} from version {d.get('from_version')} "
                             f"to version {d.get('to_version')}",
    }.get(event.action, event.action)
