"""The JARP meeting onwards: decisions, carry-over, allocation, reviews, direct referrals."""
from datetime import datetime

from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent, ProcessInstance, Task, Timer
from processes.clock import LONDON

from ..conftest import page, sign_in, text
from .jarp_steps import (
    AGENCY_ALLOCATION, ALLOCATE_TIER3, CARRY_OVER, PAPERS_SENT, STANDARD_REFERRAL, case_id,
    complete_as, open_task, referral_by_social_worker,
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
        complete_as(client, "agency-representative", app, "Task_agency_allocation", AGENCY_ALLOCATION)
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
              "services_requested": ["contact_service", "parenting_support_service"]}
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
