"""Reading a child's record leaves a read event (who, when, what), shown to
the Head of Service and above for that case on "Who has read this record"
(issue 11 item 6); the read_event table is append-only."""
import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from engine.accounts import issue_token
from engine.db import db
from engine.models import Case, ReadEvent, User
from engine.transaction import unit_of_work

from ..conftest import page, sign_in
from .manage_steps import deploy, open_tasks, start

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def case_id(app, reference):
    with app.app_context():
        return db.session.scalar(select(Case.id).filter_by(reference=reference))


def reads_shown(client, cid):
    rows = page(client.get(f"/cases/{cid}/reads")).select("#reads tbody tr")
    return [[c.get_text(strip=True) for c in r.select("td")][1:] for r in rows]


def test_opening_a_case_is_shown_to_the_head_of_service(app, client):
    cid = case_id(app, "CIN-0001")
    sign_in(client, "social-worker")
    response = client.get(f"/cases/{cid}")
    assert response.status_code == 200
    assert page(response).select_one("#who-read") is None   # not for a social worker
    assert client.get(f"/cases/{cid}/reads").status_code == 403
    client.post("/sign-out")
    sign_in(client, "head-of-service")
    case_page = page(client.get(f"/cases/{cid}"))
    assert case_page.select_one("#who-read")["href"] == f"/cases/{cid}/reads"
    assert reads_shown(client, cid) == [["Demo Head of Service", "case CIN-0001"],
                                        ["Demo Social Worker", "case CIN-0001"]]


def test_papers_instances_and_exports_are_recorded(app, client):
    deploy(app)
    instance_id = start(app)
    cid = case_id(app, "CIN-0001")
    sign_in(client, "social-worker")
    upload = client.post(f"/cases/{cid}/documents", data={
        "kind": "genogram", "document": (io.BytesIO(PDF), "genogram.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 302, upload.text
    client.post("/sign-out")
    sign_in(client, "head-of-service")
    assert client.get(f"/manage/instances/{instance_id}").status_code == 200
    assert client.get("/manage/overdue.csv").status_code == 200
    with app.app_context():
        doc_id = db.session.execute(text("SELECT id FROM document")).scalar()
    assert client.get(f"/documents/{doc_id}").data == PDF
    with app.app_context():
        events = db.session.scalars(select(ReadEvent).order_by(ReadEvent.id)).all()
        got = [(e.actor_name, e.what, e.case_id) for e in events]
    assert ("Demo Head of Service", "instance.viewed", cid) in got
    assert ("Demo Head of Service", "export.downloaded", None) in got
    assert ("Demo Head of Service", "paper.downloaded", cid) in got
    shown = reads_shown(client, cid)
    assert ["Demo Head of Service", f"instance {instance_id}"] in shown


def test_reads_are_visible_only_within_the_viewers_scope(app, client):
    lac = case_id(app, "LAC-0001")
    sign_in(client, "social-worker-lac")
    assert client.get(f"/cases/{lac}").status_code == 200
    client.post("/sign-out")
    sign_in(client, "head-of-service")       # the CIN service's Head of Service
    assert client.get(f"/cases/{lac}/reads").status_code == 404
    client.post("/sign-out")
    sign_in(client, "assistant-director")    # department-wide
    assert ["Demo Social Worker (LAC)", "case LAC-0001"] in reads_shown(client, lac)


@pytest.mark.parametrize("statement", ["UPDATE read_event SET actor_name = 'nobody'", "DELETE FROM read_event"])
def test_read_events_cannot_be_changed_or_removed(app, client, statement):
    sign_in(client, "social-worker")
    client.get(f"/cases/{case_id(app, 'CIN-0001')}")
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.scalar(select(ReadEvent.actor_name)) == "Demo Social Worker"


def test_the_task_page_and_the_apis_task_and_instance_reads_are_recorded(app, client):
    deploy(app)
    instance_id = start(app)
    cid = case_id(app, "CIN-0001")
    task_id = open_tasks(app, instance_id)[0].id
    sign_in(client, "social-worker")
    assert client.get(f"/tasks/{task_id}").status_code == 200
    with app.app_context():
        with unit_of_work():
            token, _ = issue_token(db.session.scalar(select(User).filter_by(username="group-manager")))
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get(f"/api/v1/tasks/{task_id}", headers=bearer).status_code == 200
    assert api.get(f"/api/v1/instances/{instance_id}", headers=bearer).status_code == 200
    assert api.get("/api/v1/tasks/no-such-task", headers=bearer).status_code == 404   # nothing read, nothing kept
    client.post("/sign-out")
    sign_in(client, "head-of-service")
    shown = reads_shown(client, cid)
    assert shown[:3] == [["Demo Group Manager", f"instance {instance_id} (API)"],
                         ["Demo Group Manager", "task ‘Prepare the figures’ (API)"],
                         ["Demo Social Worker", "task ‘Prepare the figures’"]]
    with app.app_context():
        whats = db.session.scalars(select(ReadEvent.what).order_by(ReadEvent.id)).all()
    assert whats == ["task.viewed", "task.viewed", "instance.viewed"]
