"""The people register in a real browser (issue 14 §2): the System
administrator adds a person, then closes a social worker's account after
giving their open task to the new person; no script or CSP error on the way."""
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine import assignment
from engine.db import db
from engine.models import Task, User
from engine.transaction import unit_of_work
from webforms import create_app

from ..integration.test_notifications import _start_visits
from .test_jarp_referral_browser import sign_in


def _social_worker_takes_the_visit(database_url) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    _start_visits(app)
    with app.app_context():
        with unit_of_work():
            worker = db.session.scalar(select(User).filter_by(username="social-worker"))
            task_id = db.session.scalar(select(Task.id).where(Task.element_id == "Task_visit"))
            assignment.take(task_id, worker)
        db.session.remove()
        db.engine.dispose()


def test_add_a_person_then_close_an_account_after_handing_over_its_task(browser_page: Page, database_url):
    page = browser_page
    _social_worker_takes_the_visit(database_url)
    sign_in(page, "system-administrator", "Demo System administrator, System administrator")
    page.get_by_role("banner").get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()

    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("button", name="Add the person").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a sign-in name")
    expect(summary).to_contain_text("Select the person's post")
    page.get_by_label("Sign-in name").fill("priya.shah")
    page.get_by_label("Full name").fill("Priya Shah")
    page.get_by_label("Post").select_option("Social Worker")
    page.get_by_label("Unit").select_option("CIN Unit 1")
    page.get_by_label("E-mail address").fill("priya.shah@example.org")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_text("Priya Shah is added to the register.")).to_be_visible()

    page.get_by_role("link", name="People", exact=True).first.click()
    page.get_by_label("Search by name, sign-in name, e-mail or post").fill("social-worker@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Demo Social Worker", exact=True).click()
    page.get_by_role("link", name="Close Demo Social Worker's account").click()
    row = page.locator("#open-work tbody tr")
    expect(row).to_contain_text("Record the visit")
    page.get_by_role("button", name="Close the account").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("still has 1 open task")

    page.get_by_label("Give Record the visit to").select_option(label="Priya Shah, Social Worker")
    page.get_by_role("button", name="Give the task").click()
    expect(page.get_by_text("Record the visit is now Priya Shah's.")).to_be_visible()
    expect(page.locator("#no-open-work")).to_be_visible()
    page.get_by_role("button", name="Close the account").click()
    expect(page.get_by_text("Demo Social Worker's account is closed")).to_be_visible()
    expect(page.locator("#people tr[data-username=social-worker]")).to_contain_text("Closed")


def test_a_csv_file_is_checked_row_by_row_then_saved(browser_page: Page):
    page = browser_page
    sign_in(page, "system-administrator", "Demo System administrator, System administrator")
    page.goto("/people/import")
    rows = ("username,name,post,service,unit,email,deputy,active\r\n"
            "kim.new,Kim New,JARP Co-ordinator,,,kim.new@example.org,jarp-chair,\r\n"
            "bad.one,Bad One,Wizard,,,bad.one@example.org,,\r\n")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#dry-run-summary")).to_contain_text("1 added, 0 changed, 0 unchanged, 1 refused")
    expect(page.locator("#dry-run tr[data-line='3']")).to_contain_text("Post: Wizard is not a post")
    expect(page.get_by_role("button", name="Save these changes")).to_have_count(0)

    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": rows.split("bad.one", 1)[0].encode()}])
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#dry-run-summary")).to_contain_text("1 added, 0 changed, 0 unchanged, 0 refused")
    page.get_by_role("button", name="Save these changes").click()
    expect(page.get_by_text("The file is saved: 1 added, 0 changed, 0 unchanged.")).to_be_visible()
    expect(page.locator("#people tr[data-username='kim.new']")).to_contain_text("Demo JARP Chair")
