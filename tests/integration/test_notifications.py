"""People are told of their work (issue 13 §1): through the outbox, by the
real worker process, to a real SMTP server, GOV.UK Notify's client, and in
the app."""
import json
import signal
from collections import Counter
from datetime import datetime

import freezegun
from sqlalchemy import event, func, select

from engine import mail, notifier, runtime, specs
from engine.db import db
from engine.models import Case, MailAttempt, MailMessage, Notification, OutboxEvent, User
from engine.transaction import unit_of_work
from processes import clock

from ..conftest import error_summary, page, sign_in, text
from .mail_steps import ROOT, NotifyServer, SmtpServer, worker, worker_once

VISIT = ROOT / "tests" / "data" / "home_visit.bpmn"
# the visit's form (home_visit.bpmn names it by this file name)
FORMS = {"jarp_decision_received.schema.json": json.loads(
    (ROOT / "tests" / "data" / "visit_record.schema.json").read_text())}
SOCIAL_WORKER = "social-worker"   # CIN Unit 1, as is case CIN-0001
ADDRESS = "social-worker@example.org"


def _start_visits(app, count=1, username="consultant-social-worker"):
    """Start `count` home visits on CIN-0001: each makes a Social Worker task ready."""
    with app.app_context():
        with unit_of_work():
            specs.deploy(VISIT.read_bytes(), VISIT.name, forms=FORMS)
        case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
        starter = db.session.scalar(select(User).filter_by(username=username))
        ids = []
        for _ in range(count):
            with unit_of_work():
                instance = runtime.start_instance("home_visit", case, starter)
            ids.append(instance.id)
        db.session.remove()
        return ids


def _count(app, model, *where):
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(model).where(*where))
        finally:
            db.session.remove()


def test_a_ready_task_is_e_mailed_by_the_worker_and_shown_in_the_app(app, client, database_url):
    _start_visits(app)
    with SmtpServer() as smtp:
        output = worker_once(database_url, CASEFLOW_SMTP_URL=smtp.url,
                             CASEFLOW_BASE_URL="https://caseflow.council.example")
        messages = smtp.inbox.to(ADDRESS)
    assert "told 1" in output and "sent" in output, output
    assert len(messages) == 1
    message = messages[0]
    assert message["Subject"] == "Task ready: Record the visit (case CIN-0001)"
    assert message["From"] == "caseflow@council.example"
    body = message.get_content()
    assert "Case reference: CIN-0001" in body
    assert "https://caseflow.council.example/tasks/" in body
    assert "Amira" not in body and "Khan" not in body and "Amira" not in message["Subject"]
    # the CSW who started it is not a Social Worker: not told
    assert smtp.inbox.to("consultant-social-worker@example.org") == []

    sign_in(client, SOCIAL_WORKER)
    tasks = page(client.get("/"))
    assert tasks.select_one("#unread-count").get_text(strip=True) == "1"
    listing = page(client.get("/notifications/"))
    link = listing.select_one("#notifications a")
    assert link.get_text(strip=True) == "Task ready: Record the visit (case CIN-0001)"
    opened = client.get(link["href"])
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/tasks/")
    assert page(client.get("/")).select_one("#unread-count") is None


def test_without_a_transport_people_are_told_in_the_app_only(app, client, database_url):
    _start_visits(app)
    output = worker_once(database_url)
    assert "e-mail off (in the app only)" in output
    assert _count(app, MailMessage) == 0
    sign_in(client, SOCIAL_WORKER)
    assert "Task ready: Record the visit (case CIN-0001)" in text(client.get("/notifications/"))


