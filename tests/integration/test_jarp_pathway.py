"""The JARP meeting onwards: decisions, carry-over, allocation, reviews, direct referrals."""
from datetime import datetime

from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, ProcessInstance, Task, Timer
from processes.clock import LONDON

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import (
    AGENCY_ALLOCATION, ALLOCATE_TIER3, CARRY_OVER, PAPERS_SENT, STANDARD_REFERRAL, allocate_everywhere, case_id,
    complete_as, open_task, referral_by_social_worker, submit_referral,
)


def london(*args):
    return datetime(*args, tzinfo=LONDON)


def agenda_rows(client):
    sign_in(client, "jarp-co-ordinator")
    tables = page(client.get("/agenda/jarp")).select("table.agenda")
    client.post("/sign-out")
    return [(t["data-sitting"], r.get_text(" ", strip=True)) for t in tables for r in t.select("tbody tr")]


@freeze_time(london(2026, 11, 20, 10, 0))
def test_carried_over_referral_moves_to_next_week_with_two_more_points_ahead_of_new(client, app):
    referral_by_social_worker(client, app)                                  # CIN-0001, 6 points, P3
    with freeze_time(london(2026, 11, 24, 11, 0)):                          # not reached on Tuesday
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", CARRY_OVER)
    rows = agenda_rows(client)
    assert rows == [("2026-12-01", rows[0][1])]
    assert "P2" in rows[0][1] and "8" in rows[0][1] and "Carried over" in rows[0][1]
    # a new referral with the same priority and a higher score still comes after it
    higher = dict(STANDARD_REFERRAL, criteria=["court_proceedings", "placement_breakdown_threat",
                                               "school_exclusion"])           # 7 points, P2
    with freeze_time(london(2026, 11, 27, 10, 0)):
        referral_by_social_worker(client, app, higher, reference="CIN-0002")
        rows = agenda_rows(client)
    assert [r[0] for r in rows] == ["2026-12-01", "2026-12-01"]
    assert "CIN-0001" in rows[0][1] and "CIN-0002" in rows[1][1]


