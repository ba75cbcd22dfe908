"""Adoption and Fostering Panel booking (PROCESS-RULES §3; 004 Panels §4 and §5):
capacity and the reserve list, cancellation, late papers, the checklist, the
Head of Service's decision, the Court's date and the race for the last place."""
import threading
from datetime import date, datetime

from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import AgendaItem, AuditEvent, Case, ProcessInstance, Task, User
from engine.transaction import unit_of_work
from engine.accounts import issue_token

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import case_id, complete_as, open_task
from .panel_steps import (
    APR, BOOKING_DAY, CHILD_WISHES, FEB, MAR, add_cases, all_included, book, booking_form, bookings, london,
    paper_ids, places, publish, send_papers, start_booking, upload,
)
NOT_ASKED = "Select whether the child was asked what they want to happen next"

MATCHING_KINDS = ["child_permanence_report", "placement_report", "form_f", "crb_check", "medical_report",
                  "placement_order"]


def fill(client, app, count, day=FEB):
    """`count` cases of CIN Unit 1 booked on `day`."""
    refs = add_cases(app, count)
    for ref in refs:
        book(client, app, ref, day=day)
    return refs


@freeze_time(BOOKING_DAY)
def test_six_cases_fill_an_adoption_panel_and_the_seventh_gets_the_reserve_list_and_a_firm_place(client, app):
    publish(client)
    refs = fill(client, app, 6)
    assert places(app, FEB) == 6
    book(client, app, "CIN-0001")
    assert bookings(app, "CIN-0001") == [("CIN-0001", "reserve", FEB, 1), ("CIN-0001", "booked", MAR, None)]
    assert places(app, FEB) == 6 and places(app, MAR) == 1
    assert all(bookings(app, r) == [(r, "booked", FEB, None)] for r in refs)
    # the unit's papers are due by the firm date's deadline, and the form says where the case stands
    task = open_task(app, "Task_send_papers")
    assert task.due_at == datetime(2027, 2, 10, 17, 0)      # 15 working days before 3 March, 17:00 (GMT)
    sign_in(client, "social-worker")
    facts = text(client.get(f"/tasks/{task.id}"))
    assert "Wednesday 3 March 2027" in facts
    assert "On the reserve list for Wednesday 3 February 2027" in facts
    # the calendar shows the date full with one on its reserve list, to units too (read-only)
    row = page(client.get("/panels/adoption?year=2027")).select_one('tr[data-sitting="2027-02-03"]')
    assert "6 of 6" in row.get_text(" ") and "Full" in row.get_text(" ")
    assert page(client.get("/panels/adoption?year=2027")).select("form[action$=timetable]") == []
    client.post("/sign-out")
    # the Panel Advisor sees the agenda in booking order and the reserve list with its firm place
    sign_in(client, "panel-advisor")
    agenda = page(client.get("/panels/adoption/dates/2027-02-03"))
    assert [r.select("td")[1].get_text(" ", strip=True).split()[0] for r in agenda.select("table.agenda tbody tr")] == refs
    reserve = agenda.select_one("table.reserve tbody tr").get_text(" ", strip=True)
    assert "CIN-0001" in reserve and "Wednesday 3 March 2027" in reserve
    client.post("/sign-out")
    # a Fostering Panel date holds eight
    publish(client, "fostering")
    more = add_cases(app, 8, prefix="FOS")
    for ref in more:
        book(client, app, ref, case_type="kinship_approval")
    assert places(app, FEB, "Fostering Panel") == 8
    book(client, app, "CIN-0002", case_type="kinship_approval")
    assert bookings(app, "CIN-0002") == [("CIN-0002", "reserve", FEB, 1), ("CIN-0002", "booked", MAR, None)]


@freeze_time(BOOKING_DAY)
def test_the_next_date_with_room_skips_full_dates_and_dates_whose_deadline_has_passed(client, app):
    publish(client)
    with freeze_time(london(2026, 12, 20, 10, 0)):   # after the 6 January deadline (15 working days before)
        book(client, app, "CIN-0001", when="next")
    assert bookings(app, "CIN-0001") == [("CIN-0001", "booked", FEB, None)]
    fill(client, app, 5)
    with freeze_time(london(2026, 12, 20, 10, 0)):
        book(client, app, "CIN-0002", when="next")
    assert bookings(app, "CIN-0002") == [("CIN-0002", "booked", MAR, None)]


