"""Adoption and Fostering Panel booking rules, as pure functions and data.

Source: 004 "Panels: Roles and Functions" §4 (Adoption Panel) and §5 (Fostering
Panel); PROCESS-RULES §3.  Both Panels meet monthly (extra dates may be added);
the Panel Manager publishes a yearly timetable of dates with deadlines for
papers; a case is booked with a booking form; at most 6 cases sit at an
Adoption Panel and 8 at a Fostering Panel, more go on the reserve list with a
firm place at the next date that has room; the Panel Advisor decides priority
when a date is oversubscribed, agrees special circumstances for late papers and
checks the papers are adequate.  The documents each case type needs are listed
in CASE_TYPES, in the source's order and words.

Nothing here touches the database: engine/bookings.py takes places with
conditional UPDATEs and asks these functions what to try.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import clock
from .problems import about
from .calendar import OFFICE_CLOSES, deadline_at, is_working_day, next_working_day

ADOPTION = "Adoption Panel"
FOSTERING = "Fostering Panel"
HOS_CHILDRENS_RESOURCES = "Head of Service Children's Resources"
FOSTERING_MANAGER = "Fostering Manager"

# Panels §4 and §5 "Implications of the new system".
PANELS = {
    "adoption": {"name": ADOPTION, "capacity": 6, "section": "Panels §4",
                 "decides": ADOPTION},
    "fostering": {"name": FOSTERING, "capacity": 8, "section": "Panels §5",
                  # Matrix of Responsibility: "Fostering Panel to recommend to HoS Resources for decision".
                  "decides": HOS_CHILDRENS_RESOURCES},
}
CAPACITY = {p["name"]: p["capacity"] for p in PANELS.values()}
SLUGS = {p["name"]: slug for slug, p in PANELS.items()}

# Not in the source: the timetable form suggests papers 15 working days (three
# weeks) before the Panel; the Panel Manager may choose another number.
DEFAULT_DEADLINE_WORKING_DAYS = 15
# Not in the source: a case given a place from the reserve list after the
# deadline has passed has 2 working days to send its papers.
PROMOTED_PAPERS_WORKING_DAYS = 2

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
WEEKS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


# ---------------------------------------------------------------- checklists

def _doc(label, *kinds, optional=False):
    return {"label": label, "kinds": kinds, "optional": optional}


# Each document: its words in the source, the kinds of case paper that count
# as it (processes/papers.py), and whether the source marks it "(if applicable)".
CASE_TYPES: dict[str, dict] = {
    # ---- Adoption Panel (Panels §4 "Documentation required")
    "adoption_best_interests": {
        "panel": ADOPTION, "label": "Placement for adoption (best interests)",
        "permanency": "Adoption",
        "documents": [
            _doc("Child Permanence Report", "child_permanence_report"),
            _doc("Photos (copies, not originals)", "photos"),
            _doc("Foster Carer's Report", "foster_carer_report"),
            _doc("Medical Report", "medical_report"),
            _doc("Psychiatric Report", "psychiatric_report"),
            _doc("GAL's Report", "guardian_report"),
            _doc("Educational: last PEP report, school attendance", "education_report"),
            _doc("Psychologist's Report", "psychologist_report"),
            _doc("Additional specialist medical report", "specialist_medical_report"),
            _doc("Child's written statement of their views about the proposed placement or adoption",
                 "child_views"),
            _doc("Views of the birth mother", "birth_mother_views"),
            _doc("Views of the birth father", "birth_father_views"),
        ]},
    "adopter_approval": {
        "panel": ADOPTION, "label": "Approval of adopter(s)", "permanency": None,
        "documents": [
            _doc("Form F, Part I and II", "form_f", "prospective_adopter_report"),
            _doc("CRB clearance", "crb_check", "safeguarding_checks"),
            _doc("Medical report(s)", "medical_report"),
            _doc("NSPCC check", "nspcc_check", "safeguarding_checks"),
            _doc("Local Authority checks", "local_authority_checks", "safeguarding_checks"),
            _doc("Independent references", "references"),
            _doc("Family references", "references"),
            _doc("Education reference", "references", optional=True),
            _doc("Ex-partner's reference", "references", optional=True),
            _doc("Workplace reference", "references", optional=True),
            _doc("Health and safety checks", "health_safety_check"),
            _doc("Photos", "photos"),
        ]},
    "adoption_matching": {
        "panel": ADOPTION, "label": "Matching (adoption)", "permanency": None,
        "documents": [
            _doc("Child Permanence Report (updated if appropriate)", "child_permanence_report"),
            _doc("Child Placement Report", "placement_report"),
            _doc("Form F, Part I and II", "form_f", "prospective_adopter_report"),
            _doc("Updated CRB", "crb_check", "safeguarding_checks"),
            _doc("Updated medical report", "medical_report"),
            _doc("Placement Order", "placement_order", "court_order"),
        ]},
    "adoption_termination": {
        "panel": ADOPTION, "label": "Termination of approval (adopters)", "permanency": None,
        "documents": [
            _doc("Form F, Part I and II", "form_f", "prospective_adopter_report"),
            _doc("Termination report", "termination_report"),
        ]},
    "adoption_change_of_plan": {
        "panel": ADOPTION, "label": "Approval of change of plan (adoption)", "permanency": None,
        "documents": [
            _doc("Child Permanence Report", "child_permanence_report"),
            _doc("Report outlining the change, with recommendation", "change_of_plan_report"),
            _doc("Family finding activities", "family_finding"),
        ]},
    "adoption_approval_case": {
        "panel": ADOPTION, "label": "Approval case (adoption)", "permanency": None,
        "documents": [
            _doc("Form F, Part I and II, and updated information", "form_f",
                 "prospective_adopter_report"),
        ]},
    # ---- Fostering Panel (Panels §5 "Documents Required")
    "fostering_permanence": {
        "panel": FOSTERING, "label": "Permanence fostering (best interests, long-term fostering)",
        "permanency": "LAC", "signed_off_by": FOSTERING_MANAGER,
        "documents": [
            _doc("Child Permanence Report", "child_permanence_report"),
            _doc("Photos", "photos"),
            _doc("Foster Carer's Report", "foster_carer_report"),
            _doc("Medical Report", "medical_report"),
            _doc("Psychiatric Report", "psychiatric_report"),
            _doc("GAL's Report", "guardian_report"),
            _doc("Educational and PEP Report", "education_report"),
            _doc("Psychologist's Report", "psychologist_report"),
            _doc("Additional specialist medical report", "specialist_medical_report"),
            _doc("Child's written statement of their views about the proposed placement",
                 "child_views"),
            _doc("Views of the birth mother", "birth_mother_views"),
            _doc("Views of the birth father", "birth_father_views"),
            # Only where an adoption plan was rescinded: the source's own words say so.
            _doc("Approval of change of plans (rescinded adoption plan)", "change_of_plan_report",
                 "panel_extracts", optional=True),
        ]},
    "foster_carer_approval": {
        "panel": FOSTERING, "label": "Approval as foster carer(s)", "permanency": None,
        "signed_off_by": FOSTERING_MANAGER,
        "documents": [
            _doc("Form F, Part I and II assessment reports", "form_f"),
            _doc("Safeguarding checks: CRB cleared", "crb_check", "safeguarding_checks"),
            _doc("Safeguarding checks: references, including employment", "references"),
            _doc("Safeguarding checks: Local Authority checks", "local_authority_checks",
                 "safeguarding_checks"),
            _doc("Safeguarding checks: education references", "references", optional=True),
            _doc("Ex-partner's view", "references", optional=True),
            _doc("Medical reports", "medical_report"),
            _doc("Health and Safety checks", "health_safety_check"),
            _doc("Photos", "photos"),
        ]},
    "fostering_variation_review": {
        "panel": FOSTERING, "label": "Variation of approval and first review", "permanency": None,
        "documents": [
            _doc("Original Form F", "form_f"),
            _doc("Extracts from last panel", "panel_extracts"),
            _doc("Updated review", "foster_carer_review"),
            _doc("Updated safeguarding checks", "safeguarding_checks", "crb_check"),
            _doc("Feedback from social workers of children in placement and placed in the last year",
                 "feedback"),
            _doc("Feedback from the young person", "feedback", "child_views"),
            _doc("Education progress report of the child(ren) in placement", "education_report"),
            _doc("Health feedback", "medical_report", "feedback"),
            _doc("Health and Safety checklist", "health_safety_check"),
        ]},
    "fostering_reapproval": {
        "panel": FOSTERING, "label": "Re-approval after a change in circumstances", "permanency": None,
        "documents": [
            _doc("Updated review", "foster_carer_review"),
            _doc("Report on investigation or report on continuation", "investigation_report"),
            _doc("Report of circumstances / recommendation", "investigation_report", optional=True),
            _doc("Updated safeguarding checks", "safeguarding_checks", "crb_check"),
            _doc("Health and Safety checklist", "health_safety_check"),
            _doc("Feedback from the social worker of the child(ren) placed", "feedback"),
            _doc("Feedback from other professionals", "feedback", optional=True),
            _doc("Previous panel extracts", "panel_extracts"),
        ]},
    "fostering_matching": {
        "panel": FOSTERING, "label": "Matching (fostering)", "permanency": None,
        "documents": [
            _doc("Child Permanence Report", "child_permanence_report"),
            _doc("Matching report", "placement_report"),
            _doc("Report on the foster carer", "foster_carer_report", "foster_carer_review"),
            _doc("Previous panel report / extracts", "panel_extracts", optional=True),
            _doc("Updated medical", "medical_report"),
            _doc("Safeguarding checks", "safeguarding_checks", "crb_check"),
            _doc("References", "references"),
            _doc("Health and Safety checklist", "health_safety_check"),
        ]},
    "fostering_change_of_plan": {
        "panel": FOSTERING, "label": "Approval of change of plan (rescinded best interest)",
        "permanency": None,
        "documents": [
            _doc("Recent panel extracts", "panel_extracts"),
            _doc("Updated Form F / E (permanence report)", "child_permanence_report", "form_f"),
            _doc("Professional reports: psychologist and any additional specialist medical report",
                 "psychologist_report", "specialist_medical_report"),
            _doc("Recent reviews", "foster_carer_review", "review_papers"),
        ]},
    "fostering_termination": {
        "panel": FOSTERING, "label": "Termination of approval (foster carers)", "permanency": None,
        "documents": [
            _doc("Form F, Part I and II", "form_f"),
            _doc("Recent reviews", "foster_carer_review", "review_papers"),
            _doc("Termination report", "termination_report"),
        ]},
    "kinship_approval": {
        "panel": FOSTERING, "label": "Kinship approval", "permanency": None,
        "documents": [
            _doc("Kinship assessment or Form F2", "kinship_assessment", "form_f"),
            _doc("Child's matching report", "placement_report"),
            _doc("Safeguarding checks", "safeguarding_checks", "crb_check"),
            _doc("Health and Safety checklist", "health_safety_check"),
        ]},
}


def panel_of(case_type: str) -> str:
    return CASE_TYPES[case_type]["panel"]


def case_type_label(case_type: str) -> str:
    return CASE_TYPES[case_type]["label"]


def case_types(panel: str) -> list[str]:
    return [k for k, t in CASE_TYPES.items() if t["panel"] == panel]


def needs_sign_off(case_type: str) -> bool:
    """Matrix of Responsibility (LAC table): "Approval of long term foster care
    for a child" and "Approval of foster carers": "Fostering manager to sign off
    the report", then "Fostering Panel to recommend to HoS Resources for
    decision".  The case types of those two decisions (permanence fostering,
    approval as foster carers) wait for the Fostering Manager's sign-off of
    the report before their papers go to the Panel Advisor; the Matrix names
    no sign-off for the others."""
    return CASE_TYPES[case_type].get("signed_off_by") == FOSTERING_MANAGER


def item_key(case_type: str, index: int) -> str:
    """How a form answer names one document of a checklist."""
    return f"{case_type}.{index + 1}"


def checklist(case_type: str) -> list[dict]:
    """The documents the case type needs, each with its form key."""
    return [dict(d, key=item_key(case_type, i), kinds=list(d["kinds"]))
            for i, d in enumerate(CASE_TYPES[case_type]["documents"])]


def item_title(item: dict) -> str:
    return item["label"] + (" (if applicable)" if item["optional"] else "")


def checklist_text(case_type: str) -> str:
    """The checklist as one line for a form's summary."""
    return "; ".join(f"{i + 1}. {item_title(d)}" for i, d in enumerate(checklist(case_type)))


