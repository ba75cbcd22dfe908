"""Adoption and Fostering Panel rules as pure functions (processes/panel_booking.py)."""
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from processes import panel_booking as pb
from processes import papers
from processes.clock import LONDON

FORMS = Path(__file__).resolve().parents[2] / "bpmn" / "forms"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)


def sitting(i, on, booked=0, capacity=6, deadline=None, cancelled=False):
    """A date whose papers are due on the 1st of its month unless told otherwise."""
    return pb.Sitting(id=i, on=on, deadline=deadline or datetime(on.year, on.month, 1, 17, 0, tzinfo=LONDON),
                      capacity=capacity, booked=booked, cancelled=cancelled)


JAN, FEB, MAR = date(2027, 1, 6), date(2027, 2, 3), date(2027, 3, 3)


def test_capacity_is_six_for_adoption_and_eight_for_fostering():
    assert pb.CAPACITY == {"Adoption Panel": 6, "Fostering Panel": 8}


def test_the_asked_date_with_room_is_booked():
    plan = pb.plan([sitting(1, JAN), sitting(2, FEB, booked=5)], NOW, wanted=FEB)
    assert (plan.book.id, plan.reserve) == (2, None)


def test_a_full_date_gives_the_reserve_list_and_a_firm_place_at_the_next_date_with_room():
    plan = pb.plan([sitting(1, JAN), sitting(2, FEB, booked=6), sitting(3, MAR, booked=6),
                    sitting(4, date(2027, 4, 7), booked=2)], NOW, wanted=FEB)
    assert (plan.reserve.id, plan.book.id) == (2, 4)


def test_the_next_date_with_room_skips_full_cancelled_and_past_deadline_dates():
    late = datetime(2026, 11, 30, 17, 0, tzinfo=LONDON)
    dates = [sitting(1, JAN, deadline=late), sitting(2, FEB, cancelled=True), sitting(3, MAR, booked=6),
             sitting(4, date(2027, 4, 7))]
    assert pb.plan(dates, NOW).book.id == 4
    with pytest.raises(LookupError, match="after Wednesday 7 April 2027"):
        pb.plan(dates, NOW, after=date(2027, 4, 7))


def test_dates_not_in_the_timetable_or_already_sat_are_refused():
    with pytest.raises(LookupError, match="There is no Panel on Thursday 4 February 2027"):
        pb.plan([sitting(2, FEB)], NOW, wanted=date(2027, 2, 4))
    with pytest.raises(LookupError, match="already sat"):
        pb.plan([sitting(1, date(2026, 11, 4))], NOW, wanted=date(2026, 11, 4))
    with pytest.raises(LookupError, match="no later date has room"):
        pb.plan([sitting(2, FEB, booked=6)], NOW, wanted=FEB)


def test_reserve_order_is_the_advisors_rank_then_arrival():
    assert [i for i, _ in pb.reserve_order([(5, 2), (3, 1), (9, None), (4, 2)])] == [3, 4, 5, 9]
    assert pb.next_rank([1, 2, None]) == 3 and pb.next_rank([]) == 1
    assert pb.reordered([3, 4, 5], 5, 1) == [5, 3, 4]
    assert pb.reordered([3, 4, 5], 3, 3) == [4, 5, 3]
    with pytest.raises(ValueError):
        pb.reordered([3, 4], 3, 3)
    with pytest.raises(ValueError):
        pb.reordered([3, 4], 7, 1)


def test_a_yearly_timetable_is_monthly_and_moves_off_bank_holidays():
    mondays = pb.monthly_sittings(2027, 0, 1)
    assert len(mondays) == 12
    assert mondays[4] == date(2027, 5, 4)          # Monday 3 May 2027 is a bank holiday
    assert pb.monthly_sittings(2027, 4, -1)[0] == date(2027, 1, 29)   # last Friday of January
    with pytest.raises(ValueError):
        pb.monthly_sittings(2027, 5, 1)


def test_papers_deadline_counts_working_days_before_the_panel_at_close_of_office():
    assert pb.papers_deadline(FEB, 15) == datetime(2027, 1, 13, 17, 0, tzinfo=LONDON)
    # over Christmas: the bank holidays (and the substitute Monday 28 December) do not count
    assert pb.papers_deadline(JAN, 15) == datetime(2026, 12, 11, 17, 0, tzinfo=LONDON)
    assert pb.is_late("2027-01-13T17:00:01+00:00", "2027-01-13T17:00:00+00:00")
    assert not pb.is_late("2027-01-13T17:00:00+00:00", "2027-01-13T17:00:00+00:00")


