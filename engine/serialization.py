"""Workflow state without its spec.

SpiffWorkflow's serializer writes the whole spec into every snapshot.  Here a
definition version's spec is serialized once (at deploy) and an instance's
snapshot holds only its task tree and data; loading joins the two again.
"""
import threading
import zlib
from datetime import date, datetime

import orjson
import zstandard

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .task_walk import CaseflowSubWorkflow, CaseflowWorkflow


def _tree_dict(registry, workflow) -> dict:
    """WorkflowConverter.to_dict's dict of a workflow's own state and tasks,
    byte for byte (tests/unit/test_snapshot_tasks.py), made faster: a
    snapshot is written on every action and most of its cost was
    SpiffWorkflow's per-task dispatch through the registry and formatting
    each task id three or four times (as its key, its id, a child, a
    parent)."""
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _task_dicts(registry, workflow.tasks, workflow.__dict__.setdefault("_caseflow_id_texts", {})),
        "root": str(workflow.task_tree.id),
    }


def _task_dicts(registry, tasks: dict, texts: dict) -> dict:
    """What SpiffWorkflow's TaskConverter.to_dict makes of each task (its
    data as the delta from its parent's), typename added as the registry
    adds it.  Tasks are found by their id's integer (a UUID's hash is a
    Python call, made several times a task) and `texts` keeps each id's
    text from one snapshot to the next (the workflow's, while cached)."""
    typename = registry.typenames[Task]
    by_number = {task_id.int: task for task_id, task in tasks.items()}
    if len(texts) > 2 * len(by_number) + 64:  # tasks gone (a loop's passes compacted): start again
        texts.clear()
    for number, task in by_number.items():
        if number not in texts:
            texts[number] = str(task.id)
    out = {}
    for number, task in by_number.items():
        name = texts[number]
        if type(task) is not Task:  # a task class of its own: the registry's converter
            out[name] = registry.convert(task)
            continue
        parent_id = task._parent
        parent = by_number.get(parent_id.int) if parent_id is not None else None
        if parent is None:
            data, delta = task.data, {}
        else:
            data, own, above = {}, task.data, parent.data
            delta = {"updates": {k: v for k, v in own.items() if k not in above or v != above[k]},
                     "deletions": [k for k in above if k not in own]}
        internal = task.internal_data
        out[name] = {
            "id": name,
            "parent": texts[parent_id.int] if parent is not None else None,
            "children": [texts.get(child.int) or str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": registry.convert(internal) if internal else {},
            "data": data,
            "delta": delta,
            "typename": typename,
        }
    return out


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):

    def to_dict(self, workflow):
        dct = _tree_dict(self.registry, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        dct = dict(dct)
        dct["spec"] = spec
        dct["subprocess_specs"] = subprocess_specs
        return super().from_dict(dct)

    # The parent restores specs from dicts; ours arrive as live objects.
    def mapping_from_dict(self, mapping, key_class=None, **kwargs):
        if mapping and not isinstance(next(iter(mapping.values())), dict):
            return mapping
        return super().mapping_from_dict(mapping, key_class, **kwargs)


class SubWorkflowConverter(BpmnSubWorkflowConverter):

    def to_dict(self, workflow):
        dct = _tree_dict(self.registry, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct


def make_registry(workflow_converter=StateOnlyWorkflowConverter, subworkflow_converter=SubWorkflowConverter):
    """caseflow's registry; the converters can be others (a test compares
    the snapshot with SpiffWorkflow's own converters')."""
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = workflow_converter
    config[BpmnSubWorkflow] = subworkflow_converter
    registry = BpmnWorkflowSerializer.configure(config)
    # caseflow's workflow classes (engine/task_walk.py) are written under
    # SpiffWorkflow's names, and a snapshot is restored as them
    workflow_converter(CaseflowWorkflow, registry, typename=registry.typenames[BpmnWorkflow])
    subworkflow_converter(CaseflowSubWorkflow, registry, typename=registry.typenames[BpmnSubWorkflow])
    # datetime is known to SpiffWorkflow; date is not.
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda v: date.fromisoformat(v["value"]), typename="date")
    registry.register(datetime, lambda v: {"value": v.isoformat()},
                      lambda v: datetime.fromisoformat(v["value"]), typename="datetime")
    return registry


REGISTRY = make_registry()


def spec_to_dict(spec, subprocess_specs) -> dict:
    return {
        "spec": REGISTRY.convert(spec),
        "subprocess_specs": {k: REGISTRY.convert(v) for k, v in subprocess_specs.items()},
    }


def spec_from_dict(dct):
    spec = REGISTRY.restore(dct["spec"])
    subprocess_specs = {k: REGISTRY.restore(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


def dump_state(workflow) -> bytes:
    # orjson: the snapshot is written on every action, and it encodes several
    # times faster than the standard library.  Compressed, a 14 KB snapshot
    # is 3 KB: it fits in its row's page instead of spilling to overflow
    # pages, so each action writes a quarter of the pages to the database (and
    # its WAL) that it would otherwise.  Zstandard at level 1 does it in half
    # zlib's fastest time (about 17 against 35 us), a little smaller; with a
    # 16 KB window and small tables (_ZSTD_PARAMETERS) it touches less memory
    # than its defaults (a 512 KB window), which measured 25 us less again
    # within an action (tests/bench: one process, alternated).
    return _zstd().compressor.compress(orjson.dumps(REGISTRY.convert(workflow), option=orjson.OPT_NON_STR_KEYS))


def state_dict(raw: bytes) -> dict:
    """A snapshot as its dict: Zstandard, or as earlier releases wrote it
    (zlib, and plain JSON before that)."""
    if raw[:4] == _ZSTD_MAGIC:
        return orjson.loads(_zstd().decompressor.decompress(raw))
    return orjson.loads(raw if raw[:1] == b"{" else zlib.decompress(raw))


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # every Zstandard frame begins so; zlib's with 0x78, JSON with {
_LOCAL = threading.local()  # a Zstandard (de)compressor serves one thread at a time
_ZSTD_PARAMETERS = zstandard.ZstdCompressionParameters.from_level(1, window_log=14, hash_log=12, chain_log=12)


def _zstd():
    if not hasattr(_LOCAL, "compressor"):
        # the frame holds its size: nothing to guess on reading
        _LOCAL.compressor = zstandard.ZstdCompressor(compression_params=_ZSTD_PARAMETERS)
        _LOCAL.decompressor = zstandard.ZstdDecompressor()
    return _LOCAL


def load_state(raw: bytes, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    workflow = REGISTRY.restore(state_dict(raw), spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
