"""The case transfer protocol (004 Section 2 "Case Transfer"; PROCESS-RULES §1)
driven through the web forms as people use it, on SQLite and PostgreSQL.

Dates: unless a test says otherwise the request is made on Tuesday 3 November
2026 at 10:00 (London = UTC in November), so the transfer is due by 17:00 on
Friday 6 November (3 working days, the request day not counted); the proposed
transfer date is Thursday 5 November and the joint visit Monday 2 November.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import Case, ProcessInstance, Task, Timer
from engine.queries import instance_data
from engine.worker import fire_due_timers
from processes import posts, transfer

from ..conftest import error_summary, page, sign_in, text
from .transfer_steps import (
    add_case, add_person, as_db, audit_events, case_id, case_row, complete_as, date_fields,
    london, open_task, request_form, request_transfer, start_transfer, submit, task_rows,
    transfer_instances,
)

CSW = posts.CSW
REQUESTED_AT = london(2026, 11, 3, 10, 0)          # Tuesday
DUE_AT = london(2026, 11, 6, 17, 0)                # Friday, 3 working days later, 17:00
TRANSFER_DATE = date(2026, 11, 5)                  # Thursday
JOINT_VISIT = date(2026, 11, 2)                    # Monday, 3 days before the transfer
OVERRIDE_REASON = "Discussed with both units: the child's circumstances justify it."
MOVES_AT = london(2026, 11, 5, 17, 0)              # the point of transfer: 17:00 on the transfer date


# ------------------------------------------------------------------ helpers

def extra_people(app):
    """Consultant Social Workers for the receiving units the demo data has no one in."""
    add_person(app, "csw-cwd", CSW, unit="CWD Unit 1")
    add_person(app, "csw-lc", CSW, unit="Leaving Care Unit 1")
    add_person(app, "csw-rr", CSW, unit="Rapid Response Unit 1")
    add_person(app, "gm-lc", posts.GROUP_MANAGER, service="Leaving Care")


def both_group_managers_agree(client, app, r):
    """§3.2: the two Group Managers' own tasks for a 15-16 year old straight to Leaving Care."""
    if transfer.needs_gm_agreement(r.route):
        agree = {"agree": "yes", "rationale": "Right for this young person now."}
        complete_as(client, "group-manager", app, "Task_gm_agree_sending", agree, r.reference)
        complete_as(client, "gm-lc", app, "Task_gm_agree_receiving", agree, r.reference)


def conditions_form(facts: dict) -> dict:
    """The conditions as a browser posts them."""
    form = {}
    for name, value in facts.items():
        if value is None:
            continue
        if isinstance(value, date):
            form.update(date_fields(name, value))
        elif isinstance(value, bool):
            form[name] = "yes" if value else "no"
        else:
            form[name] = value
    return form


def question_names(response) -> set[str]:
    """The answers a task page's form asks for (a date's three boxes count once)."""
    # the task's own form (the page may also carry forms to take or allocate the task, or comment)
    form = next((f for f in page(response).select("main form")
                 if any(b.get_text(strip=True) == "Submit" for b in f.select("button"))), None)
    assert form is not None, "the task page has no form"
    names = {re.sub(r"-(day|month|year)$", "", el["name"])
             for el in form.select("input[name], textarea[name], select[name]")
             if el.get("type") != "hidden"}
    return names


def radio_values(response, name) -> list[str]:
    return [el["value"] for el in page(response).select(f"input[type=radio][name={name}]")]


def summary_rows(response) -> dict[str, str]:
    """The summary list at the top of a task or case page."""
    rows = {}
    for row in page(response).select(".govuk-summary-list__row"):
        key, value = row.select_one(".govuk-summary-list__key"), row.select_one(".govuk-summary-list__value")
        rows[key.get_text(" ", strip=True)] = value.get_text(" ", strip=True)
    return rows


def my_task_rows(client, username) -> list[str]:
    sign_in(client, username)
    rows = [r.get_text(" ", strip=True) for r in page(client.get("/")).select("#my-tasks tbody tr")]
    client.post("/sign-out")
    return rows


def case_page(client, app, username, reference):
    sign_in(client, username)
    response = client.get(f"/cases/{case_id(app, reference)}")
    client.post("/sign-out")
    return response


def fire_timers(app) -> int:
    """What the timer worker does once (engine.worker)."""
    with app.app_context():
        fired = fire_due_timers()
        db.session.remove()
    return fired


def reach_point_of_transfer(app, at=MOVES_AT):
    """The timer worker runs just after the point of transfer: the accepted transfer moves the case."""
    with freeze_time(at + timedelta(minutes=1)):
        assert fire_timers(app) == 1


def data_of(app, instance_id) -> dict:
    with app.app_context():
        return instance_data(db.session.get(ProcessInstance, instance_id))


# ------------------------------------------------------------------ routes

@dataclass
class Route:
    """One route, taken by a case in the right service, with conditions that meet its rules."""
    route: str
    reference: str
    sender: str                     # the sending unit's Consultant Social Worker
    receiving_service: str
    receiving_unit: str | None
    receiver: str | None            # the receiving unit's Consultant Social Worker
    good: dict
    now: datetime = REQUESTED_AT
    transfer_date: date = TRANSFER_DATE
    setup: object = None            # extra data the route needs (a case in another service)


def _rr_case(app):
    add_case(app, "RR-0001", "Gina Patel", unit="Rapid Response Unit 1", born=date(2010, 1, 10))


def _incoming_case(app):
    # A case another authority asks us to take, registered by A&A intake.
    add_case(app, "OLA-0001", "Harry Jones", unit="A&A Unit 1", service=transfer.OTHER_LA,
             born=date(2015, 6, 1))


ROUTES = {
    "aa_cin_child_protection": Route(
        "aa_cin_child_protection", "AA-0001", "csw-aa", "CIN", "CIN Unit 1", "consultant-social-worker",
        {"joint_visit_date": JOINT_VISIT, "core_group_date": date(2026, 9, 21),
         "first_review_conference_date": date(2026, 11, 9)}),          # 7 weeks before
    "aa_cin_pre_birth": Route(
        "aa_cin_pre_birth", "AA-0001", "csw-aa", "CIN", "CIN Unit 1", "consultant-social-worker",
        {"joint_visit_date": JOINT_VISIT, "expected_delivery_date": date(2026, 12, 10)}),
    "aa_cin_looked_after": Route(
        "aa_cin_looked_after", "AA-0001", "csw-aa", "CIN", "CIN Unit 1", "consultant-social-worker",
        {"joint_visit_date": JOINT_VISIT, "first_lac_review_date": date(2026, 10, 30),
         "date_of_birth": date(2019, 1, 23)}),
    "aa_cin_court": Route(
        "aa_cin_court", "AA-0001", "csw-aa", "CIN", "CIN Unit 1", "consultant-social-worker",
        {"first_hearing_date": TRANSFER_DATE, "both_services_attend": True}),
    "aa_cin_child_in_need": Route(
        "aa_cin_child_in_need", "AA-0001", "csw-aa", "CIN", "CIN Unit 1", "consultant-social-worker",
        {"joint_visit_date": JOINT_VISIT, "core_assessment_date": date(2026, 10, 28),
         "further_work_recommended": True, "clear_plan": True}),
    "aa_cwd": Route(
        "aa_cwd", "AA-0001", "csw-aa", "CWD", "CWD Unit 1", "csw-cwd",
        {"joint_visit_date": JOINT_VISIT, "child_protection_factors": False}),
    "cin_permanence": Route(
        "cin_permanence", "CIN-0001", "consultant-social-worker", "LAC", "LAC Unit 1", "csw-lac",
        {"joint_visit_date": JOINT_VISIT, "in_court": False, "permanency_plan": "fostering_panel",
         "permanency_plan_date": date(2026, 10, 20), "date_of_birth": date(2014, 3, 2)}),
    "cin_leaving_care_early": Route(
        "cin_leaving_care_early", "CIN-0002", "consultant-social-worker", "Leaving Care",
        "Leaving Care Unit 1", "csw-lc",
        {"joint_visit_date": JOINT_VISIT, "in_court": False, "permanency_plan": "fostering_panel",
         "permanency_plan_date": date(2026, 10, 20), "date_of_birth": date(2011, 7, 19)}),  # 15
    "lac_leaving_care": Route(
        "lac_leaving_care", "LAC-0001", "csw-lac", "Leaving Care", "Leaving Care Unit 1", "csw-lc",
        {"joint_visit_date": JOINT_VISIT, "date_of_birth": date(2009, 5, 30),             # 17
         "young_person_view": "Wants to move to the Leaving Care team after the review.",
         "wants_to_stay_in_lac": False}),
    "into_rapid_response": Route(
        "into_rapid_response", "CIN-0001", "consultant-social-worker", "Rapid Response",
        "Rapid Response Unit 1", "csw-rr",
        {"joint_visit_date": JOINT_VISIT, "risk_of_care_from_family_conflict": True},
        transfer_date=date(2026, 11, 3)),                                # the same day
    "out_of_rapid_response": Route(
        "out_of_rapid_response", "RR-0001", "csw-rr", "LAC", "LAC Unit 1", "csw-lac",
        {"joint_visit_date": JOINT_VISIT, "permanency_plan": "resource_panel",
         "date_of_birth": date(2010, 1, 10)}, setup=_rr_case),
    "to_other_authority": Route(
        "to_other_authority", "CIN-0002", "consultant-social-worker", transfer.OTHER_LA, None, None,
        {"other_authority": "Kent County Council"}),
    "from_other_authority": Route(
        "from_other_authority", "OLA-0001", "referral-manager", "CIN", "CIN Unit 1",
        "consultant-social-worker", {"other_authority": "Kent County Council"}, setup=_incoming_case),
}


