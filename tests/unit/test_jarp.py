"""JARP referral rules (004, Panels §6, Appendix A and B).

Dates: in January 2025 Fri 10 and Fri 17 are cut-off days for the Tuesday
sittings on the 14th and 21st. Easter 2025 is Fri 18 - Mon 21 April.
"""
import json
from datetime import date, datetime, time, timedelta, timezone

import pytest

from processes import clock, jarp
from processes.calendar import MeetingCalendar

D = date.fromisoformat
L = clock.LONDON

# Appendix B as printed in the source, item by item.
APPENDIX_B = {
    "court_proceedings": 3, "looked_after_episode_started": 3, "cp_concerns_imminent_removal": 3,
    "placement_breakdown_threat": 3, "parent_requested_removal": 3,
    "substance_dependency_both_parents": 3, "child_mental_illness": 3, "child_disability": 2,
    "parent_hospitalised_or_imprisoned": 2, "cp_registration_recent": 3,
    "unplanned_placement_move": 2, "carried_over": 2, "long_term_familial_dysfunction": 2,
    "care_leaver_16_19": 2, "teenage_pregnancy_or_parent": 2, "substance_dependency_parent": 2,
    "parent_mental_illness": 2, "parent_learning_disability": 2, "care_leaver_19_24": 2,
    "school_exclusion": 1,
}


# --- data ------------------------------------------------------------------

def test_criteria_match_appendix_b():
    assert [c["key"] for c in jarp.CRITERIA] == list(APPENDIX_B)
    assert {c["key"]: c["points"] for c in jarp.CRITERIA} == APPENDIX_B


def test_all_points_add_up_to_47():
    # 8 criteria at 3, 11 at 2 and 1 at 1.
    assert sum(c["points"] for c in jarp.CRITERIA) == 47


def test_threshold_risks_and_direct_grounds():
    assert list(jarp.THRESHOLD_RISKS) == ["familial_breakdown", "placement_breakdown",
                                          "child_protection_concerns", "becoming_looked_after",
                                          "cases_in_court"]
    assert list(jarp.DIRECT_GROUNDS) == ["police_protection", "emergency_protection_order",
                                         "first_episode_newly_looked_after",
                                         "court_directed_family_support"]


# --- score and priority ----------------------------------------------------

def test_score_over_every_key():
    assert jarp.score([c["key"] for c in jarp.CRITERIA]) == 47


@pytest.mark.parametrize("key, points", APPENDIX_B.items())
def test_score_of_each_criterion(key, points):
    assert jarp.score([key]) == points


def test_score_forms():
    assert jarp.score([]) == 0
    assert jarp.score(None) == 0
    assert jarp.score(["court_proceedings", "child_disability", "school_exclusion"]) == 6
    assert jarp.score(["school_exclusion", "school_exclusion"]) == 1
    assert jarp.score({"court_proceedings": True, "school_exclusion": False}) == 3
    assert jarp.score("court_proceedings") == 3


def test_unknown_criterion_is_named():
    with pytest.raises(ValueError, match="'truancy'"):
        jarp.score(["court_proceedings", "truancy"])
    with pytest.raises(ValueError, match="'truancy'"):
        jarp.score({"truancy": False})


@pytest.mark.parametrize("points, expected", [
    (0, 3), (1, 3), (6, 3), (7, 2), (10, 2), (11, 1), (20, 1), (21, 1), (47, 1)])
def test_priority_boundaries(points, expected):
    assert jarp.priority(points) == expected


def test_negative_points_are_an_error():
    with pytest.raises(ValueError):
        jarp.priority(-1)


# --- Friday 14:00 cut-off --------------------------------------------------

@pytest.mark.parametrize("received, meeting", [
    ("2025-01-10T13:59:00", "2025-01-14"),
    ("2025-01-10T14:00:00", "2025-01-14"),   # "no later than 2pm": exactly 14:00 is in time
    ("2025-01-10T14:00:01", "2025-01-21"),
    ("2025-01-10T14:01:00", "2025-01-21"),
    ("2025-01-10T08:00:00", "2025-01-14"),
    ("2025-01-11T10:00:00", "2025-01-21"),   # Saturday
    ("2025-01-12T23:59:00", "2025-01-21"),   # Sunday
    ("2025-01-13T10:00:00", "2025-01-21"),   # Monday: eight days later
    ("2025-01-14T09:00:00", "2025-01-21"),   # Tuesday before the meeting: Friday has passed
    ("2025-01-14T12:00:00", "2025-01-21"),
    ("2025-01-15T10:00:00", "2025-01-21"),   # Wednesday
    ("2025-01-16T16:00:00", "2025-01-21"),   # Thursday
    ("2025-01-17T13:59:59", "2025-01-21"),
    ("2025-01-17T15:00:00", "2025-01-28"),
])
def test_meeting_for_cut_off(received, meeting):
    assert jarp.meeting_for(received) == D(meeting)


