"""The managers' dashboard: the overdue and stuck rules with frozen time and
working days, scope, filters and paging, the 12-week chart, the CSV export,
the instance page and the Unit Co-ordinator's week."""
import csv
import io
import json
from datetime import date

from freezegun import freeze_time
from sqlalchemy import select

from engine import chart, dashboard, runtime
from engine.db import db
from engine.models import Case, ChartWeek, ProcessInstance, Unit
from engine.transaction import unit_of_work
from processes.calendar import add_working_days

from ..conftest import page, sign_in, text
from .manage_steps import (TIMER_BPMN, complete, deploy, failed_instance, london, open_tasks, start,
                           user)


def summary(app, username="group-manager", **config):
    with app.app_context():
        scope = dashboard.scope_of(user(username))
        r = dashboard.rules(config.get("working_days", 5), config.get("grace", 15))
        return dashboard.summary(scope, r)


def stuck_reasons(app, username="group-manager", reason=None):
    with app.app_context():
        scope = dashboard.scope_of(user(username))
        got = dashboard.stuck_page(scope, dashboard.rules(), dashboard.Filters(reason=reason, sort="since"))
        return {row["instance_id"]: row["reasons"] for row in got.rows}


def overdue_rows(app, username="group-manager", **filters):
    with app.app_context():
        scope = dashboard.scope_of(user(username))
        got = dashboard.overdue_page(scope, dashboard.rules(), dashboard.Filters(**filters))
        return got


# ---------------------------------------------------------------- overdue

def test_a_task_is_overdue_once_past_its_due_time_and_late_by_working_days(app, client):
    deploy(app)
    with freeze_time(london(2026, 11, 20, 10, 0)):             # Friday
        instance_id = start(app)
    [task] = open_tasks(app, instance_id)
    # two working days after Friday: Tuesday 24 November, 17:00 London
    assert task.due_at.isoformat() == "2026-11-24T17:00:00"      # UTC = London in November
    with freeze_time(london(2026, 11, 24, 16, 59)):
        assert summary(app).total.overdue == 0
        assert overdue_rows(app).total == 0
    with freeze_time(london(2026, 11, 24, 17, 1)):
        assert summary(app).total.overdue == 1
        assert overdue_rows(app).total == 1
    with freeze_time(london(2026, 11, 30, 9, 0)):              # Wed, Thu, Fri, Mon
        counts = summary(app)
        assert (counts.total.open, counts.total.overdue) == (1, 1)
        assert counts.by_process["repair_steps"].overdue == 1
        assert counts.by_unit["CIN Unit 1"].overdue == 1
        sign_in(client, "group-manager")
        response = client.get("/manage/overdue")
        assert response.status_code == 200
        row = page(response).select_one("#overdue tbody tr").get_text(" ", strip=True)
        assert "Prepare the figures" in row and "CIN-0001" in row and "Any Social Worker" in row
        assert "4 working days" in row


def test_a_process_deadline_passed_makes_the_instance_overdue(app):
    deploy(app)
    with freeze_time(london(2026, 11, 23, 10, 0)):
        instance_id = start(app)
        with app.app_context(), unit_of_work():
            found = db.session.get(ProcessInstance, instance_id)
            runtime.amend(found, user("group-manager"), {"process_due": "2026-11-24T12:00:00"},
                          "Court asked for it by Tuesday noon")
    with freeze_time(london(2026, 11, 24, 13, 0)):              # the task is due at 17:00 on Wednesday
        assert summary(app).total.overdue == 1
        rows = overdue_rows(app).rows
        assert [(r.kind, r.name) for r in rows] == [("process", "Repair steps (test)")]
        # a post filter leaves out process deadlines: they belong to no post
        assert overdue_rows(app, post="Social Worker").total == 0