def test_every_route_of_the_protocol_is_covered():
    assert set(ROUTES) == set(transfer.ROUTES)


def prepare(app, r: Route):
    extra_people(app)
    if r.setup:
        r.setup(app)


def request_route(client, app, r: Route, **changes):
    form = request_form(r.route, r.receiving_service, changes.pop("transfer_date", r.transfer_date),
                        receiving_unit=changes.pop("receiving_unit", r.receiving_unit))
    form.update(changes)
    return request_transfer(client, app, r.sender, r.reference, form)


# ------------------------------------------------------------------ who may start, who may see

@freeze_time(REQUESTED_AT)
def test_social_worker_cannot_start_a_transfer_but_the_unit_csw_can(client, app):
    sign_in(client, "social-worker")
    response = client.get(f"/cases/{case_id(app, 'CIN-0001')}")
    assert response.status_code == 200
    assert "Request a transfer" not in text(response)
    assert client.post(f"/cases/{case_id(app, 'CIN-0001')}/start/case_transfer").status_code == 403
    client.post("/sign-out")
    assert transfer_instances(app, "CIN-0001") == []

    sign_in(client, "consultant-social-worker")
    assert "Request a transfer" in text(client.get(f"/cases/{case_id(app, 'CIN-0001')}"))
    url = start_transfer(client, app, "CIN-0001")
    assert page(client.get(url)).h1.get_text(strip=True) == "Request a transfer"


@freeze_time(REQUESTED_AT)
def test_another_unit_cannot_see_the_transfer_tasks(client, app):
    r = ROUTES["cin_permanence"]
    request_route(client, app, r)
    conditions = open_task(app, "Task_transfer_conditions", "CIN-0001")
    for outsider in ("csw-lac", "social-worker-lac", "group-manager-lac", "csw-aa"):
        sign_in(client, outsider)
        assert client.get(f"/tasks/{conditions.id}").status_code == 404, outsider
        response = client.post(f"/tasks/{conditions.id}", data=conditions_form(r.good))
        assert response.status_code == 404, outsider
        assert "Record the transfer conditions" not in " ".join(my_task_rows(client, outsider))
        sign_in(client, outsider)
        assert client.get(f"/cases/{case_id(app, 'CIN-0001')}").status_code == 404, outsider
        client.post("/sign-out")
    assert open_task(app, "Task_transfer_conditions", "CIN-0001") is not None


# ------------------------------------------------------------------ every route, end to end

@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_end_to_end_over_http(client, app, route):
    r = ROUTES[route]
    prepare(app, r)
    before = case_row(app, r.reference)
    with freeze_time(r.now):
        request_route(client, app, r)
        complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
        both_group_managers_agree(client, app, r)
        if r.receiver is None:                     # to another local authority: nobody here accepts
            assert open_task(app, "Task_receiving_decision", r.reference) is None
        else:
            decision = open_task(app, "Task_receiving_decision", r.reference)
            assert decision is not None
            assert decision.post == CSW
            assert task_rows(app, r.reference, "Task_receiving_decision")[0]["unit"] == r.receiving_unit
            assert case_row(app, r.reference) == before       # nothing moves before acceptance
            complete_as(client, r.receiver, app, "Task_receiving_decision", {"decision": "accept"},
                        r.reference)
    if r.receiver is not None and route not in transfer.IMMEDIATE:
        assert case_row(app, r.reference) == before       # pending until the point of transfer
        assert transfer_instances(app, r.reference)[0].status == "running"
        reach_point_of_transfer(app)
    instance = transfer_instances(app, r.reference)[0]
    assert instance.status == "complete"
    moved = audit_events(app, r.reference, "case.transferred")
    assert len(moved) == 1
    assert audit_events(app, r.reference, "rule.overridden") == []
    if r.receiver is None:
        assert case_row(app, r.reference) == {"service": transfer.OTHER_LA, "unit": before["unit"]}
        assert "Kent County Council" in moved[0].reason
    else:
        assert case_row(app, r.reference) == {"service": r.receiving_service, "unit": r.receiving_unit}
        assert moved[0].detail == {"from": before,
                                   "to": {"service": r.receiving_service, "unit": r.receiving_unit}}
        assert transfer.ROUTES[route]["label"] in moved[0].reason
        assert "accepted by the receiving unit" in moved[0].reason


@freeze_time(REQUESTED_AT)
def test_completed_transfer_moves_the_case_to_the_new_unit_and_out_of_the_old_one(client, app):
    r = ROUTES["cin_permanence"]
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
    complete_as(client, "csw-lac", app, "Task_receiving_decision", {"decision": "accept"}, r.reference)
    reach_point_of_transfer(app)

    assert case_row(app, "CIN-0001") == {"service": "LAC", "unit": "LAC Unit 1"}
    response = case_page(client, app, "csw-lac", "CIN-0001")
    assert response.status_code == 200
    facts = summary_rows(response)
    assert (facts["Service"], facts["Unit"]) == ("LAC", "LAC Unit 1")
    trail = text(response)
    assert "Case transferred" in trail
    assert "The case has reached its point of transfer." in trail       # the reason, in the trail
    assert case_page(client, app, "social-worker-lac", "CIN-0001").status_code == 200
    # issue 12 item 6: the sending unit is told where the case went and when, not a bare 404;
    # nothing else of the child's record is shown to it
    for old_unit in ("social-worker", "consultant-social-worker"):
        response = case_page(client, app, old_unit, "CIN-0001")
        assert response.status_code == 200, old_unit
        assert page(response).h1.get_text(strip=True) == "This case has been transferred"
        moved = summary_rows(response)
        assert moved["Transferred to"] == "LAC Unit 1 (LAC)"
        assert moved["Transferred on"] == "Thursday 5 November 2026 at 17:01"
        assert "Date of birth" not in moved and "Case transferred" not in text(response)
    # someone who never held the case still gets a plain 404
    assert case_page(client, app, "csw-aa", "CIN-0001").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(ProcessInstance)).one().status == "complete"


# ------------------------------------------------------------------ the form asks what the route needs

@pytest.mark.parametrize("route", list(ROUTES))
def test_conditions_page_asks_only_what_the_route_needs(client, app, route):
    r = ROUTES[route]
    prepare(app, r)
    with freeze_time(r.now):
        request_route(client, app, r)
        task = open_task(app, "Task_transfer_conditions", r.reference)
        sign_in(client, r.sender)
        response = client.get(f"/tasks/{task.id}")
    assert response.status_code == 200
    # The facts the route's rules read, less those the request already gave
    # and the date of birth the case record already holds.
    known = {"request_date", "transfer_date", "destination"}
    with app.app_context():
        if db.session.scalar(select(Case.date_of_birth).filter_by(reference=r.reference)) is not None:
            known.add("date_of_birth")
    needed = set(transfer.ROUTES[route]["fields"]) - known
    assert question_names(response) == needed | {"notes"}


# ------------------------------------------------------------------ due date and overdue

@freeze_time(london(2026, 8, 27, 10, 0))              # Thursday before the August bank holiday
def test_due_three_working_days_after_the_request_across_a_bank_holiday_weekend(client, app):
    # Fri 28 Aug (1), Sat, Sun, Mon 31 Aug bank holiday, Tue 1 Sep (2), Wed 2 Sep (3): 17:00 BST
    due = london(2026, 9, 2, 17, 0)
    request_transfer(client, app, "consultant-social-worker", "CIN-0001",
                     request_form("cin_permanence", "LAC", date(2026, 9, 2)))     # no unit named
    [instance] = transfer_instances(app, "CIN-0001")
    assert instance.due_at == as_db(due)

    def shown_due(username, element_id):
        task = open_task(app, element_id, "CIN-0001")
        assert task.due_at == as_db(due), element_id
        sign_in(client, username)
        response = client.get(f"/tasks/{task.id}")
        client.post("/sign-out")
        return summary_rows(response)["Due"]

    assert shown_due("group-manager-lac", "Task_choose_unit") == "Wednesday 2 September 2026 at 17:00"
    complete_as(client, "group-manager-lac", app, "Task_choose_unit", {"receiving_unit": "LAC Unit 1"},
                "CIN-0001")
    assert shown_due("consultant-social-worker", "Task_transfer_conditions") == "Wednesday 2 September 2026 at 17:00"
    good = dict(ROUTES["cin_permanence"].good, joint_visit_date=date(2026, 9, 1),
                permanency_plan_date=date(2026, 8, 20))
    complete_as(client, "consultant-social-worker", app, "Task_transfer_conditions",
                conditions_form(good), "CIN-0001")
    assert shown_due("csw-lac", "Task_receiving_decision") == "Wednesday 2 September 2026 at 17:00"
    complete_as(client, "csw-lac", app, "Task_receiving_decision",
                {"decision": "disagree", "reason": "The plan is not yet clear to us."}, "CIN-0001")
    assert shown_due("consultant-social-worker", "Task_resolve_disagreement") == "Wednesday 2 September 2026 at 17:00"
    complete_as(client, "consultant-social-worker", app, "Task_resolve_disagreement",
                {**date_fields("discussed_on", date(2026, 8, 28)), "face_to_face": "yes",
                 "resolved": "no", "notes": "We could not agree."}, "CIN-0001")
    assert shown_due("group-manager", "Task_gm_decision") == "Wednesday 2 September 2026 at 17:00"


