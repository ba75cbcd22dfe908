"""Who read a child's record (issue 11 item 6): opening a case page, one of
its papers, a manager's instance page, a task's page, an export, and the
API's task and instance reads.

Read events have their own append-only table (read_event; the migration's
triggers refuse UPDATE and DELETE) rather than the chained audit_event: they
come with every page view, many times the rate of actions, and chaining them
would take the chain's lock on every page, queuing readers behind each other
and behind task completions.  Each is one Core INSERT in its own short
transaction, after the page is made."""
from sqlalchemy import select

from .db import db
from .models import ReadEvent
from .timeutil import utcnow
from .transaction import unit_of_work

_INSERT = ReadEvent.__table__.insert()

CASE_VIEWED = "case.viewed"
PAPER_DOWNLOADED = "paper.downloaded"
INSTANCE_VIEWED = "instance.viewed"
TASK_VIEWED = "task.viewed"
EXPORT_DOWNLOADED = "export.downloaded"
RECORD_PRODUCED = "record.produced"   # the decision record: page, PDF or JSON (issue 14 §3)


def record(actor, what: str, case_id: int | None, item: str | None = None) -> None:
    with unit_of_work() as session:
        # on the session's connection: the ORM's execute path costs more than the row
        session.connection().execute(_INSERT, dict(at=utcnow(), actor_id=actor.id, actor_name=actor.name,
                                      what=what, case_id=case_id, item=(item or "")[:300] or None))


def of_case(case_id: int, limit: int = 500) -> list[ReadEvent]:
    return db.session.scalars(select(ReadEvent).where(ReadEvent.case_id == case_id)
                              .order_by(ReadEvent.at.desc(), ReadEvent.id.desc()).limit(limit)).all()
