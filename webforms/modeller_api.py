"""The process owner's operations under /api/v1/definitions (bearer token):
list versions, read and save drafts, validate, deploy, migrate.  Routes are
added to the API blueprint, so its token authentication and JSON errors
apply; each declares its permission (process.edit, or process.deploy for
deploying and migrating, as on the pages)."""
from flask import g, jsonify, request

from engine import explain, migration, modelling, specs
from engine.models import MAX_ID
from engine.timeutil import from_db
from engine.transaction import Conflict, unit_of_work

from .access import permission_required
from .api import ApiError, bp, json_body
from .modeller import save


def _fail(exc: modelling.ModellingError):
    errors = [p.as_json() for p in getattr(exc, "problems", [])]
    message = "The diagram cannot be deployed: put right the problems listed." if errors else str(exc)
    return ApiError(exc.status, message, errors)


def _version_json(v: dict) -> dict:
    return {"version": v["version"], "deployed_by": v["deployed_by"],
            "deployed_at": from_db(v["deployed_at"]).isoformat() if v["deployed_at"] else None,  # with its zone: the document says date-time
            "current": v["is_current"], "running_instances": v["running"],
            "instances_by_status": v["statuses"]}


@bp.get("/definitions")
@permission_required("process.edit")
def definitions():
    return jsonify({"definitions": [{
        "process": p["key"], "name": p["name"], "current_version": p["current_version"],
        "draft": p["draft"].content_hash if p["draft"] else None,
        "versions": [_version_json(v) for v in p["versions"]]} for p in modelling.overview()]})


@bp.get("/definitions/<key>/draft")
@permission_required("process.edit")
def read_draft(key):
    """The diagram an editor would open (the draft, else the current version)
    and the base hash to save it against."""
    try:
        source = modelling.editor_source(key)
    except modelling.NotFound as exc:
        raise ApiError(404, str(exc)) from exc
    return jsonify({"process": key, "xml": source["xml"], "base": source["base"],
                    "source": source["source"]})


@bp.post("/definitions/<key>/drafts")
@permission_required("process.edit")
def save_draft(key):
    body = json_body()
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise ApiError(400, "Send the diagram as 'xml' and the hash you opened as 'base'.")
    try:
        draft = save(key, xml, body.get("base"), g.user)
    except modelling.Changed as exc:  # the diagram changed since 'base': theirs stays, this is kept
        return jsonify({"error": str(exc), "copy": exc.copy_id}), 409
    except modelling.ModellingError as exc:
        raise _fail(exc) from exc
    return jsonify({"process": key, "hash": draft.content_hash}), 201


@bp.post("/definitions/<key>/validation")
@permission_required("process.edit")
def validate(key):
    """Problems with the posted diagram (or the saved draft, if none is sent)."""
    body = request.get_json(silent=True) or {}
    xml = body.get("xml") if isinstance(body, dict) else None
    if xml is None:
        draft = modelling.open_draft(key)
        if draft is None:
            raise ApiError(404, f"There is no draft of {key}; send the diagram as 'xml'.")
        xml = draft.bpmn_xml
    if not isinstance(xml, str):
        raise ApiError(400, "Send the diagram as text in 'xml'.")
    try:
        problems = modelling.check(xml, key)
    except modelling.ModellingError as exc:
        raise _fail(exc) from exc
    return jsonify({"valid": not problems, "problems": [p.as_json() for p in problems],
                    "warnings": [] if problems else explain.warnings(xml, key)})


@bp.post("/definitions/<key>/deploy")
@permission_required("process.deploy")
def deploy(key):
    """Deploy the saved draft whose hash is 'base'."""
    body = json_body()
    try:
        with unit_of_work():
            deployed = modelling.deploy_draft(key, body.get("base") or "", g.user)
            out = [{"process": d.process_key, "version": d.version, "current": d.is_current}
                   for d in deployed]
    except modelling.ModellingError as exc:
        raise _fail(exc) from exc
    except Conflict as exc:
        raise ApiError(409, "Someone changed this process at the same moment; try again.") from exc
    return jsonify({"deployed": out}), 201


@bp.post("/definitions/<key>/migrations")
@permission_required("process.deploy")
def migrate(key):
    """?dry_run=1: which running instances can move to the current version,
    and why the others cannot.  Otherwise move the listed 'instances'."""
    target = specs.current(key)
    if target is None:
        raise ApiError(404, f"There is no deployed process called {key}.")
    if request.args.get("dry_run", "").lower() in ("1", "true", "yes"):
        plan = migration.plan(key, target)
        return jsonify({"process": key, "to_version": target.version, "dry_run": True,
                        "instances": [m.as_json() for m in plan]})
    body = json_body()
    ids = body.get("instances")
    if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in ids):
        raise ApiError(400, "Send the ids of the instances to move as 'instances' (a list of numbers).")
    try:
        with unit_of_work():
            moved, refused = migration.migrate(key, target, ids, g.user)
    except migration.MigrationError as exc:
        raise ApiError(400, str(exc)) from exc
    except Conflict as exc:
        raise ApiError(409, "An instance changed while it was being moved, so none was moved; "
                            "look again (dry run) and try again.") from exc
    return jsonify({"process": key, "to_version": target.version, "dry_run": False,
                    "moved": [m.as_json() for m in moved], "refused": [m.as_json() for m in refused]})
