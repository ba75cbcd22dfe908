"""Who may see and do what: post, service and unit (PROCESS-RULES §0)."""
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, exists, false, or_, select, true

from processes import posts
from processes import resource_panel

from . import cover
from .models import AgendaItem, Case, ProcessInstance, Task, Unit, User

# Posts that may open any case: the directors, and the panel staff who call
# cases to panel and keep the panels' agendas.
EVERYTHING = (posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR, "Panel Administrator", "Panel Manager",
              "Panel Advisor", "Panel Chair")


def _reach(user: User, service_col, unit_col):
    scope = posts.scope_of(user.post)
    if scope == posts.UNIT:
        return unit_col == user.unit_id if user.unit_id is not None else false()
    if scope == posts.SERVICE:
        return service_col == user.service if user.service is not None else false()
    if scope == posts.AGENCY:
        # their agency's work, and work made before tasks named an agency (any representative's)
        return or_(service_col == user.service, service_col.is_(None), service_col.not_in(posts.AGENCIES))
    return true()


def acting_posts(user: User) -> tuple[str, ...]:
    return tuple(p for p in posts.POSTS if posts.can_act_as(user.post, p))


@dataclass(frozen=True)
class Shape:
    """A person as the clauses below see them: their post, and their id, unit
    and service as bound parameters (None where they have none).  A task
    list's statement made for a shape is built once and run for everyone of
    that shape with `params` (issue 16: building and cache-keying the
    clause cost more than running the query)."""
    post: str
    id: object = bindparam("person_id")
    unit_id: object = None
    service: object = None

    @classmethod
    def of(cls, user: User) -> "Shape":
        return cls(user.post, unit_id=None if user.unit_id is None else bindparam("person_unit_id"),
                   service=None if user.service is None else bindparam("person_service"))

    @staticmethod
    def key(user: User) -> tuple:
        return user.post, user.unit_id is None, user.service is None

    @staticmethod
    def params(user: User) -> dict:
        return {"person_id": user.id, "person_unit_id": user.unit_id, "person_service": user.service}


def task_clause(user: User | Shape, covered=None):
    """Tasks `user` may see and complete: of a post they may act as, within
    their reach, plus anything assigned to them, and the work of the people
    they cover today (`covered`: cover.covered_by(user) unless given)."""
    mine = and_(Task.post.in_(acting_posts(user)), _reach(user, Task.service, Task.unit_id),
                or_(Task.assigned_to_id.is_(None), Task.assigned_to_id == user.id))
    return or_(mine, Task.assigned_to_id == user.id, *_covering(user, covered))


def can_act_on(user: User, task: Task) -> bool:
    return _may_act(user, task) or acting_for(user, task) is not None


def _may_act(user: User, task: Task) -> bool:
    if task.assigned_to_id is not None:
        return task.assigned_to_id == user.id or posts.can_act_as(user.post, posts.GROUP_MANAGER) \
            and _within(user, task.service, task.unit_id)
    return posts.can_act_as(user.post, task.post or "") and _within(user, task.service, task.unit_id)


def acting_for(user: User, task: Task) -> User | None:
    """The person away whose task `user` may do as their cover (issue 13 §3),
    or None (also when `user` may do it in their own right)."""
    if _may_act(user, task):
        return None
    return next((away for away in cover.covered_by(user) if _may_act(away, task)), None)


def _covering(user: User | Shape, covered=None) -> list:
    """Tasks of the people `user` covers today: theirs, and their post's nobody has taken."""
    return [or_(Task.assigned_to_id == away.id,
                and_(Task.assigned_to_id.is_(None), Task.post.in_(acting_posts(away)),
                     _reach(away, Task.service, Task.unit_id)))
            for away in (cover.covered_by(user) if covered is None else covered)]


def within(user: User, service: str | None, unit_id: int | None) -> bool:
    """Whether a service and unit are inside `user`'s reach (their unit, their service, or all)."""
    return _within(user, service, unit_id)


def _within(user: User, service: str | None, unit_id: int | None) -> bool:
    scope = posts.scope_of(user.post)
    if scope == posts.UNIT:
        return unit_id is not None and unit_id == user.unit_id
    if scope == posts.SERVICE:
        return service is not None and service == user.service
    if scope == posts.AGENCY:
        return service is None or service == user.service or service not in posts.AGENCIES
    return True


def case_clause(user: User):
    """Cases `user` may open (below), and for a member of the Resource Panel
    the cases listed on its agenda and not yet decided: members read the papers
    before the sitting (Panels §1; resource_panel.is_member)."""
    own = _own_case_clause(user)
    if user.post in EVERYTHING or not resource_panel.is_member(user.post, user.service):
        return own
    return or_(own, exists(select(AgendaItem.instance_id).where(
        AgendaItem.case_id == Case.id, AgendaItem.meeting == resource_panel.PANEL,
        AgendaItem.status != "decided")))


def _own_case_clause(user: User):
    """Cases `user` may open: their unit's or service's, everything for the AD
    and DD, and for department-wide posts the cases with work in their lane."""
    if user.post in EVERYTHING:
        return true()
    scope = posts.scope_of(user.post)
    if scope in (posts.UNIT, posts.SERVICE):
        return or_(_reach(user, Case.service, Case.unit_id), _pending_reach(user))
    # (an agency's representative: work for their own agency only)
    return exists(select(Task.id).where(Task.case_id == Case.id, or_(
        and_(Task.post.in_(acting_posts(user)), _reach(user, Task.service, Task.unit_id)),
        Task.assigned_to_id == user.id)))


def _pending_reach(user: User):
    """A case accepted by the user's unit (or service) and waiting for its point
    of transfer: both units see the pending transfer (Case Transfer §3.1-3.4)."""
    scope = posts.scope_of(user.post)
    if scope == posts.UNIT:
        into = Case.pending_unit_id == user.unit_id if user.unit_id else false()
    else:
        into = Case.pending_unit_id.in_(select(Unit.id).where(Unit.service == user.service)) \
            if user.service else false()
    return and_(into, exists(select(ProcessInstance.id).where(
        ProcessInstance.case_id == Case.id, ProcessInstance.process_key == "case_transfer",
        ProcessInstance.status == "running")))


def can_see_case(user: User, case: Case) -> bool:
    from .db import db
    return bool(db.session.scalar(select(Case.id).where(Case.id == case.id, case_clause(user))))


def my_task_clause(user: User | Shape, covered=None):
    """My tasks (issue 13 §2): assigned to me, then nobody's tasks of my own
    post within my reach (not every lower post's: those are my team's), and
    the work of anyone I cover today (§3)."""
    return or_(Task.assigned_to_id == user.id,
               and_(Task.assigned_to_id.is_(None), Task.post == user.post,
                    _reach(user, Task.service, Task.unit_id)), *_covering(user, covered))


def team_task_clause(user: User):
    """My team's work: tasks of the posts below mine in the case-decision
    chain, within my reach, whoever has them."""
    below = tuple(p for p in acting_posts(user) if p != user.post)
    if not below:
        return false()
    return and_(Task.post.in_(below), _reach(user, Task.service, Task.unit_id),
                or_(Task.assigned_to_id.is_(None), Task.assigned_to_id != user.id))
