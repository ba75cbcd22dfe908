"""Case transfer protocol (004, Section 2 "Case Transfer" §2.3, §3, §3.1-3.4, §4).

Dates: March 2026 has no bank holiday; a request on Tue 10 March is due on
Fri 13 March (Wed 11, Thu 12, Fri 13). Christmas 2026: Fri 25 Dec, Boxing Day
Sat 26 Dec with its substitute Mon 28 Dec. Clocks go forward Sun 29 March 2026.
"""
from datetime import date, datetime, timezone

import pytest

from processes import clock, posts, transfer
from processes.calendar import is_working_day

D = date.fromisoformat
L = clock.LONDON

BASE = {"request_date": "2026-03-10", "transfer_date": "2026-03-13",
        "joint_visit_date": "2026-03-09"}

GOOD = {
    "aa_cin_child_protection": {**BASE, "core_group_date": "2026-02-04",
                                "first_review_conference_date": "2026-04-15"},
    "aa_cin_pre_birth": {**BASE, "expected_delivery_date": "2026-04-20"},
    "aa_cin_looked_after": {**BASE, "first_lac_review_date": "2026-03-06"},
    "aa_cin_court": {"request_date": "2026-03-10", "transfer_date": "2026-03-12",
                     "first_hearing_date": "2026-03-12", "both_services_attend": True},
    "aa_cin_child_in_need": {**BASE, "core_assessment_date": "2026-03-05",
                             "further_work_recommended": True, "clear_plan": True},
    "aa_cwd": {**BASE, "child_protection_factors": False},
    "cin_permanence": {**BASE, "destination": "LAC", "in_court": False,
                       "permanency_plan": "fostering_panel", "permanency_plan_date": "2026-03-09"},
    "cin_leaving_care_early": {**BASE, "in_court": True, "permanency_plan": "final_hearing",
                               "permanency_plan_date": "2026-03-13",
                               "date_of_birth": "2010-06-01"},
    "lac_leaving_care": {"request_date": "2026-07-15", "transfer_date": "2026-07-20",
                         "joint_visit_date": "2026-07-14", "date_of_birth": "2010-07-20",
                         "young_person_view": "Happy to move; wants the same PA.",
                         "wants_to_stay_in_lac": False},
    "into_rapid_response": {"request_date": "2026-03-10", "transfer_date": "2026-03-10",
                            "joint_visit_date": "2026-03-10",
                            "risk_of_care_from_family_conflict": True},
    "out_of_rapid_response": {**BASE, "destination": "CIN"},
    "to_other_authority": {"request_date": "2026-03-10", "transfer_date": "2026-03-13",
                           "other_authority": "Islington"},
    "from_other_authority": {"request_date": "2026-03-10", "transfer_date": "2026-03-11",
                             "other_authority": "Islington", "destination": "A&A"},
}


def p(route, **changes):
    return transfer.problems(route, {**GOOD[route], **changes})


# --- ROUTES ----------------------------------------------------------------

def test_every_route_has_a_passing_case():
    assert set(GOOD) == set(transfer.ROUTES)
    for route, facts in GOOD.items():
        assert transfer.problems(route, facts) == [], route


def test_route_shapes():
    for key, spec in transfer.ROUTES.items():
        assert {"label", "from", "to", "fields", "decider"} <= set(spec), key
        assert isinstance(spec["from"], tuple) and isinstance(spec["to"], tuple)
        assert posts.is_post(spec["decider"])
        assert "transfer_date" in spec["fields"] and "request_date" in spec["fields"]
        assert set(GOOD[key]) <= set(spec["fields"]), key
        for service in (*spec["from"], *spec["to"]):
            assert service in posts.SERVICES or service == transfer.OTHER_LA


def test_deciders():
    assert transfer.ROUTES["cin_leaving_care_early"]["decider"] == posts.GROUP_MANAGER
    others = {k: v["decider"] for k, v in transfer.ROUTES.items() if k != "cin_leaving_care_early"}
    assert set(others.values()) == {posts.CSW}
    # Acceptance: "Consultant Social Worker / Referral Manager", the same rank.
    assert posts.can_act_as(posts.REFERRAL_MANAGER, transfer.ROUTES["from_other_authority"]["decider"])


