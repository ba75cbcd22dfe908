"""Case transfer protocol: routes, due dates and the conditions each route needs.

Source: 004, Section 2 "Case Transfer" (§1 principles, §2.3 missing
information, §3 points of transfer, §3.1-3.4 routes, §4 difficulties), the
Matrix of Responsibility (transfer to / acceptance from another local
authority) and PROCESS-RULES §1.

The protocol is "guidance - not rigid rules" (§1 FLEXIBILITY): `problems`
only lists unmet conditions; the route's "decider" (or a higher post) may
override them with a recorded reason. Every function is pure: dates are passed
in, as dates, datetimes or ISO strings (London calendar dates are used).
"""
from datetime import date, datetime, time, timedelta, timezone

from . import clock, posts
from .problems import about
from .calendar import add_working_days, deadline_at

OTHER_LA = "Other local authority"
LEAVING_CARE = "Leaving Care"

DUE_WORKING_DAYS = 3          # §3: "within 3 working days of the request to transfer"
HOLD_HOURS = 24               # §2.3: missing information, "never ... more than a 24 hour delay"
JOINT_VISIT_DAYS = 7          # "within the week leading up to transfer"
CORE_GROUP_WEEKS = 6          # §3.1 child protection
PRE_BIRTH_KEEP_WEEKS = 4      # §3.1 pre-birth: A&A keeps the case
PRE_BIRTH_WINDOW_WEEKS = 8    # §3.1 pre-birth: transfer within 8 weeks of the EDD
RR_PROMPT_MONTHS, RR_OVERDUE_MONTHS = 4, 6   # §3.4 "between 4 - 6 months"
LEAVING_CARE_AGE = 16         # §3.3 and the Leaving Care Service ("from the age of 16")
EARLY_LEAVING_CARE_AGE = 15   # §3.2 "between 15 and 16 years"
EXAM_MONTHS = (5, 6)          # §3.3 "following GCSEs": May and June taken as the exam period

PERMANENCY_PLANS = {
    "final_hearing": "the Final Hearing",
    "fostering_panel": "approval at the Fostering Panel",
    "adoption_panel": "approval at the Adoption Panel",
    "resource_panel": "approval at the Children's Resource Panel",
}

# §4: first the two CSWs, face to face (not by e-mail); then both Group Managers.
DISAGREEMENT_STEPS = (posts.CSW, posts.GROUP_MANAGER)

_A_A_IN = ("request_date", "transfer_date", "joint_visit_date")
_PERMANENCE = ("in_court", "permanency_plan", "permanency_plan_date", "date_of_birth")