def test_nothing_is_told_of_a_rolled_back_action(app, database_url):
    with app.app_context():
        with unit_of_work():
            specs.deploy(VISIT.read_bytes(), VISIT.name, forms=FORMS)
        case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
        starter = db.session.scalar(select(User).filter_by(username="consultant-social-worker"))
        try:
            with unit_of_work():
                runtime.start_instance("home_visit", case, starter)
                raise RuntimeError("the action failed after starting")
        except RuntimeError:
            pass
        db.session.remove()
    with SmtpServer() as smtp:
        worker_once(database_url, CASEFLOW_SMTP_URL=smtp.url)
        assert smtp.inbox.messages == []
    assert _count(app, OutboxEvent) == 0 and _count(app, Notification) == 0


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(app, database_url):
    _start_visits(app, count=12)
    with SmtpServer() as smtp:
        smtp.inbox.hold_at = 5          # the worker is killed while the 5th message is being sent
        first = worker(database_url, "--interval", "0.2", CASEFLOW_SMTP_URL=smtp.url,
                       CASEFLOW_MAIL_LEASE_SECONDS="1")
        try:
            assert smtp.inbox.holding.wait(30), "the worker never reached the 5th message"
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            smtp.inbox.release.set()
        assert len(smtp.inbox.messages) == 4
        # a second worker takes over when the killed one's lease on its message ends
        import time
        time.sleep(1.2)
        worker_once(database_url, CASEFLOW_SMTP_URL=smtp.url, CASEFLOW_MAIL_LEASE_SECONDS="1")
        ids = Counter(m["Message-ID"] for m in smtp.inbox.messages)
    assert len(ids) == 12 and set(ids.values()) == {1}
    assert _count(app, MailMessage, MailMessage.status == "sent") == 12
    assert _count(app, MailAttempt, MailAttempt.ok.is_(True)) == 12


def test_a_failed_send_is_kept_recorded_and_retried_later(app, database_url):
    _start_visits(app)
    with SmtpServer() as smtp:
        dead_port = smtp.port
    worker_once(database_url, CASEFLOW_SMTP_URL=f"smtp://127.0.0.1:{dead_port}")
    with app.app_context():
        message = db.session.scalars(select(MailMessage)).one()
        attempt = db.session.scalars(select(MailAttempt)).one()
        assert message.status == "pending" and message.attempts == 1
        assert attempt.ok is False and "Connection refused" in attempt.error
        wait = (message.next_attempt_at - attempt.at).total_seconds()
        assert 55 <= wait <= 65   # tried again a minute later, then 2, 4 … minutes
        db.session.remove()


def test_gov_uk_notify_gets_each_message_through_its_client(app, database_url):
    _start_visits(app)
    key = "caseflow_test-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"
    template = "f33517ff-2a88-4f6e-b855-c550268ce08a"
    with NotifyServer() as notify:
        worker_once(database_url, CASEFLOW_NOTIFY_API_KEY=key, CASEFLOW_NOTIFY_TEMPLATE_ID=template,
                    CASEFLOW_NOTIFY_BASE_URL=notify.url)
    assert len(notify.requests) == 1
    sent = notify.requests[0]
    assert sent["path"] == "/v2/notifications/email"
    assert sent["auth"].startswith("Bearer ")
    assert sent["body"]["email_address"] == ADDRESS
    assert sent["body"]["template_id"] == template
    assert sent["body"]["personalisation"]["subject"] == "Task ready: Record the visit (case CIN-0001)"
    assert "Amira" not in sent["body"]["personalisation"]["body"]
    assert _count(app, MailMessage, MailMessage.status == "sent") == 1


def test_the_digest_goes_at_half_past_eight_on_working_days_once(app, client):
    sign_in(client, SOCIAL_WORKER)
    form = {kind: "digest" for kind in ("task_ready", "task_assigned", "decision", "task_due",
                                        "team_overdue", "jarp_agenda")}
    assert client.post("/notifications/settings", data=form).status_code == 302
    with SmtpServer() as smtp, app.app_context():
        transport = mail.transport({"CASEFLOW_SMTP_URL": smtp.url, "CASEFLOW_MAIL_FROM": "caseflow@council.example"})
        with freezegun.freeze_time(datetime(2026, 12, 4, 8, 30, tzinfo=clock.LONDON)):
            notifier.run_jobs(transport)   # Friday's digest: nothing waiting yet
        # Friday 4 December 2026, 17:00: two visits become ready
        with freezegun.freeze_time(datetime(2026, 12, 4, 17, 0, tzinfo=clock.LONDON)):
            _start_visits(app, count=2)
        for moment in (datetime(2026, 12, 4, 17, 1), datetime(2026, 12, 5, 9, 0),   # Friday evening, Saturday
                       datetime(2026, 12, 7, 8, 29)):                              # Monday before 8:30
            with freezegun.freeze_time(moment.replace(tzinfo=clock.LONDON)):
                notifier.run_jobs(transport)
        assert smtp.inbox.to(ADDRESS) == []
        for moment in (datetime(2026, 12, 7, 8, 30), datetime(2026, 12, 7, 12, 0)):
            with freezegun.freeze_time(moment.replace(tzinfo=clock.LONDON)):
                notifier.run_jobs(transport)
        digests = smtp.inbox.to(ADDRESS)
        db.session.remove()
    assert len(digests) == 1
    assert digests[0]["Subject"] == "caseflow: 2 things for you today"
    assert digests[0].get_content().count("Task ready: Record the visit (case CIN-0001)") == 2


