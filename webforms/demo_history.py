"""Demo history (issue 14 §5): twelve weeks of work a newcomer can learn from.

About 200 invented children registered across the units, and the real
procedures run through the engine's public functions as people would have
run them over the last twelve weeks: JARP referrals at every stage (some
late, some carried over or refused), Resource Panel referrals heard and
listed, case transfers under way, one instance stopped in error, one
suspended, the JARP agenda of the coming sitting, the Resource Panel's
agenda of the coming Monday, and the next Adoption Panel full with a reserve
list.  Each action runs at its moment in the past: the clock is moved back
for it (freezegun, `_History.act`): the rules', the database's (rows stamped
started, created, audited at) and SpiffWorkflow's timers alike, so due dates
fall in the past (overdue), a timer fires only if its moment passed before
the next step, and the managers' chart has twelve weeks to show.

Only ever added once, next to the minimal seed (webforms/demo.py) and
nothing else: when the first history case is there, or a database holds other
work, running it again adds nothing and says why (`seed_history`).  Every
name is invented; the references follow the demo's (CIN-0101, LAC-0101...)."""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from freezegun import freeze_time
from sqlalchemy import select

from engine import accounts, bookings, case_register, chart, documents, people, queries, repair, runtime, specs
from engine.db import db
from engine.models import Case, ProcessInstance, Task, User
from engine.transaction import unit_of_work
from processes import clock, jarp, panel_booking, posts, resource_panel

from .demo import CASES, DEMO_PASSWORD, UNITS

WEEKS = 12
CASES_PER_UNIT = 20
# Per service: the reference prefix the demo's first cases use (CIN-0001, ...);
# the history numbers from 0101, so the minimal seed's cases keep theirs.
PREFIX = {"A&A": "AA", "CIN": "CIN", "LAC": "LAC", "Leaving Care": "LC", "Adoption": "ADP",
          "Fostering": "FOS", "Family Support": "FS", "CWD": "CWD", "Rapid Response": "RR"}
FIRST_NUMBER = 101
MARK = "CIN-0101"  # the first case the history registers: there, the history is there
PROCESSES = ("jarp_referral", "resource_panel_referral", "panel_booking")  # the procedures it runs

FIRST_NAMES = ("Aiden", "Bella", "Caleb", "Daisy", "Ethan", "Freya", "Gabriel", "Hana", "Isaac", "Jasmine",
               "Kai", "Lily", "Mason", "Nia", "Oscar", "Poppy", "Quinn", "Rosa", "Samir", "Tilly",
               "Umar", "Violet", "Wyatt", "Xena", "Yusuf", "Zara", "Alfie", "Bethan", "Corey", "Dina",
               "Eli", "Fatima", "George", "Holly", "Ibrahim", "Jade", "Kian", "Leah", "Milo", "Nadia")
FAMILY_NAMES = ("Ashdown", "Brightwell", "Carrow", "Dunmore", "Elstree", "Fenwick", "Garside", "Hollins",
                "Ingleby", "Jessop", "Kettering", "Larkworth", "Marwood", "Netherby", "Oakhurst", "Pennick",
                "Quarrie", "Redfern", "Stanwick", "Thornbury", "Upcott", "Vardy", "Wexcombe", "Yardley")

# The people the procedures need besides the minimal seed's (one per post):
# a social worker for CIN Unit 2, so its cases have a case holder who refers.
STAFF = [{"username": "social-worker-cin-2", "name": "Demo Social Worker (CIN Unit 2)",
          "post": posts.SOCIAL_WORKER, "unit": "CIN Unit 2", "service": "CIN",
          "email": "social-worker-cin-2@example.org"}]
CASE_HOLDER = {"CIN Unit 1": "social-worker", "CIN Unit 2": "social-worker-cin-2",
               "LAC Unit 1": "social-worker-lac"}
CO_ORDINATOR, MANAGER, REGISTRAR = "jarp-co-ordinator", "group-manager", "system-administrator"
CSW, HOS, CHAIR = "consultant-social-worker", "head-of-service", "assistant-director"
PANEL_ADMIN, PANEL_MANAGER = "panel-administrator", "panel-manager"
REPRESENTATIVE = {"Child and Family Consultation Service": "agency-representative",
                  "Parenting Support Service": "agency-representative-parenting-support-service",
                  "Contact Service": "agency-representative-contact-service"}