ROUTES: dict[str, dict] = {
    "aa_cin_child_protection": {
        "label": "Child protection (A&A to CIN)",
        "from": ("A&A",), "to": ("CIN",),
        "fields": [*_A_A_IN, "core_group_date", "first_review_conference_date"],
        "decider": posts.CSW, "source": "Case Transfer §3.1 Child Protection cases",
    },
    "aa_cin_pre_birth": {
        "label": "Pre-birth child protection with a plan for proceedings (A&A to CIN)",
        "from": ("A&A",), "to": ("CIN",),
        "fields": [*_A_A_IN, "expected_delivery_date", "initial_hearing_date"],
        "decider": posts.CSW, "source": "Case Transfer §3.1 Pre-birth",
    },
    "aa_cin_looked_after": {
        "label": "Looked after / leaving care, after the first review (A&A to CIN)",
        # "The majority will go to CIN": CIN unless another service is chosen.
        "from": ("A&A",), "to": ("CIN", "LAC", LEAVING_CARE), "default_to": "CIN",
        "fields": [*_A_A_IN, "first_lac_review_date", "destination", "permanency_plan",
                   "date_of_birth"],
        "decider": posts.CSW, "source": "Case Transfer §3.1 Looked After Children or Leaving Care",
    },
    "aa_cin_court": {
        "label": "Case in court, at the First Hearing (A&A to CIN)",
        "from": ("A&A",), "to": ("CIN",),
        "fields": ["request_date", "transfer_date", "first_hearing_date", "both_services_attend"],
        "decider": posts.CSW, "source": "Case Transfer §3.1 Cases in court",
    },
    "aa_cin_child_in_need": {
        "label": "Child in need after a core assessment (A&A to CIN)",
        "from": ("A&A",), "to": ("CIN",),
        "fields": [*_A_A_IN, "core_assessment_date", "further_work_recommended", "clear_plan"],
        "decider": posts.CSW, "source": "Case Transfer §3.1 Children in Need",
    },
    "aa_cwd": {
        "label": "Children with disabilities (A&A to CWD)",
        "from": ("A&A",), "to": ("CWD",),
        # with child protection factors, the named CIN unit's CSW decides in their own task
        "fields": [*_A_A_IN, "child_protection_factors", "cin_unit"],
        "decider": posts.CSW, "source": "Case Transfer §3.1 Children with Disabilities",
    },
    "cin_permanence": {
        "label": "Permanent separation (CIN to LAC / Adoption / Leaving Care)",
        "from": ("CIN",), "to": ("LAC", "Adoption", LEAVING_CARE),
        "fields": [*_A_A_IN, "destination", *_PERMANENCE],
        "decider": posts.CSW, "source": "Case Transfer §3.2",
    },
    "cin_leaving_care_early": {
        "label": "Aged 15-16 straight to Leaving Care (CIN to Leaving Care)",
        "from": ("CIN",), "to": (LEAVING_CARE,),
        # "by agreement between Group Managers": each decides in their own task (AGREEMENTS)
        "fields": [*_A_A_IN, *_PERMANENCE],
        "decider": posts.GROUP_MANAGER, "source": "Case Transfer §3.2",
    },
    "lac_leaving_care": {
        "label": "Leaving care (LAC to Leaving Care)",
        "from": ("LAC",), "to": (LEAVING_CARE,),
        "fields": [*_A_A_IN, "date_of_birth", "young_person_view", "wants_to_stay_in_lac",
                   "stay_in_lac_granted", "exams_finished"],
        "decider": posts.CSW, "source": "Case Transfer §3.3",
    },
    "into_rapid_response": {
        "label": "Family conflict risking care (to Rapid Response)",
        "from": ("A&A", "CIN", "CWD"), "to": ("Rapid Response",),
        "fields": [*_A_A_IN, "risk_of_care_from_family_conflict"],
        "decider": posts.CSW, "source": "Case Transfer §3.4",
    },
    "out_of_rapid_response": {
        "label": "Out of Rapid Response (to CIN / LAC / Leaving Care)",
        "from": ("Rapid Response",), "to": ("CIN", "LAC", LEAVING_CARE),
        "fields": [*_A_A_IN, "destination", "permanency_plan", "date_of_birth"],
        "decider": posts.CSW, "source": "Case Transfer §3.4",
    },
    "to_other_authority": {
        "label": "Transfer to another local authority",
        "from": ("A&A", "CIN", "LAC", LEAVING_CARE, "Adoption", "CWD", "Rapid Response"),
        "to": (OTHER_LA,),
        "fields": ["request_date", "transfer_date", "other_authority"],
        "decider": posts.CSW, "source": "Matrix of Responsibility: transfer to another local authority",
    },
    "from_other_authority": {
        "label": "Acceptance of a case from another local authority",
        "from": (OTHER_LA,),
        "to": ("A&A", "CIN", "LAC", LEAVING_CARE, "Adoption", "CWD", "Rapid Response"),
        "fields": ["request_date", "transfer_date", "other_authority", "destination"],
        # "Consultant Social Worker / Referral Manager": the same rank (posts.CHAIN_RANK).
        "decider": posts.CSW,
        "source": "Matrix of Responsibility: acceptance of a case from another local authority",
    },
}


def _route(route: str) -> dict:
    try:
        return ROUTES[route]
    except (KeyError, TypeError):
        raise ValueError(f"unknown transfer route {route!r}") from None


