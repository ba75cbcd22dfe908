"""The decision record (issue 14 §3): every decision of a case in order, in
words (never codes), who and when, overrides with their reasons, the child's
views; as a page, a PDF and JSON, each audited as a read; completed task
pages and the managers' instance history use the same words."""
import io
import json
import re
from datetime import datetime
from pathlib import Path

import jsonschema
from freezegun import freeze_time
from pypdf import PdfReader

from processes import papers
from processes.clock import LONDON

from ..conftest import page, sign_in, text
from .jarp_steps import (
    ALLOCATE_TIER3, STANDARD_REFERRAL, allocate_everywhere, case_id, complete_as, open_task,
    submit_referral,
)
from webforms.openapi import OPENAPI

from .panel_steps import BOOKING_DAY, book, paper_ids, publish, send_papers, upload
from .test_api import auth, token
from .test_panel_booking import MATCHING_KINDS
from .test_case_transfer import REQUESTED_AT, ROUTES, conditions_form, reach_point_of_transfer, request_route
from .transfer_steps import CHILD_WISHES, complete_as as complete_transfer_step

FORMS = Path(__file__).parents[2] / "bpmn" / "forms"
OVERRIDE_REASON = "The Tier 3 worker is allocated from Monday; the Group Manager holds the case until then."
CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")   # a field or option code such as carry_over


def london(*args):
    return datetime(*args, tzinfo=LONDON)


def title_of(form, name, value):
    """The words the form itself gives an option (read from the form: other lanes change its wording)."""
    prop = json.loads((FORMS / form).read_text())["properties"][name]
    options = prop.get("oneOf") or prop.get("items", {}).get("anyOf") or []
    return next(o["title"] for o in options if o["const"] == value)


def decided_case(client, app):
    """A Group Manager refers CIN-0001 to JARP, overriding the Tier 3 threshold with a reason;
    the Co-ordinator records the meeting's decision; each agency records its allocation."""
    with freeze_time(london(2026, 11, 20, 10, 0)):
        sign_in(client, "group-manager")
        below_threshold = dict(STANDARD_REFERRAL, case_holder_tier3="no")
        response, url = submit_referral(client, app, below_threshold)
        assert response.status_code == 400
        response = client.post(url, data=dict(below_threshold, override="yes", override_reason=OVERRIDE_REASON))
        assert response.status_code == 302, response.text
        client.post("/sign-out")
    with freeze_time(london(2026, 11, 24, 10, 30)):
        decision = complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
        allocate_everywhere(client, app)
    return case_id(app), decision


def entries(response):
    out = []
    for li in page(response).select("#decisions > li"):
        out.append({"what": li.h2.get_text(strip=True),
                    "by": li.select_one(".caseflow-record__by").get_text(" ", strip=True),
                    "answers": [(r.dt.get_text(strip=True), r.dd.get_text(strip=True))
                                for r in li.select(".caseflow-record__answers .govuk-summary-list__row")],
                    "child": [(r.dt.get_text(strip=True), r.dd.get_text(strip=True))
                              for r in li.select(".caseflow-record__child .govuk-summary-list__row")],
                    "override": li.select_one(".caseflow-record__override").get_text(" ", strip=True)
                    if li.select_one(".caseflow-record__override") else None})
    return out


