"""A case transfer taken end to end in a real browser, as people do it: the CIN
Consultant Social Worker asks for a case to move to LAC and records the
route's conditions; the LAC Consultant Social Worker accepts; the case moves.

The live server runs in this process, on the real clock: the dates are worked
out from today (London), as the transfer rules do (Case Transfer §3)."""
import re
from datetime import datetime, time, timedelta

from freezegun import freeze_time
from playwright.sync_api import Page, expect

from engine.db import db
from engine.worker import fire_due_timers

from processes import calendar, clock
from processes.transfer import ROUTES
from webforms import create_app
from webforms.demo import DEMO_PASSWORD

from ..integration.transfer_steps import CHILD_WISHES

SCREENSHOT = "/tmp/caseflow-transfer.png"
ROUTE = ROUTES["cin_permanence"]["label"]  # the form's title for the route is the same text
REASON = "The permanency plan is long-term foster care; LAC takes the case from here."
NOTES = "Placement with the current foster carers continues."


def sign_in(page: Page, username: str, name_and_post: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Sign-in name", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My tasks", level=1)).to_be_visible()
    header = page.get_by_role("banner")
    expect(header.get_by_role("listitem").filter(
        has=page.get_by_role("button", name="Sign out"))).to_have_text(name_and_post + "Sign out")


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def question(page: Page, legend: str):
    """The fieldset (radios or a date) whose legend starts with `legend`."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(legend)))


def fill_date(page: Page, legend: str, day) -> None:
    """A GOV.UK date input: day, month and year boxes in one fieldset."""
    group = question(page, legend)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


def open_case(page: Page, reference: str, child: str) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", name=child, level=1)).to_be_visible()


def summary_value(page: Page, key: str):
    """The value beside `key` in the GOV.UK summary list at the top of a page."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(f"^\\s*{re.escape(key)}\\s*$")))
    return row.locator(".govuk-summary-list__value")


def facts_shown(page: Page) -> dict[str, str]:
    """Every key and value of the page's summary list (the page is loaded:
    it is rendered on the server, with the heading already seen)."""
    return page.locator(".govuk-summary-list__row").evaluate_all(
        "rows => Object.fromEntries(rows.map(r => ["
        " r.querySelector('.govuk-summary-list__key').innerText.trim(),"
        " r.querySelector('.govuk-summary-list__value').innerText.trim()]))")


def check_facts(page: Page, expected: dict[str, str], missing: list[str]) -> None:
    """What a task tells the person above its questions (the form's x-summary).
    Checked without stopping the test, so a missing fact is reported at the
    end and the transfer itself is still taken to its end."""
    shown = facts_shown(page)
    title = page.get_by_role("heading", level=1).inner_text()
    for key, value in expected.items():
        if shown.get(key) != value:
            missing.append(f"{title}: {key!r} should be {value!r}, shown {shown.get(key)!r}")


def done_banner(page: Page, task_name: str) -> None:
    banner = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="Done"))
    expect(banner).to_contain_text(f"‘{task_name}’ is done.")
    expect(page.get_by_role("heading", name="There is a problem")).to_have_count(0)