def included_text(case_type: str, included) -> str:
    """The checklist documents ticked as included in another report."""
    chosen = set(included or [])
    return "; ".join(item_title(d) for d in checklist(case_type) if d["key"] in chosen) or "None"


def papers_text(papers) -> str:
    """The papers sent, as one line: 'Medical report: medical.pdf; ...'."""
    return "; ".join(f"{p.get('label')}: {p.get('name')}" for p in papers or []
                     if isinstance(p, dict)) or "None"


def _kinds_sent(papers) -> set[str]:
    return {p.get("kind") for p in papers or [] if isinstance(p, dict)}


def missing_documents(case_type: str, answers: dict) -> list[str]:
    """Required documents neither sent as a case paper of a kind that counts
    nor ticked as included in another report."""
    sent = _kinds_sent(answers.get("papers"))
    included = set(answers.get("included") or [])
    return [d["label"] for d in checklist(case_type)
            if not d["optional"] and d["key"] not in included and not sent.intersection(d["kinds"])]


def is_late(now, papers_due) -> bool:
    return papers_due is not None and clock.as_london(now) > clock.as_london(papers_due)


def papers_problems(case_type: str, answers: dict, papers_due, now) -> list[str]:
    """What stops the unit's papers going to the Panel Advisor.

    A missing document or late papers are not a dead end: with an explanation
    they go to the Panel Advisor, who decides (guidance, not rigid rules)."""
    out = []
    wrong = [k for k in answers.get("included") or [] if not str(k).startswith(case_type + ".")]
    if wrong:
        out.append("Tick only documents on this case type's checklist.")
    missing = missing_documents(case_type, answers)
    if missing and not (answers.get("missing_reason") or "").strip():
        out.append(f"The checklist for {case_type_label(case_type)} needs: {'; '.join(missing)}. "
                   "Upload each to the case papers and select it, or tick it as included in "
                   "another report. If one cannot be sent, say why: the Panel Advisor decides "
                   "whether the case can still go to Panel.")
    if is_late(now, papers_due) and not (answers.get("special_circumstances") or "").strip():
        out.append(f"The deadline for papers was {deadline_label(papers_due)}. Late papers are "
                   "not accepted unless the Panel Advisor agrees special circumstances: "
                   "describe them (Panels §4 and §5).")
    return out


