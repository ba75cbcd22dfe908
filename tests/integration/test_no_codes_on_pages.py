"""No codes on pages (issue 15 item 1): each of the four procedures taken end
to end through its pages by the people who do each step, and every page they
read on the way and afterwards (task pages before and after completion, the
case, its decision record, the instance pages, agendas, notifications, my
tasks, the managers' pages) shows labels, never a snake_case value."""
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from engine.db import db
from engine.models import ProcessInstance
from engine.worker import fire_due_timers

from . import panel_steps, resource_panel_steps as rps
from .jarp_steps import (
    ALLOCATE_TIER3, CARRY_OVER, PAPERS_SENT, STANDARD_REFERRAL, allocate_everywhere, case_id, complete_as, open_task, referral_by_social_worker,
)
from .page_reader import ReadingClient, codes_in, read_around, report
from .test_case_transfer import MOVES_AT, REQUESTED_AT, ROUTES, conditions_form, extra_people
from .transfer_steps import request_transfer, request_form
from .transfer_steps import complete_as as transfer_complete_as
from ..conftest import page, sign_in


@pytest.fixture
def reader(app):
    app.test_client_class = ReadingClient
    return app.test_client()


def instance_pages(app, reference):
    with app.app_context():
        ids = db.session.scalars(select(ProcessInstance.id).join(ProcessInstance.case)
                                 .where(ProcessInstance.case.has(reference=reference))).all()
    return [f"/manage/instances/{i}" for i in ids]


def read_everything(client, app, people, reference="CIN-0001"):
    """After the procedure: the first person (one who may see the managers'
    pages) reads everything linked from their pages, every task page of the
    case among them; each of the others reads their own pages (my tasks,
    notifications, the case, agendas), which differ by who asks."""
    cid = case_id(app, reference)
    own = ["/", "/?view=team", "/notifications/", f"/cases/{cid}", f"/cases/{cid}/record", "/manage/",
           "/manage/unit", "/agenda/jarp", "/agenda/resource-panel"]
    first, *others = people
    read_around(client, first, own + instance_pages(app, reference))
    for username in others:
        read_around(client, username, own, follow=False)


def jarp_referral(client, app):
    """CIN-0001 allocated and reviewed; CIN-0002 carried over, refused and withdrawn."""
    with freeze_time(rps.london(2026, 11, 20, 10, 0)):
        referral_by_social_worker(client, app)
        referral_by_social_worker(client, app, dict(STANDARD_REFERRAL, services_requested=[
            "family_network_meeting", "youth_support"]), reference="CIN-0002")
        read_around(client, "jarp-co-ordinator", ["/agenda/jarp"])       # Friday's agenda, before the meeting
    with freeze_time(rps.london(2026, 11, 24, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", CARRY_OVER, "CIN-0002")
        allocate_everywhere(client, app)
        complete_as(client, "social-worker", app, "Task_unit_informed", PAPERS_SENT)
    with freeze_time(rps.london(2026, 12, 1, 10, 30)):
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", {
            "outcome": "refuse", "rationale": "Add the core assessment."}, "CIN-0002")
        complete_as(client, "social-worker", app, "Task_refused", {
            "next_step": "withdraw", "withdraw_reason": "The family moved away."}, "CIN-0002")
        read_everything(client, app, ["group-manager", "social-worker", "jarp-co-ordinator"], "CIN-0002")
    with freeze_time(rps.london(2026, 12, 30, 9, 0, 1)), app.app_context():   # the six-week review is flagged
        assert fire_due_timers() == 1
    for username in ("agency-representative", "agency-representative-parenting-support-service"):
        sign_in(client, username)
        link = page(client.get("/")).select_one("#my-tasks tbody tr a")["href"]
        with freeze_time(rps.london(2027, 1, 5, 15, 0)):
            assert client.post(link, data={"summary": "Attended every week.", "recommendation": "reduce"}
                               ).status_code == 302
        client.post("/sign-out")
    with freeze_time(rps.london(2027, 1, 6, 10, 0)):
        complete_as(client, "jarp-co-ordinator", app, "Task_six_week_review", {
            "outcome": "reduce", "services": ["family_therapy"], "rationale": "Good progress; one service ends.",
            "child_asked": "yes", "child_wishes": "Fewer appointments after school."})
    with freeze_time(rps.london(2027, 1, 7, 10, 0)):
        complete_as(client, "consultant-social-worker", app, "Task_review_received", {})
        read_everything(client, app, ["group-manager", "social-worker", "consultant-social-worker", "jarp-co-ordinator",
                                      "jarp-chair", "agency-representative", "head-of-service"])


