"""A letter a family can read: where their case stands (issue 17 item 2).

In plain English for the child or parent: what is happening (the case is
moving to another team, say), what was decided and why, what happens next
and by when, and who to contact.  Nothing the family may not see: an answer
whose question the form marks internal (`"x-internal": true`) is left out
(engine/record.py).  The practitioner reads it on the page before printing;
printing is audited."""
from dataclasses import dataclass, field

from sqlalchemy import select

from processes import clock

from . import explain, record
from .db import db
from .models import Case, ProcessDefinition, ProcessInstance, Task, Unit
from .timeutil import from_db

RECENT_DECISIONS = 5
OPEN = ("running", "suspended", "error")


@dataclass
class Letter:
    case: Case
    happening: list[str] = field(default_factory=list)
    decided: list[record.Entry] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    contact: str = ""
    written_on: str = ""


def for_case(case: Case) -> Letter:
    letter = Letter(case=case, written_on=clock.long_date(clock.now()))
    running = db.session.execute(
        select(ProcessInstance, ProcessDefinition).join(ProcessDefinition,
                                                        ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.case_id == case.id, ProcessInstance.status.in_(OPEN))
        .order_by(ProcessInstance.started_at)).all()
    for instance, definition in running:
        letter.happening.append(f"We are working on your case: {definition.name}.")
    pending_unit = db.session.get(Unit, case.pending_unit_id) if getattr(case, "pending_unit_id", None) else None
    if pending_unit is not None:
        when = clock.long_date(from_db(case.pending_at)) if case.pending_at else "soon"
        letter.happening.append(f"Your case is moving to a new team, {pending_unit.name}, on {when}. "
                                f"Until then {case.unit.name} keeps your case.")
    if not letter.happening:
        letter.happening.append("Nothing is being decided about your case at the moment.")
    letter.decided = record.of_case(case.id, for_family=True)[-RECENT_DECISIONS:]
    for instance, definition in running:
        steps = {s.element_id: s for s in explain.steps(definition.bpmn_xml, instance.process_key)}
        for task in db.session.scalars(select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
                                       .order_by(Task.due_at.is_(None), Task.due_at)):
            step = steps.get(task.element_id)
            sentence = step.text if step is not None else f"Next: {task.name}."
            if task.due_at:
                sentence += f" This should happen by {clock.long_date(from_db(task.due_at))}."
            letter.next_steps.append(sentence)
    letter.contact = (f"Your social worker in {case.unit.name} can tell you more and answer your questions. "
                      "You can also ask to speak to their manager.")
    return letter

