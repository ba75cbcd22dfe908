"""A diagram whose first script never ends: the start answers at once, the
instance is in error with a plain message a manager sees (page and API),
and the fixed diagram deploys and runs; the manager retries the instance
on the fixed version (moved there first), or is told plainly why it cannot move."""
import time

from engine import queries
from engine.db import db
from engine.models import ProcessDefinition, ProcessInstance

from ..conftest import error_summary, page, sign_in, text
from .manage_steps import REPAIR_BPMN, audit_events, complete, deploy, instance, open_tasks, start
from .test_api import auth, token


def looping_first(script: str) -> bytes:
    """repair_steps with its script moved first: start -> script -> prepare -> check."""
    xml = REPAIR_BPMN.read_text()
    xml = xml.replace('sourceRef="StartEvent_1" targetRef="Task_prepare"',
                      'sourceRef="StartEvent_1" targetRef="Script_compute"')
    xml = xml.replace('sourceRef="Task_prepare" targetRef="Script_compute"',
                      'sourceRef="Script_compute" targetRef="Task_prepare"')
    xml = xml.replace('sourceRef="Script_compute" targetRef="Task_check"',
                      'sourceRef="Task_prepare" targetRef="Task_check"')
    xml = xml.replace('<bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>\n    </bpmn:userTask>',
                      '<bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>\n    </bpmn:userTask>')
    xml = xml.replace('<bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>\n      <bpmn:script>total = int(count) * 2</bpmn:script>',
                      f'<bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>\n      <bpmn:script>{script}</bpmn:script>')
    assert script in xml and 'targetRef="Script_compute"' in xml
    return xml.encode()


STOPPED = ("The script in «Compute the total» ran for more than 1 second and was stopped. "
           "Fix the diagram, deploy it, then retry this instance.")


def test_a_looping_first_script_puts_the_instance_in_error_and_the_start_answers(app, client):
    deploy(app, xml=looping_first("while True: pass"))
    t = token(app, "social-worker")
    began = time.monotonic()
    instance_id = start(app)
    assert time.monotonic() - began < 3
    shown = client.get(f"/api/v1/instances/{instance_id}", headers=auth(t))
    assert (shown.json["status"], shown.json["error"]) == ("error", STOPPED)

    sign_in(client, "group-manager")
    assert STOPPED in text(client.get(f"/manage/instances/{instance_id}"))
    client.post("/sign-out")

    deploy(app, xml=looping_first("total = 2"))
    fixed = start(app)
    assert instance(app, fixed).status == "running"
    assert [t.element_id for t in open_tasks(app, fixed)] == ["Task_prepare"]


def test_a_huge_string_in_a_script_is_stopped_and_not_kept(app):
    deploy(app, xml=looping_first("x = 'a' * 10**9"))
    found = instance(app, start(app))
    assert found.status == "error"
    assert found.error == ("The script in «Compute the total» needed more than 64 MB of memory and "
                           "was stopped. Fix the diagram, deploy it, then retry this instance.")
    assert len(found.state or b"") < 1 << 20


# ---------------------------------------------------------------- retry on the fixed version

def retry_form(client, instance_id):
    """The retry form's version choices: (value, label, checked, disabled, hint)."""
    form = page(client.get(f"/manage/instances/{instance_id}")).select_one("#retry form")
    return [(r["value"], form.select_one(f"label[for={r['id']}]").get_text(" ", strip=True),
             r.has_attr("checked"), r.has_attr("disabled"),
             form.select_one(f"#{r['id']}-item-hint").get_text(" ", strip=True))
            for r in form.select("input[name=version]")]


def test_retry_on_the_fixed_version_moves_the_instance_and_runs_on(app, client):
    deploy(app, xml=looping_first("while True: pass"))
    instance_id = start(app)
    assert instance(app, instance_id).status == "error"
    sign_in(client, "group-manager")
    assert retry_form(client, instance_id) == []   # nothing newer deployed: retried on its own version

    deploy(app, xml=looping_first("total = 2"))
    [(newest, label, checked, disabled, hint), (own, own_label, *_)] = retry_form(client, instance_id)
    assert (newest, checked, disabled, own, own_label) == ("2", True, False, "1", "Version 1, its own")
    assert label.startswith("Version 2, the newest (deployed ")
    assert hint == "The process is moved to this version first, then the failed step runs as that version has it."

    done = client.post(f"/manage/instances/{instance_id}/retry",
                       data={"version": "2", "changes": "", "reason": "The loop is fixed in version 2"},
                       follow_redirects=True)
    assert "The failed step was run again on version 2 and the process has moved on." in text(done)
    found = instance(app, instance_id)
    assert (found.status, found.error) == ("running", None)
    with app.app_context():
        assert db.session.get(ProcessDefinition, found.definition_id).version == 2
    assert "Repair steps (test), version 2" in text(client.get(f"/manage/instances/{instance_id}"))
    [moved] = audit_events(app, instance_id, "instance.migrated")
    assert moved.detail == {"process": "repair_steps", "from_version": 1, "to_version": 2, "for": "retry"}
    [retried] = audit_events(app, instance_id, "instance.retried")
    assert (retried.reason, retried.detail["outcome"], retried.detail["version"],
            retried.detail["moved_from_version"]) == ("The loop is fixed in version 2", "ran", 2, 1)
    client.post("/sign-out")

    # it runs on, on version 2: its next task is done and the one after is open
    [prepare] = open_tasks(app, instance_id)
    assert prepare.name == "Prepare the figures"
    complete(app, instance_id, "Task_prepare", "social-worker", {})
    assert [t.element_id for t in open_tasks(app, instance_id)] == ["Task_check"]
    with app.app_context():
        assert queries.instance_data(db.session.get(ProcessInstance, instance_id))["total"] == 2