SERVICES = [("family_therapy", "Child and Family Consultation Service"),
            ("parenting_programme", "Child and Family Consultation Service"),
            ("parenting_support_service", "Parenting Support Service"),
            ("contact_service", "Contact Service")]
CRITERIA = ["cp_concerns_imminent_removal", "substance_dependency_parent", "school_exclusion"]
SUMMARIES = ("Core assessment shows escalating conflict at home and a risk of family breakdown.",
             "Neglect concerns since the spring; school attendance below 70%.",
             "Parental substance misuse; the grandparents help but cannot take over.",
             "Repeated police call-outs for arguments between the young person and a parent.")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"


@dataclass
class _History:
    now: datetime
    rng: random.Random
    frozen: object = None  # freezegun's clock, moved to each action's moment
    users: dict = field(default_factory=dict)

    def user(self, username: str) -> User:
        if username not in self.users:
            self.users[username] = db.session.scalar(select(User).filter_by(username=username))
        return self.users[username]

    def act(self, moment: datetime, action):
        """One person's action at `moment`, in its own transaction, as a request is."""
        self.frozen.move_to(min(moment, self.now - timedelta(minutes=1)))
        with unit_of_work():
            return action()

    def task(self, instance_id: int, element_id: str, service: str | None = None) -> Task | None:
        query = select(Task).where(Task.instance_id == instance_id, Task.element_id == element_id,
                                   Task.state == "ready")
        if service:  # an agency's own allocation task
            query = query.where(Task.service == service)
        return db.session.scalars(query.order_by(Task.created_at)).first()

    def complete(self, moment, instance_id, element_id, username, answers, service=None) -> bool:
        """Complete the open `element_id` task at `moment` (False when there is none)."""
        def action():
            task = self.task(instance_id, element_id, service)
            if task is None:
                return False
            runtime.complete_task(task.id, self.user(username), answers)
            return True
        return self.act(moment, action)


# ---------------------------------------------------------------- cases and people

def _add_staff(h: _History) -> None:
    for person in STAFF:
        def action(person=person):
            user = people.add(None, person)
            accounts.set_password(user, DEMO_PASSWORD)
        h.act(h.now - timedelta(weeks=WEEKS, days=1), action)


def _register_cases(h: _History) -> dict[str, list[int]]:
    """Twenty children per unit, registered by the System administrator as the
    case management system had them, over the weeks before the history starts."""
    numbers: dict[str, int] = {}
    by_unit: dict[str, list[int]] = {}
    today = h.now.date()
    when = h.now - timedelta(weeks=WEEKS, days=3)
    rows = []
    for unit_name, service in UNITS:
        for _ in range(CASES_PER_UNIT):
            prefix = PREFIX[service]
            numbers[prefix] = numbers.get(prefix, FIRST_NUMBER - 1) + 1
            age_days = h.rng.randint(200, 17 * 365)
            rows.append((unit_name, {
                "reference": f"{prefix}-{numbers[prefix]:04d}", "child_name": _name(h.rng),
                "date_of_birth": today - timedelta(days=age_days), "unit": unit_name,
                "cp_status": h.rng.random() < 0.2, "lac_status": service in ("LAC", "Adoption", "Fostering"),
                "in_court": h.rng.random() < 0.1}))

    def action():
        registrar = h.user(REGISTRAR)
        for unit_name, fields in rows:
            by_unit.setdefault(unit_name, []).append(case_register.register(registrar, fields).id)
    h.act(when, action)
    return by_unit


# ---------------------------------------------------------------- JARP referrals

def _referral(h: _History, n: int) -> dict:
    chosen = h.rng.sample(SERVICES, 2)
    return {"referral_route": "standard", "case_holder_tier3": True,
            "threshold_risks": ["familial_breakdown", "child_protection_concerns"],
            "criteria": h.rng.sample(CRITERIA, h.rng.randint(1, 3)),
            "assessment_summary": SUMMARIES[n % len(SUMMARIES)],
            "services_requested": [s for s, _ in chosen],
            "duration_weeks": h.rng.choice((6, 8, 12)), "hours_per_week": h.rng.choice((2, 3, 3.5, 4)),
            "expected_outcomes": "Parents manage conflict without police call-outs; the child stays at home.",
            "child_asked": True, "child_wishes": "To stay at home and for the arguing to stop."}