@freeze_time(BOOKING_DAY)
def test_a_date_not_in_the_timetable_is_refused_on_the_form(client, app):
    publish(client)
    response = book(client, app, expect=400, day=date(2027, 2, 4))
    assert error_summary(response) == ["There is no Panel on Thursday 4 February 2027. "
                                       "Choose a date from the Panel calendar."]
    assert bookings(app) == []
    response = book(client, app, expect=400, when="court")
    # the form's error and the rule's problem on the same submit (issue 15 item 2)
    assert error_summary(response) == ["Enter the date of the initial hearing",
                                       "Only a case in court proceedings can hold a date for the Court."]
    response = book(client, app, expect=400, when="court", **{
        "initial_hearing_date-day": "8", "initial_hearing_date-month": "12", "initial_hearing_date-year": "2026"})
    assert error_summary(response) == ["Only a case in court proceedings can hold a date for the Court."]
    # one booking per case and case type at a time
    book(client, app)
    response = book(client, app, expect=400, day=MAR)
    assert error_summary(response) == ["This case is already booked onto the Adoption Panel on Wednesday 3 "
                                       "February 2027 for Placement for adoption (best interests). Cancel that "
                                       "booking first."]
    assert bookings(app) == [("CIN-0001", "booked", FEB, None)]


@freeze_time(BOOKING_DAY)
def test_a_cleared_cancellation_gives_the_place_to_the_first_reserve_whose_unit_is_told(client, app):
    publish(client)
    book(client, app, "CIN-0001")
    fill(client, app, 5)
    book(client, app, "LAC-0001", "csw-lac")                     # reserve for February, firm place in March
    book(client, app, "CIN-0002")                                 # second on the reserve list
    assert bookings(app, "LAC-0001") == [("LAC-0001", "reserve", FEB, 1), ("LAC-0001", "booked", MAR, None)]
    # a member of the unit fills in the cancellation form; the Group Manager supports; HoS CR clears
    cancel = open_task(app, "Task_request_cancellation")
    sign_in(client, "social-worker")
    unanswered = client.post(f"/tasks/{cancel.id}", data={"reason": "The birth father has come forward."})
    assert error_summary(unanswered) == [NOT_ASKED]
    client.post("/sign-out")
    complete_as(client, "social-worker", app, "Task_request_cancellation",
                {"reason": "The birth father has come forward; the plan is being reassessed.",
                 "child_asked": "yes", "child_wishes": "To meet her father before anything is decided."})
    assert bookings(app, "CIN-0001") == [("CIN-0001", "booked", FEB, None)]   # not yet cleared
    # the Group Manager and the Head of Service Children's Resources see what the child wants
    wants = "What the child wants to happen next To meet her father before anything is decided."
    sign_in(client, "group-manager")
    assert wants in text(client.get(f"/tasks/{open_task(app, 'Task_gm_support').id}"))
    client.post("/sign-out")
    complete_as(client, "group-manager", app, "Task_gm_support", {"supported": "yes", "comments": "Agreed."})
    sign_in(client, "head-of-service-children-s-resources")
    assert wants in text(client.get(f"/tasks/{open_task(app, 'Task_clear_cancellation').id}"))
    client.post("/sign-out")
    complete_as(client, "head-of-service-children-s-resources", app, "Task_clear_cancellation",
                {"cleared": "yes", "reason": "Plan no longer settled."})
    assert bookings(app, "CIN-0001") == [("CIN-0001", "cancelled", FEB, None)]
    assert bookings(app, "LAC-0001") == [("LAC-0001", "booked", FEB, None), ("LAC-0001", "cancelled", MAR, None)]
    assert bookings(app, "CIN-0002")[0][1:] == ("reserve", FEB, 2)            # still waiting for February
    assert places(app, FEB) == 6 and places(app, MAR) == 1                    # March: CIN-0002's firm place
    with app.app_context():
        cancelled = db.session.scalars(select(ProcessInstance).join(Case).where(
            Case.reference == "CIN-0001", ProcessInstance.process_key == "panel_booking")).one()
        assert cancelled.status == "complete"
        assert db.session.get(AgendaItem, cancelled.id).status == "cancelled"
        assert db.session.scalars(select(Task).where(Task.instance_id == cancelled.id,
                                                     Task.state == "ready")).all() == []
        moved = db.session.scalars(select(ProcessInstance).join(Case).where(
            Case.reference == "LAC-0001", ProcessInstance.process_key == "panel_booking")).one()
        assert db.session.get(AgendaItem, moved.id).sitting == FEB
    # the promoted case's papers are now due by February's deadline, and its unit is told
    assert open_task(app, "Task_send_papers", "LAC-0001").due_at == datetime(2027, 1, 13, 17, 0)
    told = open_task(app, "Task_note_place", "LAC-0001")
    assert told is not None and told.post == "Social Worker"
    sign_in(client, "social-worker-lac")
    assert "Note the new Panel date" in page(client.get("/")).select_one("#my-tasks").get_text()
    facts = text(client.get(f"/tasks/{told.id}"))
    assert "Wednesday 3 February 2027" in facts and "Wednesday 3 March 2027" in facts
    trail = text(client.get(f"/cases/{case_id(app, 'LAC-0001')}"))
    assert "first on its reserve list" in trail
    client.post("/sign-out")
    # the CIN unit is not told about another unit's child
    sign_in(client, "social-worker")
    assert "LAC-0001" not in page(client.get("/")).get_text()


