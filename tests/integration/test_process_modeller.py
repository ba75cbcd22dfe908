"""Process owners change procedures (issue 6): the definitions and their
versions, drafts that two owners save at once, validation, deploy, upload,
form files, and moving running instances to a new version — through the
JSON API (/api/v1/definitions) and the pages under /processes."""
import json

from sqlalchemy import func, select

from engine import specs
from engine.db import db
from engine.models import AuditEvent, FormFile, ProcessDefinition, ProcessDraft, ProcessInstance, User
from engine.transaction import unit_of_work
from engine.accounts import issue_token
from webforms.auth import hash_password

from .. import modeller_steps as steps
from ..conftest import error_summary, page, sign_in, text
from .test_api import auth, token

KEY = "home_visit"
API = f"/api/v1/definitions/{KEY}"


def second_owner(app) -> str:
    """Another person in the Process Owner post; their API token."""
    with app.app_context():
        with unit_of_work():
            other = User(username="process-owner-2", name="Second Process Owner", post="Process Owner",
                         password_hash=hash_password("x"))
            db.session.add(other)
            db.session.flush()
            return issue_token(other)[0]


def audit_actions(app, element_name=KEY) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.element_name == element_name).order_by(AuditEvent.id)))


def versions(app, key=KEY) -> list[tuple[int, bool]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            select(ProcessDefinition.version, ProcessDefinition.is_current)
            .filter_by(process_key=key).order_by(ProcessDefinition.version))]


# ---------------------------------------------------------------- who may