def _decision(referral: dict, tier: str) -> dict:
    services = list(referral["services_requested"])
    agencies = sorted({a for s, a in SERVICES if s in services})
    return {"outcome": "allocate", "tier": tier, "services": services, "agencies": agencies,
            "rationale": "Threshold met; the services requested meet the needs the assessment shows."}


@dataclass
class _Plan:
    """How far one referral gets, and where it stops on purpose."""
    start: datetime
    stop: str = "done"   # draft, listed, decided, informed, allocating, done
    tier: str = "tier2"
    carry_over: bool = False
    refuse: bool = False


def _run_referral(h: _History, case_id: int, holder: str, plan: _Plan, n: int, referral=None) -> int:
    referral = referral or _referral(h, n)

    def start():
        case = db.session.get(Case, case_id)
        return runtime.start_instance("jarp_referral", case, h.user(holder)).id
    instance_id = h.act(plan.start, start)
    if plan.stop == "draft":
        return instance_id
    received = plan.start + timedelta(hours=2)
    h.complete(received, instance_id, "Task_complete_referral", holder, referral)
    meeting = jarp.meeting_for(received)
    decided_at = datetime.combine(meeting, time(11, 0), tzinfo=clock.LONDON)
    if plan.stop == "listed" or decided_at >= h.now:
        return instance_id
    if plan.carry_over:
        h.complete(decided_at, instance_id, "Task_record_decision", CO_ORDINATOR,
                   {"outcome": "carry_over", "rationale": "The meeting ran out of time."})
        decided_at += timedelta(days=7)
        if decided_at >= h.now:
            return instance_id
    if plan.refuse:
        h.complete(decided_at, instance_id, "Task_record_decision", CO_ORDINATOR,
                   {"outcome": "refuse", "rationale": "Threshold not met: the assessment is more than a year old."})
        return instance_id
    decision = _decision(referral, plan.tier)
    h.complete(decided_at, instance_id, "Task_record_decision", CO_ORDINATOR, decision)
    if plan.stop == "decided":
        return instance_id
    informed_at = decided_at + timedelta(days=1)
    if informed_at < h.now:
        h.complete(informed_at, instance_id, "Task_unit_informed", holder,
                   {"papers_sent_to_agencies": True, "notes": "Assessment and plan sent to the agencies."})
    if plan.stop == "informed":
        return instance_id
    for i, agency in enumerate(decision["agencies"]):
        allocated_at = decided_at + timedelta(days=2 + i)
        if allocated_at >= h.now or (plan.stop == "allocating" and i == len(decision["agencies"]) - 1):
            break
        services = [s for s, a in SERVICES if a == agency and s in decision["services"]]
        h.complete(allocated_at, instance_id, "Task_agency_allocation", REPRESENTATIVE[agency],
                   {"services_allocated": services, "worker_name": _name(h.rng),
                    "start_date": (allocated_at + timedelta(days=7)).date().isoformat()}, agency)
    return instance_id


def _referrals(h: _History, by_unit: dict[str, list[int]]) -> list[int]:
    """Referrals over the twelve weeks from the three referring units: the
    older ones mostly done, some stopped at a step nobody did in time."""
    started = []
    stops = ("done", "done", "listed", "done", "decided", "informed", "done", "allocating", "done", "draft")
    n = 0
    for u, (unit_name, holder) in enumerate(CASE_HOLDER.items()):
        for i, case_id in enumerate(by_unit[unit_name][:14]):
            days_ago = WEEKS * 7 - (i * 6 + u * 2)
            start = datetime.combine((h.now - timedelta(days=days_ago)).date(), time(9, 15), tzinfo=clock.LONDON)
            plan = _Plan(start=start, stop=stops[n % len(stops)], tier="tier3" if n % 3 == 0 else "tier2",
                         carry_over=n % 11 == 5, refuse=n % 13 == 7)
            started.append(_run_referral(h, case_id, holder, plan, n))
            n += 1
    return started