def test_transfer_tasks_are_overdue_after_the_due_date_for_both_units(client, app):
    r = ROUTES["cin_permanence"]
    with freeze_time(REQUESTED_AT):
        request_route(client, app, r)
    with freeze_time(london(2026, 11, 6, 16, 59)):          # Friday, a minute before the deadline
        [row] = my_task_rows(client, "consultant-social-worker")
        assert "Record the transfer conditions" in row and "Overdue" not in row
    with freeze_time(london(2026, 11, 9, 9, 0)):            # the Monday after
        [row] = my_task_rows(client, "consultant-social-worker")
        assert "Record the transfer conditions" in row and "Overdue 1 working day" in row
        task = open_task(app, "Task_transfer_conditions", "CIN-0001")
        sign_in(client, "consultant-social-worker")
        due = summary_rows(client.get(f"/tasks/{task.id}"))["Due"]
        client.post("/sign-out")
        assert due == "Friday 6 November 2026 at 17:00 Overdue"
        complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
        [row] = my_task_rows(client, "csw-lac")
        assert "Accept the transfer" in row and "CIN-0001" in row and "Overdue 1 working day" in row
        # still the same deadline: 3 working days from the request, not from when the task arrived
        assert open_task(app, "Task_receiving_decision", "CIN-0001").due_at == as_db(DUE_AT)


# ------------------------------------------------------------------ receiving unit

@freeze_time(REQUESTED_AT)
def test_receiving_unit_is_chosen_by_the_receiving_service_group_manager(client, app):
    request_transfer(client, app, "consultant-social-worker", "CIN-0001",
                     request_form("cin_permanence", "LAC", TRANSFER_DATE))           # no unit named
    task = open_task(app, "Task_choose_unit", "CIN-0001")
    assert (task.post, task.service, task.unit_id) == (posts.GROUP_MANAGER, "LAC", None)
    assert any("Choose the receiving unit" in row for row in my_task_rows(client, "group-manager-lac"))
    assert not any("Choose the receiving unit" in row for row in my_task_rows(client, "group-manager"))
    sign_in(client, "group-manager")                       # the sending service's Group Manager
    assert client.post(f"/tasks/{task.id}", data={"receiving_unit": "LAC Unit 1"}).status_code == 403
    client.post("/sign-out")

    complete_as(client, "group-manager-lac", app, "Task_choose_unit", {"receiving_unit": "LAC Unit 1"},
                "CIN-0001")
    complete_as(client, "consultant-social-worker", app, "Task_transfer_conditions",
                conditions_form(ROUTES["cin_permanence"].good), "CIN-0001")
    [decision] = task_rows(app, "CIN-0001", "Task_receiving_decision")
    assert (decision["post"], decision["service"], decision["unit"]) == (CSW, "LAC", "LAC Unit 1")
    complete_as(client, "csw-lac", app, "Task_receiving_decision", {"decision": "accept"}, "CIN-0001")
    reach_point_of_transfer(app)
    assert case_row(app, "CIN-0001") == {"service": "LAC", "unit": "LAC Unit 1"}


@freeze_time(REQUESTED_AT)
def test_group_manager_cannot_choose_a_unit_outside_the_receiving_service(client, app):
    request_transfer(client, app, "consultant-social-worker", "CIN-0001",
                     request_form("cin_permanence", "LAC", TRANSFER_DATE))
    response, _ = submit(client, "group-manager-lac", app, "Task_choose_unit",
                         {"receiving_unit": "CIN Unit 2"}, "CIN-0001")
    assert response.status_code == 400
    assert any("CIN Unit 2" in e for e in error_summary(response)), error_summary(response)
    assert open_task(app, "Task_choose_unit", "CIN-0001") is not None


@freeze_time(REQUESTED_AT)
def test_request_naming_a_unit_outside_the_receiving_service_is_refused(client, app):
    sign_in(client, "consultant-social-worker")
    url = start_transfer(client, app, "CIN-0001")
    response = client.post(url, data=request_form("cin_permanence", "LAC", TRANSFER_DATE,
                                                  receiving_unit="CIN Unit 2"))
    assert response.status_code == 400
    assert any("CIN Unit 2" in e for e in error_summary(response)), error_summary(response)
    assert open_task(app, "Task_transfer_conditions", "CIN-0001") is None


@freeze_time(REQUESTED_AT)
def test_receiving_unit_sees_the_request_and_conditions_on_its_task(client, app):
    r = ROUTES["cin_permanence"]
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions",
                conditions_form(dict(r.good, notes="Carers are expecting the new worker.")), r.reference)
    task = open_task(app, "Task_receiving_decision", r.reference)
    sign_in(client, "csw-lac")
    facts = summary_rows(client.get(f"/tasks/{task.id}"))
    assert facts["Case reference"] == "CIN-0001"
    assert facts["Sending unit"] == "CIN Unit 1"
    assert facts["Route"] == transfer.ROUTES["cin_permanence"]["label"]
    assert facts["Receiving unit"] == "LAC Unit 1"
    assert facts["Reason for the transfer"] == "The case has reached its point of transfer."
    assert facts["Notes from the sending unit"] == "Carers are expecting the new worker."


REFUSAL = "The plan is not approved yet."


def _refuse(client, app, r):
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
    task = open_task(app, "Task_receiving_decision", r.reference)
    sign_in(client, "csw-lac")
    assert radio_values(client.get(f"/tasks/{task.id}"), "decision") == [
        "accept", "missing_information", "disagree", "reject"]
    response = client.post(f"/tasks/{task.id}", data={"decision": "reject"})
    assert response.status_code == 400
    assert "Enter the reasons" in error_summary(response)
    response = client.post(f"/tasks/{task.id}", data={"decision": "reject", "reason": REFUSAL})
    assert response.status_code == 302
    client.post("/sign-out")


@freeze_time(REQUESTED_AT)
def test_a_refusal_goes_back_to_the_sending_csw_who_may_accept_it_and_the_case_stays(client, app):
    r = ROUTES["cin_permanence"]
    _refuse(client, app, r)
    # not a silent end: the sending CSW is told, with the reasons, in a task of their own
    assert transfer_instances(app, "CIN-0001")[0].status == "running"
    [row] = task_rows(app, "CIN-0001", "Task_respond_refusal")
    assert (row["post"], row["unit"], row["due_at"]) == (CSW, "CIN Unit 1", as_db(DUE_AT))
    assert any("Respond to the refusal" in t for t in my_task_rows(client, "consultant-social-worker"))
    assert not any("Respond to the refusal" in t for t in my_task_rows(client, "csw-lac"))
    task = open_task(app, "Task_respond_refusal", "CIN-0001")
    sign_in(client, "consultant-social-worker")
    response = client.get(f"/tasks/{task.id}")
    assert summary_rows(response)["Receiving unit's reasons for refusing"] == REFUSAL
    response = client.post(f"/tasks/{task.id}", data={"response": "accept_refusal"})
    assert response.status_code == 400
    assert "Enter your reasons" in error_summary(response)
    client.post("/sign-out")
    complete_as(client, "consultant-social-worker", app, "Task_respond_refusal",
                {"response": "accept_refusal", "notes": "Agreed: we wait for the panel."}, "CIN-0001")
    [instance] = transfer_instances(app, "CIN-0001")
    assert instance.status == "complete"
    assert instance.summary == f"Case transfer: refused: {REFUSAL}"     # ends "refused", with the reason
    assert case_row(app, "CIN-0001") == {"service": "CIN", "unit": "CIN Unit 1"}
    assert audit_events(app, "CIN-0001", "case.transferred") == []
    done = {e.element_name: e.detail["data"] for e in audit_events(app, "CIN-0001", "task.completed")}
    assert done["Accept the transfer"] == {"decision": "reject", "reason": REFUSAL}
    assert done["Respond to the refusal"]["response"] == "accept_refusal"


@freeze_time(REQUESTED_AT)
def test_a_disputed_refusal_goes_to_the_two_csws_face_to_face(client, app):
    r = ROUTES["cin_permanence"]
    _refuse(client, app, r)
    complete_as(client, "consultant-social-worker", app, "Task_respond_refusal",
                {"response": "dispute", "notes": "The plan was approved on 20 October."}, "CIN-0001")
    task = open_task(app, "Task_resolve_disagreement", "CIN-0001")
    assert task is not None and (task.post, task.service) == (CSW, "CIN")
    complete_as(client, "consultant-social-worker", app, "Task_resolve_disagreement", meeting(False),
                r.reference)
    # unresolved: both Group Managers, each in their own task (§4)
    assert open_task(app, "Task_gm_decision", r.reference) is not None
    assert open_task(app, "Task_gm_decision_receiving", r.reference) is not None


@freeze_time(REQUESTED_AT)
def test_child_in_need_after_a_core_assessment_cannot_be_rejected(client, app):
    r = ROUTES["aa_cin_child_in_need"]
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
    task = open_task(app, "Task_receiving_decision", r.reference)
    sign_in(client, "consultant-social-worker")
    response = client.get(f"/tasks/{task.id}")
    assert radio_values(response, "decision") == ["accept", "missing_information", "disagree"]
    # a forged POST of the hidden option is refused, and nobody may override it
    forged = {"decision": "reject", "reason": "Below our threshold."}
    response = client.post(f"/tasks/{task.id}", data=forged)
    assert response.status_code == 400
    assert error_summary(response) == [
        "A child in need after a core assessment cannot be rejected on threshold or role grounds "
        "(Case Transfer §3.1)."]
    assert page(response).select_one("textarea[name=override_reason]") is None
    response = client.post(f"/tasks/{task.id}", data=dict(forged, override="yes",
                                                           override_reason="We insist."))
    assert response.status_code == 400
    client.post("/sign-out")
    response, _ = submit(client, "group-manager", app, "Task_receiving_decision",
                         dict(forged, override="yes", override_reason="Group Manager insists."), "AA-0001")
    assert response.status_code == 400
    assert open_task(app, "Task_receiving_decision", "AA-0001") is not None
    assert audit_events(app, "AA-0001", "rule.overridden") == []


