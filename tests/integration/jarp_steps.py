"""Steps of the JARP pathway as a person takes them through the web forms."""
from sqlalchemy import select

from engine.db import db
from engine.models import Case, Task

from ..conftest import page, sign_in

STANDARD_REFERRAL = {
    "referral_route": "standard",
    "case_holder_tier3": "yes",
    "threshold_risks": ["familial_breakdown", "child_protection_concerns"],
    "criteria": ["cp_concerns_imminent_removal", "substance_dependency_parent", "school_exclusion"],
    "assessment_summary": "Core assessment shows escalating conflict and risk of breakdown.",
    "services_requested": ["family_therapy", "parenting_programme"],
    "duration_weeks": "12",
    "hours_per_week": "3.5",
    "expected_outcomes": "Parents manage conflict without police call-outs.",
    "child_asked": "yes",
    "child_wishes": "Amira wants to stay at home and for the shouting to stop.",
}
# 3 + 2 + 1 points (Appendix B)
STANDARD_POINTS = 6


def case_id(app, reference="CIN-0001") -> int:
    with app.app_context():
        return db.session.scalar(select(Case.id).filter_by(reference=reference))


def open_task(app, element_id, case_reference="CIN-0001") -> Task | None:
    with app.app_context():
        task = db.session.scalars(select(Task).join(Case).where(
            Task.element_id == element_id, Task.state == "ready",
            Case.reference == case_reference)).first()
        if task is not None:
            db.session.expunge(task)
        return task


def start_referral(client, app, reference="CIN-0001"):
    """The social worker opens the case and starts a JARP referral: the form opens."""
    response = client.post(f"/cases/{case_id(app, reference)}/start/jarp_referral")
    assert response.status_code == 302
    assert "/tasks/" in response.location
    return response.location


def submit_referral(client, app, form=None, reference="CIN-0001"):
    url = start_referral(client, app, reference)
    return client.post(url, data=form or STANDARD_REFERRAL), url


def referral_by_social_worker(client, app, form=None, reference="CIN-0001"):
    sign_in(client, "social-worker")
    response, _ = submit_referral(client, app, form, reference)
    assert response.status_code == 302, response.text
    client.post("/sign-out")

ALLOCATE_TIER3 = {
    "outcome": "allocate", "tier": "tier3",
    "services": ["family_therapy", "parenting_programme"],
    "agencies": ["Child and Family Consultation Service", "Parenting Support Service"],
    "rationale": "Meets threshold; P3 within capacity this week.",
}
CARRY_OVER = {"outcome": "carry_over", "rationale": "Meeting ran out of time."}
AGENCY_ALLOCATION = {
    "services_allocated": ["family_therapy"],
    "worker_name": "Jo Bloggs",
    "start_date-day": "7", "start_date-month": "12", "start_date-year": "2026",
}
PAPERS_SENT = {"papers_sent_to_agencies": "yes"}
# the demo representatives of the two agencies ALLOCATE_TIER3 names
CFCS_REP, PARENTING_REP = "agency-representative", "agency-representative-parenting-support-service"


def allocate_everywhere(client, app, reference="CIN-0001"):
    """Each agency's representative records their allocation in their own task."""
    for username in (CFCS_REP, PARENTING_REP):
        sign_in(client, username)
        tasks = page(client.get("/")).select("#my-tasks tbody tr a")
        client.post("/sign-out")
        assert len(tasks) == 1, f"{username} sees {len(tasks)} tasks"
        sign_in(client, username)
        response = client.post(tasks[0]["href"], data=AGENCY_ALLOCATION)
        client.post("/sign-out")
        assert response.status_code == 302, response.text


def complete_as(client, username, app, element_id, form, reference="CIN-0001"):
    """Sign in as `username`, complete the open task `element_id` of the case."""
    task = open_task(app, element_id, reference)
    assert task is not None, f"no open {element_id}"
    sign_in(client, username)
    response = client.post(f"/tasks/{task.id}", data=form)
    client.post("/sign-out")
    assert response.status_code == 302, response.text
    return task
