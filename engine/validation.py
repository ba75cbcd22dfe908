"""Check a BPMN diagram before it is deployed, in plain words.

`validate` reads the XML with lxml for what caseflow needs of a diagram (forms,
lanes named after posts, branches that can be chosen, scripts that compile in
the sandbox, timers, loops that wait for someone) and then lets SpiffWorkflow's
own parser have its say.  Every problem names the element it is about, so the
modeller can highlight it; nothing here raises for a bad file.
"""
import ast
import re
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from processes import posts

from .forms import check_schema
from .scripting import compile_error

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
FORM_PROPERTY = "formJsonSchemaFilename"

# Names SpiffWorkflow gives its own task specs in every process.
RESERVED_IDS = {"Start", "End", "Root"}
RESERVED_SUFFIXES = (".EndJoin", ".BoundaryEventSplit", ".BoundaryEventJoin")

ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "subProcess", "transaction",
              "adHocSubProcess", "callActivity"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
            "complexGateway"}
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
SUB_PROCESSES = {"subProcess", "transaction", "adHocSubProcess"}
# Where the engine stops until a person, the clock or a message moves it on.
WAITING = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "callActivity"}
HUMAN_TASKS = {"userTask", "manualTask"}
KIND = {
    "task": "task", "userTask": "user task", "manualTask": "manual task",
    "scriptTask": "script task", "serviceTask": "service task", "sendTask": "send task",
    "receiveTask": "receive task", "businessRuleTask": "business rule task",
    "subProcess": "sub-process", "transaction": "transaction", "adHocSubProcess": "ad hoc sub-process",
    "callActivity": "call activity", "startEvent": "start event", "endEvent": "end event",
    "intermediateCatchEvent": "event", "intermediateThrowEvent": "event",
    "boundaryEvent": "boundary event", "exclusiveGateway": "gateway",
    "inclusiveGateway": "gateway", "parallelGateway": "gateway", "eventBasedGateway": "gateway",
    "complexGateway": "gateway", "sequenceFlow": "flow", "lane": "lane", "process": "process",
}
_ISO_LITERAL = re.compile(r"^(R\d*/)?P[0-9YMWDTHS.,]+$|^\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]*)?$", re.I)
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False)


@dataclass(frozen=True)
class Problem:
    """One reason a diagram cannot be deployed, about one element (or the file)."""
    element_id: str | None
    message: str

    def as_json(self) -> dict:
        return {"element": self.element_id, "message": self.message}


def local(node) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def is_bpmn(node, *names) -> bool:
    return isinstance(node.tag, str) and etree.QName(node).namespace == BPMN and local(node) in names


def label(node) -> str:
    """How a person recognises an element: its name, else its id."""
    name = (node.get("name") or "").strip()
    return f"‘{' '.join(name.split())}’" if name else (node.get("id") or f"a {KIND.get(local(node), local(node))}")


