"""The worker's notification jobs (issue 13): outbox events into
notifications and e-mails, the due-date reminders, Friday's JARP agenda,
the daily digests, and delivery.

Several workers may run them at once: outbox events and e-mails are claimed
with FOR UPDATE SKIP LOCKED on PostgreSQL (on SQLite, the write lock is
taken first); a person is told of one thing once (unique user and `about`);
a daily job runs once, claimed by a conditional UPDATE of its mark.  An
e-mail is claimed for a lease before it is sent, and marked sent after:
a worker killed in between leaves it to be sent again when the lease ends
(never lost; the same Message-ID lets a mail server drop the copy)."""
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from processes import calendar, clock, notifications as rules, posts

from . import authz, cover, mail, sqlite_write_lock
from .db import db
from .models import (AgendaItem, Case, MailAttempt, MailMessage, Notification, NotificationPreference,
                     OutboxEvent, Task, User, WorkerMark)
from .timeutil import from_db, to_db, utcnow
from .transaction import unit_of_work

log = logging.getLogger("caseflow.worker")
BATCH = 200
REMINDERS_AT = datetime.min.time().replace(hour=8)  # before the 8:30 digest, so it carries them


def run_jobs(transport=None) -> dict:
    """One round of every job; returns what each did (for the worker's log)."""
    done = {"told": fan_out(transport is not None)}
    now = clock.now()
    done["reminders"] = reminders(now, transport is not None)
    done["agenda"] = jarp_agenda(now, transport is not None)
    done["digests"] = digests(now) if transport is not None else 0
    done["sent"] = deliver(transport) if transport is not None else 0
    return done


# ---------------------------------------------------------------- telling

# SQLite has one write lock, held by the worker from its read of the events
# to its commit: a batch of 200 (about 0.7 ms an event) kept every request
# that wrote waiting up to 140 ms behind it.  There the events are told in
# chunks, a transaction each, so a request waits for one chunk at most.  (On
# PostgreSQL the worker locks only the events it claims: one transaction.)
SQLITE_CHUNK = 10


def fan_out(by_mail: bool, limit: int = BATCH) -> int:
    """Outbox events (oldest first) into notifications, up to `limit`: one
    transaction a batch (a chunk of SQLITE_CHUNK on SQLite); how many."""
    chunk = SQLITE_CHUNK if db.engine.dialect.name == "sqlite" else limit
    told = 0
    while told < limit:
        size = min(chunk, limit - told)
        done = _fan_out_batch(by_mail, size)
        told += done
        if done < size:
            break
    return told


def _fan_out_batch(by_mail: bool, limit: int) -> int:
    with unit_of_work():
        _take_write_lock()
        events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
                                    .order_by(OutboxEvent.id).limit(limit)
                                    .with_for_update(skip_locked=True)).all()
        teller = _Teller(by_mail)
        for event in events:
            for user, message, path in _event_messages(event):
                teller.tell(user, event.kind, f"event:{event.id}", message, path, event.case_id)
            event.processed_at = utcnow()
        teller.flush()
    return len(events)


def _event_messages(event: OutboxEvent):
    if event.kind == rules.TASK_READY:
        task = db.session.get(Task, event.task_id)
        if task is None or task.state != "ready":
            return  # done (or cancelled) before anyone was told
        path = f"/tasks/{task.id}"
        message = rules.task_ready(task.name, _reference(task.case_id), _due(task), _url(path))
        for user in _can_act(task):
            yield user, message, path
    elif event.kind == rules.TASK_ASSIGNED:
        detail = event.detail or {}
        task, user = db.session.get(Task, event.task_id), db.session.get(User, detail.get("to_id"))
        if task is not None and user is not None and user.active:
            path = f"/tasks/{task.id}"
            yield user, rules.task_assigned(task.name, _reference(task.case_id), _due(task), _url(path),
                                            bool(detail.get("given")), detail.get("by", "A manager")), path
    elif event.kind == rules.DECISION:
        detail = event.detail or {}
        case = db.session.get(Case, event.case_id) if event.case_id else None
        units = detail.get("units") or ([case.unit_id] if case else [])
        path = f"/cases/{case.id}" if case else "/"
        message = rules.decision(detail.get("what", "A decision"), detail.get("outcome"),
                                 case.reference if case else None, _url(path))
        for user in db.session.scalars(select(User).where(User.unit_id.in_(units), User.active.is_(True))):
            if user.id != event.actor_id:
                yield user, message, path


