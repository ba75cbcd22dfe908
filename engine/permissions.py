"""The one access policy: every named permission and the posts it is given to.

Each permission is a rule over the person's post (processes/posts.py).  Rules
that also depend on a particular case, task or instance (service and unit,
PROCESS-RULES §0) are answered by `allows`, which hands the object to
engine.authz (task and case reach) or engine.repair (repair reach), so views,
the API, the navigation (`can(...)` in templates) and the engine ask the
same question in the same words.
"""
from processes import posts
from processes import resource_panel

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
    # One's own notifications and how one gets them (issue 13).
    "notifications.own": ANYONE,
    "task.list": ANYONE,
    # Tasks of a post one may act as, within one's unit or service (Matrix of
    # Responsibility, Section 3: a higher post may do a lower one's work).
    "task.read": ANYONE,
    "task.complete": ANYONE,
    # Issue 13 §2: a person takes ("I'll do this") a task they may act on, or hands it
    # back; a Consultant Social Worker (the Referral Manager in A&A) allocates a task
    # of their own unit to a member of the unit.
    "task.take": ANYONE,
    "task.allocate": (posts.CSW, posts.REFERRAL_MANAGER),
    # Absences (issue 13 §3; 004 Cover Arrangements): each person records their own;
    # managers record them for the people within their reach (§9: the Group Manager
    # arranges cover for an unplanned absence).
    "absence.manage": ANYONE,
    # The procedures explained in plain English (issue 17): for everyone.
    "procedure.view": ANYONE,
    # Comments on a task or process: anyone who may see it (the object rule is the engine's).
    "comment.add": ANYONE,
    "case.list": ANYONE,
    # One's unit's or service's cases; directors and panel staff see every case.
    "case.read": ANYONE,
    "case.papers.upload": ANYONE,
    # The decision record (issue 14 §3: page, PDF, JSON): whoever may see the case.
    "case.record.view": ANYONE,
    # The family's letter (issue 17 item 2): whoever may see the case prints it for the family.
    "case.letter.print": ANYONE,
    # The register of cases (issue 14 §2): registered by whoever takes referrals in and
    # keeps a unit's cases (the Referral Manager, a CSW, the Unit Co-ordinator, managers,
    # the System administrator) for a unit within their reach; closed by a CSW or a post
    # above (Matrix of Responsibility: case closure, Consultant Social Worker).
    "case.register": (posts.REFERRAL_MANAGER, posts.CSW, UNIT_COORDINATOR, *posts.MANAGERS,
                      posts.SYSTEM_ADMINISTRATOR),
    "case.close": posts.posts_acting_as(posts.CSW),
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
    # JARP Appendix A step 2: referrals are distributed to the members (the agencies'
    # representatives and the Chair) the same day.
    "agenda.jarp": ("JARP Co-ordinator", "JARP Chair", "Agency Representative", *DIRECTORS),
    # Panels §1: its staff and its members (the chair, the AD or DD; the member Heads of
    # Service, the Principal Lawyer, ...: resource_panel.is_member, asked in MEMBERS below).
    "agenda.resource_panel": (PANEL_ADMINISTRATOR, PANEL_MANAGER, *DIRECTORS, posts.HEAD_OF_SERVICE,
                              posts.GROUP_MANAGER, *resource_panel.MEMBER_POSTS),
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
    # Issue 14 §2: the people register (add, edit, deactivate, passwords, CSV).
    "people.manage": (posts.SYSTEM_ADMINISTRATOR,),
}


# Permissions held by only some holders of a post: the post's service decides
# (a Head of Service sits on the Resource Panel for four services, not all).
STAFF = {"agenda.resource_panel": (PANEL_ADMINISTRATOR, PANEL_MANAGER)}
MEMBERS = {"agenda.resource_panel": resource_panel.is_member}


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
    if name in MEMBERS and user.post not in STAFF[name] and not MEMBERS[name](user.post, user.service):
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
    if name == "case.register":  # obj: the unit it is registered in
        return user.post == posts.SYSTEM_ADMINISTRATOR or authz.within(user, obj.service, obj.id)
    if name == "case.close":
        return authz.can_see_case(user, obj)
    if name == "absence.manage":  # obj: the person away
        return obj.id == user.id or (user.post in posts.MANAGERS and authz.within(user, obj.service, obj.unit_id))
    if name == "task.take":  # whoever has it now: take() then says who
        return posts.can_act_as(user.post, obj.post or "") and authz.within(user, obj.service, obj.unit_id)
    if name == "task.allocate":
        return obj.unit_id is not None and obj.unit_id == user.unit_id
    if name == "task.read":
        return authz.can_act_on(user, obj) or authz.can_see_case(user, obj.case)
    if name in ("case.read", "case.papers.upload", "case.record.view", "case.letter.print"):
        return authz.can_see_case(user, obj)
    if name == "case.reads.view":
        return user.post in DIRECTORS or (bool(user.service) and obj.service == user.service)
    if name == "instance.repair":
        from . import repair  # repair imports the runtime, which asks this module
        return repair.can_repair(user, obj)
    return True
