"""The modeller keeps a process owner's work and says one clear thing (issue
15, items 7 and 8), in a real browser: leaving with unsaved changes asks
first; Deploy shows the checks' result and the running instances and asks
before deploying; the whole diagram shows when it opens, wherever it is
drawn; a file without layout is laid out rather than refused; a broken file
is told once."""
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.db import db
from engine.models import ProcessDraft
from webforms import create_app

from .. import modeller_steps as steps
from .test_modeller_browser import KEY, bo_is, open_modeller, select as select_element, sign_in

BROKEN_XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'
              b'  <bpmn:process id="broken" isExecutable="true">\n')


def make_app(database_url):
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "browser-test"})


def rename_visit(page: Page, name: str) -> None:
    select_element(page, "Task_visit")
    page.locator("#bio-properties-panel-name").fill(name)
    bo_is(page, "Task_visit", f"bo => bo.name === '{name}'")


def answer_dialogs(page: Page, accept: bool) -> list[str]:
    """The types of the dialogs the page opened, each answered."""
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept() if accept else dialog.dismiss()
    page.on("dialog", answer)
    return asked


def outside(page: Page, element_ids) -> list[str]:
    """The elements not wholly inside the canvas as it is shown."""
    canvas = page.locator("#canvas").bounding_box()
    out = []
    for element_id in element_ids:
        box = page.locator(f'.djs-element[data-element-id="{element_id}"]').bounding_box()
        if box is None or box["width"] == 0 or not (
                canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
                and canvas["y"] <= box["y"] and box["y"] + box["height"] <= canvas["y"] + canvas["height"]):
            out.append(element_id)
    return out


SHAPES = ["StartEvent_visit", "Task_visit", "Gateway_concerns", "Task_review", "EndEvent_reviewed",
          "EndEvent_done"]


# ---------------------------------------------------------------- item 7

def test_leaving_with_unsaved_changes_asks_first(browser_page: Page, database_url):
    steps.deploy(make_app(database_url))
    page = browser_page
    sign_in(page, "process-owner")
    open_modeller(page)
    asked = answer_dialogs(page, accept=False)
    rename_visit(page, "Record the home visit")

    # staying: the browser asks, and the change is still there
    with page.expect_event("dialog"):
        page.get_by_role("link", name=f"Process {KEY}").click()
    assert asked == ["beforeunload"]
    expect(page.get_by_role("heading", name=f"Edit {KEY}", level=1)).to_be_visible()
    bo_is(page, "Task_visit", "bo => bo.name === 'Record the home visit'")

    # once saved, leaving asks nothing
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#modeller-status")).to_contain_text("Draft saved.")
    page.get_by_role("link", name=f"Process {KEY}").click()
    expect(page.get_by_role("heading", name="Home visit (test)", level=1)).to_be_visible()
    assert asked == ["beforeunload"]


def test_deploy_shows_the_checks_and_running_instances_then_asks(browser_page: Page, database_url):
    app = make_app(database_url)
    steps.deploy(app)
    running = steps.start(app)
    page = browser_page
    asked = answer_dialogs(page, accept=True)
    sign_in(page, "process-owner")
    open_modeller(page)
    rename_visit(page, "Record the home visit")

    # Deploy saves the change and asks on its own page: nothing is deployed yet
    page.get_by_role("button", name="Deploy").click()
    expect(page.get_by_role("heading", name="Deploy the draft of Home visit (test)", level=1)).to_be_visible()
    assert asked == []  # saved before leaving: no question about unsaved changes
    summary = page.locator("#deploy-summary")
    expect(summary).to_contain_text("No problems found")
    expect(summary).to_contain_text("1 running (1 on version 1): they stay on the version they started on")
    expect(page.locator("#family-warnings")).to_contain_text("‘Record the home visit’ has no sentence for the family")
    assert steps.instance(app, steps.start(app, reference="CIN-0002"))["version"] == 1

    page.get_by_role("button", name="Deploy", exact=True).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Version 2 of {KEY} is deployed: new instances start on it; running instances stay on their version.")
    assert steps.instance(app, running)["version"] == 1
    assert steps.instance(app, steps.start(app, reference="CIN-0003"))["version"] == 2


