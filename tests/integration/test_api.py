"""The JSON API, as a client system uses it."""
import threading
from datetime import datetime

from freezegun import freeze_time
from sqlalchemy import event, select

from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work
from processes.clock import LONDON
from engine.accounts import issue_token

from .jarp_steps import case_id

REFERRAL = {
    "referral_route": "standard", "case_holder_tier3": True,
    "threshold_risks": ["familial_breakdown"],
    "criteria": ["court_proceedings", "child_disability"],
    "assessment_summary": "Assessment shows risk of familial breakdown.",
    "services_requested": ["family_therapy"], "duration_weeks": 8, "hours_per_week": 2,
    "expected_outcomes": "Family stays together safely.",
    "child_asked": True, "child_wishes": "To stay together.",
}


def token(app, username):
    with app.app_context():
        with unit_of_work():
            user = db.session.scalar(select(User).filter_by(username=username))
            return issue_token(user)[0]


def auth(t):
    return {"Authorization": f"Bearer {t}"}


def start(client, app, t, reference="CIN-0001"):
    response = client.post("/api/v1/instances", headers=auth(t),
                           json={"process": "jarp_referral", "case_id": case_id(app, reference)})
    assert response.status_code == 201, response.json
    return response.json


def test_openapi_document_describes_the_api(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert {"/tasks", "/tasks/{task_id}", "/tasks/{task_id}/complete", "/instances",
            "/instances/{instance_id}"} <= set(doc["paths"])


def test_a_case_number_out_of_range_is_a_clear_400(client, app):
    t = token(app, "social-worker")
    for case_id in (10**30, 0, -1, True, "1"):
        response = client.post("/api/v1/instances", headers=auth(t),
                               json={"process": "jarp_referral", "case_id": case_id})
        assert response.status_code == 400, case_id
        assert "case_id" in response.json["error"]


def test_requests_without_a_valid_token_are_refused(client):
    assert client.get("/api/v1/tasks").status_code == 401
    response = client.get("/api/v1/tasks", headers=auth("not-a-token"))
    assert response.status_code == 401
    assert "token" in response.json["error"]


@freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=LONDON))
def test_start_read_and_complete_the_referral(client, app):
    sw = token(app, "social-worker")
    instance = start(client, app, sw)
    assert instance["status"] == "running" and instance["version"] == 1
    [task] = [t for t in client.get("/api/v1/tasks", headers=auth(sw)).json["tasks"]
              if t["instance_id"] == instance["id"]]
    detail = client.get(f"/api/v1/tasks/{task['id']}", headers=auth(sw)).json
    assert detail["name"] == "Complete JARP referral"
    assert detail["form_schema"]["properties"]["criteria"]["type"] == "array"
    assert detail["data"]["case"]["reference"] == "CIN-0001"
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=auth(sw), json={"data": REFERRAL})
    assert done.status_code == 200, done.json
    open_names = [t["name"] for t in done.json["tasks"] if t["state"] == "ready"]
    assert open_names == ["Record JARP decision"]
    read = client.get(f"/api/v1/instances/{instance['id']}", headers=auth(sw)).json
    assert read["data"]["assessment"]["points"] == 5
    assert read["data"]["assessment"]["priority"] == 3
    assert read["data"]["assessment"]["meeting_date"] == "2026-11-24"
    coordinator = token(app, "jarp-co-ordinator")
    names = [t["name"] for t in client.get("/api/v1/tasks", headers=auth(coordinator)).json["tasks"]]
    assert "Record JARP decision" in names


@freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=LONDON))
def test_a_completion_reads_its_instance_once_and_answers_with_its_tasks(client, app):
    sw = token(app, "social-worker")
    instance = start(client, app, sw)
    [task] = [t for t in instance["tasks"] if t["state"] == "ready"]
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", listen)
    try:
        done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=auth(sw), json={"data": REFERRAL})
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", listen)
    assert done.status_code == 200, done.json
    assert [t["name"] for t in done.json["tasks"] if t["state"] == "ready"] == ["Record JARP decision"]
    reads = [s for s in statements if s.startswith("SELECT") and "FROM process_instance" in s]
    assert len(reads) == 1, reads   # the lock's; the answer does not read the instance again


def test_bad_answers_get_422_with_reasons_per_field(client, app):
    sw = token(app, "social-worker")
    task_id = start(client, app, sw)["tasks"][0]["id"]
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(sw),
                           json={"data": dict(REFERRAL, duration_weeks="eight", surprise=1)})
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json["errors"]}
    assert "whole number" in fields["duration_weeks"]
    assert "surprise" in " ".join(fields.values())
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(sw),
                           json={"data": dict(REFERRAL, threshold_risks=[])})
    assert response.status_code == 422
    [problem] = response.json["errors"]
    assert "risk" in problem["message"] and problem["can_override"] is False
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(sw),
                       data="not json").status_code == 400
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(sw),
                       json={"answers": {}}).status_code == 400


def test_another_units_task_is_not_found(client, app):
    sw = token(app, "social-worker")
    task_id = start(client, app, sw)["tasks"][0]["id"]
    other = token(app, "social-worker-lac")
    assert client.get(f"/api/v1/tasks/{task_id}", headers=auth(other)).status_code == 404
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(other), json={"data": REFERRAL})
    assert response.status_code == 404
    assert client.post("/api/v1/instances", headers=auth(other),
                       json={"process": "jarp_referral", "case_id": case_id(app)}).status_code == 404


def test_completing_twice_is_a_conflict_naming_who_did_it(client, app):
    sw = token(app, "social-worker")
    task_id = start(client, app, sw)["tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(sw),
                       json={"data": REFERRAL}).status_code == 200
    again = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(sw), json={"data": REFERRAL})
    assert again.status_code == 409
    assert "Demo Social Worker" in again.json["error"]


def test_two_people_completing_the_same_task_at_once_exactly_one_wins(app):
    sw, gm = token(app, "social-worker"), token(app, "group-manager")
    task_id = start(app.test_client(), app, sw)["tasks"][0]["id"]
    barrier = threading.Barrier(2)
    results = {}

    def complete(name, t):
        client = app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(t), json={"data": REFERRAL})
        results[name] = (response.status_code, response.json)

    threads = [threading.Thread(target=complete, args=a) for a in (("sw", sw), ("gm", gm))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(code for code, _ in results.values())
    assert codes == [200, 409], results
    loser = next(body for code, body in results.values() if code == 409)
    winner = "Demo Social Worker" if results["sw"][0] == 200 else "Demo Group Manager"
    assert winner in loser["error"]
    instance = app.test_client().get(f"/api/v1/tasks/{task_id}", headers=auth(sw)).json
    assert instance["completed_by"] == winner


def test_people_of_one_shape_each_get_their_own_units_tasks(client, app):
    """Two social workers of different units share one task list statement
    (authz.Shape): each sees their own unit's tasks, asked in either order."""
    home, lac = token(app, "social-worker"), token(app, "social-worker-lac")
    [referral] = [t["id"] for t in start(client, app, home)["tasks"] if t["state"] == "ready"]

    def listed(t):
        response = client.get("/api/v1/tasks", headers=auth(t))
        assert response.status_code == 200
        return {task["id"] for task in response.json["tasks"]}

    assert referral not in listed(lac)
    assert referral in listed(home)
    assert referral not in listed(lac)