def test_route_directions():
    r = transfer.ROUTES
    assert r["aa_cwd"]["from"] == ("A&A",) and r["aa_cwd"]["to"] == ("CWD",)
    assert r["cin_permanence"]["to"] == ("LAC", "Adoption", "Leaving Care")
    assert r["lac_leaving_care"]["from"] == ("LAC",)
    assert r["into_rapid_response"]["to"] == ("Rapid Response",)
    assert r["out_of_rapid_response"]["from"] == ("Rapid Response",)
    assert r["to_other_authority"]["to"] == (transfer.OTHER_LA,)
    assert r["from_other_authority"]["from"] == (transfer.OTHER_LA,)


def test_joint_visit_is_asked_except_in_court_and_between_authorities():
    without = {k for k, v in transfer.ROUTES.items() if "joint_visit_date" not in v["fields"]}
    assert without == {"aa_cin_court", "to_other_authority", "from_other_authority"}


def test_unknown_route():
    for bad in ("cin_to_mars", "", None):
        with pytest.raises(ValueError, match="unknown transfer route"):
            transfer.problems(bad, {})
        with pytest.raises(ValueError):
            transfer.can_reject(bad)


def test_problems_accepts_dates_and_datetimes():
    facts = {**GOOD["aa_cwd"], "request_date": D("2026-03-10"),
             # March is GMT: 00:30 UTC on 13 March is 13 March in London.
             "transfer_date": datetime(2026, 3, 13, 0, 30, tzinfo=timezone.utc),
             "joint_visit_date": datetime(2026, 3, 9, 15, 0)}
    assert transfer.problems("aa_cwd", facts) == []


def test_empty_strings_count_as_missing():
    assert p("aa_cwd", joint_visit_date="") == [
        "The joint visit by the sending and receiving services is not recorded."]


# --- common rules ----------------------------------------------------------

def test_joint_visit_window_is_0_to_7_days_before():
    assert p("aa_cwd", joint_visit_date="2026-03-06") == []   # 7 days before
    assert p("aa_cwd", joint_visit_date="2026-03-13") == []   # on the day
    assert p("aa_cwd", joint_visit_date="2026-03-05") == [
        "The joint visit must be within the 7 days before the transfer date "
        "(it was on 5 March, 8 days before)."]
    assert p("aa_cwd", joint_visit_date="2026-03-01") == [
        "The joint visit must be within the 7 days before the transfer date "
        "(it was on 1 March, 12 days before)."]
    assert p("aa_cwd", joint_visit_date="2026-03-14") == [
        "The joint visit must be within the 7 days before the transfer date "
        "(it was on 14 March, 1 day after it)."]


def test_joint_visit_year_shown_when_it_differs():
    facts = {**GOOD["aa_cwd"], "request_date": "2026-12-31", "transfer_date": "2027-01-05",
             "joint_visit_date": "2026-12-20"}
    assert transfer.problems("aa_cwd", facts) == [
        "The joint visit must be within the 7 days before the transfer date "
        "(it was on 20 December 2026, 16 days before)."]


def test_transfer_within_3_working_days_of_the_request():
    assert p("aa_cwd", transfer_date="2026-03-16", joint_visit_date="2026-03-12") == [
        "The transfer must take place within 3 working days of the request "
        "(requested on 10 March, due by 13 March; the transfer date 16 March is 3 days late)."]
    assert p("aa_cwd", transfer_date="2026-03-09", joint_visit_date="2026-03-09") == [
        "The transfer date (9 March) is before the request (10 March)."]


def test_missing_transfer_and_request_dates():
    assert p("aa_cwd", transfer_date=None) == ["The transfer date is not recorded."]
    assert p("aa_cwd", request_date=None) == ["The request date is not recorded."]
    assert p("aa_cin_court", request_date=None) == ["The request date is not recorded."]


