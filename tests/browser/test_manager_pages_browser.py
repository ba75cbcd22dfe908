"""Issue 15 items 9-11, as a person sees them in Chromium: the managers'
overview fits on a screen or two, the lists read on a 375 px phone without
sideways scrolling, and the diagrams have a text alternative (axe-core runs
over every page through the browser_page fixture; these tests also check the
states a script makes: a details element opened, the diagram drawn)."""
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine import runtime
from engine.db import db
from engine.models import Case, ProcessInstance, Task, User
from engine.timeutil import utcnow
from engine.transaction import unit_of_work
from webforms import create_app

from . import axe
from .test_jarp_referral_browser import sign_in, sign_out

GROUP_MANAGER = ("group-manager", "Demo Group Manager, Group Manager")
SOCIAL_WORKER = ("social-worker", "Demo Social Worker, Social Worker")
PHONE = {"width": 375, "height": 740}
# The overview at 1280 px with four processes started this week was 4,559 px
# tall (issue 15: 4,651 px), a chart and twelve rows of figures each
OTHER_PROCESSES = ("case_transfer", "resource_panel_referral", "panel_booking")
OVERVIEW_MAX_HEIGHT = 2000


def overdue_jarp_referral(database_url, priority=None, also=()) -> int:
    """A JARP referral on CIN-0001 whose first task is a week late; its
    process has `priority` (as scoring sets it), its task none of its own.
    `also`: the other processes started on the case this week."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "browser-test"})
    with app.app_context():
        with unit_of_work():
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
            worker = db.session.scalar(select(User).filter_by(username="social-worker"))
            instance = runtime.start_instance("jarp_referral", case, worker)
            task = db.session.scalar(select(Task).filter_by(instance_id=instance.id, state="ready"))
            task.due_at = utcnow() - timedelta(days=7)
            assert task.priority is None
            db.session.get(ProcessInstance, instance.id).priority = priority
            instance_id = instance.id
            for key in also:
                runtime.start_instance(key, case, worker)
        db.session.remove()
        db.engine.dispose()
    return instance_id


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_overview_is_compact_with_its_figures_behind_details(browser_page: Page, database_url):
    overdue_jarp_referral(database_url, priority=2, also=OTHER_PROCESSES)
    page = browser_page
    sign_in(page, *GROUP_MANAGER)
    page.goto("/manage/")
    expect(page.locator(".caseflow-charts__item")).to_have_count(1 + len(OTHER_PROCESSES))
    expect(page.get_by_role("heading", name="Work overview", level=1)).to_be_visible()
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"overview height at 1280 px: {height}")
    assert height <= OVERVIEW_MAX_HEIGHT, f"the overview is {height} px tall"

    # the JARP referral started this week: its chart, its figures closed behind a details element
    jarp = page.locator("#chart-jarp_referral")
    expect(jarp.locator("svg.caseflow-chart")).to_be_visible()
    figures = jarp.locator("details")
    expect(figures).not_to_have_attribute("open", "")
    table = jarp.get_by_role("table")
    expect(table).to_be_hidden()
    figures.locator("summary").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(13)          # a header and twelve weeks
    expect(table.get_by_role("row").last).to_contain_text("1")  # started this week
    axe.check(page)

    # every week's table starts closed: no screenful of zeros
    expect(page.locator(".caseflow-trend-details[open]")).to_have_count(1)

    # the Priority column: the task has none of its own, so its process's
    page.get_by_role("link", name="overdue", exact=True).click()
    row = page.get_by_role("row").filter(has_text="Complete JARP referral")
    expect(row).to_have_count(1)
    expect(row.locator('td[data-label="Priority"]')).to_have_text("P2")
    # and the filter and sort agree with what is shown
    page.get_by_label("Priority").select_option("P2")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("row").filter(has_text="Complete JARP referral")).to_have_count(1)
    page.get_by_label("Priority").select_option("P1")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("Nothing is overdue that matches the filters.")).to_be_visible()


def test_a_process_without_a_priority_says_so(browser_page: Page, database_url):
    overdue_jarp_referral(database_url)
    page = browser_page
    sign_in(page, *GROUP_MANAGER)
    page.goto("/manage/overdue")
    row = page.get_by_role("row").filter(has_text="Complete JARP referral")
    expect(row.locator('td[data-label="Priority"]')).to_have_text("Not set")


def test_empty_tables_say_nothing_here_yet(browser_page: Page):
    """A unit with nothing open: the overview's tables say so instead of showing headers alone."""
    page = browser_page
    sign_in(page, *GROUP_MANAGER)
    page.goto("/manage/")
    expect(page.locator("#by-process")).to_have_count(0)
    expect(page.get_by_text("Nothing here yet.", exact=True)).to_have_count(2)   # by process, by unit