def test_cut_off_is_london_time():
    # Fri 13 June 2025, 13:30 UTC is 14:30 BST: late.
    assert jarp.meeting_for("2025-06-13T13:30:00+00:00") == D("2025-06-24")
    assert jarp.meeting_for("2025-06-13T12:59:00+00:00") == D("2025-06-17")
    assert jarp.meeting_for(datetime(2025, 6, 13, 14, 0, tzinfo=L)) == D("2025-06-17")


def test_good_friday_cut_off_still_counts():
    assert jarp.meeting_for("2025-04-18T11:00:00") == D("2025-04-22")


def test_cut_off_for():
    assert jarp.cutoff_for(D("2025-01-14")).isoformat() == "2025-01-10T14:00:00+00:00"
    assert jarp.cutoff_for(D("2025-06-17")).isoformat() == "2025-06-13T14:00:00+01:00"


def test_cancelled_sitting_sends_referrals_to_the_next():
    cal = MeetingCalendar(weekday=1, at=time(9, 30), cancelled=frozenset({D("2025-01-21")}))
    assert jarp.meeting_for("2025-01-17T10:00:00", cal) == D("2025-01-28")
    assert jarp.meeting_for("2025-01-13T10:00:00", cal) == D("2025-01-28")
    assert jarp.meeting_for("2025-01-10T13:00:00", cal) == D("2025-01-14")


def test_moved_sitting_keeps_the_original_friday_cut_off():
    later = MeetingCalendar(weekday=1, at=time(9, 30), moved={D("2025-01-21"): D("2025-01-23")})
    assert jarp.meeting_for("2025-01-17T14:00:00", later) == D("2025-01-23")
    assert jarp.meeting_for("2025-01-17T14:30:00", later) == D("2025-01-28")
    assert jarp.meeting_for("2025-01-20T10:00:00", later) == D("2025-01-28")
    earlier = MeetingCalendar(weekday=1, at=time(9, 30), moved={D("2025-01-21"): D("2025-01-20")})
    assert jarp.meeting_for("2025-01-17T11:00:00", earlier) == D("2025-01-20")
    assert jarp.meeting_for("2025-01-17T15:00:00", earlier) == D("2025-01-28")
    # Brought forward to before its usual Friday: the Friday before the new date counts.
    early = MeetingCalendar(weekday=1, at=time(9, 30), moved={D("2025-01-21"): D("2025-01-16")})
    assert jarp.cutoff_for(D("2025-01-16"), early).isoformat() == "2025-01-10T14:00:00+00:00"
    assert jarp.meeting_for("2025-01-10T14:00:00", early) == D("2025-01-14")
    assert jarp.meeting_for("2025-01-13T09:00:00", early) == D("2025-01-28")


# --- response windows ------------------------------------------------------

def iso(window):
    return tuple(x.isoformat() for x in window)


def test_p1_is_48_hours_from_the_meeting():
    assert iso(jarp.response_window(1, D("2025-01-14"))) == (
        "2025-01-14T09:30:00+00:00", "2025-01-16T09:30:00+00:00")
    assert iso(jarp.response_window(1, "2025-01-14T10:15:00+00:00")) == (
        "2025-01-14T10:15:00+00:00", "2025-01-16T10:15:00+00:00")
    # Elapsed hours: across the clocks going forward (30 March 2025) the wall clock gains one.
    assert iso(jarp.response_window(1, "2025-03-29T12:00:00")) == (
        "2025-03-29T12:00:00+00:00", "2025-03-31T13:00:00+01:00")


