"""Adoption and Fostering Panel places: the timetable, bookings, the reserve
list and cancellations (PROCESS-RULES §3; 004 Panels §4 and §5).

How places are taken
--------------------
* A place is taken only by the conditional UPDATE
  ``booked = booked + 1 WHERE id = ? AND booked < capacity AND NOT cancelled``.
  Of two units taking the last place at the same moment, the second UPDATE
  waits for the first transaction (PostgreSQL's row lock, SQLite's single
  writer), then matches no row: that unit is placed again with fresh figures
  and goes to the reserve list.  A place is given back only by
  ``booked = booked - 1 WHERE id = ? AND booked > 0``.
* The booking step of bpmn/panel_booking.bpmn names the engine hook
  ``panel_booking.place`` (engine/hooks.py).  runtime.complete_task calls
  place_hook when the unit submits the booking form, in the same transaction
  and before the task runs; its result (date, deadline, status) becomes task
  data that the rest of the process reads (due dates, agenda, forms).  There
  is one transaction per user action, and a refusal ("there is no Panel on
  that date") is shown on the form like any rule.  Other steps name the hooks
  below: the Court's answer, late papers refused, the Panel's recommendation,
  a cleared cancellation.  What to try, the reserve order and the checklists
  are pure functions in processes/panel_booking.py.
* A place that is freed (a cancellation cleared, late papers refused, a held
  date the Court did not take) goes to the first case on that date's reserve
  list: its row is switched with a conditional UPDATE (``reserve`` →
  ``booked``) and the count does not change, so nobody slips in between.
  That case's firm place on a later date is then freed in turn (and so on down
  the timetable); its process is amended (runtime.amend: date, deadline, due
  dates, agenda; audited with the reason) and its unit is told with a
  ``panel_place_offered`` task.

Booking rows: ``booked`` (a place), ``held`` (a place held to offer the Court
at the initial hearing), ``reserve`` (on a date's reserve list, ranked; the same
case then also has a firm ``booked`` place at a later date), ``heard`` and
``cancelled``.  ``reason`` says why a row last changed.
"""
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select

from processes import clock
from processes import panel_booking as rules

from . import audit, authz, queries, runtime
from .db import db
from .forms import FieldError
from .models import Booking, Case, PanelSitting, ProcessInstance
from .timeutil import from_db, to_db

ACTIVE = ("booked", "held", "reserve")
# The Court's date is not the unit's choice: booked even after its papers
# deadline, and the Panel Advisor decides on late papers as for any late booking.
COURT_SET_DATE = "The Court set this Panel date at the initial hearing."
PLACES = ("booked", "held")
PLACE_OFFERED = "panel_place_offered"