def test_only_process_owners_change_definitions(app, client):
    steps.deploy(app)
    sw = token(app, "social-worker")
    assert client.get("/api/v1/definitions", headers=auth(sw)).status_code == 403
    assert client.post(f"{API}/drafts", headers=auth(sw), json={"xml": "<x/>", "base": ""}).status_code == 403
    assert client.post(f"{API}/migrations?dry_run=1", headers=auth(sw)).status_code == 403
    sign_in(client, "social-worker")
    for path in ("/processes/", f"/processes/{KEY}", f"/processes/{KEY}/edit", "/processes/forms",
                 "/processes/upload", f"/processes/{KEY}/migrate"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/processes/{KEY}/draft", json={"xml": "<x/>", "base": ""}).status_code == 403
    assert "Processes" not in [a.get_text(strip=True) for a in page(client.get("/")).select("nav a")]


def test_directors_may_look_but_not_change(app, client):
    steps.deploy(app)
    sign_in(client, "assistant-director")
    assert client.get("/processes/").status_code == 200
    assert client.get(f"/processes/{KEY}/versions/1").status_code == 200
    assert client.get(f"/processes/{KEY}/edit").status_code == 403
    assert client.get(f"/processes/{KEY}/deploy").status_code == 403
    assert client.post(f"/processes/{KEY}/deploy", data={"base": ""}).status_code == 403


# ---------------------------------------------------------------- the list

def test_the_list_shows_each_version_its_deployer_and_running_instances(app, client):
    steps.deploy(app)
    old = steps.start(app)
    steps.start(app)
    t = token(app, "process-owner")
    draft = client.get(f"{API}/draft", headers=auth(t)).json
    saved = client.post(f"{API}/drafts", headers=auth(t), json={
        "xml": steps.changed(draft["xml"].encode(), ("Record the visit", "Record the home visit")).decode(),
        "base": draft["base"]})
    assert saved.status_code == 201, saved.json
    assert client.post(f"{API}/deploy", headers=auth(t), json={"base": saved.json["hash"]}).status_code == 201
    steps.complete(app, old, "Task_visit", "social-worker", {"papers_sent_to_agencies": False, "notes": "None"})

    listed = client.get("/api/v1/definitions", headers=auth(t)).json["definitions"]
    visit = next(d for d in listed if d["process"] == KEY)
    assert visit["current_version"] == 2
    v2, v1 = visit["versions"]
    assert (v2["version"], v2["current"], v2["deployed_by"], v2["running_instances"]) == (2, True, "Demo Process Owner", 0)
    assert (v1["version"], v1["current"], v1["running_instances"], v1["instances_by_status"]) == \
        (1, False, 1, {"running": 1, "complete": 1})

    sign_in(client, "process-owner")
    html = page(client.get("/processes/"))
    rows = {r["data-version"]: r for r in html.select(f"#versions-{KEY} tr[data-version]")}
    assert rows["1"].select_one("[data-running]").get_text(strip=True) == "1"
    assert rows["2"].select_one("[data-running]").get_text(strip=True) == "0"
    assert "New instances start on this" in rows["2"].get_text() and "Demo Process Owner" in rows["2"].get_text()
    assert "New instances start on this" not in rows["1"].get_text()


def test_a_version_downloads_as_the_file_deployed(app, client):
    steps.deploy(app)
    sign_in(client, "process-owner")
    response = client.get(f"/processes/{KEY}/versions/1.bpmn")
    assert response.status_code == 200
    assert response.data == steps.HOME_VISIT
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get(f"/processes/{KEY}/versions/9.bpmn").status_code == 404


# ---------------------------------------------------------------- drafts and deploy

def test_two_owners_saving_the_same_diagram_the_second_is_told_and_nothing_is_lost(app, client):
    steps.deploy(app)
    first, second = token(app, "process-owner"), second_owner(app)
    opened = client.get(f"{API}/draft", headers=auth(first)).json
    with app.app_context():
        assert opened["base"] == specs.current(KEY).content_hash and opened["source"] == "version 1"
    theirs = steps.changed(opened["xml"].encode(), ("Record the visit", "Record the home visit")).decode()
    mine = steps.changed(opened["xml"].encode(), ("Review the concerns", "Look at the concerns")).decode()

    saved = client.post(f"{API}/drafts", headers=auth(first), json={"xml": theirs, "base": opened["base"]})
    assert saved.status_code == 201
    refused = client.post(f"{API}/drafts", headers=auth(second), json={"xml": mine, "base": opened["base"]})
    assert refused.status_code == 409
    assert refused.json["error"].startswith("This diagram changed since you opened it: Demo Process Owner saved it on ")
    # the first owner's draft stands; the second's copy is kept beside it
    assert client.get(f"{API}/draft", headers=auth(first)).json["xml"] == theirs
    with app.app_context():
        kept = db.session.get(ProcessDraft, refused.json["copy"])
        assert (kept.status, kept.bpmn_xml, kept.saved_by.name) == ("conflict", mine, "Second Process Owner")
    sign_in(client, "process-owner")
    assert "Copies that could not be saved" in text(client.get(f"/processes/{KEY}"))
    assert client.get(f"/processes/{KEY}/copies/{refused.json['copy']}.bpmn").data.decode() == mine

    # deploying with a stale hash is refused too; with the draft's own it goes
    stale = client.post(f"{API}/deploy", headers=auth(second), json={"base": opened["base"]})
    assert stale.status_code == 409
    deployed = client.post(f"{API}/deploy", headers=auth(first), json={"base": saved.json["hash"]})
    assert deployed.status_code == 201, deployed.json
    assert deployed.json["deployed"] == [{"process": KEY, "version": 2, "current": True}]
    # the second owner reloads (a new base) and saves again on top of version 2
    reopened = client.get(f"{API}/draft", headers=auth(second)).json
    assert reopened["base"] != opened["base"] and reopened["source"] == "version 2"
    assert client.post(f"{API}/drafts", headers=auth(second), json={
        "xml": steps.changed(reopened["xml"].encode(), ("Review the concerns", "Look at the concerns")).decode(),
        "base": reopened["base"]}).status_code == 201
    assert audit_actions(app) == ["process.draft_saved", "process.draft_conflict", "process.deployed",
                                  "process.draft_saved"]


def test_a_second_first_draft_from_the_same_version_is_refused(app, client):
    """No draft yet: both open the current version; the first save wins."""
    steps.deploy(app)
    first, second = token(app, "process-owner"), second_owner(app)
    opened = client.get(f"{API}/draft", headers=auth(first)).json
    one = client.post(f"{API}/drafts", headers=auth(first), json={"xml": opened["xml"] + " ", "base": opened["base"]})
    two = client.post(f"{API}/drafts", headers=auth(second), json={"xml": opened["xml"] + "  ", "base": opened["base"]})
    assert (one.status_code, two.status_code) == (201, 409)


def test_deploy_needs_a_valid_draft_and_new_instances_use_the_new_version(app, client):
    steps.deploy(app)
    old = steps.start(app)
    t = token(app, "process-owner")
    opened = client.get(f"{API}/draft", headers=auth(t)).json
    broken = steps.changed(opened["xml"].encode(), (' default="Flow_no"', "")).decode()
    saved = client.post(f"{API}/drafts", headers=auth(t), json={"xml": broken, "base": opened["base"]})
    check = client.post(f"{API}/validation", headers=auth(t), json={}).json
    assert check["valid"] is False
    assert check["problems"] == [{"element": "Flow_no", "message":
                                  "The branch ‘No’ leaves the gateway ‘Concerns?’ with neither a condition "
                                  "nor being the default branch: give it a condition, or make it the default."}]
    refused = client.post(f"{API}/deploy", headers=auth(t), json={"base": saved.json["hash"]})
    assert refused.status_code == 422
    assert refused.json["errors"] == check["problems"]
    assert versions(app) == [(1, True)]

    fixed = steps.changed(broken.encode(), ('name="Concerns?"', 'name="Concerns?" default="Flow_no"'),
                          ("Record the visit", "Record the home visit")).decode()
    saved = client.post(f"{API}/drafts", headers=auth(t), json={"xml": fixed, "base": saved.json["hash"]})
    checked = client.post(f"{API}/validation", headers=auth(t), json={"xml": fixed}).json
    assert (checked["valid"], checked["problems"]) == (True, [])
    # steps with no sentence for the family are warned of, not refused (issue 17)
    assert "Task_visit" in [w["element"] for w in checked["warnings"]]
    assert client.post(f"{API}/deploy", headers=auth(t), json={"base": saved.json["hash"]}).status_code == 201
    assert versions(app) == [(1, False), (2, True)]

    new = steps.start(app)
    assert steps.instance(app, new)["version"] == 2
    assert [t["name"] for t in steps.open_tasks(app, new)] == ["Record the home visit"]
    # the running instance stays on version 1 and finishes there
    assert steps.instance(app, old)["version"] == 1
    assert [t["name"] for t in steps.open_tasks(app, old)] == ["Record the visit"]
    steps.complete(app, old, "Task_visit", "social-worker")
    steps.complete(app, old, "Task_review", "consultant-social-worker")
    assert steps.instance(app, old) == {**steps.instance(app, old), "status": "complete", "version": 1}


def test_deploying_a_copy_of_an_old_version_makes_it_current_again(app, client):
    steps.deploy(app)
    steps.deploy(app, steps.changed(steps.HOME_VISIT, ("Record the visit", "Record the home visit")))
    assert versions(app) == [(1, False), (2, True)]
    t = token(app, "process-owner")
    base = client.get(f"{API}/draft", headers=auth(t)).json["base"]
    saved = client.post(f"{API}/drafts", headers=auth(t), json={"xml": steps.HOME_VISIT.decode(), "base": base})
    assert client.post(f"{API}/deploy", headers=auth(t), json={"base": saved.json["hash"]}).json["deployed"] == \
        [{"process": KEY, "version": 1, "current": True}]
    assert versions(app) == [(1, True), (2, False)]


def test_the_page_endpoints_answer_the_modeller(app, client):
    """What the modeller page's script posts: problems, a conflict (ok: false,
    status 200 so the browser logs no failed load), deploy."""
    steps.deploy(app)
    sign_in(client, "process-owner")
    html = client.get(f"/processes/{KEY}/edit")
    config = json.loads(page(html).select_one("#modeller-config").string)
    assert config["key"] == KEY and config["xml"] == steps.HOME_VISIT.decode()
    assert "jarp_decision_received.schema.json" in config["forms"] and "Group Manager" in config["posts"]
    broken = config["xml"].replace("<bpmn:flowNodeRef>Task_review</bpmn:flowNodeRef>", "")
    problems = client.post(f"/processes/{KEY}/validate", json={"xml": broken}).json
    assert problems == {"ok": True, "problems": [{"element": "Task_review", "message":
                        "The user task ‘Review the concerns’ is not in a lane, so nobody would be given it: "
                        "put it in the lane of the post who does it."}],
                        "warnings": []}   # warnings only once nothing stops a deploy
    saved = client.post(f"/processes/{KEY}/draft", json={"xml": config["xml"], "base": config["base"]}).json
    assert saved["ok"] is True
    again = client.post(f"/processes/{KEY}/draft", json={"xml": config["xml"], "base": config["base"]})
    assert again.status_code == 200 and again.json["ok"] is False and again.json["status"] == 409
    assert "changed since you opened it" in again.json["error"] and again.json["copy"]
    deployed = client.post(f"/processes/{KEY}/deploy", data={"base": saved["hash"]})  # the confirm page's button
    assert deployed.status_code == 302 and deployed.headers["Location"] == f"/processes/{KEY}"
    # the same file as version 1: version 1 stays, nothing new
    assert versions(app) == [(1, True)]
    assert "Deployed version 1" in text(client.get(f"/processes/{KEY}"))


def summary_rows(response) -> dict[str, str]:
    return {row.select_one(".govuk-summary-list__key").get_text(" ", strip=True):
            row.select_one(".govuk-summary-list__value").get_text(" ", strip=True)
            for row in page(response).select("#deploy-summary .govuk-summary-list__row")}


def test_deploying_asks_first_with_the_checks_and_the_running_instances(app, client):
    """Deploy is a confirmation page (no JavaScript needed): the checks' result
    on the saved draft and how many instances run, then the Deploy button."""
    steps.deploy(app)
    steps.start(app)
    steps.start(app, reference="CIN-0002")
    sign_in(client, "process-owner")
    nothing = client.get(f"/processes/{KEY}/deploy")
    assert nothing.status_code == 200 and not page(nothing).select("#deploy")
    assert error_summary(nothing) == [f"There is no saved draft of {KEY} to deploy: open it in the modeller, "
                                      "make your changes and save a draft first."]

    config = json.loads(page(client.get(f"/processes/{KEY}/edit")).select_one("#modeller-config").string)
    assert config["urls"]["deploy"] == f"/processes/{KEY}/deploy"
    broken = steps.changed(config["xml"].encode(), (' default="Flow_no"', "")).decode()
    saved = client.post(f"/processes/{KEY}/draft", json={"xml": broken, "base": config["base"]}).json
    refused = client.get(f"/processes/{KEY}/deploy")
    assert summary_rows(refused)["Checks"] == "1 problem found"
    assert [li.get_text(" ", strip=True) for li in page(refused).select("#problem-list li")] == [
        "The branch ‘No’ leaves the gateway ‘Concerns?’ with neither a condition nor being the default branch: "
        "give it a condition, or make it the default. (element Flow_no )"]
    assert not page(refused).select("#deploy")  # nothing to confirm
    forced = client.post(f"/processes/{KEY}/deploy", data={"base": saved["hash"]})  # a form kept from before
    assert forced.status_code == 400 and versions(app) == [(1, True)]
    assert error_summary(forced) == ["The draft was not deployed: put right the problems listed in the modeller."]

    fixed = steps.changed(broken.encode(), ('name="Concerns?"', 'name="Concerns?" default="Flow_no"'),
                          ("Record the visit", "Record the home visit")).decode()
    saved = client.post(f"/processes/{KEY}/draft", json={"xml": fixed, "base": saved["hash"]}).json
    asked = client.get(f"/processes/{KEY}/deploy")
    rows = summary_rows(asked)
    assert rows["Checks"] == "No problems found"
    assert rows["Running instances"] == "2 running (2 on version 1): they stay on the version they started on"
    assert rows["New instances start on"] == "version 1 now; the draft once deployed"
    assert "‘Record the home visit’ has no sentence for the family" in page(asked).select_one("#family-warnings").text
    form = page(asked).select_one("#deploy-form")
    assert form.select_one("input[name=base]")["value"] == saved["hash"]
    assert form.select_one("button#deploy").get_text(strip=True) == "Deploy"
    assert versions(app) == [(1, True)]  # asking deploys nothing

    stale = client.post(f"/processes/{KEY}/deploy", data={"base": config["base"]})
    assert stale.status_code == 409 and versions(app) == [(1, True)]
    assert error_summary(stale)[0].startswith("This diagram changed since you opened it: Demo Process Owner saved it")
    assert page(stale).select_one("#deploy-form input[name=base]")["value"] == saved["hash"]  # the page is current again

    done = client.post(f"/processes/{KEY}/deploy", data={"base": saved["hash"]})
    assert done.status_code == 302 and done.headers["Location"] == f"/processes/{KEY}"
    assert versions(app) == [(1, False), (2, True)]
    shown = text(client.get(f"/processes/{KEY}"))
    assert f"Version 2 of {KEY} is deployed: new instances start on it; running instances stay on their " \
           "version." in shown


def test_the_process_page_offers_to_deploy_a_draft(app, client):
    steps.deploy(app)
    sign_in(client, "process-owner")
    assert not page(client.get(f"/processes/{KEY}")).find("a", string="Deploy the draft")
    config = json.loads(page(client.get(f"/processes/{KEY}/edit")).select_one("#modeller-config").string)
    client.post(f"/processes/{KEY}/draft", json={"xml": config["xml"] + " ", "base": config["base"]})
    link = page(client.get(f"/processes/{KEY}")).find("a", string="Deploy the draft")
    assert link["href"] == f"/processes/{KEY}/deploy"


def test_a_diagram_the_parser_rejects_is_a_problem_not_a_500(app, client):
    steps.deploy(app)
    sign_in(client, "process-owner")
    for xml in ("not xml at all", "<bpmn:definitions xmlns:bpmn='x'/>",
                steps.HOME_VISIT.decode().replace("</bpmn:endEvent>", "<bpmn:nonsense/></bpmn:endEvent>", 1)):
        answer = client.post(f"/processes/{KEY}/validate", json={"xml": xml})
        assert answer.status_code == 200 and answer.json["problems"], xml


# ---------------------------------------------------------------- upload

def test_uploading_a_file_from_another_modeller(app, client):
    from pathlib import Path
    sign_in(client, "process-owner")
    miwg = Path(__file__).resolve().parents[1] / "data" / "miwg" / "C.9.1.bpmn"
    refused = client.post("/processes/upload", data={"bpmn": (miwg.open("rb"), "C.9.1.bpmn"), "then": "deploy"},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "C.9.1.bpmn was not deployed" in error_summary(refused)[0]
    listed = [li.get_text(" ", strip=True) for li in page(refused).select("#problem-list li")]
    assert "The user task ‘Call customer’ has no form: choose one of the form files (‘Form’ in the Caseflow " \
           "section). (element UserTask_CallCustomer )" in listed
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProcessDefinition).filter_by(
            process_key="requestDocument_en")) == 0

    kept = client.post("/processes/upload", data={"bpmn": (miwg.open("rb"), "C.9.1.bpmn"), "then": "draft"},
                       content_type="multipart/form-data")
    assert kept.status_code == 302 and kept.headers["Location"].endswith("/processes/requestDocument_en/edit")
    assert client.get("/processes/requestDocument_en/edit").status_code == 200

    good = client.post("/processes/upload", data={"bpmn": (open(steps.DATA / "home_visit.bpmn", "rb"), "visit.bpmn")},
                       content_type="multipart/form-data")
    assert good.status_code == 302 and good.headers["Location"].endswith(f"/processes/{KEY}")
    assert versions(app) == [(1, True)]
    assert "process.uploaded" in audit_actions(app) and "process.deployed" in audit_actions(app)
    not_bpmn = client.post("/processes/upload", data={"bpmn": (open(__file__, "rb"), "notes.txt")},
                           content_type="multipart/form-data")
    assert not_bpmn.status_code == 400 and "must be a .bpmn file" in error_summary(not_bpmn)[0]