def test_the_record_page_shows_every_decision_in_order_in_words(client, app):
    cid, decision = decided_case(client, app)
    sign_in(client, "social-worker")
    assert page(client.get(f"/cases/{cid}")).select_one("#decision-record")["href"] == f"/cases/{cid}/record"
    response = client.get(f"/cases/{cid}/record")
    assert response.status_code == 200
    shown = entries(response)
    assert [e["what"] for e in shown][:2] == ["Complete JARP referral", "Record JARP decision"]
    assert len(shown) == 4                                                     # and one allocation per agency
    referral, meeting, allocation = shown[0], shown[1], shown[2]
    assert "Demo Group Manager" in referral["by"] and "20 November 2026 at 10:00" in referral["by"]
    answers = dict(referral["answers"])
    assert answers["Does the family have a Tier 3 case-holding social worker?"] == "No"
    assert title_of("jarp_referral.schema.json", "referral_route", "standard") in answers.values()
    assert title_of("jarp_referral.schema.json", "threshold_risks", "familial_breakdown") in \
        answers["Which risks does the evidence-based assessment show?"]
    assert OVERRIDE_REASON in referral["override"]
    assert "Tier 3 case-holding social worker" in referral["override"]      # the rule set aside
    assert ("What the child wants to happen next", STANDARD_REFERRAL["child_wishes"]) in referral["child"]
    assert "Demo JARP Co-ordinator" in meeting["by"] and "24 November 2026 at 10:30" in meeting["by"]
    meeting_answers = dict(meeting["answers"])
    assert meeting_answers["What did the meeting decide?"] == \
        title_of("jarp_decision.schema.json", "outcome", "allocate")
    assert meeting_answers["Reasons for the decision"] == ALLOCATE_TIER3["rationale"]
    assert dict(allocation["answers"])["When does the service start?"] == "Monday 7 December 2026"
    assert not CODE.findall(page(response).select_one("#decisions").get_text(" ")), "codes shown"
    # the completed task's own page shows what was decided, in the same words
    task_page = page(client.get(f"/tasks/{decision.id}"))
    rows = [(r.dt.get_text(strip=True), r.dd.get_text(strip=True))
            for r in task_page.select("#answers .govuk-summary-list__row")]
    assert rows == meeting["answers"]
    # and the earlier answers it showed the decider are in words too (x-summary)
    facts = task_page.select_one(".govuk-summary-list").get_text(" ")
    assert title_of("jarp_referral.schema.json", "services_requested", "family_therapy") in facts
    assert not CODE.findall(facts), "codes shown"


