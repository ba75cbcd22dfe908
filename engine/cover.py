"""Absences and who covers (issue 13 §3; rules in processes/cover.py).

Cover is worked out when asked, from the absences of the day: a task stays
assigned to the person away, and their cover may see and do it meanwhile
(recorded as done "for" them); when the absence ends, what is unfinished is
simply theirs again.  Notifications for someone away go to their cover."""
from datetime import date

from sqlalchemy import bindparam, select

from processes import clock, cover as rules

from . import audit, driver_statements
from .db import db
from .forms import FieldError
from .models import Absence, User
from .row_objects import Shape
from .timeutil import utcnow

_TODAY_KEY = "caseflow_absences"
# asked on every task list: built once (building a select costs more than
# running this one), run on the driver, its rows made into Absences (none, most days)
_ABSENCE = Shape(Absence)
_ABSENCES_ON = select(*_ABSENCE.columns).where(Absence.starts_on <= bindparam("day"),
                                               Absence.ends_on >= bindparam("day"), Absence.cancelled_at.is_(None))


def _person(user: User) -> rules.Person:
    return rules.Person(user.id, user.post, user.service, user.unit_id, user.deputy_id)


def absences_on(day: date) -> list[Absence]:
    """The day's absences (kept for the rest of the transaction: asked on every task list)."""
    cached = db.session.info.get(_TODAY_KEY)
    if cached is not None and cached[0] == day:
        return cached[1]
    session = db.session
    rows = [_ABSENCE.made(session, row) for row in driver_statements.session_rows(session, _ABSENCES_ON, {"day": day})]
    session.info[_TODAY_KEY] = (day, rows)
    return rows


def cover_for(absence: Absence) -> User | None:
    """The named cover, or the standing rule's (the DD for the AD, …)."""
    if absence.cover_id is not None:
        return absence.cover
    absent = absence.person
    candidates = list(db.session.scalars(select(User).where(User.active.is_(True), User.id != absent.id)))
    chosen = rules.standing_cover(_person(absent), [_person(u) for u in candidates])
    return next((u for u in candidates if chosen and u.id == chosen.id), None)


def covered_by(user: User, day: date | None = None) -> list[User]:
    """The people `user` covers today."""
    absences = absences_on(day or clock.now().date())
    if not absences:
        return []
    return [a.person for a in absences if (c := cover_for(a)) is not None and c.id == user.id]


def away(user_id: int, day: date | None = None) -> Absence | None:
    return next((a for a in absences_on(day or clock.now().date()) if a.user_id == user_id), None)


def record(actor: User, person: User, starts: date | None, ends: date | None, reason: str,
           cover: User | None) -> Absence:
    from .runtime import Invalid
    reason = (reason or "").strip()
    problems = rules.cover_problems(_person(person), _person(cover) if cover else None, starts, ends)
    errors = [FieldError(field, problem) for field, problem in problems]
    if not reason:
        errors.append(FieldError("reason", "Enter the reason for the absence, for example annual leave"))
    elif len(reason) > 200:
        errors.append(FieldError("reason", "Write the reason in 200 characters or fewer"))
    if errors:
        raise Invalid(errors=errors)
    absence = Absence(user_id=person.id, starts_on=starts, ends_on=ends, reason=reason,
                      cover_id=cover.id if cover else None, recorded_by_id=actor.id, recorded_at=utcnow())
    db.session.add(absence)
    db.session.info.pop(_TODAY_KEY, None)
    audit.record("absence.recorded", actor, reason=reason, detail={
        "person": person.name, "from": starts.isoformat(), "to": ends.isoformat(),
        "cover": cover.name if cover else None})
    return absence


def cancel(actor: User, absence: Absence) -> None:
    absence.cancelled_at = utcnow()
    db.session.info.pop(_TODAY_KEY, None)
    audit.record("absence.cancelled", actor, detail={"person": absence.person.name,
                                                     "from": absence.starts_on.isoformat(),
                                                     "to": absence.ends_on.isoformat()})


def upcoming(people_ids: list[int] | None = None) -> list[Absence]:
    """Absences not yet over, soonest first (of these people, or everyone's)."""
    query = select(Absence).where(Absence.ends_on >= clock.now().date(), Absence.cancelled_at.is_(None))
    if people_ids is not None:
        query = query.where(Absence.user_id.in_(people_ids))
    return list(db.session.scalars(query.order_by(Absence.starts_on, Absence.id)))



def nobody_can_act(service: str | None = None, unit_id: int | None = None) -> list[dict]:
    """Open tasks (in a service or unit, or everywhere) that nobody can do
    today: no active holder of a post that may do them in their reach, or all
    of them away with no cover; grouped by step (the managers' dashboard)."""
    from processes import posts

    from . import authz  # authz asks this module who covers whom
    from .models import Task
    query = (select(Task.name, Task.post, Task.service, Task.unit_id, Task.assigned_to_id,
                    db.func.count().label("count"), db.func.min(Task.due_at).label("due"))
             .where(Task.state == "ready")
             .group_by(Task.name, Task.post, Task.service, Task.unit_id, Task.assigned_to_id))
    if unit_id is not None:
        query = query.where(Task.unit_id == unit_id)
    elif service is not None:
        query = query.where(Task.service == service)
    people = list(db.session.scalars(select(User).where(User.active.is_(True))))
    today = clock.now().date()
    by_id = {u.id: u for u in people}

    def present(user: User) -> bool:
        absence = away(user.id, today)
        return absence is None or cover_for(absence) is not None

    stuck = []
    for group in db.session.execute(query):
        if group.assigned_to_id is not None:
            holder = by_id.get(group.assigned_to_id)
            able = holder is not None and present(holder)
        else:
            able = any(posts.can_act_as(u.post, group.post or "") and authz.within(u, group.service, group.unit_id) and present(u)
                       for u in people)
        if not able:
            stuck.append({"name": group.name, "post": group.post, "count": group.count, "due": group.due,
                          "assigned_to": by_id.get(group.assigned_to_id)})
    return stuck