def _can_act(task: Task):
    """Whose task it is: the assignee, or the holders of its post in its reach
    (not every higher post: the AD is not told of each Social Worker's task)."""
    if task.assigned_to_id is not None:
        user = db.session.get(User, task.assigned_to_id)
        return [user] if user is not None and user.active else []
    people = db.session.scalars(select(User).where(User.post == task.post, User.active.is_(True)))
    return [u for u in people if authz.can_act_on(u, task)]


class _Teller:
    """Writes notifications (and e-mails sent at once) for one transaction."""

    def __init__(self, by_mail: bool):
        self.by_mail = by_mail
        self.choices: dict[int, dict[str, str]] = {}
        self.pending: list[tuple[User, Notification]] = []

    def _choice(self, user: User, kind: str) -> str:
        if user.id not in self.choices:
            self.choices[user.id] = dict(db.session.execute(
                select(NotificationPreference.kind, NotificationPreference.delivery)
                .where(NotificationPreference.user_id == user.id)).all())
        return rules.delivery_for(kind, self.choices[user.id])

    def tell(self, user: User, kind: str, about: str, message: rules.Message, path: str, case_id) -> None:
        absence = cover.away(user.id)
        if absence is not None and (covering := cover.cover_for(absence)) is not None:
            # away: their cover is told instead (issue 13 §3)
            message = rules.Message(f"For {user.name}: {message.subject}", message.body)
            user = covering
        exists = db.session.scalar(select(Notification.id).where(Notification.user_id == user.id,
                                                                 Notification.about == about))
        if exists is not None:
            return  # told already (a worker that died after telling, before marking its event)
        note = Notification(user_id=user.id, kind=kind, about=about, subject=message.subject[:200],
                            body=message.body, link=path, case_id=case_id,
                            delivery=self._choice(user, kind), created_at=utcnow())
        db.session.add(note)
        self.pending.append((user, note))

    def flush(self) -> None:
        db.session.flush()
        for user, note in self.pending:
            if self.by_mail and note.delivery == rules.NOW and user.email:
                message = MailMessage(user_id=user.id, to_address=user.email, subject=note.subject,
                                      body=note.body, kind=note.kind, about=f"n:{note.id}",
                                      next_attempt_at=utcnow(), created_at=utcnow())
                db.session.add(message)
                db.session.flush()
                note.mail_id = message.id
        self.pending = []


# ---------------------------------------------------------------- scheduled jobs

def reminders(now: datetime, by_mail: bool) -> int:
    """Once a working day from 8am: tasks due tomorrow, overdue, and (for
    managers) overdue by 2 working days."""
    local = clock.as_london(now)
    if not calendar.is_working_day(local) or local.time() < REMINDERS_AT or \
            not _claim_daily("reminders", local.date()):
        return 0
    tomorrow = calendar.add_working_days(local.date(), 1)
    limit = to_db(datetime.combine(tomorrow, datetime.max.time(), tzinfo=clock.LONDON))
    count = 0
    with unit_of_work():
        teller = _Teller(by_mail)
        for task in db.session.scalars(select(Task).where(Task.state == "ready", Task.due_at.is_not(None),
                                                          Task.due_at <= limit)):
            due = from_db(task.due_at)
            path = f"/tasks/{task.id}"
            reference = _reference(task.case_id)
            late = rules.overdue_by(due, now)
            if rules.due_tomorrow(due, now) or late:
                about = f"overdue:{task.id}" if late else f"due:{task.id}:{clock.as_date(due)}"
                message = rules.task_due(task.name, reference, due, _url(path), overdue=bool(late))
                for user in _can_act(task):
                    teller.tell(user, rules.TASK_DUE, about, message, path, task.case_id)
                    count += 1
            if late >= rules.TEAM_OVERDUE_WORKING_DAYS:
                message = rules.team_overdue(task.name, reference, due, _url(path), late)
                for user in _managers_over(task):
                    teller.tell(user, rules.TEAM_OVERDUE, f"team_overdue:{task.id}", message, path, task.case_id)
                    count += 1
        teller.flush()
    return count