class TimetableError(ValueError):
    """Why a change to the timetable or the reserve list was refused, in plain words."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class TimetableErrors(TimetableError):
    """Several reasons at once, for one error summary."""

    def __init__(self, errors: list[TimetableError]):
        super().__init__("; ".join(str(e) for e in errors), errors[0].field)
        self.errors = errors


def _sittings_table():
    return PanelSitting.__table__


def _bookings_table():
    return Booking.__table__


# ---------------------------------------------------------------- timetable

def sittings(panel: str, year: int | None = None) -> list[PanelSitting]:
    query = select(PanelSitting).where(PanelSitting.panel == panel)
    if year is not None:
        query = query.where(PanelSitting.sitting_on >= date(year, 1, 1),
                            PanelSitting.sitting_on <= date(year, 12, 31))
    return db.session.scalars(query.order_by(PanelSitting.sitting_on)
                              .execution_options(populate_existing=True)).all()


def sitting(panel: str, day: date) -> PanelSitting | None:
    return db.session.scalar(select(PanelSitting).where(
        PanelSitting.panel == panel, PanelSitting.sitting_on == day)
        .execution_options(populate_existing=True))


def add_sitting(panel: str, day: date, deadline_at: datetime, actor, *, extra=False,
                note=None) -> PanelSitting:
    """Publish one date with its papers deadline (Panels §4/§5 'Submitting papers')."""
    if day <= clock.now().date():
        raise TimetableError("The Panel date must be after today.", "sitting_on")
    if rules.too_far(day, clock.now()):
        raise TimetableError("Publish dates up to three years ahead.", "sitting_on")
    problem = rules.sitting_day_problem(day)
    if problem:
        raise TimetableError(problem, "sitting_on")
    if clock.as_date(deadline_at) >= day:
        raise TimetableError("The papers deadline must be before the Panel date.", "papers_deadline")
    if sitting(panel, day) is not None:
        raise TimetableError(f"The {panel} already has a date on {rules.long_date(day)}.", "sitting_on")
    row = PanelSitting(panel=panel, sitting_on=day, papers_deadline=to_db(deadline_at),
                       capacity=rules.CAPACITY[panel], booked=0, cancelled=False, extra=bool(extra),
                       note=(note or "").strip() or None)
    db.session.add(row)
    db.session.flush()
    audit.record("panel.date_added", actor, element_name=f"{panel}: {rules.long_date(day)}",
                 detail={"panel": panel, "sitting_on": day.isoformat(), "extra": bool(extra),
                         "papers_deadline": clock.as_london(deadline_at).isoformat()})
    return row


def publish_year(panel: str, year: int, weekday: int, week: int, deadline_working_days: int,
                 actor) -> tuple[list[date], list[date]]:
    """A yearly timetable: one date a month; dates already published or not
    after today are left alone. Returns (added, skipped)."""
    added, skipped = [], []
    today = clock.now().date()
    for day in rules.monthly_sittings(year, weekday, week):
        if day <= today or sitting(panel, day) is not None:
            skipped.append(day)
            continue
        deadline = rules.papers_deadline(day, deadline_working_days)
        db.session.add(PanelSitting(panel=panel, sitting_on=day, papers_deadline=to_db(deadline),
                                    capacity=rules.CAPACITY[panel], booked=0, cancelled=False,
                                    extra=False))
        added.append(day)
    db.session.flush()
    if added:
        audit.record("panel.timetable_published", actor, element_name=f"{panel} {year}",
                     detail={"panel": panel, "dates": [d.isoformat() for d in added],
                             "papers_working_days_before": deadline_working_days})
    return added, skipped


def cancel_sitting(row: PanelSitting, reason: str, actor) -> None:
    """A date is cancelled only while no case is booked, held or on its reserve list."""
    if not (reason or "").strip():
        raise TimetableError("Enter the reason for cancelling the date.", "cancel_reason")
    waiting = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.sitting_id == row.id, Booking.status.in_(ACTIVE)))
    if waiting:
        raise TimetableError(f"{waiting} case{'s are' if waiting != 1 else ' is'} booked or on the "
                             "reserve list for this date: they must be cancelled or moved first.")
    done = db.session.execute(_sittings_table().update().where(
        PanelSitting.id == row.id, PanelSitting.booked == 0, PanelSitting.cancelled.is_(False))
        .values(cancelled=True, note=reason.strip()))
    if done.rowcount != 1:
        raise TimetableError("This date was booked or cancelled at the same moment; reload the page.")
    audit.record("panel.date_cancelled", actor, element_name=f"{row.panel}: {rules.long_date(row.sitting_on)}",
                 reason=reason.strip(), detail={"panel": row.panel, "sitting_on": row.sitting_on.isoformat()})


def move_sitting(row: PanelSitting, day: date, deadline_at: datetime, reason: str, actor) -> None:
    """The Panel Manager moves a published date (its timetable is theirs,
    Panels §4/§5), with a reason.  The new date must be a working day
    (rules.sitting_day_problem), free, ahead, with a papers deadline still to
    come; every case booked, held or on its reserve list goes with it: its
    process takes the new date, deadline and due dates (runtime.amend, audited)."""
    errors = []
    if not (reason or "").strip():
        errors.append(TimetableError("Enter the reason for moving the date.", "move_reason"))
    now = clock.now()
    problem = (rules.sitting_day_problem(day)
               or ("The new date must be after today." if day <= now.date() else None)
               or ("Publish dates up to three years ahead." if rules.too_far(day, now) else None)
               or ("Choose a date other than the one it has." if day == row.sitting_on else None)
               or (f"The {row.panel} already has a date on {rules.long_date(day)}."
                   if sitting(row.panel, day) is not None else None))
    if problem:
        errors.append(TimetableError(problem, "new_date"))
    if clock.as_date(deadline_at) >= day:
        errors.append(TimetableError("The papers deadline must be before the Panel date.", "new_deadline"))
    elif rules.deadline_passed(deadline_at, now):
        errors.append(TimetableError("The new papers deadline must be still to come.", "new_deadline"))
    if row.cancelled or row.sitting_on <= now.date():
        errors = [TimetableError("Only a date still to come that is not cancelled can be moved.", "new_date")]
    if errors:
        raise TimetableErrors(errors)
    old_day, old_deadline = row.sitting_on, from_db(row.papers_deadline)
    done = db.session.execute(_sittings_table().update().where(
        PanelSitting.id == row.id, PanelSitting.cancelled.is_(False))
        .values(sitting_on=day, papers_deadline=to_db(deadline_at)))
    if done.rowcount != 1:
        raise TimetableError("This date was changed at the same moment; reload the page.")
    audit.record("panel.date_moved", actor, element_name=f"{row.panel}: {rules.long_date(old_day)}",
                 reason=reason.strip(), detail={"panel": row.panel, "from": old_day.isoformat(),
                                                "to": day.isoformat(),
                                                "papers_deadline": clock.as_london(deadline_at).isoformat()})
    why = (f"The Panel Manager moved the {row.panel} of {rules.long_date(old_day)} to "
           f"{rules.long_date(day)}: {reason.strip()}")
    waiting = db.session.scalars(select(Booking).where(
        Booking.sitting_id == row.id, Booking.status.in_(ACTIVE)).order_by(Booking.id)).all()
    for booking in waiting:
        instance = db.session.scalar(select(ProcessInstance).where(
            ProcessInstance.id == booking.instance_id).with_for_update()
            .execution_options(populate_existing=True))
        if instance is not None and instance.status == "running":
            updates = _moved(booking, queries.instance_data(instance), row, day, deadline_at, old_deadline)
            runtime.amend(instance, actor, updates, why)


def _moved(booking: Booking, data: dict, row: PanelSitting, day: date, deadline_at, old_deadline) -> dict:
    """What a booking's process takes when its date moves: a reserve entry
    names the new date; a place takes the new date, deadline and due dates,
    except a date the Panel Advisor set for the papers, which stays."""
    placement = data.get("placement") or {}
    if booking.status == "reserve":
        return {"placement": dict(placement, reserve_on=day.isoformat(),
                                  reserve_label=f"On the reserve list for {rules.long_date(day)}")}
    kept = data.get("papers_due")
    own = kept is None or old_deadline is None or \
        clock.as_london(kept) == clock.as_london(old_deadline) or clock.as_date(kept) >= day
    updates = rules.placement_data(row.panel, booking.status, day, deadline_at, booking.id, row.id,
                                   reserve_on=placement.get("reserve_on"), papers_due=None if own else kept)
    updates["placement"]["late"] = placement.get("late", False)
    return updates


# ---------------------------------------------------------------- places

def _pure(rows) -> list[rules.Sitting]:
    return [rules.Sitting(id=r.id, on=r.sitting_on, deadline=from_db(r.papers_deadline),
                          capacity=r.capacity or 0, booked=r.booked, cancelled=r.cancelled)
            for r in rows]


def _fresh(panel: str) -> list[rules.Sitting]:
    """The panel's dates as they are now (columns, not cached objects)."""
    t = _sittings_table()
    return _pure(db.session.execute(select(t.c.id, t.c.sitting_on, t.c.papers_deadline, t.c.capacity,
                                           t.c.booked, t.c.cancelled).where(t.c.panel == panel)).all())


