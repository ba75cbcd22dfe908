"""The Children's Resource Panel agenda (Panels §1): each Monday sitting with
its cases in the order they are heard, what each case seeks and its papers.

The Panel Administrator moves a case to another sitting, or cancels a sitting
(a bank holiday Monday, say), every case on it then moving to the next one.
Each is one transaction with a reason in the audit trail; a moved case's open
step takes its due dates from the new sitting (runtime.amend).  A cancelled
sitting is a panel_sitting row; the diagram's booking steps skip it
(cancelledSittingsOf: the engine passes the cancelled dates to the script).
"""
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import audit, permissions, queries, runtime
from engine.db import db
from engine.models import AgendaItem, PanelSitting, ProcessInstance
from engine.timeutil import to_db
from engine.transaction import Conflict, unit_of_work
from processes import calendar, clock
from processes import resource_panel as rp

from .access import permission_required

bp = Blueprint("resource_panel", __name__)

# Panels §1: the Panel Administrator keeps the agenda (the Panel Manager runs the panels).
EDIT_POSTS = ("Panel Administrator", "Panel Manager")
WEEKS_SHOWN = 6       # sittings shown ahead, even with no cases yet
CHOICES = 12          # sittings offered when moving a case or cancelling a sitting


@dataclass
class Row:
    item: AgendaItem
    sought: list
    notes: list
    papers: list
    papers_due: object
    open_task: object
    can_move: bool
    presenting: list = field(default_factory=list)


@dataclass
class Sitting:
    day: date
    cancelled: PanelSitting | None = None
    rows: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return clock.long_date(self.day)

    @property
    def bank_holiday(self) -> bool:
        return not calendar.is_working_day(self.day)

    @property
    def cut_off(self):
        return rp.cutoff_for(self.day)


def cancelled_sittings() -> dict[date, PanelSitting]:
    rows = db.session.scalars(select(PanelSitting).where(
        PanelSitting.panel == rp.PANEL, PanelSitting.cancelled.is_(True))).all()
    return {clock.as_date(r.sitting_on): r for r in rows}


def _row(item: AgendaItem, can_edit: bool) -> Row:
    data = queries.instance_data(item.instance)
    notes = []
    if item.direct:
        notes.append("Emergency decision for ratification")
    if isinstance(data.get("review"), dict):
        notes.append("Review: " + str(data["review"].get("reason", "")))
    if item.carried_over:
        notes.append("Deferred from an earlier Panel")
    presenters = (data.get("hos_decision") or {}).get("presenters")
    if presenters:
        notes.append("Presenting: " + presenters)
    sent = data.get("panel_papers")
    papers = sent.get("papers", []) if isinstance(sent, dict) else []
    running = item.instance.status == "running"
    return Row(presenting=rp.presenting_points(data.get("recommendation")), item=item, sought=data.get("sought_labels") or [], notes=notes, papers=papers,
               papers_due=None if isinstance(sent, dict) or not data.get("papers_due")
               else clock.as_london(data["papers_due"]),
               open_task=queries.open_task_for_instance(item.instance_id) if running else None,
               can_move=can_edit and running and item.status == "listed")


@bp.route("/agenda/resource-panel")
@permission_required("agenda.resource_panel")
def agenda():
    today = clock.now().date()
    only = None
    if request.args.get("sitting"):
        try:
            only = date.fromisoformat(request.args["sitting"])
        except ValueError:
            abort(400, "The sitting date must look like 2026-12-07.")
    cancelled = cancelled_sittings()
    can_edit = permissions.can(g.user, "agenda.resource_panel.edit")
    sittings: dict[date, Sitting] = {}
    if only is None:
        for day in rp.upcoming(today, WEEKS_SHOWN):
            sittings[day] = Sitting(day)
        for day in cancelled:
            if day >= today:
                sittings.setdefault(day, Sitting(day))
    else:
        sittings[only] = Sitting(only)
    for item in queries.agenda(rp.PANEL, only):
        # past sittings drop off once their cases are decided
        if only is None and item.sitting < today and item.status == "decided":
            continue
        sittings.setdefault(item.sitting, Sitting(item.sitting)).rows.append(_row(item, can_edit))
    for day, sitting in sittings.items():
        sitting.cancelled = cancelled.get(day)
    return render_template("resource_panel_agenda.html", sittings=[sittings[d] for d in sorted(sittings)],
                           can_edit=can_edit, only=only)


