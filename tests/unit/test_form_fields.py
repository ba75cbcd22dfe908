"""Issue 15 items 3 and 12: questions revealed under the answer they follow,
answers under an option not chosen left out, messages that name the question,
sizes and dates in words."""
import json
from datetime import date, datetime
from pathlib import Path

from werkzeug.datastructures import MultiDict

from engine.forms import validate
from processes import jarp
from processes.problems import field_of
from webforms.formatting import file_size, long_date, london
from webforms.formfields import fields_for, parse_form, served_schema

FORMS = Path(__file__).resolve().parents[2] / "bpmn" / "forms"
REFERRAL = json.loads((FORMS / "jarp_referral.schema.json").read_text("utf-8"))


def test_questions_following_an_option_are_asked_under_it():
    top = {f.name: f for f in fields_for(REFERRAL)}
    assert "direct_ground" not in top and "threshold_risks" not in top
    route = top["referral_route"]
    assert [f.name for f in route.reveals["direct"]] == ["direct_ground"]
    assert [f.name for f in route.reveals["standard"]] == [
        "threshold_risks", "criteria", "duration_weeks", "hours_per_week", "expected_outcomes"]
    assert {k: [f.name for f in v] for k, v in top["child_asked"].reveals.items()} == {
        "yes": ["child_wishes"], "no": ["child_not_asked_reason"]}
    risks = route.reveals["standard"][0]
    assert risks.required   # "Which risks…" must have one: not labelled optional
    assert not route.reveals["standard"][1].required   # the criteria are optional


def test_an_answer_under_an_option_not_chosen_is_not_sent_but_kept_to_show():
    form = MultiDict([("referral_route", "direct"), ("direct_ground", "police_protection"),
                      ("duration_weeks", "6"), ("threshold_risks", "familial_breakdown")])
    data, raw = parse_form(REFERRAL, form)
    assert data == {"referral_route": "direct", "direct_ground": "police_protection"}
    assert raw["duration_weeks"] == "6" and raw["threshold_risks"] == ["familial_breakdown"]


def test_the_api_is_offered_every_question_a_reveal_may_show():
    assert set(served_schema(REFERRAL, {})["properties"]) == set(REFERRAL["properties"])


def test_messages_name_the_question():
    assert [e.message for e in validate(REFERRAL, {"referral_route": "standard"})][:2] == [
        "Select whether the family has a Tier 3 case-holding social worker",
        "Enter a summary of the assessment"]


def test_a_date_names_the_part_that_is_wrong():
    papers = json.loads((FORMS / "crp_papers.schema.json").read_text("utf-8"))
    schema = {"type": "object", "properties": {"held": papers["properties"]["legal_planning_meeting_date"]}}
    typed = lambda d, m, y: parse_form(schema, MultiDict({"held-day": d, "held-month": m, "held-year": y}))[0]
    assert [e.message for e in validate(schema, typed("8", "12", "26"))] == ["Year must include 4 numbers"]
    assert [e.message for e in validate(schema, typed("8", "", "2026"))] == [
        "‘Date of the legal planning meeting’ must include a month"]
    assert [e.message for e in validate(schema, typed("30", "2", "2026"))] == [
        "‘Date of the legal planning meeting’ must be a real date"]
    assert validate(schema, typed("8", "12", "2026")) == []


def test_threshold_problems_say_which_question_they_are_about():
    problems = jarp.threshold_problems({"referral_route": "standard", "case_holder_tier3": False})
    assert [field_of(p) for p in problems] == ["case_holder_tier3", "threshold_risks"]
    # a direct referral missing its ground is told so by the form, not about risks it does not ask
    assert jarp.threshold_problems({"referral_route": "direct", "case_holder_tier3": True}) == []


def test_sizes_and_dates_in_words():
    assert [file_size(n) for n in (1, 52, 1023, 14 * 1024, int(2.3 * 1024 * 1024))] == [
        "1 byte", "52 bytes", "1023 bytes", "14 KB", "2.3 MB"]
    assert long_date(date(2026, 12, 8)) == "Tuesday 8 December 2026"
    assert london(datetime(2026, 12, 8, 14, 0)) == "Tuesday 8 December 2026 at 14:00"