@freeze_time(BOOKING_DAY)
def test_a_cancellation_the_group_manager_does_not_support_leaves_the_booking(client, app):
    publish(client)
    book(client, app, "CIN-0001")
    complete_as(client, "social-worker", app, "Task_request_cancellation", {
        "reason": "Family moving away.", "child_asked": "no", "child_not_asked_reason": "He is a baby."})
    complete_as(client, "group-manager", app, "Task_gm_support",
                {"supported": "no", "comments": "Keep the date: the move is not confirmed."})
    assert bookings(app) == [("CIN-0001", "booked", FEB, None)]
    assert open_task(app, "Task_request_cancellation") is not None     # may be asked again
    assert open_task(app, "Task_clear_cancellation") is None


@freeze_time(BOOKING_DAY)
def test_late_papers_are_refused_then_accepted_by_the_panel_advisor(client, app):
    publish(client)
    book(client, app, "CIN-0001", case_type="adoption_matching")
    sign_in(client, "social-worker")
    upload(client, app, MATCHING_KINDS)
    task = open_task(app, "Task_send_papers")
    assert task.due_at == datetime(2027, 1, 13, 17, 0)          # 15 working days before 3 February
    ids = paper_ids(client, task.id)
    client.post("/sign-out")
    with freeze_time(london(2027, 1, 14, 9, 0)):
        sign_in(client, "social-worker")
        refused = client.post(f"/tasks/{task.id}", data={"papers": ids})
        assert refused.status_code == 400
        assert error_summary(refused) == [
            "The deadline for papers was 17:00 on Wednesday 13 January 2027. Late papers are not accepted "
            "unless the Panel Advisor agrees special circumstances: describe them (Panels §4 and §5)."]
        sent = client.post(f"/tasks/{task.id}", data={
            "papers": ids, "special_circumstances": "The medical report came from the hospital today."})
        assert sent.status_code == 302, sent.text
        client.post("/sign-out")
        late = open_task(app, "Task_late_papers")
        assert late.post == "Panel Advisor"
        assert open_task(app, "Task_check_papers") is None
        # the gated step is the Panel Advisor's alone
        sign_in(client, "group-manager")
        assert client.post(f"/tasks/{late.id}", data={"decision": "accept", "reason": "x"}).status_code in (403, 404)
        client.post("/sign-out")
        complete_as(client, "panel-advisor", app, "Task_late_papers",
                    {"decision": "accept", "reason": "Hospital delay outside the unit's control."})
    assert open_task(app, "Task_check_papers") is not None
    assert bookings(app) == [("CIN-0001", "booked", FEB, None)]
    with app.app_context():
        decision = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "task.completed", AuditEvent.element_name == "Decide on late papers")).one()
        assert decision.actor_name == "Demo Panel Advisor"
        assert decision.detail["data"]["reason"] == "Hospital delay outside the unit's control."


@freeze_time(BOOKING_DAY)
def test_late_papers_refused_send_the_case_to_the_next_date_and_its_place_to_the_reserve(client, app):
    publish(client)
    book(client, app, "CIN-0001")
    fill(client, app, 5)
    book(client, app, "LAC-0001", "csw-lac")                 # reserve for February
    with freeze_time(london(2027, 1, 20, 9, 0)):
        send_papers(client, app, included=all_included("adoption_best_interests"),
                    special_circumstances="Worker off sick.")
        complete_as(client, "panel-advisor", app, "Task_late_papers",
                    {"decision": "refuse", "reason": "No special circumstances: cover was available."})
    assert bookings(app, "CIN-0001") == [("CIN-0001", "cancelled", FEB, None), ("CIN-0001", "booked", MAR, None)]
    assert bookings(app, "LAC-0001") == [("LAC-0001", "booked", FEB, None), ("LAC-0001", "cancelled", MAR, None)]
    # the unit sends papers again, for March
    assert open_task(app, "Task_send_papers").due_at == datetime(2027, 2, 10, 17, 0)