def _take(sitting_id: int) -> bool:
    """The one way to take a place: conditional, so the last place goes once."""
    done = db.session.execute(_sittings_table().update().where(
        PanelSitting.id == sitting_id, PanelSitting.booked < PanelSitting.capacity,
        PanelSitting.cancelled.is_(False)).values(booked=PanelSitting.booked + 1))
    return done.rowcount == 1


def _give_back(sitting_id: int) -> None:
    db.session.execute(_sittings_table().update().where(
        PanelSitting.id == sitting_id, PanelSitting.booked > 0).values(booked=PanelSitting.booked - 1))


def _set_status(booking_id: int, old: tuple[str, ...], new: str, reason: str | None = None,
                **values) -> bool:
    """Change a booking row only if it is still in one of the `old` states."""
    done = db.session.execute(_bookings_table().update().where(
        Booking.id == booking_id, Booking.status.in_(old)).values(status=new, reason=reason, **values))
    return done.rowcount == 1


def _reserve_ids(sitting_id: int) -> list[int]:
    rows = db.session.execute(select(Booking.id, Booking.reserve_rank).where(
        Booking.sitting_id == sitting_id, Booking.status == "reserve")).all()
    return [i for i, _ in rules.reserve_order([(r[0], r[1]) for r in rows])]


