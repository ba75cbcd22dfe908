"""engine/serialization.py writes each task of a snapshot itself (issue 16):
what it writes is exactly what SpiffWorkflow's own converters write, at
every step of a process, a subprocess's tasks and a loop's included, and it
reads back and runs on."""
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, BpmnWorkflowConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import compaction, serialization
from engine.scripting import script_engine
from engine.serialization import REGISTRY, dump_state, load_state

DATA = Path(__file__).resolve().parents[1] / "data"
ENGINE = script_engine()


class StockStateOnly(serialization.StateOnlyWorkflowConverter):
    """The converter as it was: SpiffWorkflow's WorkflowConverter.to_dict."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


# SpiffWorkflow's own converters, date and datetime as caseflow registers them
STOCK = serialization.make_registry(StockStateOnly, BpmnSubWorkflowConverter)


def as_json(registry, workflow) -> bytes:
    return orjson.dumps(registry.convert(workflow), option=orjson.OPT_NON_STR_KEYS)


def workflow_of(filename: str, process: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(DATA / filename)])
    workflow = BpmnWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process), script_engine=ENGINE)
    workflow.task_tree.data.update({"case": {"reference": "CF-1", "opened": date(2026, 11, 2)}})
    workflow.do_engine_steps()
    return workflow


def step(workflow, answers: dict) -> str:
    task = min(workflow.get_tasks(state=TaskState.READY, manual=True), key=lambda t: t.task_spec.name)
    task.data.update(answers)
    task.run()
    workflow.do_engine_steps()
    while workflow.get_tasks(state=TaskState.READY, manual=False):
        workflow.do_engine_steps()
    return task.task_spec.name


def same_as_spiffworkflow(workflow) -> bytes:
    ours = as_json(REGISTRY, workflow)
    assert ours == as_json(STOCK, workflow)
    return ours


def test_a_subprocess_and_its_tasks_are_written_as_spiffworkflow_writes_them():
    workflow = workflow_of("subprocess_visit.bpmn", "subprocess_visit")
    seen, subprocess_states = [], 0
    same_as_spiffworkflow(workflow)
    while workflow.get_tasks(state=TaskState.READY, manual=True):
        seen.append(step(workflow, {"note": f"step {len(seen)}", "at": datetime(2026, 12, 1, 9, len(seen)),
                                    "on": date(2026, 12, 1)}))
        same_as_spiffworkflow(workflow)
        subprocess_states += bool(workflow.subprocesses)
    assert seen == ["Task_plan", "Task_visit", "Task_record"]
    assert subprocess_states >= 1 and workflow.completed


def test_a_snapshot_of_a_subprocess_reads_back_and_runs_on():
    workflow = workflow_of("subprocess_visit.bpmn", "subprocess_visit")
    step(workflow, {"note": "planned"})
    again = load_state(dump_state(workflow), workflow.spec, workflow.subprocess_specs, ENGINE)
    assert [s for s in again.subprocesses.values() if isinstance(s, BpmnSubWorkflow)]
    assert [t.task_spec.name for t in again.get_tasks(state=TaskState.READY, manual=True)] == ["Task_visit"]
    assert step(again, {"note": "visited"}) == "Task_visit"
    assert again.get_tasks(state=TaskState.READY, manual=True)[0].data["visits"] == 1


@pytest.mark.parametrize("passes", [1, 40])
def test_a_loop_compacted_or_not_is_written_as_spiffworkflow_writes_it(passes):
    workflow = workflow_of("loop_review.bpmn", "loop_review")
    for n in range(passes):
        step(workflow, {"again": "yes", "step": "1", "said": ["a", {"n": n}]})
        same_as_spiffworkflow(workflow)
        compaction.compact(workflow)
        same_as_spiffworkflow(workflow)
    again = load_state(dump_state(workflow), workflow.spec, workflow.subprocess_specs, ENGINE)
    assert same_as_spiffworkflow(again) == same_as_spiffworkflow(workflow)
    assert again.get_tasks(state=TaskState.READY, manual=True)[0].data["passes"] == passes
