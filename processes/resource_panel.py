"""Children's Resource Panel rules: what it approves, its Monday sittings and
the Thursday-noon cut-off, the papers each request needs, the decision sheet.

Source: 004, Panels §1 "Children's Resource Panel"; Matrix of Responsibility,
"Looked After Children"; PROCESS-RULES §2.  Pure functions: cancelled sittings
are passed in (the engine reads them from the panel_sitting table).
"""
from datetime import date, datetime, time, timedelta, timezone

from . import clock
from .calendar import MeetingCalendar, add_working_days
from .papers import label as paper_label
from .problems import about
from .sittings import decision_problems

# The agenda's meeting name and the panel_sitting rows' panel name.
PANEL = "Resource Panel"

# Panels §1: "normally sit on Mondays from 9.00am to 1.00pm".
SITS_AT = time(9, 0)
ENDS_AT = time(13, 0)
# Panels §1: "notify the Panel Administrator ... by 12 noon on Thursday".
CUTOFF_TIME = time(12, 0)
_MONDAY = 0

# Panels §1 "Children's Resource Panel Tasks": what the Panel approves, each
# with the section of the Children Act 1989 it is approved under.  Interim
# orders are applied for under section 31 (the order itself is made under
# section 38); placements of a looked after child are made under section 22C.
REQUESTS = {
    "s20_planned": ("Accommodation under section 20 (planned)", "s20"),
    "s20_unplanned": ("Accommodation under section 20 (unplanned)", "s20"),
    "care_order": ("Application for a care order (section 31)", "s31"),
    "interim_care_order": ("Application for an interim care order (section 31)", "s31"),
    "supervision_order": ("Application for a supervision order (section 31)", "s31"),
    "interim_supervision_order": ("Application for an interim supervision order (section 31)", "s31"),
    "secure_accommodation": ("Secure accommodation order (section 25)", "s25"),
    "epo": ("Emergency protection order (section 44)", "s44"),
    "residential_placement": ("Residential placement", "s22c"),
    "parent_and_baby": ("Parent and baby residential placement", "s22c"),
}
# What the Panel can approve: what may be sought, and a permanency plan (which
# a transfer from Rapid Response to LAC or Leaving Care needs, Case Transfer §3.4).
APPROVALS = {**REQUESTS, "permanency_plan": ("Permanency plan: the child is to be permanently looked after", "plan")}
SECTIONS = {
    "s20": "Section 20 (accommodation)",
    "s31": "Section 31 (care or supervision order, including interim)",
    "s25": "Section 25 (secure accommodation)",
    "s44": "Section 44 (emergency protection order)",
    "s22c": "Section 22C (placement of a looked after child)",
    "plan": "No order: the child's plan (permanence)",
}
# Care proceedings (section 31): the pre-proceedings case plan, the legal
# planning meeting and the negotiation meeting with the family come first.
CARE_PROCEEDINGS = ("care_order", "interim_care_order", "supervision_order", "interim_supervision_order")
# What a Head of Service may agree at once, outside Panel (Panels §1: EPO;
# Matrix "Accommodation in an emergency": Head of Service).
EMERGENCY = ("epo", "s20_unplanned")
# Panels §1 "How to refer": the written note and its supplements; "Existing
# cases": the latest review as well.
STANDARD_PAPERS = ("panel_proforma", "genogram", "chronology", "core_assessment")
CARE_PROCEEDINGS_PAPERS = ("pre_proceedings_plan",)
REVIEW_PAPERS = ("review_papers",)
# Not in the source: "at once" is read as within two hours of the request.
EMERGENCY_RESPONSE = timedelta(hours=2)

OUTCOMES = {
    "approved": "Approved",
    "not_approved": "Not approved",
    "deferred": "Deferred to the next Panel",
}
# An emergency decision agreed by a Head of Service is ratified, or not, by the Panel.
RATIFICATION = {"approved": "Ratified", "not_approved": "Not ratified"}


# ---------------------------------------------------------------- sittings

def _mondays(cancelled) -> frozenset[date]:
    """Cancelled sittings as dates; anything that is not a Monday is ignored."""
    return frozenset(d for d in (clock.as_date(c) for c in cancelled or ()) if d.weekday() == _MONDAY)


def sittings_calendar(cancelled=()) -> MeetingCalendar:
    return MeetingCalendar(weekday=_MONDAY, at=SITS_AT, cancelled=_mondays(cancelled))