# ------------------------------------------------------------------ route rules and overrides

@dataclass
class Rule:
    route: str
    changes: dict                   # to the route's good conditions (None removes an answer)
    problem: str
    request: dict = field(default_factory=dict)   # changes to the request (transfer date)
    now: datetime | None = None


RULES = {
    "joint visit more than 7 days before the transfer": Rule(
        "cin_permanence", {"joint_visit_date": date(2026, 10, 26)},
        "The joint visit must be within the 7 days before the transfer date "
        "(it was on 26 October, 10 days before)."),
    "no joint visit": Rule(
        "aa_cin_child_in_need", {"joint_visit_date": None},
        "The joint visit by the sending and receiving services is not recorded."),
    "transfer more than 3 working days after the request": Rule(
        "cin_permanence", {"joint_visit_date": date(2026, 11, 9)},
        "The transfer must take place within 3 working days of the request (requested on "
        "3 November, due by 6 November; the transfer date 10 November is 4 days late).",
        request={"transfer_date": date(2026, 11, 10)}),
    "child protection: core group less than 6 weeks before the review conference": Rule(
        "aa_cin_child_protection", {"core_group_date": date(2026, 10, 12)},
        "The receiving unit must attend a Core Group at least 6 weeks before the first Review CP "
        "Conference on 9 November (the Core Group on 12 October is 4 weeks before)."),
    "pre-birth: within 4 weeks of the due date A&A keeps the case until the initial hearing": Rule(
        "aa_cin_pre_birth", {"expected_delivery_date": date(2026, 11, 24)},
        "Requested within 4 weeks of the expected delivery date (24 November): A&A keeps the case "
        "until the initial hearing, which is not recorded."),
    "pre-birth: more than 8 weeks before the due date": Rule(
        "aa_cin_pre_birth", {"expected_delivery_date": date(2027, 1, 14)},
        "A pre-birth case transfers within the 8 weeks before the expected delivery date of "
        "14 January 2027, from 19 November (the transfer date 5 November is 10 weeks before)."),
    "court: both services at the first hearing": Rule(
        "aa_cin_court", {"both_services_attend": False},
        "Staff from the units of both services (A&A and CIN) must attend the First Hearing."),
    "court: transfer at the first hearing": Rule(
        "aa_cin_court", {"first_hearing_date": date(2026, 11, 4)},
        "A case in court transfers at the First Hearing on 4 November (the transfer date is 5 November)."),
    "looked after: after the first LAC review": Rule(
        "aa_cin_looked_after", {"first_lac_review_date": date(2026, 11, 6)},
        "The case transfers after the first looked after review on 6 November "
        "(the transfer date is 5 November)."),
    "child in need: a clear plan": Rule(
        "aa_cin_child_in_need", {"clear_plan": False}, "The case must transfer with a clear plan."),
    "CWD: child protection factors": Rule(
        "aa_cwd", {"child_protection_factors": True},
        "There are child protection factors: a Consultant Social Worker in CIN takes case "
        "responsibility (CWD may work jointly by agreement between Group Managers); name the CIN unit."),
    "CIN to LAC: no permanency plan": Rule(
        "cin_permanence", {"permanency_plan": None},
        "A case not in court needs its permanency plan approved at the Fostering or Adoption Panel "
        "(none is recorded)."),
    "CIN to LAC: before the panel approval": Rule(
        "cin_permanence", {"permanency_plan_date": date(2026, 11, 12)},
        "The transfer cannot come before the panel approval on 12 November "
        "(the transfer date is 5 November)."),
    "CIN straight to Leaving Care: after the panel approval": Rule(
        "cin_leaving_care_early", {"permanency_plan_date": date(2026, 11, 12)},
        "The transfer cannot come before the panel approval on 12 November "
        "(the transfer date is 5 November)."),
    "LAC to Leaving Care: before the 16th birthday": Rule(
        "lac_leaving_care", {"date_of_birth": date(2009, 5, 30), "joint_visit_date": date(2025, 3, 4)},
        "A young person moves from LAC to Leaving Care on or after their 16th birthday "
        "(the young person is 16 on 30 May; the transfer date is 5 March).",
        request={"transfer_date": date(2025, 3, 5)}, now=london(2025, 3, 3, 10, 0)),
    "LAC to Leaving Care: not during GCSEs": Rule(
        "lac_leaving_care", {"joint_visit_date": date(2026, 6, 2), "exams_finished": False},
        "The transfer date 3 June falls in the GCSE exam period (May-June) and the young person's "
        "exams are not recorded as finished.",
        request={"transfer_date": date(2026, 6, 3)}, now=london(2026, 6, 1, 10, 0)),
    "LAC to Leaving Care: the young person's view": Rule(
        "lac_leaving_care", {"young_person_view": None},
        "The young person's view of the transfer is not recorded."),
    "into Rapid Response: the same day": Rule(
        "into_rapid_response", {},
        "A case is allocated to Rapid Response immediately, on the day of the request "
        "(3 November; the transfer date is 4 November).",
        request={"transfer_date": date(2026, 11, 4)}),
    "out of Rapid Response to LAC: a Resource Panel plan": Rule(
        "out_of_rapid_response", {"permanency_plan": "fostering_panel"},
        "A transfer from Rapid Response to LAC needs a permanency plan approved by the Children's "
        "Resource Panel (recorded: approval at the Fostering Panel)."),
    "to another authority: named": Rule(
        "to_other_authority", {"other_authority": None}, "The other local authority is not named."),
}

# Who holds the route's deciding post for each sending unit (transfer.ROUTES "decider").
DECIDERS = {("consultant-social-worker", CSW): "consultant-social-worker",
            ("consultant-social-worker", posts.GROUP_MANAGER): "group-manager",
            ("csw-aa", CSW): "csw-aa", ("csw-lac", CSW): "csw-lac", ("csw-rr", CSW): "csw-rr"}


@pytest.mark.parametrize("rule", list(RULES))
def test_route_rule_is_refused_in_plain_words_and_the_deciding_post_may_override_it(client, app, rule):
    spec = RULES[rule]
    r = ROUTES[spec.route]
    prepare(app, r)
    facts = {k: v for k, v in {**r.good, **spec.changes}.items() if v is not None}
    decider_post = transfer.ROUTES[spec.route]["decider"]
    decider = DECIDERS[(r.sender, decider_post)]
    with freeze_time(spec.now or r.now):
        request_route(client, app, r, **spec.request)
        response, task = submit(client, r.sender, app, "Task_transfer_conditions",
                                conditions_form(facts), r.reference)
        assert response.status_code == 400
        assert error_summary(response) == [spec.problem]
        # the override is offered to the deciding post (or higher) only
        offered = page(response).select_one("textarea[name=override_reason]") is not None
        assert offered == posts.outranks(posts.CSW, decider_post)
        # an override needs a reason
        response, _ = submit(client, decider, app, "Task_transfer_conditions",
                             dict(conditions_form(facts), override="yes", override_reason=" "),
                             r.reference)
        assert response.status_code == 400
        assert "Enter the reason for overriding the rule" in error_summary(response)
        response, _ = submit(client, decider, app, "Task_transfer_conditions",
                             dict(conditions_form(facts), override="yes", override_reason=OVERRIDE_REASON),
                             r.reference)
        assert response.status_code == 302, error_summary(response)
    [event] = audit_events(app, r.reference, "rule.overridden")
    assert event.reason == OVERRIDE_REASON
    assert event.detail == {"rules": [spec.problem]}
    assert event.element_name == "Record the transfer conditions"
    trail = text(case_page(client, app, r.sender, r.reference))
    assert "Rule overridden: Record the transfer conditions" in trail
    assert OVERRIDE_REASON in trail
    # the transfer went on
    if transfer.needs_gm_agreement(r.route):
        assert open_task(app, "Task_gm_agree_sending", r.reference) is not None
    elif r.receiver:
        assert open_task(app, "Task_receiving_decision", r.reference) is not None


@freeze_time(REQUESTED_AT)
def test_a_csw_cannot_override_what_the_group_managers_decide(client, app):
    """§3.2: a move straight to Leaving Care at 15 is agreed between Group Managers
    (transfer.ROUTES decider): the sending CSW cannot override it, even by forging the form."""
    r = ROUTES["cin_leaving_care_early"]
    prepare(app, r)
    request_route(client, app, r)
    facts = conditions_form(dict(r.good, permanency_plan_date=date(2026, 11, 12)))   # after the transfer
    response, _ = submit(client, "consultant-social-worker", app, "Task_transfer_conditions",
                         dict(facts, override="yes", override_reason="The Group Managers said so by phone."),
                         "CIN-0002")
    assert response.status_code == 400
    assert page(response).select_one("textarea[name=override_reason]") is None
    assert audit_events(app, "CIN-0002", "rule.overridden") == []
    complete_as(client, "group-manager", app, "Task_transfer_conditions",
                dict(facts, override="yes", override_reason="Agreed with the Leaving Care Group Manager."),
                "CIN-0002")
    [event] = audit_events(app, "CIN-0002", "rule.overridden")
    assert event.actor_name == "Demo Group Manager"