def _sitting_row(sitting_id: int) -> PanelSitting:
    return db.session.get(PanelSitting, sitting_id, populate_existing=True)


def place(instance: ProcessInstance, case_type: str, actor, *, wanted=None, after=None,
          status: str = "booked", field: str | None = None, task_id: str | None = None,
          late_reason: str | None = None) -> dict:
    """Book the instance's case onto its case type's Panel: at `wanted` (a
    date), else at the next date with room (after `after`).  A full `wanted`
    date puts the case on its reserve list with a firm place at the next date
    with room.  `task_id`: the step booking it, kept on the rows (a repair
    moving back past that step releases them).  Returns the task data of the
    placement (processes.panel_booking.placement_data).  A date whose papers
    deadline has passed is booked only with `late_reason` (the special
    circumstances for the Panel Advisor to agree); the placement is then
    `late` and the process asks the Panel Advisor first."""
    panel = rules.panel_of(case_type)
    for _ in range(10):  # each pass follows a place lost to someone faster
        try:
            chosen = rules.plan(_fresh(panel), clock.now(), wanted=wanted, after=after)
        except LookupError as exc:
            if field:
                raise runtime.Invalid(errors=[FieldError(field, str(exc))]) from exc
            raise runtime.Invalid(problems=[str(exc)]) from exc
        late = rules.late_booking_problem(chosen.book.on, chosen.book.deadline, late_reason, clock.now())
        if late:
            raise runtime.Invalid(errors=[FieldError("late_reason", late)])
        if not _take(chosen.book.id):
            continue
        if chosen.reserve is not None:
            ranks = db.session.scalars(select(Booking.reserve_rank).where(
                Booking.sitting_id == chosen.reserve.id, Booking.status == "reserve")).all()
            rank = rules.next_rank(ranks)
            db.session.add(Booking(sitting_id=chosen.reserve.id, panel=panel, instance_id=instance.id,
                                   case_id=instance.case_id, case_type=case_type, status="reserve",
                                   reserve_rank=rank, task_id=task_id,
                                   reason=f"Full when booked; firm place on {rules.long_date(chosen.book.on)}"))
        row = Booking(sitting_id=chosen.book.id, panel=panel, instance_id=instance.id,
                      case_id=instance.case_id, case_type=case_type, status=status, task_id=task_id)
        db.session.add(row)
        db.session.flush()
        audit.record(f"panel.{status}", actor, instance=instance,
                     element_name=f"{panel}: {rules.long_date(chosen.book.on)}",
                     detail={"case_type": case_type, "sitting_on": chosen.book.on.isoformat(),
                             "reserve_for": chosen.reserve.on.isoformat() if chosen.reserve else None})
        return rules.placement_data(panel, status, chosen.book.on, chosen.book.deadline, row.id,
                                    chosen.book.id, reserve_on=chosen.reserve.on if chosen.reserve else None,
                                    now=clock.now())
    raise runtime.Invalid(problems=["Places on the Panel changed while you were booking; submit again."])


