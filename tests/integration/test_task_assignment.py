"""My work, and my team's (issue 13 §2): take a task, hand it back, a CSW
allocates one, a manager's default list and the team tab; each told."""
import threading

from sqlalchemy import select

from engine import assignment, notifier
from engine.db import db
from engine.models import Task, Unit, User
from engine.runtime import EngineError
from engine.transaction import unit_of_work
from webforms.demo import DEMO_PASSWORD, hash_password

from ..conftest import page, sign_in, text
from .test_notifications import _start_visits, _subjects

SECOND = "social-worker-2"


def _second_social_worker(app):
    with app.app_context():
        with unit_of_work():
            unit = db.session.scalar(select(Unit).filter_by(name="CIN Unit 1"))
            db.session.add(User(username=SECOND, name="Sam Second", password_hash=hash_password(DEMO_PASSWORD),
                                post="Social Worker", service=unit.service, unit=unit,
                                email=f"{SECOND}@example.org"))
        db.session.remove()


def _visit_task(app) -> str:
    with app.app_context():
        try:
            return db.session.scalar(select(Task.id).where(Task.element_id == "Task_visit", Task.state == "ready"))
        finally:
            db.session.remove()


def _tell(app):
    with app.app_context():
        notifier.fan_out(by_mail=False)
        db.session.remove()


def _my_task_names(client):
    rows = page(client.get("/")).select("#my-tasks tbody tr")
    return [r.select("td")[0].get_text(strip=True) + " / " + r.select("td")[3].get_text(strip=True) for r in rows]


def test_a_social_worker_takes_a_task_and_hands_it_back(app, client):
    _second_social_worker(app)
    _start_visits(app)
    task_id = _visit_task(app)
    sign_in(client, "social-worker")
    assert _my_task_names(client) == ["Record the visit / Nobody yet"]
    taken = client.post(f"/tasks/{task_id}/take", follow_redirects=True)
    assert "You are doing ‘Record the visit’" in text(taken)
    assert "Being done by you" in page(taken).select_one("#assignment").get_text(" ", strip=True)
    assert _my_task_names(client) == ["Record the visit / You"]

    other = app.test_client()
    sign_in(other, SECOND)
    assert _my_task_names(other) == []                       # someone has it: not in the queue
    refused = other.post(f"/tasks/{task_id}/take", follow_redirects=True)
    assert "Demo Social Worker is already doing this task." in text(refused)

    back = client.post(f"/tasks/{task_id}/hand-back", follow_redirects=True)
    assert "‘Record the visit’ is handed back" in text(back)
    assert _my_task_names(other) == ["Record the visit / Nobody yet"]
    _tell(app)
    assert _subjects(app, SECOND) == ["Task ready: Record the visit (case CIN-0001)"] * 2   # told again


