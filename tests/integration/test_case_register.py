"""The register of cases (issue 14 §2): register from a page and from the
API, find within one's reach, change, and close with the Matrix's post and a
reason (not while processes run)."""
from freezegun import freeze_time

from ..conftest import error_summary, page, sign_in, text
from .test_api import auth, token

CSW = "consultant-social-worker"   # CIN Unit 1
NEW_CASE = {"reference": "CIN-0042", "child_name": "Sam Taylor", "date_of_birth-day": "1",
            "date_of_birth-month": "6", "date_of_birth-year": "2015", "unit": "CIN Unit 1",
            "legal_status": ["cp_status"]}


@freeze_time("2026-12-02 10:00:00")
def test_a_consultant_social_worker_registers_a_case_on_the_page(client):
    sign_in(client, CSW)
    assert "Register a case" in text(client.get("/cases/"))
    empty = client.post("/cases/new", data={"reference": "bad ref!", "date_of_birth-day": "31",
                                             "date_of_birth-month": "2", "date_of_birth-year": "2020"})
    assert empty.status_code == 400
    assert error_summary(empty) == [
        "The case reference must be up to 40 letters, digits, hyphens or slashes",
        "Enter the child's name", "Enter the date of birth as a real date", "Select the unit that holds the case"]
    assert page(empty).select_one("#reference")["value"] == "bad ref!"
    done = client.post("/cases/new", data=NEW_CASE, follow_redirects=True)
    assert "Case CIN-0042 is registered." in text(done)
    assert page(done).select_one("h1").get_text(strip=True) == "Sam Taylor"
    again = client.post("/cases/new", data=dict(NEW_CASE, reference="cin-0042"))
    assert error_summary(again) == ["A case with the reference cin-0042 is already registered"]
    found = page(client.get("/cases/?q=taylor"))
    assert [a.get_text(strip=True) for a in found.select("tbody a")] == ["CIN-0042"]
    # another unit's CSW neither finds it nor registers into CIN Unit 1
    other = client.application.test_client()
    sign_in(other, "csw-lac")
    assert "No case you can see matches ‘taylor’" in text(other.get("/cases/?q=taylor"))
    assert "CIN Unit 1" not in [o["value"] for o in page(other.get("/cases/new")).select("#unit option")]


@freeze_time("2026-12-02 10:00:00")
def test_a_case_management_system_pushes_a_case_in_through_the_api(app, client):
    t = token(app, CSW)
    body = {"reference": "CIN-0043", "child_name": "Ali Khan", "date_of_birth": "2016-01-09",
            "unit": "CIN Unit 1", "lac_status": True}
    made = client.post("/api/v1/cases", headers=auth(t), json=body)
    assert made.status_code == 201, made.json
    case = made.json
    assert (case["reference"], case["service"], case["lac_status"], case["cp_status"]) == \
        ("CIN-0043", "CIN", True, False)
    refused = client.post("/api/v1/cases", headers=auth(t),
                          json={"reference": "", "date_of_birth": "2040-01-01", "unit": "Nowhere", "colour": 1})
    assert refused.status_code == 422
    assert refused.json["errors"] == [{"field": "colour", "message": "colour is not a field of a case"}]
    refused = client.post("/api/v1/cases", headers=auth(t), json={"reference": "", "date_of_birth": "2040-01-01",
                                                                   "unit": "Nowhere", "cp_status": "yes"})
    assert [e["field"] for e in refused.json["errors"]] == [
        "reference", "child_name", "date_of_birth", "cp_status", "unit"]
    changed = client.patch(f"/api/v1/cases/{case['id']}", headers=auth(t), json={"cp_status": True})
    assert changed.status_code == 200 and changed.json["cp_status"] is True
    moved = client.patch(f"/api/v1/cases/{case['id']}", headers=auth(t), json={"unit": "LAC Unit 1"})
    assert moved.status_code == 422 and "by a transfer" in moved.json["errors"][0]["message"]
    listed = client.get("/api/v1/cases?reference=cin-0043", headers=auth(t)).json["cases"]
    assert [c["id"] for c in listed] == [case["id"]]
    assert client.get(f"/api/v1/cases/{case['id']}", headers=auth(token(app, "csw-lac"))).status_code == 404
    assert client.post("/api/v1/cases", headers=auth(token(app, "social-worker")),
                       json=dict(body, reference="CIN-0044")).status_code == 403
    sign_in(client, "head-of-service")
    trail = text(client.get(f"/cases/{case['id']}"))
    assert "Case registered" in trail and "Case details changed" in trail


def test_a_case_closes_with_a_reason_and_not_while_a_process_runs(app, client):
    sign_in(client, CSW)
    case_id = client.post("/cases/new", data=dict(NEW_CASE, reference="CIN-0045")).location.rsplit("/", 1)[1]
    assert client.post(f"/cases/{case_id}/start/jarp_referral").status_code == 302
    blocked = client.post(f"/cases/{case_id}/close", data={"reason": ""})
    assert blocked.status_code == 400
    assert error_summary(blocked)[0] == "Enter why the case is closing"
    assert "cannot close while processes are running: " in error_summary(blocked)[1]
    fresh = client.post("/cases/new", data=dict(NEW_CASE, reference="CIN-0046")).location.rsplit("/", 1)[1]
    worker = app.test_client()
    sign_in(worker, "social-worker")
    assert page(worker.get(f"/cases/{fresh}")).select_one("#close-case") is None
    assert worker.post(f"/cases/{fresh}/close", data={"reason": "x"}).status_code == 403
    closed = client.post(f"/cases/{fresh}/close", data={"reason": "Family moved away; case passed to Kent."},
                         follow_redirects=True)
    assert "Case CIN-0046 is closed." in text(closed)
    assert "Family moved away; case passed to Kent." in page(closed).select_one("#case-closed").get_text()
    refused = client.post(f"/cases/{fresh}/start/jarp_referral", follow_redirects=True)
    assert "Case CIN-0046 is closed: no process can start on it." in text(refused)
