"""Issue 15 items 2 and 4 through the web form and the API, on both databases:
every error and rule problem on the first submit, each tied to its question;
a suspended process said before the form; nothing typed lost when refused."""
from engine.db import db
from engine.models import Task

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import STANDARD_REFERRAL, start_referral
from .test_api import auth, token


def _instance_of(app, url) -> int:
    with app.app_context():
        return db.session.get(Task, url.rsplit("/", 1)[1]).instance_id


def test_form_errors_and_rule_problems_come_together_each_linked_to_its_question(client, app):
    sign_in(client, "social-worker")
    url = start_referral(client, app)
    form = {k: v for k, v in STANDARD_REFERRAL.items() if k not in ("threshold_risks", "expected_outcomes")}
    response = client.post(url, data=dict(form, case_holder_tier3="no", hours_per_week="lots"))
    assert response.status_code == 400
    links = {a.get_text(" ", strip=True): a["href"] for a in page(response).select(".govuk-error-summary a")}
    assert links == {
        "‘How many hours a week?’ must be a number": "#hours_per_week",
        "Enter the outcomes you expect from the services": "#expected_outcomes",
        "The family does not have a Tier 3 case-holding social worker.": "#case_holder_tier3",
        "The assessment shows none of the threshold risks: familial breakdown, placement breakdown, "
        "child protection concerns, becoming looked after, cases in court (supervision, care or secure "
        "accommodation proceedings).": "#threshold_risks",
    }
    # the rule's problem is also shown at its question, and the answers typed are kept
    soup = page(response)
    assert "none of the threshold risks" in soup.select_one("#threshold_risks-error").get_text()
    assert soup.select_one("input[name=hours_per_week]")["value"] == "lots"
    assert soup.select_one("input[name=case_holder_tier3][value=no]").has_attr("checked")


def test_the_api_names_the_question_of_a_rule_problem(client, app):
    sign_in(client, "social-worker")
    url = start_referral(client, app)
    data = {"referral_route": "standard", "case_holder_tier3": True, "assessment_summary": "Conflict.",
            "services_requested": ["family_therapy"], "duration_weeks": 4, "hours_per_week": 2,
            "expected_outcomes": "Calmer home.", "child_asked": False, "child_not_asked_reason": "Too young."}
    response = client.post(f"/api/v1{url}/complete", json={"data": data}, headers=auth(token(app, "social-worker")))
    assert response.status_code == 422
    assert [(e["field"], e["message"][:44]) for e in response.json["errors"]] == [
        ("threshold_risks", "The assessment shows none of the threshold r")]


def test_a_suspended_process_is_said_before_the_form_and_a_refused_submit_keeps_what_was_typed(client, app):
    sign_in(client, "social-worker")
    url = start_referral(client, app)
    client.post("/sign-out")
    sign_in(client, "group-manager")
    suspended = client.post(f"/manage/instances/{_instance_of(app, url)}/suspend", data={"reason": "Court order pending"})
    assert suspended.status_code == 302
    client.post("/sign-out")
    sign_in(client, "social-worker")

    tasks = page(client.get("/"))
    row = next(r for r in tasks.select("#my-tasks tbody tr") if "Complete JARP referral" in r.get_text())
    assert "Process suspended" in row.get_text(" ", strip=True)

    shown = client.get(url)
    assert shown.status_code == 200
    assert "This process is suspended: its tasks cannot be completed until a manager resumes it." in \
        page(shown).select_one("#halted").get_text(" ", strip=True)
    assert page(shown).select_one("form textarea[name=assessment_summary]") is None

    refused = client.post(url, data=dict(STANDARD_REFERRAL, assessment_summary="Typed in a tab left open."))
    assert refused.status_code == 400
    assert error_summary(refused)[0].startswith("This process is suspended")
    assert page(refused).select_one("textarea[name=assessment_summary]").get_text() == "Typed in a tab left open."
    assert "Typed in a tab left open." in text(refused)