def is_sitting_day(d) -> bool:
    return clock.as_date(d).weekday() == _MONDAY


def cutoff_for(sitting) -> datetime:
    """12:00 London on the Thursday before the Monday sitting (Panels §1).
    Not moved for a bank holiday Thursday, so a holiday never costs a week."""
    monday = clock.as_date(sitting)
    thursday = monday - timedelta(days=(monday.weekday() - 3) % 7 or 7)
    return datetime.combine(thursday, CUTOFF_TIME, tzinfo=clock.LONDON)


def panel_for(notified_at, cancelled=()) -> date:
    """The Monday Panel a case notified (with complete papers) at `notified_at` is heard at.

    Panels §1: notified by 12 noon on Thursday → the coming Monday; later → the
    Monday after. 12:00:00 is in time, 12:00:01 is late. Cancelled sittings are
    skipped (the case goes to the next one, whose cut-off it meets too).
    """
    notified = clock.as_london(notified_at)
    calendar = sittings_calendar(cancelled)
    sitting = calendar.next_sitting(notified.date())
    while notified > cutoff_for(sitting):
        sitting = calendar.sitting_after(sitting)
    return sitting


def next_panel(at, cancelled=()) -> date:
    """The next Panel to start after `at`: where an emergency decision agreed
    by a Head of Service is brought for ratification (Panels §1). No cut-off:
    the listing is automatic."""
    moment = clock.as_london(at)
    calendar = sittings_calendar(cancelled)
    sitting = calendar.next_sitting(moment.date())
    while starts_at(sitting) <= moment:
        sitting = calendar.sitting_after(sitting)
    return sitting


def review_panel_for(called_at, cancelled=()) -> date:
    """The first Panel at least a week after the Panel Administrator calls an
    existing case for review: the unit gets a week's notice (Panels §1)."""
    return sittings_calendar(cancelled).next_sitting(clock.as_date(called_at) + timedelta(days=7))


def sitting_after(sitting, cancelled=()) -> date:
    """The next sitting after this one (a deferred case, a cancelled sitting)."""
    return sittings_calendar(cancelled).sitting_after(sitting)


def upcoming(from_day, count: int, cancelled=()) -> list[date]:
    """The next `count` sittings on or after from_day, cancelled ones left out."""
    calendar = sittings_calendar(cancelled)
    out, d = [], calendar.next_sitting(from_day)
    while len(out) < count:
        out.append(d)
        d = calendar.sitting_after(d)
    return out


def starts_at(sitting) -> datetime:
    return datetime.combine(clock.as_date(sitting), SITS_AT, tzinfo=clock.LONDON)


def ends_at(sitting) -> datetime:
    return datetime.combine(clock.as_date(sitting), ENDS_AT, tzinfo=clock.LONDON)


def sitting_data(panel_date, now=None) -> dict:
    """A sitting as task data (ISO strings): when it starts and ends, its cut-off,
    and when papers are due: the cut-off, or the start of the Panel when the
    cut-off has passed (an emergency listed on a Friday for Monday, say)."""
    d = clock.as_date(panel_date)
    cut_off = cutoff_for(d)
    papers_due = cut_off if now is None or clock.as_london(now) < cut_off else starts_at(d)
    return {
        "date": d.isoformat(),
        "starts_at": starts_at(d).isoformat(),
        "ends_at": ends_at(d).isoformat(),
        "cut_off": cut_off.isoformat(),
        "papers_due": papers_due.isoformat(),
        "label": clock.long_date(d),
    }


def emergency_due(at) -> str:
    """When the Head of Service's emergency decision is due ('at once')."""
    due = clock.as_london(at).astimezone(timezone.utc) + EMERGENCY_RESPONSE
    return due.astimezone(clock.LONDON).isoformat()


def next_cutoff(at, cancelled=()) -> str:
    """The cut-off a case must meet to be heard at the Panel it could still make."""
    return cutoff_for(panel_for(at, cancelled)).isoformat()


def decision_sheet_due(at) -> str:
    """A decision sheet sent back by the Chair: redone by 17:00 the next working day
    (not in the source)."""
    return datetime.combine(add_working_days(at, 1), time(17, 0), tzinfo=clock.LONDON).isoformat()


# ---------------------------------------------------------------- requests and papers

def labels(keys) -> list[str]:
    """What is sought or approved, in words."""
    return [APPROVALS[k][0] for k in keys or [] if k in APPROVALS]