def test_overdue_work_is_scoped_to_the_managers_service(app):
    deploy(app)
    with freeze_time(london(2026, 11, 2, 10, 0)):
        start(app, reference="CIN-0001")
        start(app, reference="LAC-0001", username="social-worker-lac")
    with freeze_time(london(2026, 11, 20, 10, 0)):
        assert summary(app, "group-manager").total.overdue == 1          # CIN
        assert summary(app, "group-manager-lac").total.overdue == 1      # LAC
        assert summary(app, "assistant-director").total.overdue == 2     # everything
        assert [r.case_reference for r in overdue_rows(app, "group-manager-lac").rows] == ["LAC-0001"]


def test_filters_sorting_and_paging(app, client):
    deploy(app)
    for day in range(2, 30):                                    # 28 instances through November
        with freeze_time(london(2026, 11, day, 9, 0)):
            start(app)
    with freeze_time(london(2026, 12, 14, 9, 0)):
        all_rows = overdue_rows(app)
        assert (all_rows.total, all_rows.pages, len(all_rows.rows)) == (28, 2, 25)
        dues = [r.due_at for r in all_rows.rows]
        assert dues == sorted(dues)                                        # most late first
        second_page = overdue_rows(app, page=2).rows
        assert len(second_page) == 3 and second_page[0].due_at >= dues[-1]
        newest = overdue_rows(app, sort="due", descending=True).rows[0].due_at
        assert newest == second_page[-1].due_at == max(dues + [r.due_at for r in second_page])
        assert overdue_rows(app, min_age_days=30).total == 13             # opened 2-14 Nov, 09:00
        due = [add_working_days(date(2026, 11, day), 2) for day in range(2, 30)]
        expected = sum(date(2026, 11, 10) <= d <= date(2026, 11, 12) for d in due)
        assert expected == 5                                               # Fri 6 to Tue 10 November
        assert overdue_rows(app, due_from=date(2026, 11, 10), due_to=date(2026, 11, 12)).total == expected
        assert overdue_rows(app, process="jarp_referral").total == 0
        assert overdue_rows(app, post="Social Worker").total == 28

        sign_in(client, "group-manager")
        second = client.get("/manage/overdue?sort=due&dir=desc&page=2")
        assert second.status_code == 200
        assert len(page(second).select("#overdue tbody tr")) == 3
        assert "28 overdue items" in text(second)
        bad = client.get("/manage/overdue?age=soon")
        assert bad.status_code == 400
        assert "Age must be a whole number from 0 to 36500" in text(bad)
        # numbers past what dates and ids can hold are refused, not a server error
        for query in ("age=99999999999999", "unit=99999999999999999999", "page=99999999999999999999"):
            too_big = client.get(f"/manage/overdue?{query}")
            assert too_big.status_code == 400, query
            assert page(too_big).select_one(".govuk-error-summary") is not None


# ---------------------------------------------------------------- stuck

def test_failed_step_is_stuck_with_its_error(app, client):
    deploy(app)
    instance_id = failed_instance(app)
    assert stuck_reasons(app) == {instance_id: ["error"]}
    assert summary(app).by_process["repair_steps"].stuck == 1
    sign_in(client, "head-of-service")
    body = text(client.get("/manage/stuck"))
    assert "Failed step" in body and "NameError" in body


def test_no_progress_counts_working_days_not_bank_holidays(app):
    deploy(app)
    with freeze_time(london(2026, 12, 23, 11, 0)):             # Wednesday before Christmas
        instance_id = start(app)
    # working days after it: Thu 24 Dec, Tue 29, Wed 30, Thu 31 Dec (Christmas Day,
    # the Boxing Day substitute Mon 28 and New Year's Day do not count), Mon 4 Jan
    for moment, stuck in ((london(2026, 12, 31, 18, 0), False), (london(2027, 1, 1, 12, 0), False),
                          (london(2027, 1, 3, 12, 0), False), (london(2027, 1, 4, 8, 0), True)):
        with freeze_time(moment):
            assert (instance_id in stuck_reasons(app)) is stuck, moment
    with freeze_time(london(2027, 1, 4, 8, 0)):
        assert stuck_reasons(app)[instance_id] == ["idle"]
        # configurable: after 2 working days it was stuck on 29 December
    with freeze_time(london(2026, 12, 29, 9, 0)):
        assert summary(app, working_days=2).total.stuck == 1
        assert summary(app, working_days=3).total.stuck == 0