@freeze_time(REQUESTED_AT)
def test_request_for_a_route_from_another_service_needs_a_group_manager_override(client, app):
    sign_in(client, "consultant-social-worker")
    url = start_transfer(client, app, "CIN-0001")
    form = request_form("aa_cin_court", "CIN", TRANSFER_DATE, receiving_unit="CIN Unit 2")
    response = client.post(url, data=form)
    assert response.status_code == 400
    assert error_summary(response) == [
        "This route is for cases in A&A; this case is in CIN (Case Transfer §3)."]
    assert page(response).select_one("textarea[name=override_reason]") is None
    client.post("/sign-out")
    sign_in(client, "group-manager")
    response = client.post(url, data=dict(form, override="yes", override_reason="Court directed it."))
    assert response.status_code == 302
    [event] = audit_events(app, "CIN-0001", "rule.overridden")
    assert (event.reason, event.element_name) == ("Court directed it.", "Request a transfer")


# ------------------------------------------------------------------ missing information: 24-hour hold

def _to_receiving_decision(client, app, r):
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)


MISSING = "The latest core assessment and the chronology."


def test_missing_information_supplied_within_24_hours_returns_to_the_receiving_unit(client, app):
    r = ROUTES["cin_permanence"]
    with freeze_time(REQUESTED_AT):
        _to_receiving_decision(client, app, r)
    with freeze_time(london(2026, 11, 3, 11, 0)):
        response, _ = submit(client, "csw-lac", app, "Task_receiving_decision",
                             {"decision": "missing_information"}, r.reference)
        assert response.status_code == 400
        assert "Enter what is missing from the case file" in error_summary(response)
        complete_as(client, "csw-lac", app, "Task_receiving_decision",
                    {"decision": "missing_information", "missing_items": MISSING}, r.reference)
    [row] = task_rows(app, r.reference, "Task_supply_information")
    assert (row["post"], row["unit"]) == (CSW, "CIN Unit 1")                   # the sending CSW
    assert row["due_at"] == as_db(london(2026, 11, 4, 11, 0))                # 24 hours
    assert any("Supply the missing information" in row for row in
               my_task_rows(client, "consultant-social-worker"))
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}

    with freeze_time(london(2026, 11, 4, 9, 0)):
        assert fire_timers(app) == 0
        complete_as(client, "consultant-social-worker", app, "Task_supply_information",
                    {"supplied": "Uploaded both to the case record today."}, r.reference)
        assert fire_timers(app) == 0
    decisions = task_rows(app, r.reference, "Task_receiving_decision")
    assert sorted(d["state"] for d in decisions) == ["completed", "ready"]
    task = open_task(app, "Task_receiving_decision", r.reference)
    assert task.due_at == as_db(DUE_AT)
    sign_in(client, "csw-lac")
    response = client.get(f"/tasks/{task.id}")
    # the hold is used: it cannot be asked for again, not even by a forged POST
    assert radio_values(response, "decision") == ["accept", "disagree", "reject"]
    supplied_facts = summary_rows(response)
    response = client.post(f"/tasks/{task.id}", data={"decision": "missing_information",
                                                     "missing_items": "More."})
    assert response.status_code == 400
    assert error_summary(response) == [
        "Missing information can hold a transfer only once, for at most 24 hours (Case Transfer §2.3); "
        "it has already been held."]
    client.post("/sign-out")
    with freeze_time(london(2026, 11, 4, 10, 0)):
        complete_as(client, "csw-lac", app, "Task_receiving_decision", {"decision": "accept"}, r.reference)
    reach_point_of_transfer(app)
    assert case_row(app, r.reference) == {"service": "LAC", "unit": "LAC Unit 1"}
    with app.app_context():
        assert db.session.scalar(select(Timer).where(Timer.fired_at.is_(None))) is None
    # the receiving unit was shown what the sending unit supplied
    assert supplied_facts.get("Information supplied") == "Uploaded both to the case record today."


def test_missing_information_not_supplied_in_24_hours_the_transfer_goes_on_and_the_gap_is_recorded(
        client, app):
    r = ROUTES["cin_permanence"]
    with freeze_time(REQUESTED_AT):
        _to_receiving_decision(client, app, r)
    with freeze_time(london(2026, 11, 3, 11, 0)):
        complete_as(client, "csw-lac", app, "Task_receiving_decision",
                    {"decision": "missing_information", "missing_items": MISSING}, r.reference)
    [instance] = transfer_instances(app, r.reference)
    with freeze_time(london(2026, 11, 4, 10, 59)):          # 23h59: still held
        assert fire_timers(app) == 0
        assert open_task(app, "Task_supply_information", r.reference) is not None
    with freeze_time(london(2026, 11, 4, 11, 1)):           # 24h01: the hold is over
        assert fire_timers(app) == 1
    [supply] = task_rows(app, r.reference, "Task_supply_information")
    assert supply["state"] == "cancelled"
    task = open_task(app, "Task_receiving_decision", r.reference)
    assert task is not None and task.due_at == as_db(DUE_AT)
    data = data_of(app, instance.id)
    assert data["gaps"] == [MISSING]
    assert data["hold_note"] == ("Held 24 hours for missing information; proceeded without it "
                                 "(Case Transfer §2.3).")
    assert len(audit_events(app, r.reference, "timer.fired")) == 1
    with freeze_time(london(2026, 11, 4, 11, 5)):
        sign_in(client, "csw-lac")
        response = client.get(f"/tasks/{task.id}")
        assert radio_values(response, "decision") == ["accept", "disagree", "reject"]
        facts = summary_rows(response)
        client.post("/sign-out")
        complete_as(client, "csw-lac", app, "Task_receiving_decision", {"decision": "accept"}, r.reference)
    reach_point_of_transfer(app)
    assert case_row(app, r.reference) == {"service": "LAC", "unit": "LAC Unit 1"}
    [moved] = audit_events(app, r.reference, "case.transferred")
    assert moved.reason.endswith(f"Proceeded without: {MISSING} (Case Transfer §2.3).")
    trail = text(case_page(client, app, "csw-lac", r.reference))
    assert f"Proceeded without: {MISSING}" in trail
    # the receiving unit was shown the gap and the hold before it decided
    assert facts.get("Information still missing") == MISSING
    assert facts.get("Hold") == data["hold_note"]


# ------------------------------------------------------------------ disagreement

def _disagree(client, app, r):
    _to_receiving_decision(client, app, r)
    complete_as(client, "csw-lac", app, "Task_receiving_decision",
                {"decision": "disagree", "reason": "We think the plan needs the Final Hearing first."},
                r.reference)
    task = open_task(app, "Task_resolve_disagreement", r.reference)
    assert (task.post, task.service) == (CSW, "CIN")
    assert task_rows(app, r.reference, "Task_resolve_disagreement")[0]["unit"] == "CIN Unit 1"


def meeting(resolved, outcome=None, face_to_face=True):
    form = {**date_fields("discussed_on", date(2026, 11, 4)), "face_to_face": "yes" if face_to_face else "no",
            "resolved": "yes" if resolved else "no", "notes": "Met at the CIN office with both CSWs."}
    if outcome:
        form["outcome"] = outcome
    return form


@freeze_time(REQUESTED_AT)
def test_disagreement_resolved_face_to_face_lets_the_transfer_go_ahead(client, app):
    r = ROUTES["cin_permanence"]
    _disagree(client, app, r)
    response, _ = submit(client, "consultant-social-worker", app, "Task_resolve_disagreement",
                         meeting(True), r.reference)
    assert response.status_code == 400
    assert "Select what you agreed" in error_summary(response)
    complete_as(client, "consultant-social-worker", app, "Task_resolve_disagreement",
                meeting(True, "proceed"), r.reference)
    assert open_task(app, "Task_gm_decision", r.reference) is None
    reach_point_of_transfer(app)
    assert case_row(app, r.reference) == {"service": "LAC", "unit": "LAC Unit 1"}
    [moved] = audit_events(app, r.reference, "case.transferred")
    assert "agreed face to face by the two Consultant Social Workers" in moved.reason


@freeze_time(REQUESTED_AT)
def test_disagreement_resolved_face_to_face_may_keep_the_case_with_the_sending_unit(client, app):
    r = ROUTES["cin_permanence"]
    _disagree(client, app, r)
    complete_as(client, "consultant-social-worker", app, "Task_resolve_disagreement",
                meeting(True, "do_not_proceed"), r.reference)
    assert transfer_instances(app, r.reference)[0].status == "complete"
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}
    assert audit_events(app, r.reference, "case.transferred") == []


@freeze_time(REQUESTED_AT)
def test_disagreement_must_be_met_face_to_face_unless_a_group_manager_overrides(client, app):
    r = ROUTES["cin_permanence"]
    _disagree(client, app, r)
    form = meeting(True, "proceed", face_to_face=False)
    response, _ = submit(client, "consultant-social-worker", app, "Task_resolve_disagreement", form,
                         r.reference)
    assert response.status_code == 400
    assert error_summary(response) == [
        "The two Consultant Social Workers must meet face to face, not by e-mail (Case Transfer §4)."]
    assert page(response).select_one("textarea[name=override_reason]") is None
    complete_as(client, "group-manager", app, "Task_resolve_disagreement",
                dict(form, override="yes", override_reason="Receiving CSW off sick; agreed by phone."),
                r.reference)
    [event] = audit_events(app, r.reference, "rule.overridden")
    assert event.reason == "Receiving CSW off sick; agreed by phone."


def gm_view(decision, rationale="Discussed with the other Group Manager."):
    return {"decision": decision, "rationale": rationale}


def _to_group_managers(client, app, r):
    _disagree(client, app, r)
    complete_as(client, "consultant-social-worker", app, "Task_resolve_disagreement", meeting(False),
                r.reference)