BROKEN_XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">\n'
              b'  <bpmn:process id="broken" isExecutable="true">\n')


def upload(client, data: bytes, filename: str, then: str):
    import io
    return client.post("/processes/upload", data={"bpmn": (io.BytesIO(data), filename), "then": then},
                       content_type="multipart/form-data")


def test_an_unreadable_file_is_told_once_whichever_was_chosen(app, client):
    """Broken XML is neither deployed nor kept as a draft: one message, with
    where the file breaks said once, and no offer of a draft that cannot be."""
    sign_in(client, "process-owner")
    for then in ("deploy", "draft"):
        refused = upload(client, BROKEN_XML, "broken.bpmn", then)
        assert refused.status_code == 400
        assert error_summary(refused) == [
            "The file is not well-formed XML at line 4, column 1: the file ends before the tag ‘process’ "
            "opened on line 3 is closed. Nothing was saved."], then
        assert not page(refused).select("#problem-list")  # said once, in the summary
        assert page(refused).select_one("#bpmn-error").get_text(" ", strip=True).endswith("Nothing was saved.")
    mismatched = upload(client, BROKEN_XML + b"  </bpmn:task>\n", "broken.bpmn", "draft")
    assert error_summary(mismatched) == [
        "The file is not well-formed XML at line 4, column 15: the tag ‘process’ opened on line 3 is closed "
        "as ‘task’. Nothing was saved."]
    assert error_summary(upload(client, b"", "empty.bpmn", "draft")) == [
        "The file is empty: there is no diagram in it. Nothing was saved."]
    no_process = upload(client, BROKEN_XML.replace(b'  <bpmn:process id="broken" isExecutable="true">\n',
                                                   b"</bpmn:definitions>"), "none.bpmn", "draft")
    assert error_summary(no_process) == ["The file has no process in it, so there is nothing to keep as a "
                                         "draft. Nothing was saved."]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProcessDraft)) == 0