def test_two_people_taking_a_task_at_once_leave_one_holder(app):
    _second_social_worker(app)
    _start_visits(app)
    task_id = _visit_task(app)
    outcomes, start = [], threading.Barrier(2)

    def take(username):
        with app.app_context():
            person = db.session.scalar(select(User).filter_by(username=username))
            start.wait()
            try:
                with unit_of_work():
                    assignment.take(task_id, person)
                outcomes.append(("took", username))
            except EngineError as exc:
                outcomes.append(("refused", str(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(u,)) for u in ("social-worker", SECOND)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(kind for kind, _ in outcomes) == ["refused", "took"], outcomes
    winner = next(who for kind, who in outcomes if kind == "took")
    with app.app_context():
        holder = db.session.get(Task, task_id).assigned_to.username
        db.session.remove()
    assert holder == winner


def test_a_consultant_social_worker_allocates_a_task_of_their_unit(app, client):
    _second_social_worker(app)
    _start_visits(app)
    task_id = _visit_task(app)
    sign_in(client, "consultant-social-worker")
    options = [o.get_text(strip=True) for o in page(client.get(f"/tasks/{task_id}")).select("#assignee option")]
    assert options == ["Choose a person", "Demo Consultant Social Worker, Consultant Social Worker",
                       "Demo Social Worker, Social Worker", "Sam Second, Social Worker"]
    done = client.post(f"/tasks/{task_id}/allocate", data={"assignee": _user_id(app, SECOND)},
                       follow_redirects=True)
    assert "‘Record the visit’ is allocated." in text(done)
    assert "Being done by Sam Second" in page(done).select_one("#assignment").get_text(" ", strip=True)
    nobody = client.post(f"/tasks/{task_id}/allocate", data={"assignee": "x"}, follow_redirects=True)
    assert "Select a member of the unit who can do the work of the Social Worker" in text(nobody)
    _tell(app)
    assert _subjects(app, SECOND)[-1] == "Task assigned to you: Record the visit (case CIN-0001)"

    worker = app.test_client()
    sign_in(worker, "social-worker")
    assert page(worker.get(f"/tasks/{task_id}")).select_one("#assignee") is None
    assert worker.post(f"/tasks/{task_id}/allocate", data={"assignee": _user_id(app, "social-worker")}
                       ).status_code == 403
    # a manager gives it to someone else: both are told
    manager = app.test_client()
    sign_in(manager, "group-manager")
    moved = manager.post(f"/manage/tasks/{task_id}/reassign",
                         data={"assignee": _user_id(app, "social-worker"), "reason": "Sam is on leave"})
    assert moved.status_code in (200, 302), moved.text
    _tell(app)
    assert _subjects(app, SECOND)[-1] == "Task taken from you: Record the visit (case CIN-0001)"
    assert _subjects(app, "social-worker")[-1] == "Task assigned to you: Record the visit (case CIN-0001)"


def test_a_manager_sees_their_own_decisions_first_and_the_team_on_a_tab(app, client):
    _start_visits(app)
    sign_in(client, "group-manager")
    mine = page(client.get("/"))
    assert [a.get_text(strip=True) for a in mine.select("nav[aria-label='Whose tasks'] a")] == [
        "For me", "My team's work"]
    assert "Record the visit" not in mine.select_one("main").get_text(" ", strip=True)
    team = page(client.get("/?view=team"))
    assert [r.select("td")[0].get_text(strip=True) for r in team.select("#my-tasks tbody tr")] == ["Record the visit"]
    sign_in(client, "social-worker")
    assert page(client.get("/")).select_one("nav[aria-label='Whose tasks']") is None


def _user_id(app, username) -> str:
    with app.app_context():
        try:
            return str(db.session.scalar(select(User.id).filter_by(username=username)))
        finally:
            db.session.remove()


def test_comments_on_a_task_are_seen_by_those_who_see_the_case(app, client):
    _start_visits(app)
    task_id = _visit_task(app)
    sign_in(client, "social-worker")
    empty = client.post(f"/tasks/{task_id}/comments", data={"comment": "   "}, follow_redirects=True)
    assert "Enter your comment" in text(empty)
    added = client.post(f"/tasks/{task_id}/comments", data={"comment": "Mum asked to move the visit to Friday."},
                        follow_redirects=True)
    assert "Your comment is added." in text(added)
    shown = page(added).select_one("#comments").get_text(" ", strip=True)
    assert "Demo Social Worker" in shown and "Mum asked to move the visit to Friday." in shown

    outsider = app.test_client()
    sign_in(outsider, "csw-lac")                                   # another unit: cannot see the case
    assert outsider.post(f"/tasks/{task_id}/comments", data={"comment": "x"}).status_code == 404

    manager = app.test_client()
    sign_in(manager, "group-manager")
    with app.app_context():
        instance_id = db.session.get(Task, task_id).instance_id
        db.session.remove()
    on_page = page(manager.get(f"/manage/instances/{instance_id}"))
    assert "Mum asked to move the visit to Friday." in on_page.select_one("#comments").get_text(" ", strip=True)
    manager.post(f"/instances/{instance_id}/comments", data={"comment": "Agreed.",
                                                             "back": f"/manage/instances/{instance_id}"})
    again = page(manager.get(f"/manage/instances/{instance_id}"))
    assert "Agreed." in again.select_one("#comments").get_text(" ", strip=True)
    assert "Comment added" in again.get_text(" ", strip=True)      # in the instance's history