def check_problems(answers: dict, missing: list, sitting_on, today=None) -> list[str]:
    """The Panel Advisor's check: a booking is not confirmed while a required
    document is missing (the Advisor may still accept it, with a reason)."""
    out = []
    if answers.get("outcome") == "adequate" and missing:
        out.append("A booking cannot be confirmed while a required document is missing: "
                   + "; ".join(missing) + ".")
    if answers.get("outcome") == "return" and answers.get("resubmit_by"):
        back = clock.as_date(answers["resubmit_by"])
        if back > clock.as_date(sitting_on):
            out.append(f"The papers must come back before the Panel on {long_date(sitting_on)}.")
        elif today is not None and back < clock.as_date(today):
            out.append("The date for the papers to come back must not be in the past.")
    return out


# Not in the source: dates further ahead than this are taken to be typing errors.
HORIZON_DAYS = 3 * 366


def too_far(day, today) -> bool:
    return clock.as_date(day) > clock.as_date(today) + timedelta(days=HORIZON_DAYS)


def booking_problems(answers: dict, today) -> list[str]:
    today = clock.as_date(today)
    out = []
    if answers.get("when") == "date" and answers.get("sitting_date"):
        if clock.as_date(answers["sitting_date"]) <= today:
            out.append(about("sitting_date", "Choose a Panel date after today."))
        elif too_far(answers["sitting_date"], today):
            out.append(about("sitting_date", "Choose a Panel date from the published calendar: that date is "
                                             "years away."))
    if answers.get("when") == "court":
        if not answers.get("in_court"):
            out.append(about("in_court", "Only a case in court proceedings can hold a date for the Court."))
        hearing = answers.get("initial_hearing_date")
        if hearing and clock.as_date(hearing) < today:
            out.append(about("initial_hearing_date", "The initial hearing has already taken place: book a "
                                                     "particular date instead."))
        elif hearing and too_far(hearing, today):
            out.append(about("initial_hearing_date", "Check the date of the initial hearing: it is years away."))
    return out


