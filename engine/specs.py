"""Parse and deploy BPMN files as versioned process definitions.

A definition version is identified by the SHA-256 of its file: deploying the
same file again returns the same version; a changed file makes a new version
that new instances start on, while running instances keep theirs.
"""
import hashlib
import json
import weakref
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from sqlalchemy import bindparam, func, select
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .db import db
from .models import ProcessDefinition
from .serialization import spec_from_dict, spec_to_dict

FORM_PROPERTY = "formJsonSchemaFilename"


class DeployError(Exception):
    """A BPMN file that cannot be deployed, explained in plain words."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class LoadedSpec:
    spec: object
    subprocess_specs: dict
    forms: dict
    version: int


_SPEC_CACHE: dict[tuple[str, str], LoadedSpec] = {}
_BY_ID: dict[tuple[str, int], LoadedSpec] = {}
_URL_TEXTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # an engine's URL, as text
_VALIDATOR = None


def _validator():
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = BpmnValidator()
    return _VALIDATOR


def content_hash(xml: bytes, forms: dict[str, dict] | None = None) -> str:
    """Identity of a version: the BPMN file and the forms it uses."""
    digest = hashlib.sha256(xml)
    if forms:
        digest.update(json.dumps(forms, sort_keys=True).encode())
    return digest.hexdigest()


def parse(xml: bytes, filename: str, others: dict[str, bytes] | None = None) -> SpiffBpmnParser:
    """Parse one file (plus the files it may call) or raise DeployError."""
    parser = SpiffBpmnParser(validator=_validator())
    try:
        parser.add_bpmn_str(xml, filename)
        for other_name, other_xml in (others or {}).items():
            if other_name != filename:
                parser.add_bpmn_str(other_xml, other_name)
    except etree.XMLSyntaxError as exc:
        raise DeployError(f"{filename} is not well-formed XML: {exc}") from exc
    except ValidationException as exc:
        raise DeployError(f"{filename}: {_plain(exc)}") from exc
    return parser


def _plain(exc: ValidationException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return text


def process_ids_in(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    return [p.get("id") for p in root.xpath("//bpmn:process", namespaces=ns)
            if p.get("isExecutable", "true") == "true"]


def form_names(spec, subprocess_specs) -> set[str]:
    names = set()
    for s in [spec, *subprocess_specs.values()]:
        for task_spec in s.task_specs.values():
            name = getattr(task_spec, "extensions", {}).get("properties", {}).get(FORM_PROPERTY)
            if name:
                names.add(name)
    return names


def deploy(xml: bytes, filename: str, forms: dict[str, dict], deployed_by=None,
           others: dict[str, bytes] | None = None, reinstate: bool = False) -> list[ProcessDefinition]:
    """Deploy every executable process of one BPMN file; return their versions.

    `forms` maps form file names to JSON Schemas: the ones the file uses are
    copied into the version, so running instances keep the forms they began with.
    A file identical to an existing version returns that version; with
    `reinstate` (a process owner deploying it from the modeller) that version
    becomes the one new instances start on again.
    """
    try:
        process_ids = process_ids_in(xml)
    except etree.XMLSyntaxError as exc:
        raise DeployError(f"{filename} is not well-formed XML: {exc}") from exc
    if not process_ids:
        raise DeployError(f"{filename} has no executable process (isExecutable is false or missing).")
    parser = parse(xml, filename, others)
    deployed = []
    for process_id in process_ids:
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            raise DeployError(f"{filename}: {_plain(exc)}") from exc
        used = form_names(spec, subprocess_specs)
        missing = sorted(used - set(forms))
        if missing:
            raise DeployError([f"The form {m} used in {filename} does not exist." for m in missing])
        used_forms = {name: forms[name] for name in sorted(used)}
        digest = content_hash(xml, used_forms)
        existing = db.session.scalar(select(ProcessDefinition).filter_by(
            process_key=process_id, content_hash=digest))
        if existing is not None:
            if reinstate and not existing.is_current:
                db.session.execute(ProcessDefinition.__table__.update().where(
                    ProcessDefinition.process_key == process_id).values(is_current=False))
                db.session.execute(ProcessDefinition.__table__.update().where(
                    ProcessDefinition.id == existing.id).values(is_current=True))
                db.session.refresh(existing)
                existing.outcome = "reinstated"
            else:
                existing.outcome = "unchanged"  # nothing deployed: not audited as a deployment
            deployed.append(existing)
            continue
        latest = db.session.scalar(select(func.max(ProcessDefinition.version)).filter_by(
            process_key=process_id)) or 0
        db.session.execute(ProcessDefinition.__table__.update().where(
            ProcessDefinition.process_key == process_id).values(is_current=False))
        definition = ProcessDefinition(
            process_key=process_id, name=spec.description or process_id, version=latest + 1,
            content_hash=digest, bpmn_xml=xml.decode("utf-8"),
            spec_json=spec_to_dict(spec, subprocess_specs),
            forms=used_forms,
            deployed_by=deployed_by, is_current=True)
        definition.outcome = "deployed"
        db.session.add(definition)
        deployed.append(definition)
    db.session.flush()
    return deployed


def load_forms_dir(forms_dir: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text("utf-8")) for p in sorted(forms_dir.glob("*.json"))}


def deploy_directory(bpmn_dir: Path, deployed_by=None) -> list[ProcessDefinition]:
    """Deploy every .bpmn file in a directory (the product's own diagrams)."""
    forms = load_forms_dir(bpmn_dir / "forms")
    files = {p.name: p.read_bytes() for p in sorted(bpmn_dir.glob("*.bpmn"))}
    deployed = []
    for name, xml in files.items():
        deployed.extend(deploy(xml, name, forms, deployed_by, others=files))
    return deployed


def loaded(definition: ProcessDefinition) -> LoadedSpec:
    """The parsed spec of a version, restored once per process and kept:
    a version never changes, so the cache needs no invalidation."""
    key = (definition.process_key, definition.content_hash)
    cached = _SPEC_CACHE.get(key)
    if cached is None:
        spec, subprocess_specs = spec_from_dict(definition.spec_json)
        cached = LoadedSpec(spec, subprocess_specs, definition.forms or {}, definition.version)
        _SPEC_CACHE[key] = cached
    return cached


def loaded_by_id(definition_id: int) -> LoadedSpec:
    """As `loaded`, without reading the definition row when it is known:
    the hot path (every task completion) reads no spec from the database."""
    engine = db.engine
    url = _URL_TEXTS.get(engine)
    if url is None:  # made once an engine: the URL's text costs more than the rest of this
        url = _URL_TEXTS[engine] = str(engine.url)
    key = (url, definition_id)
    cached = _BY_ID.get(key)
    if cached is None:
        cached = _BY_ID[key] = loaded(db.session.get(ProcessDefinition, definition_id))
    return cached


def warm() -> int:
    """Parse every current definition now (a server worker starting), not
    at the first request that needs it; how many."""
    definitions = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.is_current == True)).all()  # noqa: E712
    for definition in definitions:
        loaded_by_id(definition.id)
    db.session.remove()
    return len(definitions)


# asked on every start: built once
_CURRENT = select(ProcessDefinition).where(ProcessDefinition.process_key == bindparam("process_key"),
                                           ProcessDefinition.is_current == True)  # noqa: E712


def current(process_key: str) -> ProcessDefinition | None:
    return db.session.scalar(_CURRENT, {"process_key": process_key})