def _free(sitting_id: int, actor, why: str) -> None:
    """A place at the date is no longer needed by the case that had it: the
    first case on the date's reserve list takes it (the count stays, the row
    switches); with nobody waiting, or once the date has come, it is given back."""
    today = clock.now().date()
    while sitting_id is not None:
        row = _sitting_row(sitting_id)
        next_id = None
        taken = False
        if row.sitting_on > today:
            for candidate_id in _reserve_ids(sitting_id):
                if not _set_status(candidate_id, ("reserve",), "booked",
                                   f"Given the place freed on {rules.long_date(row.sitting_on)}",
                                   reserve_rank=None):
                    continue  # taken by someone else meanwhile
                taken = True
                candidate = db.session.get(Booking, candidate_id, populate_existing=True)
                firm = db.session.scalar(select(Booking).where(
                    Booking.instance_id == candidate.instance_id, Booking.id != candidate.id,
                    Booking.panel == candidate.panel, Booking.status == "booked"))
                left = None
                if firm is not None and _set_status(
                        firm.id, ("booked",), "cancelled",
                        f"Moved up from the reserve list to {rules.long_date(row.sitting_on)}"):
                    left, next_id = firm.sitting, firm.sitting_id
                _tell(candidate, row, left, actor)
                break
        if not taken:
            _give_back(sitting_id)
        audit.record("panel.place_freed", actor, element_name=f"{row.panel}: {rules.long_date(row.sitting_on)}",
                     reason=why, detail={"given_to_reserve": taken})
        sitting_id = next_id


def _tell(booking: Booking, row: PanelSitting, left: PanelSitting | None, actor) -> None:
    """The case moved up from the reserve list: its process takes the new date
    and deadline (amended, audited), and its unit gets a task saying so."""
    instance = db.session.scalar(select(ProcessInstance).where(
        ProcessInstance.id == booking.instance_id).with_for_update()
        .execution_options(populate_existing=True))
    deadline = from_db(row.papers_deadline)
    papers_due = rules.promoted_papers_due(deadline, clock.now())
    updates = rules.placement_data(row.panel, "booked", row.sitting_on, deadline, booking.id, row.id,
                                   papers_due=papers_due)
    reason = (f"A place became free at the {row.panel} on {rules.long_date(row.sitting_on)} and the "
              "case was first on its reserve list (Panels §4 and §5).")
    if instance is not None and instance.status == "running":
        runtime.amend(instance, actor, updates, reason)
    audit.record("panel.place_offered", actor, instance=instance, case_id=booking.case_id,
                 element_name=f"{row.panel}: {rules.long_date(row.sitting_on)}", reason=reason)
    case = db.session.get(Case, booking.case_id)
    runtime.start_instance(PLACE_OFFERED, case, actor, {"offer": {
        "panel": row.panel, "sitting_label": rules.long_date(row.sitting_on),
        "sitting_on": row.sitting_on.isoformat(),
        "papers_due_label": rules.deadline_label(papers_due),
        "case_type_label": rules.case_type_label(booking.case_type),
        "previous_label": rules.long_date(left.sitting_on) if left is not None else "None",
    }})


def release_instance(instance: ProcessInstance, actor, why: str, *, heard: bool = False) -> None:
    """Everything the instance holds on a Panel goes: reserve entries are
    struck off, places freed (to the reserve list first).  `heard`: the place
    was used at the Panel, so it is kept and the row marked heard."""
    rows = db.session.scalars(select(Booking).where(
        Booking.instance_id == instance.id, Booking.status.in_(ACTIVE))
        .order_by(Booking.id).execution_options(populate_existing=True)).all()
    # reserve entries first: a place freed below must never come back to this case
    for row in sorted(rows, key=lambda r: (r.status != "reserve", r.id)):
        if row.status == "reserve":
            _set_status(row.id, ("reserve",), "cancelled", why, reserve_rank=None)
        elif heard:
            _set_status(row.id, PLACES, "heard", why)
        elif _set_status(row.id, PLACES, "cancelled", why):
            _free(row.sitting_id, actor, why)


