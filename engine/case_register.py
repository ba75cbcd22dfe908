"""Registering, changing, finding and closing cases (issue 14 §2), from the
pages and from a case management system through the API.  The rules are in
processes/case_register.py; every change is audited."""
from sqlalchemy import func, or_, select

from processes import case_register as rules, clock

from . import audit, authz, permissions
from .db import db
from .forms import FieldError
from .models import Case, ProcessInstance, Unit
from .runtime import Invalid, NotAllowed
from .timeutil import utcnow

EDITABLE = ("child_name", "date_of_birth", "expected_delivery_date", "cp_status", "lac_status", "in_court")
RUNNING = ("running", "error", "suspended")


def _invalid(pairs):
    raise Invalid(errors=[FieldError(field, message) for field, message in pairs])


def register(actor, fields: dict) -> Case:
    problems = rules.problems(fields, clock.now().date(), creating=True)
    unit = db.session.scalar(select(Unit).filter_by(name=fields["unit"])) if fields.get("unit") else None
    if fields.get("unit") and unit is None:
        problems.append(("unit", "Select a unit from the list"))
    reference = (fields.get("reference") or "").strip()
    if reference and db.session.scalar(select(Case.id).where(func.lower(Case.reference) == reference.lower())):
        problems.append(("reference", f"A case with the reference {reference} is already registered"))
    if problems:
        _invalid(problems)
    if not permissions.can(actor, "case.register", unit):
        raise NotAllowed(f"You cannot register cases for {unit.name}.")
    case = Case(reference=reference, child_name=fields["child_name"].strip(), service=unit.service, unit=unit,
                date_of_birth=fields.get("date_of_birth"), expected_delivery_date=fields.get("expected_delivery_date"),
                **{k: bool(fields.get(k, False)) for k in rules.LEGAL_STATUS})
    db.session.add(case)
    db.session.flush()
    audit.record("case.registered", actor, case_id=case.id, detail={"reference": reference, "unit": unit.name})
    return case


def update(actor, case: Case, changes: dict) -> Case:
    if "unit" in changes or "service" in changes:
        _invalid([("unit", "A case moves to another unit by a transfer (Case Transfer): request one from the case")])
    unknown = sorted(set(changes) - set(EDITABLE) - {"reference"})
    if unknown:
        _invalid([(name, f"{name} cannot be changed") for name in unknown])
    problems = rules.problems(changes, clock.now().date(), creating=False)
    if "reference" in changes and not problems:
        _invalid([("reference", "The case reference cannot be changed")])
    if problems:
        _invalid(problems)
    changed = {}
    for name in EDITABLE:
        if name in changes and getattr(case, name) != changes[name]:
            value = changes[name].strip() if isinstance(changes[name], str) else changes[name]
            changed[name] = {"from": _plain(getattr(case, name)), "to": _plain(value)}
            setattr(case, name, value)
    if changed:
        audit.record("case.updated", actor, case_id=case.id, detail={"changes": changed})
    return case


def close(actor, case: Case, reason: str | None) -> Case:
    if not rules.may_close(actor.post):
        raise NotAllowed(f"A case is closed by a {rules.CLOSING_POST} or a post above (Matrix of Responsibility).")
    if case.closed_at is not None:
        _invalid([("case", f"Case {case.reference} is already closed")])
    running = [row.summary or row.process_key for row in db.session.execute(
        select(ProcessInstance.summary, ProcessInstance.process_key).where(
            ProcessInstance.case_id == case.id, ProcessInstance.status.in_(RUNNING)))]
    problems = rules.close_problems(reason, running)
    if problems:
        _invalid(problems)
    case.closed_at, case.closed_by_id, case.closure_reason = utcnow(), actor.id, reason.strip()
    audit.record("case.closed", actor, case_id=case.id, reason=reason.strip())
    return case


def find(user, text: str | None = None, reference: str | None = None, limit: int = 200) -> list[Case]:
    """Cases within the person's reach by exact reference, or whose reference or child's name contains text."""
    query = select(Case).where(authz.case_clause(user))
    if reference:
        query = query.where(func.lower(Case.reference) == reference.strip().lower())
    if text and text.strip():
        like = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(Case.reference).like(like), func.lower(Case.child_name).like(like)))
    return list(db.session.scalars(query.order_by(Case.reference).limit(limit)))


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
