"""Adoption and Fostering Panels: the calendar (the Panel Manager publishes
it, everyone may read it), the agenda of each date with its reserve list (the
Panel Advisor orders it), PROCESS-RULES §3 and 004 Panels §4 and §5.

Bookings themselves are made by the panel_booking process (its booking step
takes the place through engine/bookings.py); these pages never book."""
from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from engine import bookings, permissions, queries
from engine.db import db
from engine.forms import FieldError, validate
from engine.models import ProcessInstance
from engine.transaction import Conflict, unit_of_work
from processes import clock
from processes import panel_booking as rules

from .access import permission_required
from .formfields import fields_for, parse_form

bp = Blueprint("panels", __name__, url_prefix="/panels")

PANEL_MANAGER = "Panel Manager"
PANEL_ADVISOR = "Panel Advisor"
# Who may read an agenda: engine/permissions.py, "panel.sitting.view".
AGENDA_POSTS = permissions.holders("panel.sitting.view")
SLUG = "<any(adoption, fostering):slug>"

ADD_DATE = {
    "type": "object",
    "properties": {
        "sitting_on": {"type": "string", "format": "date", "title": "Panel date",
                       "x-errors": {"required": "Enter the Panel date"}},
        "papers_deadline": {"type": "string", "format": "date", "title": "Papers deadline",
                            "description": "Papers are due by 17:00 on this day.",
                            "x-errors": {"required": "Enter the papers deadline"}},
        "extra": {"type": "boolean", "title": "Is this an extra date?",
                  "description": "Extra dates may be added when needed (Panels §4 and §5).",
                  "x-errors": {"required": "Select whether this is an extra date"}},
        "note": {"type": "string", "title": "Note", "maxLength": 300},
    },
    "required": ["sitting_on", "papers_deadline", "extra"],
    "additionalProperties": False,
}
PUBLISH = {
    "type": "object",
    "properties": {
        "year": {"type": "integer", "title": "Year", "minimum": 2000, "maximum": 2100},
        "weekday": {"type": "integer", "title": "Day of the week",
                    "oneOf": [{"const": i, "title": d} for i, d in enumerate(rules.WEEKDAYS)]},
        "week": {"type": "integer", "title": "Which one in the month?",
                 "oneOf": [{"const": k, "title": v.capitalize()} for k, v in rules.WEEKS.items()],
                 "description": "On a bank holiday the Panel sits on the next working day."},
        "deadline_working_days": {"type": "integer", "title": "Papers deadline: working days before the Panel",
                                  "minimum": 1, "maximum": 60,
                                  "description": "Papers are due by 17:00 that day."},
    },
    "required": ["year", "weekday", "week", "deadline_working_days"],
    "additionalProperties": False,
}
CANCEL = {
    "type": "object",
    "properties": {"cancel_reason": {"type": "string", "title": "Why is the date cancelled?",
                                     "x-widget": "textarea", "minLength": 1, "maxLength": 2000,
                                     "x-errors": {"required": "Enter why the date is cancelled"}}},
    "required": ["cancel_reason"], "additionalProperties": False,
}
MOVE = {
    "type": "object",
    "properties": {
        "new_date": {"type": "string", "format": "date", "title": "New Panel date",
                     "description": "A working day: not a weekend or a bank holiday.",
                     "x-errors": {"required": "Enter the new Panel date"}},
        "new_deadline": {"type": "string", "format": "date", "title": "New papers deadline",
                         "description": "Papers are due by 17:00 on this day.",
                         "x-errors": {"required": "Enter the new papers deadline"}},
        "move_reason": {"type": "string", "title": "Why is the date moved?", "x-widget": "textarea",
                        "minLength": 1, "maxLength": 2000,
                        "description": "Recorded in the audit trail of every case booked for this date.",
                        "x-errors": {"required": "Enter why the date is moved"}},
    },
    "required": ["new_date", "new_deadline", "move_reason"], "additionalProperties": False,
}
REORDER = {
    "type": "object",
    "properties": {
        "booking": {"type": "integer", "title": "Which case?"},
        "position": {"type": "integer", "title": "New place on the reserve list", "minimum": 1,
                     "description": "1 is the first to be given a freed place."},
        "reason": {"type": "string", "title": "Why?", "x-widget": "textarea", "minLength": 1,
                   "maxLength": 2000, "description": "Recorded in the case's audit trail.",
                   "x-errors": {"required": "Enter why the case moves on the reserve list"}},
    },
    "required": ["booking", "position", "reason"], "additionalProperties": False,
}


def _panel(slug: str) -> dict:
    return rules.PANELS[slug]


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(404)


