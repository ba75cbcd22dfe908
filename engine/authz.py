"""Who may see and do what: post, service and unit (PROCESS-RULES §0)."""
from sqlalchemy import and_, exists, false, or_, select, true

from processes import posts

from .models import Case, Task, User

# Posts that may open any case: the directors, and the panel staff who call
# cases to panel and keep the panels' agendas.
EVERYTHING = (posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR, "Panel Administrator", "Panel Manager",
              "Panel Advisor", "Panel Chair")


def _reach(user: User, service_col, unit_col):
    scope = posts.scope_of(user.post)
    if scope == posts.UNIT:
        return unit_col == user.unit_id if user.unit_id else false()
    if scope == posts.SERVICE:
        return service_col == user.service if user.service else false()
    return true()


def acting_posts(user: User) -> tuple[str, ...]:
    return tuple(p for p in posts.POSTS if posts.can_act_as(user.post, p))


def task_clause(user: User):
    """Tasks `user` may see and complete: of a post they may act as, within
    their reach, plus anything assigned to them."""
    mine = and_(Task.post.in_(acting_posts(user)), _reach(user, Task.service, Task.unit_id),
                or_(Task.assigned_to_id.is_(None), Task.assigned_to_id == user.id))
    return or_(mine, Task.assigned_to_id == user.id)


def can_act_on(user: User, task: Task) -> bool:
    if task.assigned_to_id is not None:
        return task.assigned_to_id == user.id or posts.can_act_as(user.post, posts.GROUP_MANAGER) \
            and _within(user, task.service, task.unit_id)
    return posts.can_act_as(user.post, task.post or "") and _within(user, task.service, task.unit_id)


def _within(user: User, service: str | None, unit_id: int | None) -> bool:
    scope = posts.scope_of(user.post)
    if scope == posts.UNIT:
        return unit_id is not None and unit_id == user.unit_id
    if scope == posts.SERVICE:
        return service is not None and service == user.service
    return True


def case_clause(user: User):
    """Cases `user` may open: their unit's or service's, everything for the AD
    and DD, and for department-wide posts the cases with work in their lane."""
    if user.post in EVERYTHING:
        return true()
    scope = posts.scope_of(user.post)
    if scope in (posts.UNIT, posts.SERVICE):
        return _reach(user, Case.service, Case.unit_id)
    return exists(select(Task.id).where(Task.case_id == Case.id, or_(
        Task.post.in_(acting_posts(user)), Task.assigned_to_id == user.id)))


def can_see_case(user: User, case: Case) -> bool:
    from .db import db
    return bool(db.session.scalar(select(Case.id).where(Case.id == case.id, case_clause(user))))