# --- dates -----------------------------------------------------------------

def transfer_due(requested_at) -> datetime:
    """17:00 London on the 3rd working day after the request day (§3).

    The request day never counts, whatever the time of the request (§0).
    """
    return deadline_at(requested_at, DUE_WORKING_DAYS)


def hold_until(flagged_at) -> datetime:
    """The latest a transfer may be held for missing information: 24 elapsed hours (§2.3).

    Elapsed time, so across a clock change the London wall time moves by an hour.
    """
    flagged = clock.as_london(flagged_at).astimezone(timezone.utc)
    return (flagged + timedelta(hours=HOLD_HOURS)).astimezone(clock.LONDON)


def _add_months(d: date, months: int) -> date:
    """Calendar months later; a day missing from the target month becomes its last day."""
    year, month0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + year, month0 + 1
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(d.day, (first_of_next - timedelta(days=1)).day))


def rapid_response_dates(allocated_on) -> tuple[date, date]:
    """(prompt_on, overdue_on): 4 and 6 calendar months after allocation (§3.4).

    "Rapid Response will work with families for between 4 - 6 months": the unit
    is prompted to decide at 4 months; the case is overdue at 6. Month-end
    days clamp to the last day of the month (31 Oct + 4 months = 28 Feb, or 29
    Feb in a leap year). The dates are not moved to working days.
    """
    start = clock.as_date(allocated_on)
    return _add_months(start, RR_PROMPT_MONTHS), _add_months(start, RR_OVERDUE_MONTHS)


# Routes whose transfer needs the agreement of both services' Group Managers,
# each in their own task (§3.2 "by agreement between Group Managers"; issue 12 item 4).
NEEDS_GM_AGREEMENT = ("cin_leaving_care_early",)


def needs_gm_agreement(route: str) -> bool:
    """Whether both Group Managers must agree before the receiving unit decides (§3.2)."""
    _route(route)
    return route in NEEDS_GM_AGREEMENT


def can_reject(route: str) -> bool:
    """False for a child in need after a core assessment (§3.1 Children in Need).

    CIN "are not able to reject the case on the grounds of thresholds or a
    perceived lack of role". On other routes a refusal goes to §4 (the CSWs
    face to face, then the Group Managers).
    """
    _route(route)
    return route != "aa_cin_child_in_need"


def age_on(date_of_birth, on) -> int:
    """Age in whole years on a date. Someone born on 29 February has birthdays
    on 1 March in common years (so is 16 on 1 March, not 28 February)."""
    born, day = clock.as_date(date_of_birth), clock.as_date(on)
    if day < born:
        raise ValueError(f"{day.isoformat()} is before the date of birth {born.isoformat()}")
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February in a common year
        return date(born.year + age, 3, 1)


# --- problems --------------------------------------------------------------

def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _weeks_days(n: int) -> str:
    weeks, days = divmod(abs(n), 7)
    parts = ([f"{weeks} week" + ("s" if weeks != 1 else "")] if weeks else []) + \
            ([_days(days)] if days or not weeks else [])
    return " and ".join(parts)


class _Facts:
    """The form's facts, with dates parsed and messages' dates formatted
    without the year when it is the transfer date's year."""

    def __init__(self, facts: dict):
        self.raw = dict(facts or {})
        self.transfer = self.date("transfer_date")

    def get(self, key):
        value = self.raw.get(key)
        return None if value == "" else value

    def date(self, key):
        value = self.get(key)
        return None if value is None else clock.as_date(value)

    def fmt(self, d: date) -> str:
        ref = self.transfer.year if self.transfer else None
        return f"{d.day} {d:%B}" + ("" if d.year == ref else f" {d.year}")


def _answered(f: _Facts, key: str, question: str) -> list[str]:
    return [] if f.get(key) is not None else [f"{question} is not answered."]


