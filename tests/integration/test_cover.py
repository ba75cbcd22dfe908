"""Cover arrangements (issue 13 §3; 004 Cover Arrangements): an absence with
its cover redirects tasks and notifications and gives them back when it
ends; the standing rules; steps nobody can do on the managers' dashboard."""
from datetime import datetime

import freezegun
from sqlalchemy import select

from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work
from processes import clock

from ..conftest import error_summary, page, sign_in, text
from .test_notifications import _start_visits, _subjects, start_visit_variant
from .test_task_assignment import SECOND, _my_task_names, _second_social_worker, _tell, _user_id, _visit_task

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=clock.LONDON)


def _absence(client, person_id, starts, ends, cover_id="", reason="Annual leave"):
    form = {"person": person_id, "reason": reason, "cover": cover_id}
    for name, day in (("starts", starts), ("ends", ends)):
        form.update({f"{name}-day": str(day[0]), f"{name}-month": str(day[1]), f"{name}-year": str(day[2])})
    return client.post("/absences/", data=form)


@freezegun.freeze_time(MONDAY)
def test_a_cover_does_the_work_of_someone_away_and_gives_it_back(app, client):
    _second_social_worker(app)
    _start_visits(app, count=2)
    sign_in(client, "social-worker")
    task_ids = []
    for row in page(client.get("/")).select("#my-tasks tbody tr a"):
        task_ids.append(row["href"].rsplit("/", 1)[1])
    for task_id in task_ids:
        client.post(f"/tasks/{task_id}/take")
    manager = app.test_client()
    sign_in(manager, "group-manager")
    recorded = _absence(manager, _user_id(app, "social-worker"), (7, 12, 2026), (9, 12, 2026),
                        cover_id=_user_id(app, SECOND))
    assert recorded.status_code == 302
    listed = page(manager.get("/absences/")).select_one("#absences").get_text(" ", strip=True)
    assert "Demo Social Worker" in listed and "Sam Second" in listed and "7 December 2026" in listed

    covering = app.test_client()
    sign_in(covering, SECOND)
    assert _my_task_names(covering) == ["Record the visit / Demo Social Worker"] * 2
    done = covering.post(f"/tasks/{task_ids[0]}", data={"seen_child": "yes"}, follow_redirects=True)
    assert done.status_code == 200, done.text
    shown = text(covering.get(f"/tasks/{task_ids[0]}"))
    assert "This task was completed by Sam Second for Demo Social Worker" in shown

    # what the person away would be told goes to their cover
    _start_visits(app)
    _tell(app)
    assert "For Demo Social Worker: Task ready: Record the visit (case CIN-0001)" in _subjects(app, SECOND)

    with freezegun.freeze_time(datetime(2026, 12, 10, 9, 0, tzinfo=clock.LONDON)):   # back at work
        assert "Record the visit / Demo Social Worker" not in _my_task_names(covering)
        assert "Record the visit / You" in _my_task_names(client)


@freezegun.freeze_time(MONDAY)
def test_an_absence_is_refused_with_every_problem_and_the_answers_kept(app, client):
    sign_in(client, "consultant-social-worker")
    refused = _absence(client, _user_id(app, "consultant-social-worker"), (9, 12, 2026), (7, 12, 2026),
                       cover_id=_user_id(app, "social-worker"), reason="")
    assert refused.status_code == 400
    assert error_summary(refused) == [
        "The last day must be the same as or after the first day",
        "Choose someone at the post of Consultant Social Worker or higher, or the person's named deputy",
        "Enter the reason for the absence, for example annual leave"]
    assert page(refused).select_one("input[name=starts-day]")["value"] == "9"
    # a Social Worker records only their own
    worker = app.test_client()
    sign_in(worker, "social-worker")
    assert _absence(worker, _user_id(app, "consultant-social-worker"), (7, 12, 2026), (8, 12, 2026)
                    ).status_code == 403


@freezegun.freeze_time(MONDAY)
def test_the_group_manager_covers_a_consultant_social_worker_by_default(app, client):
    _start_visits(app)
    task_id = _visit_task(app)
    sign_in(client, "consultant-social-worker")
    assert _absence(client, _user_id(app, "consultant-social-worker"), (7, 12, 2026), (11, 12, 2026)
                    ).status_code == 302
    assert "Demo Group Manager (standing cover)" in text(client.get("/absences/"))
    manager = app.test_client()
    sign_in(manager, "head-of-service")
    manager.post(f"/manage/tasks/{task_id}/reassign",
                 data={"assignee": _user_id(app, "consultant-social-worker"), "reason": "Needs the CSW"})
    _tell(app)
    assert _subjects(app, "group-manager")[-1] == \
        "For Demo Consultant Social Worker: Task assigned to you: Record the visit (case CIN-0001)"


def _lawyers_visit(app):
    """The home visit, its task for the Principal Lawyer (a post outside the chain)."""
    start_visit_variant(app, "legal_visit", ('name="Social Worker"', 'name="Principal Lawyer"'))


@freezegun.freeze_time(MONDAY)
def test_a_step_nobody_can_do_shows_until_a_deputy_is_named(app, client):
    _lawyers_visit(app)
    lawyer = app.test_client()
    sign_in(lawyer, "principal-lawyer")
    assert _absence(lawyer, _user_id(app, "principal-lawyer"), (7, 12, 2026), (18, 12, 2026),
                    reason="Training").status_code == 302
    sign_in(client, "assistant-director")
    table = page(client.get("/manage/no-one-can-act")).select_one("#nobody")
    assert table is not None
    assert "Record the visit" in table.get_text(" ", strip=True)
    assert "Principal Lawyer" in table.get_text(" ", strip=True)
    with app.app_context():
        with unit_of_work():
            person = db.session.scalar(select(User).filter_by(username="principal-lawyer"))
            person.deputy_id = db.session.scalar(select(User.id).filter_by(username="court-liaison-officer"))
        db.session.remove()
    assert page(client.get("/manage/no-one-can-act")).select_one("#nobody-none") is not None
    deputy = app.test_client()
    sign_in(deputy, "court-liaison-officer")
    assert _my_task_names(deputy) == ["Record the visit / Nobody yet"]


def test_the_command_line_names_a_deputy(app, runner):
    result = runner.invoke(args=["set-deputy", "jarp-co-ordinator", "jarp-chair"])
    assert result.exit_code == 0, result.output
    assert "jarp-co-ordinator's deputy: jarp-chair." in result.output
    with app.app_context():
        person = db.session.scalar(select(User).filter_by(username="jarp-co-ordinator"))
        assert person.deputy.username == "jarp-chair"
        db.session.remove()
    refused = runner.invoke(args=["set-deputy", "jarp-chair", "jarp-chair"])
    assert refused.exit_code != 0 and "cannot be their own deputy" in refused.output


def test_the_command_line_adds_the_first_system_administrator(app, runner):
    result = runner.invoke(args=["add-person", "admin-1", "--name", "Alex Admin", "--post", "System administrator",
                                 "--email", "alex.admin@council.example"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).filter_by(username="admin-1")).post == "System administrator"
        db.session.remove()
    refused = runner.invoke(args=["add-person", "admin-2", "--name", "X", "--post", "Wizard", "--email", "nope"])
    assert refused.exit_code != 0 and "post:" in refused.output and "email:" in refused.output