@freeze_time(BOOKING_DAY)
def test_an_incomplete_checklist_is_refused_and_only_the_panel_advisor_can_confirm_it(client, app):
    publish(client)
    book(client, app, "CIN-0001", case_type="adoption_matching")
    sign_in(client, "social-worker")
    upload(client, app, MATCHING_KINDS[:4])                  # no medical report, no placement order
    task = open_task(app, "Task_send_papers")
    ids = paper_ids(client, task.id)
    # the form shows this case type's checklist, and only it
    options = [i["value"] for i in page(client.get(f"/tasks/{task.id}")).select("input[name=included]")]
    assert options == [f"adoption_matching.{i}" for i in range(1, 7)]
    refused = client.post(f"/tasks/{task.id}", data={"papers": ids})
    assert refused.status_code == 400
    [problem] = error_summary(refused)
    assert problem.startswith("The checklist for Matching (adoption) needs: Updated medical report; Placement Order.")
    # ticking a document as included in another report counts; the placement order still cannot be sent
    refused = client.post(f"/tasks/{task.id}", data={"papers": ids, "included": ["adoption_matching.5"]})
    assert "needs: Placement Order." in error_summary(refused)[0]
    sent = client.post(f"/tasks/{task.id}", data={
        "papers": ids, "included": ["adoption_matching.5"],
        "missing_reason": "The placement order is expected from court on 20 January."})
    assert sent.status_code == 302
    client.post("/sign-out")
    # the Panel Advisor cannot simply confirm it: a required document is missing
    check = open_task(app, "Task_check_papers")
    sign_in(client, "panel-advisor")
    facts = text(client.get(f"/tasks/{check.id}"))
    assert "Missing from the checklist Placement Order" in facts
    response = client.post(f"/tasks/{check.id}", data={"outcome": "adequate"})
    assert response.status_code == 400
    assert error_summary(response) == [
        "A booking cannot be confirmed while a required document is missing: Placement Order."]
    assert "override_reason" in response.text                  # the Advisor has the authority
    response = client.post(f"/tasks/{check.id}", data={
        "outcome": "adequate", "override": "yes",
        "override_reason": "Order confirmed by the court clerk; it will be tabled at Panel."})
    assert response.status_code == 302
    client.post("/sign-out")
    assert open_task(app, "Task_record_recommendation") is not None
    with app.app_context():
        override = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rule.overridden")).one()
        assert override.actor_name == "Demo Panel Advisor" and "court clerk" in override.reason


@freeze_time(BOOKING_DAY)
def test_papers_returned_by_the_panel_advisor_go_back_to_the_unit(client, app):
    publish(client)
    book(client, app, "CIN-0001", case_type="adoption_termination")
    send_papers(client, app, included=all_included("adoption_termination"))
    complete_as(client, "panel-advisor", app, "Task_check_papers", {
        "outcome": "return", "comments": "The termination report must give the reasons.",
        "resubmit_by-day": "20", "resubmit_by-month": "1", "resubmit_by-year": "2027"})
    again = open_task(app, "Task_send_papers")
    assert again.due_at == datetime(2027, 1, 20, 17, 0)
    sign_in(client, "social-worker")
    assert "The termination report must give the reasons." in text(client.get(f"/tasks/{again.id}"))


def _to_the_panel(client, app, case_type, reference="CIN-0001"):
    book(client, app, reference, case_type=case_type)
    send_papers(client, app, reference, included=all_included(case_type))
    if open_task(app, "Task_sign_off_report", reference) is not None:
        complete_as(client, "fostering-manager", app, "Task_sign_off_report", {"signed_off": "yes"}, reference)
    complete_as(client, "panel-advisor", app, "Task_check_papers", {"outcome": "adequate"}, reference)


@freeze_time(BOOKING_DAY)
def test_the_fostering_manager_signs_off_the_report_before_the_panel_advisor_has_the_papers(client, app):
    """Matrix of Responsibility: long-term foster care and approval of foster
    carers: 'Fostering manager to sign off the report' (issue 12 item 20)."""
    publish(client, "fostering")
    book(client, app, "CIN-0001", case_type="foster_carer_approval")
    send_papers(client, app, included=all_included("foster_carer_approval"))
    sign_off = open_task(app, "Task_sign_off_report")
    assert sign_off.post == "Fostering Manager" and open_task(app, "Task_check_papers") is None
    # the gated step is the Fostering Manager's alone
    for username in ("panel-advisor", "head-of-service-children-s-resources", "consultant-social-worker"):
        sign_in(client, username)
        assert client.post(f"/tasks/{sign_off.id}", data={"signed_off": "yes"}).status_code in (403, 404), username
        client.post("/sign-out")
    sign_in(client, "fostering-manager")
    facts = text(client.get(f"/tasks/{sign_off.id}"))
    assert "Approval as foster carer(s)" in facts
    assert "What the child wants to happen next " + CHILD_WISHES in facts
    refused = client.post(f"/tasks/{sign_off.id}", data={"signed_off": "no"})
    assert refused.status_code == 400
    assert error_summary(refused) == ["Enter your comments"]
    returned = client.post(f"/tasks/{sign_off.id}", data={
        "signed_off": "no", "comments": "The health and safety checks are a year old: update them."})
    assert returned.status_code == 302
    client.post("/sign-out")
    # back to the unit with the comments; sent again, then signed off, then the Panel Advisor checks
    again = open_task(app, "Task_send_papers")
    sign_in(client, "social-worker")
    assert "The health and safety checks are a year old" in text(client.get(f"/tasks/{again.id}"))
    client.post("/sign-out")
    send_papers(client, app, included=all_included("foster_carer_approval"))
    complete_as(client, "fostering-manager", app, "Task_sign_off_report", {"signed_off": "yes"})
    assert open_task(app, "Task_check_papers") is not None
    with app.app_context():
        [signed] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "task.completed", AuditEvent.element_name == "Sign off the fostering report",
            AuditEvent.actor_name == "Demo Fostering Manager")).all()[-1:]
        assert signed.detail["data"] == {"signed_off": True}