def sitting_day_problem(day) -> str | None:
    """A Panel sits on a working day: not at a weekend, not on a bank holiday
    in England and Wales (processes/calendar.py).  Not in the source in so many
    words; the Panels meet in office hours like every meeting it describes."""
    day = clock.as_date(day)
    if is_working_day(day):
        return None
    why = "a weekend" if day.weekday() >= 5 else "a bank holiday"
    return f"{long_date(day)} is {why}: a Panel sits on a working day. Choose another date."


def deadline_passed(deadline, now) -> bool:
    return deadline is not None and clock.as_london(now) >= clock.as_london(deadline)


def late_booking_problem(sitting_on, deadline, late_reason, now) -> str | None:
    """Panels §4 and §5: 'Forms and reports not submitted by the deadline will
    not be accepted unless there are special circumstances and this has been
    agreed by the panel advisor.'  Booking a date whose papers deadline has
    passed is warned before it books: with the special circumstances the case
    is booked and the Panel Advisor decides before any papers are asked for."""
    if not deadline_passed(deadline, now) or (late_reason or "").strip():
        return None
    return (f"The papers deadline for the Panel on {long_date(sitting_on)} was {deadline_label(deadline)}. "
            "Late papers are accepted only if the Panel Advisor agrees special circumstances "
            "(Panels §4 and §5): describe them to ask, or choose a later date.")