def _check_deadline(f: _Facts) -> list[str]:
    requested = f.date("request_date")
    if requested is None:
        return ["The request date is not recorded."]
    if f.transfer is None:
        return []
    due = add_working_days(requested, DUE_WORKING_DAYS)
    if f.transfer < requested:
        return [f"The transfer date ({f.fmt(f.transfer)}) is before the request "
                f"({f.fmt(requested)})."]
    if f.transfer > due:
        return [f"The transfer must take place within 3 working days of the request "
                f"(requested on {f.fmt(requested)}, due by {f.fmt(due)}; the transfer date "
                f"{f.fmt(f.transfer)} is {_days((f.transfer - due).days)} late)."]
    return []


def _check_joint_visit(f: _Facts) -> list[str]:
    visit = f.date("joint_visit_date")
    if visit is None:
        return ["The joint visit by the sending and receiving services is not recorded."]
    if f.transfer is None:
        return []
    before = (f.transfer - visit).days
    if 0 <= before <= JOINT_VISIT_DAYS:
        return []
    when = f"{_days(before)} before" if before > 0 else f"{_days(-before)} after it"
    return [f"The joint visit must be within the 7 days before the transfer date "
            f"(it was on {f.fmt(visit)}, {when})."]


def _check_destination(spec: dict, f: _Facts) -> list[str]:
    destination = f.get("destination")
    if destination is None:
        if len(spec["to"]) > 1 and not spec.get("default_to"):
            return ["The receiving service is not chosen (" + ", ".join(spec["to"]) + ")."]
        return []
    if destination not in spec["to"]:
        return [f"'{destination}' is not a receiving service for this route ("
                + ", ".join(spec["to"]) + ")."]
    return []


def _destination(spec: dict, f: _Facts):
    d = f.get("destination")
    if d is None:
        return spec.get("default_to") or (spec["to"][0] if len(spec["to"]) == 1 else None)
    return d if d in spec["to"] else None


def _age_problems(f: _Facts, minimum: int, why: str) -> list[str]:
    born = f.date("date_of_birth")
    if born is None:
        return ["The young person's date of birth is not recorded."]
    if f.transfer is None:
        return []
    if f.transfer < born or age_on(born, f.transfer) < minimum:
        return [f"{why} (the young person is {minimum} on {f.fmt(_birthday(born, minimum))}; "
                f"the transfer date is {f.fmt(f.transfer)})."]
    return []


def _leaving_care_age(f: _Facts) -> list[str]:
    """Leaving Care works with young people from 16 (Leaving Care Service; §3.2, §3.3)."""
    return _age_problems(
        f, LEAVING_CARE_AGE,
        "Leaving Care takes young people from their 16th birthday; younger than that, "
        "only aged 15-16 by agreement between both Group Managers")


def _plan(f: _Facts, allowed: tuple[str, ...], need: str) -> list[str]:
    plan = f.get("permanency_plan")
    if plan is not None and plan not in PERMANENCY_PLANS:
        return [f"'{plan}' is not a permanency plan."]
    if plan not in allowed:
        return [f"{need} (" + (f"recorded: {PERMANENCY_PLANS[plan]}" if plan else
                               "none is recorded") + ")."]
    return []


def _permanence(f: _Facts) -> list[str]:
    """§3.2: transfer at the Final Hearing (in court) or after the Fostering or
    Adoption Panel approves the permanency plan (not in court)."""
    in_court = f.get("in_court")
    if in_court is None:
        return ["Whether the case is in court is not answered."]
    if in_court:
        allowed, need = ("final_hearing",), \
            "A case in court needs its permanency plan decided at the Final Hearing"
    else:
        allowed, need = ("fostering_panel", "adoption_panel"), \
            "A case not in court needs its permanency plan approved at the Fostering or Adoption Panel"
    out = _plan(f, allowed, need)
    when = f.date("permanency_plan_date")
    if out:
        return out
    event = "Final Hearing" if in_court else "panel approval"
    if when is None:
        return [f"The date of the {event} is not recorded."]
    if f.transfer and f.transfer < when:
        return [f"The transfer cannot come before the {event} on {f.fmt(when)} "
                f"(the transfer date is {f.fmt(f.transfer)})."]
    return []