def test_a_place_from_the_reserve_list_keeps_the_deadline_if_it_is_still_ahead():
    deadline = datetime(2027, 1, 13, 17, 0, tzinfo=LONDON)
    assert pb.promoted_papers_due(deadline, NOW) == deadline
    assert pb.promoted_papers_due(deadline, datetime(2027, 1, 20, 9, 0, tzinfo=LONDON)) == \
        datetime(2027, 1, 22, 17, 0, tzinfo=LONDON)


# ---- checklists (004 Panels §4 and §5 'Documentation required')

SOURCE_COUNTS = {
    "adoption_best_interests": 12, "adopter_approval": 12, "adoption_matching": 6,
    "adoption_termination": 2, "adoption_change_of_plan": 3, "adoption_approval_case": 1,
    "fostering_permanence": 13, "foster_carer_approval": 9, "fostering_variation_review": 9,
    "fostering_reapproval": 8, "fostering_matching": 8, "fostering_change_of_plan": 4,
    "fostering_termination": 3, "kinship_approval": 4,
}


def test_every_case_type_of_the_source_has_its_checklist():
    assert {k: len(t["documents"]) for k, t in pb.CASE_TYPES.items()} == SOURCE_COUNTS
    assert len(pb.case_types(pb.ADOPTION)) == 6 and len(pb.case_types(pb.FOSTERING)) == 8
    for t in pb.CASE_TYPES.values():
        for d in t["documents"]:
            assert set(d["kinds"]) <= set(papers.KINDS), d


def test_a_document_counts_when_sent_as_a_paper_of_its_kind_or_ticked_as_included():
    answers = {"papers": [{"id": 1, "kind": "form_f", "name": "f.pdf", "label": "Form F"}],
               "included": ["adoption_termination.2"]}
    assert pb.missing_documents("adoption_termination", answers) == []
    assert pb.missing_documents("adoption_termination", {"papers": answers["papers"]}) == ["Termination report"]
    # '(if applicable)' documents are not required
    assert "Education reference" not in pb.missing_documents("adopter_approval", {})


def test_papers_problems_name_what_is_missing_and_late_papers_need_special_circumstances():
    due = "2027-01-13T17:00:00+00:00"
    late = datetime(2027, 1, 14, 9, 0, tzinfo=LONDON)
    problems = pb.papers_problems("adoption_termination", {}, due, NOW)
    assert problems == ["The checklist for Termination of approval (adopters) needs: Form F, Part I and II; "
                        "Termination report. Upload each to the case papers and select it, or tick it as "
                        "included in another report. If one cannot be sent, say why: the Panel Advisor "
                        "decides whether the case can still go to Panel."]
    assert pb.papers_problems("adoption_termination", {"missing_reason": "To follow."}, due, NOW) == []
    complete = {"included": ["adoption_termination.1", "adoption_termination.2"]}
    assert "special circumstances" in pb.papers_problems("adoption_termination", complete, due, late)[0]
    assert pb.papers_problems("adoption_termination", dict(complete, special_circumstances="Illness"),
                              due, late) == []
    assert pb.papers_problems("adoption_termination", {"included": ["kinship_approval.1"],
                                                       "missing_reason": "x"}, due, NOW) == \
        ["Tick only documents on this case type's checklist."]


def test_the_fostering_panel_recommends_and_the_head_of_service_decides():
    yes = {"outcome": "recommend"}
    assert pb.outcome("adoption_best_interests", yes)["approved"]
    assert pb.outcome("adoption_best_interests", yes)["receiving_service"] == "Adoption"
    assert not pb.outcome("fostering_permanence", yes, {"decision": "not_approve"})["approved"]
    decided = pb.outcome("fostering_permanence", yes, {"decision": "approve"})
    assert decided["permanency_approved"] and decided["decided_by"] == pb.HOS_CHILDRENS_RESOURCES
    assert not pb.outcome("kinship_approval", yes, {"decision": "approve"})["permanency_approved"]