def _coming_sitting(h: _History, by_unit: dict[str, list[int]]) -> date:
    """Six referrals in since the last cut-off: the agenda of the coming sitting."""
    sitting = jarp.meeting_for(h.now)
    earliest = jarp.cutoff_for(sitting - timedelta(days=7)) + timedelta(minutes=5)
    for k, case_id in enumerate(by_unit["CIN Unit 1"][14:17] + by_unit["CIN Unit 2"][14:17]):
        holder = "social-worker" if k < 3 else "social-worker-cin-2"
        start = max(h.now - timedelta(hours=3 + 2 * k), earliest)
        _run_referral(h, case_id, holder, _Plan(start=start, stop="listed"), 100 + k)
    return sitting


# ---------------------------------------------------------------- one in error, one suspended

def _one_in_error(h: _History, by_unit) -> int:
    """A referral whose meeting date the Co-ordinator corrected by hand, in
    words: when the meeting then carries it over, the "Apply decision" script
    fails on that date (a real failure of a step), and the instance waits in
    error for a manager to put the date right and retry."""
    case_id = by_unit["LAC Unit 1"][15]
    start = h.now - timedelta(days=12)
    instance_id = _run_referral(h, case_id, "social-worker-lac", _Plan(start=start, stop="listed"), 200)
    meeting = jarp.meeting_for(start + timedelta(hours=2))
    decided_at = datetime.combine(meeting, time(11, 0), tzinfo=clock.LONDON)

    def correct():
        instance = db.session.get(ProcessInstance, instance_id)
        assessment = dict(queries.instance_data(instance)["assessment"], meeting_date=f"{meeting:%A %-d %B}")
        runtime.amend(instance, h.user(CO_ORDINATOR), {"assessment": assessment},
                      "Meeting date corrected on the referral")
    h.act(decided_at - timedelta(hours=2), correct)
    h.complete(decided_at, instance_id, "Task_record_decision", CO_ORDINATOR,
               {"outcome": "carry_over", "rationale": "The meeting ran out of time."})
    return instance_id


def _one_suspended(h: _History, instance_ids: list[int]) -> int | None:
    """A manager pauses one referral: the family moved out of the area."""
    for instance_id in instance_ids:
        instance = db.session.get(ProcessInstance, instance_id)
        if instance.status == "running" and instance.case.service == "CIN":
            h.act(h.now - timedelta(days=3), lambda: repair.suspend(
                instance_id, h.user(MANAGER), "The family moved out of the area; waiting for the new "
                "authority to confirm it takes the case"))
            return instance_id
    return None


# ---------------------------------------------------------------- the Resource Panel

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # the papers: a blank page each
SOUGHT = ["s20_planned"]


def _papers(h: _History, case_id: int, kinds) -> list[str]:
    """The CSW uploads a paper of each kind; their ids as the form gives them."""
    root = Path(current_app.config["DOCUMENTS_DIR"])
    case = db.session.get(Case, case_id)
    return [str(documents.store(case, kind, f"{kind}.pdf", PDF, h.user(CSW), root).id) for kind in kinds]


def _recommendation(evidence: list[str]) -> dict:
    return {"urgency": "standard", "sought": SOUGHT,
            "presenting_reason": "Escalating neglect; the child was found alone overnight twice this month.",
            "plan": "Accommodate with local foster carers while the parenting assessment completes.",
            "alternatives": "Parenting support for 12 weeks; the maternal aunt was asked and declined.",
            "family_support": "used", "family_support_summary": "Parenting Support Service for 12 weeks (JARP).",
            "family_support_evidence": evidence, "child_asked": True,
            "child_wishes": "To stay at the same school and see mum at weekends.",
            "relatives_contacted": True, "relatives_response": "The maternal aunt asked and declined.",
            "parents_views": "Mother agrees to accommodation; father not in contact.",
            "legal_advice_taken": True,
            "legal_advice": "Section 20 with the mother's consent is the least intrusive option."}