def _child_protection(spec, f):
    """§3.1: the receiving unit at a Core Group at least 6 weeks before the first Review CP Conference."""
    group, conference = f.date("core_group_date"), f.date("first_review_conference_date")
    out = []
    if group is None:
        out.append("The Core Group attended by the receiving unit is not recorded.")
    if conference is None:
        out.append("The date of the first Review CP Conference is not recorded.")
    if out:
        return out
    before = (conference - group).days
    if before < CORE_GROUP_WEEKS * 7:
        when = f"{_weeks_days(before)} before" if before >= 0 else f"{_weeks_days(before)} after"
        out.append(f"The receiving unit must attend a Core Group at least 6 weeks before the "
                   f"first Review CP Conference on {f.fmt(conference)} (the Core Group on "
                   f"{f.fmt(group)} is {when}).")
    return out


def _pre_birth_keeps(f: _Facts) -> bool:
    requested, due = f.date("request_date"), f.date("expected_delivery_date")
    return bool(requested and due and requested >= due - timedelta(weeks=PRE_BIRTH_KEEP_WEEKS))


def _pre_birth(spec, f):
    """§3.1 pre-birth: requested within 4 weeks (28 days or fewer) of the EDD, A&A
    keeps the case and transfers on or after the initial hearing; otherwise the
    transfer falls in the 8 weeks (56 days) up to and including the EDD."""
    due = f.date("expected_delivery_date")
    if due is None:
        return ["The expected delivery date is not recorded."]
    if _pre_birth_keeps(f):
        hearing = f.date("initial_hearing_date")
        if hearing is None:
            return ["Requested within 4 weeks of the expected delivery date "
                    f"({f.fmt(due)}): A&A keeps the case until the initial hearing, "
                    "which is not recorded."]
        if f.transfer and f.transfer < hearing:
            return ["Requested within 4 weeks of the expected delivery date "
                    f"({f.fmt(due)}): A&A keeps the case until the initial hearing on "
                    f"{f.fmt(hearing)} (the transfer date is {f.fmt(f.transfer)})."]
        return []
    if f.transfer is None:
        return []
    earliest = due - timedelta(weeks=PRE_BIRTH_WINDOW_WEEKS)
    if f.transfer < earliest:
        return [f"A pre-birth case transfers within the 8 weeks before the expected delivery "
                f"date of {f.fmt(due)}, from {f.fmt(earliest)} (the transfer date "
                f"{f.fmt(f.transfer)} is {_weeks_days((due - f.transfer).days)} before)."]
    if f.transfer > due:
        return [f"A pre-birth case transfers by the expected delivery date of {f.fmt(due)} "
                f"(the transfer date is {f.fmt(f.transfer)})."]
    return []


def _looked_after(spec, f):
    """§3.1: after the first LAC review; to CIN unless (exceptionally) a permanency
    plan involving separation already exists."""
    out = []
    review = f.date("first_lac_review_date")
    if review is None:
        out.append("The first looked after review is not recorded.")
    elif f.transfer and f.transfer < review:
        out.append(f"The case transfers after the first looked after review on "
                   f"{f.fmt(review)} (the transfer date is {f.fmt(f.transfer)}).")
    destination = _destination(spec, f)
    if destination in ("LAC", LEAVING_CARE):
        out += _plan(f, tuple(PERMANENCY_PLANS),
                     f"A transfer to {destination} rather than CIN needs a permanency plan "
                     "for separation from the birth family")
    if destination == LEAVING_CARE:
        out += _leaving_care_age(f)
    return out