def test_p2_is_2_to_5_working_days():
    assert iso(jarp.response_window(2, D("2025-01-14"))) == (
        "2025-01-16T08:30:00+00:00", "2025-01-21T17:00:00+00:00")
    assert iso(jarp.response_window(2, "2025-01-14")) == (
        "2025-01-16T08:30:00+00:00", "2025-01-21T17:00:00+00:00")
    # Over Good Friday and Easter Monday.
    assert iso(jarp.response_window(2, D("2025-04-15"))) == (
        "2025-04-17T08:30:00+01:00", "2025-04-24T17:00:00+01:00")
    # Over Christmas, Boxing Day and New Year's Day.
    assert iso(jarp.response_window(2, datetime(2025, 12, 23, 9, 30))) == (
        "2025-12-29T08:30:00+00:00", "2026-01-02T17:00:00+00:00")


def test_p3_is_3_to_10_working_days():
    assert iso(jarp.response_window(3, D("2025-01-14"))) == (
        "2025-01-17T08:30:00+00:00", "2025-01-28T17:00:00+00:00")
    assert iso(jarp.response_window(3, D("2025-04-15"))) == (
        "2025-04-22T08:30:00+01:00", "2025-05-01T17:00:00+01:00")
    assert iso(jarp.response_window(3, D("2025-12-23"))) == (
        "2025-12-30T08:30:00+00:00", "2026-01-09T17:00:00+00:00")


def test_unknown_priority_has_no_window():
    with pytest.raises(ValueError):
        jarp.response_window(4, D("2025-01-14"))


# --- threshold -------------------------------------------------------------

GOOD = {"case_holder_tier3": True, "threshold_risks": ["familial_breakdown"],
        "criteria": ["school_exclusion"]}


def test_a_good_referral_has_no_problems():
    assert jarp.threshold_problems(GOOD) == []
    assert jarp.threshold_problems({**GOOD, "criteria": []}) == []
    assert jarp.threshold_problems({**GOOD, "threshold_risks": {"familial_breakdown": True,
                                                                 "cases_in_court": False}}) == []


@pytest.mark.parametrize("tier3", [False, None, "yes", 1])
def test_tier3_case_holder_must_be_true(tier3):
    assert jarp.threshold_problems({**GOOD, "case_holder_tier3": tier3}) == [
        "The family does not have a Tier 3 case-holding social worker."]


def test_a_threshold_risk_is_needed():
    problems = jarp.threshold_problems({**GOOD, "threshold_risks": []})
    assert problems == ["The assessment shows none of the threshold risks: familial breakdown, "
                        "placement breakdown, child protection concerns, becoming looked after, "
                        "cases in court (supervision, care or secure accommodation proceedings)."]
    assert len(jarp.threshold_problems({"case_holder_tier3": True})) == 1
    assert len(jarp.threshold_problems({**GOOD, "threshold_risks": {"familial_breakdown": False}})) == 1


def test_unknown_keys_are_problems():
    assert jarp.threshold_problems({**GOOD, "threshold_risks": ["familial_breakdown", "poverty"],
                                    "criteria": ["truancy"]}) == [
        "'poverty' is not a JARP threshold risk.",
        "'truancy' is not an Appendix B criterion."]


def test_everything_wrong():
    assert len(jarp.threshold_problems({"criteria": ["truancy"]})) == 3


def test_direct_referral_needs_a_valid_ground_not_a_risk():
    direct = {"case_holder_tier3": True, "direct_ground": "police_protection"}
    assert jarp.threshold_problems(direct) == []
    assert jarp.threshold_problems({**direct, "direct_ground": "urgent"}) == [
        "'urgent' is not a ground for a direct referral."]
    assert jarp.threshold_problems({**direct, "case_holder_tier3": False}) == [
        "The family does not have a Tier 3 case-holding social worker."]
    assert jarp.threshold_problems({**direct, "criteria": ["truancy"]}) == [
        "'truancy' is not an Appendix B criterion."]


# --- assess ----------------------------------------------------------------

def test_assess_a_priority_3_referral():
    referral = {**GOOD, "criteria": ["school_exclusion", "court_proceedings", "child_disability"]}
    result = jarp.assess(referral, "2025-01-10T13:00:00")
    assert result == {
        "points": 6,
        "priority": 3,
        "meeting_date": "2025-01-14",
        "meeting_at": "2025-01-14T09:30:00+00:00",
        "direct": False,
        "criteria": ["court_proceedings", "child_disability", "school_exclusion"],
        "criteria_labels": ["Court proceedings in progress (secure, care or supervision)",
                            "Child has a diagnosed disability", "School exclusion"],
        "received_at": "2025-01-10T13:00:00+00:00",
        "carried_over": False,
        "carry_overs": 0,
    }
    assert json.loads(json.dumps(result)) == result


