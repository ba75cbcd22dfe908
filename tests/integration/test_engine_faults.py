"""Issue 11 item 9: an identical re-upload deploys nothing, the API's 201 is
what the start made, and two transfers started at once cannot both run."""
import threading
from pathlib import Path

from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from engine import repair, runtime
from engine.db import db
from engine.models import AuditEvent, Case, ProcessInstance, User
from engine.transaction import unit_of_work
from webforms import cases

from ..conftest import sign_in
from .test_api import auth, token

DATA = Path(__file__).resolve().parents[1] / "data"


def _count(app, action, element_name):
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)).filter_by(
            action=action, element_name=element_name))


def test_re_uploading_an_identical_file_is_not_audited_as_a_deployment(app, client):
    sign_in(client, "process-owner")
    for _ in range(2):
        sent = client.post("/processes/upload", data={"bpmn": (open(DATA / "home_visit.bpmn", "rb"), "visit.bpmn")},
                           content_type="multipart/form-data")
        assert sent.status_code == 302
    assert _count(app, "process.uploaded", "home_visit") == 2
    assert _count(app, "process.deployed", "home_visit") == 1


def test_the_201_of_a_start_shows_the_start_not_a_change_made_just_after(app, client):
    sw = token(app, "social-worker")
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).filter_by(reference="CIN-0001"))
    seen = {}

    def someone_cancels_it_straight_after(session):
        # another person's request, in its own thread and transaction, right after the commit
        started = [inspect(o).identity[0] for o in list(session.identity_map.values())
                   if isinstance(o, ProcessInstance) and inspect(o).identity]
        if not started or seen or threading.current_thread() is not main:
            return
        seen["id"] = started[0]

        def cancel():
            with app.app_context():
                manager = db.session.scalar(select(User).filter_by(username="group-manager"))
                with unit_of_work():
                    repair.cancel(seen["id"], manager, "Opened twice")
        other = threading.Thread(target=cancel)
        other.start()
        other.join()

    main = threading.current_thread()
    event.listen(Session, "after_commit", someone_cancels_it_straight_after)
    try:
        answer = client.post("/api/v1/instances", headers=auth(sw),
                             json={"process": "jarp_referral", "case_id": case_id})
    finally:
        event.remove(Session, "after_commit", someone_cancels_it_straight_after)
    assert answer.status_code == 201, answer.json
    assert seen["id"] == answer.json["id"]
    assert answer.json["status"] == "running"
    assert [t["state"] for t in answer.json["tasks"]] == ["ready"]
    with app.app_context():
        assert db.session.get(ProcessInstance, answer.json["id"]).status == "cancelled"


def test_two_transfers_started_at_once_only_one_runs(app):
    with app.app_context():
        case_id = db.session.scalar(select(Case.id).filter_by(reference="CIN-0001"))
    both_checked = threading.Barrier(2, timeout=30)
    outcomes = []

    def start():
        with app.app_context():
            case = db.session.get(Case, case_id)
            user = db.session.scalar(select(User).filter_by(username="consultant-social-worker"))
            assert cases.already_running(case, "case_transfer") is None  # both pass the check
            both_checked.wait()
            try:
                with unit_of_work():
                    runtime.start_instance("case_transfer", case, user)
                outcomes.append("started")
            except runtime.AlreadyDone as exc:
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["A transfer of this case is already under way; finish or cancel it first.",
                                "started"]
    with app.app_context():
        assert db.session.scalar(select(func.count(ProcessInstance.id)).filter_by(
            case_id=case_id, process_key="case_transfer", status="running")) == 1


def test_a_second_transfer_past_the_check_is_refused_in_plain_words(app):
    with app.app_context():
        case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
        user = db.session.scalar(select(User).filter_by(username="consultant-social-worker"))
        with unit_of_work():
            runtime.start_instance("case_transfer", case, user)
        case_id = case.id
    # the views' own check (cases.already_running) passed over, as when two requests check at once
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username="consultant-social-worker"))
        case = db.session.get(Case, case_id)
        try:
            with unit_of_work():
                runtime.start_instance("case_transfer", case, user)
            refused = None
        except runtime.AlreadyDone as exc:
            refused = exc
    assert refused is not None and refused.status == 409
    assert str(refused) == "A transfer of this case is already under way; finish or cancel it first."