def _to_resource_panel(h: _History, case_id: int, approved_at: datetime) -> int:
    """Recommended, joined by the Group Manager, papers sent, approved by the
    Head of Service at `approved_at`: listed for the Panel that cut-off meets."""
    start = approved_at - timedelta(hours=4)

    def recommend():
        evidence = _papers(h, case_id, ["family_support_evidence"])
        instance = runtime.start_instance("resource_panel_referral", db.session.get(Case, case_id), h.user(CSW))
        task = h.task(instance.id, "Task_recommend")
        runtime.complete_task(task.id, h.user(CSW), _recommendation(evidence))
        return instance.id
    instance_id = h.act(start, recommend)
    h.complete(start + timedelta(hours=1), instance_id, "Task_gm_join", MANAGER, {"decision": "join"})

    def papers():
        task = h.task(instance_id, "Task_papers")
        ids = _papers(h, case_id, resource_panel.papers_needed(SOUGHT))
        runtime.complete_task(task.id, h.user(CSW), {"papers": ids})
    h.act(start + timedelta(hours=2), papers)
    h.complete(approved_at, instance_id, "Task_hos_decision", HOS,
               {"decision": "approve", "presenters": "The CSW and the Group Manager"})
    return instance_id


def _heard(h: _History, instance_id: int, sitting: date) -> None:
    """The Panel sat: its decision sheet, the chair's approval, the unit told."""
    at = datetime.combine(sitting, time(12, 0), tzinfo=clock.LONDON)
    h.complete(at, instance_id, "Task_decision_sheet", PANEL_ADMIN, {
        "outcome": "approved", "approved": SOUGHT, "sections": ["s20"],
        "rationale": "Every alternative was explored; the risk at home is too high tonight.",
        "conditions": "Review at the next Looked After review.", "actions": "CSW to confirm the placement by Friday.",
        "refer_to_jarp": False, "child_asked": True, "child_wishes": "She wants to stay at her school."})
    h.complete(at + timedelta(hours=3), instance_id, "Task_chair_approval", CHAIR, {"decision": "approve"})
    h.complete(at + timedelta(days=1), instance_id, "Task_read_decision", CSW, {"confirm": ["read"]})


def _resource_panel(h: _History, by_unit) -> date:
    """Four cases heard at Monday Panels of the last weeks; three for the coming Monday."""
    cin = by_unit["CIN Unit 1"]
    for k, case_id in enumerate(cin[:4]):
        sitting = resource_panel.panel_for(h.now - timedelta(weeks=10 - 2 * k))
        approved = datetime.combine(sitting - timedelta(days=5), time(10, 0), tzinfo=clock.LONDON)
        _heard(h, _to_resource_panel(h, case_id, approved), sitting)
    coming = resource_panel.panel_for(h.now)
    earliest = resource_panel.cutoff_for(coming - timedelta(days=7)) + timedelta(hours=5)
    for k, case_id in enumerate(cin[17:20]):
        _to_resource_panel(h, case_id, max(h.now - timedelta(hours=1 + k), earliest + timedelta(hours=k)))
    return coming


# ---------------------------------------------------------------- the Adoption Panel

BOOKERS = {"CIN Unit 1": CSW, "LAC Unit 1": "csw-lac", "A&A Unit 1": "csw-aa"}


def _adoption_panel(h: _History, by_unit) -> date:
    """The Panel Manager publishes the timetable; the units book its next date
    until it is full, and two more go on its reserve list with a firm place
    at the date after (Panels §4)."""
    published = h.now - timedelta(weeks=WEEKS, days=2)
    for year in (published.year, published.year + 1):
        h.act(published, lambda year=year: bookings.publish_year(
            panel_booking.ADOPTION, year, weekday=2, week=1, deadline_working_days=15, actor=h.user(PANEL_MANAGER)))
    with_room = [s for s in bookings.sittings(panel_booking.ADOPTION)
                 if s.sitting_on > h.now.date() and clock.as_london(s.papers_deadline) > h.now]
    day = with_room[0].sitting_on
    cases = [(unit, case_id) for unit in BOOKERS for case_id in by_unit[unit][4:7]][:8]
    for k, (unit, case_id) in enumerate(cases):
        booker = BOOKERS[unit]

        def book(case_id=case_id, booker=booker):
            instance = runtime.start_instance("panel_booking", db.session.get(Case, case_id), h.user(booker))
            task = h.task(instance.id, "Task_book_panel")
            runtime.complete_task(task.id, h.user(booker), {
                "case_type": "adoption_best_interests", "when": "date", "sitting_date": day.isoformat(),
                "in_court": False, "summary": "The plan is adoption; the Panel is asked to recommend it.",
                "child_asked": True, "child_wishes": "To stay with the carers he knows and see his sister."})
        h.act(h.now - timedelta(weeks=5) + timedelta(days=3 * k), book)
    return day


