"""The Panel's chair, the Assistant Director, approves a Children's Resource Panel
decision sheet in a real browser (Panels §1: 'decision later approved electronically
by the Panel Chair'; the AD chairs). The referral is brought to the chair through
the web forms beforehand."""
import re
from datetime import datetime

from freezegun import freeze_time

from playwright.sync_api import Page, expect

from ..integration.resource_panel_steps import (
    ADMIN, APPROVE, HOS, complete, data_of, sheet, to_panel,
)
from .test_jarp_referral_browser import looks_like_a_govuk_button, question, sign_in, sign_out

SCREENSHOT = "/tmp/caseflow-resource-panel-chair.png"


def test_panel_chair_checks_and_approves_the_decision_sheet(browser_page: Page, app, client):
    # The case is recommended, joined, papered, approved by the Head of Service and heard;
    # the Panel Administrator has recorded the decision sheet.
    to_panel(client, app, ["s20_planned"])
    complete(client, HOS, app, "Task_hos_decision", APPROVE)
    sitting = datetime.fromisoformat(data_of(app)["panel"]["starts_at"])
    with freeze_time(sitting):           # recorded at the sitting (issue 12 item 8)
        complete(client, ADMIN, app, "Task_decision_sheet",
                 sheet(["s20_planned", "permanency_plan"], ["s20", "plan"]))
    page = browser_page

    # The chair, the Assistant Director, finds the decision sheet among their tasks.
    sign_in(page, "assistant-director", "Demo Assistant Director, Assistant Director")
    row = page.get_by_role("row").filter(has_text="CIN-0001")
    row.get_by_role("link", name="Approve the Panel's decision sheet").click()
    expect(page.get_by_role("heading", name="Approve the Panel's decision sheet", level=1)).to_be_visible()
    expect(page.get_by_text("CIN-0001 – Amira Khan")).to_be_visible()

    # The whole sheet is there to check, in words.
    facts = page.locator(".govuk-summary-list").first   # the facts; what it rests on follows
    for text in ("Accommodation under section 20 (planned)",
                 "Permanency plan: the child is to be permanently looked after",
                 "Section 20 (accommodation)", "No order: the child's plan (permanence)",
                 "All alternatives were explored; the risk at home is too high.",
                 "CSW to find a local placement by Friday."):
        expect(facts).to_contain_text(text)
    submit = page.get_by_role("button", name="Submit", exact=True)
    looks_like_a_govuk_button(submit)

    # Submitting without a decision shows the error summary, linked to the question.
    submit.click()
    expect(page).to_have_title(re.compile("^Error: Approve the Panel's decision sheet"))
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary.get_by_role("link")).to_have_text(
        ["Select whether the decision sheet is complete and accurate"])
    summary.get_by_role("link").click()
    expect(page.get_by_role("radio", name="Yes: approve the decision")).to_be_focused()

    # The Chair approves it electronically.
    question(page, "Is the decision sheet complete and accurate?").get_by_role(
        "radio", name="Yes: approve the decision").check()
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Submit", exact=True).click()

    # The decision is final and on the case, with the permanency plan.
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()
    banner = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="Done"))
    expect(banner).to_contain_text("‘Approve the Panel's decision sheet’ is done.")
    decisions = page.get_by_role("heading", name="Children's Resource Panel decisions")
    expect(decisions).to_be_visible()
    decision = page.locator(".resource-panel-decision")
    expect(decision).to_contain_text("Approved")
    expect(decision).to_contain_text("Approved by the Children's Resource Panel")

    # The agenda shows the case decided.
    page.get_by_role("navigation").get_by_role("link", name="Resource Panel agenda").click()
    expect(page.get_by_role("heading", name="Resource Panel agenda", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="CIN-0001")).to_contain_text("Decided")

    # Only now is it sent to the unit.
    sign_out(page)
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")
    expect(page.get_by_role("row").filter(has_text="CIN-0001").get_by_role(
        "link", name="Read the Resource Panel's decision")).to_be_visible()
