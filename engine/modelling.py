"""What process owners do to the diagrams: list versions, keep drafts,
validate, deploy, upload, edit form files.

Like runtime.py, every function works inside the caller's transaction and
never commits; saves, deploys and migrations are audited (element_name is
the process id, so a process's history is one query).
"""
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from lxml import etree
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from processes import clock

from . import audit, explain, specs
from .db import db
from .forms import check_schema
from .models import AuditEvent, FormFile, ProcessDefinition, ProcessDraft, ProcessInstance, User
from .timeutil import from_db, utcnow
from .validation import BPMN, Problem, read_bpmn, validate

MAX_BPMN_BYTES = 5 * 1024 * 1024
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
FORM_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-")


class ModellingError(Exception):
    """Something the process owner should be told, in plain words."""
    status = 400


class NotFound(ModellingError):
    status = 404


class Changed(ModellingError):
    """The diagram (or form) changed since the person opened it."""
    status = 409

    def __init__(self, message, copy_id=None):
        super().__init__(message)
        self.copy_id = copy_id


@dataclass
class NotDeployable(ModellingError):
    problems: list = field(default_factory=list)  # Problem
    status = 422

    def __str__(self):
        return "The diagram cannot be deployed: " + "; ".join(p.message for p in self.problems)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bytes(xml) -> bytes:
    """The diagram as UTF-8 bytes (a file saved in another encoding, as some
    modellers do, is re-encoded: the text is kept in the database)."""
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    if len(data) > MAX_BPMN_BYTES:
        raise ModellingError("The diagram is larger than 5MB; nothing was saved.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise ModellingError("The file is neither UTF-8 text nor XML in the encoding it "
                                 "declares; nothing was saved.") from exc
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


# ---------------------------------------------------------------- reading

def overview() -> list[dict]:
    """Every process: its versions (who deployed each, when, how many
    instances run on it) and which one new instances start on.  Instance
    counts are one GROUP BY on process_instance: nothing is deserialized."""
    defs = db.session.execute(
        select(ProcessDefinition.id, ProcessDefinition.process_key, ProcessDefinition.name,
               ProcessDefinition.version, ProcessDefinition.deployed_at, ProcessDefinition.is_current,
               User.name.label("deployed_by"))
        .outerjoin(User, User.id == ProcessDefinition.deployed_by_id)
        .order_by(ProcessDefinition.process_key, ProcessDefinition.version.desc())).all()
    counts: dict[int, dict[str, int]] = {}
    for definition_id, status, n in db.session.execute(
            select(ProcessInstance.definition_id, ProcessInstance.status, func.count())
            .group_by(ProcessInstance.definition_id, ProcessInstance.status)):
        counts.setdefault(definition_id, {})[status] = n
    drafts = {d.process_key: d for d in db.session.scalars(
        select(ProcessDraft).where(ProcessDraft.status == "open"))}
    processes: dict[str, dict] = {}
    for row in defs:
        entry = processes.setdefault(row.process_key, {
            "key": row.process_key, "name": row.name, "current_version": None, "versions": [],
            "draft": drafts.get(row.process_key)})
        by_status = counts.get(row.id, {})
        entry["versions"].append({
            "id": row.id, "version": row.version, "deployed_by": row.deployed_by or "caseflow (set-up)",
            "deployed_at": row.deployed_at, "is_current": row.is_current,
            "running": by_status.get("running", 0),
            "other": sum(n for s, n in by_status.items() if s != "running"),
            "statuses": by_status})
        if row.is_current:
            entry["current_version"] = row.version
            entry["name"] = row.name
    for key, draft in drafts.items():  # a new process, uploaded as a draft only
        processes.setdefault(key, {"key": key, "name": key, "current_version": None,
                                   "versions": [], "draft": draft})
    return sorted(processes.values(), key=lambda p: p["name"].lower())


def process(key: str) -> dict:
    for entry in overview():
        if entry["key"] == key:
            return entry
    raise NotFound(f"There is no process called {key}.")