def _sitting_or_404(panel: str, value: str):
    row = bookings.sitting(panel, _day(value))
    if row is None:
        abort(404)
    return row


# ---------------------------------------------------------------- calendar

def _calendar(slug: str, *, errors=(), values=None, status=200, form=None):
    panel = _panel(slug)
    try:
        year = int(request.args.get("year") or clock.now().year)
    except ValueError:
        abort(404)
    if not 2000 <= year <= 2100:
        abort(404)
    values = values or {}
    manager = g.user.post == PANEL_MANAGER
    publish_values = values if form == "publish" else {"year": year, "deadline_working_days":
                                                       rules.DEFAULT_DEADLINE_WORKING_DAYS}
    return render_template(
        "panel_calendar.html", slug=slug, panel=panel, year=year, rules=rules,
        sittings=bookings.sittings(panel["name"], year), reserves=bookings.counts(panel["name"]),
        mine=bookings.bookings_for(g.user, panel["name"]), manager=manager,
        staff=permissions.can(g.user, "panel.sitting.view"), today=clock.now().date(), errors=list(errors),
        add_fields=fields_for(ADD_DATE, values if form == "add" else {}),
        publish_fields=fields_for(PUBLISH, publish_values)), status


@bp.route(f"/{SLUG}")
@permission_required("panel.calendar.view")
def calendar(slug):
    return _calendar(slug)


@bp.route(f"/{SLUG}/dates", methods=["POST"])
@permission_required("panel.dates.manage")
def add_date(slug):
    panel = _panel(slug)
    data, raw = parse_form(ADD_DATE, request.form)
    errors = validate(ADD_DATE, data)
    if not errors:
        try:
            with unit_of_work():
                bookings.add_sitting(panel["name"], date.fromisoformat(data["sitting_on"]),
                                     rules.resubmit_due(data["papers_deadline"]), g.user,
                                     extra=data.get("extra"), note=data.get("note"))
        except bookings.TimetableError as exc:
            errors = [FieldError(exc.field or "sitting_on", str(exc))]
    if errors:
        return _calendar(slug, errors=errors, values=raw, status=400, form="add")
    flash(f"{panel['name']} on {rules.long_date(data['sitting_on'])} was added to the calendar.", "success")
    return redirect(url_for("panels.calendar", slug=slug, year=data["sitting_on"][:4]))


@bp.route(f"/{SLUG}/timetable", methods=["POST"])
@permission_required("panel.dates.manage")
def publish(slug):
    panel = _panel(slug)
    data, raw = parse_form(PUBLISH, request.form)
    errors = validate(PUBLISH, data)
    if not errors and not clock.now().year <= data["year"] <= clock.now().year + 3:
        errors = [FieldError("year", "Publish dates for this year or one of the next three.")]
    if errors:
        return _calendar(slug, errors=errors, values=raw, status=400, form="publish")
    with unit_of_work():
        added, skipped = bookings.publish_year(panel["name"], data["year"], data["weekday"], data["week"],
                                               data["deadline_working_days"], g.user)
    message = f"{len(added)} {panel['name']} date{'s were' if len(added) != 1 else ' was'} published for {data['year']}."
    if skipped:
        message += f" {len(skipped)} already published or not after today were left as they were."
    flash(message, "success")
    return redirect(url_for("panels.calendar", slug=slug, year=data["year"]))


# ---------------------------------------------------------------- one date

_STEP_LABELS = {
    "Task_court_outcome": "Held: waiting for the Court",
    "Task_agree_late_booking": "Booked after the papers deadline: with the Panel Advisor",
    "Task_sign_off_report": "Report with the Fostering Manager",
    "Task_send_papers": "Waiting for papers",
    "Task_late_papers": "Late papers: with the Panel Advisor",
    "Task_check_papers": "Papers with the Panel Advisor",
    "Task_record_recommendation": "Papers accepted",
    "Task_hos_decision": "Recommended: with the Head of Service Children's Resources",
}


def _agenda_rows(row):
    out = []
    for booking in bookings.agenda(row):
        instance = db.session.get(ProcessInstance, booking.instance_id) if booking.instance_id else None
        data = queries.instance_data(instance) if instance is not None else {}
        open_tasks = [t for t in queries.instance_tasks(instance.id) if t.state == "ready"] if instance else []
        step = next((t for t in open_tasks if t.element_id in _STEP_LABELS), None)
        record = next((t for t in open_tasks if t.element_id == "Task_record_recommendation"), None)
        papers = data.get("papers") if isinstance(data.get("papers"), dict) else {}
        if booking.status == "heard":
            recommendation = (data.get("recommendation") or {}).get("outcome")
            status = {"recommend": "Heard: recommended", "not_recommend": "Heard: not recommended",
                      "defer": "Heard: deferred"}.get(recommendation, "Heard")
        elif step is not None:
            status = _STEP_LABELS[step.element_id]
        else:
            status = "Booked"
        out.append(dict(booking=booking, case=booking.case, status=status, record=record,
                        papers=papers.get("papers") or [],
                        included=rules.included_text(booking.case_type, papers.get("included"))
                        if papers.get("included") else None,
                        sent=bool(papers)))
    return out


