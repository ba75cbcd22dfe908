"""JARP referral rules: threshold, Appendix B priority score, meeting and response dates.

Source: 004, Panels §6 "Joint Allocation Resource Panel", Appendix A (referral
pathway) and Appendix B (criteria for prioritisation, exceptions).
"""
import json
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources

from . import clock, sittings
from .problems import about
from .calendar import (JARP_MEETINGS, OFFICE_CLOSES, OFFICE_OPENS, MeetingCalendar,
                       add_working_days, next_working_day, previous_working_day)

_DATA = json.loads(
    resources.files(__package__).joinpath("data/jarp_criteria.json").read_text("utf-8"))

CRITERIA: list[dict] = _DATA["criteria"]
POINTS: dict[str, int] = {c["key"]: c["points"] for c in CRITERIA}
LABELS: dict[str, str] = {c["key"]: c["label"] for c in CRITERIA}
THRESHOLD_RISKS: dict[str, str] = {r["key"]: r["label"] for r in _DATA["threshold_risks"]}
DIRECT_GROUNDS: dict[str, str] = {g["key"]: g["label"] for g in _DATA["direct_referral_grounds"]}
_PRIORITY_FLOORS = sorted(
    ((p["min_points"], p["priority"]) for p in _DATA["priorities"]), reverse=True)

# Panels §6 'Who can refer to JARP?': the case-holding social work units of
# these services (Fostering & Adoption is two services here).  Tier 2, Rapid
# Response, Family Support and ART do not hold Tier 3 cases for JARP.
REFERRING_SERVICES = ("A&A", "CIN", "CWD", "Fostering", "Adoption", "Hospital", "Leaving Care", "LAC")
# Appendix B Exceptions: a direct referral goes to these two services.
DIRECT_AGENCIES = ("Contact Service", "Parenting Support Service")

CARRIED_OVER = "carried_over"
CUTOFF_TIME = time(14, 0)
# Appendix B: P2 "within 2-5 working days", P3 "within 3-10 working days".
_WORKING_DAY_WINDOWS = {2: (2, 5), 3: (3, 10)}


def _keys(chosen, known) -> list[str]:
    """Distinct keys from an iterable of keys or a dict key -> bool (truthy = chosen)."""
    if chosen is None:
        return []
    if isinstance(chosen, str):
        chosen = [chosen]
    elif isinstance(chosen, dict):
        # Unknown keys are kept even when false so that typos are reported.
        chosen = [k for k, on in chosen.items() if on or k not in known]
    return list(dict.fromkeys(chosen))


def score(criteria) -> int:
    """Sum of Appendix B points over the chosen criteria; each counts once.

    Accepts keys or a dict key -> bool. An unknown key raises ValueError.
    """
    keys = _keys(criteria, POINTS)
    for key in keys:
        if key not in POINTS:
            raise ValueError(f"unknown JARP criterion {key!r}")
    return sum(POINTS[k] for k in keys)


def priority(points: int) -> int:
    """Appendix B priority: 11+ points -> 1, 7-10 -> 2, 1-6 -> 3.

    The source writes P1 as 11-20; anything above 20 is P1 too. 0 points gives
    3: a referral meeting the threshold with no Appendix B criterion is lowest.
    """
    if points < 0:
        raise ValueError(f"points cannot be negative: {points}")
    return next((p for floor, p in _PRIORITY_FLOORS if points >= floor), 3)


def _friday_before(d: date) -> date:
    return d - timedelta(days=(d.weekday() - 4) % 7 or 7)


def cutoff_for(sitting, calendar: MeetingCalendar = JARP_MEETINGS) -> datetime:
    """The referral cut-off for a sitting: 14:00 on the Friday before it (Appendix A step 2).

    For a moved sitting the Friday before its original date counts, or before
    the new date if it was brought forward. The cut-off is not brought forward
    for a bank holiday Friday, so a holiday never pushes a referral back a week.
    """
    sitting = clock.as_date(sitting)
    anchor = min(sitting, calendar.original_date(sitting))
    return datetime.combine(_friday_before(anchor), CUTOFF_TIME, tzinfo=clock.LONDON)


def meeting_for(received_at, calendar: MeetingCalendar = JARP_MEETINGS) -> date:
    """The first sitting whose cut-off the referral meets (Appendix A steps 2-3).

    "By 2pm Friday" includes 14:00:00 exactly; 14:00:01 is late. A referral
    received Saturday to Friday 14:00 goes to the following Tuesday; cancelled
    sittings are skipped and moved ones sit on their new date.
    """
    received = clock.as_london(received_at)
    sitting = calendar.next_sitting(received.date())
    while received > cutoff_for(sitting, calendar):
        sitting = calendar.sitting_after(sitting)
    return sitting