def test_the_whole_diagram_shows_when_it_opens_wherever_it_is_drawn(browser_page: Page, database_url):
    steps.deploy(make_app(database_url), steps.drawn_far_away())
    page = browser_page
    sign_in(page, "process-owner")
    open_modeller(page)
    assert outside(page, SHAPES) == []
    # the window changes before the person moves the view: it still all shows
    page.set_viewport_size({"width": 1000, "height": 800})
    page.wait_for_function("() => { const c = document.querySelector('#canvas').getBoundingClientRect();"
                           " return c.width < 800; }")
    page.wait_for_timeout(100)  # the resize observer's callback runs after the next frame
    assert outside(page, SHAPES) == []
    page.goto(f"/processes/{KEY}/versions/1")
    expect(page.locator("body[data-modeller-ready=true]")).to_have_count(1)
    assert outside(page, SHAPES) == []


# ---------------------------------------------------------------- item 8

def test_a_file_without_layout_is_laid_out_in_the_modeller(browser_page: Page, database_url, tmp_path):
    app = make_app(database_url)
    steps.deploy(app, steps.without_layout())  # version 1, deployed by the set-up without layout
    bare = tmp_path / "bare.bpmn"
    bare.write_bytes(steps.changed(steps.without_layout(), ("Record the visit", "Record the home visit")))
    page = browser_page
    sign_in(page, "process-owner")
    # a version is drawn, laid out, rather than refused
    page.goto(f"/processes/{KEY}/versions/1")
    expect(page.locator("body[data-modeller-ready=true]")).to_have_count(1)
    expect(page.locator("#modeller-status")).to_have_text(
        "This diagram had no layout, so caseflow has laid it out. Lanes, text annotations and message flows are "
        "not drawn (they are kept in the file).")
    assert outside(page, SHAPES) == []
    page.goto("/processes/upload")
    page.get_by_label("BPMN file").set_input_files(str(bare))
    page.get_by_label("Keep it as a draft to finish in the modeller").check()
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_role("heading", name=f"Edit {KEY}", level=1)).to_be_visible()
    expect(page.locator("body[data-modeller-ready=true]")).to_have_count(1)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("bare.bpmn is kept as the draft of home_visit.")
    expect(page.locator("#modeller-status")).to_have_text(
        "This diagram had no layout, so caseflow has laid it out. Lanes, text annotations and message flows are "
        "not drawn (they are kept in the file). Save a draft to keep the layout.")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    assert outside(page, SHAPES) == []

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#modeller-status")).to_contain_text("Draft saved.")
    with app.app_context():
        saved = db.session.scalar(select(ProcessDraft).filter_by(process_key=KEY, status="open")).bpmn_xml
    assert 'bpmnElement="Task_visit"' in saved and "<bpmn:lane id=\"Lane_csw\"" in saved
    assert "Record the home visit" in saved
    page.reload()
    expect(page.locator("body[data-modeller-ready=true]")).to_have_count(1)
    expect(page.locator("#modeller-status")).to_be_hidden()  # laid out once, kept
    assert outside(page, SHAPES) == []


def test_a_broken_file_is_told_once(browser_page: Page, tmp_path):
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(BROKEN_XML)
    page = browser_page
    sign_in(page, "process-owner")
    page.goto("/processes/upload")
    page.get_by_label("BPMN file").set_input_files(str(broken))
    page.get_by_label("Keep it as a draft to finish in the modeller").check()
    page.get_by_role("button", name="Upload").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.locator("li")).to_have_text([
        "The file is not well-formed XML at line 4, column 1: the file ends before the tag ‘process’ opened on "
        "line 3 is closed. Nothing was saved."])
    expect(page.locator("#problem-list")).to_have_count(0)
    expect(summary).not_to_contain_text("draft")  # a draft of a file that cannot be read is not offered
    # the choice made is kept for the next try
    expect(page.get_by_label("Keep it as a draft to finish in the modeller")).to_be_checked()