def resource_panel_referral(client, app):
    sought = ["care_order"]
    with freeze_time(rps.london(2026, 11, 30, 10, 0)):
        rps.to_panel(client, app, sought)
    with freeze_time(rps.london(2026, 12, 2, 15, 0)):
        rps.complete(client, rps.HOS, app, "Task_hos_decision", rps.APPROVE)
        read_around(client, rps.ADMIN, ["/agenda/resource-panel"])
        read_around(client, rps.LAWYER, ["/agenda/resource-panel"])
    with freeze_time(rps.london(2026, 12, 7, 11, 0)):
        from processes import resource_panel as rp
        rps.complete(client, rps.ADMIN, app, "Task_decision_sheet", rps.sheet(sought, [rp.REQUESTS[sought[0]][1]]))
        rps.complete(client, rps.CHAIR, app, "Task_chair_approval", {"decision": "approve"})
        rps.complete(client, rps.CSW, app, "Task_read_decision", {"confirm": ["read"]})
        read_everything(client, app, [rps.GM, rps.CSW, rps.HOS, rps.ADMIN, rps.CHAIR, rps.LAWYER, "social-worker"])


def panel_booking(client, app):
    with freeze_time(panel_steps.BOOKING_DAY):
        panel_steps.publish(client, "fostering")
        panel_steps.book(client, app, "CIN-0001", case_type="fostering_permanence")
        panel_steps.send_papers(client, app, "CIN-0001", included=panel_steps.all_included("fostering_permanence"))
        if open_task(app, "Task_sign_off_report") is not None:
            complete_as(client, "fostering-manager", app, "Task_sign_off_report", {"signed_off": "yes"})
        complete_as(client, "panel-advisor", app, "Task_check_papers", {"outcome": "adequate"})
        read_around(client, "panel-advisor", ["/panels/fostering?year=2027"])
    with freeze_time(panel_steps.london(2027, 2, 3, 12, 0)):
        complete_as(client, "panel-chair", app, "Task_record_recommendation", {
            "outcome": "recommend", "recommendation": "Amira should remain with her foster carers long term.",
            "reasons": "Settled placement; her wishes.", "attended": ["social_worker", "consultant_social_worker"]})
    with freeze_time(panel_steps.london(2027, 2, 5, 10, 0)):
        complete_as(client, "head-of-service-children-s-resources", app, "Task_hos_decision",
                    {"decision": "approve", "reasons": "I agree with the Panel."})
        read_everything(client, app, ["group-manager", "consultant-social-worker", "social-worker", "panel-advisor",
                                      "panel-chair", "panel-manager", "fostering-manager",
                                      "head-of-service-children-s-resources"])


def case_transfer(client, app):
    r = ROUTES["cin_permanence"]
    extra_people(app)
    with freeze_time(REQUESTED_AT):
        request_transfer(client, app, r.sender, r.reference,
                         request_form(r.route, r.receiving_service, r.transfer_date, receiving_unit=r.receiving_unit))
        transfer_complete_as(client, r.sender, app, "Task_transfer_conditions", conditions_form(r.good), r.reference)
        transfer_complete_as(client, r.receiver, app, "Task_receiving_decision", {"decision": "accept"},
                             r.reference)
    with freeze_time(MOVES_AT + timedelta(minutes=1)), app.app_context():
        assert fire_due_timers() == 1
    with freeze_time(MOVES_AT + timedelta(hours=1)):
        read_everything(client, app, ["group-manager-lac", r.sender, r.receiver, "group-manager", "head-of-service",
                                      "social-worker-lac"], r.reference)


PROCEDURES = {"jarp_referral": jarp_referral, "resource_panel_referral": resource_panel_referral,
              "panel_booking": panel_booking, "case_transfer": case_transfer}


@pytest.mark.parametrize("procedure", list(PROCEDURES))
def test_every_page_of_the_procedure_shows_labels_not_codes(reader, app, procedure):
    PROCEDURES[procedure](reader, app)
    assert reader.pages_read > 30, reader.pages_read          # the walk read the pages, not just posted
    assert not reader.found, "codes shown to people:\n" + report(reader.found)


def test_a_code_in_a_page_is_found_and_a_file_name_or_attribute_is_not():
    html = ('<main><p data-x="family_network_meeting">Services requested: family_network_meeting</p>'
            '<a href="/tasks/abc_def">panel_proforma.pdf</a><script>var a_b = 1;</script>'
            '<pre class="caseflow-code">{"services_requested": []}</pre></main>')
    assert codes_in(html) == ["family_network_meeting"]
    assert codes_in("<p>Family Network Meeting</p>") == []