# ---------------------------------------------------------------- moving a case

def _choices(today: date, cancelled, exclude: date | None = None) -> list[tuple[str, str]]:
    """Sittings a case can move to, or that can be cancelled: those not yet
    started and not cancelled, with how many cases each has."""
    counts = {}
    for item in queries.agenda(rp.PANEL):
        if item.sitting >= today and item.status != "decided":
            counts[item.sitting] = counts.get(item.sitting, 0) + 1
    out = []
    for day in rp.upcoming(rp.next_panel(clock.now(), cancelled), CHOICES, cancelled):
        if day == exclude:
            continue
        text = clock.long_date(day)
        if not calendar.is_working_day(day):
            text += " (bank holiday)"
        n = counts.get(day, 0)
        text += f" – {n} case{'s' if n != 1 else ''} listed"
        out.append((day.isoformat(), text))
    return out


def _listed_item(instance_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, instance_id)
    if item is None or item.meeting != rp.PANEL:
        abort(404)
    return item


def move_case(instance_id: int, to_day: date, reason: str, actor) -> tuple[date, date]:
    """Move one listed case to another sitting, in the caller's transaction:
    the instance's panel data changes (its open step's due dates follow) and
    the move is audited with its reason.  Returns (from, to)."""
    instance = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.id == instance_id).with_for_update()).one()
    item = db.session.get(AgendaItem, instance_id)
    db.session.refresh(item)
    if instance.status != "running" or item.status != "listed":
        raise runtime.EngineError("This case has already been heard, so it can no longer be moved.")
    from_day = item.sitting
    data = queries.instance_data(instance)
    panel = rp.sitting_data(to_day, clock.now())
    runtime.amend(instance, actor, {
        "panel": panel, "papers_due": panel["papers_due"], "decision_sheet_due": panel["ends_at"],
        "agenda": dict(data.get("agenda") or {}, sitting=panel["date"]),
    }, reason)
    audit.record("agenda.case_moved", actor, instance=instance,
                 element_name=f"{rp.PANEL}: {_day(from_day)} → {_day(to_day)}", reason=reason,
                 detail={"panel": rp.PANEL, "from": from_day.isoformat(), "to": to_day.isoformat()})
    return from_day, to_day


def _day(d) -> str:
    return clock.long_date(d)


@bp.route("/agenda/resource-panel/cases/<int:instance_id>/move", methods=["GET", "POST"])
@permission_required("agenda.resource_panel.edit")
def move(instance_id):
    item = _listed_item(instance_id)
    today = clock.now().date()
    choices = _choices(today, cancelled_sittings(), exclude=item.sitting)
    errors, status = [], 200
    chosen, reason = request.form.get("sitting", ""), request.form.get("reason", "").strip()
    if item.status != "listed" or item.instance.status != "running":
        errors.append(("sitting", "This case has already been heard, so it can no longer be moved."))
        status = 409
    elif request.method == "POST":
        if chosen not in dict(choices):
            errors.append(("sitting", "Select the sitting to move the case to"))
        if not reason:
            errors.append(("reason", "Enter the reason for moving the case"))
        if not errors:
            try:
                with unit_of_work():
                    from_day, to_day = move_case(instance_id, date.fromisoformat(chosen), reason, g.user)
            except Conflict:
                db.session.rollback()
                flash("Someone else changed this case at the same moment; nothing was moved. Try again.",
                      "error")
                return redirect(url_for("resource_panel.move", instance_id=instance_id))
            except runtime.EngineError as exc:
                errors.append(("sitting", str(exc)))
                status = 409
            else:
                flash(f"{item.case.reference} {item.case.child_name} moved from {_day(from_day)} "
                      f"to {_day(to_day)}.", "success")
                return redirect(url_for("resource_panel.agenda"))
        if errors and status == 200:
            status = 400
    return render_template("resource_panel_move.html", item=item, choices=choices, chosen=chosen,
                           reason=reason, errors=errors, current=_day(item.sitting)), status


