"""Children's Resource Panel rules (Panels §1): Monday sittings, the Thursday-noon
cut-off to the minute, cancelled sittings, papers per request, the decision sheet."""
from datetime import date, datetime, timezone

import pytest

from processes import resource_panel as rp
from processes.clock import LONDON

THU = date(2026, 12, 3)
COMING = date(2026, 12, 7)
AFTER = date(2026, 12, 14)


def at(d: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, second, tzinfo=LONDON)


@pytest.mark.parametrize("notified, panel", [
    (at(date(2026, 11, 30), 10), COMING),           # Monday after the sitting started
    (at(date(2026, 12, 2), 17), COMING),            # Wednesday
    (at(THU, 11, 59), COMING),
    (at(THU, 12, 0), COMING),                       # "by 12 noon": noon itself is in time
    (at(THU, 12, 0, 1), AFTER),                     # a second late is late
    (at(THU, 12, 1), AFTER),
    (at(date(2026, 12, 4), 9), AFTER),              # Friday
    (at(date(2026, 12, 6), 23, 59), AFTER),         # Sunday night
    (at(COMING, 8, 0), AFTER),                      # the Monday itself: its cut-off has gone
])
def test_panel_for_applies_the_thursday_noon_cut_off(notified, panel):
    assert rp.panel_for(notified) == panel


def test_panel_for_accepts_iso_strings_and_utc_times():
    assert rp.panel_for("2026-12-03T12:00:00+00:00") == COMING
    # in British Summer Time noon London is 11:00 UTC: 11:01 UTC is late
    assert rp.panel_for(datetime(2026, 6, 4, 11, 0, tzinfo=timezone.utc)) == date(2026, 6, 8)
    assert rp.panel_for(datetime(2026, 6, 4, 11, 1, tzinfo=timezone.utc)) == date(2026, 6, 15)


def test_cancelled_sittings_are_skipped():
    assert rp.panel_for(at(THU, 10), cancelled=[COMING]) == AFTER
    assert rp.panel_for(at(THU, 10), cancelled=["2026-12-07", "2026-12-14"]) == date(2026, 12, 21)
    # a later case goes to the Monday after, unless that is cancelled too
    assert rp.panel_for(at(THU, 13), cancelled=[AFTER]) == date(2026, 12, 21)
    # a date that is not a Monday is no sitting and changes nothing
    assert rp.panel_for(at(THU, 10), cancelled=[date(2026, 12, 8)]) == COMING


def test_a_bank_holiday_monday_sits_unless_the_administrator_cancels_it():
    # Monday 28 December 2026 is a bank holiday (Boxing Day substitute)
    assert rp.panel_for(at(date(2026, 12, 24), 11)) == date(2026, 12, 28)
    assert rp.panel_for(at(date(2026, 12, 24), 11), cancelled=[date(2026, 12, 28)]) == date(2027, 1, 4)


def test_cut_off_is_thursday_noon_before_the_monday():
    assert rp.cutoff_for(COMING) == at(THU, 12)
    assert rp.cutoff_for("2026-12-14") == at(date(2026, 12, 10), 12)


def test_next_panel_for_an_emergency_has_no_cut_off():
    assert rp.next_panel(at(date(2026, 12, 4), 16)) == COMING          # Friday → Monday
    assert rp.next_panel(at(COMING, 8, 59)) == COMING                   # before it starts
    assert rp.next_panel(at(COMING, 9, 0)) == AFTER                     # once it has started
    assert rp.next_panel(at(date(2026, 12, 4), 16), cancelled=[COMING]) == AFTER


def test_a_review_gives_the_unit_a_weeks_notice():
    assert rp.review_panel_for(at(date(2026, 11, 30), 10)) == COMING   # Monday → next Monday
    assert rp.review_panel_for(at(date(2026, 12, 1), 10)) == AFTER     # Tuesday: 7 December too soon
    assert rp.review_panel_for(at(date(2026, 12, 1), 10), cancelled=[AFTER]) == date(2026, 12, 21)