def _meeting_start(meeting_at, calendar: MeetingCalendar) -> datetime:
    if isinstance(meeting_at, str) and len(meeting_at.strip()) == 10:
        meeting_at = date.fromisoformat(meeting_at.strip())
    if isinstance(meeting_at, date) and not isinstance(meeting_at, datetime):
        return calendar.starts_at(meeting_at)
    return clock.as_london(meeting_at)


def response_window(priority: int, meeting_at,
                    calendar: MeetingCalendar = JARP_MEETINGS) -> tuple[datetime, datetime]:
    """(earliest, latest) family support response after the JARP meeting (Appendix B).

    P1: within 48 elapsed hours of the meeting. P2: from 08:30 on the 2nd to
    17:00 on the 5th working day after it; P3: 3rd to 10th working day.
    A bare date means the meeting's usual start time (09:30).
    """
    start = _meeting_start(meeting_at, calendar)
    if priority == 1:
        latest = (start.astimezone(timezone.utc) + timedelta(hours=48)).astimezone(clock.LONDON)
        return start, latest
    if priority not in _WORKING_DAY_WINDOWS:
        raise ValueError(f"unknown JARP priority {priority!r}")
    first, last = _WORKING_DAY_WINDOWS[priority]
    return (
        datetime.combine(add_working_days(start, first), OFFICE_OPENS, tzinfo=clock.LONDON),
        datetime.combine(add_working_days(start, last), OFFICE_CLOSES, tzinfo=clock.LONDON),
    )


def threshold_problems(referral: dict) -> list[str]:
    """Plain-English reasons a referral fails the JARP threshold (Panels §6); [] if none.

    Every referral needs a Tier 3 case-holding social worker. A direct referral
    (Appendix B exceptions) needs a valid ground instead of a threshold risk.
    """
    problems = []
    if referral.get("case_holder_tier3") is not True:
        problems.append(about("case_holder_tier3",
                              "The family does not have a Tier 3 case-holding social worker."))
    ground = referral.get("direct_ground")
    risks = _keys(referral.get("threshold_risks"), THRESHOLD_RISKS)
    if ground:
        if ground not in DIRECT_GROUNDS:
            problems.append(about("direct_ground", f"'{ground}' is not a ground for a direct referral."))
    elif not risks and referral.get("referral_route") != "direct":  # a direct one lacks its ground: the form says so
        problems.append(about("threshold_risks", "The assessment shows none of the threshold risks: "
                              + ", ".join(r.lower() for r in THRESHOLD_RISKS.values()) + "."))
    problems += [about("threshold_risks", f"'{r}' is not a JARP threshold risk.")
                 for r in risks if r not in THRESHOLD_RISKS]
    problems += [about("criteria", f"'{c}' is not an Appendix B criterion.")
                 for c in _keys(referral.get("criteria"), POINTS) if c not in POINTS]
    return problems


def _ordered(keys) -> list[str]:
    chosen = set(keys)
    return [k for k in POINTS if k in chosen]


def assess(referral: dict, received_at, calendar: MeetingCalendar = JARP_MEETINGS) -> dict:
    """Score a referral and book its JARP meeting (Appendix A and B). JSON-serialisable.

    A direct referral is priority 1 whatever its points and is discussed at the
    meeting found by the same cut-off rule. Threshold problems are not checked
    here (they may be overridden); unknown keys or grounds raise ValueError.
    """
    ground = referral.get("direct_ground")
    if ground and ground not in DIRECT_GROUNDS:
        raise ValueError(f"unknown direct referral ground {ground!r}")
    keys = _keys(referral.get("criteria"), POINTS)
    points = score(keys)
    sitting = meeting_for(received_at, calendar)
    return {
        "points": points,
        "priority": 1 if ground else priority(points),
        "meeting_date": sitting.isoformat(),
        "meeting_at": calendar.starts_at(sitting).isoformat(),
        "direct": bool(ground),
        "criteria": _ordered(keys),
        "criteria_labels": [LABELS[k] for k in _ordered(keys)],
        "received_at": clock.as_london(received_at).isoformat(),
        "carried_over": False,
        "carry_overs": 0,
    }