def test_a_file_with_problems_offers_a_draft_only_when_deploying(app, client):
    from pathlib import Path
    sign_in(client, "process-owner")
    miwg = (Path(__file__).resolve().parents[1] / "data" / "miwg" / "C.9.1.bpmn").read_bytes()
    refused = upload(client, miwg, "C.9.1.bpmn", "deploy")
    [message] = error_summary(refused)
    assert message.startswith("C.9.1.bpmn was not deployed: put right the problems listed below, or upload "
                              "it again to keep as a draft and fix in the modeller.")
    kept = upload(client, miwg, "C.9.1.bpmn", "draft")
    assert kept.status_code == 302
    edit = client.get(kept.headers["Location"])
    assert error_summary(edit) == []
    assert "C.9.1.bpmn is kept as the draft of requestDocument_en." in text(edit)


def test_a_file_without_layout_is_kept_as_a_draft_to_lay_out(app, client):
    """The modeller lays such a file out when it opens it (bpmn-auto-layout,
    in the browser: see the browser test); here, that it is kept whole and
    the page says nothing is wrong."""
    import re
    from engine import modelling
    sign_in(client, "process-owner")
    bare = re.sub(rb"<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", b"", steps.HOME_VISIT, flags=re.S)
    with app.app_context():
        assert modelling.has_layout(steps.HOME_VISIT) and not modelling.has_layout(bare)
    kept = upload(client, bare, "bare.bpmn", "draft")
    assert kept.status_code == 302 and kept.headers["Location"].endswith(f"/processes/{KEY}/edit")
    edit = client.get(kept.headers["Location"])
    assert error_summary(edit) == [] and "There is a problem" not in text(edit)
    config = json.loads(page(edit).select_one("#modeller-config").string)
    assert config["xml"] == bare.decode() and config["draftSaved"] is True