def section_labels(keys) -> list[str]:
    return [SECTIONS[k] for k in keys or [] if k in SECTIONS]


def is_care_proceedings(sought) -> bool:
    return any(k in CARE_PROCEEDINGS for k in sought or [])


def papers_needed(sought, review: bool = False) -> list[str]:
    """The kinds of paper the Panel must have (Panels §1), in the order listed there."""
    kinds = list(STANDARD_PAPERS)
    if is_care_proceedings(sought):
        kinds += CARE_PROCEEDINGS_PAPERS
    if review:
        kinds += REVIEW_PAPERS
    return kinds


def papers_needed_labels(sought, review: bool = False) -> list[str]:
    return [paper_label(k) for k in papers_needed(sought, review)]


def _day(value) -> str:
    return clock.long_date(value)


def paper_problems(sought, answers: dict, today, review: bool = False) -> list[str]:
    """What is missing before the Panel can hear the case, in plain words; [] if nothing.

    Panels §1: the pro-forma, an up-to-date genogram, the chronology and the most
    recent core assessment; for care proceedings also the pre-proceedings case
    plan, and the legal planning meeting and the negotiation meeting with the
    family must already have taken place (a meeting dated today counts as held);
    for a case under review, the latest review papers too.
    """
    answers = answers or {}
    have = {p.get("kind") for p in answers.get("papers") or [] if isinstance(p, dict)}
    problems = [about("papers", f"Missing paper: {paper_label(k)}.")
                for k in papers_needed(sought, review) if k not in have]
    if is_care_proceedings(sought):
        today = clock.as_date(today)
        for key, name in (("legal_planning_meeting_date", "legal planning meeting"),
                          ("negotiation_meeting_date", "negotiation meeting with the family")):
            held = answers.get(key)
            if not held:
                problems.append(about(key, f"Missing: the date of the {name}. Care proceedings come to "
                                           f"Panel only after it has taken place (Panels §1)."))
            elif clock.as_date(held) > today:
                problems.append(about(key, f"The {name} is on {_day(held)}, which has not happened yet. "
                                           f"Care proceedings come to Panel only after it has taken place "
                                           f"(Panels §1)."))
    return problems


# ---------------------------------------------------------------- the decision sheet

def decision_sheet_problems(sheet: dict, sitting_start=None, now=None) -> list[str]:
    """The decision must say what is approved and under which section (Panels §1
    'Decision'): each approval's section ticked, no section without an approval,
    and nothing approved when the outcome is not an approval.  Given the
    sitting's start and the time now, it is recorded only at or after the
    sitting, Monday 09:00 (issue 12 item 8; sittings.decision_problems)."""
    early = decision_problems(sitting_start, now) if sitting_start is not None and now is not None else []
    return early + _sheet_content_problems(sheet or {})


def _sheet_content_problems(sheet: dict) -> list[str]:
    approved = list(sheet.get("approved") or [])
    sections = list(sheet.get("sections") or [])
    if sheet.get("outcome") != "approved":
        if approved or sections:
            return [about("outcome", "The outcome is not an approval, so clear what is approved and under "
                                     "which section, or change the outcome.")]
        return []
    problems = []
    for key in approved:
        name, section = APPROVALS[key]
        if section not in sections:
            problems.append(about("sections", f"‘{name}’ comes under ‘{SECTIONS[section]}’: tick that section."))
    used = {APPROVALS[k][1] for k in approved}
    for key in sections:
        if key not in used:
            problems.append(about("sections", f"Nothing approved comes under ‘{SECTIONS[key]}’: untick it or "
                                              f"record what is approved under it."))
    return problems


def decision_summary(sheet: dict, emergency: bool = False) -> dict:
    """The decision sheet in words, for the Chair, the unit and the case record."""
    sheet = sheet or {}
    outcome = sheet.get("outcome")
    return {
        "outcome": (emergency and RATIFICATION.get(outcome)) or OUTCOMES.get(outcome, outcome),
        "approved": labels(sheet.get("approved")),
        "sections": section_labels(sheet.get("sections")),
        "rationale": sheet.get("rationale"),
        "conditions": sheet.get("conditions"),
        "actions": sheet.get("actions"),
        "refer_to_jarp": "Yes" if sheet.get("refer_to_jarp") else "No",
    }


