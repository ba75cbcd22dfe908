"""Tables.  Workflow state is stored once per instance without its spec; the
spec is stored once per definition version.  Tasks, timers and agenda items
are materialised so lists and dashboards never deserialize a workflow."""
from datetime import date, datetime

from sqlalchemy import (
    JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary,
    String, Text, UniqueConstraint, event, false, inspect, select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db
from .timeutil import utcnow

# Ids are INTEGER columns: no row has one above this (URLs and API bodies
# with a larger number are refused before they reach the database).
MAX_ID = 2**31 - 1


class Unit(db.Model):
    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    service: Mapped[str] = mapped_column(String(60), index=True)


class User(db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    post: Mapped[str] = mapped_column(String(80), index=True)
    service: Mapped[str | None] = mapped_column(String(60))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # where notifications are e-mailed (issue 13); none: in the app only
    email: Mapped[str | None] = mapped_column(String(254))
    # who covers this person's work when they are away and the absence names nobody
    # (posts outside the case-decision chain; processes/cover.py)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # the council directory's subject for this person, kept at their first
    # OpenID Connect sign-in (webforms/oidc.py)
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)

    unit: Mapped[Unit | None] = relationship()
    deputy: Mapped["User | None"] = relationship(remote_side=[id], foreign_keys=[deputy_id])


class AuthSession(db.Model):
    """A signed-in browser; the cookie carries only its id, stored here as a SHA-256."""
    __tablename__ = "auth_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))


class ApiToken(db.Model):
    """Only a SHA-256 of the API token is kept; the token is shown once."""
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignInFailure(db.Model):
    """Sign-in attempts, written before the password is compared and counted
    per name and per address for throttling; a success is marked, not counted."""
    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_username_at", "username", "at"),
                      Index("ix_sign_in_failure_address_at", "address", "at"),
                      Index("ix_sign_in_failure_at", "at"))  # pruning
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Case(db.Model):
    __tablename__ = "case_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    child_name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[datetime | None] = mapped_column(Date)
    expected_delivery_date: Mapped[datetime | None] = mapped_column(Date)
    service: Mapped[str] = mapped_column(String(60), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    cp_status: Mapped[bool] = mapped_column(Boolean, default=False)
    lac_status: Mapped[bool] = mapped_column(Boolean, default=False)
    in_court: Mapped[bool] = mapped_column(Boolean, default=False)
    # closed by the post the Matrix names, with its reason (issue 14 §2; engine/case_register.py)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closure_reason: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    # A transfer accepted but not yet at its point of transfer (Case Transfer
    # §3.1-3.4): the receiving unit, and when the case moves. Both units see it.
    pending_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    pending_at: Mapped[datetime | None] = mapped_column(DateTime)
    pending_unit: Mapped[Unit | None] = relationship(foreign_keys=[pending_unit_id])


class ProcessDefinition(db.Model):
    """One deployed version of one BPMN process."""
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_key", "version"),
                      UniqueConstraint("process_key", "content_hash"))
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    # The parsed spec, serialized once for this version (SpiffWorkflow's own
    # spec serializer), with the specs of the processes it calls.
    spec_json: Mapped[dict] = mapped_column(JSON, deferred=True)
    forms: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deployed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)

    deployed_by: Mapped[User | None] = relationship()


# Processes a case runs one at a time ("a case is never in two transfers at
# once"): a unique index over each case's open instances of them, so two starts
# at the same moment cannot both pass the check.  (A new key here needs a
# migration re-creating ux_instance_one_at_a_time.)
ONE_AT_A_TIME = {"case_transfer": "A transfer of this case is already under way; finish or cancel it first.",
                 "jarp_referral": "A JARP referral of this case is already under way; finish or withdraw it first."}
