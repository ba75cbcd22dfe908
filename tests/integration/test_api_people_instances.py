"""Issue 14 §4: the lists a client system reads over the API: people
(read-only), process instances with filters and paging, a case's audit
trail; each in its schema, bad parameters refused with a reason."""
from datetime import datetime

import jsonschema
import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from engine import repair, runtime
from engine.db import db
from engine.models import Case, ReadEvent, User
from engine.transaction import unit_of_work
from processes.clock import LONDON

from ..conftest import page, sign_in
from .test_api import auth, token

SECRETS = ("password", "hash", "token", "session", "oidc", "subject")


def _user(username):
    return db.session.scalar(select(User).filter_by(username=username))


def start_as(app, username, reference, day, process="jarp_referral") -> int:
    """Start `process` on the case as `username`, on that day of November 2026; the instance's id."""
    with app.app_context(), freeze_time(datetime(2026, 11, day, 10, 0, tzinfo=LONDON)):
        with unit_of_work():
            case = db.session.scalar(select(Case).filter_by(reference=reference))
            return runtime.start_instance(process, case, _user(username)).id


@pytest.fixture
def instances(app):
    """Three CIN Unit 1 instances on three days (the first cancelled, so the
    case's referral could start again) and one of LAC Unit 1."""
    made = {"cin1": start_as(app, "social-worker", "CIN-0001", 2),
            "cin2": start_as(app, "social-worker", "CIN-0002", 9),
            "lac": start_as(app, "social-worker-lac", "LAC-0001", 9)}
    with app.app_context(), freeze_time(datetime(2026, 11, 13, 10, 0, tzinfo=LONDON)):
        with unit_of_work():
            repair.cancel(made["cin1"], _user("group-manager"), "Referred in error.")
    made["cin1_again"] = start_as(app, "social-worker", "CIN-0001", 16)
    return made


def _schema(client, path, method="get", status="200"):
    doc = client.get("/api/v1/openapi.json").json
    schema = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return {**schema, "components": doc["components"]}


def _ids(response):
    assert response.status_code == 200, response.json
    return [i["id"] for i in response.json["instances"]]


def test_instances_filters_return_exactly_the_matching_ones(client, app, instances):
    t = auth(token(app, "social-worker"))
    listing = client.get("/api/v1/instances", headers=t)
    jsonschema.validate(listing.json, _schema(client, "/instances"))
    # newest first; the LAC unit's instance is not this social worker's to see
    assert _ids(listing) == [instances["cin1_again"], instances["cin2"], instances["cin1"]]
    assert _ids(client.get("/api/v1/instances?status=cancelled", headers=t)) == [instances["cin1"]]
    assert _ids(client.get("/api/v1/instances?status=running", headers=t)) == [instances["cin1_again"],
                                                                               instances["cin2"]]
    assert _ids(client.get("/api/v1/instances?case=CIN-0001", headers=t)) == [instances["cin1_again"],
                                                                              instances["cin1"]]
    with app.app_context():
        cin2 = db.session.scalar(select(Case.id).filter_by(reference="CIN-0002"))
    assert _ids(client.get(f"/api/v1/instances?case={cin2}", headers=t)) == [instances["cin2"]]
    # both days included
    assert _ids(client.get("/api/v1/instances?started_from=2026-11-09&started_to=2026-11-16", headers=t)) == [
        instances["cin1_again"], instances["cin2"]]
    assert _ids(client.get("/api/v1/instances?started_to=2026-11-08", headers=t)) == [instances["cin1"]]
    assert _ids(client.get("/api/v1/instances?process=jarp_referral&status=running&case=CIN-0001"
                           "&started_from=2026-11-10", headers=t)) == [instances["cin1_again"]]
    assert _ids(client.get("/api/v1/instances?process=case_transfer", headers=t)) == []
    [row] = [i for i in listing.json["instances"] if i["id"] == instances["cin2"]]
    assert row["case_reference"] == "CIN-0002" and row["process"] == "jarp_referral" and row["version"] == 1


def test_instances_of_cases_out_of_reach_are_hidden(client, app, instances):
    lac = auth(token(app, "social-worker-lac"))
    assert _ids(client.get("/api/v1/instances", headers=lac)) == [instances["lac"]]
    # naming a case out of reach tells nothing of it
    response = client.get("/api/v1/instances?case=CIN-0001", headers=lac)
    assert response.status_code == 400
    assert response.json["errors"] == [{"field": "case", "message":
                                        "case CIN-0001: there is no such case, or it is not yours to see"}]
    director = auth(token(app, "assistant-director"))
    assert set(_ids(client.get("/api/v1/instances", headers=director))) == {v for v in instances.values()}