@freeze_time(BOOKING_DAY)
def test_a_fostering_case_the_matrix_names_no_sign_off_for_goes_straight_to_the_panel_advisor(client, app):
    publish(client, "fostering")
    book(client, app, "CIN-0001", case_type="kinship_approval")
    send_papers(client, app, included=all_included("kinship_approval"))
    assert open_task(app, "Task_sign_off_report") is None
    assert open_task(app, "Task_check_papers") is not None


@freeze_time(BOOKING_DAY)
def test_the_fostering_panel_recommends_and_the_head_of_service_childrens_resources_decides(client, app):
    publish(client, "fostering")
    _to_the_panel(client, app, "fostering_permanence")           # signed off by the Fostering Manager first
    record = open_task(app, "Task_record_recommendation")
    assert record.post == "Panel Chair" and record.due_at == datetime(2027, 2, 3, 17, 0)
    sign_in(client, "panel-chair")
    early = client.post(f"/tasks/{record.id}", data={"outcome": "recommend", "recommendation": "x", "reasons": "y"})
    assert error_summary(early) == ["The Panel sits on Wednesday 3 February 2027: record its recommendation "
                                    "on or after that day."]
    client.post("/sign-out")
    with freeze_time(london(2027, 2, 3, 12, 0)):
        complete_as(client, "panel-chair", app, "Task_record_recommendation", {
            "outcome": "recommend", "recommendation": "Amira should remain with her foster carers long term.",
            "reasons": "Settled placement; her wishes.", "attended": ["social_worker", "consultant_social_worker"]})
    assert bookings(app) == [("CIN-0001", "heard", FEB, None)]
    decision = open_task(app, "Task_hos_decision")
    assert decision.post == "Head of Service Children's Resources"
    # the gated step: nobody else may decide, not even the Panel Chair
    sign_in(client, "panel-chair")
    assert client.post(f"/tasks/{decision.id}", data={"decision": "approve", "reasons": "x"}).status_code == 403
    client.post("/sign-out")
    # the child's voice, recorded at booking, is on the deciding pages (issue 12 item 21)
    sign_in(client, "head-of-service-children-s-resources")
    assert "What the child wants to happen next " + CHILD_WISHES in text(client.get(f"/tasks/{decision.id}"))
    client.post("/sign-out")
    with freeze_time(london(2027, 2, 5, 10, 0)):
        complete_as(client, "head-of-service-children-s-resources", app, "Task_hos_decision",
                    {"decision": "approve", "reasons": "I agree with the Panel."})
    with app.app_context():
        instances = {i.process_key: i for i in db.session.scalars(select(ProcessInstance))}
        assert instances["panel_booking"].status == "complete"
        # the approved permanency plan lets the CIN -> LAC transfer go ahead: it starts
        assert instances["case_transfer"].status == "running"
    assert open_task(app, "Task_request_transfer") is not None


@freeze_time(BOOKING_DAY)
def test_the_adoption_panels_recommendation_is_the_outcome(client, app):
    publish(client)
    _to_the_panel(client, app, "adoption_approval_case")
    with freeze_time(london(2027, 2, 3, 12, 0)):
        complete_as(client, "panel-chair", app, "Task_record_recommendation", {
            "outcome": "not_recommend", "recommendation": "Not approved.", "reasons": "Updated information incomplete."})
    assert open_task(app, "Task_hos_decision") is None
    with app.app_context():
        [instance] = db.session.scalars(select(ProcessInstance)).all()
        assert instance.status == "complete"


@freeze_time(BOOKING_DAY)
def test_a_deferred_case_goes_to_the_next_date_with_room_and_sends_papers_again(client, app):
    publish(client)
    _to_the_panel(client, app, "adoption_change_of_plan")
    with freeze_time(london(2027, 2, 3, 12, 0)):
        complete_as(client, "panel-chair", app, "Task_record_recommendation", {
            "outcome": "defer", "recommendation": "Deferred.", "reasons": "Family finding report needed."})
    assert bookings(app) == [("CIN-0001", "heard", FEB, None), ("CIN-0001", "booked", MAR, None)]
    assert places(app, FEB) == 1                                # the place was used
    assert open_task(app, "Task_send_papers").due_at == datetime(2027, 2, 10, 17, 0)