def test_the_lists_fit_a_phone(browser_page: Page, database_url):
    overdue_jarp_referral(database_url, priority=1)
    page = browser_page
    sign_in(page, *SOCIAL_WORKER)      # at the desktop width: sign_in reads the header's links
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#my-tasks")).to_contain_text("Complete JARP referral")
    assert scroll_width(page) <= PHONE["width"], f"My tasks is {scroll_width(page)} px wide"
    # each task a card: the column's name beside its value
    card = page.locator("#my-tasks tbody tr").filter(has_text="Complete JARP referral")
    due = card.locator('td[data-label="Due"]')
    assert page.evaluate("e => getComputedStyle(e, '::before').content", due.element_handle()) == '"Due"'
    expect(page.locator("#my-tasks thead")).not_to_be_in_viewport()

    # the header: the navigation behind GOV.UK's Menu button, the long name and post wrapped
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    navigation = page.get_by_role("banner").get_by_role("link", name="Cases")
    expect(navigation).to_be_hidden()
    menu.click()
    expect(navigation).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"], f"the open menu is {scroll_width(page)} px wide"
    axe.check(page)
    sign_out(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, *GROUP_MANAGER)
    page.set_viewport_size(PHONE)
    for url, heading in (("/manage/overdue", "Overdue work"), ("/manage/", "Work overview"),
                         ("/manage/stuck", "Stuck processes"), ("/manage/unit", "The week ahead")):
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert scroll_width(page) <= PHONE["width"], f"{url} is {scroll_width(page)} px wide"
    page.goto("/manage/overdue")
    expect(page.locator('#overdue td[data-label="Priority"]')).to_have_text("P1")


def test_the_instance_diagram_has_a_text_alternative(browser_page: Page, database_url):
    instance_id = overdue_jarp_referral(database_url)
    page = browser_page
    sign_in(page, *GROUP_MANAGER)
    page.goto(f"/manage/instances/{instance_id}")
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "true")
    # a group named and described, not an image holding focusable parts (axe nested-interactive)
    expect(diagram).not_to_have_attribute("role", "img")
    expect(page.get_by_role("group", name="The process diagram")).to_have_attribute("aria-describedby", "diagram-text")
    expect(page.locator("#diagram-text")).to_contain_text("Waiting now: Complete JARP referral.")
    expect(page.locator("#diagram-text")).to_contain_text("The path taken:")

    page.get_by_text("The diagram as text").click()
    steps = page.locator("#steps > li")
    assert steps.count() >= 3
    waiting = steps.filter(has_text="Waiting here now")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Social Worker")      # who does it
    first = steps.first
    expect(first).to_contain_text("Done")                   # the path taken: the start
    axe.check(page)


def test_the_procedures_and_a_version_have_their_steps_as_text(browser_page: Page):
    page = browser_page
    sign_in(page, "process-owner", "Demo Process Owner, Process Owner")
    page.goto("/procedures")
    page.get_by_role("link", name="JARP referral").first.click()
    expect(page.locator("#steps > li").first).to_be_visible()

    page.goto("/processes/jarp_referral/versions/1")
    expect(page.get_by_role("heading", name="Version 1", level=1)).to_be_visible()
    page.get_by_text("The diagram as text").click()
    expect(page.locator("#steps > li").first).to_be_visible()
    expect(page.locator("#steps")).to_contain_text("Social Worker")
    axe.check(page)


def test_the_form_preview_has_a_main_heading(browser_page: Page):
    page = browser_page
    sign_in(page, "process-owner", "Demo Process Owner, Process Owner")
    page.goto("/processes/forms")
    page.get_by_role("link", name="Preview").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    title = page.get_by_role("heading", level=1).inner_text()
    assert title and title != "Untitled form"


def test_the_header_keeps_a_persons_own_links_together(browser_page: Page):
    """Many links and a long name and post: the person's links share one row, at its right-hand end."""
    page = browser_page
    sign_in(page, "assistant-director", "Demo Assistant Director, Assistant Director")
    for width in (700, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        header = page.get_by_role("banner")
        boxes = [header.get_by_role(role, name=name).bounding_box() for role, name in (
            ("link", "Notifications"), ("link", "Demo Assistant Director, Assistant Director"),
            ("button", "Sign out"))]
        assert len({round(b["y"] + b["height"] / 2) for b in boxes}) == 1, (width, boxes)   # one row
        list_box = header.locator(".govuk-service-navigation__list").bounding_box()
        assert abs((boxes[-1]["x"] + boxes[-1]["width"]) - (list_box["x"] + list_box["width"])) < 40, (width, boxes)
        assert scroll_width(page) <= width