def test_an_approved_permanency_plan_starts_the_transfer_of_a_cin_case_not_in_court():
    result = pb.outcome("adoption_best_interests", {"outcome": "recommend"})
    booking = {"case_type": "adoption_best_interests", "in_court": False}
    start = pb.transfer_after_approval({"service": "CIN"}, booking, result, False, NOW)
    assert start["process"] == "case_transfer"
    assert start["data"]["permanency_plan"] == {"plan": "adoption_panel", "approved_on": "2026-12-01",
                                                "case_type": "adoption_best_interests",
                                                "receiving_service": "Adoption"}
    assert pb.transfer_after_approval({"service": "CIN"}, booking, result, True, NOW) is None
    assert pb.transfer_after_approval({"service": "LAC"}, booking, result, False, NOW) is None
    assert pb.transfer_after_approval({"service": "CIN"}, dict(booking, in_court=True), result, False, NOW) is None


# ---- the forms say what the data says

def _form(name):
    return json.loads((FORMS / name).read_text("utf-8"))


def test_the_booking_form_offers_every_case_type():
    options = _form("panel_booking_request.schema.json")["properties"]["case_type"]["oneOf"]
    assert [o["const"] for o in options] == list(pb.CASE_TYPES)
    assert all(o["title"].startswith(pb.CASE_TYPES[o["const"]]["panel"] + ": ") for o in options)


def test_the_papers_form_shows_each_case_types_checklist_and_only_it():
    options = _form("panel_papers.schema.json")["properties"]["included"]["items"]["anyOf"]
    expected = [(d["key"], pb.item_title(d), [k]) for k in pb.CASE_TYPES for d in pb.checklist(k)]
    assert [(o["const"], o["title"], o["x-when"]["in"]) for o in options] == expected


def test_a_panel_sits_on_a_working_day():
    assert pb.sitting_day_problem(date(2027, 2, 3)) is None
    assert pb.sitting_day_problem(date(2027, 2, 7)).startswith("Sunday 7 February 2027 is a weekend")
    assert pb.sitting_day_problem(date(2027, 12, 28)).startswith("Tuesday 28 December 2027 is a bank holiday")
    assert all(pb.sitting_day_problem(d) is None for d in pb.monthly_sittings(2027, 0, 1))   # off bank holidays


def test_booking_after_the_papers_deadline_needs_special_circumstances_for_the_panel_advisor():
    deadline = datetime(2026, 12, 11, 17, 0, tzinfo=LONDON)
    before, after = datetime(2026, 12, 11, 16, 59, tzinfo=LONDON), datetime(2026, 12, 11, 17, 0, tzinfo=LONDON)
    assert pb.late_booking_problem(JAN, deadline, None, before) is None
    assert pb.late_booking_problem(JAN, deadline, None, after).startswith(
        "The papers deadline for the Panel on Wednesday 6 January 2027 was 17:00 on Friday 11 December 2026.")
    assert pb.late_booking_problem(JAN, deadline, "  ", after) is not None
    assert pb.late_booking_problem(JAN, deadline, "Court timetable", after) is None
    late = pb.placement_data(pb.ADOPTION, "booked", JAN, deadline, 1, 1, now=after)
    assert late["placement"]["late"] is True
    assert pb.placement_data(pb.ADOPTION, "booked", JAN, deadline, 1, 1, now=before)["placement"]["late"] is False
    # the Panel Advisor's date for the papers: from today, before the Panel
    today = date(2026, 12, 14)
    assert pb.late_booking_problems({"decision": "accept", "papers_by": "2026-12-23"}, JAN, today) == []
    assert pb.late_booking_problems({"decision": "accept", "papers_by": "2026-12-13"}, JAN, today) == [
        "The date for the papers must not be in the past."]
    assert pb.late_booking_problems({"decision": "accept", "papers_by": "2027-01-06"}, JAN, today) == [
        "The papers must come before the Panel on Wednesday 6 January 2027: choose an earlier date."]
    assert pb.late_booking_problems({"decision": "refuse"}, JAN, today) == []


def test_the_fostering_manager_signs_off_the_reports_the_matrix_names():
    assert [t for t in pb.CASE_TYPES if pb.needs_sign_off(t)] == ["fostering_permanence", "foster_carer_approval"]