@freeze_time(REQUESTED_AT)
def test_unresolved_disagreement_goes_to_both_group_managers_each_for_their_own_service(client, app):
    r = ROUTES["cin_permanence"]
    _to_group_managers(client, app, r)
    sending = open_task(app, "Task_gm_decision", r.reference)
    receiving = open_task(app, "Task_gm_decision_receiving", r.reference)
    assert (sending.post, sending.service, sending.unit_id) == (posts.GROUP_MANAGER, "CIN", None)
    assert (receiving.post, receiving.service, receiving.unit_id) == (posts.GROUP_MANAGER, "LAC", None)
    assert sending.due_at == receiving.due_at == as_db(DUE_AT)
    mine = my_task_rows(client, "group-manager")
    assert any("sending service" in t for t in mine) and not any("receiving service" in t for t in mine)
    assert any("receiving service" in t for t in my_task_rows(client, "group-manager-lac"))
    assert not any("sending service" in t for t in my_task_rows(client, "group-manager-lac"))
    assert not any("Group Managers decide" in row for row in my_task_rows(client, "consultant-social-worker"))
    # each Group Manager only their own service's task
    response, _ = submit(client, "group-manager", app, "Task_gm_decision_receiving", gm_view("proceed"),
                         r.reference)
    assert response.status_code in (403, 404)
    response, _ = submit(client, "consultant-social-worker", app, "Task_gm_decision", gm_view("proceed"),
                         r.reference)
    assert response.status_code == 403
    complete_as(client, "group-manager", app, "Task_gm_decision",
                gm_view("proceed", "The panel approved the plan; LAC takes the case."), r.reference)
    assert transfer_instances(app, r.reference)[0].status == "running"   # not final until both agree
    complete_as(client, "group-manager-lac", app, "Task_gm_decision_receiving",
                gm_view("proceed", "Agreed: LAC takes the case."), r.reference)
    reach_point_of_transfer(app)
    assert case_row(app, r.reference) == {"service": "LAC", "unit": "LAC Unit 1"}
    [moved] = audit_events(app, r.reference, "case.transferred")
    assert "decided by both Group Managers" in moved.reason
    done = {e.element_name: (e.actor_name, e.detail["data"])
            for e in audit_events(app, r.reference, "task.completed")}
    assert done["Group Managers decide: sending service"] == (
        "Demo Group Manager", gm_view("proceed", "The panel approved the plan; LAC takes the case."))
    assert done["Group Managers decide: receiving service"][1] == gm_view("proceed", "Agreed: LAC takes the case.")


@freeze_time(REQUESTED_AT)
def test_both_group_managers_deciding_the_case_stays_is_final(client, app):
    r = ROUTES["cin_permanence"]
    _to_group_managers(client, app, r)
    complete_as(client, "group-manager", app, "Task_gm_decision", gm_view("do_not_proceed"), r.reference)
    complete_as(client, "group-manager-lac", app, "Task_gm_decision_receiving", gm_view("do_not_proceed"),
                r.reference)
    [instance] = transfer_instances(app, r.reference)
    assert instance.status == "complete"
    with app.app_context():
        assert db.session.scalars(select(Task).where(Task.state == "ready")).all() == []
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}
    assert audit_events(app, r.reference, "case.transferred") == []
    trail = text(case_page(client, app, "group-manager", r.reference))
    assert "Task completed: Group Managers decide: sending service" in trail


@freeze_time(REQUESTED_AT)
def test_group_managers_who_differ_leave_it_to_a_head_of_service(client, app):
    r = ROUTES["cin_permanence"]
    _to_group_managers(client, app, r)
    complete_as(client, "group-manager", app, "Task_gm_decision", gm_view("proceed"), r.reference)
    complete_as(client, "group-manager-lac", app, "Task_gm_decision_receiving",
                gm_view("do_not_proceed", "LAC cannot hold it before the Final Hearing."), r.reference)
    task = open_task(app, "Task_hos_decision", r.reference)
    assert (task.post, task.service) == (posts.HEAD_OF_SERVICE, "CIN")
    sign_in(client, "head-of-service")
    facts = summary_rows(client.get(f"/tasks/{task.id}"))
    client.post("/sign-out")
    assert facts["Receiving Group Manager's reasons"] == "LAC cannot hold it before the Final Hearing."
    assert facts["Sending Group Manager's decision"] == "The transfer goes ahead"
    response, _ = submit(client, "group-manager", app, "Task_hos_decision",
                         gm_view("proceed", "I decide."), r.reference)
    assert response.status_code == 403
    complete_as(client, "head-of-service", app, "Task_hos_decision",
                gm_view("proceed", "Head of Service decision after review."), r.reference)
    reach_point_of_transfer(app)
    assert case_row(app, r.reference) == {"service": "LAC", "unit": "LAC Unit 1"}
    [moved] = audit_events(app, r.reference, "case.transferred")
    assert "decided by the Head of Service" in moved.reason
    [done] = [e for e in audit_events(app, r.reference, "task.completed")
              if e.element_name == "Head of Service decides the transfer"]
    assert done.actor_name == "Demo Head of Service"


# ------------------------------------------------------------------ Rapid Response

def test_into_rapid_response_starts_the_four_month_review(client, app):
    r = ROUTES["into_rapid_response"]
    prepare(app, r)
    with freeze_time(REQUESTED_AT):
        request_route(client, app, r)
        complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
        complete_as(client, "csw-rr", app, "Task_receiving_decision", {"decision": "accept"}, r.reference)
    assert case_row(app, "CIN-0001") == {"service": "Rapid Response", "unit": "Rapid Response Unit 1"}
    [review] = transfer_instances(app, "CIN-0001", "rapid_response_review")
    assert review.status == "running"
    assert review.due_at == as_db(london(2027, 5, 3, 17, 0))            # 6 months: overdue after
    with app.app_context():
        [timer] = db.session.scalars(select(Timer).where(Timer.instance_id == review.id)).all()
        assert timer.fire_at == as_db(london(2027, 3, 3, 9, 0))          # 4 months, 09:00
    with freeze_time(london(2027, 3, 3, 8, 59)):
        assert fire_timers(app) == 0
    assert open_task(app, "Task_rr_decide", "CIN-0001") is None
    with freeze_time(london(2027, 3, 3, 9, 1)):
        assert fire_timers(app) == 1
        task = open_task(app, "Task_rr_decide", "CIN-0001")
        assert task is not None
        assert (task.post, task.due_at) == (CSW, as_db(london(2027, 5, 3, 17, 0)))
        assert task_rows(app, "CIN-0001", "Task_rr_decide")[0]["unit"] == "Rapid Response Unit 1"
        assert any("Decide the next step for this Rapid Response case" in row
                   for row in my_task_rows(client, "csw-rr"))
        # to LAC only with a permanency plan approved by the Children's Resource Panel (§3.4)
        response, _ = submit(client, "csw-rr", app, "Task_rr_decide",
                             {"outcome": "transfer_lac", "child_at_home": "no", "child_asked": "no",
                     "child_not_asked_reason": "Too upset to talk about it today.",
                              "resource_panel_plan": "no", "notes": "Not safe at home."}, "CIN-0001")
        assert response.status_code == 400
        assert error_summary(response) == [
            "A transfer from Rapid Response to LAC or Leaving Care needs a permanency plan approved by "
            "the Children's Resource Panel (Case Transfer §3.4)."]
        assert page(response).select_one("textarea[name=override_reason]") is None
        complete_as(client, "csw-rr", app, "Task_rr_decide",
                    {"outcome": "transfer_cin", "child_at_home": "no", "child_asked": "no",
                     "child_not_asked_reason": "Too upset to talk about it today.",
                     "notes": "Conflict unresolved; child with grandparents."}, "CIN-0001")
    # a new transfer out of Rapid Response waits for the unit to request it
    instances = transfer_instances(app, "CIN-0001")
    assert [i.status for i in instances] == ["complete", "running"]
    request = open_task(app, "Task_request_transfer", "CIN-0001")
    assert request is not None
    assert task_rows(app, "CIN-0001", "Task_request_transfer")[-1]["unit"] == "Rapid Response Unit 1"
    # the child's voice recorded at the Rapid Response decision (issue 12 item 21) is on the request
    sign_in(client, "csw-rr")
    facts = summary_rows(client.get(f"/tasks/{request.id}"))
    client.post("/sign-out")
    assert facts["Why the child was not asked"] == "Too upset to talk about it today."


def test_the_rapid_response_decision_asks_for_the_childs_wishes(client, app):
    r = ROUTES["into_rapid_response"]
    prepare(app, r)
    with freeze_time(REQUESTED_AT):
        request_route(client, app, r)
        complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
        complete_as(client, "csw-rr", app, "Task_receiving_decision", {"decision": "accept"}, r.reference)
    with freeze_time(london(2027, 3, 3, 9, 1)):
        assert fire_timers(app) == 1
        decision = {"outcome": "continue", "notes": "Good progress; two more months."}
        response, _ = submit(client, "csw-rr", app, "Task_rr_decide", decision, "CIN-0001")
        assert response.status_code == 400
        assert "Select whether the child was asked what they want to happen next" in error_summary(response)
        response, _ = submit(client, "csw-rr", app, "Task_rr_decide", dict(decision, child_asked="yes"), "CIN-0001")
        assert error_summary(response) == ["Enter what the child wants to happen next"]
        complete_as(client, "csw-rr", app, "Task_rr_decide",
                    dict(decision, child_asked="yes", child_wishes="To stay at home with mum."), "CIN-0001")
        # deciding again, the worker sees what the child said last time
        task = open_task(app, "Task_rr_decide", "CIN-0001")
        sign_in(client, "csw-rr")
        facts = summary_rows(client.get(f"/tasks/{task.id}"))
    assert facts["What the child wants to happen next"] == "To stay at home with mum."