def version(key: str, number: int) -> ProcessDefinition:
    definition = db.session.scalar(select(ProcessDefinition).filter_by(process_key=key, version=number))
    if definition is None:
        raise NotFound(f"{key} has no version {number}.")
    return definition


def open_draft(key: str, lock: bool = False) -> ProcessDraft | None:
    query = select(ProcessDraft).filter_by(process_key=key, status="open")
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def conflict_copies(key: str) -> list[ProcessDraft]:
    return db.session.scalars(select(ProcessDraft).filter_by(process_key=key, status="conflict")
                              .order_by(ProcessDraft.saved_at.desc(), ProcessDraft.id.desc())).all()


def copy(key: str, copy_id: int) -> ProcessDraft:
    draft = db.session.get(ProcessDraft, copy_id)
    if draft is None or draft.process_key != key:
        raise NotFound("There is no such copy of this diagram.")
    return draft


def state_token(key: str) -> str:
    """What the diagram is now: the open draft's hash, else the current
    version's content hash, else empty (a process not yet deployed).  An
    editor sends back the token it opened with; a different one means that
    someone else saved or deployed since."""
    draft = open_draft(key)
    if draft is not None:
        return draft.content_hash
    current = specs.current(key)
    return current.content_hash if current is not None else ""


def editor_source(key: str, number: int | None = None, copy_id: int | None = None) -> dict:
    """The XML to open in the modeller and the token to save against."""
    token = state_token(key)
    draft = open_draft(key)
    if copy_id is not None:
        kept = copy(key, copy_id)
        who = kept.saved_by.name if kept.saved_by else "someone"
        return {"xml": kept.bpmn_xml, "base": token, "source": f"the copy {who} could not save",
                "copy": kept}
    if number is not None:
        return {"xml": version(key, number).bpmn_xml, "base": token, "source": f"version {number}"}
    if draft is not None:
        who = draft.saved_by.name if draft.saved_by else "someone"
        return {"xml": draft.bpmn_xml, "base": token, "source": f"the draft saved by {who}",
                "draft": draft}
    current = specs.current(key)
    if current is None:
        raise NotFound(f"There is no process called {key}.")
    return {"xml": current.bpmn_xml, "base": token, "source": f"version {current.version}"}


def history(key: str, limit: int = 100) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.element_name == key, or_(
            AuditEvent.action.like("process.%"), AuditEvent.action == "instance.migrated"))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()


# ---------------------------------------------------------------- forms

def _forms_dir() -> Path:
    return Path(current_app.config["BPMN_DIR"]) / "forms"