def test_cin_case_moves_to_lac_after_the_conditions_are_met_and_lac_accepts(browser_page, database_url):
    page = browser_page
    # London dates, as the server's rules see them: the request is today; the
    # transfer on the next working day (within 3 working days of the request);
    # the joint visit yesterday (within the 7 days before the transfer); the
    # Final Hearing that decided the permanency plan two weeks ago.
    today = clock.now().date()
    transfer_date = calendar.add_working_days(today, 1)
    joint_visit = today - timedelta(days=1)
    final_hearing = today - timedelta(days=14)
    assert 0 <= (transfer_date - joint_visit).days <= 7
    missing_facts: list[str] = []

    # The CIN Consultant Social Worker finds the case and asks for the transfer.
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")
    open_case(page, "CIN-0001", "Amira Khan")
    expect(summary_value(page, "Service")).to_have_text("CIN")
    expect(summary_value(page, "Unit")).to_have_text("CIN Unit 1")
    page.get_by_role("button", name="Request a transfer").click()

    expect(page.get_by_role("heading", name="Request a transfer", level=1)).to_be_visible()
    expect(page.get_by_text("CIN-0001 – Amira Khan")).to_be_visible()
    check_facts(page, {"Child": "Amira Khan", "Case reference": "CIN-0001",
                       "Current service": "CIN", "Current unit": "CIN Unit 1"}, missing_facts)
    question(page, "Which kind of transfer is this?").get_by_role(
        "radio", name=ROUTE, exact=True).check()
    question(page, "Which service will take the case?").get_by_role(
        "radio", name="Looked After Children (LAC)", exact=True).check()
    question(page, "Which unit will take the case?").get_by_role(
        "radio", name="LAC Unit 1 (LAC)", exact=True).check()
    fill_date(page, "Proposed transfer date", transfer_date)
    page.get_by_label("Why should the case transfer now?").fill(REASON)
    # the child's voice (issue 12 item 21)
    question(page, "Was the child asked what they want to happen next?").get_by_role(
        "radio", name="Yes", exact=True).check()
    page.get_by_label("What does the child want to happen next?").fill(CHILD_WISHES)
    page.get_by_role("button", name="Submit", exact=True).click()

    # Back on the case page: the request is done and the conditions are waiting.
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()
    done_banner(page, "Request a transfer")
    expect(summary_value(page, "Unit")).to_have_text("CIN Unit 1")  # nothing has moved yet

    # The conditions task is on My tasks.
    page.get_by_role("navigation").get_by_role("link", name="My tasks", exact=True).click()
    task_row = page.get_by_role("row").filter(has_text="CIN-0001")
    expect(task_row).to_contain_text("Amira Khan")
    task_row.get_by_role("link", name="Record the transfer conditions").click()
    expect(page.get_by_role("heading", name="Record the transfer conditions", level=1)).to_be_visible()
    check_facts(page, {"Sending unit": "CIN Unit 1", "Route": ROUTE, "Receiving service": "Looked After Children (LAC)",
                       "Receiving unit": "LAC Unit 1", "Reason for the transfer": REASON},
                missing_facts)

    # Only the questions this route needs (§3.2), none of the other routes'.
    for legend in ("Date of the joint visit by the sending and receiving services",
                   "Is the case in court?",
                   "Where was the permanency plan decided?",
                   "Date of the Final Hearing or panel approval"):
        expect(question(page, legend)).to_be_visible()
    for legend in ("Date of the Core Group the receiving unit attended",
                   "Date of the first Review Child Protection Conference",
                   "Expected delivery date",
                   "Date of the First Hearing",
                   "Date of the first looked after review",
                   "Do both Group Managers (CIN and Leaving Care) agree",
                   "Has the young person asked to stay in LAC?",
                   "Which local authority?"):
        expect(question(page, legend)).to_have_count(0)
    expect(page.get_by_label("Which local authority?")).to_have_count(0)
    expect(page.get_by_label("The young person's view of the transfer")).to_have_count(0)

    # In court, the plan decided at the Final Hearing before the transfer date.
    fill_date(page, "Date of the joint visit by the sending and receiving services", joint_visit)
    question(page, "Is the case in court?").get_by_role("radio", name="Yes", exact=True).check()
    question(page, "Where was the permanency plan decided?").get_by_role(
        "radio", name="The Final Hearing", exact=True).check()
    fill_date(page, "Date of the Final Hearing or panel approval", final_hearing)
    page.get_by_label("Anything else the receiving unit should know").fill(NOTES)
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.get_by_role("button", name="Submit", exact=True).click()

    # The rules pass: no problems to override, straight back to the case.
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()
    done_banner(page, "Record the transfer conditions")
    expect(summary_value(page, "Unit")).to_have_text("CIN Unit 1")
    sign_out(page)

    # The LAC Consultant Social Worker finds the decision on My tasks and accepts.
    sign_in(page, "csw-lac", "Demo Consultant Social Worker (LAC), Consultant Social Worker")
    task_row = page.get_by_role("row").filter(has_text="CIN-0001")
    expect(task_row).to_contain_text("Amira Khan")
    task_row.get_by_role("link", name="Accept the transfer").click()
    expect(page.get_by_role("heading", name="Accept the transfer", level=1)).to_be_visible()
    # the receiving unit sees what it is asked to take
    check_facts(page, {"Child": "Amira Khan", "Case reference": "CIN-0001",
                       "Sending unit": "CIN Unit 1", "Route": ROUTE, "Receiving unit": "LAC Unit 1",
                       "Reason for the transfer": REASON,
                       "Notes from the sending unit": NOTES,
                       "What the child wants to happen next": CHILD_WISHES}, missing_facts)
    question(page, "What does your unit decide?").get_by_role(
        "radio", name="Accept the case", exact=True).check()
    page.get_by_role("button", name="Submit", exact=True).click()

    # Accepted: CIN holds the case until its point of transfer, and both units see when it moves.
    expect(page.get_by_role("heading", name="Amira Khan", level=1)).to_be_visible()
    done_banner(page, "Accept the transfer")
    expect(summary_value(page, "Service")).to_have_text("CIN")
    expect(page.locator("#pending-transfer")).to_contain_text(
        f"This case moves to LAC Unit 1 (LAC) on {transfer_date:%A} {transfer_date.day} {transfer_date:%B %Y} at 17:00")

    # The timer worker runs just after 17:00 on the transfer date: the case moves.
    with freeze_time(datetime.combine(transfer_date, time(17, 1), tzinfo=clock.LONDON)):
        worker_app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "browser-test"})
        with worker_app.app_context():
            assert fire_due_timers() == 1
            db.session.remove()
    open_case(page, "CIN-0001", "Amira Khan")

    # The case is now LAC's, and the audit trail says why.
    expect(summary_value(page, "Service")).to_have_text("LAC")
    expect(summary_value(page, "Unit")).to_have_text("LAC Unit 1")
    audit = page.locator("#audit")
    moved = audit.get_by_role("row").filter(has_text="Case transferred")
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text("caseflow (system)")   # moved by the timer at the point of transfer
    expect(moved).to_contain_text(f"{ROUTE}, accepted by the receiving unit: {REASON}")
    expect(page.locator("#processes").get_by_role("row").filter(has_text="Case transfer")) \
        .to_contain_text("Complete")
    open_case(page, "CIN-0001", "Amira Khan")  # on LAC's own list now
    sign_out(page)

    # The CIN Consultant Social Worker no longer has the case.
    sign_in(page, "consultant-social-worker", "Demo Consultant Social Worker, Consultant Social Worker")
    page.get_by_role("navigation").get_by_role("link", name="Cases", exact=True).click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="CIN-0002", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="CIN-0001", exact=True)).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Amira Khan")).to_have_count(0)

    # Each task showed the facts its form lists above the questions.
    assert missing_facts == [], "\n".join(missing_facts)