def carry_over(assessment: dict, meeting_date, calendar: MeetingCalendar = JARP_MEETINGS) -> dict:
    """A referral not reached at meeting_date moves to the next sitting (Panels §6, Appendix B 12).

    The carried-over criterion (+2) is added once only; priority is recomputed.
    """
    keys = list(assessment.get("criteria", []))
    points = assessment["points"]
    if CARRIED_OVER not in keys:
        keys.append(CARRIED_OVER)
        points += POINTS[CARRIED_OVER]
    sitting = calendar.sitting_after(meeting_date)
    return {
        **assessment,
        "points": points,
        "priority": 1 if assessment.get("direct") else priority(points),
        "meeting_date": sitting.isoformat(),
        "meeting_at": calendar.starts_at(sitting).isoformat(),
        "criteria": _ordered(keys),
        "criteria_labels": [LABELS[k] for k in _ordered(keys)],
        "carried_over": True,
        "carry_overs": assessment.get("carry_overs", 0) + 1,
    }


def review_dates(allocated_on, n: int = 1) -> tuple[date, date]:
    """(flag_on, review_on) for the n-th six-weekly review (Appendix A steps 7-8).

    review_on is allocation + 6n weeks, moved on to a working day; the
    Co-ordinator flags it one week before, moved back to a working day.
    """
    if n < 1:
        raise ValueError(f"review number must be 1 or more: {n}")
    review_on = next_working_day(clock.as_date(allocated_on) + timedelta(weeks=6 * n))
    return previous_working_day(review_on - timedelta(days=7)), review_on


def agenda_sort_key(item: dict) -> tuple:
    """Agenda order: priority 1 first, carried over before new (Panels §6),
    then higher score, then earlier receipt."""
    carried = bool(item.get("carried_over") or item.get("carry_overs"))
    return (item["priority"], not carried, -item["points"], clock.as_london(item["received_at"]))


def referrer_problems(case_service: str | None) -> list[str]:
    """Why a case in `case_service` cannot be referred to JARP; [] if it can.

    Panels §6 'Who can refer to JARP?': only the case-holding units of the
    services listed there (REFERRING_SERVICES); 'case holding social workers
    in Tier 2 are not currently able to refer', so a Tier 2 case goes to Tier 3
    through Access and Assessment first.  Who in the unit may start it (the
    case holder or a post above them) is the start lane's rule.
    """
    if case_service in REFERRING_SERVICES:
        return []
    return [f"Only the case-holding units of {', '.join(REFERRING_SERVICES[:-1])} and {REFERRING_SERVICES[-1]} "
            f"may refer to JARP (Panels §6); this case is held in {case_service or 'no service'}. "
            "A case needing Tier 3 support is referred to Tier 3 through Access and Assessment first."]


def decision_problems(decision: dict, meeting_at, now) -> list[str]:
    """Why the JARP decision cannot be recorded now; [] if it can (issue 12 item 8).

    Appendix A steps 3 and 6: Tuesday's meeting (09:30) decides and the
    Co-ordinator records it, so every outcome (agreed, refused, not reached)
    is recorded at or after the sitting starts.  Urgent cases do not wait:
    they are the direct referrals of Appendix B, allocated before the meeting.
    """
    if not sittings.decision_problems(meeting_at, now):
        return []
    start = clock.as_london(meeting_at)
    return [f"JARP meets on {clock.long_time(start)}: record its decision at or after "
            "the meeting. A family needing an urgent response is a direct referral (Appendix B), "
            "which does not wait for JARP."]


def agenda_summary(referral: dict) -> str:
    """What the members read on the agenda before the sitting (Appendix A step 2:
    the referrals are distributed to members the same day): the assessment
    summary, what is asked for and what the child wants."""
    parts = [str(referral.get("assessment_summary") or "").strip()]
    if referral.get("duration_weeks"):
        parts.append(f"Asked for {referral['duration_weeks']} weeks, {referral.get('hours_per_week')} hours a week.")
    if referral.get("expected_outcomes"):
        parts.append(f"Expected outcomes: {str(referral['expected_outcomes']).strip()}")
    if referral.get("child_wishes"):
        parts.append(f"What the child wants to happen next: {str(referral['child_wishes']).strip()}")
    elif referral.get("child_not_asked_reason"):
        parts.append(f"The child was not asked: {str(referral['child_not_asked_reason']).strip()}")
    return " ".join(p for p in parts if p)


def providers(agencies) -> list[str]:
    """The agencies asked for progress summaries at a review (Appendix A step 7).

    A list of agencies (decisions from issue 12 on) is kept; free text, as
    referrals decided before then recorded it, names no agency the system
    knows, so no provider task is made and the Co-ordinator gathers those
    summaries as before.
    """
    if isinstance(agencies, (list, tuple)):
        return [str(a) for a in agencies]
    return []