def _managers_over(task: Task):
    people = db.session.scalars(select(User).where(User.post.in_(posts.MANAGERS), User.active.is_(True)))
    return [u for u in people if authz.within(u, task.service, task.unit_id)]


JARP_MEMBERS = ("JARP Co-ordinator", "JARP Chair", "Agency Representative")


def jarp_agenda(now: datetime, by_mail: bool) -> int:
    """Friday 2pm: the members are told of Tuesday's agenda (Panels §6,
    Appendix A step 2: distributed to members the same day)."""
    local = clock.as_london(now)
    if local.weekday() != 4 or local.time() < rules.JARP_AGENDA_AT or \
            not _claim_daily("jarp_agenda", local.date()):
        return 0
    sitting = db.session.scalar(select(AgendaItem.sitting).where(
        AgendaItem.meeting == "JARP", AgendaItem.sitting > local.date())
        .order_by(AgendaItem.sitting).limit(1))
    if sitting is None:
        return 0
    listed = db.session.scalar(select(func.count()).select_from(AgendaItem).where(
        AgendaItem.meeting == "JARP", AgendaItem.sitting == sitting))
    path = f"/agenda/jarp?sitting={sitting.isoformat()}"
    message = rules.jarp_agenda(sitting, listed, _url(path))
    with unit_of_work():
        teller = _Teller(by_mail)
        people = list(db.session.scalars(select(User).where(User.post.in_(JARP_MEMBERS), User.active.is_(True))))
        for user in people:
            teller.tell(user, rules.JARP_AGENDA, f"jarp_agenda:{sitting.isoformat()}", message, path, None)
        teller.flush()
    return len(people)


def digests(now: datetime) -> int:
    """8:30am on working days: each person's waiting digest notifications in one e-mail."""
    local = clock.as_london(now)
    if not rules.digest_due(now, None) or not _claim_daily("digests", local.date()):
        return 0
    made = 0
    with unit_of_work():
        waiting = db.session.execute(
            select(Notification, User).join(User, User.id == Notification.user_id)
            .where(Notification.delivery == rules.DIGEST, Notification.mail_id.is_(None),
                   User.email.is_not(None), User.active.is_(True))
            .order_by(Notification.user_id, Notification.id)).all()
        by_user: dict[int, tuple[User, list[Notification]]] = {}
        for note, user in waiting:
            by_user.setdefault(user.id, (user, []))[1].append(note)
        for user, notes in by_user.values():
            message = rules.digest([(n.subject, _url(n.link)) for n in notes], _url("/notifications"))
            row = MailMessage(user_id=user.id, to_address=user.email, subject=message.subject, body=message.body,
                              kind="digest", about=f"digest:{user.id}:{local.date().isoformat()}",
                              next_attempt_at=utcnow(), created_at=utcnow())
            db.session.add(row)
            db.session.flush()
            for note in notes:
                note.mail_id = row.id
            made += 1
    return made