# ---------------------------------------------------------------- form files

def test_editing_a_form_file_with_validation_and_preview(app, client):
    sign_in(client, "process-owner")
    new = {"name": "home_visit.schema.json", "base": "", "action": "save"}
    bad_json = client.post("/processes/forms/new", data={**new, "schema": '{"title": "x",}'})
    assert bad_json.status_code == 400
    assert error_summary(bad_json)[0].startswith("The form is not valid JSON: Expecting property name")
    bad_schema = client.post("/processes/forms/new", data={**new, "schema": '{"type": "colour"}'})
    assert error_summary(bad_schema)[0].startswith("The form is not valid JSON Schema:")
    bad_name = client.post("/processes/forms/new", data={**new, "name": "Home Visit.txt", "schema": "{}"})
    assert "ends in .json" in error_summary(bad_name)[0]

    schema = {"title": "Home visit", "type": "object", "required": ["seen"], "properties": {
        "seen": {"type": "boolean", "title": "Did you see the child?"},
        "notes": {"type": "string", "title": "What you saw", "x-widget": "textarea"}}}
    preview = client.post("/processes/forms/new", data={**new, "action": "preview", "schema": json.dumps(schema)})
    shown = page(preview).select_one("#preview")
    assert shown.select_one("legend").get_text(strip=True) == "Did you see the child?"
    assert shown.select_one("label[for=notes]").get_text(strip=True) == "What you saw (optional)"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FormFile)) == 0  # a preview saves nothing

    saved = client.post("/processes/forms/new", data={**new, "schema": json.dumps(schema)})
    assert saved.status_code == 302
    edit = page(client.get("/processes/forms/home_visit.schema.json"))
    base = edit.select_one("input[name=base]")["value"]
    schema["properties"]["seen"]["title"] = "Did you see the child alone?"
    again = {"schema": json.dumps(schema), "base": base, "action": "save"}
    assert client.post("/processes/forms/home_visit.schema.json", data=again).status_code == 302
    stale = client.post("/processes/forms/home_visit.schema.json", data=again)
    assert "was changed since you opened it" in error_summary(stale)[0]
    assert "Did you see the child alone?" in text(client.get("/processes/forms/home_visit.schema.json/preview"))
    assert audit_actions(app, "home_visit.schema.json") == ["form.saved", "form.saved"]

    # a product form edited here is used by the next deploy in place of the file's
    product = page(client.get("/processes/forms/jarp_decision_received.schema.json"))
    edited = json.loads(product.select_one("#schema").get_text())
    edited["title"] = "Decision received (edited)"
    assert client.post("/processes/forms/jarp_decision_received.schema.json", data={
        "schema": json.dumps(edited), "base": product.select_one("input[name=base]")["value"],
        "action": "save"}).status_code == 302
    t = token(app, "process-owner")
    upload = client.post("/processes/upload", data={"bpmn": (open(steps.DATA / "home_visit.bpmn", "rb"), "v.bpmn")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    with app.app_context():
        forms = specs.current(KEY).forms
        assert forms["jarp_decision_received.schema.json"]["title"] == "Decision received (edited)"
    assert client.get("/api/v1/definitions", headers=auth(t)).status_code == 200


def test_a_diagram_using_a_missing_form_cannot_deploy(app, client):
    t = token(app, "process-owner")
    steps.deploy(app)
    opened = client.get(f"{API}/draft", headers=auth(t)).json
    xml = steps.changed(opened["xml"].encode(), ('value="jarp_decision_received.schema.json" />\n          '
                                                 '<spiffworkflow:property name="formDataKey" value="visit"',
                                                 'value="nope.schema.json" />\n          '
                                                 '<spiffworkflow:property name="formDataKey" value="visit"')).decode()
    problems = client.post(f"{API}/validation", headers=auth(t), json={"xml": xml}).json["problems"]
    assert problems == [{"element": "Task_visit", "message":
                         "‘Record the visit’ uses the form nope.schema.json, which does not exist."}]


# ---------------------------------------------------------------- migration

def test_migration_dry_run_lists_who_can_move_and_why_not_then_moves_them(app, client):
    steps.deploy(app)
    at_visit = steps.start(app)
    at_review = steps.start(app, reference="CIN-0002")
    steps.complete(app, at_review, "Task_visit", "social-worker")
    other = steps.start(app, reference="CIN-0003")
    t = token(app, "process-owner")
    # version 2 has no review step: the instance waiting on it cannot move
    steps.deploy(app, steps.without_review())
    dry = client.post(f"{API}/migrations?dry_run=1", headers=auth(t))
    assert dry.status_code == 200
    plan = {m["instance_id"]: m for m in dry.json["instances"]}
    assert dry.json["to_version"] == 2 and set(plan) == {at_visit, at_review, other}
    assert plan[at_visit]["can_move"] is True and plan[at_visit]["reason"] is None
    assert plan[at_visit]["open_steps"] == ["Record the visit"]
    assert plan[at_review]["can_move"] is False
    assert plan[at_review]["reason"] == ("It is at ‘Review the concerns’ (Task_review), and version 2 has "
                                         "no step with that id.")
    assert steps.instance(app, at_visit)["version"] == 1  # a dry run moves nothing
    assert "instance.migrated" not in audit_actions(app)

    moved = client.post(f"{API}/migrations", headers=auth(t), json={"instances": [at_visit, at_review]})
    assert moved.status_code == 200, moved.json
    assert [m["instance_id"] for m in moved.json["moved"]] == [at_visit]
    assert [(m["instance_id"], m["reason"]) for m in moved.json["refused"]] == [(at_review, plan[at_review]["reason"])]
    assert steps.instance(app, at_visit)["version"] == 2
    assert steps.instance(app, at_review)["version"] == 1
    # the moved instance now follows version 2: concerns end it without a review
    steps.complete(app, at_visit, "Task_visit", "social-worker")
    assert steps.instance(app, at_visit)["status"] == "complete"
    steps.complete(app, at_review, "Task_review", "consultant-social-worker")
    assert steps.instance(app, at_review) == {**steps.instance(app, at_review), "status": "complete", "version": 1}
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).filter_by(action="instance.migrated"))
        case = db.session.get(ProcessInstance, at_visit).case_id
        assert (event.instance_id, event.case_id, event.detail) == (
            at_visit, case, {"process": KEY, "from_version": 1, "to_version": 2})
        summary = db.session.scalar(select(AuditEvent).filter_by(action="process.migrated"))
        assert summary.detail["moved"] == [at_visit] and summary.actor_name == "Demo Process Owner"


