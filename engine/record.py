"""The decision record of a case (issue 14 §3): every decision taken in
caseflow for it, in order, in words a court can read.

The source is the audit trail, which is append-only: task.completed carries
the answers, rule.overridden the rule and its reason, data.amended,
case.transferred, instance.cancelled and case.closed their reasons.  The
words come from the form schemas of each instance's own definition version
(engine/specs.py), so a record printed years later shows the questions and
options as they were asked, not as a later version words them.

`words` is the one place an answer becomes words (option titles, Yes/No,
dates, papers by name): the record page, its PDF and JSON, completed task
pages, the managers' instance history and the unit's notifications
(engine/outbox.py) all use it."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from processes import clock

from . import specs
from .db import db
from .models import AuditEvent, ProcessDefinition, ProcessInstance, Task
from .timeutil import from_db

# The child's voice (issue 12 item 21): the same three fields in every procedure.
CHILD_FIELDS = ("child_asked", "child_wishes", "child_not_asked_reason")
CHILD_LABELS = {"child_asked": "Was the child asked what they want to happen next?",
                "child_wishes": "What the child wants to happen next",
                "child_not_asked_reason": "Why the child was not asked"}

# What counts as a decision; the other audit actions (sign-ins, timers, ...) are not.
TITLES = {"case.transferred": "Case transferred", "data.amended": "Process data changed",
          "instance.cancelled": "Process cancelled", "case.closed": "Case closed"}
DECISIONS = ("task.completed", "rule.overridden", *TITLES)


# ---------------------------------------------------------------- answers in words

def option_title(prop: dict, value) -> str | None:
    for option in prop.get("oneOf", prop.get("anyOf", [])):
        if isinstance(option, dict) and option.get("const") == value:
            return option.get("title", str(value))
    return None


def is_paper(value) -> bool:
    """A paper as a form answer records it (engine/documents.py describe)."""
    return isinstance(value, dict) and "id" in value and "name" in value and "kind" in value


def words(prop: dict | None, value) -> str:
    """One answer as a person reads it: the chosen option's title, Yes or No,
    a date as 7 December 2026, a paper by its kind and name; never a code."""
    prop = prop or {}
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    title = option_title(prop, value)
    if title is not None:
        return title
    if isinstance(value, list):
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        return ", ".join(words(items, v) for v in value)
    if isinstance(value, dict):
        if is_paper(value):
            return f"{value.get('label') or value['kind']}: {value['name']}"
        return str(value.get("label") or value.get("name") or value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return _when(value, prop.get("format")) or value
    return str(value)


def _when(value: str, fmt: str | None) -> str | None:
    """A date or time answer in words (or None if it is not one)."""
    if fmt not in ("date", "date-time") and not (len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-"):
        return None
    try:
        if len(value) == 10:
            return clock.long_date(date.fromisoformat(value))
        return clock.long_time(value)
    except ValueError:
        return None


def answer_label(schema: dict | None, answers: dict, name: str) -> str | None:
    """The words a person chose for answer `name`, or None if unanswered."""
    value = answers.get(name)
    if value is None:
        return None
    return words((schema or {}).get("properties", {}).get(name), value)


def fact_words(forms: dict, key: str, value) -> str | None:
    """An earlier answer a later form shows (x-summary, key e.g. referral.services_requested)
    in the words of the form of the same version that asked it; None if no form
    offered it as options."""
    name = key.rsplit(".", 1)[-1]
    for schema in forms.values():
        prop = schema.get("properties", {}).get(name) or {}
        item = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        values = value if isinstance(value, list) else [value]
        if values and all(option_title(item if isinstance(value, list) else prop, v) is not None for v in values):
            return words(prop, value)
    return None


def _question(name: str, prop: dict | None) -> str:
    if prop and prop.get("title"):
        return prop["title"]
    return name.replace("_", " ").capitalize()   # no schema (a deleted form): the name, made readable


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def answers_in_words(schema: dict | None, data: dict, *, child=True,
                     for_family=False) -> list[tuple[str, str]]:
    """(question, answer) in the form's order; unanswered questions left out.
    With child=False the child's views are left to `child_views`; for_family
    leaves out what the form marks internal ("x-internal": true, issue 17)."""
    properties = (schema or {}).get("properties", {})
    names = [n for n in properties if n in data] + [n for n in data if n not in properties]
    if for_family:   # a question no form describes may be anything: not for the family either
        names = [n for n in names if n in properties and not properties[n].get("x-internal")]
    return [(_question(n, properties.get(n)), words(properties.get(n), data[n])) for n in names
            if not _empty(data[n]) and (child or n not in CHILD_FIELDS)]


def child_views(data: dict) -> list[tuple[str, str]]:
    return [(CHILD_LABELS[n], words(None, data[n])) for n in CHILD_FIELDS if not _empty(data.get(n))]


def papers_of(data: dict) -> list[dict]:
    """The papers an answer rested on (x-options documents answers)."""
    found = []
    for value in data.values():
        for item in value if isinstance(value, list) else [value]:
            if is_paper(item) and item["id"] not in [p["id"] for p in found]:
                found.append({"id": item["id"], "name": item["name"], "label": item.get("label") or item["kind"]})
    return found


# ---------------------------------------------------------------- the record

@dataclass
class Entry:
    """One decision: what, by whom, when, and what it rested on."""
    at: datetime
    what: str
    process: str | None
    decided_by: str
    on_behalf_of: str | None = None
    answers: list[tuple[str, str]] = field(default_factory=list)
    child: list[tuple[str, str]] = field(default_factory=list)
    papers: list[dict] = field(default_factory=list)
    reason: str | None = None
    override: dict | None = None
    task_id: str | None = None

    def as_json(self) -> dict:
        return {"at": self.at.isoformat(), "what": self.what, "process": self.process,
                "decided_by": self.decided_by, "on_behalf_of": self.on_behalf_of,
                "answers": [{"question": q, "answer": a} for q, a in self.answers],
                "child_views": [{"question": q, "answer": a} for q, a in self.child],
                "papers": self.papers, "reason": self.reason, "override": self.override}


class _Forms:
    """The form schemas of each instance's version, and its process's name, read once."""

    def __init__(self):
        self._by_instance: dict[int, tuple[dict, str]] = {}

    def of(self, instance_id: int | None) -> tuple[dict, str | None]:
        if instance_id is None:
            return {}, None
        if instance_id not in self._by_instance:
            row = db.session.execute(select(ProcessInstance.definition_id, ProcessDefinition.name)
                                     .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                                     .where(ProcessInstance.id == instance_id)).first()
            self._by_instance[instance_id] = (specs.loaded_by_id(row.definition_id).forms, row.name) \
                if row else ({}, None)
        return self._by_instance[instance_id]

    def schema(self, event: AuditEvent, form: str | None) -> dict | None:
        return self.of(event.instance_id)[0].get(form) if form else None

    def property_of(self, instance_id: int | None, name: str) -> dict | None:
        """An amended answer's question: the first form of the version asking it."""
        for schema in self.of(instance_id)[0].values():
            if name in schema.get("properties", {}):
                return schema["properties"][name]
        return None


