"""Decision pages show what the decision rests on (issue 15 item 5), and what
already runs on a case is said before another is started (item 6)."""
from freezegun import freeze_time

from ..conftest import page, sign_in
from .jarp_steps import (
    ALLOCATE_TIER3, PAPERS_SENT, STANDARD_REFERRAL, allocate_everywhere, case_id, complete_as, open_task,
    referral_by_social_worker,
)
from .resource_panel_steps import london


def rests_on(client, task_id) -> list[str]:
    """The steps the page says the task rests on, in order."""
    box = page(client.get(f"/tasks/{task_id}")).select_one("#rests-on")
    return [h.get_text(strip=True) for h in box.select("h3")] if box else []


def test_each_step_rests_on_the_steps_before_it_and_a_done_step_on_those_before_it_only(client, app):
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
    decision = open_task(app, "Task_record_decision")
    sign_in(client, "jarp-co-ordinator")
    shown = page(client.get(f"/tasks/{decision.id}")).select_one("#rests-on").get_text(" ", strip=True)
    assert rests_on(client, decision.id) == ["Complete JARP referral"]
    assert STANDARD_REFERRAL["assessment_summary"] in shown and STANDARD_REFERRAL["expected_outcomes"] in shown
    assert "Family therapy (Child and Family Consultation Service)" in shown      # the option's title
    client.post("/sign-out")
    with freeze_time(london(2026, 11, 24, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
    informed = open_task(app, "Task_unit_informed")
    sign_in(client, "social-worker")
    assert rests_on(client, informed.id) == ["Complete JARP referral", "Record JARP decision"]
    assert rests_on(client, decision.id) == ["Complete JARP referral"]       # done: not itself, nothing after


def test_the_case_page_and_the_new_referrals_form_say_the_six_week_review_is_running(client, app):
    from engine.worker import fire_due_timers
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
    with freeze_time(london(2026, 11, 24, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
        allocate_everywhere(client, app)
        complete_as(client, "social-worker", app, "Task_unit_informed", PAPERS_SENT)
    with freeze_time(london(2026, 12, 30, 9, 0, 1)), app.app_context():
        assert fire_due_timers() == 1           # the review asks the providers for their progress
    with freeze_time(london(2026, 12, 30, 10, 0)):
        sign_in(client, "social-worker")
        case = page(client.get(f"/cases/{case_id(app)}"))
        warning = case.select_one(".caseflow-already-running[data-process=jarp_referral]")
        assert "JARP six-week review" in warning.get_text() and "24 November 2026" in warning.get_text()
        assert "Only one can run at a time" not in warning.get_text()      # a review does not block a referral
        assert case.find("button", string=lambda s: s and "Start a JARP referral" in s) is not None
        form = client.post(f"/cases/{case_id(app)}/start/jarp_referral").location
        first = page(client.get(form))
        said = first.select_one(".caseflow-already-running").get_text(" ", strip=True)
        assert "JARP six-week review" in said and "JARP referral," not in said       # not the new one itself
        link = first.select_one(".caseflow-already-running a")
        assert link is not None and client.get(link["href"]).status_code == 200
