"""Process instances listed over the API (issue 14 §4): by process, status,
case and the day they started, newest first, paged.  The caller gets only
the instances of cases they may open, the rule of the instance page
(api.read_instance)."""
from flask import g, jsonify

from engine import listings
from engine.timeutil import from_db

from .access import permission_required
from .api import bp
from .api_params import Query, page_json


def _when(value):
    return from_db(value).isoformat() if value else None


def instance_summary_json(instance, case_reference: str, version: int) -> dict:
    return {"id": instance.id, "process": instance.process_key, "version": version,
            "case_id": instance.case_id, "case_reference": case_reference, "status": instance.status,
            "error": instance.error, "started_at": _when(instance.started_at),
            "completed_at": _when(instance.completed_at)}


@bp.get("/instances")
@permission_required("instance.read")
def list_instances():
    query = Query(("process", "status", "case", "started_from", "started_to"))
    found = listings.InstanceFilter(process=query.choice("process", listings.process_keys()),
                                    status=query.choice("status", listings.STATUSES),
                                    started_from=query.day("started_from"), started_to=query.day("started_to"))
    if found.started_from and found.started_to and found.started_from > found.started_to:
        query.refuse("started_to", "started_to must be on or after started_from")
    case = query.text("case")
    if case is not None:
        found_case = listings.case_by_id_or_reference(g.user, case)
        if found_case is None:
            query.refuse("case", f"case {case}: there is no such case, or it is not yours to see")
        else:
            found.case_id = found_case.id
    after, limit = query.paging()
    query.check()
    page = listings.instances_page(g.user, found, after, limit)
    return jsonify(page_json("instances", [instance_summary_json(*row) for row in page.rows], page))