_ONE_AT_A_TIME_OPEN = (f"process_key IN ({', '.join(repr(k) for k in ONE_AT_A_TIME)}) "
                       "AND status IN ('running', 'error', 'suspended') AND case_id IS NOT NULL")


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    # Serialized task tree and data, without the spec.
    state: Mapped[bytes] = mapped_column(LargeBinary)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    priority: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(String(300))
    # The case's service and unit, kept in step with the case (below), so the
    # managers' dashboard can scope and count instances without the case table.
    service: Mapped[str | None] = mapped_column(String(60))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    definition: Mapped[ProcessDefinition] = relationship()
    case: Mapped[Case | None] = relationship()

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        Index("ix_instance_status_key", "status", "process_key"),
        # The managers' dashboard (engine/dashboard.py) reads only these: the
        # open instances (counts, deadlines, no progress) and the 12-week chart
        # (started, ended).  They cover the columns read, so the rows (with
        # their snapshots) are not visited: the history costs nothing.
        Index("ix_instance_open", "status", "service", "unit_id", "process_key", "updated_at", "due_at",
              "started_at", "priority"),
        Index("ix_instance_started", "started_at", "process_key", "service"),
        Index("ix_instance_ended", "completed_at", "status", "process_key", "service", "due_at", "started_at"),
        Index("ux_instance_one_at_a_time", "case_id", "process_key", unique=True,
              sqlite_where=db.text(_ONE_AT_A_TIME_OPEN), postgresql_where=db.text(_ONE_AT_A_TIME_OPEN)),
    )


@event.listens_for(ProcessInstance, "before_insert")
def _instance_scope(mapper, connection, instance):
    """A new instance takes its case's service and unit."""
    if instance.case_id is None and instance.case is None:
        return
    case = instance.case
    if case is None:
        case = connection.execute(select(Case.service, Case.unit_id).where(Case.id == instance.case_id)).first()
    if case is not None:
        instance.service, instance.unit_id = case.service, case.unit_id


@event.listens_for(Case, "after_update")
def _case_moved(mapper, connection, case):
    """A case moved to another unit or service takes its instances along."""
    state = inspect(case)
    if state.attrs.service.history.has_changes() or state.attrs.unit_id.history.has_changes() \
            or state.attrs.unit.history.has_changes():
        connection.execute(ProcessInstance.__table__.update().where(ProcessInstance.case_id == case.id)
                           .values(service=case.service, unit_id=case.unit_id))


class Task(db.Model):
    """A materialised human task: what task lists and dashboards read."""
    __tablename__ = "task"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(120))
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    post: Mapped[str | None] = mapped_column(String(80))
    service: Mapped[str | None] = mapped_column(String(60))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    form: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default="ready")
    priority: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # done by a cover for someone away: completed_by for completed_for (issue 13 §3)
    completed_for_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)

    instance: Mapped[ProcessInstance] = relationship()
    case: Mapped[Case | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    completed_for: Mapped[User | None] = relationship(foreign_keys=[completed_for_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])

    __table_args__ = (
        Index("ix_task_open_post", "state", "post", "service", "unit_id"),
        Index("ix_task_open_due", "state", "due_at"),
        Index("ix_task_assigned", "assigned_to_id", "state"),
        # open tasks only (a small part of the table): a unit's or a service's
        # work by due date, for the dashboard and the Unit Co-ordinator's week,
        # and how many wait on each element of a process (the diagram's heat)
        Index("ix_task_ready_unit_due", "unit_id", "due_at",
              sqlite_where=db.text("state = 'ready'"), postgresql_where=db.text("state = 'ready'")),
        Index("ix_task_ready_service_due", "service", "due_at",
              sqlite_where=db.text("state = 'ready'"), postgresql_where=db.text("state = 'ready'")),
        Index("ix_task_ready_element", "process_key", "element_id", "service", "unit_id",
              sqlite_where=db.text("state = 'ready'"), postgresql_where=db.text("state = 'ready'")),
    )


class Timer(db.Model):
    """A waiting timer event, so the worker finds due ones with one indexed query."""
    __tablename__ = "timer"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(120))
    fire_at: Mapped[datetime] = mapped_column(DateTime)
    fired_at: Mapped[datetime | None] = mapped_column(DateTime)  # when it stopped waiting
    outcome: Mapped[str | None] = mapped_column(String(9))  # fired or cancelled; null while waiting
    __table_args__ = (
        Index("ix_timer_due", "fired_at", "fire_at"),
        # the timers still waiting only (few, however long the history): the
        # dashboard's late-timer and waiting rules
        Index("ix_timer_waiting", "fire_at", "instance_id",
              sqlite_where=db.text("fired_at IS NULL"), postgresql_where=db.text("fired_at IS NULL")),
    )