def spiff_properties(node) -> dict[str, str | None]:
    props = {}
    for prop in node.xpath("./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                           namespaces=NS):
        props[prop.get("name")] = prop.get("value")
    return props


class _Checker:

    def __init__(self, root, forms: dict, known_processes: set[str]):
        self.root = root
        self.forms = forms
        self.problems: list[Problem] = []
        self.by_id = {}
        for node in root.iter():
            if isinstance(node.tag, str) and node.get("id"):
                self.by_id.setdefault(node.get("id"), node)
        self.processes = root.xpath("./bpmn:process", namespaces=NS)
        self.known = set(known_processes) | {p.get("id") for p in self.processes}
        self.lane_of = {}
        for ref in root.xpath(".//bpmn:lane/bpmn:flowNodeRef", namespaces=NS):
            if ref.text and ref.text.strip():
                self.lane_of[ref.text.strip()] = ref.getparent()
        self.participant_of = {p.get("processRef"): p for p in
                               root.xpath("./bpmn:collaboration/bpmn:participant", namespaces=NS)
                               if p.get("processRef")}

    def add(self, node_or_id, message: str) -> None:
        element = node_or_id if isinstance(node_or_id, str) or node_or_id is None else node_or_id.get("id")
        problem = Problem(element, message)
        if problem not in self.problems:
            self.problems.append(problem)

    # ------------------------------------------------------------ whole file

    def run(self) -> list[Problem]:
        if not self.processes:
            self.add(None, "The file has no process in it, only a picture of one: there is nothing to run.")
        executable = [p for p in self.processes if p.get("isExecutable", "true") == "true"]
        if self.processes and not executable:
            for process in self.processes:
                self.add(process, f"The process {label(process)} is marked as not executable "
                                  "(isExecutable is false), so caseflow cannot run it. If it is meant to "
                                  "run, tick ‘Executable’ on the process (or its pool).")
        self._ids()
        self._data_stores()
        for process in executable:
            self._process(process)
        return self.problems

    def _ids(self) -> None:
        seen = {}
        for node in self.root.iter():
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN:
                continue
            element_id = node.get("id")
            if not element_id:
                continue
            if element_id in seen and seen[element_id] is not node:
                self.add(element_id, f"Two elements have the id ‘{element_id}’; every id must be unique.")
            seen[element_id] = node
            if element_id in RESERVED_IDS or element_id.endswith(RESERVED_SUFFIXES):
                self.add(element_id, f"The id ‘{element_id}’ is used by the engine itself: give this "
                                     f"{KIND.get(local(node), 'element')} another id, for example "
                                     f"{local(node)[:1].upper() + local(node)[1:]}_{element_id.replace('.', '_')}.")

    def _data_stores(self) -> None:
        for store in self.root.xpath(".//bpmn:dataStore", namespaces=NS):
            self.add(store, f"The data store {label(store)} cannot be used: caseflow keeps a process's "
                            "data with its case and has no data stores to connect it to. Remove it.")

    # ------------------------------------------------------------ one process

    def _process(self, process) -> None:
        self._lanes(process)
        self._scope(process, lane=None, outermost=process)

    def _lanes(self, process) -> None:
        lanes = process.xpath(".//bpmn:lane", namespaces=NS)
        if lanes and process.get("id") not in self.participant_of:
            self.add(lanes[0], f"The lanes of {label(process)} are not inside a pool: put the process "
                               "in a pool (a participant of a collaboration) so the lanes can be drawn.")
        for lane in lanes:
            if lane.xpath("./bpmn:childLaneSet/bpmn:lane", namespaces=NS):
                continue  # only the innermost lanes give tasks their post
            name = " ".join((lane.get("name") or "").split())
            if not name:
                self.add(lane, "A lane has no name: name each lane after the post who does its work, "
                               "for example ‘Social Worker’.")
            elif not posts.is_post(name):
                self.add(lane, f"The lane ‘{name}’ is not a known post: name each lane after the post "
                               "who does its work, for example ‘Social Worker’ or ‘Group Manager’.")

    def _children(self, scope):
        return [n for n in scope if isinstance(n.tag, str) and etree.QName(n).namespace == BPMN]

    def _scope(self, scope, lane, outermost) -> None:
        """The flow nodes and flows directly inside a process or sub-process."""
        nodes = [n for n in self._children(scope) if local(n) in FLOW_NODES]
        flows = [n for n in self._children(scope) if local(n) == "sequenceFlow"]
        outgoing: dict[str, list] = {}
        for flow in flows:
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
            self._condition(flow)
        for node in nodes:
            kind = local(node)
            node_lane = lane if lane is not None else self.lane_of.get(node.get("id"))
            if kind in HUMAN_TASKS:
                self._human_task(node, node_lane)
            if kind == "scriptTask":
                self._script(node, (node.findtext(f"{{{BPMN}}}script") or ""), "script")
            if kind == "serviceTask" and not node.xpath(
                    "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator", namespaces=NS):
                self.add(node, f"{label(node)} is a service task, which caseflow cannot run: it calls no "
                               "outside services. Make it a script task or a user task.")
            if kind == "callActivity":
                self._call(node)
            if kind in SUB_PROCESSES:
                self._sub_process(node, node_lane, outermost)
            if kind in ACTIVITIES and len(outgoing.get(node.get("id"), [])) > 1:
                self.add(node, f"{label(node)} has {len(outgoing[node.get('id')])} outgoing flows: the "
                               "engine would follow them all at once. Use a gateway to choose one branch "
                               "(or a parallel gateway if they should all happen).")
            if kind in ("exclusiveGateway", "inclusiveGateway"):
                self._gateway(node, outgoing.get(node.get("id"), []))
            for definition in node.xpath("./bpmn:timerEventDefinition", namespaces=NS):
                self._timer(node, definition)
            self._extension_scripts(node)
            self._loop_expressions(node)
        self._loops(nodes, flows)

    def _human_task(self, task, lane) -> None:
        props = spiff_properties(task)
        for name, value in props.items():
            if name is None or value is None:
                self.add(task, f"A caseflow property of {label(task)} has no "
                               f"{'name' if name is None else 'value'}: remove it or fill it in.")
        if lane is None:
            self.add(task, f"The {KIND[local(task)]} {label(task)} is not in a lane, so nobody would be "
                           "given it: put it in the lane of the post who does it.")
        form = props.get(FORM_PROPERTY)
        if local(task) == "userTask" and not form:
            self.add(task, f"The user task {label(task)} has no form: choose one of the form files "
                           "(‘Form’ in the Caseflow section).")
        elif form:
            schema = self.forms.get(form)
            if form not in self.forms:
                self.add(task, f"{label(task)} uses the form {form}, which does not exist.")
            elif isinstance(schema, str):
                self.add(task, f"The form {form} of {label(task)} is not valid JSON: {schema}")
            elif not isinstance(schema, dict):
                self.add(task, f"The form {form} of {label(task)} is not a JSON Schema object.")
            else:
                reason = check_schema(schema)
                if reason:
                    self.add(task, f"The form {form} of {label(task)} is not valid JSON Schema: {reason}")
        days = props.get("dueWorkingDays")
        if days is not None and not (days.strip().isdigit()):
            self.add(task, f"The due time of {label(task)} must be a whole number of working days, "
                           f"not ‘{days}’.")
        key = props.get("formDataKey")
        if key is not None and not key.isidentifier():
            self.add(task, f"The form data key of {label(task)} must be a simple name such as "
                           f"‘decision’, not ‘{key}’.")
        for name, what in (("dueDate", "due date"), ("rules", "rules"), ("scopeUnit", "unit"),
                           ("scopeService", "service")):
            if props.get(name):
                self._expression(task, props[name], f"The {what} expression of {label(task)}")
        override = props.get("overridePost")
        if override and not posts.is_post(override):
            self._expression(task, override, f"The override post of {label(task)} (not a post, so "
                                             "read as an expression)")

    def _expression(self, node, text, what) -> None:
        error = compile_error(text.strip(), expression=True)
        if error:
            self.add(node, f"{what} does not compile: {_plain_compile(error)}")

    def _script(self, node, text, what) -> None:
        if not text.strip():
            return
        error = compile_error(text, expression=False)
        if error:
            self.add(node, f"The {what} of {label(node)} does not compile: {_plain_compile(error)}")

    def _extension_scripts(self, node) -> None:
        for name, what in (("preScript", "pre-script"), ("postScript", "post-script")):
            for script in node.xpath(f"./bpmn:extensionElements/spiffworkflow:{name}", namespaces=NS):
                self._script(node, script.text or "", what)

    def _loop_expressions(self, node) -> None:
        for tag, what in (("multiInstanceLoopCharacteristics/bpmn:loopCardinality", "number of repeats"),
                          ("multiInstanceLoopCharacteristics/bpmn:completionCondition", "completion condition"),
                          ("standardLoopCharacteristics/bpmn:loopCondition", "loop condition")):
            for expression in node.xpath(f"./bpmn:{tag}", namespaces=NS):
                if (expression.text or "").strip():
                    self._expression(node, expression.text, f"The {what} of {label(node)}")

    def _condition(self, flow) -> None:
        text = flow.findtext(f"{{{BPMN}}}conditionExpression")
        if text and text.strip():
            self._expression(flow, text, f"The condition on {self._flow_label(flow)}")

    def _flow_label(self, flow) -> str:
        if (flow.get("name") or "").strip():
            return f"the branch {label(flow)}"
        source, target = self.by_id.get(flow.get("sourceRef")), self.by_id.get(flow.get("targetRef"))
        if source is not None and target is not None:
            return f"the flow from {label(source)} to {label(target)}"
        return f"the flow {flow.get('id')}"

    def _gateway(self, gateway, flows) -> None:
        default = gateway.get("default")
        if default and default not in {f.get("id") for f in flows}:
            self.add(gateway, f"The default branch of the gateway {label(gateway)} is not one of its "
                              "outgoing flows.")
        if len(flows) < 2:
            return
        for flow in flows:
            condition = (flow.findtext(f"{{{BPMN}}}conditionExpression") or "").strip()
            if not condition and flow.get("id") != default:
                self.add(flow, f"{self._flow_label(flow)[0].upper()}{self._flow_label(flow)[1:]} leaves the "
                               f"gateway {label(gateway)} with neither a condition nor being the default "
                               "branch: give it a condition, or make it the default.")

    def _call(self, node) -> None:
        called = (node.get("calledElement") or "").strip()
        if not called:
            self.add(node, f"The call activity {label(node)} does not say which process it calls.")
        elif called not in self.known:
            self.add(node, f"The call activity {label(node)} calls the process ‘{called}’, which is not "
                           "deployed.")

    def _sub_process(self, node, lane, outermost) -> None:
        kind = local(node)
        if kind != "adHocSubProcess":
            starts = [n for n in self._children(node) if local(n) == "startEvent"]
            ends = [n for n in self._children(node) if local(n) == "endEvent"]
            if not starts:
                self.add(node, f"The {KIND[kind]} {label(node)} has no start event: add one inside it.")
            elif len(starts) > 1 and node.get("triggeredByEvent") != "true":
                self.add(node, f"The {KIND[kind]} {label(node)} has {len(starts)} start events; it needs "
                               "exactly one.")
            if not ends:
                self.add(node, f"The {KIND[kind]} {label(node)} has no end event: add one inside it.")
        self._scope(node, lane, outermost)

    def _timer(self, event, definition) -> None:
        parts = [(local(c), (c.text or "").strip()) for c in definition
                 if is_bpmn(c, "timeDate", "timeDuration", "timeCycle")]
        parts = [(k, t) for k, t in parts if t]
        if not parts:
            self.add(event, f"The timer {label(event)} has no time: give a date, a duration or a cycle.")
            return
        kind, text = parts[0]
        if _ISO_LITERAL.match(text):
            self.add(event, f"The timer {label(event)} says {text}, but timer expressions are Python: "
                            f"put the value in quotes, \"{text}\".")
            return
        error = compile_error(text, expression=True)
        if error:
            self.add(event, f"The timer expression of {label(event)} does not compile: {_plain_compile(error)}")
            return
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return  # worked out from the process data when the timer starts
        if not isinstance(value, str):
            self.add(event, f"The timer {label(event)} must give its time as text, such as \"PT1H\".")
            return
        try:
            if kind == "timeDuration":
                TimerEventDefinition.parse_iso_duration(value)
            elif kind == "timeDate":
                if not hasattr(TimerEventDefinition.parse_time_or_duration(value), "tzinfo"):
                    raise ValueError(value)
            else:
                TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception:  # SpiffWorkflow raises plain Exception for a bad ISO 8601 value
            example = {"timeDuration": "a duration such as \"P3D\" or \"PT2H\"",
                       "timeDate": "a date and time such as \"2026-05-01T09:00:00+01:00\"",
                       "timeCycle": "a cycle such as \"R3/PT10M\""}[kind]
            self.add(event, f"The timer {label(event)} says \"{value}\", which is not {example}.")

    def _loops(self, nodes, flows) -> None:
        """A cycle of flows through no step that waits would spin the engine."""
        by_id = {n.get("id"): n for n in nodes}
        waiting = {i for i, n in by_id.items() if self._waits(n)}
        graph = {i: set() for i in by_id if i not in waiting}
        for flow in flows:
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            if source in graph and target in graph:
                graph[source].add(target)
        for node in nodes:  # an activity leads to its boundary events
            if local(node) == "boundaryEvent" and node.get("id") in graph \
                    and node.get("attachedToRef") in graph:
                graph[node.get("attachedToRef")].add(node.get("id"))
        for component in _cycles(graph):
            ordered = [n for n in nodes if n.get("id") in component]
            names = ", ".join(label(n) for n in ordered[:5]) + (" …" if len(ordered) > 5 else "")
            anchor = next((n for n in ordered if local(n) in GATEWAYS), ordered[0])
            self.add(anchor, f"The flows through {names} go round in a loop with no step that waits for "
                             "a person, a timer or a message, so the engine would go round it without "
                             "end. Put such a step in the loop, or take the loop out.")

    def _waits(self, node) -> bool:
        kind = local(node)
        if kind in WAITING:
            return True
        if kind == "boundaryEvent":
            return bool(node.xpath("./bpmn:timerEventDefinition|./bpmn:messageEventDefinition|"
                                   "./bpmn:signalEventDefinition|./bpmn:conditionalEventDefinition",
                                   namespaces=NS))
        if kind in SUB_PROCESSES:
            return any(local(n) in WAITING for n in node.iter() if isinstance(n.tag, str))
        return False


def _cycles(graph: dict[str, set]) -> list[set]:
    """Strongly connected components that hold a cycle (Tarjan, iterative)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    out.append(component)
    return out


def _plain_compile(error: str) -> str:
    """RestrictedPython's messages, without the file name and internals."""
    text = error.replace('File "<bpmn>", ', "").replace("<bpmn>", "").strip()
    text = re.sub(r"Line (\d+): SyntaxError: (invalid syntax|[^:]*) at statement: ['\"]?(.*?)['\"]?$",
                  lambda m: f"line {m.group(1)} is not valid Python ({m.group(2)}): {m.group(3)}", text)
    text = re.sub(r"^Line (\d+):", r"line \1:", text)
    return text


# ---------------------------------------------------------------- the parser

# SpiffWorkflow's refusals in plain words; True where the checks above find
# the same thing themselves (so the parser's word is not repeated).
_PARSER_WORDS = [
    (r"Data Store with name (.*) has no implementation", True,
     lambda m: f"The data store ‘{m.group(1).strip()}’ cannot be used: caseflow has no data stores."),
    (r"A Service Task must have an operator", True,
     lambda m: "This service task cannot run: caseflow calls no outside services. Make it a script "
               "task or a user task."),
    (r"Exactly one start event is required in a SubWorkflow Task; found (\d+)", True,
     lambda m: f"A sub-process needs exactly one start event; this one has {m.group(1)}."),
    (r"A SubWorkflow Must contain an End event", True,
     lambda m: "A sub-process needs an end event inside it."),
    (r"Cannot resolve data(Input|Output)Association", False,
     lambda m: f"This step {'reads from' if m.group(1) == 'Input' else 'writes to'} a data object or "
               "store that is not in its process, so the engine cannot connect it."),
    (r"A multiinstance task must specify a cardinality or a loop input", False,
     lambda m: "This step repeats (multi-instance) but says neither how many times nor over which "
               "collection: give a loop cardinality or an input collection."),
    (r"Process (.*) is not executable", True,
     lambda m: f"The process {m.group(1)} is marked as not executable, so caseflow cannot run it."),
    (r"No start event found", False,
     lambda m: "The process has no start event: add one."),
    (r"There is no support implemented for this task type", False,
     lambda m: "caseflow cannot run this kind of element."),
    (r"Duplicate process ID: (.*)", True,
     lambda m: f"Two processes have the id {m.group(1)}; every process id must be unique."),
    (r'No "calledElement" attribute for Call Activity', True,
     lambda m: "This call activity does not say which process it calls."),
]


def _tidy(text: str) -> str:
    text = re.sub(r"<Element [^>]*>", "", text)
    text = text.replace("{" + BPMN + "}", "bpmn:").replace("{" + SPIFF + "}", "spiffworkflow:")
    text = re.sub(r"\{[^}]*\}", "", text)
    return " ".join(text.split()).rstrip(". ") + "."


def parser_problem(exc: Exception) -> tuple[Problem, bool]:
    """What SpiffWorkflow's parser refused, in plain words, tied to its
    element; and whether the checks above look for the same thing."""
    raw = str(exc).splitlines()[0] if str(exc) else ""
    element = getattr(exc, "id", None) or None
    for pattern, covered, words in _PARSER_WORDS:
        match = re.search(pattern, str(exc), re.S)
        if match:
            return Problem(element, words(match)), covered
    if isinstance(exc, ValidationException):
        line = getattr(exc, "line_number", "")
        where = f" (line {line})" if line else ""
        if "Element '" in raw or "is not expected" in raw or "not a valid value" in raw:
            return Problem(element, f"The file does not follow the BPMN 2.0 standard{where}: {_tidy(raw)}"), False
        return Problem(element, f"The engine cannot use this diagram{where}: {_tidy(raw)}"), False
    return Problem(element, f"The engine could not read the diagram: {_tidy(raw or type(exc).__name__)}"), False


def _parse_with_spiff(xml: bytes, executable: list[str], filename: str) -> list[tuple[Problem, bool]]:
    from .specs import _validator
    parser = SpiffBpmnParser(validator=_validator())
    try:
        parser.add_bpmn_str(xml, filename)
        for process_id in executable:
            parser.get_spec(process_id)
            parser.get_subprocess_specs(process_id, require_call_activity_specs=False)
    except etree.XMLSyntaxError as exc:
        return [(Problem(None, not_well_formed(exc)), False)]
    except Exception as exc:  # whatever the parser refuses is reported, never raised
        return [parser_problem(exc)]
    return []


# ---------------------------------------------------------------- reading the file

# libxml2's words for the commonest slips, said plainly (its own message
# already names a line inside, e.g. "in tag b line 3", beside the position)
_XML_WORDS = [
    (r"Premature end of data in tag (\S+) line (\d+)",
     lambda m: f"the file ends before the tag ‘{m.group(1)}’ opened on line {m.group(2)} is closed"),
    (r"Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
     lambda m: f"the tag ‘{m.group(1)}’ opened on line {m.group(2)} is closed as ‘{m.group(3)}’"),
    (r"Start tag expected, '<' not found", lambda m: "this is not XML: it does not start with a tag"),
    (r"Extra content at the end of the document",
     lambda m: "there is more after the end of the diagram's last tag"),
]


def not_well_formed(exc: etree.XMLSyntaxError) -> str:
    """Why lxml could not read the file, with its line and column said once."""
    text = re.sub(r",? line \d+, column \d+$", "", exc.msg or str(exc)).strip()
    if text.startswith("Document is empty"):
        return "The file is empty: there is no diagram in it."
    for pattern, words in _XML_WORDS:
        match = re.match(pattern, text)
        if match:
            text = words(match)
            break
    line, column = exc.position if exc.position else (exc.lineno, None)
    where = f"line {line}, column {column}" if column else f"line {line}"
    return f"The file is not well-formed XML at {where}: {text.rstrip('. ')}."


def read_bpmn(xml: bytes):
    """(the root element, None), or (None, the Problem) when the file is not
    BPMN XML at all: nothing else can be said about it then."""
    try:
        root = etree.fromstring(xml, _SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        return None, Problem(None, not_well_formed(exc))
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        # BPMN needs no DTD; one could only be there to expand entities
        return None, Problem(None, "The file declares a document type (<!DOCTYPE …>), which BPMN files do "
                                   "not use; it is refused. Save it again from the modeller it came from.")
    if not is_bpmn(root, "definitions"):
        return None, Problem(None, "This is not a BPMN 2.0 file: it does not start with bpmn:definitions "
                                   f"in the namespace {BPMN}.")
    return root, None


# ---------------------------------------------------------------- entry point

def validate(xml: bytes, forms: dict, known_processes: set[str] | frozenset = frozenset(),
             filename: str = "diagram.bpmn") -> list[Problem]:
    """Every reason this BPMN file cannot be deployed; empty when it can.

    `forms` maps form file names to JSON Schemas (or, for a file that is not
    valid JSON, the reason as text); `known_processes` are the deployed
    process ids a call activity may call."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    root, unreadable = read_bpmn(xml)
    if unreadable:
        return [unreadable]
    try:
        checker = _Checker(root, forms, set(known_processes))
        problems = checker.run()
    except Exception as exc:  # a shape of file the checks did not foresee: still no 500
        problems = [Problem(None, f"The diagram could not be checked: {_tidy(str(exc) or type(exc).__name__)}")]
    executable = [p.get("id") for p in root.xpath("./bpmn:process", namespaces=NS)
                  if p.get("isExecutable", "true") == "true" and p.get("id")]
    flagged = {p.element_id for p in problems if p.element_id}
    for problem, covered in _parse_with_spiff(xml, executable, filename):
        # The parser stops at its first complaint, often one explained above.
        if problem.element_id in flagged or (covered and problems):
            continue
        problems.append(problem)
    return problems
