"""Managers' repair actions end to end through the pages: each by a post with
authority, each with a reason (GOV.UK error summary without one), each
audited; refused for a post without authority."""
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from engine import queries, runtime, worker
from engine.db import db
from engine.models import ProcessInstance, Task
from engine.transaction import unit_of_work

from ..conftest import error_summary, page, sign_in, text
from .manage_steps import (TIMER_BPMN, audit_events, complete, deploy, failed_instance, instance, london,
                           open_tasks, start, user)

REASON = "Cover while the allocated worker is on leave"


def post_as(client, username, url, data):
    sign_in(client, username)
    response = client.post(url, data=data)
    client.post("/sign-out")
    return response


def my_task_names(client, username):
    sign_in(client, username)
    rows = page(client.get("/")).select("#my-tasks tbody tr")
    client.post("/sign-out")
    return [r.select_one("a").get_text(strip=True) for r in rows]


@pytest.fixture
def prepared(app):
    """A running repair_steps instance on CIN-0001 waiting for 'Prepare the figures'."""
    deploy(app)
    instance_id = start(app)
    [task] = open_tasks(app, instance_id)
    return instance_id, task


# ---------------------------------------------------------------- reassign, unclaim, escalate

def test_group_manager_reassigns_a_task_and_it_moves_to_that_persons_list(app, client, prepared):
    instance_id, task = prepared
    csw = user_id(app, "consultant-social-worker")
    url = f"/manage/tasks/{task.id}/reassign"
    response = post_as(client, "group-manager", url, {"assignee": str(csw), "reason": REASON})
    assert response.status_code == 302
    assert response.location.endswith(f"/manage/instances/{instance_id}")
    [event] = audit_events(app, instance_id, "task.reassigned")
    assert (event.actor_name, event.reason, event.task_id) == ("Demo Group Manager", REASON, task.id)
    assert event.detail == {"from": None, "to": "Demo Consultant Social Worker", "to_id": csw,
                            "post": "Social Worker"}
    assert open_tasks(app, instance_id)[0].assigned_to_id == csw
    assert "Prepare the figures" in my_task_names(client, "consultant-social-worker")
    assert "Prepare the figures" not in my_task_names(client, "social-worker")
    # the new assignee can complete it
    complete(app, instance_id, "Task_prepare", "consultant-social-worker", {"count": 2})


def test_reassigning_needs_a_reason_and_a_person_who_may_do_the_work(app, client, prepared):
    instance_id, task = prepared
    response = post_as(client, "group-manager", f"/manage/tasks/{task.id}/reassign",
                       {"assignee": str(user_id(app, "jarp-co-ordinator")), "reason": " "})
    assert response.status_code == 400
    assert error_summary(response) == ["Select a person who can do the work of the Social Worker",
                                       "Enter the reason for this change"]
    links = [a["href"] for a in page(response).select(".govuk-error-summary a")]
    assert links == [f"#reassign-{task.id}-assignee", f"#reassign-{task.id}-reason"]
    assert page(response).select_one(f"#reassign-{task.id}")["open"] is not None
    assert audit_events(app, instance_id, "task.reassigned") == []
    assert open_tasks(app, instance_id)[0].assigned_to_id is None


def test_unclaim_gives_the_task_back_to_its_post(app, client, prepared):
    instance_id, task = prepared
    post_as(client, "head-of-service", f"/manage/tasks/{task.id}/reassign",
            {"assignee": str(user_id(app, "consultant-social-worker")), "reason": REASON})
    response = post_as(client, "head-of-service", f"/manage/tasks/{task.id}/unclaim", {"reason": "Back from leave"})
    assert response.status_code == 302
    assert open_tasks(app, instance_id)[0].assigned_to_id is None
    [event] = audit_events(app, instance_id, "task.unclaimed")
    assert (event.reason, event.detail["from"]) == ("Back from leave", "Demo Consultant Social Worker")
    assert "Prepare the figures" in my_task_names(client, "social-worker")
    # nothing left to unclaim: said plainly, nothing recorded
    sign_in(client, "head-of-service")
    again = client.post(f"/manage/tasks/{task.id}/unclaim", data={"reason": "again"}, follow_redirects=True)
    assert "This task is not assigned to anyone." in text(again)
    assert len(audit_events(app, instance_id, "task.unclaimed")) == 1