def test_choosing_in_the_app_only_sends_no_e_mail(app, client, database_url):
    sign_in(client, SOCIAL_WORKER)
    chosen = page(client.get("/notifications/settings"))
    assert chosen.select_one("input[name=task_ready][value=now]").has_attr("checked")
    assert chosen.select_one("input[name=task_due][value=digest]").has_attr("checked")
    # every unanswered kind is reported at once, and what was chosen is kept
    refused = client.post("/notifications/settings", data={"task_ready": "app"})
    assert refused.status_code == 400
    assert len(error_summary(refused)) == 5
    assert page(refused).select_one("input[name=task_ready][value=app]").has_attr("checked")
    form = {kind: "app" for kind in ("task_ready", "task_assigned", "decision", "task_due",
                                     "team_overdue", "jarp_agenda")}
    assert client.post("/notifications/settings", data=form).status_code == 302
    _start_visits(app)
    with SmtpServer() as smtp:
        worker_once(database_url, CASEFLOW_SMTP_URL=smtp.url)
        assert smtp.inbox.messages == []
    assert "Task ready: Record the visit" in text(client.get("/notifications/"))


def test_a_person_opens_only_their_own_notifications(app, client, database_url):
    _start_visits(app)
    worker_once(database_url)
    with app.app_context():
        mine = db.session.scalars(select(Notification)).one()
        db.session.remove()
    sign_in(client, "consultant-social-worker")
    assert client.get(f"/notifications/{mine.id}").status_code == 404


def start_visit_variant(app, process_id: str, *changes: tuple[str, str]):
    """The home visit deployed as `process_id` with these text changes, started on CIN-0001."""
    xml = VISIT.read_text().replace('id="home_visit"', f'id="{process_id}"').replace(
        'processRef="home_visit"', f'processRef="{process_id}"')
    for old, new in changes:
        xml = xml.replace(old, new, 1)
    with app.app_context():
        with unit_of_work():
            specs.deploy(xml.encode(), f"{process_id}.bpmn", forms=FORMS)
            case = db.session.scalar(select(Case).filter_by(reference="CIN-0001"))
            runtime.start_instance(process_id, case, db.session.scalar(
                select(User).filter_by(username="consultant-social-worker")))
        db.session.remove()


def _deploy_visit_due_in(app, working_days: int):
    """The home visit with its task due in `working_days` (process due_visit)."""
    key = '<spiffworkflow:property name="formDataKey" value="visit" />'
    start_visit_variant(app, "due_visit", (key, key + f'<spiffworkflow:property name="dueWorkingDays" '
                                                f'value="{working_days}" />'))


def _subjects(app, username):
    with app.app_context():
        try:
            return [n.subject for n in db.session.scalars(
                select(Notification).join(User, User.id == Notification.user_id)
                .where(User.username == username).order_by(Notification.id))]
        finally:
            db.session.remove()


def _run_jobs_at(app, *moments):
    with app.app_context():
        for moment in moments:
            with freezegun.freeze_time(moment.replace(tzinfo=clock.LONDON)):
                notifier.run_jobs(None)
        db.session.remove()


