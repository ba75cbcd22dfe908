"""Paged, filtered lists for client systems (issue 14 §4): the people
register, process instances and a case's audit trail.

Paging is by keyset (the last row's id), not by offset: a page stays right
while new rows arrive between two requests, and a late page costs what the
first one does."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from . import authz, people
from .dashboard import day_range
from .db import db
from .models import MAX_ID, AuditEvent, Case, ProcessDefinition, ProcessInstance, Unit, User

# What an instance's status can be (runtime, repair): its lifecycle.
STATUSES = ("running", "complete", "error", "suspended", "cancelled")
MAX_PAGE = 100


@dataclass
class Page:
    rows: list
    after: int | None   # where the next page starts; None on the last page


def _page(query, id_column, after: int | None, limit: int, newest_first: bool) -> Page:
    if after is not None:
        query = query.where(id_column < after if newest_first else id_column > after)
    query = query.order_by(id_column.desc() if newest_first else id_column).limit(limit + 1)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1][0].id if more and rows else None)


# ---------------------------------------------------------------- people

@dataclass
class PeopleFilter:
    post: str | None = None
    unit: str | None = None       # the unit's name
    service: str | None = None
    active: bool | None = None
    text: str | None = None       # as the register page's search


def unit_names() -> set[str]:
    return set(db.session.scalars(select(Unit.name)))


def people_page(f: PeopleFilter, after: int | None = None, limit: int = 50) -> Page:
    """People of the register, by number; rows are (User,)."""
    # with each person's unit and deputy: one query each for the page, not one per person
    query = select(User).options(selectinload(User.unit), selectinload(User.deputy))
    if f.post is not None:
        query = query.where(User.post == f.post)
    if f.unit is not None:
        query = query.where(User.unit_id == select(Unit.id).where(Unit.name == f.unit).scalar_subquery())
    if f.service is not None:
        query = query.where(User.service == f.service)
    if f.active is not None:
        query = query.where(User.active.is_(f.active))
    text = people.matching(f.text)
    if text is not None:
        query = query.where(text)
    return _page(query, User.id, after, limit, newest_first=False)


# ---------------------------------------------------------------- process instances

@dataclass
class InstanceFilter:
    process: str | None = None
    status: str | None = None
    case_id: int | None = None
    started_from: date | None = None   # London days, both included
    started_to: date | None = None


def process_keys() -> set[str]:
    """Every process ever deployed (an instance may run on an old one)."""
    return set(db.session.scalars(select(ProcessDefinition.process_key).distinct()))


def case_by_id_or_reference(user: User, value: str) -> Case | None:
    """The case `user` may open, named by its number or its reference."""
    if value.isascii() and value.isdigit():
        if len(value) > 10 or int(value) > MAX_ID:   # past what the column holds: no case has it
            return None
        clause = Case.id == int(value)
    else:
        clause = Case.reference == value
    return db.session.scalar(select(Case).where(clause, authz.case_clause(user)))


def instances_page(user: User, f: InstanceFilter, after: int | None = None, limit: int = 50) -> Page:
    """Instances of cases `user` may open (the rule of the instance page),
    newest first; rows are (ProcessInstance, case reference, version)."""
    # an alias: the case rule's own subqueries on process_instance must not correlate with this one
    pi = aliased(ProcessInstance)
    query = (select(pi, Case.reference, ProcessDefinition.version)
             .join(Case, Case.id == pi.case_id)
             .join(ProcessDefinition, ProcessDefinition.id == pi.definition_id)
             .where(authz.case_clause(user)))
    if f.process is not None:
        query = query.where(pi.process_key == f.process)
    if f.status is not None:
        query = query.where(pi.status == f.status)
    if f.case_id is not None:
        query = query.where(pi.case_id == f.case_id)
    query = query.where(*day_range(pi.started_at, f.started_from, f.started_to))
    return _page(query, pi.id, after, limit, newest_first=True)


# ---------------------------------------------------------------- a case's audit trail

def case_audit_page(case_id: int, after: int | None = None, limit: int = 50) -> Page:
    """The case's audit events, newest first (as the case page lists them); rows are (AuditEvent,)."""
    return _page(select(AuditEvent).where(AuditEvent.case_id == case_id), AuditEvent.id, after, limit,
                 newest_first=True)
