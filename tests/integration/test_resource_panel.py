"""The Children's Resource Panel referral over HTTP (Panels §1; PROCESS-RULES §2):
every request type end to end, the Thursday-noon cut-off to the minute, emergency
ratification, reviews, missing papers, the decision sheet and the Chair's approval."""
from datetime import date, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import PanelSitting
from processes import resource_panel as rp

from ..conftest import error_summary, page, sign_in, text
from .jarp_steps import case_id, open_task
from .test_api import auth as api_auth, token as api_token
from .resource_panel_steps import (
    AD, ADMIN, APPROVE, CHAIR, CSW, DD, GM, HFS, HOS, LAWYER, MEMBER_HOS, PRESENTING, add_case, add_person,
    agenda_item, agenda_rows,
    audit_of, complete,
    data_of, date_fields, instance, london, papers_form, post_task, recommend, recommendation,
    sheet, start_referral, tasks_of, to_panel, upload_papers,
)

MONDAY = date(2026, 12, 7)          # a Monday Panel; its cut-off is Thursday 3 December 12:00
NEXT_MONDAY = date(2026, 12, 14)


# ---------------------------------------------------------------- every request type, end to end

@pytest.mark.parametrize("sought", [k for k in rp.REQUESTS if k != rp.SECURE])
def test_each_request_type_goes_from_recommendation_to_a_final_decision(client, app, sought):
    section = rp.REQUESTS[sought][1]
    with freeze_time(london(2026, 11, 30, 10, 0)):
        recommend(client, app, [sought])
        gm = open_task(app, "Task_gm_join")
        assert (gm.post, gm.due_at) == ("Group Manager", datetime(2026, 12, 1, 17, 0))
        complete(client, GM, app, "Task_gm_join", {"decision": "join"})
        papers = open_task(app, "Task_papers")
        # papers are due at the cut-off of the Panel the case can still make: Thursday 12:00
        assert (papers.post, papers.due_at) == ("Consultant Social Worker", datetime(2026, 12, 3, 12, 0))
        complete(client, CSW, app, "Task_papers", papers_form(client, app, [sought]))
    hos = open_task(app, "Task_hos_decision")
    assert (hos.post, hos.service) == ("Head of Service", "CIN")
    with freeze_time(london(2026, 12, 2, 15, 0)):
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    # booked for the coming Monday; the agenda shows what is sought and the papers
    [(sitting, row)] = agenda_rows(client)
    assert sitting == MONDAY.isoformat()
    assert rp.REQUESTS[sought][0] in row and "Panel pro-forma: panel_proforma.pdf" in row
    if rp.is_care_proceedings([sought]):
        assert "Pre-proceedings case plan" in row
    with freeze_time(london(2026, 12, 7, 11, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", sheet([sought], [section]))
        assert open_task(app, "Task_read_decision") is None      # not sent to the unit yet
        complete(client, CHAIR, app, "Task_chair_approval", {"decision": "approve"})
        complete(client, CSW, app, "Task_read_decision", {"confirm": ["read"]})
    assert instance(app).status == "complete"
    assert agenda_item(app).status == "decided"
    sign_in(client, CSW)
    decision = page(client.get(f"/cases/{case_id(app)}")).select_one(".resource-panel-decision").get_text(" ")
    assert "Approved" in decision and rp.REQUESTS[sought][0] in decision and rp.SECTIONS[section] in decision


def test_the_papers_and_decision_links_work_for_the_administrator(client, app):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, ["s20_planned"])
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    sign_in(client, ADMIN)
    agenda = page(client.get("/agenda/resource-panel"))
    row = agenda.select_one("table.resource-panel-agenda tbody tr")
    paper = row.find("a", string=lambda s: s and s.startswith("Genogram"))
    assert client.get(paper["href"]).status_code == 200
    sheet_link = row.find("a", string="Record the Panel's decision sheet")
    form = client.get(sheet_link["href"])
    assert "Accommodation under section 20 (planned)" in text(form)
    assert "Presenting the case The CSW and the Group Manager" in text(form)


# ---------------------------------------------------------------- the Thursday-noon cut-off

@pytest.mark.parametrize("approved_at, heard_on", [
    (london(2026, 12, 3, 11, 59), MONDAY),
    (london(2026, 12, 3, 12, 0), MONDAY),
    (london(2026, 12, 3, 12, 1), NEXT_MONDAY),
    (london(2026, 12, 4, 9, 0), NEXT_MONDAY),
])
def test_notified_by_noon_thursday_is_heard_the_coming_monday_later_the_monday_after(
        client, app, approved_at, heard_on):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, ["care_order"])
    with freeze_time(approved_at):
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    assert agenda_item(app).sitting == heard_on
    assert data_of(app)["panel"]["date"] == heard_on.isoformat()
    sheet_task = open_task(app, "Task_decision_sheet")
    assert sheet_task.due_at == datetime(heard_on.year, heard_on.month, heard_on.day, 13, 0)


def test_the_head_of_service_step_is_due_at_the_cut_off(client, app):
    with freeze_time(london(2026, 12, 3, 12, 30)):          # just missed this week's cut-off
        to_panel(client, app, ["s20_planned"])
    assert open_task(app, "Task_hos_decision").due_at == datetime(2026, 12, 10, 12, 0)


# ---------------------------------------------------------------- emergencies