@freeze_time(BOOKING_DAY)
def test_a_case_in_court_holds_the_next_date_for_the_initial_hearing(client, app):
    publish(client)
    book(client, app, "CIN-0001", when="court", in_court=True,
         **{"initial_hearing_date-day": "8", "initial_hearing_date-month": "12",
            "initial_hearing_date-year": "2026"})
    assert bookings(app) == [("CIN-0001", "held", date(2027, 1, 6), None)]
    assert places(app, date(2027, 1, 6)) == 1
    court = open_task(app, "Task_court_outcome")
    assert court.due_at == datetime(2026, 12, 9, 17, 0)         # end of the working day after the hearing
    assert open_task(app, "Task_send_papers") is None
    # the Court wants April: the held place is given back and the case booked for April
    complete_as(client, "social-worker", app, "Task_court_outcome", {
        "court_decision": "other_date", "court_date-day": "7", "court_date-month": "4", "court_date-year": "2027"})
    assert bookings(app) == [("CIN-0001", "cancelled", date(2027, 1, 6), None), ("CIN-0001", "booked", APR, None)]
    assert places(app, date(2027, 1, 6)) == 0
    assert open_task(app, "Task_send_papers") is not None


@freeze_time(BOOKING_DAY)
def test_the_court_accepting_the_held_date_makes_it_a_booking(client, app):
    publish(client)
    book(client, app, "CIN-0001", when="court", in_court=True,
         **{"initial_hearing_date-day": "8", "initial_hearing_date-month": "12",
            "initial_hearing_date-year": "2026"})
    complete_as(client, "social-worker", app, "Task_court_outcome", {"court_decision": "accepted"})
    assert bookings(app) == [("CIN-0001", "booked", date(2027, 1, 6), None)]


def _token(app, username):
    with app.app_context():
        with unit_of_work():
            return issue_token(db.session.scalar(select(User).filter_by(username=username)))[0]


