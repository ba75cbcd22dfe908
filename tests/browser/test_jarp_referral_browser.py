"""The JARP referral taken end to end in a real browser, as people do it:
a social worker refers a case, the JARP co-ordinator finds it on the agenda."""
import re

from playwright.sync_api import Page, expect

from webforms.demo import DEMO_PASSWORD

SCREENSHOT = "/tmp/caseflow-referral.png"


def looks_like_a_govuk_button(button) -> None:
    """Styled by GOV.UK Frontend's stylesheet: green, square, with its shadow,
    not the browser's grey default button."""
    style = button.evaluate("b => { const s = getComputedStyle(b);"
                            " return [s.backgroundColor, s.borderRadius, s.boxShadow]; }")
    red, green, blue = (int(n) for n in re.findall(r"\d+", style[0])[:3])
    assert green > red + 40 and green > blue, style
    assert style[1] == "0px", style
    assert "0px 2px 0px" in style[2], style


def sign_in(page: Page, username: str, name_and_post: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Sign-in name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My tasks", level=1)).to_be_visible()
    # the header says who is signed in and offers to sign out, with no markup showing
    header = page.get_by_role("banner")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("listitem").filter(
        has=page.get_by_role("button", name="Sign out"))).to_have_text(name_and_post + "Sign out")
    expect(header).not_to_contain_text("<")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def question(page: Page, legend: str):
    """The fieldset (radios or checkboxes) whose legend starts with `legend`."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(legend)))


def test_social_worker_refers_a_case_and_the_coordinator_sees_it_on_the_agenda(browser_page):
    page = browser_page

    # The social worker signs in and finds the case.
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    page.get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    page.get_by_role("link", name="CIN-0001", exact=True).click()
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()

    # The referral form opens.
    page.get_by_role("button", name="Start a JARP referral").click()
    expect(page.get_by_role("heading", name="Complete JARP referral", level=1)).to_be_visible()
    expect(page.get_by_text("CIN-0001 – Amira Khan")).to_be_visible()
    submit = page.get_by_role("button", name="Submit", exact=True)
    looks_like_a_govuk_button(submit)

    # Submitting nothing shows the GOV.UK error summary, each message linking to its question.
    submit.click()
    expect(page).to_have_title(re.compile("^Error: Complete JARP referral"))
    summary = page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_visible()
    # GOV.UK Frontend's script moves focus to the summary, so it is read out first
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([
        "Select what kind of referral this is",
        "Select whether the family has a Tier 3 case-holding social worker",
        "Enter a summary of the assessment",
        "Select the services you are requesting",
        "Select whether the child was asked what they want to happen next",
    ])
    # each question repeats its message next to it
    for legend, message in [
            ("What kind of referral is this?", "Select what kind of referral this is"),
            ("Which services are you requesting?",
             "Select the services you are requesting")]:
        expect(question(page, legend)).to_contain_text("Error: " + message)
    expect(page.get_by_label("Summary of the assessment")).to_have_accessible_description(
        re.compile("Enter a summary of the assessment"))
    # following a message takes the person to the question
    summary.get_by_role("link", name="Select what kind of referral this is").click()
    expect(page.get_by_role("radio", name="Referral to the weekly JARP meeting")).to_be_focused()

    # The social worker fills the referral as a person would.
    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()
    question(page, "Does the family have a Tier 3 case-holding social worker?") \
        .get_by_role("radio", name="Yes", exact=True).check()
    risks = question(page, "Which risks does the evidence-based assessment show?")
    risks.get_by_label("Familial breakdown", exact=True).check()
    risks.get_by_label("Child protection concerns", exact=True).check()
    criteria = question(page, "Which prioritisation criteria apply?")
    for label in ("Child protection concerns (threat of imminent removal) (3 points)",
                  "Drug or alcohol dependency in parent (2 points)",
                  "School exclusion (1 point)"):
        criteria.get_by_label(label, exact=True).check()
    page.get_by_label("Summary of the assessment").fill(
        "Core assessment shows escalating conflict and risk of breakdown.")
    services = question(page, "Which services are you requesting?")
    services.get_by_label("Family therapy (Child and Family Consultation Service)").check()
    services.get_by_label("Early Intervention Parenting Programme").check()
    page.get_by_label("For how many weeks?").fill("12")
    page.get_by_label("How many hours a week?").fill("3.5")
    page.get_by_label("What outcomes do you expect from the services?").fill(
        "Parents manage conflict without police call-outs.")
    question(page, "Was the child asked what they want to happen next?") \
        .get_by_role("radio", name="Yes", exact=True).check()
    page.get_by_label("What does the child want to happen next?").fill("To stay at home.")
    expect(page.get_by_role("radio", name="Referral to the weekly JARP meeting")).to_be_checked()
    expect(criteria.get_by_role("checkbox", checked=True)).to_have_count(3)
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name="Submit", exact=True).click()

    # Back on the case page with a success banner.
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()
    banner = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="Done"))
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("‘Complete JARP referral’ is done.")
    expect(page.get_by_role("heading", name="There is a problem")).to_have_count(0)

    # The JARP co-ordinator finds the decision to record, and the case on the agenda.
    sign_out(page)
    sign_in(page, "jarp-co-ordinator", "Demo JARP Co-ordinator, JARP Co-ordinator")
    task_row = page.get_by_role("row").filter(has_text="CIN-0001")
    expect(task_row.get_by_role("link", name="Record JARP decision")).to_be_visible()
    expect(task_row).to_contain_text("Amira Khan")

    page.get_by_role("navigation").get_by_role("link", name="JARP agenda").click()
    expect(page.get_by_role("heading", name="JARP agenda", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Tuesday \d{1,2} \w+ \d{4}$"))).to_be_visible()
    agenda_row = page.get_by_role("row").filter(has_text="CIN-0001 Amira Khan")
    expect(agenda_row).to_have_count(1)
    # Case, Priority, Score, Summary, Notes, Status: 3 + 2 + 1 points is priority 3 (Appendix B)
    cells = agenda_row.get_by_role("cell")
    expect(cells.nth(1)).to_have_text("P3")
    expect(cells.nth(2)).to_have_text("6")
    expect(cells.nth(3)).to_contain_text("What the child wants to happen next: To stay at home.")
    expect(agenda_row.get_by_role("link", name="Record decision")).to_be_visible()

    # An agency's representative reads the same agenda the same day (Appendix A step 2).
    sign_out(page)
    sign_in(page, "agency-representative", "Demo Agency Representative, Agency Representative")
    page.get_by_role("navigation").get_by_role("link", name="JARP agenda").click()
    agenda_row = page.get_by_role("row").filter(has_text="CIN-0001 Amira Khan")
    expect(agenda_row.get_by_role("cell").nth(3)).to_contain_text("Core assessment shows escalating conflict")
    expect(agenda_row.get_by_role("link", name="Record decision")).to_have_count(0)
