"""The JARP referral pathway driven through the web forms, as people use it."""
from datetime import datetime

from freezegun import freeze_time

from processes.clock import LONDON

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import (
    STANDARD_POINTS, STANDARD_REFERRAL, case_id, open_task, referral_by_social_worker,
    start_referral, submit_referral,
)


def london(*args):
    return datetime(*args, tzinfo=LONDON)


def test_social_worker_sees_referral_form_in_govuk_style(client, app):
    sign_in(client, "social-worker")
    url = start_referral(client, app)
    soup = page(client.get(url))
    assert soup.h1.get_text(strip=True) == "Complete JARP referral"
    legends = [l.get_text(" ", strip=True) for l in soup.select("legend")]
    assert any("Tier 3 case-holding social worker" in l for l in legends), legends
    assert soup.select_one("input[name=criteria][value=court_proceedings]") is not None
    assert soup.select_one("textarea[name=assessment_summary]") is not None
    assert soup.select_one("input[name=csrf_token]") is not None


def test_missing_answers_reshow_the_form_with_an_error_summary(client, app):
    sign_in(client, "social-worker")
    response, url = submit_referral(client, app, {"referral_route": "standard"})
    assert response.status_code == 400
    errors = error_summary(response)
    assert any("Tier 3" in e for e in errors)
    assert any("summary" in e.lower() for e in errors)
    assert len(errors) >= 5
    # the answer given is kept
    assert page(response).select_one("input[name=referral_route][value=standard]").has_attr("checked")


def test_wrong_types_are_explained(client, app):
    sign_in(client, "social-worker")
    form = dict(STANDARD_REFERRAL, duration_weeks="twelve", hours_per_week="99")
    response, _ = submit_referral(client, app, form)
    assert response.status_code == 400
    errors = " | ".join(error_summary(response))
    assert "whole number" in errors
    assert "40 or less" in errors


def test_referral_failing_the_threshold_is_refused_with_the_reason(client, app):
    sign_in(client, "social-worker")
    form = dict(STANDARD_REFERRAL, case_holder_tier3="no", threshold_risks=[])
    response, url = submit_referral(client, app, form)
    assert response.status_code == 400
    errors = " ".join(error_summary(response))
    assert "Tier 3" in errors
    assert "risk" in errors
    assert open_task(app, "Task_record_decision") is None
    # a social worker may not override the threshold
    assert page(response).select_one("textarea[name=override_reason]") is None


def test_group_manager_may_override_the_threshold_with_a_reason(client, app):
    sign_in(client, "group-manager")
    form = dict(STANDARD_REFERRAL, threshold_risks=[])
    response, url = submit_referral(client, app, form)
    assert response.status_code == 400
    assert page(response).select_one("textarea[name=override_reason]") is not None
    response = client.post(url, data=dict(form, override="yes", override_reason=""))
    assert "Enter the reason for overriding the rule" in error_summary(response)
    response = client.post(url, data=dict(form, override="yes",
                                          override_reason="Risk of breakdown evident from police reports"))
    assert response.status_code == 302
    case_page = text(client.get(f"/cases/{case_id(app)}"))
    assert "Rule overridden" in case_page
    assert "Risk of breakdown evident from police reports" in case_page


@freeze_time(london(2026, 11, 20, 13, 59))
def test_referral_by_friday_2pm_reaches_the_coordinator_for_next_tuesday(client, app):
    referral_by_social_worker(client, app)
    sign_in(client, "jarp-co-ordinator")
    tasks = page(client.get("/"))
    assert "Record JARP decision" in tasks.select_one("#my-tasks").get_text()
    agenda = page(client.get("/agenda/jarp"))
    table = agenda.select_one("table.agenda")
    assert table["data-sitting"] == "2026-11-24"
    row = table.select_one("tbody tr").get_text(" ", strip=True)
    assert "CIN-0001" in row and "P3" in row and str(STANDARD_POINTS) in row


@freeze_time(london(2026, 11, 20, 14, 1))
def test_referral_after_friday_2pm_goes_to_the_tuesday_after(client, app):
    referral_by_social_worker(client, app)
    sign_in(client, "jarp-co-ordinator")
    table = page(client.get("/agenda/jarp")).select_one("table.agenda")
    assert table["data-sitting"] == "2026-12-01"


@freeze_time(london(2026, 11, 18, 10, 0))
def test_agenda_orders_by_priority_then_score(client, app):
    high = dict(STANDARD_REFERRAL, criteria=[
        "court_proceedings", "cp_concerns_imminent_removal", "placement_breakdown_threat",
        "child_mental_illness"])  # 12 points: P1
    referral_by_social_worker(client, app)  # 6 points: P3
    referral_by_social_worker(client, app, high, reference="CIN-0002")
    sign_in(client, "jarp-co-ordinator")
    rows = [r.get_text(" ", strip=True) for r in
            page(client.get("/agenda/jarp")).select("table.agenda tbody tr")]
    assert "CIN-0002" in rows[0] and "P1" in rows[0] and "12" in rows[0]
    assert "CIN-0001" in rows[1] and "P3" in rows[1]


def test_other_units_cannot_see_or_complete_the_task(client, app):
    sign_in(client, "social-worker")
    url = start_referral(client, app)
    client.post("/sign-out")
    sign_in(client, "social-worker-lac")
    assert client.get(url).status_code == 404
    assert client.post(url, data=STANDARD_REFERRAL).status_code == 404
    assert client.get(f"/cases/{case_id(app)}").status_code == 404


def test_a_stale_form_submitted_twice_is_told_who_completed_it(client, app):
    sign_in(client, "social-worker")
    response, url = submit_referral(client, app)
    assert response.status_code == 302
    again = client.post(url, data=dict(STANDARD_REFERRAL, assessment_summary="Typed again in an old tab."))
    assert again.status_code == 409
    assert any("already completed by Demo Social Worker" in e for e in error_summary(again))
    # what was typed in the old tab is on the page to copy, in words (issue 15 item 4)
    unsent = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True)
              for row in page(again).select("#unsent .govuk-summary-list__row")}
    assert unsent["Summary of the assessment"] == "Typed again in an old tab."
    assert unsent["Which services are you requesting?"] == (
        "Family therapy (Child and Family Consultation Service), Early Intervention Parenting Programme")
    assert page(again).select_one("form textarea[name=assessment_summary]") is None


def test_an_unknown_task_is_a_clear_not_found_page(client, app):
    sign_in(client, "social-worker")
    response = client.get("/tasks/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_a_number_too_large_for_an_id_is_not_found_not_a_server_error(client, app):
    sign_in(client, "assistant-director")
    huge = 10**22
    for url in (f"/cases/{huge}", f"/manage/instances/{huge}", f"/documents/{huge}",
                f"/processes/jarp_referral/versions/{huge}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in text(response)
    assert client.post(f"/manage/instances/{huge}/suspend", data={"reason": "x"}).status_code == 404


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_saved(database_url):
    from webforms import create_app
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "csrf-test"})
    client = app.test_client()
    token = page(client.get("/sign-in")).select_one("input[name=csrf_token]")["value"]
    signed_in = client.post("/sign-in", data={"username": "social-worker", "password": "caseflow-demo",
                                              "csrf_token": token})
    assert signed_in.status_code == 302
    response = client.post(f"/cases/{case_id(app)}/start/jarp_referral")
    assert response.status_code == 400
    assert "nothing was saved" in text(response)
    assert open_task(app, "Task_complete_referral") is None
    with app.app_context():
        from engine.db import db
        db.engine.dispose()