def test_reminders_the_day_before_when_overdue_and_to_managers_two_working_days_late(app, client):
    with freezegun.freeze_time(datetime(2026, 12, 3, 10, 0, tzinfo=clock.LONDON)):   # Thursday
        _deploy_visit_due_in(app, 2)                                                  # due Monday 7th, 17:00
    _run_jobs_at(app, datetime(2026, 12, 3, 10, 5))
    assert _subjects(app, SOCIAL_WORKER) == ["Task ready: Record the visit (case CIN-0001)"]
    _run_jobs_at(app, datetime(2026, 12, 4, 8, 0), datetime(2026, 12, 4, 9, 0))       # Friday: due next working day
    assert _subjects(app, SOCIAL_WORKER)[1:] == ["Due tomorrow: Record the visit"]
    _run_jobs_at(app, datetime(2026, 12, 7, 8, 0))                                    # Monday: due today, nothing new
    _run_jobs_at(app, datetime(2026, 12, 8, 8, 0), datetime(2026, 12, 8, 12, 0))      # Tuesday: overdue, told once
    assert _subjects(app, SOCIAL_WORKER)[2:] == ["Overdue: Record the visit"]
    assert _subjects(app, "group-manager") == []
    _run_jobs_at(app, datetime(2026, 12, 9, 8, 0))                                    # Wednesday: 2 working days late
    assert _subjects(app, "group-manager") == ["Overdue by 2 working days: Record the visit"]
    assert _subjects(app, "head-of-service") == ["Overdue by 2 working days: Record the visit"]
    assert _subjects(app, "group-manager-lac") == []                                  # another service's manager
    assert _subjects(app, SOCIAL_WORKER)[3:] == []
    sign_in(client, "group-manager")
    assert "Overdue by 2 working days: Record the visit" in text(client.get("/notifications/"))


def test_two_workers_starting_the_first_reminders_at_once_tell_each_person_once(app):
    """The first run of a daily job: neither worker finds its mark; the
    database lets one insert it, and the other neither fails nor runs it."""
    import threading
    import time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    with freezegun.freeze_time(datetime(2026, 12, 3, 10, 0, tzinfo=clock.LONDON)):   # Thursday
        _deploy_visit_due_in(app, 1)                                                  # due Friday: due tomorrow
    first_holds = threading.Event()

    def hold_the_first_claim(session):   # the first worker's claim waits to commit: the second claims meanwhile
        if threading.current_thread().name == "first" and not first_holds.is_set():
            first_holds.set()
            time.sleep(0.5)

    told, failed = {}, []

    def worker_round(name):
        try:
            with app.app_context():
                told[name] = notifier.reminders(clock.now(), False)
                db.session.remove()
        except Exception as exc:  # what the worker would log as a failed job
            failed.append(exc)

    event.listen(Session, "before_commit", hold_the_first_claim)
    try:
        with freezegun.freeze_time(datetime(2026, 12, 3, 10, 30, tzinfo=clock.LONDON)):
            first = threading.Thread(target=worker_round, args=("first",), name="first")
            first.start()
            assert first_holds.wait(10)
            second = threading.Thread(target=worker_round, args=("second",), name="second")
            second.start()
            first.join(20)
            second.join(20)
    finally:
        event.remove(Session, "before_commit", hold_the_first_claim)
    assert failed == []
    assert sorted(told.values()) == [0, 1]   # one worker told the social worker; the other did nothing
    assert [s for s in _subjects(app, SOCIAL_WORKER) if s.startswith("Due tomorrow")] == [
        "Due tomorrow: Record the visit"]


def test_jarp_members_are_told_of_tuesdays_agenda_on_friday_afternoon(app, client):
    from .jarp_steps import referral_by_social_worker
    with freezegun.freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=clock.LONDON)):
        referral_by_social_worker(client, app)
    _run_jobs_at(app, datetime(2026, 11, 20, 13, 59))
    assert [s for s in _subjects(app, "jarp-chair") if "agenda" in s] == []
    _run_jobs_at(app, datetime(2026, 11, 20, 14, 0), datetime(2026, 11, 20, 16, 0))
    expected = ["JARP agenda for Tuesday 24 November 2026"]
    for member in ("jarp-chair", "jarp-co-ordinator", "agency-representative"):
        assert [s for s in _subjects(app, member) if "agenda" in s] == expected, member
    assert [s for s in _subjects(app, SOCIAL_WORKER) if "agenda" in s] == []