def test_assess_priority_1_and_2():
    p1 = jarp.assess({**GOOD, "criteria": ["court_proceedings", "cp_concerns_imminent_removal",
                                           "placement_breakdown_threat", "child_disability"]},
                     datetime(2025, 1, 10, 14, 0, 1, tzinfo=L))
    assert (p1["points"], p1["priority"], p1["meeting_date"]) == (11, 1, "2025-01-21")
    p2 = jarp.assess({**GOOD, "criteria": {"court_proceedings": True, "child_mental_illness": True,
                                           "school_exclusion": True, "care_leaver_19_24": False}},
                     "2025-06-13T12:00:00+00:00")
    assert (p2["points"], p2["priority"], p2["meeting_at"]) == (7, 2, "2025-06-17T09:30:00+01:00")


def test_assess_a_direct_referral():
    result = jarp.assess({"case_holder_tier3": True, "direct_ground": "emergency_protection_order",
                          "criteria": ["school_exclusion"]}, "2025-01-15T10:00:00")
    assert (result["points"], result["priority"], result["direct"]) == (1, 1, True)
    assert result["meeting_date"] == "2025-01-21"
    assert result["meeting_at"] == "2025-01-21T09:30:00+00:00"


def test_assess_rejects_unknown_keys():
    with pytest.raises(ValueError, match="'urgent'"):
        jarp.assess({**GOOD, "direct_ground": "urgent"}, "2025-01-15T10:00:00")
    with pytest.raises(ValueError, match="'truancy'"):
        jarp.assess({**GOOD, "criteria": ["truancy"]}, "2025-01-15T10:00:00")


# --- carry over ------------------------------------------------------------

def test_carry_over_adds_two_points_once():
    first = jarp.assess({**GOOD, "criteria": ["court_proceedings", "child_disability",
                                              "school_exclusion"]}, "2025-01-10T13:00:00")
    once = jarp.carry_over(first, first["meeting_date"])
    assert (once["points"], once["priority"]) == (8, 2)
    assert once["meeting_date"] == "2025-01-21"
    assert once["meeting_at"] == "2025-01-21T09:30:00+00:00"
    assert once["criteria"] == ["court_proceedings", "child_disability", "carried_over",
                                "school_exclusion"]
    assert "Case previously referred to JARP but carried over" in once["criteria_labels"]
    assert (once["carried_over"], once["carry_overs"]) == (True, 1)
    assert first["points"] == 6 and "carried_over" not in first["criteria"]  # not mutated

    twice = jarp.carry_over(once, D("2025-01-21"))
    assert (twice["points"], twice["priority"], twice["meeting_date"]) == (8, 2, "2025-01-28")
    assert twice["criteria"].count("carried_over") == 1
    assert twice["carry_overs"] == 2
    assert json.loads(json.dumps(twice)) == twice


def test_carry_over_can_raise_priority():
    nine = jarp.assess({**GOOD, "criteria": ["court_proceedings", "child_mental_illness",
                                             "parent_mental_illness", "school_exclusion"]},
                       "2025-01-10T13:00:00")
    assert (nine["points"], nine["priority"]) == (9, 2)
    carried = jarp.carry_over(nine, "2025-01-14")
    assert (carried["points"], carried["priority"]) == (11, 1)


def test_carry_over_skips_a_cancelled_sitting_and_keeps_direct_p1():
    cal = MeetingCalendar(weekday=1, at=time(9, 30), cancelled=frozenset({D("2025-01-21")}))
    direct = jarp.assess({"case_holder_tier3": True, "direct_ground": "police_protection"},
                         "2025-01-10T13:00:00", cal)
    moved = jarp.carry_over(direct, direct["meeting_date"], cal)
    assert (moved["meeting_date"], moved["points"], moved["priority"]) == ("2025-01-28", 2, 1)


# --- six-weekly reviews ----------------------------------------------------