def test_destination_must_be_a_receiving_service():
    assert p("cin_permanence", destination=None) == [
        "The receiving service is not chosen (LAC, Adoption, Leaving Care)."]
    assert p("cin_permanence", destination="CWD") == [
        "'CWD' is not a receiving service for this route (LAC, Adoption, Leaving Care)."]
    assert p("aa_cwd", destination="CWD") == []
    assert p("aa_cwd", destination="CIN") == [
        "'CIN' is not a receiving service for this route (CWD)."]


# --- §3.1 child protection -------------------------------------------------

def test_core_group_exactly_6_weeks_before_the_conference():
    # 4 March + 42 days = 15 April.
    assert p("aa_cin_child_protection", core_group_date="2026-03-04") == []
    assert p("aa_cin_child_protection", core_group_date="2026-03-05") == [
        "The receiving unit must attend a Core Group at least 6 weeks before the first Review "
        "CP Conference on 15 April (the Core Group on 5 March is 5 weeks and 6 days before)."]


def test_core_group_must_be_recorded():
    assert p("aa_cin_child_protection", core_group_date=None,
             first_review_conference_date=None) == [
        "The Core Group attended by the receiving unit is not recorded.",
        "The date of the first Review CP Conference is not recorded."]


def test_child_protection_still_needs_the_joint_home_visit():
    assert p("aa_cin_child_protection", joint_visit_date=None) == [
        "The joint visit by the sending and receiving services is not recorded."]


# --- §3.1 pre-birth --------------------------------------------------------
# Expected delivery Wed 10 June 2026: 4 weeks before is Wed 13 May, 8 weeks
# before is Wed 15 April.

EDD = "2026-06-10"


def pre_birth(request, transfer_on, visit, **more):
    return transfer.problems("aa_cin_pre_birth", {
        "request_date": request, "transfer_date": transfer_on, "joint_visit_date": visit,
        "expected_delivery_date": EDD, **more})


def test_pre_birth_29_days_before_transfers_to_cin():
    # Due 3 working days after Tue 12 May: Fri 15 May.
    assert pre_birth("2026-05-12", "2026-05-15", "2026-05-12") == []


def test_pre_birth_exactly_4_weeks_before_a_and_a_keeps_it():
    assert pre_birth("2026-05-13", "2026-05-15", "2026-05-13") == [
        "Requested within 4 weeks of the expected delivery date (10 June): A&A keeps the "
        "case until the initial hearing, which is not recorded."]
    assert pre_birth("2026-05-13", "2026-06-12", "2026-06-08",
                     initial_hearing_date="2026-06-15") == [
        "Requested within 4 weeks of the expected delivery date (10 June): A&A keeps the "
        "case until the initial hearing on 15 June (the transfer date is 12 June)."]


def test_pre_birth_kept_by_a_and_a_transfers_on_or_after_the_initial_hearing():
    # No 3-working-day check: the hearing, not the request, sets the transfer point.
    assert pre_birth("2026-05-13", "2026-06-15", "2026-06-12",
                     initial_hearing_date="2026-06-15") == []
    assert pre_birth("2026-05-13", "2026-06-16", "2026-06-12",
                     initial_hearing_date="2026-06-15") == []


def test_pre_birth_8_week_boundary():
    assert pre_birth("2026-04-14", "2026-04-15", "2026-04-14") == []     # 56 days before
    assert pre_birth("2026-04-13", "2026-04-14", "2026-04-13") == [      # 57 days before
        "A pre-birth case transfers within the 8 weeks before the expected delivery date of "
        "10 June, from 15 April (the transfer date 14 April is 8 weeks and 1 day before)."]


def test_pre_birth_transfers_by_the_expected_delivery_date():
    assert pre_birth("2026-05-01", "2026-06-10", "2026-06-09")[0] == (
        "The transfer must take place within 3 working days of the request (requested on "
        "1 May, due by 7 May; the transfer date 10 June is 34 days late).")
    assert pre_birth("2026-05-01", "2026-06-11", "2026-06-10")[0] == (
        "A pre-birth case transfers by the expected delivery date of 10 June "
        "(the transfer date is 11 June).")