def jarp_follow_up_problems(answers: dict) -> list[str]:
    """The Panel referred the case to JARP (Panels §6): the unit starts the JARP
    referral (its own form) before confirming; a Group Manager may override,
    with a reason, when it is not needed."""
    if (answers or {}).get("referral_started"):
        return []
    return [about("referral_started", "The Panel referred this case to JARP: start the JARP referral from the "
                                      "case page first (Panels §6).")]


# ---------------------------------------------------------------- who sits on the Panel

# Panels §1 'Membership', as the posts the product has: the chair (the
# Assistant Director, the Deputy Director); the Heads of Service for Access and
# Assessment, Children in Need, Family Support and Looked After Children; the
# Head of Service Children's Resources; the Principal Lawyer; the Manager of
# the Access to Resources Team (ART's Group Manager); the Manager of the
# Independent Reviewing Team; the Head Teacher of the Virtual School for LAC.
CHAIRS = ("Assistant Director", "Deputy Director")
MEMBER_POSTS = ("Head of Family Support", "Head of Service Children's Resources", "Principal Lawyer",
                "Independent Reviewing Team Manager", "Virtual School Head Teacher")
MEMBER_SERVICES = {"Head of Service": ("A&A", "CIN", "Family Support", "LAC"), "Group Manager": ("ART",)}


def is_member(post: str, service: str | None) -> bool:
    """Whether someone in `post` (of `service`) sits on the Panel (Panels §1
    'Membership'): members are 'given work time opportunity to look at papers
    in advance of the Monday morning meeting', so they see the agenda and the
    papers of the cases listed on it."""
    return post in CHAIRS or post in MEMBER_POSTS or service in MEMBER_SERVICES.get(post, ())


# Panels §1 'Guidance for Presenting Cases', as the recommendation records them,
# and the child's voice (issue 12 items 10 and 21): what the Panel's pages show.
PRESENTING = (
    ("What the child wants to happen next", "child_wishes"),
    ("Why the child was not asked", "child_not_asked_reason"),
    ("Relatives and friends contacted and asked to care for the child", "relatives_contacted"),
    ("What relatives and friends said, and who was not contacted", "relatives_response"),
    ("Views of the parents, the Children's Guardian or the court", "parents_views"),
    ("Legal advice taken", "legal_advice_taken"),
    ("Legal advice and other legal options", "legal_advice"),
)


def presenting_points(recommendation) -> list[tuple[str, str]]:
    """(label, answer) for each presenting point the recommendation answered."""
    if not isinstance(recommendation, dict):
        return []
    out = []
    for label, key in PRESENTING:
        value = recommendation.get(key)
        if isinstance(value, bool):
            value = "Yes" if value else "No"
        if value not in (None, ""):
            out.append((label, str(value)))
    return out


# ---------------------------------------------------------------- secure accommodation (section 25)

SECURE = "secure_accommodation"


def is_secure(sought) -> bool:
    """Secure accommodation is decided on its own route (Matrix of
    Responsibility, Looked After Children: 'Placement of child in secure
    accommodation: Assistant Director; Secure Planning Meeting chaired by Head
    of Service; Assistant Director must approve recommendation from Secure
    Planning Meeting'; Panels §1: 'a Secure Panel will need to be convened')."""
    return SECURE in (sought or [])


def secure_planning_problems(answers: dict, today) -> list[str]:
    """The Secure Planning Meeting is recorded once it has been held: its date
    today or earlier (a meeting not yet held cannot recommend)."""
    held = (answers or {}).get("held_on")
    if held and clock.as_date(held) > clock.as_date(today):
        return [about("held_on", f"The Secure Planning Meeting is on {_day(held)}, which has not happened yet: "
                                 f"record it once it has been held.")]
    return []


def secure_decision(planning: dict, approval: dict, now) -> dict:
    """The Assistant Director's decision on the Secure Planning Meeting's
    recommendation, as the final decision the unit reads and the case shows."""
    approved = approval.get("decision") == "approve"
    return {
        "outcome": OUTCOMES["approved" if approved else "not_approved"],
        "approved": labels([SECURE]) if approved else [],
        "sections": section_labels(["s25"]) if approved else [],
        "rationale": approval.get("rationale"),
        "conditions": approval.get("conditions"),
        "actions": approval.get("actions"),
        "refer_to_jarp": "No",
        "outcome_key": "approved" if approved else "not_approved",
        "approved_keys": [SECURE] if approved else [],
        "sitting": None,
        "sitting_label": f"Secure Planning Meeting of {_day(planning['held_on'])}, then the Assistant Director",
        "final_at": clock.as_london(now).isoformat(),
    }