def test_a_timer_that_should_have_fired_is_stuck_but_not_when_suspended(app):
    deploy(app, TIMER_BPMN)
    with freeze_time(london(2026, 11, 23, 10, 0)):
        instance_id = start(app, process="timer_then_task")
    with freeze_time(london(2026, 11, 23, 10, 10)):            # within the 15 minutes' grace
        assert stuck_reasons(app) == {}
    with freeze_time(london(2026, 11, 23, 10, 20)):            # the worker should have fired it
        assert stuck_reasons(app) == {instance_id: ["timer"]}
        with app.app_context(), unit_of_work():
            db.session.get(ProcessInstance, instance_id).status = "suspended"
        assert stuck_reasons(app) == {}


def test_waiting_for_a_timer_not_yet_due_is_not_stuck(app):
    deploy(app, TIMER_BPMN, TIMER_BPMN.read_bytes().replace(b'"PT1S"', b'"P30D"'))
    with freeze_time(london(2026, 11, 2, 10, 0)):
        start(app, process="timer_then_task")
    with freeze_time(london(2026, 11, 20, 10, 0)):             # 14 working days later
        assert stuck_reasons(app) == {}
        assert summary(app).total.open == 1


# ---------------------------------------------------------------- pages, chart, CSV

def test_dashboard_counts_and_twelve_week_chart(app, client):
    deploy(app)
    with freeze_time(london(2026, 11, 2, 10, 0)):              # Monday
        first = start(app)
        start(app)
        complete(app, first, "Task_prepare", "social-worker", {"count": 2})
        complete(app, first, "Task_check", "consultant-social-worker", {})
    with freeze_time(london(2026, 11, 20, 10, 0)):
        failed_instance(app)
        with app.app_context():
            weeks = chart.chart(dashboard.Scope(everything=True), dashboard.rules())["repair_steps"]
        assert len(weeks) == 12 and weeks[-1].starts.isoformat() == "2026-11-16"
        assert [w.started for w in weeks[-3:]] == [2, 0, 1]
        assert [w.completed for w in weeks[-3:]] == [1, 0, 0]
        sign_in(client, "group-manager")
        response = client.get("/manage/")
        assert response.status_code == 200
        soup = page(response)
        row = soup.select_one("#by-process tbody tr").get_text(" ", strip=True)
        assert row == "Repair steps (test) 2 1 2"                  # open, overdue, stuck
        unit_row = soup.select_one("#by-unit tbody tr")
        assert unit_row.get_text(" ", strip=True) == "CIN Unit 1 2 1 2"
        with app.app_context():
            unit_id = db.session.scalar(select(Unit.id).filter_by(name="CIN Unit 1"))
        assert [a["href"] for a in unit_row.select("a")] == [f"/manage/overdue?unit={unit_id}",
                                                             f"/manage/stuck?unit={unit_id}"]
        assert soup.select_one("svg.caseflow-chart title") is not None
        trend = [r.get_text(" ", strip=True) for r in soup.select("#trend-repair_steps tbody tr")]
        assert trend[-3] == "Monday 2 November 2026 2 1 0 –"


def _charts(app):
    """The chart as the AD, a Group Manager (CIN) and one unit see it."""
    with app.app_context():
        unit_2 = db.session.scalar(select(Unit).filter_by(name="CIN Unit 2")).id
        scopes = (dashboard.Scope(everything=True), dashboard.Scope(service="CIN"), dashboard.Scope(unit_id=unit_2))
        return [chart.chart(s, dashboard.rules()) for s in scopes]


