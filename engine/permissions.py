"""The one access policy: every named permission and the posts it is given to.

Each permission is a rule over the person's post (processes/posts.py).  Rules
that also depend on a particular case, task or instance (service and unit,
PROCESS-RULES §0) are answered by `allows`, which hands the object to
engine.authz (task and case reach) or engine.repair (repair reach), so views,
the API, the navigation (`can(...)` in templates) and the engine ask the
same question in the same words.
"""
from processes import posts

from . import authz

PROCESS_OWNER = "Process Owner"
PANEL_MANAGER = "Panel Manager"
PANEL_ADMINISTRATOR = "Panel Administrator"
PANEL_ADVISOR = "Panel Advisor"
PANEL_CHAIR = "Panel Chair"
UNIT_COORDINATOR = "Unit Co-ordinator"
DIRECTORS = (posts.ASSISTANT_DIRECTOR, posts.DEPUTY_DIRECTOR)

ANYONE = None  # any signed-in person; the object rule (if any) decides the rest

# Permission name -> the posts that hold it (ANYONE: every post).
RULES: dict[str, tuple[str, ...] | None] = {
    "signed_in": ANYONE,
    # One's own page and API tokens: the views only ever touch the signed-in person's rows.
    "account.manage": ANYONE,
    "task.list": ANYONE,
    # Tasks of a post one may act as, within one's unit or service (Matrix of
    # Responsibility, Section 3: a higher post may do a lower one's work).
    "task.read": ANYONE,
    "task.complete": ANYONE,
    "case.list": ANYONE,
    # One's unit's or service's cases; directors and panel staff see every case.
    "case.read": ANYONE,
    "case.papers.upload": ANYONE,
    "document.read": ANYONE,
    "instance.start": ANYONE,
    "instance.read": ANYONE,
    # Adoption and Fostering Panels: the calendar is for everyone (read-only for units).
    "panel.calendar.view": ANYONE,
    "panel.booking.reserve": (PANEL_ADVISOR,),
    "panel.dates.manage": (PANEL_MANAGER,),
    # Who may read a panel's agenda (children's names and papers): the Panels' own staff,
    # the Head of Service who decides on Fostering Panel recommendations, and the directors.
    "panel.sitting.view": (PANEL_MANAGER, PANEL_ADMINISTRATOR, PANEL_ADVISOR, PANEL_CHAIR,
                           "Head of Service Children's Resources", *DIRECTORS),
    "agenda.jarp": ("JARP Co-ordinator", "JARP Chair", *DIRECTORS),
    "agenda.resource_panel": (PANEL_ADMINISTRATOR, PANEL_MANAGER, PANEL_CHAIR, *DIRECTORS),
    # Panels §1: the Panel Administrator keeps the agenda (the Panel Manager runs the panels).
    "agenda.resource_panel.edit": (PANEL_ADMINISTRATOR, PANEL_MANAGER),
    "dashboard.view": (*posts.MANAGERS, PANEL_MANAGER),
    "dashboard.unit_week": (UNIT_COORDINATOR, *posts.MANAGERS, PANEL_MANAGER),
    # Repair is for the case-decision chain from Group Manager up, within their service.
    "instance.repair": (posts.GROUP_MANAGER, posts.HEAD_OF_SERVICE, *DIRECTORS),
    # Who has read a child's record (issue 11 item 6): the Head of Service for
    # the case's own service, the directors for every case.
    "case.reads.view": (posts.HEAD_OF_SERVICE, *DIRECTORS),
    # Directors may look at the definitions and their versions; only the
    # Process Owner changes them.
    "process.view": (PROCESS_OWNER, *DIRECTORS),
    "process.edit": (PROCESS_OWNER,),
    "process.deploy": (PROCESS_OWNER,),
}


class UnknownPermission(KeyError):
    pass


def holders(name: str) -> tuple[str, ...]:
    """Every post holding `name`."""
    rule = _rule(name)
    return posts.POSTS if rule is ANYONE else rule


def can(user, name: str, obj=None) -> bool:
    """Whether `user` holds `name`, and, given `obj`, may use it on that object."""
    rule = _rule(name)
    if user is None:
        return False
    if rule is not ANYONE and user.post not in rule:
        return False
    return obj is None or _object_rule(user, name, obj)


def _rule(name: str):
    try:
        return RULES[name]
    except KeyError:
        raise UnknownPermission(name) from None


def _object_rule(user, name: str, obj) -> bool:
    if name == "task.complete":
        return authz.can_act_on(user, obj)
    if name == "task.read":
        return authz.can_act_on(user, obj) or authz.can_see_case(user, obj.case)
    if name in ("case.read", "case.papers.upload"):
        return authz.can_see_case(user, obj)
    if name == "case.reads.view":
        return user.post in DIRECTORS or (bool(user.service) and obj.service == user.service)
    if name == "instance.repair":
        from . import repair  # repair imports the runtime, which asks this module
        return repair.can_repair(user, obj)
    return True