def _schema_hash(schema) -> str:
    return sha256(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def available_forms() -> dict[str, dict | str]:
    """Form file name → JSON Schema: the product's files in bpmn/forms, with
    the ones process owners edited (form_file) in their place.  A file that
    is not JSON maps to the reason, for the validator to report."""
    forms: dict[str, dict | str] = {}
    for path in sorted(_forms_dir().glob("*.json")):
        try:
            forms[path.name] = json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            forms[path.name] = str(exc)
    for row in db.session.scalars(select(FormFile)):
        forms[row.name] = row.schema
    return forms


def form_list() -> list[dict]:
    edited = {f.name: f for f in db.session.scalars(select(FormFile))}
    used: dict[str, list[str]] = {}
    for key, forms in db.session.execute(select(ProcessDefinition.process_key, ProcessDefinition.forms)
                                         .where(ProcessDefinition.is_current.is_(True))):
        for name in forms or {}:
            used.setdefault(name, []).append(key)
    out = []
    for name, schema in available_forms().items():
        row = edited.get(name)
        problem = schema if isinstance(schema, str) else check_schema(schema)
        out.append({"name": name, "title": schema.get("title") if isinstance(schema, dict) else None,
                    "edited": row, "in_files": (_forms_dir() / name).exists(),
                    "used_by": sorted(used.get(name, [])), "problem": problem})
    return out


def form(name: str) -> tuple[dict | str, str]:
    """(schema, token to save against)."""
    forms = available_forms()
    if name not in forms:
        raise NotFound(f"There is no form file called {name}.")
    schema = forms[name]
    return schema, (_schema_hash(schema) if isinstance(schema, dict) else sha256(schema.encode()))


def parse_form(text: str) -> tuple[dict | None, str | None]:
    """(schema, None) or (None, why it is not a usable JSON Schema)."""
    try:
        schema = json.loads(text)
    except ValueError as exc:
        return None, f"The form is not valid JSON: {getattr(exc, 'msg', exc)} " \
                     f"(line {getattr(exc, 'lineno', '?')}, column {getattr(exc, 'colno', '?')})."
    if not isinstance(schema, dict):
        return None, "The form must be a JSON object, starting with {."
    problem = check_schema(schema)
    if problem:
        return None, f"The form is not valid JSON Schema: {problem}"
    if not isinstance(schema.get("properties", {}), dict):
        return None, "The form's properties must be an object of questions."
    return schema, None


def check_form_name(name: str) -> str | None:
    if not name:
        return "Enter a file name for the form, such as home_visit.schema.json"
    if not name.endswith(".json") or set(name) - FORM_NAME_CHARS or name.startswith(".") or len(name) > 200:
        return "A form file name uses only lower-case letters, digits, ‘_’, ‘-’ and ‘.’ and ends in .json"
    return None


def save_form(name: str, text: str, base: str, actor: User) -> FormFile:
    """Keep an edited form (validated) if nobody changed it since it was
    opened (`base`, empty for a new form); the next deploy that uses it
    takes it.  A form from bpmn/forms is kept here in its place."""
    problem = check_form_name(name)
    if problem:
        raise ModellingError(problem)
    schema, problem = parse_form(text)
    if problem:
        raise ModellingError(problem)
    forms = available_forms()
    if name not in forms and base:
        raise Changed(f"The form {name} is no longer there; nothing was saved.")
    if name in forms and base != form(name)[1]:
        raise Changed(f"The form {name} was changed since you opened it (or a form of that name "
                      "already exists); nothing was saved. Copy your text, reload, and make your "
                      "changes again.")
    digest = _schema_hash(schema)
    row = db.session.scalar(select(FormFile).filter_by(name=name))
    if row is None:
        row = FormFile(name=name, schema=schema, content_hash=digest, updated_by_id=actor.id)
        db.session.add(row)
        try:
            db.session.flush()
        except IntegrityError as exc:  # another owner's save of the same new form
            db.session.rollback()
            raise Changed(f"The form {name} was saved by someone else at the same moment; "
                          "nothing was saved.") from exc
    else:
        done = db.session.execute(FormFile.__table__.update().where(
            FormFile.id == row.id, FormFile.content_hash == base).values(
            schema=schema, content_hash=digest, updated_by_id=actor.id, updated_at=utcnow()))
        if done.rowcount != 1:
            raise Changed(f"The form {name} was changed since you opened it; nothing was saved.")
        db.session.refresh(row)
    audit.record("form.saved", actor, element_name=name, detail={"form": name, "hash": digest})
    return row


# ---------------------------------------------------------------- checking

def known_processes() -> set[str]:
    return set(db.session.scalars(select(ProcessDefinition.process_key).where(
        ProcessDefinition.is_current.is_(True))).all())


def others_for(xml: bytes) -> dict[str, bytes]:
    """The current files of other processes, for call activities to resolve:
    not those holding a process this file defines (they would clash)."""
    try:
        mine = set(_process_ids(xml))
    except etree.XMLSyntaxError:
        return {}
    others = {}
    rows = db.session.execute(select(ProcessDefinition.process_key, ProcessDefinition.bpmn_xml)
                              .where(ProcessDefinition.is_current.is_(True))).all()
    for key, other_xml in rows:
        data = other_xml.encode("utf-8")
        if mine & set(_process_ids(data)):
            continue
        others.setdefault(f"{key}.bpmn", data)
    return others


def _process_ids(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    return [p.get("id") for p in root.iter(f"{{{BPMN}}}process") if p.get("id")]


def check(xml, key: str | None = None, filename: str | None = None) -> list[Problem]:
    """The validator with this installation's forms and processes; with
    `key`, the file must still hold that process (its id unchanged)."""
    data = _bytes(xml)
    problems = validate(data, available_forms(), known_processes(), filename or f"{key or 'diagram'}.bpmn")
    if key and not any(p.element_id is None and "well-formed" in p.message for p in problems):
        try:
            ids = _process_ids(data)
        except etree.XMLSyntaxError:
            ids = []
        if ids and key not in ids:
            problems.append(Problem(None, f"The diagram no longer holds the process ‘{key}’ (was its id "
                                          f"changed?). Keep the process id {key}, or upload it as a "
                                          "new process."))
    return problems


# ---------------------------------------------------------------- drafts

def save_draft(key: str, xml, base: str, actor: User) -> ProcessDraft:
    """Keep the diagram as the process's draft, if nobody has saved or
    deployed it since the editor opened it (`base`); else raise Changed
    (the caller keeps the person's copy with `keep_copy`)."""
    data = _bytes(xml)
    digest = sha256(data)
    draft = open_draft(key, lock=True)
    token = draft.content_hash if draft is not None else (
        specs.current(key).content_hash if specs.current(key) is not None else "")
    if base != token:
        raise Changed(changed_message(key, draft))
    if draft is None:
        draft = ProcessDraft(process_key=key, status="open", bpmn_xml=data.decode("utf-8"),
                             content_hash=digest, base_hash=base, saved_by_id=actor.id)
        db.session.add(draft)
        try:
            db.session.flush()
        except IntegrityError as exc:  # another owner's first draft, at the same moment
            db.session.rollback()
            raise Changed(changed_message(key, None)) from exc
    else:
        done = db.session.execute(ProcessDraft.__table__.update().where(
            ProcessDraft.id == draft.id, ProcessDraft.content_hash == base).values(
            bpmn_xml=data.decode("utf-8"), content_hash=digest, base_hash=base,
            saved_by_id=actor.id, saved_at=utcnow()))
        if done.rowcount != 1:
            raise Changed(changed_message(key, None))
        db.session.refresh(draft)
    audit.record("process.draft_saved", actor, element_name=key,
                 detail={"process": key, "hash": digest, "base": base})
    return draft


def changed_message(key: str, draft: ProcessDraft | None, kept: bool = True) -> str:
    draft = draft or open_draft(key)
    if draft is not None and draft.saved_by is not None:
        when = clock.long_time(from_db(draft.saved_at))
        who = f"{draft.saved_by.name} saved it on {when}"
    else:
        current = specs.current(key)
        who = f"version {current.version} was deployed" if current is not None else "it was changed"
    if not kept:
        return f"This diagram changed since you opened it: {who}. Nothing was deployed; reload to see the changes."
    return (f"This diagram changed since you opened it: {who}. Your changes were not saved over "
            "theirs; they are kept as a copy on the process's page, and you can download them now. "
            "Reload to see the other changes.")


def keep_copy(key: str, xml, base: str, actor: User) -> ProcessDraft:
    """A save that lost the race: kept beside the draft, so nothing is lost."""
    data = _bytes(xml)
    kept = ProcessDraft(process_key=key, status="conflict", bpmn_xml=data.decode("utf-8"),
                        content_hash=sha256(data), base_hash=base, saved_by_id=actor.id)
    db.session.add(kept)
    db.session.flush()
    audit.record("process.draft_conflict", actor, element_name=key,
                 detail={"process": key, "copy": kept.id, "base": base, "hash": kept.content_hash})
    return kept


def discard(key: str, draft_id: int | None, actor: User) -> None:
    draft = copy(key, draft_id) if draft_id is not None else open_draft(key, lock=True)
    if draft is None:
        raise NotFound("There is no draft of this process.")
    audit.record("process.draft_discarded", actor, element_name=key,
                 detail={"process": key, "status": draft.status, "hash": draft.content_hash})
    db.session.delete(draft)
    db.session.flush()


# ---------------------------------------------------------------- deploying

def _deploy(key: str | None, data: bytes, filename: str, actor: User,
            audit_unchanged: bool = True) -> list[ProcessDefinition]:
    problems = check(data, key, filename)
    if problems:
        raise NotDeployable(problems)
    forms = {n: s for n, s in available_forms().items() if isinstance(s, dict)}
    try:
        deployed = specs.deploy(data, filename, forms, deployed_by=actor, others=others_for(data),
                                reinstate=True)
    except specs.DeployError as exc:
        raise NotDeployable([Problem(None, m) for m in exc.messages]) from exc
    except IntegrityError as exc:  # two deploys of one process at the same moment
        db.session.rollback()
        raise Changed("Someone deployed this process at the same moment; reload and try again.") from exc
    for definition in deployed:
        # an identical re-upload of the current version deploys nothing (a
        # draft deployed is still recorded: the draft is gone into that version)
        if getattr(definition, "outcome", "deployed") == "unchanged" and not audit_unchanged:
            continue
        audit.record("process.deployed", actor, element_name=definition.process_key,
                     detail={"process": definition.process_key, "version": definition.version,
                             "hash": definition.content_hash, "file": filename})
    return deployed


def deploy_preview(key: str) -> dict:
    """What deploying the saved draft would do, for the person to confirm:
    the checks' result (problems stop it; steps without a sentence for the
    family only warn) and the instances running now, which stay on their
    versions.  Raises ModellingError when there is no draft to deploy."""
    entry = process(key)
    draft = entry["draft"]
    if draft is None:
        raise ModellingError(f"There is no saved draft of {key} to deploy: open it in the modeller, "
                             "make your changes and save a draft first.")
    problems = check(draft.bpmn_xml, key)
    running = [(v["version"], v["running"]) for v in entry["versions"] if v["running"]]
    return {"process": entry, "draft": draft, "problems": problems,
            "warnings": [] if problems else explain.warnings(draft.bpmn_xml, key),
            "running": running, "running_total": sum(n for _, n in running)}


def deploy_draft(key: str, base: str, actor: User) -> list[ProcessDefinition]:
    """Deploy the saved draft the person validated (`base` is its hash):
    a new version new instances start on; running ones stay on theirs."""
    draft = open_draft(key, lock=True)
    if draft is None:
        raise ModellingError("There is no saved draft to deploy: save the diagram first.")
    if base != draft.content_hash:
        raise Changed(changed_message(key, draft, kept=False))
    deployed = _deploy(key, draft.bpmn_xml.encode("utf-8"), f"{key}.bpmn", actor)
    db.session.delete(draft)
    db.session.flush()
    return deployed


def has_layout(xml) -> bool:
    """Whether the file says where its shapes are drawn (BPMN diagram
    interchange); the modeller lays out one that does not."""
    root, _ = read_bpmn(_bytes(xml))
    return root is not None and next(root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"), None) is not None


def upload(filename: str, data: bytes, actor: User, as_draft: bool = False):
    """A .bpmn file from another modeller: deployed if it passes validation
    (a refused file changes nothing), or kept as a draft to fix here.  A file
    that is not BPMN XML at all is refused either way, with the one reason."""
    data = _bytes(data)
    if not filename.lower().endswith((".bpmn", ".xml")):
        raise ModellingError("The selected file must be a .bpmn file.")
    root, unreadable = read_bpmn(data)
    if unreadable:
        raise ModellingError(f"{unreadable.message} Nothing was saved.")
    ids = [p.get("id") for p in root.iter(f"{{{BPMN}}}process")
           if p.get("isExecutable", "true") == "true" and p.get("id")] or _process_ids(data)
    audit.record("process.uploaded", actor, element_name=ids[0] if ids else filename,
                 detail={"file": filename, "hash": sha256(data), "as_draft": as_draft})
    if as_draft:
        if not ids:
            raise ModellingError("The file has no process in it, so there is nothing to keep as a "
                                 "draft. Nothing was saved.")
        key = ids[0]
        if open_draft(key) is not None:
            raise ModellingError(f"There is already a draft of {key}: open it in the modeller, or "
                                 "deploy or discard it first.")
        return save_draft(key, data, state_token(key), actor)
    return _deploy(None, data, filename, actor, audit_unchanged=False)