# ---------------------------------------------------------------- cancelling a sitting

@bp.route("/agenda/resource-panel/cancel", methods=["GET", "POST"])
@permission_required("agenda.resource_panel.edit")
def cancel():
    today = clock.now().date()
    cancelled = cancelled_sittings()
    choices = _choices(today, cancelled)
    errors, status = [], 200
    chosen, reason = request.form.get("sitting", ""), request.form.get("reason", "").strip()
    if request.method == "POST":
        if chosen not in dict(choices):
            errors.append(("sitting", "Select the sitting to cancel"))
        if not reason:
            errors.append(("reason", "Enter the reason for cancelling the sitting"))
        if not errors:
            day = date.fromisoformat(chosen)
            try:
                with unit_of_work():
                    moved, to_day = _cancel(day, reason, set(cancelled) | {day}, g.user)
            except (Conflict, IntegrityError):
                db.session.rollback()
                flash("Someone else changed this Panel's agenda at the same moment; nothing was "
                      "cancelled. Try again.", "error")
                return redirect(url_for("resource_panel.cancel"))
            message = f"The Panel of {_day(day)} is cancelled."
            if moved:
                message += f" {moved} case{'s' if moved != 1 else ''} moved to {_day(to_day)}."
            flash(message, "success")
            return redirect(url_for("resource_panel.agenda"))
        status = 400
    return render_template("resource_panel_cancel.html", choices=choices, chosen=chosen, reason=reason,
                           errors=errors), status


def _cancel(day: date, reason: str, cancelled: set, actor) -> tuple[int, date]:
    """Mark the sitting cancelled and move every case listed on it to the next
    sitting; returns how many moved and where."""
    row = db.session.scalar(select(PanelSitting).where(
        PanelSitting.panel == rp.PANEL, PanelSitting.sitting_on == day).with_for_update())
    if row is None:
        row = PanelSitting(panel=rp.PANEL, sitting_on=day, papers_deadline=to_db(rp.cutoff_for(day)))
        db.session.add(row)
    row.cancelled, row.note = True, reason
    db.session.flush()
    audit.record("panel.sitting_cancelled", actor, element_name=f"{rp.PANEL}: {_day(day)}",
                 reason=reason, detail={"panel": rp.PANEL, "sitting": day.isoformat()})
    to_day = rp.sitting_after(day, cancelled)
    moved = 0
    for item in queries.agenda(rp.PANEL, day):
        if item.status == "listed" and item.instance.status == "running":
            move_case(item.instance_id, to_day, f"The Panel of {_day(day)} was cancelled: {reason}", actor)
            moved += 1
    return moved, to_day


# ---------------------------------------------------------------- on the case page

def case_decisions(case_id: int) -> list[dict]:
    """The Panel's final decisions on a case (approved by its chair), and the
    Assistant Director's on secure accommodation (never on the agenda), newest
    first, with a permanency plan when one was approved."""
    items = db.session.scalars(select(AgendaItem).where(
        AgendaItem.meeting == rp.PANEL, AgendaItem.case_id == case_id)
        .order_by(AgendaItem.sitting.desc())).all()
    listed = {item.instance_id for item in items}
    unlisted = [i for i in db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.case_id == case_id, ProcessInstance.process_key == "resource_panel_referral")
        .order_by(ProcessInstance.id.desc())).all() if i.id not in listed]
    out = []
    for item in [*items, *unlisted]:
        data = queries.instance_data(item if isinstance(item, ProcessInstance) else item.instance)
        final = data.get("final_decision")
        decisions = ([final] if isinstance(final, dict) else []) + list(reversed(data.get("deferrals") or []))
        for decision in decisions:
            plan = data.get("permanency_plan") if decision is final else None
            final_at = clock.as_london(decision["final_at"]) if decision.get("final_at") else None
            out.append(dict(decision, permanency_plan=plan, final_at=final_at))
    return sorted(out, key=lambda d: d["final_at"] or clock.now(), reverse=True)