def test_pre_birth_needs_the_expected_delivery_date():
    assert p("aa_cin_pre_birth", expected_delivery_date=None) == [
        "The expected delivery date is not recorded."]


# --- §3.1 looked after / leaving care --------------------------------------

def test_looked_after_goes_to_cin_after_the_first_review():
    assert p("aa_cin_looked_after", destination="CIN") == []
    assert p("aa_cin_looked_after", first_lac_review_date="2026-03-13") == []
    assert p("aa_cin_looked_after", first_lac_review_date="2026-03-16") == [
        "The case transfers after the first looked after review on 16 March "
        "(the transfer date is 13 March)."]
    assert p("aa_cin_looked_after", first_lac_review_date=None) == [
        "The first looked after review is not recorded."]


def test_looked_after_to_lac_or_leaving_care_needs_a_permanency_plan():
    assert p("aa_cin_looked_after", destination="LAC") == [
        "A transfer to LAC rather than CIN needs a permanency plan for separation from the "
        "birth family (none is recorded)."]
    assert p("aa_cin_looked_after", destination="LAC", permanency_plan="resource_panel") == []
    assert p("aa_cin_looked_after", destination="Leaving Care", permanency_plan="final_hearing",
             date_of_birth="2009-11-02") == []
    assert p("aa_cin_looked_after", destination="Leaving Care", permanency_plan="final_hearing",
             date_of_birth="2010-11-02") == [
        "Leaving Care takes young people from their 16th birthday; younger than that, only "
        "aged 15-16 by agreement between both Group Managers (the young person is 16 on "
        "2 November; the transfer date is 13 March)."]


# --- §3.1 cases in court ---------------------------------------------------

def test_court_case_transfers_at_the_first_hearing_with_both_services():
    assert p("aa_cin_court", transfer_date="2026-03-13") == [
        "A case in court transfers at the First Hearing on 12 March "
        "(the transfer date is 13 March)."]
    both = ("Staff from the units of both services (A&A and CIN) must attend the First Hearing.")
    assert p("aa_cin_court", both_services_attend=False) == [both]
    assert p("aa_cin_court", both_services_attend=None) == [both]
    assert p("aa_cin_court", first_hearing_date=None) == ["The First Hearing is not recorded."]


def test_court_case_needs_no_joint_visit_or_3_day_deadline():
    # Requested a fortnight before the First Hearing: the hearing is the transfer point.
    assert p("aa_cin_court", request_date="2026-02-26") == []


# --- §3.1 children in need -------------------------------------------------

def test_child_in_need_cannot_be_rejected():
    assert transfer.can_reject("aa_cin_child_in_need") is False
    assert all(transfer.can_reject(r) for r in transfer.ROUTES if r != "aa_cin_child_in_need")


def test_child_in_need_needs_a_completed_core_assessment_and_a_clear_plan():
    assert p("aa_cin_child_in_need", core_assessment_date=None, further_work_recommended=False,
             clear_plan=None) == [
        "The completed core assessment is not recorded.",
        "The core assessment must recommend further work with the family.",
        "The case must transfer with a clear plan."]
    assert p("aa_cin_child_in_need", core_assessment_date="2026-03-16") == [
        "The core assessment (completed 16 March) must be complete before the transfer "
        "on 13 March."]


# --- §3.1 children with disabilities ---------------------------------------

def test_cwd_with_child_protection_factors_goes_to_a_cin_csw():
    assert p("aa_cwd", child_protection_factors=True) == [
        "There are child protection factors: a Consultant Social Worker in CIN takes case "
        "responsibility (CWD may work jointly by agreement between Group Managers); name the CIN unit."]
    # named: that unit's CSW decides in their own task (issue 12 item 4)
    assert p("aa_cwd", child_protection_factors=True, cin_unit="CIN Unit 1") == []
    assert transfer.cin_takes_responsibility("aa_cwd", {"child_protection_factors": True, "cin_unit": "CIN Unit 1"})
    assert not transfer.cin_takes_responsibility("aa_cwd", {"child_protection_factors": True})
    assert not transfer.cin_takes_responsibility("aa_cwd", {"child_protection_factors": False, "cin_unit": "CIN Unit 1"})
    assert p("aa_cwd", child_protection_factors=None) == [
        "Whether there are child protection factors is not answered."]


