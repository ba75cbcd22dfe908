"""From registering a case to its first JARP referral, in a real browser
(issue 14): the unit's Consultant Social Worker registers a new child on the
case register page, opens the case, refers it to JARP, and the JARP
co-ordinator finds it on the agenda of the coming sitting."""
import re

from playwright.sync_api import expect

from .test_jarp_referral_browser import question, sign_in, sign_out

REFERENCE, CHILD = "CIN-0777", "Robin Quarrie"


def test_a_case_registered_in_the_browser_reaches_the_jarp_agenda(browser_page):
    page = browser_page
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")

    # The case register: a new child, registered in the CSW's unit.
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("button", name="Register a case").click()
    expect(page.get_by_role("heading", name="Register a case", level=1)).to_be_visible()
    page.get_by_label("Case reference").fill(REFERENCE)
    page.get_by_label("Child's name").fill(CHILD)
    born = page.get_by_role("group", name=re.compile("^Date of birth"))
    born.get_by_label("Day").fill("14")
    born.get_by_label("Month").fill("6")
    born.get_by_label("Year").fill("2015")
    page.get_by_label("Unit that holds the case").select_option("CIN Unit 1")
    page.get_by_role("button", name="Register the case").click()

    # Its case page opens, saying so.
    expect(page.get_by_role("heading", name=CHILD, level=1)).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text=f"Case {REFERENCE} is registered.")).to_be_visible()

    # Found again from the list of cases, it is referred to JARP.
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name=REFERENCE, exact=True).click()
    expect(page.get_by_role("heading", name=CHILD, level=1)).to_be_visible()
    page.get_by_role("button", name="Start a JARP referral").click()
    expect(page.get_by_role("heading", name="Complete JARP referral", level=1)).to_be_visible()
    expect(page.get_by_text(f"{REFERENCE} – {CHILD}")).to_be_visible()

    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()
    question(page, "Does the family have a Tier 3 case-holding social worker?") \
        .get_by_role("radio", name="Yes", exact=True).check()
    question(page, "Which risks does the evidence-based assessment show?") \
        .get_by_label("Familial breakdown", exact=True).check()
    question(page, "Which prioritisation criteria apply?") \
        .get_by_label("School exclusion (1 point)", exact=True).check()
    page.get_by_label("Summary of the assessment").fill("Robin has been out of school since October.")
    question(page, "Which services are you requesting?") \
        .get_by_label("Early Intervention Parenting Programme").check()
    page.get_by_label("For how many weeks?").fill("8")
    page.get_by_label("How many hours a week?").fill("2")
    page.get_by_label("What outcomes do you expect from the services?").fill("Robin back in school full time.")
    question(page, "Was the child asked what they want to happen next?") \
        .get_by_role("radio", name="Yes", exact=True).check()
    page.get_by_label("What does the child want to happen next?").fill("To go back to school with his friends.")
    page.get_by_role("button", name="Submit", exact=True).click()

    # Back on the case page: done, and the referral is among its processes.
    expect(page.get_by_role("heading", name=CHILD, level=1)).to_be_visible()
    expect(page.get_by_role("alert").filter(has=page.get_by_role("heading", name="Done"))) \
        .to_contain_text("‘Complete JARP referral’ is done.")
    expect(page.get_by_role("row").filter(has_text="JARP referral").first).to_be_visible()

    # The JARP co-ordinator finds it on the agenda of the coming sitting, scored.
    sign_out(page)
    sign_in(page, "jarp-co-ordinator", "Demo JARP Co-ordinator, JARP Co-ordinator")
    page.get_by_role("navigation").get_by_role("link", name="JARP agenda").click()
    expect(page.get_by_role("heading", name="JARP agenda", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Tuesday \d{1,2} \w+ \d{4}$"))).to_be_visible()
    agenda_row = page.get_by_role("row").filter(has_text=f"{REFERENCE} {CHILD}")
    expect(agenda_row).to_have_count(1)
    # Case, Priority, Score, Summary: school exclusion alone is 1 point, priority 3 (Appendix B)
    cells = agenda_row.get_by_role("cell")
    expect(cells.nth(1)).to_have_text("P3")
    expect(cells.nth(2)).to_have_text("1")
    expect(cells.nth(3)).to_contain_text("To go back to school with his friends.")
    expect(agenda_row.get_by_role("link", name="Record decision")).to_be_visible()