_DIALECT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _claim_daily(job: str, day) -> bool:
    """True for the one worker that runs `job` for `day` (a conditional UPDATE)."""
    with unit_of_work():
        _take_write_lock()
        stamp = day.isoformat()
        done = db.session.execute(update(WorkerMark).where(WorkerMark.job == job, WorkerMark.done_for < stamp)
                                  .values(done_for=stamp))
        if done.rowcount == 1:
            return True
        # the job's first run: of two workers inserting its mark at once, the
        # primary key lets one in; the other's insert does nothing (it waits
        # for the first to commit, on PostgreSQL), so it does not run the job
        connection = db.session.connection()
        first = _DIALECT_INSERT[connection.dialect.name](WorkerMark.__table__).values(job=job, done_for=stamp)
        # RETURNING: the row inserted, or none (psycopg gives no row count for it)
        return connection.execute(first.on_conflict_do_nothing(index_elements=["job"])
                                  .returning(WorkerMark.__table__.c.job)).first() is not None


# ---------------------------------------------------------------- delivery

def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("CASEFLOW_MAIL_LEASE_SECONDS", 300)))


def deliver(transport, limit: int = BATCH) -> int:
    """Send due e-mails: each claimed for a lease (committed), sent, then its
    outcome recorded; a failure is retried with back-off."""
    sent = 0
    try:
        while sent < limit:
            claimed = _claim_mail(min(20, limit - sent))
            if not claimed:
                break
            for mail_id, to, subject, body, about, attempts in claimed:
                try:
                    transport.send(mail.Outgoing(to=to, subject=subject, body=body, key=about))
                except mail.SendFailed as exc:
                    _record(mail_id, transport.name, attempts, str(exc)[:2000])
                    continue
                _record(mail_id, transport.name, attempts, None)
                sent += 1
    finally:
        transport.close()
    return sent


def _claim_mail(count: int) -> list:
    now = utcnow()
    with unit_of_work():
        _take_write_lock()
        due = (select(MailMessage.id).where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now)
               .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(count)
               .with_for_update(skip_locked=True))
        ids = list(db.session.scalars(due))
        if not ids:
            return []
        db.session.execute(update(MailMessage).where(MailMessage.id.in_(ids))
                           .values(next_attempt_at=now + _lease(), attempts=MailMessage.attempts + 1))
        return db.session.execute(select(MailMessage.id, MailMessage.to_address, MailMessage.subject,
                                         MailMessage.body, MailMessage.about, MailMessage.attempts)
                                  .where(MailMessage.id.in_(ids)).order_by(MailMessage.id)).all()


def _record(mail_id: int, transport: str, attempts: int, error: str | None) -> None:
    now = utcnow()
    with unit_of_work():
        db.session.execute(insert(MailAttempt).values(mail_id=mail_id, at=now, transport=transport,
                                                      ok=error is None, error=error))
        values = (dict(status="sent", sent_at=now, last_error=None) if error is None
                  else dict(next_attempt_at=now + rules.retry_after(attempts), last_error=error))
        db.session.execute(update(MailMessage).where(MailMessage.id == mail_id).values(**values))
    if error:
        log.warning("e-mail %s not sent (attempt %d): %s", mail_id, attempts, error)


def failing(manager: User) -> list[tuple[MailMessage, User]]:
    """E-mails to people in `manager`'s reach still unsent a day after they
    were queued, oldest first (the managers' dashboard)."""
    since = utcnow() - rules.FAILING_AFTER
    rows = db.session.execute(select(MailMessage, User).join(User, User.id == MailMessage.user_id).where(
        MailMessage.status == "pending", MailMessage.attempts > 0, MailMessage.created_at <= since)
        .order_by(MailMessage.created_at).limit(100)).all()
    return [(m, u) for m, u in rows if authz.within(manager, u.service, u.unit_id)]


# ---------------------------------------------------------------- helpers

def _take_write_lock() -> None:
    """SQLite: take the write lock before reading what to claim (pysqlite
    would begin at the first write, letting two workers read the same rows)."""
    sqlite_write_lock.take(db.session.connection())


def _reference(case_id) -> str | None:
    return db.session.scalar(select(Case.reference).where(Case.id == case_id)) if case_id else None


def _due(task: Task):
    return from_db(task.due_at) if task.due_at else None


def _url(path: str) -> str:
    return current_app.config.get("CASEFLOW_BASE_URL", "http://127.0.0.1:5000").rstrip("/") + path