def test_retry_on_a_version_the_instance_cannot_move_to_is_refused_plainly(app, client):
    deploy(app, xml=looping_first("while True: pass"))
    instance_id = start(app)
    # the fixed diagram renames the failed step, so the instance has no step to be at
    deploy(app, xml=looping_first("total = 2").replace(b"Script_compute", b"Script_total"))
    sign_in(client, "group-manager")
    why = "It is at ‘Compute the total’ (Script_compute), and version 2 has no step with that id."
    [(newest, _label, checked, disabled, hint), (own, _own, own_checked, _d, _h)] = retry_form(client, instance_id)
    assert (newest, checked, disabled, hint) == ("2", False, True, f"It cannot move to this version: {why}")
    assert (own, own_checked) == ("1", True)

    url = f"/manage/instances/{instance_id}/retry"
    refused = client.post(url, data={"version": "2", "reason": "Try the new version"}, follow_redirects=True)
    assert (f"It cannot be retried on version 2: {why} Nothing was changed: it is still on version 1, "
            "in error.") in text(refused)
    stale = client.post(url, data={"version": "3", "reason": "A version from another page"},
                        follow_redirects=True)
    assert ("Version 3 is not the newest deployed version of this process (that is version 2); "
            "nothing was changed. Look at the page again and choose.") in text(stale)
    bad = client.post(url, data={"version": "newest", "reason": ""})
    assert bad.status_code == 400
    assert error_summary(bad) == ["Select the version to run it on", "Enter the reason for this change"]

    found = instance(app, instance_id)
    assert (found.status, found.error) == ("error", STOPPED)
    with app.app_context():
        assert db.session.get(ProcessDefinition, found.definition_id).version == 1
    assert audit_events(app, instance_id, "instance.migrated") == []
    assert audit_events(app, instance_id, "instance.retried") == []


# ---------------------------------------------------------------- one budget for a whole action

LOOPING_BPMN = REPAIR_BPMN.parent / "looping_script.bpmn"


def looping(script: str) -> bytes:
    return LOOPING_BPMN.read_text().replace("SCRIPT", script).encode()


def loop_round(app, script: str, answers: dict) -> tuple[int, float]:
    """Start the looping diagram and answer its first task; how long the answer took."""
    deploy(app, xml=looping(script))
    instance_id = start(app, process="looping_script")
    began = time.monotonic()
    complete(app, instance_id, "Task_first", "social-worker", answers)
    return instance_id, time.monotonic() - began


def test_a_script_looped_back_through_a_gateway_is_stopped_for_the_whole_action(app):
    # each round (about 0.1 s here) is well inside the script budget; the rounds are not
    busy = "rounds = rounds + 1\nx = 0\nfor i in range(100000):\n    x = x + i"
    instance_id, took = loop_round(app, busy, {"loops": "yes", "rounds": 0, "limit": 10**9})
    found = instance(app, instance_id)
    assert (found.status, found.error) == (
        "error", "The script in «Work one round» ran for more than 1 second and was stopped. "
                 "Fix the diagram, deploy it, then retry this instance.")
    assert took < 4


def test_a_short_script_looped_back_for_ever_is_stopped_too(app):
    # no loop inside the script at all: the check at each script and expression stops it
    instance_id, took = loop_round(app, "rounds = rounds + 1", {"loops": "yes", "rounds": 0, "limit": 10**9})
    found = instance(app, instance_id)
    assert found.status == "error"
    assert found.error in {
        f"The {what} in «{where}» ran for more than 1 second and was stopped. "
        "Fix the diagram, deploy it, then retry this instance."
        for what, where in (("script", "Work one round"), ("expression", "Another round?"))}
    assert took < 4


def test_a_loop_that_ends_within_the_budget_runs_to_its_end(app):
    instance_id, _ = loop_round(app, "rounds = rounds + 1", {"loops": "yes", "rounds": 0, "limit": 50})
    assert instance(app, instance_id).status == "running"
    assert [t.element_id for t in open_tasks(app, instance_id)] == ["Task_done"]
    with app.app_context():
        assert queries.instance_data(db.session.get(ProcessInstance, instance_id))["rounds"] == 50


def test_answers_named_like_the_sandbox_are_refused_and_cannot_break_later_expressions(app, client):
    # the gateway's `loops.strip() == "yes"` reads an attribute through _getattr_
    deploy(app, xml=looping("rounds = rounds + 1"))
    instance_id = start(app, process="looping_script")
    [first] = open_tasks(app, instance_id)
    t = token(app, "social-worker")
    refused = client.post(f"/api/v1/tasks/{first.id}/complete", headers=auth(t),
                          json={"data": {"loops": " no ", "_budget_": 1, "_getattr_": 1, "jarp": 1}})
    assert refused.status_code == 422, refused.json    # refused at the answers, nothing stored
    assert sorted(e["field"] for e in refused.json["errors"]) == ["_budget_", "_getattr_", "jarp"]
    assert "is a name caseflow keeps for itself" in refused.json["errors"][0]["message"]
    done = client.post(f"/api/v1/tasks/{first.id}/complete", headers=auth(t), json={"data": {"loops": " no "}})
    assert done.status_code == 200, done.json
    shown = client.get(f"/api/v1/instances/{instance_id}", headers=auth(t)).json
    assert (shown["status"], shown["error"]) == ("running", None)
    assert [t.element_id for t in open_tasks(app, instance_id)] == ["Task_done"]