# ---------------------------------------------------------------- case transfers

def _transfers(h: _History, by_unit) -> None:
    """CIN Unit 1 asks LAC to take three children at their point of transfer
    (Case Transfer §3): one request waits for LAC's Group Manager to choose
    the unit (weeks late), one, the unit chosen, for the sending CSW to record
    the transfer conditions, and one is new."""
    stages = zip(by_unit["CIN Unit 1"][10:13], (3, 2, 0), (False, True, False))
    for k, (case_id, weeks_ago, chosen) in enumerate(stages):
        asked = h.now - timedelta(weeks=weeks_ago, hours=2 + k)

        def request(case_id=case_id, asked=asked):
            instance = runtime.start_instance("case_transfer", db.session.get(Case, case_id), h.user(CSW))
            task = h.task(instance.id, "Task_request_transfer")
            runtime.complete_task(task.id, h.user(CSW), {
                "route": "cin_permanence", "receiving_service": "LAC",
                "transfer_date": (asked + timedelta(days=21)).date().isoformat(),
                "reason": "The plan is permanence: the case has reached its point of transfer.",
                "child_asked": True, "child_wishes": "To keep seeing the same worker until the move."})
            return instance.id
        instance_id = h.act(asked, request)
        if chosen:
            h.complete(asked + timedelta(days=1), instance_id, "Task_choose_unit", "group-manager-lac",
                       {"receiving_unit": "LAC Unit 1"})


# ---------------------------------------------------------------- the whole history

def history_present() -> bool:
    return db.session.scalar(select(Case.id).filter_by(reference=MARK)) is not None


def _why_not() -> str | None:
    """Why the history cannot be added to this database, or None.  Added only
    next to the minimal demo seed and nothing else, so it never mixes with
    real work (a database where someone has already started a process)."""
    if history_present():
        return "The demo history is already there: nothing added."
    if db.session.scalar(select(User.id).filter_by(username=REGISTRAR)) is None or \
            db.session.scalar(select(ProcessInstance.id).limit(1)) is not None or \
            set(db.session.scalars(select(Case.reference))) - {c[0] for c in CASES}:
        return "This database holds more than the demo's first data: no demo history added."
    if chart.any_week_kept():
        return ("The managers' chart has already kept its weeks here (the worker ran): the history would not "
                "show in it. Start from a new database for it (make clean, or remove instance/caseflow.sqlite).")
    if any(specs.current(key) is None for key in PROCESSES):
        return "Deploy the diagrams first (flask deploy): no demo history added."
    return None


def seed_history(now: datetime | None = None) -> str:
    """Add the history once, next to the minimal seed; say what was added, or why not."""
    refused = _why_not()
    if refused:
        return refused
    h = _History(now=clock.as_london(now) if now else clock.now(), rng=random.Random(14))
    # ticking, so the scripts' time budget (time.monotonic) still runs
    with freeze_time(h.now, tick=True) as h.frozen:
        _add_staff(h)
        by_unit = _register_cases(h)
        started = _referrals(h, by_unit)
        sitting = _coming_sitting(h, by_unit)
        _one_in_error(h, by_unit)
        _one_suspended(h, started)
        monday = _resource_panel(h, by_unit)
        adoption = _adoption_panel(h, by_unit)
        _transfers(h, by_unit)
    cases = sum(len(ids) for ids in by_unit.values())
    listed = len(queries.agenda("JARP", sitting))
    return (f"Demo history added: {cases} cases over {WEEKS} weeks; {listed} referrals on the JARP agenda of "
            f"{sitting:%A %-d %B}, {len(queries.agenda(resource_panel.PANEL, monday))} cases on the Resource "
            f"Panel's of {monday:%A %-d %B}; the Adoption Panel of {adoption:%A %-d %B %Y} is full, "
            "with a reserve list.")