def _court(spec, f):
    """§3.1 cases in court: transfer at the First Hearing, attended by both services."""
    out = []
    hearing = f.date("first_hearing_date")
    if hearing is None:
        out.append("The First Hearing is not recorded.")
    elif f.transfer and f.transfer != hearing:
        out.append(f"A case in court transfers at the First Hearing on {f.fmt(hearing)} "
                   f"(the transfer date is {f.fmt(f.transfer)}).")
    if f.get("both_services_attend") is not True:
        out.append("Staff from the units of both services (A&A and CIN) must attend the "
                   "First Hearing.")
    return out


def _child_in_need(spec, f):
    """§3.1 children in need: a completed core assessment recommending further work, with a clear plan."""
    out = []
    done = f.date("core_assessment_date")
    if done is None:
        out.append("The completed core assessment is not recorded.")
    elif f.transfer and f.transfer < done:
        out.append(f"The core assessment (completed {f.fmt(done)}) must be complete before "
                   f"the transfer on {f.fmt(f.transfer)}.")
    if f.get("further_work_recommended") is not True:
        out.append("The core assessment must recommend further work with the family.")
    if f.get("clear_plan") is not True:
        out.append("The case must transfer with a clear plan.")
    return out


def _cwd(spec, f):
    """§3.1 children with disabilities: with child protection factors a CIN CSW takes responsibility."""
    factors = f.get("child_protection_factors")
    if factors is None:
        return _answered(f, "child_protection_factors", "Whether there are child protection factors")
    if factors and not f.get("cin_unit"):
        return ["There are child protection factors: a Consultant Social Worker in CIN takes "
                "case responsibility (CWD may work jointly by agreement between Group Managers); "
                "name the CIN unit."]
    return []


def cin_takes_responsibility(route: str, facts: dict) -> bool:
    """§3.1 children with disabilities: with child protection factors a CIN
    Consultant Social Worker takes case responsibility; they decide it in their
    own task (issue 12 item 4), not the sending unit by a checkbox."""
    _route(route)
    facts = facts or {}
    return route == "aa_cwd" and facts.get("child_protection_factors") is True and bool(facts.get("cin_unit"))


def _cin_permanence(spec, f):
    out = _permanence(f)
    if _destination(spec, f) == LEAVING_CARE:
        out += _leaving_care_age(f)
    return out


def _cin_leaving_care_early(spec, f):
    """§3.2: aged 15-16 straight to Leaving Care by agreement between Group Managers
    (the agreement itself is their two tasks in the diagram, not a fact recorded here)."""
    out = _permanence(f)
    out += _age_problems(f, EARLY_LEAVING_CARE_AGE,
                         "Only young people aged 15 or over may go straight to Leaving Care")
    return out


def _lac_leaving_care(spec, f):
    """§3.3: after the 16th birthday, the young person involved, not during exams."""
    out = _age_problems(f, LEAVING_CARE_AGE,
                        "A young person moves from LAC to Leaving Care on or after their "
                        "16th birthday")
    view = f.get("young_person_view")
    if not (isinstance(view, str) and view.strip()):
        out.append("The young person's view of the transfer is not recorded.")
    stay = f.get("wants_to_stay_in_lac")
    if stay is None:
        out += _answered(f, "wants_to_stay_in_lac", "Whether the young person wants to stay in LAC")
    elif stay:
        granted = f.get("stay_in_lac_granted")
        if granted is None:
            out.append("The young person has asked to stay in LAC: the request must be "
                       "decided first.")
        elif granted:
            out.append("The young person's request to stay in LAC was granted, so the case "
                       "does not transfer.")
    if f.transfer and f.transfer.month in EXAM_MONTHS:
        finished = f.get("exams_finished")
        if finished is True:
            pass
        elif finished in (None, False):
            out.append(f"The transfer date {f.fmt(f.transfer)} falls in the GCSE exam period "
                       "(May-June) and the young person's exams are not recorded as finished.")
        else:
            ended = clock.as_date(finished)
            if f.transfer <= ended:
                out.append(f"The transfer date {f.fmt(f.transfer)} falls in the GCSE exam "
                           f"period: transfer after the young person's exams finish on "
                           f"{f.fmt(ended)}.")
    return out


