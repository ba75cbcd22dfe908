"""A Group Manager finds an overdue task on the dashboard, looks at where the
process is on its diagram, and gives the task to someone else; that person
then finds it in their task list."""
import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from processes import calendar, clock

from .test_jarp_referral_browser import sign_in, sign_out
from .test_manager_pages_browser import overdue_jarp_referral

SCREENSHOT = "/tmp/caseflow-manager-instance.png"


def test_manager_finds_an_overdue_task_and_reassigns_it(browser_page: Page, database_url):
    overdue_jarp_referral(database_url)
    page = browser_page
    late = calendar.working_days_between(clock.now() - timedelta(days=7), clock.now())

    sign_in(page, "group-manager", "Demo Group Manager, Group Manager")
    page.get_by_role("navigation").get_by_role("link", name="Manage", exact=True).click()
    expect(page.get_by_role("heading", name="Work overview", level=1)).to_be_visible()
    expect(page.get_by_text("Managing CIN")).to_be_visible()
    by_process = page.get_by_role("table").filter(has_text="Process").first
    expect(by_process.get_by_role("row").filter(has_text="JARP referral")).to_contain_text("1")

    # The overdue list: what, whose, due when, how late in working days.
    page.get_by_role("link", name="overdue", exact=True).click()
    expect(page.get_by_role("heading", name="Overdue work", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Complete JARP referral")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("CIN-0001 Amira Khan")
    expect(row).to_contain_text("Any Social Worker")
    expect(row).to_contain_text(f"{late} working day")
    # filtering by post keeps it; another post's filter leaves nothing
    page.get_by_label("Post").select_option("Group Manager")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("Nothing is overdue that matches the filters.")).to_be_visible()
    page.get_by_label("Post").select_option("Social Worker")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("row").filter(has_text="Complete JARP referral")).to_have_count(1)

    # The instance: its diagram with the task waiting marked, its history.
    page.get_by_role("link", name="Complete JARP referral").click()
    expect(page.get_by_role("heading", name="JARP referral", level=1)).to_be_visible()
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "true")
    expect(diagram.locator('[data-element-id="Task_complete_referral"].cf-current')).to_have_count(1)
    expect(diagram.locator('[data-element-id="StartEvent_referral"].cf-done')).to_have_count(1)
    expect(diagram.locator(".cf-heat")).to_contain_text(["1"])
    expect(page.locator("#history")).to_contain_text("Process started")

    # Reassign: without a reason, the error summary says so.
    page.get_by_text("Reassign ‘Complete JARP referral’").click()
    page.get_by_label("Give it to").select_option(label="Demo Consultant Social Worker, Consultant Social Worker")
    page.get_by_role("button", name="Reassign", exact=True).click()
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(["Enter the reason for this change"])
    summary.get_by_role("link", name="Enter the reason for this change").click()
    reason = page.get_by_role("textbox", name="Reason")
    expect(reason).to_be_focused()
    reason.fill("Amira's social worker is on leave this week")
    expect(page.get_by_label("Give it to")).to_have_value(re.compile(r"^\d+$"))
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Reassign", exact=True).click()

    banner = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="Done"))
    expect(banner).to_contain_text("‘Complete JARP referral’ is now assigned to Demo Consultant Social Worker.")
    expect(page.locator("#open-tasks")).to_contain_text("Demo Consultant Social Worker (Social Worker)")
    expect(page.locator("#history")).to_contain_text("Task reassigned: Complete JARP referral")
    expect(page.locator("#history")).to_contain_text("Amira's social worker is on leave this week")

    # The consultant finds it in their tasks, still marked overdue.
    sign_out(page)
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")
    mine = page.get_by_role("row").filter(has_text="Complete JARP referral")
    expect(mine).to_contain_text("CIN-0001")
    expect(mine).to_contain_text("Overdue")
