"""The people register over the API, read-only (issue 14 §4), for a client
system that keeps its own directory in step (HR, the case management system).

Held by whoever holds the people pages (`people.manage`: the System
administrator).  Managers are not given it: the register lists every
account in the department with its e-mail and whether it is open, which is
more than a manager's own team (their pages show that).  Only the register's
own fields are sent: never a password hash, a token, a session or the
directory's subject."""
from flask import jsonify

from engine import listings, people
from engine.runtime import NotFound
from processes import posts

from .access import permission_required
from .api import ApiError, bp
from .api_params import Query, page_json


def person_json(user) -> dict:
    entry = people.details(user)
    return {"id": user.id, **{k: entry[k] or None for k in ("username", "name", "post", "service", "unit",
                                                             "email", "deputy")},
            "active": bool(user.active)}


@bp.get("/people")
@permission_required("people.manage")
def people_list():
    query = Query(("post", "unit", "service", "active", "q"))
    found = listings.PeopleFilter(
        post=query.choice("post", posts.POSTS),
        unit=query.choice("unit", listings.unit_names()),
        service=query.choice("service", (*posts.SERVICES, *posts.AGENCIES)),
        active=query.boolean("active"), text=query.text("q"))
    after, limit = query.paging()
    query.check()
    page = listings.people_page(found, after, limit)
    return jsonify(page_json("people", [person_json(user) for (user,) in page.rows], page))


@bp.get("/people/<int:person_id>")
@permission_required("people.manage")
def person(person_id):
    try:
        return jsonify(person_json(people.person(person_id)))
    except NotFound as exc:
        raise ApiError(404, str(exc)) from exc
