"""The practitioner's day in plain pages (issue 15 items 1, 5 and 6), in a real
browser: labels instead of codes, decision pages that show what the decision
rests on with its papers as links, and a warning on the case page when a JARP
referral is already running.  The steps before are taken through the web forms."""
import re

from freezegun import freeze_time
from playwright.sync_api import Page, expect

from ..integration import panel_steps
from ..integration.jarp_steps import STANDARD_REFERRAL, case_id, open_task, referral_by_social_worker
from ..integration.resource_panel_steps import instance, to_panel
from .test_jarp_referral_browser import sign_in

CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def test_the_managers_history_and_the_decision_page_show_labels_not_codes(browser_page: Page, app, client):
    with freeze_time(panel_steps.BOOKING_DAY):
        panel_steps.publish(client)
        panel_steps.book(client, app, "CIN-0001", case_type="adoption_best_interests")
    referral_by_social_worker(client, app, dict(STANDARD_REFERRAL, services_requested=["family_network_meeting"]),
                              reference="CIN-0002")
    page = browser_page

    # The Group Manager opens the booking's instance page: its history is in words.
    sign_in(page, "group-manager", "Demo Group Manager, Group Manager")
    page.goto(f"/manage/instances/{instance(app, 'panel_booking').id}")
    history = page.locator("#history")
    expect(history).to_contain_text("Placement for adoption (best interests)")
    expect(history).to_contain_text("Process")
    expect(history).to_contain_text("Adoption and Fostering Panel booking")
    assert CODE.findall(history.inner_text()) == []

    # The JARP Co-ordinator's decision page names the services requested by their titles.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "jarp-co-ordinator", "Demo JARP Co-ordinator, JARP Co-ordinator")
    page.goto(f"/tasks/{open_task(app, 'Task_record_decision', 'CIN-0002').id}")
    facts = page.locator("main .govuk-summary-list").first
    expect(facts.locator(".govuk-summary-list__row", has_text="Services requested")).to_contain_text(
        "Family Network Meeting")
    main_text = page.locator("main").inner_text()
    assert "family_network_meeting" not in main_text and CODE.findall(main_text) == []


def test_the_head_of_service_sees_what_the_decision_rests_on_with_the_papers_as_links(browser_page: Page, app,
                                                                                     client):
    to_panel(client, app, ["s20_planned"])
    referral_by_social_worker(client, app, reference="CIN-0002")
    page = browser_page

    # The Head of Service opens the decision: the steps before it, in words, and every paper a link.
    sign_in(page, "head-of-service", "Demo Head of Service, Head of Service")
    page.goto(f"/tasks/{open_task(app, 'Task_hos_decision').id}")
    rests_on = page.locator("#rests-on")
    expect(rests_on.get_by_role("heading", name="What this decision rests on", level=2)).to_be_visible()
    for step in ("Recommend the case for the Resource Panel", "Join the recommendation to the Resource Panel",
                 "Send the papers for the Resource Panel"):
        expect(rests_on.get_by_role("heading", name=step, level=3)).to_be_visible()
    expect(rests_on).to_contain_text("Demo Consultant Social Worker")
    expect(rests_on).to_contain_text("Accommodate with local foster carers while the assessment completes.")
    papers = rests_on.get_by_role("link", name=re.compile(r"^Panel pro-forma: "))
    expect(papers).to_have_count(1)
    # the facts above the form link the same papers too
    expect(page.locator("main .govuk-summary-list").first.get_by_role(
        "link", name=re.compile(r"^Genogram: "))).to_have_count(1)
    with page.expect_download() as download:
        papers.click()
    assert download.value.suggested_filename == "panel_proforma.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("button", name="Sign out").click()

    # The JARP decision page shows the social worker's assessment summary and the outcomes expected.
    sign_in(page, "jarp-co-ordinator", "Demo JARP Co-ordinator, JARP Co-ordinator")
    page.goto(f"/tasks/{open_task(app, 'Task_record_decision', 'CIN-0002').id}")
    referral = page.locator("#rests-on")
    expect(referral.get_by_role("heading", name="Complete JARP referral", level=3)).to_be_visible()
    expect(referral).to_contain_text(STANDARD_REFERRAL["assessment_summary"])
    expect(referral).to_contain_text(STANDARD_REFERRAL["expected_outcomes"])
    expect(referral).to_contain_text("Demo Social Worker")


def test_the_case_page_says_a_jarp_referral_is_running_and_links_to_it(browser_page: Page, app, client):
    referral_by_social_worker(client, app)
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    page.goto(f"/cases/{case_id(app)}")
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()

    # Before anything is pressed: what runs, where it is, and no button that would be refused.
    warning = page.locator(".caseflow-already-running[data-process=jarp_referral]")
    expect(warning).to_contain_text("Already running on this case")
    expect(warning).to_contain_text("now at ‘Record JARP decision’")
    expect(warning).to_contain_text("Only one can run at a time")
    expect(page.get_by_role("button", name="Start a JARP referral")).to_have_count(0)

    # The link goes to where the running referral stands.
    warning.get_by_role("link", name="JARP referral").click()
    expect(page.get_by_role("heading", name="Record JARP decision", level=1)).to_be_visible()
    expect(page.get_by_text("CIN-0001 – Amira Khan")).to_be_visible()

    # A case with nothing running has the button and no warning.
    page.goto(f"/cases/{case_id(app, 'CIN-0002')}")
    expect(page.get_by_role("button", name="Start a JARP referral")).to_be_visible()
    expect(page.locator(".caseflow-already-running")).to_have_count(0)
