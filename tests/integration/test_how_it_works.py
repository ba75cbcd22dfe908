"""The procedures explained in plain English from their deployed diagrams
(issue 17 items 1 and 3): every step and due time named in the diagram, a
reading ease a child can manage, and a redeployed diagram changes the page."""
import re

import pytest
import textstat
from lxml import etree
from sqlalchemy import select

from engine import specs
from engine.db import db
from engine.models import ProcessDefinition
from engine.transaction import unit_of_work

from ..conftest import page, sign_in, text
from .mail_steps import ROOT

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
PROCEDURES = ["case_transfer", "jarp_referral", "resource_panel_referral", "panel_booking"]


def _deployed_xml(app, key) -> bytes:
    with app.app_context():
        try:
            return db.session.scalar(select(ProcessDefinition.bpmn_xml).where(
                ProcessDefinition.process_key == key, ProcessDefinition.is_current)).encode()
        finally:
            db.session.remove()


@pytest.mark.parametrize("key", PROCEDURES)
def test_each_procedure_page_names_every_step_and_due_time_plainly(app, client, key):
    sign_in(client, "social-worker")
    response = client.get(f"/procedures/{key}")
    assert response.status_code == 200
    shown = text(response).lower()
    steps = page(response).select_one("#steps").get_text(" ", strip=True)
    process = next(p for p in etree.fromstring(_deployed_xml(app, key)).xpath("./bpmn:process", namespaces=NS)
                   if p.get("id") == key)
    for task in process.xpath(".//bpmn:userTask | .//bpmn:manualTask", namespaces=NS):
        name = " ".join((task.get("name") or "").split()).lower()
        family = task.xpath("./bpmn:extensionElements//spiffworkflow:property[@name='familyText']/@value",
                            namespaces=NS)
        assert (family[0].lower() if family else name) in shown, name
        for days in task.xpath("./bpmn:extensionElements//spiffworkflow:property[@name='dueWorkingDays']/@value",
                               namespaces=NS):
            assert f"within {days.strip()} working day" in shown, (name, days)
    assert not re.search(r"\b(gateway|userTask|sequence flow|bpmn)\b", shown)
    assert textstat.flesch_reading_ease(steps) >= 60
    assert "made from version" in shown


def test_a_redeployed_diagram_changes_the_page(app, client):
    root = etree.fromstring(_deployed_xml(app, "jarp_referral"))
    family = "Your social worker writes down what help your family needs."
    props = root.xpath(".//bpmn:userTask[@id='Task_complete_referral']/bpmn:extensionElements/"
                       "spiffworkflow:properties", namespaces=NS)[0]
    etree.SubElement(props, f"{{{NS['spiffworkflow']}}}property", name="familyText", value=family)
    changed = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()
    sign_in(client, "social-worker")
    before = text(client.get("/procedures/jarp_referral"))
    with app.app_context():
        with unit_of_work():
            forms = specs.load_forms_dir(ROOT / "bpmn" / "forms")
            version = specs.deploy(changed.encode(), "jarp_referral.bpmn", forms=forms)[0].version
        db.session.remove()
    after = text(client.get("/procedures/jarp_referral"))
    assert family not in before and family in after
    assert f"made from version {version}," in after


def test_the_instance_diagram_has_the_same_steps_as_text_with_where_it_waits(app, client):
    sign_in(client, "social-worker")
    started = client.post("/cases/1/start/jarp_referral")
    assert started.status_code == 302
    with app.app_context():
        from engine.models import ProcessInstance
        instance_id = db.session.scalar(select(ProcessInstance.id).order_by(ProcessInstance.id.desc()))
        db.session.remove()
    sign_in(client, "group-manager")
    box = page(client.get(f"/manage/instances/{instance_id}")).select_one("#diagram-as-text")
    assert box is not None
    now = box.select_one(".caseflow-step--now").get_text(" ", strip=True)
    assert "complete JARP referral" in now and "Waiting here now" in now
    public_steps = page(client.get("/procedures/jarp_referral")).select("#steps > li")
    assert len(box.select("#steps > li")) == len(public_steps)


def test_the_modeller_warns_of_steps_with_no_sentence_for_the_family(app, client):
    sign_in(client, "process-owner")
    xml = (ROOT / "tests" / "data" / "home_visit.bpmn").read_text()
    answer = client.post("/processes/home_visit/validate", json={"xml": xml}).json
    assert answer["problems"] == []
    assert [w["element"] for w in answer["warnings"]][:1] == ["Task_visit"]
    assert "has no sentence for the family" in answer["warnings"][0]["message"]