def release_undone(call) -> None:
    """Release hook (engine/hooks.py RELEASES): a manager moved the instance
    back, undoing the steps in `call.undone`.  What those steps booked goes:
    reserve entries are struck off and places freed (to the reserve list
    first), each audited with the manager's reason, so booking again leaves
    the case one place and the old date can be cancelled (issue 12 item 18).
    What earlier steps booked stays."""
    rows = db.session.scalars(select(Booking).where(
        Booking.instance_id == call.instance.id, Booking.status.in_(ACTIVE),
        Booking.task_id.in_(sorted(call.undone))).order_by(Booking.id)
        .execution_options(populate_existing=True)).all()
    why = f"Moved back by a manager: {call.reason}"
    # reserve entries first: a place freed below must never come back to this case
    for row in sorted(rows, key=lambda r: (r.status != "reserve", r.id)):
        day = row.sitting.sitting_on
        if row.status == "reserve":
            done = _set_status(row.id, ("reserve",), "cancelled", why, reserve_rank=None)
        else:
            done = _set_status(row.id, PLACES, "cancelled", why)
            if done:
                _free(row.sitting_id, call.actor, why)
        if done:
            audit.record("panel.released", call.actor, instance=call.instance, reason=call.reason,
                         element_name=f"{row.panel}: {rules.long_date(day)}",
                         detail={"booking": row.id, "was": row.status, "sitting_on": day.isoformat()})


def _sitting_on(data: dict):
    return clock.as_date(data["placement"]["sitting_on"])


# ---------------------------------------------------------------- hooks (engine/hooks.py)

def place_hook(call) -> dict:
    """The unit's booking form: a place (or the reserve list and a firm place,
    or a date held for the Court).  The same case is not booked twice for the
    same kind of case while a booking stands."""
    a = call.answers
    twice = db.session.scalar(select(Booking).join(PanelSitting, PanelSitting.id == Booking.sitting_id).where(
        Booking.case_id == call.instance.case_id, Booking.case_type == a["case_type"],
        Booking.status.in_(PLACES), Booking.instance_id != call.instance.id))
    if twice is not None:
        raise runtime.Invalid(problems=[
            f"This case is already booked onto the {twice.panel} on {rules.long_date(twice.sitting.sitting_on)} "
            f"for {rules.case_type_label(twice.case_type)}. Cancel that booking first."])
    if a.get("when") == "date":
        return place(call.instance, a["case_type"], call.actor, wanted=a["sitting_date"],
                     field="sitting_date", task_id=call.task_id, late_reason=a.get("late_reason"))
    status = "held" if a.get("when") == "court" else "booked"
    return place(call.instance, a["case_type"], call.actor, status=status, task_id=call.task_id)


def court_hook(call) -> dict:
    """After the initial hearing: the Court took the held date (it becomes a
    booking) or set another, where the case is booked instead."""
    a, data = call.answers, call.task_data
    placement = data["placement"]
    if a.get("court_decision") == "other_date" and \
            clock.as_date(a["court_date"]) == clock.as_date(placement["sitting_on"]):
        a = dict(a, court_decision="accepted")        # the date the Court set is the one held
    if a.get("court_decision") == "accepted":
        if not _set_status(placement["booking_id"], ("held",), "booked", "The Court accepted the date"):
            raise runtime.Invalid(problems=["This held date is no longer held; reload the page."])
        row = _sitting_row(placement["sitting_id"])
        return rules.placement_data(row.panel, "booked", row.sitting_on, from_db(row.papers_deadline),
                                    placement["booking_id"], row.id, now=clock.now())
    release_instance(call.instance, call.actor, "The Court set a different Panel date")
    return place(call.instance, data["booking"]["case_type"], call.actor, wanted=a["court_date"],
                 field="court_date", task_id=call.task_id, late_reason=COURT_SET_DATE)


def late_papers_hook(call) -> dict:
    """Late papers refused: the case cannot be heard on its date; the place goes
    to the reserve list and the case to the next date with room."""
    if call.answers.get("decision") != "refuse":
        return {}
    data = call.task_data
    release_instance(call.instance, call.actor, "Late papers refused by the Panel Advisor")
    return place(call.instance, data["booking"]["case_type"], call.actor, after=_sitting_on(data),
                 task_id=call.task_id)


