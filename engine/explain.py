"""A procedure in plain English, from its deployed diagram (issue 17).

The handbook's first principle is to "explain what we do, why and how"
(000): each step of the current version, in order, who does it, how long it
may take and what happens next, in short sentences with no BPMN words.  A
process owner may write the family's own sentence for a step (the caseflow
property `familyText`); it is used instead of the one made from the step's
name.  The same steps are the text alternative of the diagram viewer, so a
screen reader user reads what the canvas shows.
"""
import re
from collections import deque
from dataclasses import dataclass, field

from lxml import etree

from .validation import NS, local, spiff_properties

FAMILY_TEXT = "familyText"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True)
HUMAN = {"userTask", "manualTask"}
AUTOMATIC = {"scriptTask", "serviceTask", "businessRuleTask", "sendTask", "task"}
_UNITS = {"Y": "year", "M": "month", "W": "week", "D": "day", "H": "hour"}


@dataclass
class Step:
    element_id: str
    kind: str                 # "task", "wait", "choice", "start", "end", "next"
    name: str
    who: str | None
    text: str                 # what the family reads
    timing: str | None = None
    branches: list[tuple[str, str]] = field(default_factory=list)   # (if …, then the step named)
    has_family_text: bool = False


def steps(xml: bytes | str, process_id: str) -> list[Step]:
    """The process's steps in the order they happen (each once)."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml, _SAFE)
    process = next((p for p in root.xpath("./bpmn:process", namespaces=NS) if p.get("id") == process_id), None)
    if process is None:
        return []
    nodes, flows_from, lane_of, boundaries = {}, {}, {}, {}
    for node in process.iter():
        if not isinstance(node.tag, str) or not node.get("id"):
            continue
        kind = local(node)
        if kind == "sequenceFlow":
            flows_from.setdefault(node.get("sourceRef"), []).append(node)
        elif kind == "lane":
            for ref in node.xpath("./bpmn:flowNodeRef", namespaces=NS):
                lane_of[(ref.text or "").strip()] = (node.get("name") or "").strip()
        elif kind.endswith(("Task", "Event", "Gateway")) or kind in ("task", "subProcess", "callActivity"):
            nodes[node.get("id")] = node
            if kind == "boundaryEvent":
                boundaries.setdefault(node.get("attachedToRef"), []).append(node)
    starts = [n for n in nodes.values() if local(n) == "startEvent" and local(n.getparent()) == "process"]
    order, seen, queue = [], set(), deque(n.get("id") for n in starts)
    while queue:
        node_id = queue.popleft()
        if node_id in seen or node_id not in nodes:
            continue
        seen.add(node_id)
        node = nodes[node_id]
        order.append(node)
        if local(node) == "subProcess":   # its own steps, where it happens
            queue.extendleft(reversed([n.get("id") for n in node if isinstance(n.tag, str)
                                       and local(n) == "startEvent"]))
        for boundary in boundaries.get(node_id, []):
            queue.append(boundary.get("id"))
        for flow in flows_from.get(node_id, []):
            queue.append(flow.get("targetRef"))
    return [s for s in (_step(n, nodes, flows_from, lane_of) for n in order) if s is not None]


def _step(node, nodes, flows_from, lane_of) -> Step | None:
    kind, name = local(node), " ".join((node.get("name") or "").split())
    props = spiff_properties(node)
    own = (props.get(FAMILY_TEXT) or "").strip()
    who = lane_of.get(node.get("id")) or None
    timing = _timing(node, props)
    if kind in HUMAN:
        text = own or f"{_the(who)} will {_lower_first(name or 'do the next step')}."
        return Step(node.get("id"), "task", name, who, text, timing, has_family_text=bool(own))
    if kind == "startEvent" and local(node.getparent()) == "process":
        text = own or (f"It starts when {_lower_first(name)}." if name else "It starts.")
        return Step(node.get("id"), "start", name, who, text, timing, has_family_text=bool(own))
    if kind == "endEvent" and local(node.getparent()) == "process":
        text = own or (f"It ends: {_lower_first(name)}." if name else "It ends.")
        return Step(node.get("id"), "end", name, who, text, has_family_text=bool(own))
    if kind in ("intermediateCatchEvent", "boundaryEvent") and timing:
        host = nodes.get(node.get("attachedToRef"))
        if host is not None:
            text = own or f"If {_lower_first(host.get('name') or 'the step')} is not done in time, we move on."
        else:
            text = own or "Then we wait."
        return Step(node.get("id"), "wait", name, who, text, timing, has_family_text=bool(own))
    if kind in ("exclusiveGateway", "inclusiveGateway") and len(flows_from.get(node.get("id"), [])) > 1:
        branches = []
        for flow in flows_from[node.get("id")]:
            target = _named_after(nodes.get(flow.get("targetRef")), nodes, flows_from)
            then = " ".join(((target.get("name") if target is not None else "") or "the next step").split())
            branches.append((" ".join((flow.get("name") or "otherwise").split()), then))
        question = name.rstrip("?") + "?" if name else "What happens next?"
        return Step(node.get("id"), "choice", name, who, own or f"Then a choice is made. {question}",
                    branches=branches, has_family_text=bool(own))
    if kind == "callActivity" and name:
        return Step(node.get("id"), "next", name, who, own or f"Next comes {_lower_first(name)}.",
                    has_family_text=bool(own))
    if own:   # an automatic step the owner chose to explain
        return Step(node.get("id"), "task", name, who, own, timing, has_family_text=True)
    return None


def _named_after(node, nodes, flows_from, hops: int = 5):
    """The first step with a name from `node` on, past unnamed joins and splits."""
    while node is not None and not (node.get("name") or "").strip() and hops:
        onward = flows_from.get(node.get("id"), [])
        node = nodes.get(onward[0].get("targetRef")) if onward else None
        hops -= 1
    return node


def _timing(node, props) -> str | None:
    if props.get("dueWorkingDays"):
        days = props["dueWorkingDays"].strip()
        return f"This should be done within {days} working day{'s' if days != '1' else ''}."
    if props.get("dueDate"):
        return "This has a date it must be done by."
    for definition in node.xpath("./bpmn:timerEventDefinition", namespaces=NS):
        for what in ("timeDuration", "timeDate", "timeCycle"):
            expression = definition.findtext(f"bpmn:{what}", namespaces=NS)
            if expression:
                return _duration_words(expression.strip()) if what == "timeDuration" else \
                    "This waits until the date set for it."
    return None


def _duration_words(expression: str) -> str:
    """'"P3D"' → 'This waits 3 days.'; an expression worked out from the case → a plain sentence."""
    literal = expression.strip("\"'")
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
                         literal)
    if not match or not any(match.groups()):
        return "This waits for a time set for this case."
    parts = []
    for count, unit in zip(match.groups()[:5], "YMWDH"):
        if count:
            parts.append(f"{int(count)} {_UNITS[unit]}{'s' if int(count) != 1 else ''}")
    if not parts:
        return "This waits a few minutes."
    return f"This waits {' and '.join(parts)}."


def _the(who: str | None) -> str:
    return f"The {who}" if who else "Someone"


def _lower_first(text: str) -> str:
    # keep a proper name or an acronym as it is ("JARP", "Children's Resource Panel")
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or first[1:].lower() != first[1:]):
        return text
    return text[:1].lower() + text[1:]


def as_text(all_steps: list[Step]) -> list[str]:
    """The steps as numbered plain sentences (the text alternative of a diagram)."""
    out = []
    for number, step in enumerate(all_steps, 1):
        line = f"{number}. {step.text}"
        if step.timing:
            line += f" {step.timing}"
        for condition, then in step.branches:
            line += f" If {_lower_first(condition)}: {_lower_first(then)}."
        out.append(line)
    return out


def warnings(xml: bytes | str, process_id: str) -> list[dict]:
    """Steps a family reads with no sentence of the owner's own: the modeller's
    warnings (they do not stop a deploy: a sentence is made from the name)."""
    return [{"element": s.element_id,
             "message": f"‘{s.name or s.element_id}’ has no sentence for the family (‘For the family’ in the "
                        "Caseflow section): the How it works page makes one from its name."}
            for s in steps(xml, process_id) if s.kind in ("task", "wait", "choice") and not s.has_family_text]