# --- §3.2 CIN to LAC / Adoption / Leaving Care -----------------------------

def test_permanence_in_court_is_at_the_final_hearing():
    court = {"in_court": True, "permanency_plan": "final_hearing",
             "permanency_plan_date": "2026-03-13"}
    assert p("cin_permanence", **court) == []
    assert p("cin_permanence", **court, destination="Adoption") == []
    assert p("cin_permanence", **{**court, "permanency_plan": "fostering_panel"}) == [
        "A case in court needs its permanency plan decided at the Final Hearing "
        "(recorded: approval at the Fostering Panel)."]
    assert p("cin_permanence", **{**court, "permanency_plan_date": "2026-03-20"}) == [
        "The transfer cannot come before the Final Hearing on 20 March "
        "(the transfer date is 13 March)."]


def test_permanence_out_of_court_needs_panel_approval():
    assert p("cin_permanence", destination="Adoption", permanency_plan="adoption_panel") == []
    assert p("cin_permanence", permanency_plan=None) == [
        "A case not in court needs its permanency plan approved at the Fostering or Adoption "
        "Panel (none is recorded)."]
    assert p("cin_permanence", permanency_plan="final_hearing") == [
        "A case not in court needs its permanency plan approved at the Fostering or Adoption "
        "Panel (recorded: the Final Hearing)."]
    assert p("cin_permanence", permanency_plan_date=None) == [
        "The date of the panel approval is not recorded."]
    assert p("cin_permanence", permanency_plan="someday") == ["'someday' is not a permanency plan."]
    assert p("cin_permanence", in_court=None) == ["Whether the case is in court is not answered."]


def test_permanence_to_leaving_care_from_16():
    assert p("cin_permanence", destination="Leaving Care", date_of_birth="2010-03-13") == []
    assert p("cin_permanence", destination="Leaving Care", date_of_birth="2010-03-14") == [
        "Leaving Care takes young people from their 16th birthday; younger than that, only "
        "aged 15-16 by agreement between both Group Managers (the young person is 16 on "
        "14 March; the transfer date is 13 March)."]


def test_15_year_old_straight_to_leaving_care_needs_both_group_managers():
    # the Group Managers' agreement is their own two tasks (issue 12 item 4), not a fact here
    assert transfer.needs_gm_agreement("cin_leaving_care_early")
    assert not any(transfer.needs_gm_agreement(r) for r in transfer.ROUTES if r != "cin_leaving_care_early")
    assert "both_gms_agree" not in transfer.ROUTES["cin_leaving_care_early"]["fields"]
    assert p("cin_leaving_care_early", date_of_birth="2011-03-13") == []   # 15 that day
    assert p("cin_leaving_care_early", date_of_birth="2011-03-14") == [
        "Only young people aged 15 or over may go straight to Leaving Care (the young person "
        "is 15 on 14 March; the transfer date is 13 March)."]
    assert p("cin_leaving_care_early", permanency_plan=None) == [
        "A case in court needs its permanency plan decided at the Final Hearing "
        "(none is recorded)."]


# --- §3.3 LAC to Leaving Care ----------------------------------------------

def test_lac_to_leaving_care_on_and_before_the_16th_birthday():
    assert p("lac_leaving_care") == []   # transfer on the 16th birthday
    assert p("lac_leaving_care", request_date="2026-07-14", transfer_date="2026-07-17") == [
        "A young person moves from LAC to Leaving Care on or after their 16th birthday "
        "(the young person is 16 on 20 July; the transfer date is 17 July)."]


def test_lac_to_leaving_care_16th_birthday_on_29_february():
    # Born 29 Feb 2012: 16 on Tue 29 Feb 2028 (a leap year); born 29 Feb 2008: 17 on 1 Mar 2025.
    assert transfer.age_on("2012-02-29", "2028-02-28") == 15
    assert transfer.age_on("2012-02-29", "2028-02-29") == 16
    assert transfer.age_on("2008-02-29", "2025-02-28") == 16
    assert transfer.age_on("2008-02-29", "2025-03-01") == 17


