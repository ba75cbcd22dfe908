"""The decision record in a real browser (issue 14 §3): from the case page to
the record, and its PDF downloads (no asset of the page or the PDF is fetched
from elsewhere: the browser_page fixture fails on a missing one)."""
from playwright.sync_api import expect

from .test_jarp_referral_browser import sign_in


def test_a_social_worker_opens_the_record_and_downloads_its_pdf(browser_page):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="CIN-0001", exact=True).click()
    page.get_by_role("link", name="Decision record", exact=True).click()
    expect(page.get_by_role("heading", name="Decision record", level=1)).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text("CIN-0001 – Amira Khan")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the record as a PDF").click()
    assert download.value.suggested_filename == "decision-record-CIN-0001.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