def test_closed_weeks_are_counted_once_and_kept_as_they_were(app, client):
    """The worker counts each closed week once (issue 16): the chart reads the
    same figures from the kept weeks as from the instances, and a case moved
    to another unit later leaves its earlier weeks where they happened."""
    deploy(app)
    with freeze_time(london(2026, 10, 5, 10, 0)):              # a Monday, seven weeks back
        first = start(app)
        late = start(app, reference="CIN-0003")
        with app.app_context(), unit_of_work():
            runtime.amend(db.session.get(ProcessInstance, late), user("group-manager"),
                          {"process_due": "2026-10-07T12:00:00"}, "Court asked for it by Wednesday")
    with freeze_time(london(2026, 10, 14, 10, 0)):
        complete(app, first, "Task_prepare", "social-worker", {"count": 2})
        complete(app, first, "Task_check", "consultant-social-worker", {})
        start(app, reference="CIN-0002")
    with freeze_time(london(2026, 11, 20, 10, 0)):
        failed_instance(app)
        counted = _charts(app)
        everything = counted[0]["repair_steps"]
        assert [w.started for w in everything[-7:]] == [2, 1, 0, 0, 0, 0, 1]
        assert [w.completed for w in everything[-7:]] == [0, 1, 0, 0, 0, 0, 0]
        assert [w.overdue for w in everything[-7:]] == [1, 1, 1, 1, 1, 1, 1]
        assert [w.started for w in counted[2]["repair_steps"][-7:]] == [1, 0, 0, 0, 0, 0, 0]
        with app.app_context():
            assert chart.count_closed_weeks() == 12
            assert chart.count_closed_weeks() == 0                # kept: not counted again
            assert db.session.query(ChartWeek).count() == 12
        assert _charts(app) == counted
        sign_in(client, "assistant-director")
        trend = [r.get_text(" ", strip=True) for r in page(client.get("/manage/")).select(
            "#trend-repair_steps tbody tr")]
        assert trend[-7] == "Monday 5 October 2026 2 0 1 –"
        with app.app_context(), unit_of_work():                # CIN-0003 moves to CIN Unit 1
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0003"))
            case.unit = db.session.scalar(select(Unit).filter_by(name="CIN Unit 1"))
        unit_2 = _charts(app)[2]["repair_steps"]
        assert [w.started for w in unit_2[-7:]] == [1, 0, 0, 0, 0, 0, 0]   # kept where it happened
        assert [w.overdue for w in unit_2[-7:]] == [1, 1, 1, 1, 1, 1, 0]   # this week: counted now


def test_csv_export_of_overdue_work(app, client):
    deploy(app)
    with freeze_time(london(2026, 11, 2, 10, 0)):
        start(app)
        start(app, reference="CIN-0002")
    with freeze_time(london(2026, 11, 9, 10, 0)):
        sign_in(client, "group-manager")
        response = client.get("/manage/overdue.csv?sort=due")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="caseflow-overdue-2026-11-09.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:9] == ["Kind", "What", "Case", "Process", "Unit", "Post", "Whose",
                           "Due (London)", "Working days late"]
    assert sorted(r[2] for r in rows[1:]) == ["CIN-0001", "CIN-0002"]
    assert {(r[1], r[7], r[8]) for r in rows[1:]} == {("Prepare the figures", "2026-11-04 17:00", "3")}
    stuck = client.get("/manage/stuck.csv")
    assert stuck.status_code == 200 and stuck.mimetype == "text/csv"


def test_practitioners_cannot_reach_the_dashboard(app, client):
    deploy(app)
    instance_id = start(app)
    for username in ("social-worker", "consultant-social-worker", "unit-co-ordinator"):
        sign_in(client, username)
        for url in ("/manage/", "/manage/overdue", "/manage/stuck.csv", f"/manage/instances/{instance_id}"):
            assert client.get(url).status_code == 403, (username, url)
        client.post("/sign-out")
    sign_in(client, "group-manager-lac")                        # another service's process
    assert client.get(f"/manage/instances/{instance_id}").status_code == 404


