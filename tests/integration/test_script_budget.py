"""A diagram whose first script never ends: the start answers at once, the
instance is in error with a plain message a manager sees (page and API),
and the fixed diagram deploys and runs."""
import time

from ..conftest import sign_in, text
from .manage_steps import REPAIR_BPMN, deploy, instance, open_tasks, start
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