def _sitting_page(slug, row, *, errors=(), values=None, status=200):
    panel = _panel(slug)
    reserve = bookings.reserve_list(row)
    values = values or {}
    reorder_schema = dict(REORDER, properties=dict(REORDER["properties"], booking=dict(
        REORDER["properties"]["booking"], oneOf=[{"const": e.id, "title": f"{e.case.reference} {e.case.child_name}"}
                                                 for e, _ in reserve])))
    return render_template(
        "panel_agenda.html", slug=slug, panel=panel, sitting=row, rules=rules,
        rows=_agenda_rows(row), reserve=reserve, errors=list(errors),
        advisor=g.user.post == PANEL_ADVISOR, manager=g.user.post == PANEL_MANAGER,
        reorder_fields=fields_for(reorder_schema, values), cancel_fields=fields_for(CANCEL, values),
        move_fields=fields_for(MOVE, values), today=clock.now().date()), status


@bp.route(f"/{SLUG}/dates/<day>")
@permission_required("panel.sitting.view")
def sitting(slug, day):
    return _sitting_page(slug, _sitting_or_404(_panel(slug)["name"], day))


@bp.route(f"/{SLUG}/dates/<day>/reserve", methods=["POST"])
@permission_required("panel.booking.reserve")
def reorder(slug, day):
    row = _sitting_or_404(_panel(slug)["name"], day)
    data, raw = parse_form(REORDER, request.form)
    errors = validate(REORDER, data)
    if not errors:
        try:
            with unit_of_work():
                bookings.reorder(row, data["booking"], data["position"], data["reason"], g.user)
        except bookings.TimetableError as exc:
            errors = [FieldError(exc.field or "booking", str(exc))]
        except Conflict:
            errors = [FieldError("booking", "The reserve list changed at the same moment; look again.")]
    if errors:
        return _sitting_page(slug, _sitting_or_404(_panel(slug)["name"], day), errors=errors, values=raw,
                             status=400)
    flash("The reserve list is in its new order.", "success")
    return redirect(url_for("panels.sitting", slug=slug, day=day) + "#reserve")


@bp.route(f"/{SLUG}/dates/<day>/cancel", methods=["POST"])
@permission_required("panel.dates.manage")
def cancel(slug, day):
    row = _sitting_or_404(_panel(slug)["name"], day)
    data, raw = parse_form(CANCEL, request.form)
    errors = validate(CANCEL, data)
    if not errors:
        try:
            with unit_of_work():
                bookings.cancel_sitting(row, data["cancel_reason"], g.user)
        except bookings.TimetableError as exc:
            errors = [FieldError(exc.field or "cancel_reason", str(exc))]
    if errors:
        return _sitting_page(slug, _sitting_or_404(_panel(slug)["name"], day), errors=errors, values=raw,
                             status=400)
    flash(f"The {row.panel} on {rules.long_date(row.sitting_on)} is cancelled.", "success")
    return redirect(url_for("panels.calendar", slug=slug, year=row.sitting_on.year))



@bp.route(f"/{SLUG}/dates/<day>/move", methods=["POST"])
@permission_required("panel.dates.manage")
def move(slug, day):
    """The Panel Manager moves a date to another working day; its cases go with it."""
    row = _sitting_or_404(_panel(slug)["name"], day)
    data, raw = parse_form(MOVE, request.form)
    errors = validate(MOVE, data)
    if not errors:
        try:
            with unit_of_work():
                bookings.move_sitting(row, date.fromisoformat(data["new_date"]),
                                      rules.resubmit_due(data["new_deadline"]), data["move_reason"], g.user)
        except bookings.TimetableError as exc:
            errors = [FieldError(e.field or "new_date", str(e)) for e in getattr(exc, "errors", [exc])]
        except Conflict:
            errors = [FieldError("new_date", "The date changed at the same moment; look again.")]
    if errors:
        return _sitting_page(slug, _sitting_or_404(_panel(slug)["name"], day), errors=errors, values=raw,
                             status=400)
    flash(f"The {row.panel} of {rules.long_date(day)} is now on {rules.long_date(data['new_date'])}.", "success")
    return redirect(url_for("panels.sitting", slug=slug, day=data["new_date"]))