def test_lac_to_leaving_care_involves_the_young_person():
    assert p("lac_leaving_care", young_person_view="  ") == [
        "The young person's view of the transfer is not recorded."]
    assert p("lac_leaving_care", wants_to_stay_in_lac=None) == [
        "Whether the young person wants to stay in LAC is not answered."]
    assert p("lac_leaving_care", wants_to_stay_in_lac=True) == [
        "The young person has asked to stay in LAC: the request must be decided first."]
    assert p("lac_leaving_care", wants_to_stay_in_lac=True, stay_in_lac_granted=True) == [
        "The young person's request to stay in LAC was granted, so the case does not transfer."]
    assert p("lac_leaving_care", wants_to_stay_in_lac=True, stay_in_lac_granted=False) == []


def test_lac_to_leaving_care_avoids_the_exam_period():
    june = {"request_date": "2026-06-02", "transfer_date": "2026-06-05",
            "joint_visit_date": "2026-06-01", "date_of_birth": "2010-03-01"}
    assert p("lac_leaving_care", **june) == [
        "The transfer date 5 June falls in the GCSE exam period (May-June) and the young "
        "person's exams are not recorded as finished."]
    assert p("lac_leaving_care", **june, exams_finished=True) == []
    assert p("lac_leaving_care", **june, exams_finished="2026-06-04") == []
    assert p("lac_leaving_care", **june, exams_finished="2026-06-05") == [
        "The transfer date 5 June falls in the GCSE exam period: transfer after the young "
        "person's exams finish on 5 June."]
    # Outside May and June the exams do not matter.
    assert p("lac_leaving_care", exams_finished=False) == []


# --- §3.4 Rapid Response ---------------------------------------------------

def test_into_rapid_response_immediately():
    assert p("into_rapid_response", transfer_date="2026-03-11") == [
        "A case is allocated to Rapid Response immediately, on the day of the request "
        "(10 March; the transfer date is 11 March)."]
    assert p("into_rapid_response", risk_of_care_from_family_conflict=False) == [
        "Rapid Response takes children at risk of becoming looked after because of family "
        "conflict; that risk is not recorded."]


def test_out_of_rapid_response_to_lac_or_leaving_care_needs_the_resource_panel():
    assert p("out_of_rapid_response", destination="LAC", permanency_plan="resource_panel") == []
    assert p("out_of_rapid_response", destination="LAC", permanency_plan="fostering_panel") == [
        "A transfer from Rapid Response to LAC needs a permanency plan approved by the "
        "Children's Resource Panel (recorded: approval at the Fostering Panel)."]
    assert p("out_of_rapid_response", destination="Leaving Care") == [
        "A transfer from Rapid Response to Leaving Care needs a permanency plan approved by "
        "the Children's Resource Panel (none is recorded).",
        "The young person's date of birth is not recorded."]


@pytest.mark.parametrize("allocated, prompt, overdue", [
    ("2026-01-15", "2026-05-15", "2026-07-15"),
    ("2026-10-31", "2027-02-28", "2027-04-30"),   # no 31 Feb / 31 Apr: last day of the month
    ("2027-10-31", "2028-02-29", "2028-04-30"),   # leap year
    ("2026-08-31", "2026-12-31", "2027-02-28"),
    ("2026-09-30", "2027-01-30", "2027-03-30"),   # across the year end
])
def test_rapid_response_4_and_6_months(allocated, prompt, overdue):
    assert transfer.rapid_response_dates(allocated) == (D(prompt), D(overdue))


def test_rapid_response_dates_accept_datetimes():
    # 23:30 UTC on 31 Oct 2027 is still 31 Oct in London (GMT).
    assert transfer.rapid_response_dates(datetime(2027, 10, 31, 23, 30, tzinfo=timezone.utc)) == (
        D("2028-02-29"), D("2028-04-30"))


# --- other local authorities -----------------------------------------------