def test_sitting_data_and_when_papers_are_due():
    sitting = rp.sitting_data(COMING, at(date(2026, 12, 1), 10))
    assert sitting == {
        "date": "2026-12-07", "starts_at": "2026-12-07T09:00:00+00:00",
        "ends_at": "2026-12-07T13:00:00+00:00", "cut_off": "2026-12-03T12:00:00+00:00",
        "papers_due": "2026-12-03T12:00:00+00:00", "label": "Monday 7 December 2026",
    }
    # listed after the cut-off (an emergency on Friday): papers by the start of the Panel
    assert rp.sitting_data(COMING, at(date(2026, 12, 4), 16))["papers_due"] == "2026-12-07T09:00:00+00:00"
    assert rp.next_cutoff(at(THU, 12, 30)) == "2026-12-10T12:00:00+00:00"
    assert rp.emergency_due(at(date(2026, 12, 4), 16)) == "2026-12-04T18:00:00+00:00"
    assert rp.decision_sheet_due(at(date(2026, 12, 4), 16)) == "2026-12-07T17:00:00+00:00"


def test_upcoming_and_sitting_after_leave_out_cancelled_sittings():
    assert rp.upcoming(date(2026, 12, 2), 3, cancelled=[AFTER]) == [COMING, date(2026, 12, 21),
                                                                    date(2026, 12, 28)]
    assert rp.sitting_after(COMING, cancelled=[AFTER]) == date(2026, 12, 21)


# ---------------------------------------------------------------- papers

def papers(*kinds):
    return [{"id": i, "kind": k, "name": f"{k}.pdf", "label": k} for i, k in enumerate(kinds)]


STANDARD = papers("panel_proforma", "genogram", "chronology", "core_assessment")
TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("sought", [k for k in rp.REQUESTS if k not in rp.CARE_PROCEEDINGS])
def test_standard_requests_need_the_four_papers(sought):
    assert rp.paper_problems([sought], {"papers": STANDARD}, TODAY) == []
    assert rp.paper_problems([sought], {"papers": STANDARD[1:]}, TODAY) == ["Missing paper: Panel pro-forma."]


@pytest.mark.parametrize("sought", rp.CARE_PROCEEDINGS)
def test_care_proceedings_need_the_plan_and_both_meetings_in_the_past(sought):
    complete = {"papers": STANDARD + papers("pre_proceedings_plan"),
                "legal_planning_meeting_date": "2026-11-20", "negotiation_meeting_date": "2026-12-01"}
    assert rp.paper_problems([sought], complete, TODAY) == []     # a meeting today counts as held
    problems = rp.paper_problems([sought], {"papers": STANDARD, "negotiation_meeting_date": "2026-12-02"},
                                 TODAY)
    assert problems == [
        "Missing paper: Pre-proceedings case plan.",
        "Missing: the date of the legal planning meeting. Care proceedings come to Panel only after it "
        "has taken place (Panels §1).",
        "The negotiation meeting with the family is on Wednesday 2 December 2026, which has not happened yet. Care "
        "proceedings come to Panel only after it has taken place (Panels §1).",
    ]


def test_nothing_sent_lists_every_missing_paper_and_reviews_need_the_review():
    assert rp.paper_problems(["epo"], {}, TODAY) == [
        "Missing paper: Panel pro-forma.", "Missing paper: Genogram.", "Missing paper: Chronology.",
        "Missing paper: Core assessment (with risk analysis).",
    ]
    assert rp.paper_problems([], {"papers": STANDARD}, TODAY, review=True) == [
        "Missing paper: Latest review papers."]
    assert rp.papers_needed(["care_order", "residential_placement"]) == [
        "panel_proforma", "genogram", "chronology", "core_assessment", "pre_proceedings_plan"]


def test_only_section_31_requests_are_care_proceedings():
    assert rp.is_care_proceedings(["s20_planned", "interim_supervision_order"])
    assert not rp.is_care_proceedings(["epo", "secure_accommodation", "s20_unplanned"])


# ---------------------------------------------------------------- decision sheet

def test_every_approval_names_its_section_and_no_section_stands_alone():
    good = {"outcome": "approved", "approved": ["care_order", "residential_placement"], "sections": ["s31", "s22c"]}
    assert rp.decision_sheet_problems(good) == []
    assert rp.decision_sheet_problems(dict(good, sections=["s31"])) == [
        "‘Residential placement’ comes under ‘Section 22C (placement of a looked after child)’: tick that section."]
    assert rp.decision_sheet_problems(dict(good, sections=["s31", "s22c", "s25"])) == [
        "Nothing approved comes under ‘Section 25 (secure accommodation)’: untick it or record what is "
        "approved under it."]


