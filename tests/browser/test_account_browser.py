"""The person's own page in a real browser: issuing an API token asks for the
password again (a wrong one is an error on the field, the label kept), and the
token is shown once; no CSP violation on the way (browser_page fails on one)."""
from playwright.sync_api import Page, expect

from webforms.demo import DEMO_PASSWORD

from .test_jarp_referral_browser import sign_in


def test_issuing_a_token_asks_for_the_password_again(browser_page: Page):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    page.goto("/account")
    page.get_by_label("What is it for?").fill("Nightly export")
    page.get_by_label("Your password", exact=True).fill("not my password")
    page.get_by_role("button", name="Issue token").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The password is not right")
    expect(page.get_by_label("What is it for?")).to_have_value("Nightly export")
    expect(page.locator("#new-token")).to_have_count(0)
    page.get_by_label("Your password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Issue token").click()
    expect(page.locator("#new-token")).to_contain_text("Token issued: Nightly export")
    expect(page.locator("#tokens tbody tr")).to_have_count(1)