# ------------------------------------------------------------------ other local authorities

@freeze_time(REQUESTED_AT)
def test_transfer_to_another_local_authority_is_decided_by_the_csw(client, app):
    request_transfer(client, app, "consultant-social-worker", "CIN-0002",
                     request_form("to_other_authority", transfer.OTHER_LA, TRANSFER_DATE))
    assert open_task(app, "Task_choose_unit", "CIN-0002") is None        # no unit to choose
    task = open_task(app, "Task_transfer_conditions", "CIN-0002")
    sign_in(client, "consultant-social-worker")
    assert question_names(client.get(f"/tasks/{task.id}")) == {"other_authority", "notes"}
    client.post("/sign-out")
    complete_as(client, "consultant-social-worker", app, "Task_transfer_conditions",
                {"other_authority": "Kent County Council"}, "CIN-0002")
    assert transfer_instances(app, "CIN-0002")[0].status == "complete"
    assert task_rows(app, "CIN-0002", "Task_receiving_decision") == []
    assert case_row(app, "CIN-0002")["service"] == transfer.OTHER_LA
    [moved] = audit_events(app, "CIN-0002", "case.transferred")
    assert moved.reason.startswith("Transferred to Kent County Council")
    assert moved.detail["to"] == {"service": transfer.OTHER_LA, "unit": None}


@freeze_time(REQUESTED_AT)
def test_acceptance_from_another_local_authority(client, app):
    _incoming_case(app)
    request_transfer(client, app, "referral-manager", "OLA-0001",
                     request_form("from_other_authority", "CIN", TRANSFER_DATE, receiving_unit="CIN Unit 1"))
    complete_as(client, "referral-manager", app, "Task_transfer_conditions",
                {"other_authority": "Kent County Council"}, "OLA-0001")
    complete_as(client, "consultant-social-worker", app, "Task_receiving_decision", {"decision": "accept"},
                "OLA-0001")
    reach_point_of_transfer(app)
    assert case_row(app, "OLA-0001") == {"service": "CIN", "unit": "CIN Unit 1"}
    response = case_page(client, app, "social-worker", "OLA-0001")
    assert response.status_code == 200
    assert summary_rows(response)["Service"] == "CIN"


# ------------------------------------------------------------------ bad input

BAD_REQUESTS = {
    "nothing": ({}, ["Select which kind of transfer this is",
                     "Select the service that will take the case",
                     "Enter the proposed transfer date", "Enter why the case should transfer now",
                     "Select whether the child was asked what they want to happen next"]),
    "not a real date": (
        {**request_form("cin_permanence", "LAC", None), **{"transfer_date-day": "31",
                                                           "transfer_date-month": "2",
                                                           "transfer_date-year": "2026"}},
        ["‘Proposed transfer date’ must be a real date"]),
    "letters for a date": (
        {**request_form("cin_permanence", "LAC", None), **{"transfer_date-day": "fifth",
                                                           "transfer_date-month": "11",
                                                           "transfer_date-year": "2026"}},
        ["‘Proposed transfer date’ must be a real date"]),
    "unknown route": (request_form("no_such_route", "LAC", TRANSFER_DATE),
                      ["Select a valid option for ‘Which kind of transfer is this?’"]),
    "unknown service": (request_form("cin_permanence", "Narnia", TRANSFER_DATE),
                        ["Select a valid option for ‘Which service will take the case?’"]),
    "unknown unit": (request_form("cin_permanence", "LAC", TRANSFER_DATE, receiving_unit="LAC Unit 9"),
                     ["Select a unit from the list for ‘Which unit will take the case?’"]),
    "blank reason": (request_form("cin_permanence", "LAC", TRANSFER_DATE, reason="   "),
                     ["Enter why the case should transfer now"]),
}


@pytest.mark.parametrize("bad", list(BAD_REQUESTS))
@freeze_time(REQUESTED_AT)
def test_bad_request_input_gets_a_clear_message(client, app, bad):
    form, messages = BAD_REQUESTS[bad]
    sign_in(client, "consultant-social-worker")
    url = start_transfer(client, app, "CIN-0001")
    response = client.post(url, data=form)
    assert response.status_code == 400
    assert error_summary(response) == messages
    assert open_task(app, "Task_request_transfer", "CIN-0001") is not None


BAD_CONDITIONS = {
    "date of birth in the year 9999": (
        "lac_leaving_care", date_fields("date_of_birth", date(9999, 12, 31))),
    "expected delivery date in the year 1": (
        "aa_cin_pre_birth", date_fields("expected_delivery_date", date(1, 1, 5))),
    "30 February": (
        "aa_cin_child_protection", {"core_group_date-day": "30", "core_group_date-month": "2",
                                    "core_group_date-year": "2026"}),
}


@pytest.mark.parametrize("bad", list(BAD_CONDITIONS))
@freeze_time(REQUESTED_AT)
def test_bad_conditions_input_gets_a_clear_message_never_a_server_error(client, app, bad):
    route, answers = BAD_CONDITIONS[bad]
    r = ROUTES[route]
    prepare(app, r)
    request_route(client, app, r)
    response, _ = submit(client, r.sender, app, "Task_transfer_conditions",
                         dict(conditions_form(r.good), **answers), r.reference)
    assert response.status_code == 400
    assert error_summary(response), "a refusal says why"
    assert open_task(app, "Task_transfer_conditions", r.reference) is not None


@freeze_time(REQUESTED_AT)
def test_unknown_task_or_case_is_not_found(client, app):
    sign_in(client, "consultant-social-worker")
    assert client.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.post("/tasks/not-a-task", data={"decision": "accept"}).status_code == 404
    assert client.post("/cases/99999/start/case_transfer").status_code == 404
    assert client.post(f"/cases/{case_id(app, 'CIN-0001')}/start/no_such_process").status_code == 403


def test_a_case_is_never_in_two_transfers_at_once(client, app):
    sign_in(client, "consultant-social-worker")
    first = client.post(f"/cases/{case_id(app)}/start/case_transfer")
    assert first.status_code == 302 and "/tasks/" in first.location
    second = client.post(f"/cases/{case_id(app)}/start/case_transfer", follow_redirects=True)
    assert "A transfer of this case is already under way" in text(second)


# ------------------------------------------------------------------ the point of transfer (issue 12 item 1)

COURT_REQUESTED_AT = london(2026, 12, 1, 10, 0)     # Tuesday 1 December
FIRST_HEARING = date(2027, 1, 20)


def _court_case_accepted(client, app, hearing=FIRST_HEARING):
    r = ROUTES["aa_cin_court"]
    with freeze_time(COURT_REQUESTED_AT):
        request_route(client, app, r, transfer_date=hearing)
        complete_as(client, r.sender, app, "Task_transfer_conditions",
                    conditions_form(dict(r.good, first_hearing_date=hearing)), r.reference)
    with freeze_time(london(2026, 12, 2, 11, 0)):
        complete_as(client, "consultant-social-worker", app, "Task_receiving_decision",
                    {"decision": "accept"}, r.reference)
    return r


def test_a_court_case_moves_at_its_first_hearing_not_on_acceptance(client, app):
    r = _court_case_accepted(client, app)
    moves = london(2027, 1, 20, 17, 0)
    # accepted within the 3 working days, but the sending unit holds the case until the First Hearing
    assert case_row(app, r.reference) == {"service": "A&A", "unit": "A&A Unit 1"}
    [instance] = transfer_instances(app, r.reference)
    assert (instance.status, instance.due_at) == ("running", as_db(moves))     # the deadline follows the route
    [pending] = task_rows(app, r.reference, "Task_transfer_pending")
    assert (pending["post"], pending["unit"], pending["due_at"]) == (CSW, "A&A Unit 1", as_db(moves))
    with app.app_context():
        [timer] = db.session.scalars(select(Timer).where(Timer.instance_id == instance.id,
                                                         Timer.fired_at.is_(None))).all()
        assert (timer.element_id, timer.fire_at) == ("Timer_transfer_point", as_db(moves))
    with freeze_time(london(2026, 12, 10, 9, 0)):   # past the 3 working days: nothing is overdue
        rows = my_task_rows(client, "csw-aa")
        assert any("Pending transfer" in row for row in rows) and not any("Overdue" in row for row in rows)
        # both units see the pending transfer and its date on the case page
        for username in ("csw-aa", "consultant-social-worker", "social-worker"):
            response = case_page(client, app, username, r.reference)
            assert response.status_code == 200, username
            shown = page(response).select_one("#pending-transfer").get_text(" ", strip=True)
            assert "CIN Unit 1 (CIN) on Wednesday 20 January 2027 at 17:00" in shown, username
            assert "Until then A&A Unit 1 (A&A) holds the case" in shown
        assert case_page(client, app, "csw-lac", r.reference).status_code == 404   # not a party to it
    with freeze_time(london(2027, 1, 20, 16, 59)):
        assert fire_timers(app) == 0
    assert case_row(app, r.reference)["unit"] == "A&A Unit 1"
    with freeze_time(london(2027, 1, 20, 17, 1)):
        assert fire_timers(app) == 1
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}
    assert transfer_instances(app, r.reference)[0].status == "complete"
    assert task_rows(app, r.reference, "Task_transfer_pending")[0]["state"] == "cancelled"
    response = case_page(client, app, "consultant-social-worker", r.reference)
    assert page(response).select_one("#pending-transfer") is None
    with app.app_context():
        case = db.session.scalar(select(Case).filter_by(reference=r.reference))
        assert (case.pending_unit_id, case.pending_at) == (None, None)


