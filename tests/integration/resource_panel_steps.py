"""Steps of the Children's Resource Panel referral as people take them through
the web forms: each signs in as the person who does it, posts what a browser
would post (papers as document ids, dates as day/month/year) and signs out."""
import io
from datetime import date, datetime

from sqlalchemy import select

from engine import queries
from engine.db import db
from engine.models import AgendaItem, AuditEvent, Case, Document, ProcessInstance, Task, Unit, User
from engine.transaction import unit_of_work
from processes import resource_panel as rp
from processes.clock import LONDON
from webforms import demo
from webforms.auth import hash_password

from ..conftest import error_summary, page, sign_in
from .jarp_steps import case_id, open_task

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSW = "consultant-social-worker"
GM = "group-manager"
HOS = "head-of-service"
HFS = "head-of-family-support"
ADMIN = "panel-administrator"
# Panels §1: the Assistant Director chairs the Panel (the Deputy Director in their absence).
AD = "assistant-director"
DD = "deputy-director"
CHAIR = AD
MEMBER_HOS = "head-of-service"   # the demo Head of Service is CIN's, a member of the Panel
LAWYER = "principal-lawyer"


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def date_fields(name: str, d: date) -> dict:
    return {f"{name}-day": str(d.day), f"{name}-month": str(d.month), f"{name}-year": str(d.year)}


def add_person(app, username, post, *, service=None, unit=None) -> None:
    """Someone the demo data lacks (another service's Head of Service, say)."""
    with app.app_context():
        with unit_of_work():
            unit_row = db.session.scalar(select(Unit).filter_by(name=unit)) if unit else None
            db.session.add(User(username=username, name=f"Test {username}", post=post,
                                password_hash=hash_password(demo.DEMO_PASSWORD),
                                service=unit_row.service if unit_row else service, unit=unit_row))


def add_case(app, reference, child_name, unit="CIN Unit 1") -> None:
    with app.app_context():
        with unit_of_work():
            unit_row = db.session.scalar(select(Unit).filter_by(name=unit))
            db.session.add(Case(reference=reference, child_name=child_name, service=unit_row.service,
                                unit=unit_row))