def test_a_moved_instance_takes_a_step_added_in_the_new_version(app, client):
    """Steps the engine had only predicted from the old diagram are predicted
    again from the new: an inserted step is not skipped."""
    steps.deploy(app)
    instance = steps.start(app)
    inserted = steps.changed(
        steps.HOME_VISIT,
        ('<bpmn:flowNodeRef>Gateway_concerns</bpmn:flowNodeRef>',
         '<bpmn:flowNodeRef>Gateway_concerns</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_check</bpmn:flowNodeRef>'),
        ('<bpmn:sequenceFlow id="Flow_visited" sourceRef="Task_visit" targetRef="Gateway_concerns" />',
         '<bpmn:sequenceFlow id="Flow_visited" sourceRef="Task_visit" targetRef="Task_check" />'
         '<bpmn:userTask id="Task_check" name="Check the record"><bpmn:extensionElements><spiffworkflow:properties>'
         '<spiffworkflow:property name="formJsonSchemaFilename" value="jarp_decision_received.schema.json" />'
         '<spiffworkflow:property name="formDataKey" value="check" /></spiffworkflow:properties>'
         '</bpmn:extensionElements></bpmn:userTask>'
         '<bpmn:sequenceFlow id="Flow_checked" sourceRef="Task_check" targetRef="Gateway_concerns" />'))
    steps.deploy(app, inserted)
    t = token(app, "process-owner")
    assert client.post(f"{API}/migrations", headers=auth(t), json={"instances": [instance]}).json["moved"]
    steps.complete(app, instance, "Task_visit", "social-worker")
    assert [t["element"] for t in steps.open_tasks(app, instance)] == ["Task_check"]