def test_other_authority_must_be_named():
    assert p("to_other_authority", other_authority=" ") == ["The other local authority is not named."]
    assert p("from_other_authority", other_authority=None) == [
        "The other local authority is not named."]


# --- due date and hold -----------------------------------------------------

def test_transfer_due_across_christmas_2026():
    # Thu 24 Dec: Fri 25 (Christmas), Sat 26, Sun 27, Mon 28 (Boxing Day substitute) don't count.
    assert [d for d in ("2026-12-25", "2026-12-26", "2026-12-27", "2026-12-28")
            if is_working_day(d)] == []
    assert all(is_working_day(d) for d in ("2026-12-29", "2026-12-30", "2026-12-31"))
    assert transfer.transfer_due("2026-12-24T16:45:00") == datetime(2026, 12, 31, 17, 0, tzinfo=L)
    assert transfer.transfer_due(D("2026-12-24")) == datetime(2026, 12, 31, 17, 0, tzinfo=L)


def test_transfer_due_counts_days_after_the_request_day():
    assert transfer.transfer_due("2026-03-10T08:00:00") == datetime(2026, 3, 13, 17, 0, tzinfo=L)
    # A Saturday request: Mon, Tue, Wed.
    assert transfer.transfer_due("2026-03-14") == datetime(2026, 3, 18, 17, 0, tzinfo=L)
    # 23:30 UTC on Mon 29 June is 00:30 BST on Tue 30 June.
    assert transfer.transfer_due("2026-06-29T23:30:00+00:00") == datetime(2026, 7, 3, 17, 0, tzinfo=L)
    assert transfer.transfer_due("2026-06-29T17:00:00").isoformat() == "2026-07-02T17:00:00+01:00"


def test_hold_is_24_hours():
    assert transfer.hold_until("2026-03-10T09:15:00") == datetime(2026, 3, 11, 9, 15, tzinfo=L)
    assert transfer.hold_until("2026-03-10T09:15:00Z").isoformat() == "2026-03-11T09:15:00+00:00"


def test_hold_is_24_elapsed_hours_across_the_clock_change():
    # Clocks go forward at 01:00 GMT on Sun 29 March 2026.
    assert transfer.hold_until("2026-03-28T12:00:00").isoformat() == "2026-03-29T13:00:00+01:00"


# --- age -------------------------------------------------------------------

def test_age_on():
    assert transfer.age_on("2010-07-20", "2026-07-19") == 15
    assert transfer.age_on("2010-07-20", "2026-07-20") == 16
    assert transfer.age_on(D("2010-07-20"), datetime(2026, 7, 20, 9, 0)) == 16
    with pytest.raises(ValueError):
        transfer.age_on("2010-07-20", "2010-07-19")


def test_disagreement_goes_csws_then_group_managers():
    assert transfer.DISAGREEMENT_STEPS == (posts.CSW, posts.GROUP_MANAGER)


# --- the point of transfer (issue 12 item 1) ----------------------------------

ACCEPTED = datetime(2026, 12, 2, 11, 0, tzinfo=L)