def _task_forms(task_ids) -> dict[str, str | None]:
    ids = sorted({t for t in task_ids if t})
    if not ids:
        return {}
    return dict(db.session.execute(select(Task.id, Task.form).where(Task.id.in_(ids))).all())


def _entry(event: AuditEvent, forms: _Forms, task_forms: dict, for_family: bool = False) -> Entry:
    detail = event.detail or {}
    entry = Entry(at=from_db(event.at), what=event.element_name or TITLES.get(event.action, event.action),
                  process=forms.of(event.instance_id)[1], decided_by=event.actor_name,
                  reason=event.reason, task_id=event.task_id)
    if event.action == "task.completed":
        data = detail.get("data") or {}
        entry.on_behalf_of = detail.get("for")
        entry.answers = answers_in_words(forms.schema(event, task_forms.get(event.task_id)), data, child=False,
                                         for_family=for_family)
        entry.child, entry.papers = child_views(data), papers_of(data)
    elif event.action == "data.amended":
        changes = detail.get("changes") or {}
        entry.what = TITLES[event.action]
        entry.answers = [(_question(n, forms.property_of(event.instance_id, n)),
                          words(forms.property_of(event.instance_id, n), v)) for n, v in changes.items()]
    elif event.action == "case.transferred":
        entry.what = TITLES[event.action]
        entry.answers = [(label, place_words(detail.get(key))) for label, key in (("From", "from"), ("To", "to"))
                         if detail.get(key)]
    else:
        entry.what = TITLES.get(event.action, entry.what)
    return entry