def test_escalate_moves_the_task_up_the_chain(app, client, prepared):
    instance_id, task = prepared
    url = f"/manage/tasks/{task.id}/escalate"
    assert post_as(client, "group-manager", url, {"reason": "No social worker free"}).status_code == 302
    assert open_tasks(app, instance_id)[0].post == "Consultant Social Worker"
    assert post_as(client, "group-manager", url, {"reason": "CSW off sick"}).status_code == 302
    assert open_tasks(app, instance_id)[0].post == "Group Manager"
    events = audit_events(app, instance_id, "task.escalated")
    assert [(e.detail["from"], e.detail["to"], e.reason) for e in events] == [
        ("Social Worker", "Consultant Social Worker", "No social worker free"),
        ("Consultant Social Worker", "Group Manager", "CSW off sick")]
    assert "Prepare the figures" not in my_task_names(client, "consultant-social-worker")
    assert "Prepare the figures" in my_task_names(client, "group-manager")


# ---------------------------------------------------------------- suspend, resume, cancel

def test_suspended_instance_cannot_move_until_resumed(app, client, prepared):
    instance_id, task = prepared
    base = f"/manage/instances/{instance_id}"
    assert post_as(client, "group-manager", base + "/suspend", {"reason": "Court order pending"}).status_code == 302
    assert instance(app, instance_id).status == "suspended"
    with pytest.raises(runtime.EngineError, match="suspended"):
        complete(app, instance_id, "Task_prepare", "social-worker", {"count": 2})
    assert post_as(client, "group-manager", base + "/resume", {"reason": "Order made"}).status_code == 302
    assert instance(app, instance_id).status == "running"
    complete(app, instance_id, "Task_prepare", "social-worker", {"count": 2})
    assert [e.reason for e in audit_events(app, instance_id, "instance.suspended")] == ["Court order pending"]
    assert [e.reason for e in audit_events(app, instance_id, "instance.resumed")] == ["Order made"]


def test_timers_of_a_suspended_instance_do_not_fire(app, client):
    deploy(app, TIMER_BPMN)
    with freeze_time(london(2026, 11, 23, 10, 0)):
        instance_id = start(app, process="timer_then_task")
        post_as(client, "assistant-director", f"/manage/instances/{instance_id}/suspend", {"reason": "Hold"})
    with freeze_time(london(2026, 11, 23, 10, 5)):
        with app.app_context():
            assert worker.fire_due_timers() == 0
        assert open_tasks(app, instance_id) == []
        post_as(client, "assistant-director", f"/manage/instances/{instance_id}/resume", {"reason": "Go on"})
        with app.app_context():
            assert worker.fire_due_timers() == 1
        assert [t.name for t in open_tasks(app, instance_id)] == ["Act after the timer"]


def test_cancel_with_a_reason_withdraws_the_open_tasks(app, client, prepared):
    instance_id, task = prepared
    url = f"/manage/instances/{instance_id}/cancel"
    missing = post_as(client, "group-manager", url, {"reason": ""})
    assert missing.status_code == 400
    assert error_summary(missing) == ["Enter the reason for this change"]
    assert page(missing).select_one(".govuk-error-summary a")["href"] == "#cancel-reason"
    assert instance(app, instance_id).status == "running"
    assert post_as(client, "group-manager", url, {"reason": "Started in error"}).status_code == 302
    found = instance(app, instance_id)
    assert (found.status, found.completed_at is not None) == ("cancelled", True)
    with app.app_context():
        assert db.session.get(Task, task.id).state == "cancelled"
    [event] = audit_events(app, instance_id, "instance.cancelled")
    assert (event.reason, event.actor_name) == ("Started in error", "Demo Group Manager")
    assert "Prepare the figures" not in my_task_names(client, "social-worker")


# ---------------------------------------------------------------- retry, move back

def test_retry_a_failed_step_after_fixing_the_data(app, client):
    deploy(app)
    instance_id = failed_instance(app)
    url = f"/manage/instances/{instance_id}/retry"
    bad = post_as(client, "group-manager", url, {"changes": "count = 3", "reason": "Count was missing"})
    assert bad.status_code == 400
    assert error_summary(bad) == ['Enter the changes as a JSON object, for example {"count": 3}']
    # still failing without the data: said plainly, still in error, the attempt audited
    sign_in(client, "group-manager")
    again = client.post(url, data={"changes": "", "reason": "Try once more"}, follow_redirects=True)
    assert "The step failed again" in text(again)
    assert instance(app, instance_id).status == "error"
    response = client.post(url, data={"changes": '{"count": 3}', "reason": "Count was missing"})
    assert response.status_code == 302
    found = instance(app, instance_id)
    assert (found.status, found.error) == ("running", None)
    [check] = open_tasks(app, instance_id)
    assert check.name == "Check the total"
    with app.app_context():
        assert queries.instance_data(db.session.get(ProcessInstance, instance_id))["total"] == 6
    events = audit_events(app, instance_id, "instance.retried")
    assert [(e.reason, e.detail["outcome"], e.element_name) for e in events] == [
        ("Try once more", "failed again", "Compute the total"), ("Count was missing", "ran", "Compute the total")]
    assert events[1].detail["changes"] == {"count": 3}
    assert "NameError" in events[1].detail["previous_error"]