def test_emergency_agreed_by_head_of_service_is_listed_for_ratification_at_the_next_panel(client, app):
    with freeze_time(london(2026, 12, 3, 9, 0)):            # a case already on Monday's agenda
        to_panel(client, app, ["s20_planned"], reference="CIN-0002")
        complete(client, HOS, app, "Task_hos_decision", APPROVE, reference="CIN-0002")
    with freeze_time(london(2026, 12, 4, 16, 0)):           # Friday afternoon, after the cut-off
        recommend(client, app, ["epo"], urgency="emergency")
        assert open_task(app, "Task_gm_join") is None       # no Group Manager gate in an emergency
        decision = open_task(app, "Task_emergency_decision")
        assert (decision.post, decision.due_at) == ("Head of Service", datetime(2026, 12, 4, 18, 0))
        complete(client, HOS, app, "Task_emergency_decision",
                 {"agreed": "yes", "details": "EPO application agreed; police protection ends tonight."})
    item = agenda_item(app)
    assert (item.sitting, item.direct, item.priority) == (MONDAY, True, 1)
    rows = agenda_rows(client)
    assert [r[0] for r in rows] == [MONDAY.isoformat()] * 2
    assert "CIN-0001" in rows[0][1] and "Emergency decision for ratification" in rows[0][1]
    assert "CIN-0002" in rows[1][1]
    # the cut-off has passed: the papers are due when the Panel starts
    papers = open_task(app, "Task_papers")
    assert papers.due_at == datetime(2026, 12, 7, 9, 0)
    assert open_task(app, "Task_hos_decision") is None
    with freeze_time(london(2026, 12, 5, 10, 0)):
        complete(client, CSW, app, "Task_papers", papers_form(client, app, ["epo"]))
    with freeze_time(london(2026, 12, 7, 10, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", sheet(["epo"], ["s44"]))
        complete(client, CHAIR, app, "Task_chair_approval", {"decision": "approve"})
    assert data_of(app)["final_decision"]["outcome"] == "Ratified"
    assert open_task(app, "Task_read_decision") is not None


def test_an_emergency_can_only_seek_an_epo_or_emergency_accommodation(client, app):
    sign_in(client, CSW)
    url = start_referral(client, app)
    response = client.post(url, data=recommendation(["care_order"], urgency="emergency"))
    assert response.status_code == 400
    assert ("In an emergency the Head of Service can agree only an emergency protection order or "
            "unplanned accommodation under section 20") in error_summary(response)


def test_an_emergency_the_head_of_service_refuses_ends_there(client, app):
    recommend(client, app, ["s20_unplanned"], urgency="emergency")
    complete(client, HOS, app, "Task_emergency_decision", {"agreed": "no", "details": "Kinship option tonight."})
    assert instance(app).status == "complete"
    assert agenda_item(app) is None


# ---------------------------------------------------------------- the Chair's send-back

def test_the_chair_sends_the_sheet_back_with_comments_and_only_approval_makes_it_final(client, app):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, ["s20_planned", "residential_placement"])
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    first = sheet(["s20_planned"], ["s20"])
    with freeze_time(london(2026, 12, 7, 12, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", first)
        # comments are needed to send it back
        response = post_task(client, CHAIR, app, "Task_chair_approval", {"decision": "send_back"})
        assert response.status_code == 400
        assert "Enter your comments for the Panel Administrator" in error_summary(response)
        complete(client, CHAIR, app, "Task_chair_approval",
                 {"decision": "send_back", "comments": "The residential placement was refused: say why."})
    # back with the Administrator, due by 17:00 the next working day, comments shown, answers kept
    redo = open_task(app, "Task_decision_sheet")
    assert redo.due_at == datetime(2026, 12, 8, 17, 0)
    assert open_task(app, "Task_read_decision") is None
    assert instance(app).status == "running"
    sign_in(client, ADMIN)
    form = client.get(f"/tasks/{redo.id}")
    assert "Panel Chair's comments The residential placement was refused: say why." in text(form)
    soup = page(form)
    assert soup.select_one("textarea#rationale").get_text() == first["rationale"]
    assert soup.select_one("input[name=approved][value=s20_planned]").has_attr("checked")
    assert soup.select_one("input[name=outcome][value=approved]").has_attr("checked")
    client.post("/sign-out")
    with freeze_time(london(2026, 12, 8, 9, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet",
                 dict(first, rationale="Section 20 agreed; residential refused: a local foster home meets "
                                       "the child's needs."))
        complete(client, CHAIR, app, "Task_chair_approval", {"decision": "approve"})
    assert open_task(app, "Task_read_decision") is not None
    final = data_of(app)["final_decision"]
    assert final["rationale"].startswith("Section 20 agreed; residential refused")
    chair_steps = [t.state for t in tasks_of(app, "Task_chair_approval")]
    assert chair_steps == ["completed", "completed"]


# ---------------------------------------------------------------- missing papers

def test_missing_papers_are_refused_with_a_list_of_what_is_missing(client, app):
    recommend(client, app, ["s20_planned"])
    complete(client, GM, app, "Task_gm_join", {"decision": "join"})
    ids = upload_papers(client, app, ["genogram"])
    response = post_task(client, CSW, app, "Task_papers", {"papers": ids})
    assert response.status_code == 400
    assert error_summary(response) == [
        "Missing paper: Panel pro-forma.", "Missing paper: Chronology.",
        "Missing paper: Core assessment (with risk analysis).",
    ]
    # a Consultant Social Worker cannot override missing papers
    assert page(response).select_one("#override_reason") is None
    assert open_task(app, "Task_hos_decision") is None
    # nothing ticked at all: every paper is listed
    response = post_task(client, CSW, app, "Task_papers", {})
    assert len(error_summary(response)) == 4


@freeze_time(london(2026, 12, 1, 10, 0))
def test_care_proceedings_need_the_plan_and_both_meetings_held(client, app):
    recommend(client, app, ["interim_care_order"])
    complete(client, GM, app, "Task_gm_join", {"decision": "join"})
    ids = upload_papers(client, app, list(rp.STANDARD_PAPERS))
    form = {"papers": ids, **date_fields("legal_planning_meeting_date", date(2026, 12, 3))}
    response = post_task(client, CSW, app, "Task_papers", form)
    assert response.status_code == 400
    assert error_summary(response) == [
        "Missing paper: Pre-proceedings case plan.",
        "The legal planning meeting is on Thursday 3 December 2026, which has not happened yet. Care proceedings "
        "come to Panel only after it has taken place (Panels §1).",
        "Missing: the date of the negotiation meeting with the family. Care proceedings come to Panel "
        "only after it has taken place (Panels §1).",
    ]
    # the meeting questions are asked only for care proceedings
    sign_in(client, CSW)
    assert page(client.get(f"/tasks/{open_task(app, 'Task_papers').id}")).select_one(
        "#negotiation_meeting_date") is not None


def test_the_assistant_director_may_let_missing_papers_through_with_a_reason(client, app):
    recommend(client, app, ["s20_planned"])
    complete(client, GM, app, "Task_gm_join", {"decision": "join"})
    ids = upload_papers(client, app, ["panel_proforma", "genogram", "chronology"])
    response = post_task(client, AD, app, "Task_papers", {"papers": ids})
    assert response.status_code == 400 and page(response).select_one("#override_reason") is not None
    complete(client, AD, app, "Task_papers", {"papers": ids, "override": "yes",
                                              "override_reason": "Core assessment tabled at Panel."})
    [overridden] = audit_of(app, "rule.overridden")
    assert overridden.reason == "Core assessment tabled at Panel."
    assert overridden.detail["rules"] == ["Missing paper: Core assessment (with risk analysis)."]
    assert open_task(app, "Task_hos_decision") is not None


# ---------------------------------------------------------------- family support and the gates

def test_family_support_evidence_is_needed_when_the_unit_says_it_was_used(client, app):
    sign_in(client, CSW)
    url = start_referral(client, app)
    response = client.post(url, data=recommendation(["s20_planned"]))
    assert response.status_code == 400
    assert error_summary(response) == ["Tick the papers that show family support was used"]


def test_family_support_not_viable_needs_the_head_of_family_support(client, app):
    recommend(client, app, ["s20_planned"], family_support="not_viable")
    complete(client, GM, app, "Task_gm_join", {"decision": "join"})
    assert open_task(app, "Task_papers") is None
    hfs = open_task(app, "Task_family_support")
    assert hfs.post == "Head of Family Support"
    sign_in(client, HFS)
    assert "Agree that family support is not viable" in text(client.get("/"))
    # the child's voice is before the person deciding (issue 12 item 21)
    assert f"What the child wants to happen next {PRESENTING['child_wishes']}" in text(
        client.get(f"/tasks/{hfs.id}"))
    client.post("/sign-out")
    complete(client, HFS, app, "Task_family_support", {"agreed": "yes", "reasons": "Tried twice, refused."})
    assert open_task(app, "Task_papers") is not None


def test_head_of_family_support_disagreeing_sends_the_family_to_family_support_first(client, app):
    recommend(client, app, ["residential_placement"], family_support="not_viable")
    complete(client, GM, app, "Task_gm_join", {"decision": "join"})
    complete(client, HFS, app, "Task_family_support", {"agreed": "no", "reasons": "Refer to JARP first."})
    assert instance(app).status == "complete"
    assert open_task(app, "Task_papers") is None


def test_group_manager_sends_back_and_the_csw_sees_the_comments_and_earlier_answers(client, app):
    recommend(client, app, ["supervision_order"])
    complete(client, GM, app, "Task_gm_join", {"decision": "send_back", "comments": "Add the school's view."})
    task = open_task(app, "Task_recommend")
    sign_in(client, CSW)
    form = client.get(f"/tasks/{task.id}")
    assert "Group Manager's comments Add the school's view." in text(form)
    soup = page(form)
    assert soup.select_one("input[name=sought][value=supervision_order]").has_attr("checked")
    assert soup.select_one("input[name=family_support_evidence]").has_attr("checked")
    client.post("/sign-out")
    assert open_task(app, "Task_gm_join") is None


def test_head_of_service_may_decline_the_case(client, app):
    to_panel(client, app, ["s20_planned"])
    response = post_task(client, HOS, app, "Task_hos_decision", {"decision": "decline"})
    assert "Enter the reasons" in error_summary(response)
    complete(client, HOS, app, "Task_hos_decision", {"decision": "decline", "reasons": "Not yet: FGC first."})
    assert instance(app).status == "complete" and agenda_item(app) is None


def test_another_service_head_cannot_decide(client, app):
    add_person(app, "hos-lac", "Head of Service", service="LAC")
    to_panel(client, app, ["s20_planned"])
    sign_in(client, "hos-lac")
    assert "Decide whether the case goes" not in text(client.get("/"))
    task = open_task(app, "Task_hos_decision")
    assert client.post(f"/tasks/{task.id}", data=APPROVE).status_code == 404


# ---------------------------------------------------------------- reviews

@freeze_time(london(2026, 12, 2, 10, 0))
def test_panel_administrator_calls_a_case_for_review_with_a_weeks_notice(client, app):
    sign_in(client, ADMIN)
    response = client.post(f"/cases/{case_id(app)}/start/resource_panel_review")
    assert response.status_code == 302
    response = client.post(response.location, data={"reason": "Six months since accommodation."})
    assert response.status_code == 302, error_summary(response)
    client.post("/sign-out")
    # Wednesday 2 December + a week = Wednesday 9th: the first Panel after it is Monday 14th
    item = agenda_item(app)
    assert (item.sitting, item.status) == (NEXT_MONDAY, "listed")
    papers = open_task(app, "Task_papers")
    assert (papers.post, papers.due_at) == ("Consultant Social Worker", datetime(2026, 12, 10, 12, 0))
    [(_, row)] = agenda_rows(client)
    assert "Review: Six months since accommodation." in row and "Not yet sent" in row
    # the latest review papers are needed too
    ids = upload_papers(client, app, list(rp.STANDARD_PAPERS))
    response = post_task(client, CSW, app, "Task_papers", {"papers": ids})
    assert error_summary(response) == ["Missing paper: Latest review papers."]
    complete(client, CSW, app, "Task_papers", papers_form(client, app, [], review=True))
    # the Panel called it: no Head of Service gate, straight to the decision sheet
    assert open_task(app, "Task_hos_decision") is None
    assert open_task(app, "Task_decision_sheet").due_at == datetime(2026, 12, 14, 13, 0)


def test_who_may_start_what(client, app):
    sign_in(client, CSW)
    buttons = text(client.get(f"/cases/{case_id(app)}"))
    assert "Refer to the Children's Resource Panel" in buttons
    assert "Call to the Children's Resource Panel for review" not in buttons
    client.post("/sign-out")
    sign_in(client, "social-worker")
    assert "Refer to the Children's Resource Panel" not in text(client.get(f"/cases/{case_id(app)}"))
    assert client.post(f"/cases/{case_id(app)}/start/resource_panel_referral").status_code == 403
    client.post("/sign-out")
    sign_in(client, ADMIN)
    buttons = text(client.get(f"/cases/{case_id(app)}"))
    assert "Call to the Children's Resource Panel for review" in buttons
    assert "Refer to the Children's Resource Panel" not in buttons


# ---------------------------------------------------------------- the decision sheet

def test_an_incomplete_decision_sheet_is_refused(client, app):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, ["s20_planned"])
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    with freeze_time(london(2026, 12, 7, 10, 0)):
        response = post_task(client, ADMIN, app, "Task_decision_sheet", {"outcome": "approved"})
    assert response.status_code == 400
    assert error_summary(response) == [
        "Select what is approved",
        "Select the sections of the Children Act 1989 it is approved under",
        "Enter the rationale", "Enter the conditions", "Enter the actions",
        "Select whether the child was asked what they want to happen next",
        "Select whether the Panel refers the case to JARP",
    ]
    with freeze_time(london(2026, 12, 7, 10, 0)):
        response = post_task(client, ADMIN, app, "Task_decision_sheet",
                             sheet(["s20_planned", "permanency_plan"], ["s20", "s31"]))
    assert error_summary(response) == [
        "‘Permanency plan: the child is to be permanently looked after’ comes under "
        "‘No order: the child's plan (permanence)’: tick that section.",
        "Nothing approved comes under ‘Section 31 (care or supervision order, including interim)’: "
        "untick it or record what is approved under it.",
    ]
    assert page(response).select_one("#override_reason") is None
    with freeze_time(london(2026, 12, 7, 10, 0)):
        response = post_task(client, ADMIN, app, "Task_decision_sheet",
                             sheet(["s20_planned"], ["s20"], outcome="not_approved"))
    assert error_summary(response) == [
        "The outcome is not an approval, so clear what is approved and under which section, or "
        "change the outcome."]
    assert open_task(app, "Task_chair_approval") is None


def test_permanency_plan_and_referral_to_jarp_are_recorded_for_the_unit(client, app):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, ["s20_planned"])
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    with freeze_time(london(2026, 12, 7, 11, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet",
                 sheet(["s20_planned", "permanency_plan"], ["s20", "plan"], refer_to_jarp="yes"))
        complete(client, CHAIR, app, "Task_chair_approval", {"decision": "approve"})
        complete(client, CSW, app, "Task_read_decision", {"confirm": ["read"]})
    data = data_of(app)
    assert data["permanency_plan"] == {"approved_by": "resource_panel", "approved_on": "2026-12-07",
                                       "sitting": "2026-12-07"}
    sign_in(client, CSW)
    case_page = page(client.get(f"/cases/{case_id(app)}"))
    decision = case_page.select_one(".resource-panel-decision").get_text(" ", strip=True)
    assert "Permanency plan Approved by the Children's Resource Panel" in decision
    assert "Referred to JARP Yes" in decision
    client.post("/sign-out")
    jarp = open_task(app, "Task_refer_to_jarp")
    assert jarp.post == "Consultant Social Worker"
    response = post_task(client, CSW, app, "Task_refer_to_jarp", {"referral_started": "no"})
    assert error_summary(response) == [
        "The Panel referred this case to JARP: start the JARP referral from the case page first (Panels §6)."]
    complete(client, CSW, app, "Task_refer_to_jarp", {"referral_started": "yes"})
    assert instance(app).status == "complete"


def test_a_deferred_case_is_heard_at_the_next_panel_ahead_of_new_cases(client, app):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, ["s20_planned"])
        complete(client, HOS, app, "Task_hos_decision", APPROVE)
    with freeze_time(london(2026, 12, 7, 11, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet",
                 sheet([], [], outcome="deferred") | {"rationale": "Await the parenting assessment."})
        complete(client, CHAIR, app, "Task_chair_approval", {"decision": "approve"})
        to_panel(client, app, ["s20_planned"], reference="CIN-0002")
        complete(client, HOS, app, "Task_hos_decision", APPROVE, reference="CIN-0002")
    item = agenda_item(app)
    assert (item.sitting, item.carried_over, item.status) == (NEXT_MONDAY, True, "listed")
    rows = agenda_rows(client)
    assert "CIN-0001" in rows[0][1] and "Deferred from an earlier Panel" in rows[0][1]
    assert "CIN-0002" in rows[1][1]
    redo = open_task(app, "Task_decision_sheet")
    assert redo.due_at == datetime(2026, 12, 14, 13, 0)
    sign_in(client, ADMIN)
    assert page(client.get(f"/tasks/{redo.id}")).select_one("textarea#rationale").get_text() == ""
    assert open_task(app, "Task_read_decision") is None


# ---------------------------------------------------------------- the agenda: move and cancel

def _two_cases_on_monday(client, app):
    with freeze_time(london(2026, 11, 30, 10, 0)):
        for reference in ("CIN-0001", "CIN-0002"):
            to_panel(client, app, ["s20_planned"], reference=reference)
            complete(client, HOS, app, "Task_hos_decision", APPROVE, reference=reference)


@freeze_time(london(2026, 12, 1, 10, 0))
def test_administrator_moves_a_case_with_a_reason_and_its_due_date_follows(client, app):
    _two_cases_on_monday(client, app)
    item = agenda_item(app)
    sign_in(client, ADMIN)
    url = f"/agenda/resource-panel/cases/{item.instance_id}/move"
    response = client.post(url, data={"sitting": NEXT_MONDAY.isoformat()})
    assert response.status_code == 400
    assert error_summary(response) == ["Enter the reason for moving the case"]
    response = client.post(url, data={"sitting": "2026-12-08", "reason": "x"})
    assert error_summary(response) == ["Select the sitting to move the case to"]
    response = client.post(url, data={"sitting": NEXT_MONDAY.isoformat(), "reason": "Chronology late."})
    assert response.status_code == 302
    assert "moved from Monday 7 December 2026 to Monday 14 December 2026" in text(client.get(response.location))
    client.post("/sign-out")
    assert agenda_item(app).sitting == NEXT_MONDAY
    assert agenda_item(app, "CIN-0002").sitting == MONDAY
    assert open_task(app, "Task_decision_sheet").due_at == datetime(2026, 12, 14, 13, 0)
    assert data_of(app)["panel"]["date"] == NEXT_MONDAY.isoformat()
    [moved] = audit_of(app, "agenda.case_moved")
    assert (moved.reason, moved.actor_name) == ("Chronology late.", "Demo Panel Administrator")
    assert moved.detail == {"panel": "Resource Panel", "from": "2026-12-07", "to": "2026-12-14"}
    sign_in(client, CSW)
    assert "Case moved to another sitting: Resource Panel: Monday 7 December 2026 → Monday 14 December 2026" in text(
        client.get(f"/cases/{case_id(app)}"))


def test_only_the_panel_administrator_moves_cases_and_heard_cases_stay(client, app):
    _two_cases_on_monday(client, app)
    item = agenda_item(app)
    url = f"/agenda/resource-panel/cases/{item.instance_id}/move"
    for username in (CSW, CHAIR):
        sign_in(client, username)
        assert client.post(url, data={"sitting": NEXT_MONDAY.isoformat(), "reason": "x"}).status_code == 403
        client.post("/sign-out")
    sign_in(client, CSW)
    assert client.get("/agenda/resource-panel").status_code == 403
    client.post("/sign-out")
    with freeze_time(london(2026, 12, 7, 11, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", sheet(["s20_planned"], ["s20"]))
        sign_in(client, ADMIN)
        response = client.post(url, data={"sitting": NEXT_MONDAY.isoformat(), "reason": "x"})
    assert response.status_code == 409
    assert "already been heard" in text(response)
    assert agenda_item(app).sitting == MONDAY


@freeze_time(london(2026, 12, 1, 10, 0))
def test_cancelling_a_sitting_moves_its_cases_and_new_bookings_skip_it(client, app):
    _two_cases_on_monday(client, app)
    sign_in(client, ADMIN)
    response = client.post("/agenda/resource-panel/cancel", data={"sitting": MONDAY.isoformat()})
    assert error_summary(response) == ["Enter the reason for cancelling the sitting"]
    response = client.post("/agenda/resource-panel/cancel",
                           data={"sitting": MONDAY.isoformat(), "reason": "Chair at court all day."})
    assert response.status_code == 302
    assert ("The Panel of Monday 7 December 2026 is cancelled. 2 cases moved to Monday 14 December 2026."
            in text(client.get(response.location)))
    client.post("/sign-out")
    for reference in ("CIN-0001", "CIN-0002"):
        assert agenda_item(app, reference).sitting == NEXT_MONDAY
        [moved] = audit_of(app, "agenda.case_moved", reference)
        assert moved.reason == "The Panel of Monday 7 December 2026 was cancelled: Chair at court all day."
    with app.app_context():
        row = db.session.scalars(select(PanelSitting)).one()
        assert (row.panel, row.sitting_on, row.cancelled, row.note) == (
            "Resource Panel", MONDAY, True, "Chair at court all day.")
    sign_in(client, ADMIN)
    agenda = text(client.get("/agenda/resource-panel"))
    assert "Monday 7 December 2026 Cancelled Chair at court all day." in agenda
    client.post("/sign-out")
    # a case approved before Thursday's cut-off now goes to the 14th, not the cancelled 7th
    add_case(app, "CIN-0099", "Dara Quinn")
    to_panel(client, app, ["s20_planned"], reference="CIN-0099")
    complete(client, HOS, app, "Task_hos_decision", APPROVE, reference="CIN-0099")
    assert agenda_item(app, "CIN-0099").sitting == NEXT_MONDAY


def test_a_cancelled_sitting_is_skipped_for_an_emergency_ratification(client, app):
    sign_in(client, ADMIN)
    with freeze_time(london(2026, 12, 1, 10, 0)):
        client.post("/agenda/resource-panel/cancel", data={"sitting": MONDAY.isoformat(), "reason": "Training."})
    client.post("/sign-out")
    with freeze_time(london(2026, 12, 4, 16, 0)):
        recommend(client, app, ["epo"], urgency="emergency")
        complete(client, HOS, app, "Task_emergency_decision", {"agreed": "yes", "details": "Agreed."})
    assert agenda_item(app).sitting == NEXT_MONDAY


def test_the_agenda_flags_a_bank_holiday_monday(client, app):
    with freeze_time(london(2026, 12, 21, 10, 0)):     # Monday 28 December 2026 is a bank holiday
        sign_in(client, ADMIN)
        soup = page(client.get("/agenda/resource-panel"))
    heading = soup.find("h2", id="sitting-2026-12-28")
    assert heading is not None
    assert "Bank holiday" in heading.find_next("p").get_text()
    nav = soup.select_one(".govuk-service-navigation").get_text()
    assert "Resource Panel agenda" in nav


# ---------------------------------------------------------------- issue 12 items 7-12 and 21

def _heard_on_monday(client, app, sought=("s20_planned",)):
    """A case booked for Monday 7 December (approved by the Head of Service on Monday 30 November)."""
    with freeze_time(london(2026, 11, 30, 10, 0)):
        to_panel(client, app, list(sought))
        complete(client, HOS, app, "Task_hos_decision", APPROVE)


def test_the_assistant_director_chairs_and_the_deputy_director_may_act(client, app):
    """Item 7: the chair's task is the Assistant Director's; the Deputy Director may act
    (until cover arrangements are recorded, either may); the Adoption and Fostering
    Panels' Chair has no part in it."""
    _heard_on_monday(client, app)
    with freeze_time(london(2026, 12, 7, 11, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", sheet(["s20_planned"], ["s20"]))
    chair_task = open_task(app, "Task_chair_approval")
    assert chair_task.post == "Assistant Director"
    sign_in(client, AD)
    assert "Approve the Panel's decision sheet" in text(client.get("/"))
    client.post("/sign-out")
    # the Deputy Director finds it among the work they may do (their team's, or My tasks when covering)
    sign_in(client, DD)
    assert "Approve the Panel's decision sheet" in text(client.get("/")) + text(client.get("/?view=team"))
    client.post("/sign-out")
    sign_in(client, "panel-chair")
    assert "Approve the Panel's decision sheet" not in text(client.get("/")) + text(client.get("/?view=team"))
    assert client.post(f"/tasks/{chair_task.id}", data={"decision": "approve"}).status_code in (403, 404)
    client.post("/sign-out")
    assert open_task(app, "Task_chair_approval") is not None
    with freeze_time(london(2026, 12, 7, 14, 0)):
        complete(client, DD, app, "Task_chair_approval", {"decision": "approve"})
    [done] = [t for t in tasks_of(app, "Task_chair_approval")]
    assert done.state == "completed"
    assert data_of(app)["final_decision"]["outcome"] == "Approved"
    assert open_task(app, "Task_read_decision") is not None


def test_a_decision_sheet_is_refused_before_the_sitting_starts(client, app):
    """Item 8: a decision sheet for Monday's Panel is refused a week early and at 08:59,
    with no override, and accepted from 09:00."""
    _heard_on_monday(client, app)
    message = ("The Panel sits on Monday 7 December 2026 at 09:00: its decision can be recorded only at "
               "or after the sitting. An emergency that cannot wait is agreed by the Head of Service.")
    for early in (london(2026, 11, 30, 12, 0), london(2026, 12, 7, 8, 59)):
        with freeze_time(early):
            response = post_task(client, ADMIN, app, "Task_decision_sheet", sheet(["s20_planned"], ["s20"]))
        assert response.status_code == 400
        assert error_summary(response) == [message]
        assert page(response).select_one("#override_reason") is None
    assert open_task(app, "Task_chair_approval") is None
    with freeze_time(london(2026, 12, 7, 9, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", sheet(["s20_planned"], ["s20"]))
    assert open_task(app, "Task_chair_approval") is not None


def test_panel_members_see_the_agenda_and_the_papers_before_the_sitting(client, app):
    """Item 9: the Panel's members (Panels §1 'Membership') read the agenda and the papers;
    a Head of Service of a service not on the Panel, and the other panels' Chair, do not."""
    add_person(app, "hos-lac", "Head of Service", service="LAC")
    add_person(app, "hos-adoption", "Head of Service", service="Adoption")
    add_person(app, "gm-art", "Group Manager", service="ART")
    _heard_on_monday(client, app)
    sign_in(client, ADMIN)
    row = page(client.get("/agenda/resource-panel")).select_one("table.resource-panel-agenda tbody tr")
    paper = row.find("a", string=lambda s: s and s.startswith("Genogram"))["href"]
    case_url = f"/cases/{case_id(app)}"
    client.post("/sign-out")
    members = (LAWYER, HFS, "head-of-service-children-s-resources", "hos-lac", "gm-art", MEMBER_HOS, DD,
               "independent-reviewing-team-manager", "virtual-school-head-teacher")
    with freeze_time(london(2026, 12, 4, 10, 0)):        # the Friday before the sitting
        for username in members:
            sign_in(client, username)
            agenda = client.get("/agenda/resource-panel")
            assert agenda.status_code == 200, username
            assert "CIN-0001" in text(agenda) and "Resource Panel agenda" in text(client.get("/"))
            assert client.get(paper).status_code == 200, username
            assert client.get(case_url).status_code == 200, username
            client.post("/sign-out")
        for username in ("hos-adoption", "panel-chair", "social-worker-lac"):
            sign_in(client, username)
            assert client.get("/agenda/resource-panel").status_code == 403, username
            assert "Resource Panel agenda" not in text(client.get("/"))
            # (the other panels' Chair opens every case, as panel staff do: not this Panel's rule)
            if username != "panel-chair":
                assert client.get(paper).status_code == 404, username
            client.post("/sign-out")
    # once the case is decided it is off the agenda: the lawyer no longer reads its papers
    with freeze_time(london(2026, 12, 7, 11, 0)):
        complete(client, ADMIN, app, "Task_decision_sheet", sheet(["s20_planned"], ["s20"]))
        complete(client, AD, app, "Task_chair_approval", {"decision": "approve"})
    sign_in(client, LAWYER)
    assert client.get(paper).status_code == 404


def test_the_recommendation_asks_the_presenting_guidance_and_the_panel_sees_it(client, app):
    """Item 10 (Guidance for Presenting Cases) and item 21: the recommendation asks for the
    child's wishes, relatives and friends contacted, the parents' views and legal advice;
    the Head of Service, the agenda and the decision sheet show them."""
    sign_in(client, CSW)
    url = start_referral(client, app)
    bare = {k: v for k, v in recommendation(["s20_planned"]).items() if k not in PRESENTING}
    response = client.post(url, data=dict(bare, family_support="not_viable"))
    assert response.status_code == 400
    errors = error_summary(response)
    for expected in ("Select whether the child was asked what they want to happen next",
                     "Select whether all known relatives and friends have been contacted and asked to care "
                     "for the child",
                     "Enter what they said, and anyone not contacted",
                     "Enter the views of the parents, the Children's Guardian or the court",
                     "Select whether legal advice has been taken",
                     "Enter the legal advice, and any other legal options"):
        assert expected in errors
    # asked, but their wishes left out; typed answers are kept
    response = client.post(url, data=dict(bare, family_support="not_viable", **dict(PRESENTING, child_wishes="")))
    assert "Enter what the child wants to happen next" in error_summary(response)
    assert page(response).select_one("textarea#parents_views").get_text() == PRESENTING["parents_views"]
    client.post("/sign-out")
    _heard_on_monday(client, app)
    [(_, row)] = agenda_rows(client, LAWYER)
    for value in (PRESENTING["child_wishes"], PRESENTING["relatives_response"], PRESENTING["parents_views"],
                  PRESENTING["legal_advice"]):
        assert value in row
    assert "What the child wants to happen next" in row
    sign_in(client, ADMIN)
    form = text(client.get(f"/tasks/{open_task(app, 'Task_decision_sheet').id}"))
    assert f"What the child wants to happen next {PRESENTING['child_wishes']}" in form
    assert f"Legal advice and other legal options {PRESENTING['legal_advice']}" in form
    assert "Relatives and friends contacted and asked to care for the child Yes" in form


def test_the_head_of_service_sees_why_the_child_could_not_be_asked(client, app):
    """Item 21: 'or why it could not be asked', shown to the person deciding."""
    evidence = upload_papers(client, app, ["family_support_evidence"])
    sign_in(client, CSW)
    url = start_referral(client, app)
    answers = dict(recommendation(["s20_planned"], evidence=evidence), child_asked="no")
    answers.pop("child_wishes")
    response = client.post(url, data=answers)
    assert "Enter why the child could not be asked" in error_summary(response)
    response = client.post(url, data=dict(answers, child_not_asked_reason="She is eight months old."))
    assert response.status_code == 302, error_summary(response)
    client.post("/sign-out")
    sign_in(client, GM)
    gm_page = text(client.get(f"/tasks/{open_task(app, 'Task_gm_join').id}"))
    assert "Why the child was not asked She is eight months old." in gm_page
    assert "What the child wants to happen next" not in gm_page


def test_the_chair_sees_what_the_child_wants_as_the_panel_heard_it(client, app):
    """Item 21 at the Panel's decision: the sheet records it; the chair sees it."""
    _heard_on_monday(client, app)
    with freeze_time(london(2026, 12, 7, 11, 0)):
        response = post_task(client, ADMIN, app, "Task_decision_sheet",
                             dict(sheet(["s20_planned"], ["s20"]), child_asked="no", child_wishes=""))
        assert error_summary(response) == ["Enter why the child could not be asked"]
        complete(client, ADMIN, app, "Task_decision_sheet", sheet(["s20_planned"], ["s20"]))
    sign_in(client, AD)
    chair_page = text(client.get(f"/tasks/{open_task(app, 'Task_chair_approval').id}"))
    assert "What the child wants to happen next She told the Panel she wants to stay at her school." in chair_page


@freeze_time(london(2026, 12, 1, 10, 0))
def test_secure_accommodation_goes_to_a_secure_planning_meeting_then_the_assistant_director(client, app):
    """Item 11: a Secure Planning Meeting chaired by the Head of Service, then the Assistant
    Director approves its recommendation (Matrix of Responsibility), not the weekly Panel."""
    evidence = upload_papers(client, app, ["family_support_evidence"])
    sign_in(client, CSW)
    url = start_referral(client, app)
    response = client.post(url, data=recommendation(["secure_accommodation", "s20_planned"], evidence=evidence))
    assert error_summary(response) == [
        "Secure accommodation is decided at a Secure Planning Meeting and by the Assistant Director, not at "
        "the weekly Panel: recommend it on its own, and anything else in another referral"]
    response = client.post(url, data=recommendation(["secure_accommodation"], evidence=evidence))
    assert response.status_code == 302, error_summary(response)
    client.post("/sign-out")
    assert open_task(app, "Task_gm_join") is None
    meeting = open_task(app, "Task_secure_planning_meeting")
    assert (meeting.post, meeting.service, meeting.due_at) == ("Head of Service", "CIN", datetime(2026, 12, 2, 17, 0))
    sign_in(client, HOS)
    shown = text(client.get(f"/tasks/{meeting.id}"))
    assert f"What the child wants to happen next {PRESENTING['child_wishes']}" in shown
    client.post("/sign-out")
    held = {"attendees": "CSW, Group Manager, the IRO, the child's solicitor.", "recommends": "yes",
            "reasons": "She has absconded nine times in a month and been found with adults who exploit her.",
            "child_asked": "yes", "child_wishes": "She does not want to go to a secure unit far from home."}
    response = post_task(client, HOS, app, "Task_secure_planning_meeting",
                         dict(held, **date_fields("held_on", date(2026, 12, 2))))
    assert error_summary(response) == [
        "The Secure Planning Meeting is on Wednesday 2 December 2026, which has not happened yet: record it once it "
        "has been held."]
    complete(client, HOS, app, "Task_secure_planning_meeting", dict(held, **date_fields("held_on", date(2026, 12, 1))))
    approval = open_task(app, "Task_secure_approval")
    assert approval.post == "Assistant Director"
    # the Head of Service chaired the meeting but cannot approve its recommendation
    sign_in(client, HOS)
    assert client.post(f"/tasks/{approval.id}", data={"decision": "approve"}).status_code in (403, 404)
    client.post("/sign-out")
    sign_in(client, AD)
    shown = text(client.get(f"/tasks/{approval.id}"))
    assert "What the child wants to happen next She does not want to go to a secure unit far from home." in shown
    assert "The meeting recommends secure accommodation Yes" in shown
    client.post("/sign-out")
    complete(client, AD, app, "Task_secure_approval", {
        "decision": "approve", "rationale": "No less restrictive option keeps her safe.",
        "conditions": "Reviewed by the court within 72 hours.", "actions": "Legal to apply for a s25 order today."})
    final = data_of(app)["final_decision"]
    assert (final["outcome"], final["sections"]) == ("Approved", ["Section 25 (secure accommodation)"])
    assert final["sitting_label"] == "Secure Planning Meeting of Tuesday 1 December 2026, then the Assistant Director"
    assert agenda_item(app) is None and open_task(app, "Task_decision_sheet") is None
    sign_in(client, CSW)
    assert "Secure accommodation order (section 25)" in text(
        client.get(f"/tasks/{open_task(app, 'Task_read_decision').id}"))
    client.post("/sign-out")
    complete(client, CSW, app, "Task_read_decision", {"confirm": ["read"]})
    assert instance(app).status == "complete"
    sign_in(client, CSW)
    decision = page(client.get(f"/cases/{case_id(app)}")).select_one(".resource-panel-decision").get_text(" ")
    assert "Secure Planning Meeting of Tuesday 1 December 2026, then the Assistant Director" in decision
    assert "Section 25 (secure accommodation)" in decision and "Legal to apply for a s25 order today." in decision


def test_the_api_refuses_a_decision_sheet_whose_sections_are_only_spaces(client, app):
    """Item 12: over POST /api/v1/tasks/<id>/complete, as the form does."""
    _heard_on_monday(client, app)
    task_id = open_task(app, "Task_decision_sheet").id
    admin = api_token(app, ADMIN)
    blank = dict(sheet(["s20_planned"], ["s20"]), rationale="   ", conditions="\t", actions=" \n ",
                 child_asked=True, child_wishes="  ", refer_to_jarp=False)
    with freeze_time(london(2026, 12, 7, 11, 0)):
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=api_auth(admin), json={"data": blank})
        assert response.status_code == 422, response.json
        fields = {e["field"]: e["message"] for e in response.json["errors"]}
        assert fields == {"rationale": "Enter the rationale", "conditions": "Enter the conditions",
                          "actions": "Enter the actions",
                          "child_wishes": "Enter what the child wants to happen next"}
        assert open_task(app, "Task_chair_approval") is None
        good = dict(sheet(["s20_planned"], ["s20"]), child_asked=True, refer_to_jarp=False)
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=api_auth(admin), json={"data": good})
        assert response.status_code == 200, response.json
    assert open_task(app, "Task_chair_approval") is not None