def place_words(place: dict) -> str:
    """A unit and its service as a trail records them, e.g. CIN Unit 1 (CIN)."""
    unit, service = place.get("unit"), place.get("service")
    return f"{unit} ({service})" if unit and service else unit or service or ""


def of_case(case_id: int, for_family: bool = False) -> list[Entry]:
    """Every decision taken for the case, oldest first; an override goes with
    the step whose rule it set aside.  For the family's letter (engine/letter.py):
    the steps' decisions only, without internal answers, overrides or data changes."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action.in_(DECISIONS))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    forms, task_forms = _Forms(), _task_forms(e.task_id for e in events if e.action == "task.completed")
    entries: list[Entry] = []
    for event in events:
        if for_family and event.action in ("rule.overridden", "data.amended"):
            continue
        if event.action == "rule.overridden":
            step = next((e for e in reversed(entries) if e.task_id and e.task_id == event.task_id), None)
            override = {"rules": list((event.detail or {}).get("rules") or []), "reason": event.reason}
            if step is not None:
                step.override = override
            continue
        entries.append(_entry(event, forms, task_forms, for_family))
    return entries


def event_answers(event: AuditEvent) -> list[tuple[str, str]] | None:
    """What a task.completed or data.amended event recorded, in words (the
    managers' instance history); None for other events."""
    if event.action not in ("task.completed", "data.amended"):
        return None
    entry = _entry(event, _Forms(), _task_forms([event.task_id]))
    return entry.answers + entry.child


def task_answers(task: Task) -> list[tuple[str, str]]:
    """A completed task's answers in words (its page), from its audit event."""
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.task_id == task.id, AuditEvent.action == "task.completed")
        .order_by(AuditEvent.id.desc()).limit(1)).first()
    if event is None:
        return []
    entry = _entry(event, _Forms(), {task.id: task.form})
    return entry.answers + entry.child


def steps_before(task: Task) -> list[Entry]:
    """What a step rests on (issue 15 item 5): the steps of its process done
    before it, each with its answers in words, the child's views and the
    papers it named, oldest first."""
    query = select(AuditEvent).where(AuditEvent.instance_id == task.instance_id,
                                     AuditEvent.action == "task.completed", AuditEvent.task_id != task.id)
    if task.state == "completed":   # a done step rests on what was done before it, not after
        done = db.session.scalar(select(db.func.min(AuditEvent.id)).where(
            AuditEvent.task_id == task.id, AuditEvent.action == "task.completed"))
        if done is not None:
            query = query.where(AuditEvent.id < done)
    events = db.session.scalars(query.order_by(AuditEvent.at, AuditEvent.id)).all()
    forms, task_forms = _Forms(), _task_forms(e.task_id for e in events)
    entries = []
    for event in events:
        entry, data = _entry(event, forms, task_forms), (event.detail or {}).get("data") or {}
        # papers are shown as links of their own, not again as an answer's text
        unpapered = {n: v for n, v in data.items() if not (is_paper(v) or (
            isinstance(v, list) and v and all(is_paper(i) for i in v)))}
        entry.answers = answers_in_words(forms.schema(event, task_forms.get(event.task_id)), unpapered,
                                         child=False)
        if entry.answers or entry.child or entry.papers:
            entries.append(entry)
    return entries
