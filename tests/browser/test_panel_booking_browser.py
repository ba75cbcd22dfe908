"""An Adoption Panel booking taken from the form to the agenda in a real
browser: the Panel Manager publishes next year's dates, the unit's Consultant
Social Worker books a case, the social worker sends the papers on the case
type's checklist, the Panel Advisor accepts them and finds the case, with its
papers, on the date's agenda."""
import re
from datetime import date

from playwright.sync_api import Page, expect

from .test_jarp_referral_browser import looks_like_a_govuk_button, question, sign_in, sign_out

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SCREENSHOT = "/tmp/caseflow-panel-booking.png"


def upload(page: Page, kind: str, filename: str) -> None:
    page.get_by_label("What is the paper?").select_option(label=kind)
    page.get_by_label("File", exact=True).set_input_files(
        {"name": filename, "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Add paper").click()
    expect(page.get_by_role("alert").filter(has_text=f"‘{filename}’ was added")).to_be_visible()


def test_a_booking_goes_from_the_form_to_the_panel_agenda(browser_page):
    page = browser_page
    year = date.today().year + 1
    february = date(year, 2, 1)
    february = february.replace(day=1 + (2 - february.weekday()) % 7)   # first Wednesday
    day_label = february.strftime("%A %-d %B %Y")

    # The Panel Manager publishes next year's timetable: the first Wednesday of each month.
    sign_in(page, "panel-manager", "Demo Panel Manager, Panel Manager")
    page.get_by_role("navigation").get_by_role("link", name="Adoption and Fostering Panels").click()
    expect(page.get_by_role("heading", name="Adoption Panel", level=1)).to_be_visible()
    timetable = page.locator("form[action$='/timetable']")
    timetable.get_by_label("Year", exact=True).fill(str(year))
    question(page, "Day of the week").get_by_role("radio", name="Wednesday").check()
    question(page, "Which one in the month?").get_by_role("radio", name="First").check()
    expect(page.get_by_label("Papers deadline: working days before the Panel")).to_have_value("15")
    page.get_by_role("button", name="Publish the dates").click()
    expect(page.get_by_role("alert").filter(has_text=f"12 Adoption Panel dates were published for {year}.")).to_be_visible()
    expect(page.locator("#sittings tbody tr")).to_have_count(12)
    expect(page.locator(f'#sittings tr[data-sitting="{february.isoformat()}"]')).to_contain_text("0 of 6")
    sign_out(page)

    # The Consultant Social Worker books the case from the case page.
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="CIN-0001", exact=True).click()
    page.get_by_role("button", name="Book onto the Adoption or Fostering Panel").click()
    expect(page.get_by_role("heading", name="Book the case onto a Panel", level=1)).to_be_visible()
    submit = page.get_by_role("button", name="Submit", exact=True)
    looks_like_a_govuk_button(submit)
    submit.click()                                                  # nothing answered
    expect(page).to_have_title(re.compile("^Error: Book the case onto a Panel"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([
        "Select the Panel and the kind of case",
        "Select the Panel date",
        "Select whether the case is in court proceedings",
        "Enter why the case is coming to Panel",
        "Select whether the child was asked what they want to happen next",
    ])
    question(page, "Which Panel, and what kind of case?").get_by_role(
        "radio", name="Adoption Panel: Matching (adoption)").check()
    question(page, "Which Panel date?").get_by_role("radio", name="A particular date").check()
    when = question(page, "The Panel date you want")
    when.get_by_label("Day").fill(str(february.day))
    when.get_by_label("Month").fill("2")
    when.get_by_label("Year").fill(str(year))
    question(page, "Is the case in court proceedings?").get_by_role("radio", name="No", exact=True).check()
    page.get_by_label("Why is the case coming to Panel?").fill("Match with approved adopters, the Smiths.")
    question(page, "Was the child asked what they want to happen next?").get_by_role(
        "radio", name="Yes", exact=True).check()
    page.get_by_label("What does the child want to happen next?").fill("To live with the Smiths and keep her name.")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="‘Book the case onto a Panel’ is done.")).to_be_visible()
    sign_out(page)

    # The social worker uploads two papers and sends them with the checklist.
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="CIN-0001", exact=True).click()
    upload(page, "Child's permanence report (CPR)", "permanence-report.pdf")
    upload(page, "Form F assessment", "form-f.pdf")
    page.get_by_role("link", name="My tasks", exact=True).click()
    page.get_by_role("row").filter(has_text="CIN-0001").get_by_role(
        "link", name="Send the papers for the Panel").click()
    expect(page.get_by_role("heading", name="Send the papers for the Panel", level=1)).to_be_visible()
    expect(page.locator(".govuk-summary-list").first).to_contain_text(day_label)
    expect(page.locator(".govuk-summary-list").first).to_contain_text("1. Child Permanence Report (updated if appropriate)")
    sent = question(page, "Which of the case's papers go to the Panel?")
    sent.get_by_label("Child's permanence report (CPR): permanence-report.pdf").check()
    sent.get_by_label("Form F assessment: form-f.pdf").check()
    included = question(page, "Which documents on the checklist are included in another report")
    expect(included.get_by_role("checkbox")).to_have_count(6)          # this case type's checklist only
    included.get_by_label("Child Placement Report").check()
    included.get_by_label("Updated CRB").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    # two documents are neither sent nor included: refused, with what is missing
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "needs: Updated medical report; Placement Order")
    included = question(page, "Which documents on the checklist are included in another report")
    included.get_by_label("Updated medical report").check()
    included.get_by_label("Placement Order").check()
    sent = question(page, "Which of the case's papers go to the Panel?")
    expect(sent.get_by_role("checkbox", checked=True)).to_have_count(2)    # answers kept
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="‘Send the papers for the Panel’ is done.")).to_be_visible()
    sign_out(page)

    # The Panel Advisor finds the papers adequate and sees the case on the agenda with them.
    sign_in(page, "panel-advisor", "Demo Panel Advisor, Panel Advisor")
    page.get_by_role("row").filter(has_text="CIN-0001").get_by_role(
        "link", name="Check the papers are adequate").click()
    expect(page.locator(".govuk-summary-list").first).to_contain_text("permanence-report.pdf")
    question(page, "Are the papers adequate for the Panel?").get_by_role(
        "radio", name="Yes: the booking is confirmed").check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="is done.")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Adoption and Fostering Panels").click()
    page.get_by_role("link", name=str(year), exact=True).click()           # the calendar opens on this year
    expect(page.get_by_role("heading", name=f"Dates in {year}")).to_be_visible()
    page.get_by_role("link", name=day_label).click()
    expect(page.get_by_role("heading", name=day_label, level=1)).to_be_visible()
    row = page.locator("table.agenda tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("CIN-0001 Amira Khan")
    expect(row).to_contain_text("Matching (adoption)")
    expect(row).to_contain_text("Papers accepted")
    expect(row.get_by_role("link", name="Child's permanence report (CPR): permanence-report.pdf")).to_be_visible()
    expect(row.get_by_role("link", name="Form F assessment: form-f.pdf")).to_be_visible()
    expect(row).to_contain_text("Included in other reports: Child Placement Report; Updated CRB; "
                                "Updated medical report; Placement Order")
    expect(page.get_by_text("Nobody is on the reserve list.")).to_be_visible()