def test_an_outcome_that_is_not_an_approval_approves_nothing():
    assert rp.decision_sheet_problems({"outcome": "not_approved"}) == []
    assert rp.decision_sheet_problems({"outcome": "deferred", "sections": ["s20"]}) == [
        "The outcome is not an approval, so clear what is approved and under which section, or change "
        "the outcome."]


def test_decision_summary_in_words():
    summary = rp.decision_summary({"outcome": "approved", "approved": ["epo"], "sections": ["s44"],
                                   "rationale": "r", "conditions": "None", "actions": "a",
                                   "refer_to_jarp": True}, emergency=True)
    assert summary == {"outcome": "Ratified", "approved": ["Emergency protection order (section 44)"],
                       "sections": ["Section 44 (emergency protection order)"], "rationale": "r",
                       "conditions": "None", "actions": "a", "refer_to_jarp": "Yes"}
    assert rp.decision_summary({"outcome": "approved"})["outcome"] == "Approved"


def test_every_request_and_approval_has_a_known_section():
    assert all(section in rp.SECTIONS for _, section in rp.APPROVALS.values())
    assert set(rp.EMERGENCY) <= set(rp.REQUESTS)


# ---------------------------------------------------------------- issue 12 items 8-11

MONDAY_NINE = at(COMING, 9, 0)


@pytest.mark.parametrize("now, early", [
    (at(date(2026, 11, 30), 12), True),             # a week early
    (at(COMING, 8, 59, 59), True),
    (MONDAY_NINE, False),                           # 09:00:00 is in time
    (at(COMING, 13, 30), False),                    # after the sitting
    (at(AFTER, 10), False),
])
def test_a_decision_is_recorded_only_at_or_after_the_sitting(now, early):
    from processes import sittings
    problems = sittings.decision_problems(MONDAY_NINE.isoformat(), now)
    assert bool(problems) is early
    if early:
        assert problems == ["The Panel sits on Monday 7 December 2026 at 09:00: its decision can be recorded "
                            "only at or after the sitting. An emergency that cannot wait is agreed by the "
                            "Head of Service."]


def test_an_early_decision_sheet_lists_every_problem_at_once():
    sheet = {"outcome": "approved", "approved": ["care_order"], "sections": []}
    problems = rp.decision_sheet_problems(sheet, rp.starts_at(COMING).isoformat(), at(THU, 10))
    assert len(problems) == 2 and problems[0].startswith("The Panel sits on Monday 7 December 2026")


def test_membership_follows_panels_1():
    assert all(rp.is_member(p, None) for p in ("Assistant Director", "Deputy Director", "Principal Lawyer",
                                                "Head of Family Support", "Head of Service Children's Resources"))
    assert rp.is_member("Head of Service", "LAC") and not rp.is_member("Head of Service", "Fostering")
    assert not rp.is_member("Panel Chair", None) and not rp.is_member("Consultant Social Worker", "CIN")


def test_secure_accommodation_is_its_own_route_and_the_meeting_must_have_been_held():
    assert rp.is_secure(["secure_accommodation"]) and not rp.is_secure(["s20_planned"])
    assert rp.secure_planning_problems({"held_on": "2026-12-03"}, date(2026, 12, 3)) == []
    assert rp.secure_planning_problems({"held_on": "2026-12-04"}, date(2026, 12, 3)) == [
        "The Secure Planning Meeting is on Friday 4 December 2026, which has not happened yet: record it once it "
        "has been held."]
    final = rp.secure_decision({"held_on": "2026-12-03"}, {"decision": "not_approve", "rationale": "r",
                                                           "conditions": "None", "actions": "a"}, at(THU, 15))
    assert (final["outcome"], final["approved"], final["sections"]) == ("Not approved", [], [])


def test_presenting_points_in_words():
    assert rp.presenting_points({"child_asked": False, "child_not_asked_reason": "A baby.",
                                 "relatives_contacted": False, "parents_views": "Agree."}) == [
        ("Why the child was not asked", "A baby."),
        ("Relatives and friends contacted and asked to care for the child", "No"),
        ("Views of the parents, the Children's Guardian or the court", "Agree."),
    ]
    assert rp.presenting_points(None) == []
