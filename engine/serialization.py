"""Workflow state without its spec.

SpiffWorkflow's serializer writes the whole spec into every snapshot.  Here a
definition version's spec is serialized once (at deploy) and an instance's
snapshot holds only its task tree and data; loading joins the two again.
"""
import zlib
from datetime import date, datetime

import orjson

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
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


def _registry():
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # datetime is known to SpiffWorkflow; date is not.
    registry.register(date, lambda v: {"value": v.isoformat()},
                      lambda v: date.fromisoformat(v["value"]), typename="date")
    registry.register(datetime, lambda v: {"value": v.isoformat()},
                      lambda v: datetime.fromisoformat(v["value"]), typename="datetime")
    return registry


REGISTRY = _registry()


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
    # times faster than the standard library.  zlib at level 1 (50 us) makes a
    # 12 KB snapshot 3 KB: it fits in its row's page instead of spilling to
    # overflow pages, so each action writes a quarter of the pages to the
    # database (and its WAL) that it would otherwise.
    return zlib.compress(orjson.dumps(REGISTRY.convert(workflow), option=orjson.OPT_NON_STR_KEYS), 1)


def state_dict(raw: bytes) -> dict:
    """A snapshot as its dict (compressed, or plain JSON as written before)."""
    return orjson.loads(raw if raw[:1] == b"{" else zlib.decompress(raw))


def load_state(raw: bytes, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    workflow = REGISTRY.restore(state_dict(raw), spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