def late_booking_problems(answers: dict, sitting_on, today) -> list[str]:
    """The Panel Advisor's answer to a booking made after the papers deadline:
    agreed, the papers are due by a date from today up to the day before the Panel."""
    if answers.get("decision") != "accept" or not answers.get("papers_by"):
        return []
    by = clock.as_date(answers["papers_by"])
    if by < clock.as_date(today):
        return ["The date for the papers must not be in the past."]
    if by >= clock.as_date(sitting_on):
        return [f"The papers must come before the Panel on {long_date(sitting_on)}: choose an earlier date."]
    return []


def recommendation_problems(answers: dict, sitting_on, today) -> list[str]:
    if clock.as_date(today) < clock.as_date(sitting_on):
        return [f"The Panel sits on {long_date(sitting_on)}: record its recommendation on or after "
                "that day."]
    return []


# ---------------------------------------------------------------- dates

long_date = clock.long_date


def deadline_label(value) -> str:
    at = clock.as_london(value)
    return f"{at.strftime('%H:%M')} on {long_date(at)}"


def papers_deadline(sitting_on, working_days_before: int) -> datetime:
    """Close of office on the working day `working_days_before` before the sitting."""
    return deadline_at(clock.as_date(sitting_on), -int(working_days_before))


def sitting_due(sitting_on) -> datetime:
    """When the Panel's recommendation is due: the end of the sitting day."""
    return datetime.combine(clock.as_date(sitting_on), OFFICE_CLOSES, tzinfo=clock.LONDON)


def court_due(initial_hearing) -> datetime:
    """Not in the source: the Court's answer is recorded by the end of the
    working day after the initial hearing."""
    return deadline_at(clock.as_date(initial_hearing), 1)


def resubmit_due(resubmit_by) -> datetime:
    return datetime.combine(clock.as_date(resubmit_by), OFFICE_CLOSES, tzinfo=clock.LONDON)


