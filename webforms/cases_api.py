"""The register of cases over the API (issue 14 §2), so a case management
system (Liquidlogic LCS, Mosaic, …) can push its cases in: find, register,
change; and read a case's audit trail (§4).  Routes on the API blueprint: its token authentication and JSON
errors apply."""
from datetime import date

from flask import g, jsonify, request

from engine import case_register, listings, permissions, queries, reads
from engine.models import Case
from engine.runtime import Invalid, NotAllowed
from engine.timeutil import from_db
from engine.transaction import unit_of_work
from processes import case_register as rules

from .access import permission_required
from .api import ApiError, bp, json_body
from .api_params import Query, page_json
from .formatting import audit_label


def case_json(case: Case) -> dict:
    return {"id": case.id, "reference": case.reference, "child_name": case.child_name,
            "date_of_birth": case.date_of_birth.isoformat() if case.date_of_birth else None,
            "expected_delivery_date": case.expected_delivery_date.isoformat() if case.expected_delivery_date else None,
            "service": case.service, "unit": case.unit.name if case.unit else None,
            **{name: bool(getattr(case, name)) for name in rules.LEGAL_STATUS},
            "closed_at": from_db(case.closed_at).isoformat() if case.closed_at else None}


def _fields(body: dict) -> dict:
    """The body's fields with dates read; a date that is not one stays as given, for the rules to name."""
    fields = {k: v for k, v in body.items()}
    for name in ("date_of_birth", "expected_delivery_date"):
        if isinstance(fields.get(name), str):
            try:
                fields[name] = date.fromisoformat(fields[name])
            except ValueError:
                pass
    return fields


def _refused(exc: Invalid):
    return ApiError(422, "The case was not accepted.", [{"field": e.field, "message": e.message} for e in exc.errors])


@bp.get("/cases")
@permission_required("case.list")
def cases():
    found = case_register.find(g.user, text=request.args.get("q"), reference=request.args.get("reference"))
    return jsonify({"cases": [case_json(c) for c in found]})


@bp.post("/cases")
@permission_required("case.register")
def register_case():
    body = json_body()
    unknown = sorted(set(body) - set(rules.FIELDS))
    if unknown:
        raise ApiError(422, "The case was not accepted.",
                       [{"field": k, "message": f"{k} is not a field of a case"} for k in unknown])
    try:
        with unit_of_work():
            case = case_register.register(g.user, _fields(body))
            answer = case_json(case)
    except Invalid as exc:
        raise _refused(exc) from exc
    except NotAllowed as exc:
        raise ApiError(403, str(exc)) from exc
    return jsonify(answer), 201


def _case_or_404(case_id: int) -> Case:
    case = queries.visible_case(g.user, case_id)
    if case is None:
        raise ApiError(404, "There is no such case, or it is not yours to see.")
    return case


@bp.get("/cases/<int:case_id>")
@permission_required("case.read")
def case(case_id):
    found = _case_or_404(case_id)
    answer = case_json(found)
    reads.record(g.user, reads.CASE_VIEWED, found.id, f"case {found.reference} (API)")
    return jsonify(answer)


@bp.patch("/cases/<int:case_id>")
@permission_required("case.register")
def update_case(case_id):
    body = json_body()
    try:
        with unit_of_work():
            found = _case_or_404(case_id)
            if not permissions.can(g.user, "case.register", found.unit):
                raise ApiError(403, f"You cannot change cases of {found.unit.name}.")
            answer = case_json(case_register.update(g.user, found, _fields(body)))
    except Invalid as exc:
        raise _refused(exc) from exc
    return jsonify(answer)


def audit_event_json(event) -> dict:
    """An audit event as the case page's trail shows it: when, who, what (in words) and why."""
    return {"id": event.id, "at": from_db(event.at).isoformat(), "who": event.actor_name,
            "action": event.action,
            "what": audit_label(event.action) + (f": {event.element_name}" if event.element_name else ""),
            "why": event.reason, "instance_id": event.instance_id}


@bp.get("/cases/<int:case_id>/audit")
@permission_required("case.read")
def case_audit(case_id):
    query = Query(())
    after, limit = query.paging()
    query.check()
    found = _case_or_404(case_id)
    page = listings.case_audit_page(found.id, after, limit)
    answer = {"case_id": found.id, "case_reference": found.reference,
              **page_json("events", [audit_event_json(e) for (e,) in page.rows], page)}
    # the trail is part of the child's record: reading it is a read, as the case page is
    reads.record(g.user, reads.CASE_VIEWED, found.id, f"audit trail of case {found.reference} (API)")
    return jsonify(answer)
