"""Posts, services and the Matrix of Responsibility's chain of authority.

PROCESS-RULES §0: the posts listed in the Matrix are "the lowest level at which
decisions can be made but do not preclude decision making at a higher level",
so a gated step may be done by the named post or any post above it in the
case-decision chain.  Lanes in the BPMN diagrams are named after these posts.
"""

SERVICES = (
    "A&A", "CIN", "LAC", "Leaving Care", "Adoption", "Fostering", "CWD",
    "Rapid Response", "Family Support", "Hospital", "ART",
)

SOCIAL_WORKER = "Social Worker"
CSW = "Consultant Social Worker"
REFERRAL_MANAGER = "Referral Manager"
GROUP_MANAGER = "Group Manager"
HEAD_OF_SERVICE = "Head of Service"
ASSISTANT_DIRECTOR = "Assistant Director"
DEPUTY_DIRECTOR = "Deputy Director"

# The case-decision chain, lowest first.  The Referral Manager in A&A stands
# at the CSW's level.
CHAIN_RANK = {
    SOCIAL_WORKER: 1,
    CSW: 2,
    REFERRAL_MANAGER: 2,
    GROUP_MANAGER: 3,
    HEAD_OF_SERVICE: 4,
    ASSISTANT_DIRECTOR: 5,
    DEPUTY_DIRECTOR: 6,
}

# Posts outside the chain: they act only in their own lane.
OTHER_POSTS = (
    "Unit Co-ordinator",
    "Clinician",
    "Panel Manager",
    "Panel Administrator",
    "Panel Advisor",
    "Panel Chair",
    "JARP Co-ordinator",
    "JARP Chair",
    "Agency Representative",
    "Head of Family Support",
    "Head of Service Children's Resources",
    "Principal Lawyer",
    # members of the Children's Resource Panel (004 Panels §1 'Membership')
    "Independent Reviewing Team Manager",
    "Virtual School Head Teacher",
    "Court Liaison Officer",
    "Fostering Manager",
    "Process Owner",
    # issue 14 §2: keeps the people register (/people); no case work, no case reach
    "System administrator",
)

SYSTEM_ADMINISTRATOR = "System administrator"
POSTS = tuple(CHAIN_RANK) + OTHER_POSTS

# How far a post's view reaches: its own unit's cases, its service's cases, or
# every case (posts that serve the whole department, such as the JARP
# Co-ordinator or the panels).
UNIT, SERVICE, ALL = "unit", "service", "all"
# An Agency Representative's `service` is their agency: they see and do their
# own agency's JARP work only (Panels §6: authority "within their service").
AGENCY = "agency"
SCOPE = {
    "Agency Representative": AGENCY,
    SOCIAL_WORKER: UNIT,
    CSW: UNIT,
    REFERRAL_MANAGER: UNIT,
    "Unit Co-ordinator": UNIT,
    "Clinician": UNIT,
    GROUP_MANAGER: SERVICE,
    HEAD_OF_SERVICE: SERVICE,
}

MANAGERS = (GROUP_MANAGER, HEAD_OF_SERVICE, ASSISTANT_DIRECTOR, DEPUTY_DIRECTOR)

# The agencies represented at JARP (004 Panels §6 'Who attends JARP?': the
# core group and the in-house managers attending on request).
AGENCIES = (
    "Child and Family Consultation Service", "Commissioned Family Support Services",
    "Early Intervention Parenting Programme", "Education (BEST and Attendance)",
    "Sub19 Drug and Alcohol Team", "Tier 2 Services (under 11s)", "Youth Offending Team",
    "Youth Support Panel", "Youth Support Team (11 and over)", "Contact Service",
    "Parenting Support Service", "Family Network Meeting",
)


def scope_of(post: str) -> str:
    return SCOPE.get(post, ALL)


def is_post(name: str) -> bool:
    return name in POSTS


def can_act_as(post: str, lane_post: str) -> bool:
    """True when someone in `post` may do work of `lane_post`.

    Equal posts always may; within the case-decision chain a higher post may
    do the work of a lower one (Matrix of Responsibility, Section 3).
    """
    if post == lane_post:
        return True
    if post in CHAIN_RANK and lane_post in CHAIN_RANK:
        return CHAIN_RANK[post] >= CHAIN_RANK[lane_post]
    return False


def posts_acting_as(lane_post: str) -> tuple[str, ...]:
    """Every post that may do the work of `lane_post`."""
    return tuple(p for p in POSTS if can_act_as(p, lane_post))


def outranks(post: str, required: str) -> bool:
    """True when `post` has the authority of `required` (used for overrides)."""
    return can_act_as(post, required)