def test_move_back_to_an_earlier_task(app, client):
    deploy(app)
    instance_id = start(app)
    complete(app, instance_id, "Task_prepare", "social-worker", {"count": 2})
    [check] = open_tasks(app, instance_id)
    with app.app_context():
        prepare_id = db.session.scalar(select(Task.id).where(Task.instance_id == instance_id,
                                                            Task.element_id == "Task_prepare"))
    url = f"/manage/instances/{instance_id}/move-back"
    missing = post_as(client, "head-of-service", url, {"reason": "Wrong figures"})
    assert missing.status_code == 400
    assert error_summary(missing) == ["Select the step to go back to"]
    response = post_as(client, "head-of-service", url, {"target": prepare_id, "reason": "Wrong figures"})
    assert response.status_code == 302
    [reopened] = open_tasks(app, instance_id)
    # the reopened task has its own row; the earlier completion keeps its id
    assert reopened.id != prepare_id
    assert (reopened.name, reopened.post) == ("Prepare the figures", "Social Worker")
    with app.app_context():
        states = {t.name: t.state for t in db.session.scalars(select(Task).where(
            Task.instance_id == instance_id, Task.id != reopened.id))}
        history = db.session.get(Task, prepare_id)
        assert (history.name, history.state, history.completed_by.name) == (
            "Prepare the figures", "completed", "Demo Social Worker")
    assert states == {"Check the total": "cancelled", "Prepare the figures": "completed"}
    # the earlier completion's audit row still names the completed row, not the reopened task
    [earlier] = [e for e in audit_events(app, instance_id, "task.completed") if e.element_name == "Prepare the figures"]
    assert earlier.task_id == prepare_id
    [event] = audit_events(app, instance_id, "instance.moved_back")
    assert (event.reason, event.element_name) == ("Wrong figures", "Prepare the figures")
    # and the process goes on from there
    complete(app, instance_id, "Task_prepare", "social-worker", {"count": 5})
    complete(app, instance_id, "Task_check", "consultant-social-worker", {})
    assert instance(app, instance_id).status == "complete"


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("username, status", [
    ("social-worker", 403), ("consultant-social-worker", 403), ("unit-co-ordinator", 403),
    ("panel-manager", 403),          # sees the dashboard, repairs nothing
    ("group-manager-lac", 404),      # another service's process looks like none
])
def test_a_post_without_authority_is_refused_every_repair(app, client, username, status):
    deploy(app)
    instance_id = failed_instance(app)
    running = start(app)
    [task] = open_tasks(app, running)
    sign_in(client, username)
    for url, data in [
        (f"/manage/tasks/{task.id}/reassign", {"assignee": str(user_id(app, "social-worker")), "reason": "x"}),
        (f"/manage/tasks/{task.id}/unclaim", {"reason": "x"}),
        (f"/manage/tasks/{task.id}/escalate", {"reason": "x"}),
        (f"/manage/instances/{running}/suspend", {"reason": "x"}),
        (f"/manage/instances/{running}/cancel", {"reason": "x"}),
        (f"/manage/instances/{instance_id}/retry", {"changes": '{"count": 1}', "reason": "x"}),
        (f"/manage/instances/{running}/move-back", {"target": task.id, "reason": "x"}),
    ]:
        assert client.post(url, data=data).status_code == status, url
    with app.app_context():
        assert db.session.get(ProcessInstance, running).status == "running"
        assert db.session.get(ProcessInstance, instance_id).status == "error"
        assert db.session.get(Task, task.id).post == "Social Worker"
    assert audit_events(app, running, "instance.suspended") == []


def test_engine_refuses_a_manager_outside_their_service(app, prepared):
    from engine import repair
    instance_id, task = prepared
    with app.app_context():
        lac_manager = user("group-manager-lac")
        with pytest.raises(runtime.NotAllowed):
            with unit_of_work():
                repair.suspend(instance_id, lac_manager, "not mine")
        with pytest.raises(runtime.NotAllowed):
            with unit_of_work():
                repair.escalate(task.id, lac_manager, "not mine")
        with unit_of_work():      # the Assistant Director may, anywhere
            repair.suspend(instance_id, user("assistant-director"), "Holding all CIN work")
    assert instance(app, instance_id).status == "suspended"


def user_id(app, username) -> int:
    with app.app_context():
        return user(username).id
