"""Issue 15 items 2, 3, 4 and 12 in a real browser: the task forms ask once,
show only what applies, lose nothing typed and speak plainly."""
import re
import sqlite3
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from .conftest import TIMEOUT_MS
from .test_jarp_referral_browser import question, sign_in, sign_out


def open_referral(page: Page) -> str:
    """The social worker starts a JARP referral from the case; the form's URL."""
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="CIN-0001", exact=True).click()
    page.get_by_role("button", name="Start a JARP referral").click()
    expect(page.get_by_role("heading", name="Complete JARP referral", level=1)).to_be_visible()
    return urlsplit(page.url).path


def summary_links(page: Page):
    return page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="There is a problem")).get_by_role("link")


def test_every_error_and_rule_problem_comes_on_the_first_submit_each_linked_to_its_question(browser_page):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    open_referral(page)
    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()
    question(page, "Does the family have a Tier 3 case-holding social worker?") \
        .get_by_role("radio", name="No", exact=True).check()
    page.get_by_label("Summary of the assessment").fill("Escalating conflict at home.")
    question(page, "Which services are you requesting?").get_by_label("Family Network Meeting").check()
    page.get_by_label("How many hours a week?").fill("lots")
    question(page, "Was the child asked what they want to happen next?") \
        .get_by_role("radio", name="No", exact=True).check()
    page.get_by_label("Why could the child not be asked?").fill("She is in hospital this week.")
    page.get_by_role("button", name="Submit", exact=True).click()

    # one submit: the form's errors and the threshold rules together, each naming its question
    expect(summary_links(page)).to_have_text([
        "Enter how many weeks the services are for",
        "‘How many hours a week?’ must be a number",
        "Enter the outcomes you expect from the services",
        "The family does not have a Tier 3 case-holding social worker.",
        re.compile(r"^The assessment shows none of the threshold risks"),
    ])
    rule = summary_links(page).filter(has_text="none of the threshold risks")
    expect(rule).to_have_attribute("href", "#threshold_risks")
    expect(summary_links(page).filter(has_text="Tier 3")).to_have_attribute("href", "#case_holder_tier3")
    expect(question(page, "Which risks does the evidence-based assessment show?")).to_contain_text(
        "Error: The assessment shows none of the threshold risks")
    # following the rule's link goes to its question, not the top of the page
    rule.click()
    expect(page.get_by_role("checkbox", name="Familial breakdown")).to_be_focused()
    # what was typed is all still there
    expect(page.get_by_label("Summary of the assessment")).to_have_value("Escalating conflict at home.")
    expect(page.get_by_label("How many hours a week?")).to_have_value("lots")
    expect(page.get_by_label("Why could the child not be asked?")).to_have_value("She is in hospital this week.")
    expect(page.get_by_role("checkbox", name="Family Network Meeting")).to_be_checked()


def test_questions_that_do_not_apply_are_revealed_only_under_their_answer(browser_page, browser, live_server):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    url = open_referral(page)
    ground = question(page, "Why does this need a direct referral?")
    risks = question(page, "Which risks does the evidence-based assessment show?")
    expect(ground).to_be_hidden()
    expect(risks).to_be_hidden()
    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()
    expect(risks).to_be_visible()
    expect(ground).to_be_hidden()
    # a referral must show a risk: the question is not marked optional; the criteria are
    expect(risks.locator("legend")).to_have_text("Which risks does the evidence-based assessment show?")
    expect(question(page, "Which prioritisation criteria apply?").locator("legend")).to_have_text(
        "Which prioritisation criteria apply? (optional)")
    page.get_by_role("radio", name=re.compile("^Direct referral")).check()
    expect(ground).to_be_visible()
    expect(risks).to_be_hidden()
    expect(page.get_by_label("For how many weeks?")).to_be_hidden()

    # A direct referral with a weekly referral's answer left behind: only what applies is sent.
    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()
    page.get_by_label("For how many weeks?").fill("6")
    page.get_by_role("radio", name=re.compile("^Direct referral")).check()
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(summary_links(page)).to_contain_text(["Select why this needs a direct referral"])
    expect(summary_links(page).filter(has_text="weeks")).to_have_count(0)
    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()
    expect(page.get_by_label("For how many weeks?")).to_have_value("6")   # kept, not lost

    # Without JavaScript every question shows, so nothing is out of reach.
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        plain = context.new_page()
        sign_in(plain, "social-worker", "Demo Social Worker, Social Worker")
        plain.goto(url)
        expect(question(plain, "Why does this need a direct referral?")).to_be_visible()
        expect(question(plain, "Which risks does the evidence-based assessment show?")).to_be_visible()
        expect(plain.get_by_label("For how many weeks?")).to_be_visible()
    finally:
        context.close()