def test_instances_are_paged_with_a_cursor(client, app, instances):
    t = auth(token(app, "social-worker"))
    first = client.get("/api/v1/instances?limit=2", headers=t).json
    assert [i["id"] for i in first["instances"]] == [instances["cin1_again"], instances["cin2"]]
    rest = client.get(f"/api/v1/instances?limit=2&cursor={first['next_cursor']}", headers=t).json
    assert [i["id"] for i in rest["instances"]] == [instances["cin1"]]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("query, field", [
    ("status=finished", "status"), ("process=no_such_process", "process"),
    ("started_from=20-11-2026", "started_from"), ("started_to=2026-02-30", "started_to"),
    ("started_from=2026-11-20&started_to=2026-11-01", "started_to"),
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"), ("cursor=abc", "cursor"),
    ("cursor=99999999999", "cursor"), ("case=NO-SUCH", "case"), ("case=99999999999", "case"),
    ("stauts=running", "stauts"), ("status=running&status=error", "status"),
])
def test_a_bad_instance_filter_is_a_400_naming_the_parameter(client, app, query, field):
    response = client.get(f"/api/v1/instances?{query}", headers=auth(token(app, "social-worker")))
    assert response.status_code == 400, response.json
    assert [e["field"] for e in response.json["errors"]] == [field]
    assert field in response.json["error"]


def test_every_bad_parameter_is_named_at_once(client, app):
    response = client.get("/api/v1/instances?status=x&limit=0&started_from=yesterday",
                          headers=auth(token(app, "social-worker")))
    assert response.status_code == 400
    assert {e["field"] for e in response.json["errors"]} == {"status", "limit", "started_from"}


def test_people_are_listed_with_filters_and_never_a_secret(client, app):
    admin = auth(token(app, "system-administrator"))
    everyone = client.get("/api/v1/people?limit=100", headers=admin)
    assert everyone.status_code == 200, everyone.json
    jsonschema.validate(everyone.json, _schema(client, "/people"))
    with app.app_context():
        register = db.session.scalar(select(func.count(User.id)))
        lac = {u.username for u in db.session.scalars(select(User).where(User.service == "LAC"))}
    assert len(everyone.json["people"]) == register
    body = everyone.get_data(as_text=True).lower()
    assert not any(word in body for word in SECRETS)
    assert "scrypt" not in body and "pbkdf2" not in body
    assert all(set(p) == {"id", "username", "name", "post", "service", "unit", "email", "deputy", "active"}
               for p in everyone.json["people"])

    def usernames(query):
        response = client.get(f"/api/v1/people?{query}", headers=admin)
        assert response.status_code == 200, response.json
        return {p["username"] for p in response.json["people"]}

    assert usernames("service=LAC") == lac == {"csw-lac", "group-manager-lac", "social-worker-lac"}
    assert usernames("unit=LAC+Unit+1") == {"csw-lac", "social-worker-lac"}
    assert usernames("post=Social+Worker") == {"social-worker", "social-worker-lac"}
    assert usernames("post=Social+Worker&unit=CIN+Unit+1") == {"social-worker"}
    assert usernames("q=lac") == lac
    assert usernames("active=false") == set()
    one = everyone.json["people"][0]
    assert client.get(f"/api/v1/people/{one['id']}", headers=admin).json == one


def test_a_closed_account_shows_as_inactive(client, app):
    admin = auth(token(app, "system-administrator"))
    with app.app_context():
        with unit_of_work():
            from engine import people
            people.deactivate(_user("system-administrator"), _user("clinician"))
    assert {p["username"] for p in client.get("/api/v1/people?active=false", headers=admin).json["people"]} \
        == {"clinician"}
    assert "clinician" not in {p["username"] for p in
                               client.get("/api/v1/people?active=true&limit=100", headers=admin).json["people"]}