@pytest.mark.parametrize("route, transfer_date, facts, expected", [
    # at the First Hearing, whatever the proposed date (the hearing fixes the day)
    ("aa_cin_court", "2027-01-19", {"first_hearing_date": "2027-01-20"}, datetime(2027, 1, 20, 17, 0, tzinfo=L)),
    # pre-birth within 4 weeks of the expected delivery date: A&A keeps it until after the initial hearing
    ("aa_cin_pre_birth", "2026-12-03", {"request_date": "2026-12-01", "expected_delivery_date": "2026-12-20",
                                        "initial_hearing_date": "2026-12-15"}, datetime(2026, 12, 15, 17, 0, tzinfo=L)),
    # pre-birth further off: the proposed transfer date
    ("aa_cin_pre_birth", "2026-12-03", {"request_date": "2026-12-01", "expected_delivery_date": "2027-01-20",
                                        "initial_hearing_date": "2026-12-15"}, datetime(2026, 12, 3, 17, 0, tzinfo=L)),
    # after the first looked after review, or the later proposed date
    ("aa_cin_looked_after", "2026-12-03", {"first_lac_review_date": "2026-12-09"}, datetime(2026, 12, 9, 17, 0, tzinfo=L)),
    ("aa_cin_looked_after", "2026-12-04", {"first_lac_review_date": "2026-11-30"}, datetime(2026, 12, 4, 17, 0, tzinfo=L)),
    # when the permanency plan is approved
    ("cin_permanence", "2026-12-03", {"permanency_plan_date": "2027-02-10"}, datetime(2027, 2, 10, 17, 0, tzinfo=L)),
    ("cin_leaving_care_early", "2026-12-03", {"permanency_plan_date": "2027-02-10"},
     datetime(2027, 2, 10, 17, 0, tzinfo=L)),
    # the other routes: the proposed transfer date
    ("aa_cwd", "2026-12-04", {}, datetime(2026, 12, 4, 17, 0, tzinfo=L)),
    ("lac_leaving_care", "2026-12-04", {}, datetime(2026, 12, 4, 17, 0, tzinfo=L)),
    # immediately: a child in need, Rapid Response
    ("aa_cin_child_in_need", "2026-12-04", {}, ACCEPTED),
    ("into_rapid_response", "2026-12-02", {}, ACCEPTED),
    # never before acceptance: a day already passed moves the case now
    ("aa_cin_court", "2026-11-30", {"first_hearing_date": "2026-11-30"}, ACCEPTED),
    # an overridden route with its event not recorded: the proposed date
    ("aa_cin_court", "2026-12-07", {}, datetime(2026, 12, 7, 17, 0, tzinfo=L)),
])
def test_the_case_moves_at_the_routes_point_of_transfer(route, transfer_date, facts, expected):
    assert transfer.moves_at(route, transfer_date, facts, ACCEPTED) == expected


def test_the_fact_that_fixes_the_point_of_transfer():
    assert transfer.transfer_point("aa_cin_court", "2027-01-20", {}) == ("first_hearing_date", "the First Hearing")
    assert transfer.transfer_point("aa_cwd", "2027-01-20", {}) == ("transfer_date", None)
    far = {"request_date": "2026-12-01", "expected_delivery_date": "2027-03-01"}
    assert transfer.transfer_point("aa_cin_pre_birth", "2027-01-20", far) == ("transfer_date", None)
    with pytest.raises(ValueError):
        transfer.transfer_point("no_such_route", "2027-01-20", {})


def test_a_new_date_in_the_past_is_refused():
    assert transfer.date_change_problems({"new_date": "2027-01-27"}, "2027-01-11") == []
    assert transfer.date_change_problems({"new_date": "2027-01-11"}, "2027-01-11") == []
    assert transfer.date_change_problems({"new_date": "2027-01-08"}, "2027-01-11") == [
        "The new date (8 January 2027) is in the past: enter today (11 January 2027) or a later date."]


# --- the request (issue 12 item 5) -------------------------------------------

CASE = {"service": "CIN", "unit": "CIN Unit 1"}


def test_a_request_for_a_transfer_date_before_the_request_is_refused():
    good = {"route": "cin_permanence", "receiving_service": "LAC", "transfer_date": "2026-03-10"}
    assert transfer.request_problems(good, CASE, "2026-03-10") == []
    assert transfer.request_problems(dict(good, transfer_date="2026-03-09"), CASE, "2026-03-10") == [
        "The proposed transfer date (9 March 2026) is before the request (10 March 2026): "
        "enter today or a later date (Case Transfer §3)."]


def test_a_request_must_fit_the_route_and_not_name_the_unit_holding_the_case():
    wrong = {"route": "aa_cin_court", "receiving_service": "LAC", "receiving_unit": "CIN Unit 1",
             "transfer_date": "2026-03-12"}
    assert transfer.request_problems(wrong, CASE, "2026-03-10") == [
        "This route is for cases in A&A; this case is in CIN (Case Transfer §3).",
        "This route goes to CIN, not LAC (Case Transfer §3).",
        "The case is already in CIN Unit 1."]