def test_a_suspended_process_says_so_before_the_form_and_a_refused_submit_keeps_the_answers(
        browser_page, browser, live_server, database_url):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    url = open_referral(page)
    page.get_by_label("Summary of the assessment").fill("Typed before the process was suspended.")
    page.get_by_role("radio", name="Referral to the weekly JARP meeting").check()

    # Meanwhile the Group Manager suspends the process.
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        instance_id = db.execute("SELECT instance_id FROM task WHERE id = ?", (url.rsplit("/", 1)[1],)).fetchone()[0]
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        manager = context.new_page()
        sign_in(manager, "group-manager", "Demo Group Manager, Group Manager")
        manager.goto(f"/manage/instances/{instance_id}")
        manager.locator("#suspend summary").click()
        manager.locator("#suspend-reason").fill("Family moved out of the area; checking which authority.")
        manager.get_by_role("button", name="Suspend the process").click()
        expect(manager.get_by_text("The process is suspended.")).to_be_visible()
    finally:
        context.close()

    # The social worker's submit is refused, and what they typed is still in the form.
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
           ).to_contain_text("This process is suspended")
    expect(page.get_by_label("Summary of the assessment")).to_have_value("Typed before the process was suspended.")
    expect(page.get_by_role("radio", name="Referral to the weekly JARP meeting")).to_be_checked()

    # My tasks says so, and the task page says so before any form.
    page.get_by_role("link", name="My tasks", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Complete JARP referral")
    expect(row).to_contain_text("Process suspended")
    row.get_by_role("link", name="Complete JARP referral").click()
    expect(page.locator("#halted")).to_contain_text(
        "This process is suspended: its tasks cannot be completed until a manager resumes it.")
    expect(page.get_by_role("button", name="Submit", exact=True)).to_have_count(0)
    expect(page.get_by_label("Summary of the assessment")).to_have_count(0)


def test_plain_words_for_a_short_year_a_small_file_and_dates(browser_page, tmp_path):
    page = browser_page
    sign_in(page, "social-worker", "Demo Social Worker, Social Worker")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="CIN-0001", exact=True).click()

    # a 52-byte paper is 52 bytes, not "0 KB"
    paper = tmp_path / "note.pdf"
    paper.write_bytes(b"%PDF-1.4\n" + b"%" * 36 + b"\n%%EOF\n")
    assert paper.stat().st_size == 52
    page.get_by_label("What is the paper?").select_option(label="Chronology")
    page.get_by_label("File").set_input_files(str(paper))
    page.get_by_role("button", name="Add paper").click()
    row = page.locator("#documents").get_by_role("row").filter(has_text="note.pdf")
    expect(row).to_contain_text("note.pdf (52 bytes)")
    expect(row).to_contain_text(
        re.compile(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d"))

    # a two-digit year is asked for in full (a Consultant Social Worker requests transfers)
    sign_out(page)
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")
    page.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="CIN-0001", exact=True).click()
    page.get_by_role("button", name="Request a transfer").click()
    when = question(page, "Proposed transfer date")
    when.get_by_label("Day", exact=True).fill("8")
    when.get_by_label("Month", exact=True).fill("12")
    when.get_by_label("Year", exact=True).fill("26")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(summary_links(page)).to_contain_text(["Select which kind of transfer this is", "Year must include 4 numbers"])
    expect(when.get_by_label("Year", exact=True)).to_have_value("26")
    sign_out(page)