def test_the_pdf_has_the_reference_on_every_page_the_decisions_and_who_printed_it(client, app):
    cid, _ = decided_case(client, app)
    sign_in(client, "social-worker")
    with freeze_time(london(2026, 11, 25, 14, 5)):
        response = client.get(f"/cases/{cid}/record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(response.data)).pages]
    assert len(pages) >= 2
    for number, content in enumerate(pages, start=1):
        assert "CIN-0001" in content
        assert f"Page {number} of {len(pages)}" in content
        assert "Printed by Demo Social Worker, at Wednesday 25 November 2026 at 14:05" in content
    whole = " ".join(pages)
    for words in ("Complete JARP referral", "Record JARP decision", OVERRIDE_REASON,
                  title_of("jarp_decision.schema.json", "outcome", "allocate"), ALLOCATE_TIER3["rationale"],
                  STANDARD_REFERRAL["child_wishes"], "7 December 2026"):
        assert re.sub(r"\s+", " ", words) in whole, words


def test_the_json_record_matches_the_page_and_other_units_get_404(client, app):
    cid, _ = decided_case(client, app)
    sign_in(client, "social-worker")
    shown = entries(client.get(f"/cases/{cid}/record"))
    client.post("/sign-out")
    response = client.get(f"/api/v1/cases/{cid}/record", headers=auth(token(app, "social-worker")))
    assert response.status_code == 200
    body = response.get_json()
    jsonschema.validate(body, OPENAPI["components"]["schemas"]["DecisionRecord"])   # as the API document says
    assert body["case_reference"] == "CIN-0001"
    assert [d["what"] for d in body["decisions"]] == [e["what"] for e in shown]
    assert [[(a["question"], a["answer"]) for a in d["answers"]] for d in body["decisions"]] == \
        [e["answers"] for e in shown]
    assert body["decisions"][0]["override"]["reason"] == OVERRIDE_REASON
    assert body["decisions"][0]["decided_by"] == "Demo Group Manager"
    assert body["decisions"][0]["at"] == "2026-11-20T10:00:00+00:00"
    # another unit's worker: as if there were no such case, on the page, the PDF and the API
    outsider = token(app, "social-worker-lac")
    assert client.get(f"/api/v1/cases/{cid}/record", headers=auth(outsider)).status_code == 404
    sign_in(client, "social-worker-lac")
    assert client.get(f"/cases/{cid}/record").status_code == 404
    assert client.get(f"/cases/{cid}/record.pdf").status_code == 404
    assert client.get(f"/tasks/{open_task(app, 'Task_unit_informed').id}").status_code == 404


def test_producing_the_record_is_shown_on_who_has_read_this_record(client, app):
    cid, _ = decided_case(client, app)
    sign_in(client, "social-worker")
    client.get(f"/cases/{cid}/record")
    client.get(f"/cases/{cid}/record.pdf")
    client.post("/sign-out")
    client.get(f"/api/v1/cases/{cid}/record", headers=auth(token(app, "social-worker")))
    sign_in(client, "head-of-service")
    read = text(client.get(f"/cases/{cid}/reads"))
    for item in ("decision record of CIN-0001", "decision record of CIN-0001 (PDF)",
                 "decision record of CIN-0001 (API)"):
        assert f"Demo Social Worker {item}" in read


def test_the_managers_instance_history_shows_answers_in_words(client, app):
    _, decision = decided_case(client, app)
    sign_in(client, "head-of-service")
    history = page(client.get(f"/manage/instances/{decision.instance_id}")).select_one("#history").get_text(" ")
    assert "What did the meeting decide?" in history
    assert title_of("jarp_decision.schema.json", "outcome", "allocate") in history
    assert "rationale" not in history and "\"allocate\"" not in history


def test_a_transfer_is_in_the_record_of_the_unit_that_now_holds_the_case(client, app):
    r = ROUTES["cin_permanence"]
    with freeze_time(REQUESTED_AT):
        request_route(client, app, r)
        complete_transfer_step(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
        complete_transfer_step(client, "csw-lac", app, "Task_receiving_decision", {"decision": "accept"}, r.reference)
        reach_point_of_transfer(app)
    sign_in(client, "csw-lac")
    response = client.get(f"/cases/{case_id(app)}/record")
    assert response.status_code == 200
    shown = {e["what"]: e for e in entries(response)}
    moved = shown["Case transferred"]
    assert dict(moved["answers"]) == {"From": "CIN Unit 1 (CIN)", "To": "LAC Unit 1 (LAC)"}
    assert "caseflow (system)" in moved["by"]                          # moved by the timer at the point of transfer
    request = next(e for e in entries(response) if ("What the child wants to happen next", CHILD_WISHES) in e["child"])
    assert title_of("transfer_request.schema.json", "route", "cin_permanence") in dict(request["answers"]).values()
    reason = page(response).select_one("#decisions").get_text(" ")
    assert "The case has reached its point of transfer." in reason
    assert not CODE.findall(reason), "codes shown"


@freeze_time(BOOKING_DAY)
def test_the_papers_a_decision_rested_on_are_named_and_linked(client, app):
    publish(client)
    book(client, app, "CIN-0001", case_type="adoption_matching")
    sign_in(client, "social-worker")
    upload(client, app, MATCHING_KINDS)
    ids = paper_ids(client, open_task(app, "Task_send_papers").id)
    client.post("/sign-out")
    send_papers(client, app, papers=ids)
    sign_in(client, "social-worker")
    response = client.get(f"/cases/{case_id(app)}/record")
    sent = next(li for li in page(response).select("#decisions > li") if li.select(".caseflow-record__papers a"))
    links = {a["href"]: a.get_text(strip=True) for a in sent.select(".caseflow-record__papers a")}
    assert sorted(links) == sorted(f"/documents/{i}" for i in ids)
    assert f"{papers.label('form_f')}: form_f.pdf" in links.values()
    not_a_file_name = re.compile(CODE.pattern + r"(?!\.pdf)")              # file names are as uploaded
    assert not not_a_file_name.findall(page(response).select_one("#decisions").get_text(" ")), "codes shown"
    assert client.get(next(iter(links))).status_code == 200             # the link opens the paper
