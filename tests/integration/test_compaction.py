"""A looping instance stays as cheap as a new one (issue 16, engine/compaction.py):
its finished passes leave the live workflow, while the task table, the audit
trail and the instance page keep every pass, and repair, migration and
parallel joins work on it as on any other (SQLite and PostgreSQL)."""
import json
from pathlib import Path

from sqlalchemy import func, select

from engine import migration, queries, specs
from engine.db import db
from engine.models import AuditEvent, ProcessInstance, Task
from engine.serialization import state_dict
from engine.transaction import unit_of_work

from ..conftest import error_summary, page, sign_in, text
from .manage_steps import audit_events, complete, deploy, instance, open_tasks, start, user

LOOP_BPMN = Path(__file__).resolve().parents[1] / "data" / "loop_review.bpmn"
AGAIN = {"again": "yes", "step": "1"}


def looped(app, passes: int) -> int:
    """A loop_review instance on CIN-0001 after `passes` reviews, each going round again."""
    deploy(app, LOOP_BPMN)
    instance_id = start(app, process="loop_review")
    for _ in range(passes):
        complete(app, instance_id, "Task_review", "social-worker", dict(AGAIN))
    return instance_id


def snapshot(app, instance_id: int) -> tuple[int, int]:
    """(bytes of the stored state, tasks in its tree)."""
    with app.app_context():
        state = db.session.get(ProcessInstance, instance_id).state
    return len(state), len(state_dict(state)["tasks"])


def data(app, instance_id: int) -> dict:
    with app.app_context():
        return queries.instance_data(db.session.get(ProcessInstance, instance_id))


def task_rows(app, instance_id: int, element_id: str = "Task_review") -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Task.state, func.count()).where(
            Task.instance_id == instance_id, Task.element_id == element_id).group_by(Task.state)).all())


def test_a_loop_of_400_passes_completes_with_a_bounded_snapshot(app):
    instance_id = looped(app, 10)
    size_10, tasks_10 = snapshot(app, instance_id)
    for _ in range(390):  # SpiffWorkflow alone stops finding the ready task after ~333 passes
        complete(app, instance_id, "Task_review", "social-worker", dict(AGAIN))
    size_400, tasks_400 = snapshot(app, instance_id)
    assert tasks_400 == tasks_10 < 30
    assert size_400 < size_10 * 1.2, (size_10, size_400)
    assert data(app, instance_id)["passes"] == 400
    # every pass is in the task table and the audit trail
    assert task_rows(app, instance_id) == {"completed": 400, "ready": 1}
    assert len(audit_events(app, instance_id, "task.completed")) == 400
    # and it ends as the diagram says
    complete(app, instance_id, "Task_review", "social-worker", {"again": "no", "step": "1"})
    complete(app, instance_id, "Task_visit", "social-worker", {"seen": "yes"})
    complete(app, instance_id, "Task_school", "social-worker", {"more": "no"})
    assert instance(app, instance_id).status == "complete"
    assert data(app, instance_id)["passes"] == 401


def test_the_instance_page_shows_every_pass(app, client):
    instance_id = looped(app, 25)
    sign_in(client, "group-manager")
    response = client.get(f"/manage/instances/{instance_id}")
    assert response.status_code == 200
    soup = page(response)
    history = [r.get_text(" ", strip=True) for r in soup.select("#history tbody tr")]
    assert sum("Task completed: Review the plan" in row for row in history) == 25
    diagram = json.loads(soup.select_one("#diagram-data").string)
    # the path taken includes the steps before the loop, though the tree no longer holds their first pass
    assert {"StartEvent_1", "Script_setup", "Task_review", "Script_tally", "Gateway_again"} <= set(diagram["done"])
    assert diagram["current"] == ["Task_review"]
    assert "Start the count" in soup.select_one("#diagram-text").get_text()
    # the last review done can be gone back to, as on an instance that never looped
    targets = [i.get("value") for i in soup.select("input[name=target]")]
    assert len(targets) == 1
    with app.app_context():
        last_done = db.session.scalars(select(Task.id).where(
            Task.instance_id == instance_id, Task.state == "completed").order_by(Task.completed_at.desc(),
                                                                                 Task.created_at.desc())).first()
    assert targets == [last_done]


def test_a_task_of_an_earlier_pass_still_has_its_page(app, client):
    instance_id = looped(app, 8)
    with app.app_context():
        first = db.session.scalars(select(Task.id).where(Task.instance_id == instance_id)
                                   .order_by(Task.created_at)).first()
    sign_in(client, "social-worker")
    response = client.get(f"/tasks/{first}")
    assert response.status_code == 200
    assert "This task was completed by Demo Social Worker" in text(response)