def test_instance_page_shows_the_path_the_failure_and_the_history(app, client):
    deploy(app)
    instance_id = failed_instance(app)
    sign_in(client, "group-manager")
    response = client.get(f"/manage/instances/{instance_id}")
    assert response.status_code == 200
    soup = page(response)
    diagram = json.loads(soup.select_one("#diagram-data").string)
    assert diagram["errored"] == ["Script_compute"]
    assert {"StartEvent_1", "Task_prepare"} <= set(diagram["done"])
    assert 'id="Task_prepare"' in diagram["xml"]
    history = soup.select_one("#history").get_text(" ", strip=True)
    assert "Process started" in history and "Task completed: Prepare the figures" in history
    assert "Step failed" in history
    assert '"case"' in soup.select_one("#current-data").get_text()
    assert soup.select_one("form[action$='/retry']") is not None


def test_heat_counts_open_tasks_and_timers_per_element(app):
    deploy(app)
    first, second = start(app), start(app)
    complete(app, second, "Task_prepare", "social-worker", {"count": 1})
    start(app, reference="LAC-0001", username="social-worker-lac")
    deploy(app, TIMER_BPMN)
    start(app, process="timer_then_task")
    with app.app_context():
        assert dashboard.heat("repair_steps", dashboard.Scope(everything=True)) == {
            "Task_prepare": 2, "Task_check": 1}
        assert dashboard.heat("repair_steps", dashboard.scope_of(user("group-manager"))) == {
            "Task_prepare": 1, "Task_check": 1}
        assert dashboard.heat("timer_then_task", dashboard.scope_of(user("group-manager"))) == {"Timer_wait": 1}
        assert dashboard.heat("timer_then_task", dashboard.scope_of(user("group-manager-lac"))) == {}


def test_unit_coordinator_sees_the_units_week(app, client):
    deploy(app)
    deploy(app, TIMER_BPMN, TIMER_BPMN.read_bytes().replace(b'"PT1S"', b'"P3D"'))
    with freeze_time(london(2026, 11, 16, 10, 0)):
        start(app)                                               # due Wed 18 Nov: late by the 23rd
    with freeze_time(london(2026, 11, 23, 10, 0)):              # Monday
        start(app)                                               # due Wed 25 Nov 17:00
        start(app, process="timer_then_task")                    # reminder Thu 26 Nov 10:00
        start(app, reference="CIN-0003")                         # CIN Unit 2: not this unit
        sign_in(client, "unit-co-ordinator")
        response = client.get("/manage/unit")
        assert response.status_code == 200
        soup = page(response)
        headings = [h.get_text(" ", strip=True) for h in soup.select("h2.caseflow-day")]
        assert headings == ["Already late 1 item", "Wednesday 25 November 1 item",
                            "Thursday 26 November 1 item"]
        body = text(response)
        assert "Act after the timer" not in body                  # the task comes after the timer
        assert "Wait a moment" in body and "reminder from the procedure" in body
        assert "CIN-0003" not in body
        assert "Late 3 working days" in body


def test_an_instance_follows_its_case_to_another_service(app):
    """The instance row keeps its case's service and unit (engine/models.py),
    so a transferred case's processes leave the old manager's dashboard."""
    deploy(app)
    instance_id = start(app)
    with app.app_context():
        assert (db.session.get(ProcessInstance, instance_id).service, summary(app).total.open) == ("CIN", 1)
        with unit_of_work():
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
            case.unit = db.session.scalar(select(Unit).filter_by(name="LAC Unit 1"))
            case.service = "LAC"
        db.session.expire_all()
        found = db.session.get(ProcessInstance, instance_id)
        assert (found.service, found.unit_id) == ("LAC", case.unit_id)
    assert summary(app, "group-manager").total.open == 0
    assert summary(app, "group-manager-lac").by_unit == {"LAC Unit 1": dashboard.Counts(open=1)}
