"""Steps shared by the modeller's API and browser tests: a small test
diagram (tests/data/home_visit.bpmn) deployed, instances started and their
tasks completed through the engine, as practitioners would."""
import re
from pathlib import Path

from sqlalchemy import select

from engine import runtime, specs
from engine.db import db
from engine.models import Case, ProcessDefinition, ProcessInstance, Task, User
from engine.transaction import unit_of_work

DATA = Path(__file__).resolve().parent / "data"
HOME_VISIT = (DATA / "home_visit.bpmn").read_bytes()
FORMS = specs.load_forms_dir(Path(__file__).resolve().parents[1] / "bpmn" / "forms")
VISIT_ANSWERS = {"papers_sent_to_agencies": True}  # the form of both tasks; True: concerns


def deploy(app, xml: bytes = HOME_VISIT, filename="home_visit.bpmn") -> int:
    with app.app_context():
        with unit_of_work():
            return specs.deploy(xml, filename, FORMS)[0].version


def user(username):
    return db.session.scalar(select(User).filter_by(username=username))


def start(app, key="home_visit", reference="CIN-0001", username="social-worker") -> int:
    with app.app_context():
        with unit_of_work():
            case = db.session.scalar(select(Case).filter_by(reference=reference))
            return runtime.start_instance(key, case, user(username)).id


def open_tasks(app, instance_id) -> list[dict]:
    with app.app_context():
        return [dict(id=t.id, element=t.element_id, name=t.name, post=t.post, form=t.form, due_at=t.due_at)
                for t in db.session.scalars(select(Task).where(
                    Task.instance_id == instance_id, Task.state == "ready"))]


def complete(app, instance_id, element_id, username, data=None) -> None:
    task = next(t for t in open_tasks(app, instance_id) if t["element"] == element_id)
    with app.app_context():
        with unit_of_work():
            runtime.complete_task(task["id"], user(username), dict(data or VISIT_ANSWERS))


def instance(app, instance_id) -> dict:
    with app.app_context():
        row = db.session.get(ProcessInstance, instance_id)
        version = db.session.get(ProcessDefinition, row.definition_id).version
        return {"status": row.status, "version": version, "definition_id": row.definition_id}


def changed(xml: bytes, *pairs) -> bytes:
    """The diagram with text replaced (each pair must match)."""
    text = xml.decode("utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def without_review(xml: bytes = HOME_VISIT) -> bytes:
    """Version 2 without the review: concerns also end the process."""
    text = xml.decode("utf-8")
    text = re.sub(r'<bpmn:userTask id="Task_review".*?</bpmn:userTask>', "", text, flags=re.S)
    text = text.replace("<bpmn:flowNodeRef>Task_review</bpmn:flowNodeRef>", "")
    text = text.replace('targetRef="Task_review"', 'targetRef="EndEvent_reviewed"')
    text = re.sub(r'<bpmn:sequenceFlow id="Flow_reviewed".*?/>', "", text, flags=re.S)
    text = text.replace("<bpmn:incoming>Flow_reviewed</bpmn:incoming>", "<bpmn:incoming>Flow_yes</bpmn:incoming>")
    text = re.sub(r'<bpmndi:BPMNShape id="Task_review_di".*?</bpmndi:BPMNShape>', "", text, flags=re.S)
    text = re.sub(r'<bpmndi:BPMNEdge id="Flow_reviewed_di".*?</bpmndi:BPMNEdge>', "", text, flags=re.S)
    return text.encode("utf-8")


def without_layout(xml: bytes = HOME_VISIT) -> bytes:
    """The diagram as some tools write it: the process only, no diagram
    interchange (where each shape is drawn)."""
    return re.sub(rb"\s*<bpmndi:BPMNDiagram.*</bpmndi:BPMNDiagram>", b"", xml, flags=re.S)


def drawn_far_away(xml: bytes = HOME_VISIT, dx: int = 4000, dy: int = 3000) -> bytes:
    """The same diagram with every shape and edge drawn (dx, dy) further from
    the origin, as a file from another modeller may be."""
    def shift(match):
        x, y = float(match.group(2)) + dx, float(match.group(3)) + dy
        return match.group(1) + f' x="{x:g}" y="{y:g}"'.encode()
    return re.sub(rb'(<(?:dc:Bounds|di:waypoint))\s+x="([-\d.]+)"\s+y="([-\d.]+)"', shift, xml)