def _into_rapid_response(spec, f):
    """§3.4: family conflict risking care goes to Rapid Response immediately (the same day)."""
    out = []
    if f.get("risk_of_care_from_family_conflict") is not True:
        out.append("Rapid Response takes children at risk of becoming looked after because "
                   "of family conflict; that risk is not recorded.")
    requested = f.date("request_date")
    if requested and f.transfer and f.transfer != requested:
        out.append(f"A case is allocated to Rapid Response immediately, on the day of the "
                   f"request ({f.fmt(requested)}; the transfer date is {f.fmt(f.transfer)}).")
    return out


def _out_of_rapid_response(spec, f):
    """§3.4: to LAC or Leaving Care only with a permanency plan approved by the Children's Resource Panel."""
    destination = _destination(spec, f)
    out = []
    if destination in ("LAC", LEAVING_CARE):
        out += _plan(f, ("resource_panel",),
                     f"A transfer from Rapid Response to {destination} needs a permanency plan "
                     "approved by the Children's Resource Panel")
    if destination == LEAVING_CARE:
        out += _leaving_care_age(f)
    return out


def _other_authority(spec, f):
    name = f.get("other_authority")
    if not (isinstance(name, str) and name.strip()):
        return ["The other local authority is not named."]
    return []


_RULES = {
    "aa_cin_child_protection": _child_protection,
    "aa_cin_pre_birth": _pre_birth,
    "aa_cin_looked_after": _looked_after,
    "aa_cin_court": _court,
    "aa_cin_child_in_need": _child_in_need,
    "aa_cwd": _cwd,
    "cin_permanence": _cin_permanence,
    "cin_leaving_care_early": _cin_leaving_care_early,
    "lac_leaving_care": _lac_leaving_care,
    "into_rapid_response": _into_rapid_response,
    "out_of_rapid_response": _out_of_rapid_response,
    "to_other_authority": _other_authority,
    "from_other_authority": _other_authority,
}


def problems(route: str, facts: dict) -> list[str]:
    """The route's unmet conditions in plain English; [] when none (Case Transfer §3).

    Common to all routes: a transfer date; a request date, with the transfer
    within 3 working days of it (§3), except where the route fixes the
    transfer point itself (at the First Hearing; pre-birth cases A&A keeps
    until the initial hearing; Rapid Response the same day); a joint visit
    0-7 days before the transfer date on every route except cases in court
    and between local authorities. An unknown route raises ValueError.
    """
    spec = _route(route)
    f = _Facts(facts)
    out = [] if f.transfer else ["The transfer date is not recorded."]
    out += _check_destination(spec, f)
    out += _RULES[route](spec, f)
    if "joint_visit_date" in spec["fields"]:
        out += _check_joint_visit(f)
    if route == "into_rapid_response" or route == "aa_cin_court" or (
            route == "aa_cin_pre_birth" and _pre_birth_keeps(f)):
        if f.date("request_date") is None:
            out.append("The request date is not recorded.")
    else:
        out += _check_deadline(f)
    return out


# --- the request (§3) --------------------------------------------------------

def request_problems(answers: dict, case: dict, today) -> list[str]:
    """What is wrong with a transfer request (Case Transfer §3).

    The route must start from the case's current service and go to the
    receiving service (ROUTES 'from' and 'to'), not to the unit that already
    holds the case; and the proposed transfer date cannot be before the day of
    the request (issue 12 item 5: refused here, with the answers kept, not one
    step later).
    """
    spec = _route(answers.get("route"))
    out = []
    if case.get("service") not in spec["from"]:
        out.append("This route is for cases in " + " or ".join(spec["from"]) + "; this case is in "
                   + str(case.get("service")) + " (Case Transfer §3).")
    if answers.get("receiving_service") not in spec["to"]:
        out.append(about("receiving_service", "This route goes to " + " or ".join(spec["to"]) + ", not "
                         + str(answers.get("receiving_service")) + " (Case Transfer §3)."))
    if answers.get("receiving_unit") and answers.get("receiving_unit") == case.get("unit"):
        out.append(about("receiving_unit", "The case is already in " + answers["receiving_unit"] + "."))
    proposed, day = answers.get("transfer_date"), clock.as_date(today)
    if proposed and clock.as_date(proposed) < day:
        out.append(about("transfer_date", f"The proposed transfer date ({_long(clock.as_date(proposed))}) is "
                         f"before the request ({_long(day)}): enter today or a later date (Case Transfer §3)."))
    return out