def test_a_changed_hearing_date_moves_the_timer_and_is_audited(client, app):
    r = _court_case_accepted(client, app)
    with freeze_time(london(2027, 1, 11, 10, 0)):
        # a date in the past is refused, the answers kept
        response, _ = submit(client, "csw-aa", app, "Task_transfer_pending",
                             {**date_fields("new_date", date(2027, 1, 8)), "reason": "Adjourned."}, r.reference)
        assert response.status_code == 400
        assert error_summary(response) == [
            "The new date (8 January 2027) is in the past: enter today (11 January 2027) or a later date."]
        assert page(response).select_one("textarea[name=reason]").get_text() == "Adjourned."
        complete_as(client, "csw-aa", app, "Task_transfer_pending",
                    {**date_fields("new_date", date(2027, 1, 27)), "reason": "The court adjourned the hearing."},
                    r.reference)
    moves = london(2027, 1, 27, 17, 0)
    [instance] = transfer_instances(app, r.reference)
    assert instance.due_at == as_db(moves)
    with app.app_context():
        timers = {(t.fire_at, t.outcome) for t in db.session.scalars(
            select(Timer).where(Timer.instance_id == instance.id))}
    assert timers == {(as_db(london(2027, 1, 20, 17, 0)), "cancelled"), (as_db(moves), None)}
    [change] = [e for e in audit_events(app, r.reference, "task.completed")
                if e.element_name == "Pending transfer: change the date if it moves"]
    assert change.detail["data"] == {"new_date": "2027-01-27", "reason": "The court adjourned the hearing."}
    assert data_of(app, instance.id)["conditions"]["first_hearing_date"] == "2027-01-27"
    [pending] = [t for t in task_rows(app, r.reference, "Task_transfer_pending") if t["state"] == "ready"]
    assert pending["due_at"] == as_db(moves)
    shown = page(case_page(client, app, "consultant-social-worker", r.reference)).select_one("#pending-transfer")
    assert "Wednesday 27 January 2027 at 17:00" in shown.get_text(" ", strip=True)
    with freeze_time(london(2027, 1, 20, 17, 1)):
        assert fire_timers(app) == 0
    assert case_row(app, r.reference)["unit"] == "A&A Unit 1"
    with freeze_time(london(2027, 1, 27, 17, 1)):
        assert fire_timers(app) == 1
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}


# ------------------------------------------------------------------ the request (issue 12 items 5, 21)

@freeze_time(REQUESTED_AT)
def test_a_proposed_transfer_date_before_the_request_is_refused_at_the_request(client, app):
    sign_in(client, "consultant-social-worker")
    url = start_transfer(client, app, "CIN-0001")
    form = request_form("cin_permanence", "LAC", date(2026, 11, 2), receiving_unit="LAC Unit 1",
                        reason="Plan approved at the Fostering Panel.")
    response = client.post(url, data=form)
    assert response.status_code == 400
    assert error_summary(response) == [
        "The proposed transfer date (2 November 2026) is before the request (3 November 2026): "
        "enter today or a later date (Case Transfer §3)."]
    # the answers are kept to correct
    form_page = page(response)
    assert form_page.select_one("textarea[name=reason]").get_text() == "Plan approved at the Fostering Panel."
    assert form_page.select_one("input[name=route][value=cin_permanence]").has_attr("checked")
    assert form_page.select_one("input[name=transfer_date-day]")["value"] == "2"
    assert open_task(app, "Task_transfer_conditions", "CIN-0001") is None
    response = client.post(url, data=dict(form, **date_fields("transfer_date", TRANSFER_DATE)))
    assert response.status_code == 302
    assert open_task(app, "Task_transfer_conditions", "CIN-0001") is not None


@freeze_time(REQUESTED_AT)
def test_the_request_records_the_childs_wishes_and_the_receiving_unit_sees_them(client, app):
    sign_in(client, "consultant-social-worker")
    url = start_transfer(client, app, "CIN-0001")
    form = request_form("cin_permanence", "LAC", TRANSFER_DATE, receiving_unit="LAC Unit 1")
    del form["child_wishes"]
    response = client.post(url, data=form)
    assert response.status_code == 400
    assert error_summary(response) == ["Enter what the child wants to happen next"]
    response = client.post(url, data=dict(form, child_asked="no"))
    assert error_summary(response) == ["Enter why the child could not be asked"]
    response = client.post(url, data=dict(form, child_asked="no", child_not_asked_reason="   "))
    assert response.status_code == 400
    complete = client.post(url, data=dict(form, child_asked="no",
                                          child_not_asked_reason="A baby: too young to be asked."))
    assert complete.status_code == 302
    client.post("/sign-out")
    r = ROUTES["cin_permanence"]
    complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
    task = open_task(app, "Task_receiving_decision", r.reference)
    sign_in(client, "csw-lac")
    facts = summary_rows(client.get(f"/tasks/{task.id}"))
    assert facts["Why the child was not asked"] == "A baby: too young to be asked."
    assert "What the child wants to happen next" not in facts


# ------------------------------------------------------------------ the API offers what the form offers (item 2)

@freeze_time(REQUESTED_AT)
def test_the_api_form_schema_offers_no_reject_for_a_child_in_need(client, app):
    from .test_api import auth, token
    t = token(app, "consultant-social-worker")
    for route, offered in (("aa_cin_child_in_need", ["accept", "missing_information", "disagree"]),
                           ("cin_permanence", ["accept", "missing_information", "disagree", "reject"])):
        r = ROUTES[route]
        _to_receiving_decision(client, app, r)
        task = open_task(app, "Task_receiving_decision", r.reference)
        receiver = token(app, r.receiver) if r.receiver != "consultant-social-worker" else t
        body = client.get(f"/api/v1/tasks/{task.id}", headers=auth(receiver)).json
        assert [o["const"] for o in body["form_schema"]["properties"]["decision"]["oneOf"]] == offered, route
        if route == "aa_cin_child_in_need":
            response = client.post(f"/api/v1/tasks/{task.id}/complete", headers=auth(receiver),
                                   json={"data": {"decision": "reject", "reason": "Below threshold."}})
            assert response.status_code == 422
            assert [e["message"] for e in response.json["errors"]] == [
                "A child in need after a core assessment cannot be rejected on threshold or role grounds "
                "(Case Transfer §3.1)."]


# ------------------------------------------------------------------ agreements between posts are tasks (item 4)

@freeze_time(REQUESTED_AT)
def test_both_group_managers_agree_a_move_straight_to_leaving_care_in_their_own_tasks(client, app):
    r = ROUTES["cin_leaving_care_early"]
    prepare(app, r)
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
    sending = open_task(app, "Task_gm_agree_sending", r.reference)
    receiving = open_task(app, "Task_gm_agree_receiving", r.reference)
    assert (sending.post, sending.service) == (posts.GROUP_MANAGER, "CIN")
    assert (receiving.post, receiving.service) == (posts.GROUP_MANAGER, "Leaving Care")
    assert open_task(app, "Task_receiving_decision", r.reference) is None     # not before both agree
    # the sending CSW cannot answer for them, nor one Group Manager for the other
    agree = {"agree": "yes", "rationale": "Right for this young person now."}
    assert submit(client, r.sender, app, "Task_gm_agree_sending", agree, r.reference)[0].status_code == 403
    assert submit(client, "group-manager", app, "Task_gm_agree_receiving", agree,
                  r.reference)[0].status_code in (403, 404)
    complete_as(client, "group-manager", app, "Task_gm_agree_sending", agree, r.reference)
    complete_as(client, "gm-lc", app, "Task_gm_agree_receiving",
                {"agree": "no", "rationale": "Wait until 16: the placement is settled."}, r.reference)
    assert transfer_instances(app, r.reference)[0].status == "complete"
    assert open_task(app, "Task_receiving_decision", r.reference) is None
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}
    done = {e.element_name: e.actor_name for e in audit_events(app, r.reference, "task.completed")}
    assert done["Agree the move straight to Leaving Care: receiving service"] == "Test gm-lc"


@freeze_time(REQUESTED_AT)
def test_a_cin_csw_decides_case_responsibility_for_a_disabled_child_with_child_protection_factors(client, app):
    r = ROUTES["aa_cwd"]
    prepare(app, r)
    request_route(client, app, r)
    complete_as(client, r.sender, app, "Task_transfer_conditions",
                conditions_form(dict(r.good, child_protection_factors=True, cin_unit="CIN Unit 1")), r.reference)
    assert open_task(app, "Task_receiving_decision", r.reference) is None       # not CWD's decision
    [row] = task_rows(app, r.reference, "Task_cin_responsibility")
    assert (row["post"], row["service"], row["unit"]) == (CSW, "CIN", "CIN Unit 1")
    assert not any("Take case responsibility" in t for t in my_task_rows(client, "csw-cwd"))
    take = {"decision": "take", "reason": "CIN holds the child protection plan; CWD to work jointly."}
    assert submit(client, "csw-cwd", app, "Task_cin_responsibility", take, r.reference)[0].status_code in (403, 404)
    complete_as(client, "consultant-social-worker", app, "Task_cin_responsibility", take, r.reference)
    reach_point_of_transfer(app)
    assert case_row(app, r.reference) == {"service": "CIN", "unit": "CIN Unit 1"}
    [moved] = audit_events(app, r.reference, "case.transferred")
    assert moved.detail["to"] == {"service": "CIN", "unit": "CIN Unit 1"}