class AgendaItem(db.Model):
    """A case listed for a meeting (JARP, panels), mirrored from task data."""
    __tablename__ = "agenda_item"
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    meeting: Mapped[str] = mapped_column(String(60), index=True)
    sitting: Mapped[datetime] = mapped_column(Date, index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    priority: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    direct: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="listed")
    listed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # what members read before the sitting (JARP Appendix A step 2: distributed the same day)
    summary: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case | None] = relationship()
    instance: Mapped[ProcessInstance] = relationship()


class AuditEvent(db.Model):
    """Append-only: who did what, when, why."""
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSON)
    # the hash chain (engine/audit.py): the row before's hash, and this row's
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class ReadEvent(db.Model):
    """Append-only: who opened a child's record, when, and what (issue 11 item 6)."""
    __tablename__ = "read_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(120))
    what: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    item: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_read_event_case_at", "case_id", "at"),)


class Document(db.Model):
    """A paper uploaded to a case; the file lives outside the web root."""
    __tablename__ = "document"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class PanelSitting(db.Model):
    """One sitting of a panel or meeting, from its published timetable."""
    __tablename__ = "panel_sitting"
    __table_args__ = (UniqueConstraint("panel", "sitting_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    panel: Mapped[str] = mapped_column(String(60), index=True)
    sitting_on: Mapped[datetime] = mapped_column(Date)
    papers_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Places taken, changed only by a conditional UPDATE (booked < capacity),
    # so two units booking the last place at once cannot both get it.
    booked: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class Booking(db.Model):
    """A case booked onto a panel sitting, or waiting on its reserve list."""
    __tablename__ = "booking"
    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("panel_sitting.id"), index=True)
    panel: Mapped[str] = mapped_column(String(60))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="booked")  # booked, reserve, held, cancelled, heard
    reserve_rank: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The step whose engine hook made the row: moving back past it releases it.
    task_id: Mapped[str | None] = mapped_column(String(36))

    sitting: Mapped[PanelSitting | None] = relationship()
    case: Mapped[Case] = relationship()


class ProcessDraft(db.Model):
    """A diagram being changed in the modeller, not yet deployed.

    One open draft per process (status "open"); a save that lost a race with
    another owner's is kept beside it (status "conflict") so nothing is lost."""
    __tablename__ = "process_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, conflict
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # What the page had opened: a draft's hash or a version's content hash.
    base_hash: Mapped[str | None] = mapped_column(String(64))
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    saved_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    saved_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("uq_process_draft_open", "process_key", unique=True,
                            sqlite_where=db.text("status = 'open'"),
                            postgresql_where=db.text("status = 'open'")),)


class FormFile(db.Model):
    """A JSON Schema form edited by a process owner; deploys use it in place
    of the file of the same name in bpmn/forms."""
    __tablename__ = "form_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    schema: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    updated_by: Mapped[User | None] = relationship()


class NotificationPreference(db.Model):
    """How a person chose to get one kind of notification (processes/notifications.py)."""
    __tablename__ = "notification_preference"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(10))  # now, digest, app