def test_managers_see_e_mail_that_has_failed_for_a_day(app, client, database_url):
    with freezegun.freeze_time(datetime(2026, 12, 1, 9, 0, tzinfo=clock.LONDON)):
        _start_visits(app)
    with SmtpServer() as smtp:
        dead = f"smtp://127.0.0.1:{smtp.port}"
    with app.app_context():
        transport = mail.transport({"CASEFLOW_SMTP_URL": dead})
        with freezegun.freeze_time(datetime(2026, 12, 1, 9, 1, tzinfo=clock.LONDON)):
            notifier.run_jobs(transport)
        db.session.remove()
    sign_in(client, "group-manager")
    with freezegun.freeze_time(datetime(2026, 12, 1, 10, 0, tzinfo=clock.LONDON)):   # not yet a day
        assert page(client.get("/manage/")).select_one("#failing-mail") is None
    with freezegun.freeze_time(datetime(2026, 12, 2, 9, 30, tzinfo=clock.LONDON)):
        warning = page(client.get("/manage/")).select_one("#failing-mail")
    assert warning is not None
    said = warning.get_text(" ", strip=True)
    assert "1 e-mail has not been delivered for more than 24 hours" in said
    assert "social-worker@example.org" in said and "Connection refused" in said


def test_the_unit_is_told_of_a_decision_about_its_case_in_words(app, client):
    from .jarp_steps import ALLOCATE_TIER3, complete_as, referral_by_social_worker
    with freezegun.freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=clock.LONDON)):
        referral_by_social_worker(client, app)
    with freezegun.freeze_time(datetime(2026, 11, 24, 11, 0, tzinfo=clock.LONDON)):   # at the Tuesday meeting
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
    with app.app_context():
        notifier.fan_out(by_mail=False)
        db.session.remove()
    told = "Decision made: Record JARP decision (case CIN-0001)"
    for member in (SOCIAL_WORKER, "consultant-social-worker"):          # CIN Unit 1, the case's unit
        assert told in _subjects(app, member), member
    assert told not in _subjects(app, "csw-lac")                         # another unit
    assert told not in _subjects(app, "jarp-co-ordinator")               # who decided
    with app.app_context():
        body = db.session.scalar(select(Notification.body).where(Notification.subject == told))
        db.session.remove()
    assert "Record JARP decision: Services agreed and agencies to allocate them." in body
    assert "allocate." not in body.split("Services agreed")[0]          # the words, not the code


def test_a_decision_reaches_the_unit_by_e_mail_through_the_worker_process(app, client, database_url):
    from .jarp_steps import ALLOCATE_TIER3, complete_as, referral_by_social_worker
    with freezegun.freeze_time(datetime(2026, 11, 20, 10, 0, tzinfo=clock.LONDON)):
        referral_by_social_worker(client, app)
    with freezegun.freeze_time(datetime(2026, 11, 24, 11, 0, tzinfo=clock.LONDON)):   # at the Tuesday meeting
        complete_as(client, "jarp-co-ordinator", app, "Task_record_decision", ALLOCATE_TIER3)
    with SmtpServer() as smtp:
        worker_once(database_url, CASEFLOW_SMTP_URL=smtp.url)
        told = [m for m in smtp.inbox.to("consultant-social-worker@example.org")
                if m["Subject"] == "Decision made: Record JARP decision (case CIN-0001)"]
    assert len(told) == 1
    body = told[0].get_content()
    assert "Services agreed and agencies to allocate them" in body and "Amira" not in body


def test_on_sqlite_the_worker_tells_in_short_transactions_so_requests_do_not_wait(app, database_url):
    """SQLite has one write lock: the worker tells its events in chunks, a
    commit after each (a request that writes waits for one chunk at most,
    not for all 200, some 140 ms); on PostgreSQL, in one transaction.
    Every event is told once either way."""
    _start_visits(app, count=25)
    commits = []
    with app.app_context():
        @event.listens_for(db.engine, "commit")
        def counted(connection):
            commits.append(connection)

        try:
            assert notifier.fan_out(by_mail=False) == 25
        finally:
            event.remove(db.engine, "commit", counted)
        db.session.remove()
    if database_url.startswith("sqlite"):
        assert len(commits) == 3, commits            # 10 + 10 + 5
    else:
        assert len(commits) == 1, commits
    assert _count(app, OutboxEvent, OutboxEvent.processed_at.is_(None)) == 0
    assert _count(app, Notification) >= 25         # each ready task told to whoever can act on it