def test_retry_and_move_back_on_a_compacted_instance(app, client):
    instance_id = looped(app, 20)
    complete(app, instance_id, "Task_review", "social-worker", {"again": "yes", "step": "x"})
    assert instance(app, instance_id).status == "error"
    sign_in(client, "group-manager")
    url = f"/manage/instances/{instance_id}"
    retried = client.post(f"{url}/retry", data={"changes": '{"step": "1"}', "reason": "Step was not a number"})
    assert retried.status_code == 302
    assert instance(app, instance_id).status == "running"
    assert data(app, instance_id)["passes"] == 21
    assert [t.element_id for t in open_tasks(app, instance_id)] == ["Task_review"]
    # back to the review just done: the count is what it was before it
    target = page(client.get(url)).select_one("input[name=target]")["value"]
    moved = client.post(f"{url}/move-back", data={"target": target, "reason": "Reviewed the wrong plan"})
    assert moved.status_code == 302
    assert data(app, instance_id)["passes"] == 20
    [reopened] = open_tasks(app, instance_id)
    assert reopened.element_id == "Task_review" and reopened.id != target
    complete(app, instance_id, "Task_review", "social-worker", dict(AGAIN))
    assert data(app, instance_id)["passes"] == 21
    # the 21st review (completed, then reopened) keeps its row; the one open when moving back was cancelled
    assert task_rows(app, instance_id) == {"completed": 22, "cancelled": 1, "ready": 1}


def test_a_step_of_an_earlier_pass_is_not_offered_to_move_back_to(app, client):
    instance_id = looped(app, 5)
    with app.app_context():
        first = db.session.scalars(select(Task.id).where(Task.instance_id == instance_id)
                                   .order_by(Task.created_at)).first()
    sign_in(client, "group-manager")
    response = client.post(f"/manage/instances/{instance_id}/move-back",
                           data={"target": first, "reason": "Start the reviews again"})
    assert response.status_code == 400
    assert error_summary(response) == ["Select a step that has been done"]
    assert data(app, instance_id)["passes"] == 5


def test_parallel_join_inside_a_loop_waits_for_both_branches_every_pass(app):
    deploy(app, LOOP_BPMN)
    instance_id = start(app, process="loop_review")
    # either branch first; SpiffWorkflow alone lets the second pass's join through after the first
    # branch once the first pass finished the other way round (the old pass's cancelled join)
    for first, second in [("Task_school", "Task_visit"), ("Task_visit", "Task_school"),
                          ("Task_visit", "Task_school"), ("Task_school", "Task_visit")]:
        complete(app, instance_id, "Task_review", "social-worker", {"again": "no", "step": "1"})
        assert sorted(t.element_id for t in open_tasks(app, instance_id)) == ["Task_school", "Task_visit"]
        complete(app, instance_id, first, "social-worker", {"more": "yes"})
        assert [t.element_id for t in open_tasks(app, instance_id)] == [second]
        complete(app, instance_id, second, "social-worker", {"more": "yes"})
        assert [t.element_id for t in open_tasks(app, instance_id)] == ["Task_review"]
    assert data(app, instance_id)["passes"] == 4
    assert task_rows(app, instance_id, "Task_visit") == {"completed": 4}


def test_a_compacted_instance_moves_to_a_new_version_and_loops_on(app):
    instance_id = looped(app, 30)
    xml = LOOP_BPMN.read_bytes().replace(b'name="Review the plan"', b'name="Review the care plan"')
    with app.app_context(), unit_of_work():
        [target] = specs.deploy(xml, LOOP_BPMN.name, forms={})
    with app.app_context():
        [move] = migration.plan("loop_review", db.session.merge(target))
        assert (move.instance_id, move.movable, move.reason) == (instance_id, True, None)
        with unit_of_work():
            moved, refused = migration.migrate("loop_review", db.session.merge(target), [instance_id],
                                               user("process-owner"))
        assert ([m.instance_id for m in moved], refused) == ([instance_id], [])
    [task] = open_tasks(app, instance_id)
    assert task.name == "Review the care plan"
    for _ in range(5):
        complete(app, instance_id, "Task_review", "social-worker", dict(AGAIN))
    assert data(app, instance_id)["passes"] == 35
    assert task_rows(app, instance_id) == {"completed": 35, "ready": 1}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == "instance.migrated")) == 1


def test_cancelling_a_compacted_instance_withdraws_its_open_task(app, client):
    instance_id = looped(app, 12)
    sign_in(client, "group-manager")
    response = client.post(f"/manage/instances/{instance_id}/cancel", data={"reason": "Case closed"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "cancelled" in text(response).lower()
    assert instance(app, instance_id).status == "cancelled"
    assert task_rows(app, instance_id) == {"completed": 12, "cancelled": 1}