def promoted_papers_due(papers_deadline_at, now) -> datetime:
    """A case given a place from the reserve list keeps the date's deadline if
    it is still ahead, otherwise gets PROMOTED_PAPERS_WORKING_DAYS."""
    if papers_deadline_at is not None and clock.as_london(now) < clock.as_london(papers_deadline_at):
        return clock.as_london(papers_deadline_at)
    return deadline_at(clock.as_london(now), PROMOTED_PAPERS_WORKING_DAYS)


def _nth_weekday(year: int, month: int, weekday: int, week: int) -> date:
    if week == -1:
        last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1))
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week - 1))


def monthly_sittings(year: int, weekday: int, week: int) -> list[date]:
    """One date a month (Panels §4 and §5: monthly): the `week`-th (or last, -1)
    `weekday` of each month; on a bank holiday the Panel sits on the next
    working day (not in the source)."""
    if weekday not in range(5) or week not in WEEKS:
        raise ValueError("weekday is 0-4 (Monday-Friday); week is 1-4 or -1 (last)")
    return [next_working_day(_nth_weekday(year, m, weekday, week)) for m in range(1, 13)]


# ---------------------------------------------------------------- places

@dataclass(frozen=True)
class Sitting:
    """What placement needs to know about one published date."""
    id: int
    on: date
    deadline: datetime | None     # aware
    capacity: int
    booked: int
    cancelled: bool = False

    @property
    def has_room(self) -> bool:
        return not self.cancelled and self.booked < self.capacity


@dataclass(frozen=True)
class Plan:
    """Where a booking goes: a place at `book`, and, when the date asked for
    is full, a place on that date's reserve list (`reserve`)."""
    book: Sitting | None
    reserve: Sitting | None = None


def open_for_booking(sitting: Sitting, now) -> bool:
    """A date a unit may be given without asking: still ahead, not cancelled,
    its papers deadline not yet passed."""
    now = clock.as_london(now)
    return (not sitting.cancelled and sitting.on > now.date()
            and (sitting.deadline is None or now < clock.as_london(sitting.deadline)))


def next_with_room(sittings, now, after=None) -> Sitting | None:
    """The first date open for booking, with room, after `after` (a date) if given."""
    after = clock.as_date(after) if after is not None else None
    for s in sorted(sittings, key=lambda s: s.on):
        if (after is None or s.on > after) and s.has_room and open_for_booking(s, now):
            return s
    return None


def plan(sittings, now, wanted=None, after=None) -> Plan:
    """Panels §4/§5: a place at the date asked for (`wanted`), or at the next
    date with room; when the date asked for is full, the case goes on its
    reserve list with a firm place at the next date that has room.

    Raises LookupError with a plain reason when there is nowhere to go."""
    sittings = list(sittings)
    if wanted is not None:
        wanted = clock.as_date(wanted)
        asked = next((s for s in sittings if s.on == wanted), None)
        if asked is None or asked.cancelled:
            raise LookupError(f"There is no Panel on {long_date(wanted)}. "
                              "Choose a date from the Panel calendar.")
        if asked.on <= clock.as_london(now).date():
            raise LookupError(f"The Panel on {long_date(wanted)} has already sat.")
        if asked.has_room:
            return Plan(book=asked)
        firm = next_with_room(sittings, now, after=asked.on)
        if firm is None:
            raise LookupError(f"The Panel on {long_date(wanted)} is full and no later date has "
                              "room for a firm place. The Panel Manager can add an extra date.")
        return Plan(book=firm, reserve=asked)
    firm = next_with_room(sittings, now, after=after)
    if firm is None:
        raise LookupError("No published Panel date "
                          + (f"after {long_date(after)} " if after is not None else "")
                          + "has room before its papers deadline. The Panel Manager can add an extra date.")
    return Plan(book=firm)


def next_rank(ranks) -> int:
    """A new reserve goes to the end of the list."""
    return max([r for r in ranks if r is not None], default=0) + 1