@freeze_time(london(2026, 11, 20, 10, 0))
def test_allocation_sets_response_due_from_priority_and_tells_the_unit(client, app):
    referral_by_social_worker(client, app)                                  # P3, meeting Tue 24 Nov
    with freeze_time(london(2026, 11, 24, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
    agency = open_task(app, "Task_agency_allocation")
    informed = open_task(app, "Task_unit_informed")
    # P3: within 3-10 working days of the meeting: Tue 24 Nov + 10 working days = Tue 8 Dec 17:00
    assert agency.due_at == datetime(2026, 12, 8, 17, 0)
    assert agency.post == "Agency Representative"
    assert informed.post == "Social Worker"
    sign_in(client, "social-worker")
    assert "Read JARP decision" in page(client.get("/")).select_one("#my-tasks").get_text()
    client.post("/sign-out")
    assert any(r[0] == "2026-11-24" and "Decided" in r[1] for r in agenda_rows(client))


@freeze_time(london(2026, 11, 20, 10, 0))
def test_tier3_allocation_completes_and_schedules_the_six_week_review(client, app):
    referral_by_social_worker(client, app)
    with freeze_time(london(2026, 11, 24, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
        allocate_everywhere(client, app)
        complete_as(client, "social-worker", app, "Task_unit_informed", PAPERS_SENT)
    with app.app_context():
        referral, review = db.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert (referral.process_key, referral.status) == ("jarp_referral", "complete")
        assert (review.process_key, review.status) == ("jarp_review", "running")
        timer = db.session.scalars(select(Timer).where(Timer.instance_id == review.id)).one()
        # review due six weeks after allocation (Tue 5 Jan 2027), flagged one week before, 09:00
        assert timer.fire_at == datetime(2026, 12, 29, 9, 0)
        assert timer.fired_at is None
    # the review flag is not yet a task for anyone
    assert open_task(app, "Task_six_week_review") is None


def test_overdue_tasks_show_as_overdue(client, app):
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
    with freeze_time(london(2026, 11, 26, 10, 0)):   # the Tuesday meeting has passed
        sign_in(client, "jarp-co-ordinator")
        row = page(client.get("/")).select_one("#my-tasks tbody tr").get_text(" ", strip=True)
    assert "Record JARP decision" in row
    assert "Overdue 2 working days" in row


@freeze_time(london(2026, 11, 23, 11, 0))
def test_direct_referral_goes_straight_to_contact_and_parenting_support_as_p1(client, app):
    direct = {"referral_route": "direct", "case_holder_tier3": "yes",
              "direct_ground": "emergency_protection_order",
              "assessment_summary": "EPO granted this morning.",
              "services_requested": ["contact_service", "parenting_support_service"],
              "child_asked": "no", "child_not_asked_reason": "A baby of four months."}
    referral_by_social_worker(client, app, direct)
    task = open_task(app, "Task_direct_allocation")
    assert task.post == "Agency Representative"
    assert task.priority == 1
    assert task.due_at == datetime(2026, 11, 25, 11, 0)   # 48 hours after receipt
    rows = agenda_rows(client)
    assert rows[0][0] == "2026-12-01" and "P1" in rows[0][1] and "Direct referral" in rows[0][1]
    assert open_task(app, "Task_record_decision") is not None


def test_every_step_is_in_the_case_audit_trail(client, app):
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
    with freeze_time(london(2026, 11, 24, 11, 0)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", CARRY_OVER)
    sign_in(client, "social-worker")
    trail = text(client.get(f"/cases/{case_id(app)}"))
    assert "Process started: JARP referral" in trail
    assert "Task completed: Complete JARP referral" in trail
    assert "Task completed: Record JARP decision" in trail
    with app.app_context():
        actors = {e.actor_name for e in db.session.scalars(select(AuditEvent)
                                                            .where(AuditEvent.action == "task.completed"))}
    assert actors == {"Demo Social Worker", "Demo JARP Co-ordinator"}


# ---------------------------------------------------------------- issue 12, JARP items 13-17, 8 and 21

REFUSE = {"outcome": "refuse", "rationale": "No evidence-based assessment attached: add the core assessment."}


def refer_and_decide(client, app, decision=ALLOCATE_TIER3):
    """Friday's referral (20 Nov), decided at Tuesday's sitting (24 Nov, 10:30)."""
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
    with freeze_time(london(2026, 11, 24, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", decision)


def open_tasks(app, element_id):
    with app.app_context():
        return db.session.scalars(select(Task).where(Task.element_id == element_id, Task.state == "ready")
                                  .order_by(Task.service)).all()


@freeze_time(london(2026, 11, 20, 10, 0))
def test_agency_representatives_and_the_chair_see_fridays_referrals_with_their_summaries(client, app):
    referral_by_social_worker(client, app)
    for username in ("agency-representative", "agency-representative-contact-service", "jarp-chair"):
        sign_in(client, username)
        response = client.get("/agenda/jarp")
        client.post("/sign-out")
        assert response.status_code == 200, username
        row = page(response).select_one("table.agenda tbody tr")
        assert "CIN-0001" in row.get_text(" ", strip=True)
        summary = row.select_one(".agenda-summary").get_text(" ", strip=True)
        assert "Core assessment shows escalating conflict" in summary
        assert "What the child wants to happen next: Amira wants to stay at home" in summary
        # a member reads the agenda; only the Co-ordinator records the decision
        assert row.select_one("a[href*='/tasks/']") is None
    sign_in(client, "social-worker")
    assert client.get("/agenda/jarp").status_code == 403


def test_a_decision_naming_two_agencies_makes_one_allocation_task_for_each_representative(client, app):
    refer_and_decide(client, app)
    tasks = open_tasks(app, "Task_agency_allocation")
    assert [(t.post, t.service) for t in tasks] == [
        ("Agency Representative", "Child and Family Consultation Service"),
        ("Agency Representative", "Parenting Support Service")]
    cfcs, parenting = tasks
    # each representative sees and opens only their own agency's task
    sign_in(client, "agency-representative-parenting-support-service")
    mine = page(client.get("/")).select("#my-tasks tbody tr a")
    assert [a["href"] for a in mine] == [f"/tasks/{parenting.id}"]
    # (the case is theirs to read too, the other agency's task is not theirs to do)
    assert page(client.get(f"/tasks/{cfcs.id}")).select_one("input[name=worker_name]") is None
    assert client.post(f"/tasks/{cfcs.id}", data=AGENCY_ALLOCATION).status_code == 403
    assert len(open_tasks(app, "Task_agency_allocation")) == 2
    assert "Your agency Parenting Support Service" in text(client.get(f"/tasks/{parenting.id}"))
    client.post("/sign-out")
    sign_in(client, "agency-representative-contact-service")
    assert page(client.get("/")).select("#my-tasks tbody tr") == []
    client.post("/sign-out")
    with freeze_time(london(2026, 11, 25, 9, 0)):
        allocate_everywhere(client, app)
    # the referring unit sees who was allocated, by which agency, from when
    sign_in(client, "social-worker")
    rows = [r.get_text(" | ", strip=True) for r in
            page(client.get(f"/cases/{case_id(app)}")).select("#jarp-allocation-table tbody tr")]
    therapy = "Family therapy (Child and Family Consultation Service)"
    assert rows == [f"Child and Family Consultation Service | Jo Bloggs | Monday 7 December 2026 | {therapy}",
                    f"Parenting Support Service | Jo Bloggs | Monday 7 December 2026 | {therapy}"]


def test_the_direct_referrals_two_services_each_get_their_own_task(client, app):
    direct = {"referral_route": "direct", "case_holder_tier3": "yes",
              "direct_ground": "police_protection", "assessment_summary": "Police protection overnight.",
              "services_requested": ["contact_service"], "child_asked": "yes",
              "child_wishes": "To see mum."}
    with freeze_time(london(2026, 11, 23, 11, 0)):
        referral_by_social_worker(client, app, direct)
    assert [t.service for t in open_tasks(app, "Task_direct_allocation")] == [
        "Contact Service", "Parenting Support Service"]


def test_a_jarp_decision_is_recorded_at_or_after_the_sitting_not_before(client, app):
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
    task = open_task(app, "Task_record_decision")
    sign_in(client, "jarp-co-ordinator")
    with freeze_time(london(2026, 11, 24, 9, 29, 59)):
        response = client.post(f"/tasks/{task.id}", data=ALLOCATE_TIER3)
    assert response.status_code == 400
    assert "JARP meets on Tuesday 24 November 2026 at 09:30: record its decision at or after the meeting" \
        in text(response)
    assert page(response).select_one("input[name=override_reason]") is None   # no override: urgent is direct
    assert open_task(app, "Task_agency_allocation") is None
    with freeze_time(london(2026, 11, 24, 9, 30)):
        assert client.post(f"/tasks/{task.id}", data=ALLOCATE_TIER3).status_code == 302
    assert open_task(app, "Task_agency_allocation") is not None


def test_the_decider_sees_what_the_child_wants_and_the_referral_asks_for_it(client, app):
    sign_in(client, "social-worker")
    form = {k: v for k, v in STANDARD_REFERRAL.items() if k != "child_wishes"}
    response, _ = submit_referral(client, app, form)
    assert response.status_code == 400
    assert "Enter what the child wants to happen next" in error_summary(response)
    not_asked = dict(STANDARD_REFERRAL, child_asked="no", child_wishes="",
                     child_not_asked_reason="   ")
    response = client.post(response.request.path, data=not_asked)
    assert response.status_code == 400
    assert "Enter why the child could not be asked" in error_summary(response)
    client.post("/sign-out")
    with freeze_time(london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app, reference="CIN-0002")
    task = open_task(app, "Task_record_decision", "CIN-0002")
    sign_in(client, "jarp-co-ordinator")
    shown = text(client.get(f"/tasks/{task.id}"))
    assert "What the child wants to happen next Amira wants to stay at home" in shown


def test_a_refused_referral_goes_back_to_be_corrected_with_its_answers(client, app):
    refer_and_decide(client, app, REFUSE)
    refused = open_task(app, "Task_refused")
    assert refused.post == "Social Worker"
    sign_in(client, "social-worker")
    assert "No evidence-based assessment attached" in text(client.get(f"/tasks/{refused.id}"))
    with freeze_time(london(2026, 11, 25, 10, 0)):
        assert client.post(f"/tasks/{refused.id}", data={"next_step": "correct"}).status_code == 302
    form = open_task(app, "Task_complete_referral")
    soup = page(client.get(f"/tasks/{form.id}"))
    assert "Core assessment shows escalating conflict" in soup.select_one("textarea[name=assessment_summary]").text
    assert soup.select_one("input[name=services_requested][value=family_therapy]").has_attr("checked")
    assert "Why JARP refused the referral No evidence-based assessment attached" in soup.get_text(" ", strip=True)
    with freeze_time(london(2026, 11, 25, 10, 0)):
        corrected = dict(STANDARD_REFERRAL, assessment_summary="Core assessment attached; risk of breakdown.")
        assert client.post(f"/tasks/{form.id}", data=corrected).status_code == 302
    client.post("/sign-out")
    rows = agenda_rows(client)
    assert rows[0][0] == "2026-12-01" and "Core assessment attached" in rows[0][1]
    assert "Record decision" in rows[0][1] and open_task(app, "Task_record_decision") is not None


def test_a_refused_referral_withdrawn_ends_as_withdrawn_with_its_reason(client, app):
    refer_and_decide(client, app, REFUSE)
    refused = open_task(app, "Task_refused")
    sign_in(client, "social-worker")
    response = client.post(f"/tasks/{refused.id}", data={"next_step": "withdraw", "withdraw_reason": " "})
    assert response.status_code == 400
    assert "Enter why you are withdrawing it" in error_summary(response)
    assert page(response).select_one("input[name=next_step][value=withdraw]").has_attr("checked")  # kept
    reason = "The family moved out of the borough."
    assert client.post(f"/tasks/{refused.id}", data={"next_step": "withdraw",
                                                     "withdraw_reason": reason}).status_code == 302
    processes = page(client.get(f"/cases/{case_id(app)}")).select_one("#processes tbody tr").get_text(" ", strip=True)
    assert f"JARP referral: withdrawn: {reason}" in processes and "Complete" in processes
    client.post("/sign-out")
    assert any(r[0] == "2026-11-24" and "Withdrawn" in r[1] for r in agenda_rows(client))
    # withdrawn, it no longer blocks a new referral
    sign_in(client, "social-worker")
    assert "/tasks/" in client.post(f"/cases/{case_id(app)}/start/jarp_referral").location


def test_a_case_has_one_running_jarp_referral_at_a_time_checked_in_the_database(client, app):
    from engine import runtime
    from engine.models import Case, User
    from engine.transaction import unit_of_work
    sign_in(client, "social-worker")
    client.post(f"/cases/{case_id(app)}/start/jarp_referral")
    response = client.post(f"/cases/{case_id(app)}/start/jarp_referral", follow_redirects=True)
    assert "A JARP referral of this case is already under way; finish or withdraw it first." in text(response)
    # the page's check passed over, two starts at once: the unique index refuses the second
    with app.app_context():
        case = db.session.get(Case, case_id(app))
        actor = db.session.scalar(select(User).filter_by(username="social-worker"))
        try:
            with unit_of_work():
                runtime.start_instance("jarp_referral", case, actor)
        except runtime.AlreadyDone as exc:
            assert str(exc) == "A JARP referral of this case is already under way; finish or withdraw it first."
        else:
            raise AssertionError("a second running JARP referral was started")
        assert db.session.scalar(select(db.func.count(ProcessInstance.id)).where(
            ProcessInstance.process_key == "jarp_referral")) == 1


def test_only_the_listed_services_case_holders_may_refer(client, app):
    from engine.models import Case, Unit, User
    from webforms.auth import hash_password
    from webforms.demo import DEMO_PASSWORD
    with app.app_context():
        unit = db.session.scalar(select(Unit).filter_by(name="Rapid Response Unit 1"))
        db.session.add(Case(reference="RR-0001", child_name="Gus Lee", service=unit.service, unit=unit))
        db.session.add(User(username="social-worker-rr", name="Demo Social Worker (RR)", post="Social Worker",
                            service=unit.service, unit=unit, password_hash=hash_password(DEMO_PASSWORD)))
        db.session.commit()
    sign_in(client, "social-worker-rr")
    response = client.post(f"/cases/{case_id(app, 'RR-0001')}/start/jarp_referral", follow_redirects=True)
    assert "Only the case-holding units of A&A, CIN, CWD, Fostering, Adoption, Hospital, Leaving Care and LAC " \
           "may refer to JARP (Panels §6); this case is held in Rapid Response." in text(response)
    from .test_api import auth, token
    refused = client.post("/api/v1/instances", headers=auth(token(app, "social-worker-rr")),
                          json={"process": "jarp_referral", "case_id": case_id(app, "RR-0001")})
    assert refused.status_code == 409 and "may refer to JARP (Panels §6)" in refused.json["error"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ProcessInstance.id))) == 0
    client.post("/sign-out")
    # the case holder in a listed service may; a department-wide post is not the case holder
    sign_in(client, "jarp-co-ordinator")
    assert client.post(f"/cases/{case_id(app)}/start/jarp_referral").status_code in (403, 404)


def test_each_provider_reports_progress_before_the_review_and_the_outcome_goes_to_the_referring_csw(client, app):
    from engine.worker import fire_due_timers
    refer_and_decide(client, app)
    with freeze_time(london(2026, 11, 25, 9, 0)):
        allocate_everywhere(client, app)
        complete_as(client, "social-worker", app, "Task_unit_informed", PAPERS_SENT)
    assert open_tasks(app, "Task_progress_summary") == []
    with freeze_time(london(2026, 12, 30, 9, 0, 1)), app.app_context():    # flagged a week before 6 Jan
        assert fire_due_timers() == 1
    summaries = open_tasks(app, "Task_progress_summary")
    assert [(t.post, t.service) for t in summaries] == [
        ("Agency Representative", "Child and Family Consultation Service"),
        ("Agency Representative", "Parenting Support Service")]
    # due before the review meeting: 09:00 on the review day
    assert {t.due_at for t in summaries} == {datetime(2027, 1, 6, 9, 0)}
    assert open_task(app, "Task_six_week_review") is None
    for username, said in (("agency-representative", "Therapy attended every week."),
                           ("agency-representative-parenting-support-service", "Parents use the techniques.")):
        sign_in(client, username)
        link = page(client.get("/")).select_one("#my-tasks tbody tr a")["href"]
        with freeze_time(london(2027, 1, 5, 15, 0)):
            assert client.post(link, data={"summary": said, "recommendation": "reduce"}).status_code == 302
        client.post("/sign-out")
    review = open_task(app, "Task_six_week_review")
    sign_in(client, "jarp-co-ordinator")
    shown = text(client.get(f"/tasks/{review.id}"))
    assert "Child and Family Consultation Service: Therapy attended every week." in shown
    assert "Parenting Support Service: Parents use the techniques." in shown
    decision = {"outcome": "reduce", "services": ["family_therapy"], "rationale": "Good progress; one service ends.",
                "child_asked": "yes", "child_wishes": "Amira wants fewer appointments after school."}
    with freeze_time(london(2027, 1, 6, 10, 0)):
        assert client.post(f"/tasks/{review.id}", data=decision).status_code == 302
    client.post("/sign-out")
    informed = open_task(app, "Task_review_received")
    assert informed.post == "Consultant Social Worker"
    sign_in(client, "consultant-social-worker")
    assert "Read the six-week review decision" in page(client.get("/")).select_one("#my-tasks").get_text()
    shown = text(client.get(f"/tasks/{informed.id}"))
    assert "Decision Reduce services" in shown and "Good progress; one service ends." in shown   # in words (issue 14 §3)
    assert "What the child wants to happen next Amira wants fewer appointments after school." in shown
    with freeze_time(london(2027, 1, 7, 10, 0)):
        assert client.post(f"/tasks/{informed.id}", data={}).status_code == 302
    with app.app_context():
        reviews = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "jarp_review")
                                     .order_by(ProcessInstance.id)).all()
        assert [r.status for r in reviews] == ["complete", "running"]   # the next six-week review follows


def test_the_review_asks_for_the_childs_voice_and_a_transfer_names_the_new_providers(client, app):
    from engine import runtime
    from engine.models import Case, User
    from engine.transaction import unit_of_work
    from engine.worker import fire_due_timers
    with freeze_time(london(2026, 11, 24, 12, 0)), app.app_context():
        case = db.session.get(Case, case_id(app))
        actor = db.session.scalar(select(User).filter_by(username="jarp-co-ordinator"))
        with unit_of_work():
            runtime.start_instance("jarp_review", case, actor, {
                "review_number": 1, "allocated_on": "2026-11-24", "services": ["family_therapy"],
                "agencies": ["Child and Family Consultation Service"], "assessment": {"priority": 3}})
    with freeze_time(london(2026, 12, 29, 9, 0, 1)), app.app_context():
        fire_due_timers()
    complete_as(client, "agency-representative", app, "Task_progress_summary",
                {"summary": "Stalled.", "recommendation": "transfer"})
    review = open_task(app, "Task_six_week_review")
    sign_in(client, "jarp-co-ordinator")
    response = client.post(f"/tasks/{review.id}", data={"outcome": "transfer", "services": ["family_therapy"],
                                                         "rationale": "Move to a commissioned service.",
                                                         "child_asked": "no"})
    assert response.status_code == 400
    errors = " | ".join(error_summary(response))
    assert errors == ("Enter why the child could not be asked | "
                      "Select the agencies that provide the services after this review")


def test_a_late_allocation_is_chased_while_each_agencys_task_stays_open(client, app):
    from engine.worker import fire_due_timers
    refer_and_decide(client, app)                      # P3: allocations due Tue 8 Dec 17:00
    with freeze_time(london(2026, 12, 8, 17, 0, 1)), app.app_context():
        assert fire_due_timers() == 1
    assert open_task(app, "Task_chase_allocation").post == "JARP Co-ordinator"
    assert len(open_tasks(app, "Task_agency_allocation")) == 2
    with freeze_time(london(2026, 12, 9, 9, 0)):
        allocate_everywhere(client, app)
    assert open_tasks(app, "Task_agency_allocation") == []


def test_a_review_begun_from_an_older_free_text_decision_goes_straight_to_the_coordinator(client, app):
    from engine import runtime
    from engine.models import Case
    from engine.transaction import unit_of_work
    from engine.worker import fire_due_timers
    with freeze_time(london(2026, 11, 24, 12, 0)), app.app_context():
        with unit_of_work():
            runtime.start_instance("jarp_review", db.session.get(Case, case_id(app)), None, {
                "review_number": 1, "allocated_on": "2026-11-24", "services": ["family_therapy"],
                "agencies": "CFCS (A. Rep); Parenting Team", "assessment": {"priority": 3}})
    with freeze_time(london(2026, 12, 29, 9, 0, 1)), app.app_context():
        fire_due_timers()
    assert open_tasks(app, "Task_progress_summary") == []
    assert open_task(app, "Task_six_week_review") is not None


def test_an_allocation_task_from_before_agencies_were_named_is_any_representatives(client, app):
    refer_and_decide(client, app)
    older = open_tasks(app, "Task_agency_allocation")[0]
    with app.app_context():   # as the earlier version scoped it: the case's service, no agency
        db.session.execute(Task.__table__.update().where(Task.id == older.id).values(service="CIN"))
        db.session.commit()
    for username in ("agency-representative-contact-service", "agency-representative-parenting-support-service"):
        sign_in(client, username)
        links = [a["href"] for a in page(client.get("/")).select("#my-tasks tbody tr a")]
        client.post("/sign-out")
        assert f"/tasks/{older.id}" in links, username
