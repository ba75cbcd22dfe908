"""engine/compaction.py on SpiffWorkflow itself: a loop's finished passes leave
the tree, the live part (and what it inherits) stays, a snapshot of the
compacted tree reads back and runs on (issue 16)."""
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import compaction
from engine.scripting import script_engine
from engine.serialization import dump_state, load_state

LOOP_BPMN = Path(__file__).resolve().parents[1] / "data" / "loop_review.bpmn"
ENGINE = script_engine()


def spec():
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(LOOP_BPMN)])
    return parser.get_spec("loop_review"), parser.get_subprocess_specs("loop_review")


def run(workflow):
    workflow.do_engine_steps()
    while workflow.get_tasks(state=TaskState.READY, manual=False):
        workflow.do_engine_steps()


def ready(workflow) -> dict:
    return {t.task_spec.name: t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def complete(workflow, element: str, **answers) -> int:
    task = ready(workflow)[element]
    task.data.update(answers)
    task.run()
    run(workflow)
    return compaction.compact(workflow)


def new_workflow():
    workflow = BpmnWorkflow(*spec(), script_engine=ENGINE)
    run(workflow)
    return workflow


def test_500_passes_keep_the_tree_and_snapshot_the_size_of_one():
    workflow = new_workflow()
    sizes = []
    for n in range(1, 501):
        complete(workflow, "Task_review", again="yes", step="1")
        if n % 100 == 0:
            sizes.append((len(workflow.tasks), len(dump_state(workflow))))
    assert list(ready(workflow)) == ["Task_review"]
    assert ready(workflow)["Task_review"].data["passes"] == 500
    assert max(t for t, _ in sizes) == min(t for t, _ in sizes) < 30
    assert max(b for _, b in sizes) < 1.2 * min(b for _, b in sizes)


def test_what_was_dropped_is_recorded_on_the_root():
    workflow = new_workflow()
    assert compaction.record(workflow) == {"done": [], "cancelled": [], "joints": [], "dropped": 0}
    for _ in range(4):
        complete(workflow, "Task_review", again="yes", step="1")
    found = compaction.record(workflow)
    assert found["dropped"] > 0
    assert {"Task_review", "Script_tally", "Gateway_again"} <= set(found["done"])
    # the steps before the loop stay in the tree, the joint is the one task not to reopen
    names = [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)]
    assert names[:4] == ["Start", "StartEvent_1", "Script_setup", "Gateway_again"]
    [joint_id] = found["joints"]
    joint = workflow.get_task_from_id(next(i for i in workflow.tasks if str(i) == joint_id))
    assert not compaction.may_reopen(joint)
    reviews = workflow.get_tasks(state=TaskState.COMPLETED, spec_name="Task_review")
    assert len(reviews) == 1 and compaction.may_reopen(reviews[0])
    # reopening it resets its data from its real parent: the count before that review
    workflow.reset_from_task_id(reviews[0].id)
    assert reviews[0].data["passes"] == 3


def test_a_compacted_snapshot_reads_back_and_runs_on():
    workflow = new_workflow()
    for _ in range(20):
        complete(workflow, "Task_review", again="yes", step="2")
    again = load_state(dump_state(workflow), *spec(), ENGINE)
    assert [t.id for t in again.get_tasks(state=TaskState.READY)] == \
        [t.id for t in workflow.get_tasks(state=TaskState.READY)]
    assert compaction.record(again) == compaction.record(workflow)
    complete(again, "Task_review", again="no", step="2")
    complete(again, "Task_visit", more="no")
    complete(again, "Task_school", more="no")
    assert again.completed and again.data["passes"] == 42


def test_a_loop_through_a_parallel_join_joins_every_pass():
    workflow = new_workflow()
    for first, second in [("Task_school", "Task_visit"), ("Task_visit", "Task_school")] * 3:
        complete(workflow, "Task_review", again="no", step="1")
        complete(workflow, first, more="yes")
        assert list(ready(workflow)) == [second]
        complete(workflow, second, more="yes")
        assert list(ready(workflow)) == ["Task_review"]
    assert len(workflow.tasks) < 40


def test_nothing_is_dropped_before_a_step_comes_round_again():
    workflow = new_workflow()
    before = set(workflow.tasks)
    assert compaction.compact(workflow) == 0
    assert set(workflow.tasks) == before
    assert complete(workflow, "Task_review", again="no", step="1") == 0


TIMED_LOOP = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_timed" targetNamespace="http://x">
  <bpmn:process id="timed_loop" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_visit" />
    <bpmn:userTask id="Task_visit" name="Visit">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:incoming>Flow_again</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_late" attachedToRef="Task_visit" cancelActivity="true">
      <bpmn:outgoing>Flow_late</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">wait</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_visit" targetRef="Gateway_again" />
    <bpmn:exclusiveGateway id="Gateway_again" default="Flow_end">
      <bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_again</bpmn:outgoing><bpmn:outgoing>Flow_end</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_again" sourceRef="Gateway_again" targetRef="Task_visit">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">again == "yes"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_end" sourceRef="Gateway_again" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_late" sourceRef="Timer_late" targetRef="Task_late" />
    <bpmn:userTask id="Task_late" name="Chase the late visit">
      <bpmn:incoming>Flow_late</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_late" targetRef="EndEvent_2" />
    <bpmn:endEvent id="EndEvent_2"><bpmn:incoming>Flow_3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_loop_with_a_boundary_timer_stays_small_and_the_timer_still_fires(tmp_path):
    path = tmp_path / "timed_loop.bpmn"
    path.write_text(TIMED_LOOP)
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(path)])
    workflow = BpmnWorkflow(parser.get_spec("timed_loop"), parser.get_subprocess_specs("timed_loop"),
                            script_engine=ENGINE)
    workflow.task_tree.data["wait"] = "P1D"
    run(workflow)
    sizes = []
    for n in range(60):
        complete(workflow, "Task_visit", again="yes", wait="P1D" if n < 59 else "PT0S")
        sizes.append(len(workflow.tasks))
    assert max(sizes[5:-1]) == min(sizes[5:-1]) < 30
    # the 61st visit's timer is due at once: it fires, the visit is cancelled, the chase is ready
    assert list(ready(workflow)) == ["Task_late"]
    complete(workflow, "Task_late")
    assert workflow.completed