def reserve_order(entries):
    """The reserve list in priority order: entries are (id, rank) pairs;
    rank set by the Panel Advisor, then the order they came."""
    return sorted(entries, key=lambda e: (e[1] if e[1] is not None else 10 ** 6, e[0]))


def reordered(ids: list[int], moved: int, position: int) -> list[int]:
    """The reserve list with `moved` at `position` (1 = first)."""
    if moved not in ids:
        raise ValueError("That case is not on this reserve list.")
    if not 1 <= position <= len(ids):
        raise ValueError(f"The position must be between 1 and {len(ids)}.")
    rest = [i for i in ids if i != moved]
    return rest[:position - 1] + [moved] + rest[position - 1:]


def placement_data(panel: str, status: str, sitting_on, deadline, booking_id: int,
                   sitting_id: int, reserve_on=None, papers_due=None, now=None) -> dict:
    """The task data a placement gives the process: what its forms show and
    its due dates and agenda read.  `late`: the papers were already due when
    the case was placed (`now`), so the Panel Advisor decides on late papers
    before the unit is asked for them (Panels §4 and §5)."""
    papers_due = clock.as_london(papers_due if papers_due is not None else
                                 deadline if deadline is not None else sitting_due(sitting_on))
    sitting_on = clock.as_date(sitting_on)
    placement = {
        "panel": panel, "status": status, "booking_id": booking_id, "sitting_id": sitting_id,
        "sitting_on": sitting_on.isoformat(), "sitting_label": long_date(sitting_on),
        "papers_deadline": clock.as_london(deadline).isoformat() if deadline is not None else None,
        "papers_due_label": deadline_label(papers_due),
        "status_label": {"booked": "Booked", "held": "Held for the Court"}.get(status, status),
        "reserve_on": clock.as_date(reserve_on).isoformat() if reserve_on is not None else None,
        # Not the position: the Panel Advisor may reorder the list (its page shows it).
        "reserve_label": (f"On the reserve list for {long_date(reserve_on)}"
                          if reserve_on is not None else "Not on a reserve list"),
        "late": now is not None and deadline_passed(papers_due, now),
    }
    return {
        "placement": placement,
        "papers_due": papers_due.isoformat(),
        "papers_due_label": deadline_label(papers_due),
        "sitting_due": sitting_due(sitting_on).isoformat(),
        "process_due": sitting_due(sitting_on).isoformat(),
        "agenda": {"name": panel, "sitting": sitting_on.isoformat(), "status": "listed"},
    }


# ---------------------------------------------------------------- outcome

def outcome(case_type: str, recommendation: dict, decision: dict | None = None) -> dict:
    """What was decided: the Adoption Panel's recommendation stands (Matrix:
    "Adoption Panel to approve"); the Fostering Panel recommends to the Head
    of Service Children's Resources, who decides."""
    panel = panel_of(case_type)
    if panel == FOSTERING:
        approved = bool(decision) and decision.get("decision") == "approve"
        by = HOS_CHILDRENS_RESOURCES
    else:
        approved = recommendation.get("outcome") == "recommend"
        by = ADOPTION
    receiving = CASE_TYPES[case_type]["permanency"]
    return {"panel": panel, "approved": approved, "decided_by": by,
            "permanency_approved": approved and receiving is not None,
            "receiving_service": receiving if approved else None,
            "summary": ("Approved" if approved else "Not approved") + f" ({by})"}


def transfer_after_approval(case: dict, booking: dict, result: dict, transfer_running: bool,
                            today) -> dict | None:
    """Case Transfer §3.2: a CIN case not in court moves to LAC / Adoption once
    its permanency plan is approved at the Fostering or Adoption Panel: the
    transfer is started (start_next) unless one is already running."""
    if not result.get("permanency_approved") or transfer_running:
        return None
    if case.get("service") != "CIN" or booking.get("in_court"):
        return None
    plan_key = "adoption_panel" if result["panel"] == ADOPTION else "fostering_panel"
    return {"process": "case_transfer", "data": {"permanency_plan": {
        "plan": plan_key, "approved_on": clock.as_date(today).isoformat(),
        "case_type": booking.get("case_type"), "receiving_service": result["receiving_service"]}}}