def _long(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


# --- the point of transfer (§3.1-3.4; issue 12 item 1) ------------------------

# Routes whose case moves as soon as the receiving unit accepts (§3.1 children
# in need: no gate-keeping; §3.4 Rapid Response "immediately").
IMMEDIATE = ("aa_cin_child_in_need", "into_rapid_response")
# The fact (on the conditions form) that fixes a route's point of transfer, and its name.
POINT_FACTS = {
    "aa_cin_court": ("first_hearing_date", "the First Hearing"),
    "aa_cin_pre_birth": ("initial_hearing_date", "the initial hearing"),
    "aa_cin_looked_after": ("first_lac_review_date", "the first looked after review"),
    "cin_permanence": ("permanency_plan_date", "the Final Hearing or panel approval"),
    "cin_leaving_care_early": ("permanency_plan_date", "the Final Hearing or panel approval"),
}
MOVE_TIME = time(17, 0)   # the end of the working day of the hearing, review or approval


def transfer_point(route: str, transfer_date, facts: dict) -> tuple[str, str | None]:
    """(fact, label) of the route's point of transfer: ('transfer_date', None)
    when the route has no event of its own (the proposed transfer date governs).
    Pre-birth cases have one only when A&A keeps the case (requested within 4
    weeks of the expected delivery date, §3.1)."""
    _route(route)
    if route not in POINT_FACTS:
        return "transfer_date", None
    if route == "aa_cin_pre_birth" and not _pre_birth_keeps(
            _Facts(dict(facts or {}, transfer_date=transfer_date))):
        return "transfer_date", None
    return POINT_FACTS[route]


def moves_at(route: str, transfer_date, facts: dict, accepted_at) -> datetime:
    """When the case moves to the receiving unit (Case Transfer §3.1-3.4).

    Acceptance is due within 3 working days of the request, but the case
    moves at the route's point of transfer: at the First Hearing (cases in
    court); after the initial hearing (pre-birth, A&A keeps the case); after
    the first looked after review; when the permanency plan is approved
    (Final Hearing or panel approval); otherwise on the proposed transfer
    date. Immediately on acceptance for a child in need and Rapid Response.
    Where a route's event comes before the proposed transfer date, the later
    of the two governs, except at the First Hearing, which fixes the day. The
    move is at 17:00 London that day (after the hearing, review or approval),
    and never before acceptance: a day already passed moves the case now.
    """
    accepted = clock.as_london(accepted_at)
    if route in IMMEDIATE:
        _route(route)
        return accepted
    fact, _ = transfer_point(route, transfer_date, facts)
    proposed = clock.as_date(transfer_date) if transfer_date else accepted.date()
    event = (facts or {}).get(fact) if fact != "transfer_date" else None
    if event:
        event = clock.as_date(event)
        day = event if route == "aa_cin_court" else max(event, proposed)
    else:
        day = proposed
    at = datetime.combine(day, MOVE_TIME, tzinfo=clock.LONDON)
    return max(at, accepted)


def date_change_problems(answers: dict, today) -> list[str]:
    """A changed hearing (or transfer) date cannot be in the past (issue 12 item 1)."""
    new, day = answers.get("new_date"), clock.as_date(today)
    if new and clock.as_date(new) < day:
        return [f"The new date ({_long(clock.as_date(new))}) is in the past: enter today "
                f"({_long(day)}) or a later date."]
    return []