class OutboxEvent(db.Model):
    """Something people must be told of, written in the transaction of the
    action that caused it (nothing for a rolled-back action); `flask worker`
    turns it into notifications and e-mails (engine/notifier.py)."""
    __tablename__ = "outbox_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str | None] = mapped_column(String(36))
    detail: Mapped[dict | None] = mapped_column(JSON)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (Index("ix_outbox_event_waiting", "id", sqlite_where=db.text("processed_at IS NULL"),
                            postgresql_where=db.text("processed_at IS NULL")),)


class Notification(db.Model):
    """One person told one thing, in the app (and by e-mail as they chose)."""
    __tablename__ = "notification"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(30))
    # what it is about, once per person: "event:<id>" or a reminder's own key
    # such as "due:<task id>:<date>" (a second worker's copy is refused)
    about: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"))
    delivery: Mapped[str] = mapped_column(String(10))  # as chosen when it was made
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the e-mail that carried it (at once, or in a digest)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mail_message.id"))

    __table_args__ = (UniqueConstraint("user_id", "about"),
                      Index("ix_notification_user_unread", "user_id", "read_at"),
                      Index("ix_notification_digest", "user_id", sqlite_where=db.text(
                          "delivery = 'digest' AND mail_id IS NULL"), postgresql_where=db.text(
                          "delivery = 'digest' AND mail_id IS NULL")))


class MailMessage(db.Model):
    """An e-mail to send: kept until sent, retried with back-off, every
    attempt recorded (MailAttempt); several workers share the queue."""
    __tablename__ = "mail_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))  # a notification kind, or "digest"
    # one message per notification ("n:<id>") or per person's daily digest
    # ("digest:<user>:<date>"): a second copy is refused by the database
    about: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_mail_message_due", "next_attempt_at", sqlite_where=db.text(
        "status = 'pending'"), postgresql_where=db.text("status = 'pending'")),)


class MailAttempt(db.Model):
    """One try at sending a MailMessage."""
    __tablename__ = "mail_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    transport: Mapped[str] = mapped_column(String(10))  # smtp, notify
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)


class ChartWeek(db.Model):
    """A closed week of the managers' chart, counted and kept (engine/chart.py)."""
    __tablename__ = "chart_week"
    week: Mapped[date] = mapped_column(Date, primary_key=True)   # its Monday (London)
    counted_at: Mapped[datetime] = mapped_column(DateTime)


class ChartWeekCount(db.Model):
    """One closed week's counts for one process, service and unit: what the
    chart shows, summed over the scope a manager oversees."""
    __tablename__ = "chart_week_count"
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[date] = mapped_column(Date, ForeignKey("chart_week.week"))
    process_key: Mapped[str] = mapped_column(String(120))
    service: Mapped[str | None] = mapped_column(String(60))
    unit_id: Mapped[int | None] = mapped_column(Integer)   # no foreign key: kept as it was that week
    started: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    with_deadline: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_chart_week_count_week", "week", "service", "unit_id"),)


class WorkerMark(db.Model):
    """When a scheduled job of the worker last ran (the digest, the due-date
    reminders, Friday's JARP agenda), so that several workers run it once."""
    __tablename__ = "worker_mark"
    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    done_for: Mapped[str] = mapped_column(String(40))  # e.g. the date it ran for


class Comment(db.Model):
    """A note on a task or an instance (issue 13 §2), visible to those who can
    see the case; kept as written (audited)."""
    __tablename__ = "comment"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_record.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship()


class Absence(db.Model):
    """Someone away from work, and who covers (issue 13 §3; 004 Cover Arrangements)."""
    __tablename__ = "absence"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    starts_on: Mapped[datetime] = mapped_column(Date)
    ends_on: Mapped[datetime] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    # none: the standing rule decides (processes/cover.py)
    cover_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    person: Mapped[User] = relationship(foreign_keys=[user_id])
    cover: Mapped[User | None] = relationship(foreign_keys=[cover_id])