def heard_hook(call) -> dict:
    """The Panel heard the case. Deferred: booked again at the next date with room."""
    data = call.task_data
    if call.answers.get("outcome") == "defer":
        release_instance(call.instance, call.actor, "Heard and deferred by the Panel", heard=True)
        moved = place(call.instance, data["booking"]["case_type"], call.actor, after=_sitting_on(data),
                      task_id=call.task_id)
        return dict(moved, transfer_running=False)
    release_instance(call.instance, call.actor, "Heard by the Panel", heard=True)
    return {"transfer_running": transfer_running(call.instance.case_id)}


def decided_hook(call) -> dict:
    return {"transfer_running": transfer_running(call.instance.case_id)}


def cancel_hook(call) -> dict:
    """The Head of Service Children's Resources cleared the cancellation."""
    if not call.answers.get("cleared"):
        return {}
    release_instance(call.instance, call.actor, "Cancellation cleared by the Head of Service "
                                                "Children's Resources")
    return {}


def transfer_running(case_id: int | None) -> bool:
    return bool(case_id) and bool(db.session.scalar(select(exists().where(
        ProcessInstance.case_id == case_id, ProcessInstance.process_key == "case_transfer",
        ProcessInstance.status == "running"))))


# ---------------------------------------------------------------- reserve list

def reorder(row: PanelSitting, booking_id: int, position: int, reason: str, actor) -> None:
    """The Panel Advisor decides priority on an oversubscribed date (Panels
    §4/§5): the reserve list in a new order, with the reason audited."""
    if not (reason or "").strip():
        raise TimetableError("Enter the reason for the new order.", "reason")
    ids = _reserve_ids(row.id)
    try:
        order = rules.reordered(ids, booking_id, position)
    except ValueError as exc:
        raise TimetableError(str(exc), "position") from exc
    for rank, i in enumerate(order, start=1):
        db.session.execute(_bookings_table().update().where(
            Booking.id == i, Booking.status == "reserve").values(reserve_rank=rank))
    moved = db.session.get(Booking, booking_id)
    audit.record("panel.reserve_reordered", actor, case_id=moved.case_id, instance=None,
                 element_name=f"{row.panel}: {rules.long_date(row.sitting_on)}", reason=reason.strip(),
                 detail={"booking": booking_id, "position": position, "order": order})


# ---------------------------------------------------------------- reading

def counts(panel: str) -> dict[int, int]:
    """Reserve-list length per date."""
    rows = db.session.execute(select(Booking.sitting_id, func.count(Booking.id)).where(
        Booking.panel == panel, Booking.status == "reserve").group_by(Booking.sitting_id)).all()
    return {sid: n for sid, n in rows}


def agenda(row: PanelSitting) -> list[Booking]:
    """The cases with a place at the date, in the order they were booked."""
    return db.session.scalars(select(Booking).where(
        Booking.sitting_id == row.id, Booking.status.in_(("booked", "held", "heard")))
        .order_by(Booking.id).execution_options(populate_existing=True)).all()


def reserve_list(row: PanelSitting) -> list[tuple[Booking, Booking | None]]:
    """The reserve list in priority order, each with the case's firm place."""
    ids = _reserve_ids(row.id)
    out = []
    for i in ids:
        entry = db.session.get(Booking, i, populate_existing=True)
        firm = db.session.scalar(select(Booking).where(
            Booking.instance_id == entry.instance_id, Booking.id != entry.id,
            Booking.status.in_(PLACES)))
        out.append((entry, firm))
    return out


def bookings_for(user, panel: str) -> list[Booking]:
    """Active and recent bookings of the cases this person may open."""
    return db.session.scalars(select(Booking).join(Case, Case.id == Booking.case_id).outerjoin(
        PanelSitting, PanelSitting.id == Booking.sitting_id).where(
        Booking.panel == panel, authz.case_clause(user),
        or_(Booking.status.in_(ACTIVE), and_(Booking.status == "heard",
                                             PanelSitting.sitting_on >= clock.now().date().replace(day=1))))
        .order_by(PanelSitting.sitting_on, Booking.id)).all()