def test_instances_that_cannot_move(app, client):
    steps.deploy(app)
    waiting = steps.start(app)
    passed = steps.start(app, reference="CIN-0002")
    steps.complete(app, passed, "Task_visit", "social-worker")
    # version 2: the visit is a manual task now (another kind); nothing passed is removed yet
    steps.deploy(app, steps.changed(steps.HOME_VISIT, ('<bpmn:userTask id="Task_visit" name="Record the visit">',
                                                        '<bpmn:manualTask id="Task_visit" name="Record the visit">'),
                                    ("</bpmn:userTask>\n    <bpmn:exclusiveGateway",
                                     "</bpmn:manualTask>\n    <bpmn:exclusiveGateway")))
    t = token(app, "process-owner")
    plan = {m["instance_id"]: m for m in client.post(f"{API}/migrations?dry_run=1", headers=auth(t)).json["instances"]}
    assert plan[waiting]["reason"] == ("It is at ‘Record the visit’ (Task_visit), a user task, but in version 2 "
                                       "Task_visit is a manual task.")
    assert plan[passed]["can_move"] is True
    # version 3 drops the visit's id: the one that passed it has a history that would not fit
    steps.deploy(app, steps.changed(steps.HOME_VISIT, ("Task_visit", "Task_home_visit")))
    plan = {m["instance_id"]: m for m in client.post(f"{API}/migrations?dry_run=1", headers=auth(t)).json["instances"]}
    assert plan[passed]["reason"] == ("It has already passed ‘Record the visit’ (Task_visit), which version 3 no "
                                      "longer has, so its history would not fit.")
    assert client.post(f"{API}/migrations", headers=auth(t), json={"instances": []}).status_code == 400