def upload(client, app, kind, reference="CIN-0001", filename=None) -> int:
    """Upload one paper to the case as whoever is signed in; returns its id."""
    response = client.post(f"/cases/{case_id(app, reference)}/documents",
                           data={"kind": kind, "document": (io.BytesIO(PDF), filename or f"{kind}.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    with app.app_context():
        return db.session.scalars(select(Document.id).order_by(Document.id.desc())).first()


def upload_papers(client, app, kinds, reference="CIN-0001") -> list[str]:
    """The CSW uploads papers of these kinds; returns their ids as a form posts them."""
    sign_in(client, CSW)
    ids = [str(upload(client, app, kind, reference)) for kind in kinds]
    client.post("/sign-out")
    return ids


def recommendation(sought, *, urgency="standard", family_support="used", evidence=None) -> dict:
    form = {"urgency": urgency, "sought": list(sought),
            "presenting_reason": "Escalating neglect; the child was found alone overnight.",
            "plan": "Accommodate with local foster carers while the assessment completes.",
            **PRESENTING}
    if urgency == "emergency":
        form["emergency_reason"] = "The child cannot safely stay at home tonight."
    else:
        form.update(alternatives="Parenting support for 12 weeks; maternal aunt asked and declined.",
                    family_support=family_support,
                    family_support_summary="Parenting Support Service for 12 weeks (JARP, P2).")
        if family_support == "used":
            form["family_support_evidence"] = evidence or []
    return form


# Guidance for Presenting Cases (Panels §1) and the child's voice (issue 12 items 10 and 21).
PRESENTING = {
    "child_asked": "yes",
    "child_wishes": "To stay at school with her friends and see her mum at weekends.",
    "relatives_contacted": "yes",
    "relatives_response": "Maternal aunt asked and declined; grandfather too unwell. No one else known.",
    "parents_views": "Mother agrees to accommodation; father not in contact.",
    "legal_advice_taken": "yes",
    "legal_advice": "Threshold is met; section 20 with the mother's consent is the least intrusive option.",
}


def start_referral(client, app, reference="CIN-0001") -> str:
    """The CSW (signed in) starts the referral on the case page: the form opens."""
    response = client.post(f"/cases/{case_id(app, reference)}/start/resource_panel_referral")
    assert response.status_code == 302, response.text
    assert "/tasks/" in response.location
    return response.location


def recommend(client, app, sought, reference="CIN-0001", **kw):
    """The CSW uploads the family support evidence and recommends the case."""
    evidence = None
    if kw.get("urgency", "standard") == "standard" and kw.get("family_support", "used") == "used":
        evidence = upload_papers(client, app, ["family_support_evidence"], reference)
    sign_in(client, CSW)
    url = start_referral(client, app, reference)
    response = client.post(url, data=recommendation(sought, evidence=evidence, **kw))
    client.post("/sign-out")
    assert response.status_code == 302, error_summary(response) or response.text
    return response


def post_task(client, username, app, element_id, form, reference="CIN-0001"):
    """Sign in as `username` and post the open task's form; the response, whatever it is."""
    task = open_task(app, element_id, reference)
    assert task is not None, f"no open {element_id} for {reference}"
    sign_in(client, username)
    response = client.post(f"/tasks/{task.id}", data=form)
    client.post("/sign-out")
    return response


def complete(client, username, app, element_id, form, reference="CIN-0001"):
    response = post_task(client, username, app, element_id, form, reference)
    assert response.status_code == 302, error_summary(response) or response.text
    return response


def papers_form(client, app, sought, *, review=False, reference="CIN-0001",
                held_on=date(2026, 11, 20)) -> dict:
    """Upload every paper the request needs and return the papers form."""
    ids = upload_papers(client, app, rp.papers_needed(sought, review), reference)
    form = {"papers": ids}
    if rp.is_care_proceedings(sought):
        form.update(date_fields("legal_planning_meeting_date", held_on))
        form.update(date_fields("negotiation_meeting_date", held_on))
    return form


def to_panel(client, app, sought, reference="CIN-0001"):
    """A standard referral up to the Head of Service's approval (not yet given)."""
    recommend(client, app, sought, reference)
    complete(client, GM, app, "Task_gm_join", {"decision": "join"}, reference)
    complete(client, CSW, app, "Task_papers", papers_form(client, app, sought, reference=reference),
             reference)


APPROVE = {"decision": "approve", "presenters": "The CSW and the Group Manager"}


def sheet(approved, sections, outcome="approved", refer_to_jarp="no") -> dict:
    return {"outcome": outcome, "approved": list(approved), "sections": list(sections),
            "rationale": "All alternatives were explored; the risk at home is too high.",
            "conditions": "None", "actions": "CSW to find a local placement by Friday.",
            "refer_to_jarp": refer_to_jarp, "child_asked": "yes",
            "child_wishes": "She told the Panel she wants to stay at her school."}


def instance(app, process_key="resource_panel_referral", reference="CIN-0001") -> ProcessInstance:
    with app.app_context():
        found = db.session.scalars(select(ProcessInstance).join(Case).where(
            ProcessInstance.process_key == process_key, Case.reference == reference)
            .order_by(ProcessInstance.id.desc())).first()
        db.session.expunge(found)
        return found


def data_of(app, reference="CIN-0001") -> dict:
    with app.app_context():
        found = db.session.scalars(select(ProcessInstance).join(Case).where(
            ProcessInstance.process_key == "resource_panel_referral", Case.reference == reference)
            .order_by(ProcessInstance.id.desc())).first()
        return queries.instance_data(found)


def agenda_item(app, reference="CIN-0001") -> AgendaItem | None:
    with app.app_context():
        item = db.session.scalars(select(AgendaItem).join(Case, Case.id == AgendaItem.case_id).where(
            AgendaItem.meeting == rp.PANEL, Case.reference == reference)).first()
        if item is not None:
            db.session.expunge(item)
        return item


def agenda_rows(client, username=ADMIN) -> list[tuple[str, str]]:
    """(sitting, row text) for every case on the Resource Panel agenda page."""
    sign_in(client, username)
    response = client.get("/agenda/resource-panel")
    client.post("/sign-out")
    assert response.status_code == 200, response.text
    tables = page(response).select("table.resource-panel-agenda")
    return [(t["data-sitting"], r.get_text(" ", strip=True)) for t in tables for r in t.select("tbody tr")]


def tasks_of(app, element_id, reference="CIN-0001") -> list[Task]:
    with app.app_context():
        rows = db.session.scalars(select(Task).join(Case, Case.id == Task.case_id).where(
            Task.element_id == element_id, Case.reference == reference).order_by(Task.created_at)).all()
        for r in rows:
            db.session.expunge(r)
        return rows


def audit_of(app, action, reference="CIN-0001") -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).join(Case, Case.id == AuditEvent.case_id).where(
            AuditEvent.action == action, Case.reference == reference).order_by(AuditEvent.id)).all()
        for r in rows:
            db.session.expunge(r)
        return rows
