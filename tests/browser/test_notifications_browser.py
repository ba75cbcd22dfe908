"""A person chooses how they are told, and sees the unread count change, in a
real browser; the notifications are made by the real worker process."""
from playwright.sync_api import expect

from webforms import create_app

from ..integration.mail_steps import SmtpServer, worker_once
from ..integration.test_notifications import _start_visits
from .test_case_transfer_browser import sign_in


def test_a_social_worker_chooses_in_the_app_only_and_sees_the_count(browser_page, database_url):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    header.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name="Choose how you get notifications").click()
    expect(page.get_by_role("heading", name="How you get notifications", level=1)).to_be_visible()
    ready = page.get_by_role("group", name="A task I can act on is ready")
    expect(ready.get_by_label("By e-mail at once")).to_be_checked()
    ready.get_by_label("In caseflow only").check()
    page.get_by_role("button", name="Save choices").click()
    expect(page.get_by_text("Your notification choices are saved.")).to_be_visible()
    expect(page.get_by_role("group", name="A task I can act on is ready")
           .get_by_label("In caseflow only")).to_be_checked()

    _start_visits(create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True}))
    with SmtpServer() as smtp:
        worker_once(database_url, CASEFLOW_SMTP_URL=smtp.url)
        assert smtp.inbox.messages == []           # in caseflow only, as chosen
    page.reload()
    link = page.get_by_role("banner").get_by_role("link", name="Notifications 1 unread")
    expect(link).to_be_visible()
    link.click()
    page.get_by_role("link", name="Task ready: Record the visit (case CIN-0001)").click()
    expect(page.get_by_role("heading", name="Record the visit")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Notifications", exact=True)).to_be_visible()