@freeze_time(BOOKING_DAY)
def test_two_units_booking_the_last_place_at_the_same_moment_exactly_one_gets_it(app):
    client = app.test_client()
    publish(client)
    fill(client, app, 5)
    tokens = {"CIN-0001": _token(app, "consultant-social-worker"), "LAC-0001": _token(app, "csw-lac")}
    tasks = {}
    for reference, token in tokens.items():
        started = client.post("/api/v1/instances", headers={"Authorization": f"Bearer {token}"},
                              json={"process": "panel_booking", "case_id": case_id(app, reference)})
        assert started.status_code == 201, started.json
        tasks[reference] = started.json["tasks"][0]["id"]
    barrier = threading.Barrier(2)
    results = {}

    def book_last_place(reference):
        other = app.test_client()
        barrier.wait()
        response = other.post(f"/api/v1/tasks/{tasks[reference]}/complete",
                              headers={"Authorization": f"Bearer {tokens[reference]}"},
                              json={"data": {"case_type": "adoption_best_interests", "when": "date",
                                             "sitting_date": "2027-02-03", "in_court": False,
                                             "summary": "Best interests decision.", "child_asked": False,
                                             "child_not_asked_reason": "She is two years old."}})
        results[reference] = response.status_code

    threads = [threading.Thread(target=book_last_place, args=(r,)) for r in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == [200, 200], results     # neither is refused: one waits its turn
    outcome = {ref: bookings(app, ref) for ref in tokens}
    winners = [ref for ref, rows in outcome.items() if rows == [(ref, "booked", FEB, None)]]
    assert len(winners) == 1, outcome
    [loser] = [ref for ref in tokens if ref not in winners]
    assert outcome[loser] == [(loser, "reserve", FEB, 1), (loser, "booked", MAR, None)]
    assert places(app, FEB) == 6 and places(app, MAR) == 1


# ---------------------------------------------------------------- the child's voice (issue 12 item 21)

@freeze_time(BOOKING_DAY)
def test_the_booking_records_what_the_child_wants_or_why_they_could_not_be_asked(client, app):
    publish(client)
    sign_in(client, "consultant-social-worker")
    url = start_booking(client, app, "CIN-0001")
    form = booking_form()
    del form["child_asked"], form["child_wishes"]
    unanswered = client.post(url, data=form)
    assert unanswered.status_code == 400
    assert error_summary(unanswered) == [NOT_ASKED]
    asked = client.post(url, data=dict(form, child_asked="yes", child_wishes="   "))
    assert asked.status_code == 400 and len(error_summary(asked)) == 1
    not_asked = client.post(url, data=dict(form, child_asked="no"))
    assert error_summary(not_asked) == ["Enter why the child could not be asked"]
    assert page(not_asked).select_one("#summary").get_text() == form["summary"]      # typed answers kept
    reason = "She is 18 months old; her foster carer describes how she is with her brother."
    assert client.post(url, data=dict(form, child_asked="no", child_not_asked_reason=reason)).status_code == 302
    client.post("/sign-out")
    # the Panel Advisor and the Panel Chair see why the child was not asked
    send_papers(client, app, included=all_included("adoption_best_interests"))
    check = open_task(app, "Task_check_papers")
    sign_in(client, "panel-advisor")
    assert "Why the child was not asked " + reason in text(client.get(f"/tasks/{check.id}"))
    client.post("/sign-out")
    complete_as(client, "panel-advisor", app, "Task_check_papers", {"outcome": "adequate"})
    record = open_task(app, "Task_record_recommendation")
    sign_in(client, "panel-chair")
    facts = text(client.get(f"/tasks/{record.id}"))
    assert "Why the child was not asked " + reason in facts
    assert "What the child wants to happen next" not in facts
    client.post("/sign-out")


# ---------------------------------------------------------------- booking after the deadline (issue 12 item 19)

JAN = date(2027, 1, 6)          # papers deadline 17:00 on Friday 11 December 2026 (15 working days before)
LATE_WARNING = ("The papers deadline for the Panel on Wednesday 6 January 2027 was 17:00 on Friday 11 December "
                "2026. Late papers are accepted only if the Panel Advisor agrees special circumstances "
                "(Panels §4 and §5): describe them to ask, or choose a later date.")


@freeze_time(BOOKING_DAY)
def test_booking_a_date_whose_papers_deadline_has_passed_warns_then_waits_for_the_panel_advisor(client, app):
    publish(client)
    with freeze_time(london(2026, 12, 14, 10, 0)):
        response = book(client, app, expect=400, day=JAN)
        assert error_summary(response) == [LATE_WARNING]
        assert page(response).select_one("#late_reason") is not None       # the question to answer is there
        assert bookings(app) == []
        book(client, app, day=JAN, late_reason="The Court brought the final hearing forward to February.")
    assert bookings(app) == [("CIN-0001", "booked", JAN, None)]
    # no papers task that is overdue from the start: the Panel Advisor decides first
    assert open_task(app, "Task_send_papers") is None
    agree = open_task(app, "Task_agree_late_booking")
    assert agree.post == "Panel Advisor"
    sign_in(client, "social-worker")
    assert client.post(f"/tasks/{agree.id}", data={"decision": "accept", "reason": "x"}).status_code in (403, 404)
    client.post("/sign-out")
    with freeze_time(london(2026, 12, 15, 9, 0)):
        sign_in(client, "panel-advisor")
        facts = text(client.get(f"/tasks/{agree.id}"))
        assert "Special circumstances given The Court brought the final hearing forward" in facts
        assert "What the child wants to happen next " + CHILD_WISHES in facts
        missing = client.post(f"/tasks/{agree.id}", data={"decision": "accept", "reason": "Court timetable."})
        assert error_summary(missing) == ["Enter the date the papers are due by"]
        too_late = client.post(f"/tasks/{agree.id}", data={
            "decision": "accept", "reason": "Court timetable.",
            "papers_by-day": "6", "papers_by-month": "1", "papers_by-year": "2027"})
        assert error_summary(too_late) == ["The papers must come before the Panel on Wednesday 6 January 2027: "
                                           "choose an earlier date."]
        agreed = client.post(f"/tasks/{agree.id}", data={
            "decision": "accept", "reason": "Court timetable.",
            "papers_by-day": "23", "papers_by-month": "12", "papers_by-year": "2026"})
        assert agreed.status_code == 302
        client.post("/sign-out")
    papers = open_task(app, "Task_send_papers")
    assert papers.due_at == datetime(2026, 12, 23, 17, 0)
    sign_in(client, "social-worker")
    assert "17:00 on Wednesday 23 December 2026" in text(client.get(f"/tasks/{papers.id}"))
    client.post("/sign-out")
    # sent by the agreed date, the papers are not late
    with freeze_time(london(2026, 12, 22, 9, 0)):
        send_papers(client, app, included=all_included("adoption_best_interests"))
    assert open_task(app, "Task_late_papers") is None and open_task(app, "Task_check_papers") is not None


@freeze_time(BOOKING_DAY)
def test_late_papers_refused_at_booking_move_the_case_to_the_next_date_with_room(client, app):
    publish(client)
    with freeze_time(london(2026, 12, 14, 10, 0)):
        book(client, app, day=JAN, late_reason="Worker returning from leave.")
        complete_as(client, "panel-advisor", app, "Task_agree_late_booking",
                    {"decision": "refuse", "reason": "Cover was available: no special circumstances."})
    assert bookings(app) == [("CIN-0001", "cancelled", JAN, None), ("CIN-0001", "booked", FEB, None)]
    assert places(app, JAN) == 0
    assert open_task(app, "Task_send_papers").due_at == datetime(2027, 1, 13, 17, 0)


@freeze_time(BOOKING_DAY)
def test_the_court_taking_a_held_date_after_its_papers_deadline_goes_to_the_panel_advisor(client, app):
    publish(client)
    book(client, app, "CIN-0001", when="court", in_court=True,
         **{"initial_hearing_date-day": "8", "initial_hearing_date-month": "12",
            "initial_hearing_date-year": "2026"})
    with freeze_time(london(2026, 12, 14, 10, 0)):
        complete_as(client, "social-worker", app, "Task_court_outcome", {"court_decision": "accepted"})
    assert bookings(app) == [("CIN-0001", "booked", JAN, None)]
    assert open_task(app, "Task_send_papers") is None
    assert open_task(app, "Task_agree_late_booking") is not None


# ---------------------------------------------------------------- repairs (issue 12 item 18)

def _move_back(client, app, element_id, reference="CIN-0001", reason="The wrong case type was booked"):
    """The Head of Service moves the case's booking back to a step it has done."""
    with app.app_context():
        instance_id = db.session.scalar(select(ProcessInstance.id).join(Case).where(
            Case.reference == reference, ProcessInstance.process_key == "panel_booking"))
        target = db.session.scalar(select(Task.id).where(
            Task.instance_id == instance_id, Task.element_id == element_id, Task.state == "completed"))
    sign_in(client, "head-of-service")
    response = client.post(f"/manage/instances/{instance_id}/move-back", data={"target": target, "reason": reason})
    client.post("/sign-out")
    assert response.status_code == 302, response.text
    return instance_id


@freeze_time(BOOKING_DAY)
def test_moving_back_to_the_booking_step_releases_the_place_the_reserve_entry_and_the_agenda_row(client, app):
    publish(client)
    fill(client, app, 6)
    book(client, app, "CIN-0001")                                  # February is full: reserve, firm place in March
    assert bookings(app, "CIN-0001") == [("CIN-0001", "reserve", FEB, 1), ("CIN-0001", "booked", MAR, None)]
    instance_id = _move_back(client, app, "Task_book_panel")
    assert bookings(app, "CIN-0001") == [("CIN-0001", "cancelled", FEB, None), ("CIN-0001", "cancelled", MAR, None)]
    assert places(app, MAR) == 0 and places(app, FEB) == 6
    with app.app_context():
        assert db.session.get(AgendaItem, instance_id) is None
        released = db.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action.in_(("panel.released", "agenda.released")))
            .order_by(AuditEvent.id)).all()
        assert [(e.action, e.element_name, e.reason) for e in released] == [
            ("panel.released", "Adoption Panel: Wednesday 3 February 2027", "The wrong case type was booked"),
            ("panel.released", "Adoption Panel: Wednesday 3 March 2027", "The wrong case type was booked"),
            ("agenda.released", "Adoption Panel: 2027-03-03", "The wrong case type was booked")]
    # the unit books again: the case holds one place, and March (now empty) can be cancelled
    task = open_task(app, "Task_book_panel")
    sign_in(client, "consultant-social-worker")
    assert client.post(f"/tasks/{task.id}", data=booking_form(day=APR)).status_code == 302
    client.post("/sign-out")
    assert [b for b in bookings(app, "CIN-0001") if b[1] in ("booked", "reserve", "held")] == [
        ("CIN-0001", "booked", APR, None)]
    with app.app_context():
        assert db.session.get(AgendaItem, instance_id).sitting == APR
    sign_in(client, "panel-manager")
    cancelled = client.post("/panels/adoption/dates/2027-03-03/cancel", data={"cancel_reason": "Chair unwell."})
    assert cancelled.status_code == 302, cancelled.text
    client.post("/sign-out")