@pytest.mark.parametrize("allocated, n, flag, review", [
    ("2025-01-14", 1, "2025-02-18", "2025-02-25"),  # nothing in the way
    ("2025-03-10", 1, "2025-04-15", "2025-04-22"),  # review due on Easter Monday
    ("2025-03-31", 1, "2025-05-02", "2025-05-12"),  # flag due on the early May bank holiday
    ("2025-11-14", 1, "2025-12-22", "2025-12-29"),  # review due on Boxing Day
    ("2021-11-15", 1, "2021-12-22", "2021-12-29"),  # review due on the 27 Dec substitute day
    ("2025-03-10", 2, "2025-05-23", "2025-06-02"),  # second review; flag on spring bank holiday
])
def test_review_dates(allocated, n, flag, review):
    assert jarp.review_dates(D(allocated), n) == (D(flag), D(review))


def test_review_dates_takes_strings_and_rejects_n_below_one():
    assert jarp.review_dates("2025-01-14T16:00:00+00:00") == (D("2025-02-18"), D("2025-02-25"))
    with pytest.raises(ValueError):
        jarp.review_dates(D("2025-01-14"), 0)


# --- agenda ----------------------------------------------------------------

def test_agenda_order():
    items = [
        {"id": "p3", "priority": 3, "points": 6, "received_at": "2025-01-06T09:00:00"},
        {"id": "p2-new-high", "priority": 2, "points": 10, "received_at": "2025-01-09T09:00:00"},
        {"id": "p2-carried", "priority": 2, "points": 8, "received_at": "2025-01-03T09:00:00",
         "carried_over": True, "carry_overs": 1},
        {"id": "p2-new-late", "priority": 2, "points": 7, "received_at": "2025-01-10T13:00:00"},
        {"id": "p2-new-early", "priority": 2, "points": 7, "received_at": "2025-01-08T09:00:00+00:00"},
        {"id": "p1", "priority": 1, "points": 3, "received_at": "2025-01-10T13:59:00",
         "direct": True},
    ]
    assert [i["id"] for i in sorted(items, key=jarp.agenda_sort_key)] == [
        "p1", "p2-carried", "p2-new-high", "p2-new-early", "p2-new-late", "p3"]


# ---------------------------------------------------------------- issue 12 items 8, 13, 17

@pytest.mark.parametrize("service", jarp.REFERRING_SERVICES)
def test_the_services_panels_6_lists_may_refer(service):
    assert jarp.referrer_problems(service) == []


@pytest.mark.parametrize("service", ["Rapid Response", "Family Support", "ART", None])
def test_other_services_may_not_refer_and_are_told_who_may(service):
    [problem] = jarp.referrer_problems(service)
    assert problem.startswith("Only the case-holding units of A&A, CIN, CWD, Fostering, Adoption, Hospital, "
                              "Leaving Care and LAC may refer to JARP (Panels §6)")
    assert "through Access and Assessment" in problem


def test_a_jarp_decision_is_recorded_from_the_sittings_start():
    sitting = datetime(2026, 11, 24, 9, 30, tzinfo=clock.LONDON)
    [problem] = jarp.decision_problems({}, sitting.isoformat(), sitting - timedelta(seconds=1))
    assert problem.startswith("JARP meets on Tuesday 24 November 2026 at 09:30")
    assert "direct referral" in problem
    assert jarp.decision_problems({}, sitting.isoformat(), sitting) == []
    assert jarp.decision_problems({}, sitting.isoformat(), sitting + timedelta(days=7)) == []


def test_the_agenda_summary_says_what_is_asked_and_what_the_child_wants():
    summary = jarp.agenda_summary({"assessment_summary": " Risk of breakdown. ", "duration_weeks": 12,
                                   "hours_per_week": 3.5, "expected_outcomes": "Calmer home.",
                                   "child_asked": True, "child_wishes": "To stay with mum."})
    assert summary == ("Risk of breakdown. Asked for 12 weeks, 3.5 hours a week. Expected outcomes: Calmer home. "
                       "What the child wants to happen next: To stay with mum.")
    assert jarp.agenda_summary({"assessment_summary": "EPO.", "child_asked": False,
                                "child_not_asked_reason": "A baby."}) == "EPO. The child was not asked: A baby."


def test_a_review_asks_the_listed_agencies_and_none_for_free_text_from_older_decisions():
    assert jarp.providers(["Contact Service", "Youth Offending Team"]) == ["Contact Service", "Youth Offending Team"]
    assert jarp.providers("Child and Family Consultation Service; Parenting Team") == []
    assert jarp.providers(None) == []
