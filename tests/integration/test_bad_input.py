"""Issue 11 item 8: input that used to be a 500 is a 4xx with a reason."""
from tests.conftest import error_summary, sign_in

from .test_api import auth, token

OWNER_API = "/api/v1/definitions/jarp_referral"


def test_a_unicode_digit_page_number_is_a_field_error_not_a_crash(client):
    sign_in(client, "group-manager")
    for page in ("²", "99999999999999999999"):
        response = client.get(f"/manage/overdue?page={page}")
        assert response.status_code == 400, page
        assert any("Page must be a whole number" in e for e in error_summary(response))


def test_a_version_past_the_id_column_on_the_editor_is_not_found(client):
    sign_in(client, "process-owner")
    for version in ("²", str(2**40)):
        assert client.get(f"/processes/jarp_referral/edit?version={version}").status_code == 404


def test_api_refuses_nan_and_infinity_as_numbers(client, app):
    t = token(app, "social-worker")
    for constant in ("NaN", "Infinity", "-Infinity"):
        response = client.post("/api/v1/tasks/nope/complete", headers=auth(t),
                               data='{"data": {"hours_per_week": %s}}' % constant,
                               content_type="application/json")
        assert response.status_code == 400, constant
        assert "JSON object" in response.json["error"]


def test_api_refuses_json_nested_fifty_thousand_deep(client, app):
    t = token(app, "social-worker")
    deep = "[" * 50_000 + "]" * 50_000
    response = client.post("/api/v1/tasks/nope/complete", headers=auth(t),
                           data='{"data": %s}' % deep, content_type="application/json")
    assert response.status_code == 400 and "error" in response.json


def test_api_refuses_an_override_reason_that_is_not_text(client, app):
    t = token(app, "social-worker")
    response = client.post("/api/v1/tasks/nope/complete", headers=auth(t),
                           json={"data": {}, "override_reason": {"why": 1}})
    assert response.status_code == 400 and "override_reason" in response.json["error"]


def test_api_refuses_diagram_xml_that_is_not_text(client, app):
    t = token(app, "process-owner")
    for xml in (5, ["<x/>"]):
        response = client.post(f"{OWNER_API}/validation", headers=auth(t), json={"xml": xml})
        assert response.status_code == 400 and "xml" in response.json["error"]


def test_api_refuses_instance_ids_past_the_column_limit_on_migration(client, app):
    t = token(app, "process-owner")
    response = client.post(f"{OWNER_API}/migrations", headers=auth(t), json={"instances": [2**40]})
    assert response.status_code == 400 and "instances" in response.json["error"]


def test_a_nul_character_is_refused_in_path_query_form_and_json(client, app):
    t = token(app, "social-worker")
    assert client.get("/api/v1/tasks/ab%00cd", headers=auth(t)).status_code == 400
    assert "NUL" in client.get("/api/v1/tasks/ab%00cd", headers=auth(t)).json["error"]
    assert client.get(f"{OWNER_API}%00x/draft", headers=auth(token(app, "process-owner"))).status_code == 400
    assert client.get("/sign-in?next=/%00").status_code == 400
    response = client.post("/sign-in", data={"username": "social\x00worker", "password": "x"})
    assert response.status_code == 400 and "NUL" in response.text
    response = client.post("/api/v1/tasks/nope/complete", headers=auth(t),
                           json={"data": {}, "override_reason": "because\x00"})
    assert response.status_code == 400


def test_a_year_of_99999999999_in_a_date_field_is_a_field_error(client):
    sign_in(client, "panel-manager")
    response = client.post("/panels/adoption/dates", data={
        "sitting_on-day": "1", "sitting_on-month": "2", "sitting_on-year": "99999999999",
        "papers_deadline-day": "3", "papers_deadline-month": "2", "papers_deadline-year": "2027",
        "extra": "no"})
    assert response.status_code == 400
    assert error_summary(response) == ["Year must include 4 numbers"]


def test_nan_and_infinity_in_a_number_field_are_field_errors(client):
    sign_in(client, "panel-manager")
    for typed in ("NaN", "inf", "1e999"):
        response = client.post("/panels/adoption/timetable", data={
            "year": "2027", "weekday": "2", "week": "1", "deadline_working_days": typed})
        assert response.status_code == 400, typed
        assert len(error_summary(response)) == 1, typed


def test_nan_in_a_decimal_number_field_on_a_task_form_is_a_field_error(client, app):
    from .jarp_steps import STANDARD_REFERRAL, submit_referral
    sign_in(client, "social-worker")
    response, _ = submit_referral(client, app, {**STANDARD_REFERRAL, "hours_per_week": "NaN"})
    assert response.status_code == 400
    assert any("Hours" in e or "hours" in e for e in error_summary(response)), error_summary(response)