@freeze_time(BOOKING_DAY)
def test_moving_back_to_a_step_after_the_booking_keeps_the_place(client, app):
    publish(client)
    book(client, app, "CIN-0001", case_type="adoption_termination")
    send_papers(client, app, included=all_included("adoption_termination"))
    instance_id = _move_back(client, app, "Task_send_papers", reason="The papers went to the wrong Panel Advisor")
    assert bookings(app) == [("CIN-0001", "booked", FEB, None)]
    assert places(app, FEB) == 1
    assert open_task(app, "Task_send_papers") is not None and open_task(app, "Task_check_papers") is None
    with app.app_context():
        assert db.session.get(AgendaItem, instance_id).sitting == FEB
        assert db.session.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action.in_(("panel.released", "agenda.released")))
        ).all() == []


@freeze_time(BOOKING_DAY)
def test_a_manager_cancelling_a_booking_process_frees_its_place_for_the_reserve_list(client, app):
    publish(client)
    book(client, app, "CIN-0001")
    fill(client, app, 5)
    book(client, app, "LAC-0001", "csw-lac")                    # reserve for February, firm place in March
    with app.app_context():
        instance_id = db.session.scalar(select(ProcessInstance.id).join(Case).where(
            Case.reference == "CIN-0001", ProcessInstance.process_key == "panel_booking"))
    sign_in(client, "head-of-service")
    response = client.post(f"/manage/instances/{instance_id}/cancel", data={"reason": "Started for the wrong child"})
    client.post("/sign-out")
    assert response.status_code == 302, response.text
    assert bookings(app, "CIN-0001") == [("CIN-0001", "cancelled", FEB, None)]
    assert bookings(app, "LAC-0001") == [("LAC-0001", "booked", FEB, None), ("LAC-0001", "cancelled", MAR, None)]
    assert places(app, FEB) == 6 and places(app, MAR) == 0
    assert open_task(app, "Task_note_place", "LAC-0001") is not None
    with app.app_context():
        assert db.session.get(AgendaItem, instance_id).status == "cancelled"