def test_people_pages_follow_the_cursor_to_the_end(client, app):
    admin = auth(token(app, "system-administrator"))
    seen, cursor = [], ""
    while True:
        page = client.get(f"/api/v1/people?limit=7{'&cursor=' + cursor if cursor else ''}", headers=admin).json
        seen += [p["id"] for p in page["people"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    everyone = [p["id"] for p in client.get("/api/v1/people?limit=100", headers=admin).json["people"]]
    assert seen == everyone == sorted(everyone)


@pytest.mark.parametrize("username", ["social-worker", "group-manager", "assistant-director"])
def test_the_people_api_refuses_anyone_but_the_system_administrator(client, app, username):
    t = auth(token(app, username))
    for path in ("/api/v1/people", "/api/v1/people/1"):
        response = client.get(path, headers=t)
        assert response.status_code == 403
        assert "people.manage" in response.json["error"]
        assert "people" not in response.json


@pytest.mark.parametrize("query, field", [("post=Wizard", "post"), ("unit=Nowhere", "unit"),
                                          ("active=maybe", "active"), ("service=Mars", "service"),
                                          ("q=" + "x" * 121, "q"), ("password=x", "password")])
def test_a_bad_people_filter_is_a_400_naming_the_parameter(client, app, query, field):
    response = client.get(f"/api/v1/people?{query}", headers=auth(token(app, "system-administrator")))
    assert response.status_code == 400
    assert [e["field"] for e in response.json["errors"]] == [field]


def test_no_such_person_is_a_404(client, app):
    response = client.get("/api/v1/people/999999", headers=auth(token(app, "system-administrator")))
    assert response.status_code == 404 and response.json["error"] == "There is no such person."


def test_the_audit_trail_is_the_case_pages_in_words_and_its_read_is_recorded(client, app, instances):
    t = auth(token(app, "social-worker"))
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).filter_by(reference="CIN-0001"))
        before = db.session.scalar(select(func.count(ReadEvent.id)).where(ReadEvent.case_id == case_id))
    response = client.get(f"/api/v1/cases/{case_id}/audit", headers=t)
    assert response.status_code == 200, response.json
    jsonschema.validate(response.json, _schema(client, "/cases/{case_id}/audit"))
    trail = response.json
    assert trail["case_reference"] == "CIN-0001"
    with app.app_context():
        reads = db.session.scalars(select(ReadEvent).where(ReadEvent.case_id == case_id)
                                   .order_by(ReadEvent.id)).all()
    assert len(reads) == before + 1
    assert reads[-1].actor_name == "Demo Social Worker" and reads[-1].item == "audit trail of case CIN-0001 (API)"

    # newest first, and in the words of the case page's trail
    assert [(e["who"], e["what"], e["why"]) for e in trail["events"]] == [
        ("Demo Social Worker", "Process started: JARP referral", None),
        ("Demo Group Manager", "Process cancelled", "Referred in error."),
        ("Demo Social Worker", "Process started: JARP referral", None)]
    assert [e["instance_id"] for e in trail["events"]] == [instances["cin1_again"], instances["cin1"],
                                                           instances["cin1"]]
    rows = page(sign_in(client, "social-worker").get(f"/cases/{case_id}")).select("#audit tbody tr")
    assert [[td.get_text(strip=True) for td in row.select("td")][1:] for row in rows] == [
        [e["who"], e["what"], e["why"] or ""] for e in trail["events"]]

    first = client.get(f"/api/v1/cases/{case_id}/audit?limit=1", headers=t).json
    assert [e["id"] for e in first["events"]] == [trail["events"][0]["id"]]
    rest = client.get(f"/api/v1/cases/{case_id}/audit?cursor={first['next_cursor']}", headers=t).json
    assert [e["id"] for e in rest["events"]] == [e["id"] for e in trail["events"][1:]]
    assert rest["next_cursor"] is None


def test_the_audit_trail_of_a_case_out_of_reach_is_not_found_and_not_recorded(client, app, instances):
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).filter_by(reference="CIN-0001"))
        before = db.session.scalar(select(func.count(ReadEvent.id)))
    response = client.get(f"/api/v1/cases/{case_id}/audit", headers=auth(token(app, "social-worker-lac")))
    assert response.status_code == 404
    bad = client.get(f"/api/v1/cases/{case_id}/audit?limit=500", headers=auth(token(app, "social-worker")))
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "limit"
    with app.app_context():
        assert db.session.scalar(select(func.count(ReadEvent.id))) == before


def test_the_document_describes_every_route_with_examples_that_fit_its_schemas(client, app):
    doc = client.get("/api/v1/openapi.json").json
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = {(rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}"),
               method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              and rule.endpoint != "api.openapi" for method in rule.methods - {"HEAD", "OPTIONS"}}
    routes = {(path.replace("{key}", "{process}"), method) for path, method in routes}
    assert routes == documented
    for path, method in documented:
        operation = doc["paths"][path][method]
        responses = operation["responses"]
        assert "401" in responses, (path, method)
        [(status, answer)] = [(s, r) for s, r in responses.items() if s.startswith("2")]
        media = answer["content"]["application/json"]
        jsonschema.Draft202012Validator({**media["schema"], "components": doc["components"]},
                                        format_checker=jsonschema.FormatChecker()).validate(media["example"])
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            jsonschema.validate(body["example"], {**body["schema"], "components": doc["components"]})
        for status, answer in responses.items():
            if status.startswith("4") and status != "409":
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    jsonschema.validate(doc["components"]["schemas"]["Error"]["example"], doc["components"]["schemas"]["Error"])