def test_an_instance_waiting_on_a_timer_moves_and_fires_on_the_new_version(app, client):
    timer_xml = (steps.DATA / "timer_then_task.bpmn").read_bytes()
    steps.deploy(app, timer_xml, "timer_then_task.bpmn")
    waiting = steps.start(app, "timer_then_task")
    steps.deploy(app, steps.changed(timer_xml, ("Act after the timer", "Act once the timer fired")),
                 "timer_then_task.bpmn")
    t = token(app, "process-owner")
    moved = client.post("/api/v1/definitions/timer_then_task/migrations", headers=auth(t),
                        json={"instances": [waiting]})
    assert [m["instance_id"] for m in moved.json["moved"]] == [waiting], moved.json
    from datetime import timedelta
    from freezegun import freeze_time
    from engine import runtime
    from engine.timeutil import utcnow
    with freeze_time(utcnow() + timedelta(seconds=5)):
        with app.app_context():
            with unit_of_work():
                runtime.fire_timers(db.session.get(ProcessInstance, waiting))
    assert [t["name"] for t in steps.open_tasks(app, waiting)] == ["Act once the timer fired"]


PARALLEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="two_checks" name="Two checks" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="L" name="Social Worker">
      <bpmn:flowNodeRef>S</bpmn:flowNodeRef><bpmn:flowNodeRef>Split</bpmn:flowNodeRef><bpmn:flowNodeRef>A</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>B</bpmn:flowNodeRef><bpmn:flowNodeRef>Join</bpmn:flowNodeRef><bpmn:flowNodeRef>E</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S" /><bpmn:parallelGateway id="Split" /><bpmn:parallelGateway id="Join" /><bpmn:endEvent id="E" />
    <bpmn:userTask id="A" name="Check A"><bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="jarp_decision_received.schema.json" /><spiffworkflow:property name="formDataKey" value="a" /></spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="B" name="Check B"><bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" value="jarp_decision_received.schema.json" /><spiffworkflow:property name="formDataKey" value="b" /></spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Split" /><bpmn:sequenceFlow id="f2" sourceRef="Split" targetRef="A" />
    <bpmn:sequenceFlow id="f3" sourceRef="Split" targetRef="B" /><bpmn:sequenceFlow id="f4" sourceRef="A" targetRef="Join" />
    <bpmn:sequenceFlow id="f5" sourceRef="B" targetRef="Join" /><bpmn:sequenceFlow id="f6" sourceRef="Join" targetRef="E" />
  </bpmn:process>
</bpmn:definitions>"""


def test_an_instance_between_parallel_branches_moves_and_joins(app, client):
    steps.deploy(app, PARALLEL, "two_checks.bpmn")
    instance = steps.start(app, "two_checks")
    steps.complete(app, instance, "A", "social-worker")
    steps.deploy(app, steps.changed(PARALLEL, ("Check B", "Check B again")), "two_checks.bpmn")
    t = token(app, "process-owner")
    moved = client.post("/api/v1/definitions/two_checks/migrations", headers=auth(t), json={"instances": [instance]})
    assert moved.json["moved"], moved.json
    assert [t["name"] for t in steps.open_tasks(app, instance)] == ["Check B again"]
    steps.complete(app, instance, "B", "social-worker")
    assert steps.instance(app, instance) == {**steps.instance(app, instance), "status": "complete", "version": 2}


def test_the_migration_page(app, client):
    steps.deploy(app)
    instance = steps.start(app)
    steps.deploy(app, steps.changed(steps.HOME_VISIT, ("Record the visit", "Record the home visit")))
    sign_in(client, "process-owner")
    dry = page(client.get(f"/processes/{KEY}/migrate"))
    row = dry.select_one(f"#migration-plan tr[data-instance='{instance}']")
    assert "Yes" in row.get_text() and row.select_one("input[name=instance]")["value"] == str(instance)
    moved = client.post(f"/processes/{KEY}/migrate", data={"instance": [str(instance)]})
    assert moved.status_code == 200 and "1 instance moved to version 2" in text(moved)
    assert steps.instance(app, instance)["version"] == 2
    assert [t["name"] for t in steps.open_tasks(app, instance)] == ["Record the home visit"]
    history = text(client.get(f"/processes/{KEY}"))
    assert f"Moved instance {instance} from version 1 to version 2" in history
    assert "Moved 1 instance to version 2" in history


def test_the_openapi_document_describes_the_definition_operations(client):
    doc = client.get("/api/v1/openapi.json").json
    assert {"/definitions", "/definitions/{process}/draft", "/definitions/{process}/drafts",
            "/definitions/{process}/validation", "/definitions/{process}/deploy",
            "/definitions/{process}/migrations"} <= set(doc["paths"])
    assert {"Problem", "Definition", "Move"} <= set(doc["components"]["schemas"])


def test_a_file_in_another_encoding_is_kept_as_utf8(app, client):
    import io
    latin = steps.HOME_VISIT.decode().replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        "Record the visit", "Récord the visit").encode("latin-1")
    sign_in(client, "process-owner")
    response = client.post("/processes/upload", data={"bpmn": (io.BytesIO(latin), "visit.bpmn")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, error_summary(response)
    with app.app_context():
        xml = specs.current(KEY).bpmn_xml
    assert xml.startswith("<?xml version='1.0' encoding='UTF-8'?>") and "Récord the visit" in xml
    steps.start(app)
    assert text(client.get(f"/processes/{KEY}/versions/1")).count("Home visit (test)") >= 1
