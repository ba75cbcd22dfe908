"""engine/task_walk.py answers every question about a workflow's tasks with
the tasks SpiffWorkflow's BpmnTaskIterator gives, in its order: on every
call an engine run makes, through subprocesses, timers and a long loop,
and with a depth limit and a stopping task; and the WAITING tasks SpiffWorkflow
updates after each completion are its TaskIterator's."""
import time
from datetime import date
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskIterator, TaskState

from engine import task_walk
from engine.scripting import script_engine
from engine.serialization import dump_state, load_state
from engine.task_walk import CaseflowSubWorkflow, CaseflowWorkflow, OwnTreeWalk, TaskWalk

DATA = Path(__file__).resolve().parents[1] / "data"
ENGINE = script_engine()
# what the test diagrams' gateways and scripts read
ANSWERS = {"note": "seen", "again": "no", "more": "no", "step": "1", "count": "3",
           "visit": {"papers_sent_to_agencies": True}, "review": {"outcome": "done"}}


@pytest.fixture
def compared(monkeypatch):
    """Every walk the workflows ask for, made both ways and compared."""
    calls = []
    made = task_walk._iterator

    def both(workflow, first_task=None, **kwargs):
        ours = list(made(workflow, first_task, **kwargs))
        stock = list(BpmnTaskIterator(first_task or workflow.task_tree, **kwargs))
        assert [t.id for t in ours] == [t.id for t in stock], kwargs
        calls.append(kwargs)
        return iter(stock)

    waited = task_walk._waiting

    def waiting_both(workflow):
        ours = list(waited(workflow))
        stock = list(TaskIterator(workflow.task_tree, state=TaskState.WAITING))
        assert [t.id for t in ours] == [t.id for t in stock], "update_waiting_tasks"
        calls.append({"waiting": len(stock)})
        return iter(stock)

    monkeypatch.setattr(task_walk, "_iterator", both)
    monkeypatch.setattr(task_walk, "_waiting", waiting_both)
    return calls


def workflow_of(process: str) -> CaseflowWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(DATA / f"{process}.bpmn")])
    workflow = CaseflowWorkflow(parser.get_spec(process), parser.get_subprocess_specs(process),
                                script_engine=ENGINE)
    workflow.task_tree.data.update({"case": {"reference": "CF-1", "opened": date(2026, 11, 2)}})
    return workflow


def run(workflow, steps: int, answers=ANSWERS) -> int:
    workflow.do_engine_steps()
    done = 0
    while done < steps and (ready := workflow.get_tasks(state=TaskState.READY, manual=True)):
        task = ready[0]
        task.data.update(answers)
        task.run()
        workflow.do_engine_steps()
        workflow.refresh_timers()
        done += 1
    return done


def limited_walks_agree(workflow) -> int:
    """Walks stopped by depth and at a task spec, in several states: the same both ways."""
    names = sorted({t.task_spec.name for t in workflow.tasks.values()})
    checked = 0
    for depth in (0, 1, 2, 3, 7, 50, 1000):
        for end_at in (None, *names[:3]):
            for state in (TaskState.ANY_MASK, TaskState.READY, TaskState.COMPLETED, TaskState.FINISHED_MASK):
                kwargs = dict(max_depth=depth, end_at_spec=end_at, state=state)
                ours = [t.id for t in TaskWalk(workflow.task_tree, **kwargs)]
                assert ours == [t.id for t in BpmnTaskIterator(workflow.task_tree, **kwargs)], kwargs
                # the walk of one workflow's own tree (the tasks waiting) is TaskIterator's
                own = [t.id for t in OwnTreeWalk(workflow.task_tree, **kwargs)]
                assert own == [t.id for t in TaskIterator(workflow.task_tree, **kwargs)], kwargs
                checked += 1
    return checked


@pytest.mark.parametrize("process", ["subprocess_visit", "home_visit", "timer_then_task", "boundary_timer_agenda",
                                     "repair_steps"])
def test_every_walk_of_a_run_is_spiffworkflows(compared, process):
    workflow = workflow_of(process)
    run(workflow, 10)
    if process in ("timer_then_task", "boundary_timer_agenda"):
        time.sleep(1.1)  # their timers are PT1S: fired, the run goes on
        workflow.refresh_timers()
        run(workflow, 10)
    # a snapshot read back walks the same (its subprocesses are caseflow's too)
    again = load_state(dump_state(workflow), workflow.spec, workflow.subprocess_specs, ENGINE)
    assert type(again) is CaseflowWorkflow
    assert all(type(s) is CaseflowSubWorkflow for s in again.subprocesses.values())
    run(again, 10)
    assert len(compared) > 10, compared
    # the walk after each completion, for the tasks waiting (a timer, say)
    waits = [call["waiting"] for call in compared if "waiting" in call]
    assert waits, compared
    if process in ("timer_then_task", "boundary_timer_agenda"):
        assert any(waits), waits  # a timer waited: the lists compared were not empty
    assert limited_walks_agree(again) == 7 * 4 * 4


def test_a_subprocess_made_while_running_walks_as_caseflows(compared):
    workflow = workflow_of("subprocess_visit")
    run(workflow, 1)
    assert workflow.subprocesses
    assert all(type(s) is CaseflowSubWorkflow for s in workflow.subprocesses.values())


def test_a_long_loop_walks_the_same_with_a_depth_limit_and_a_stopping_task(compared):
    workflow = workflow_of("loop_review")
    assert run(workflow, 60, {**ANSWERS, "again": "yes"}) == 60
    assert limited_walks_agree(workflow) == 7 * 4 * 4
    # breadth first: BpmnTaskIterator's own walk, through TaskWalk
    for state in (TaskState.ANY_MASK, TaskState.COMPLETED):
        assert [t.id for t in TaskWalk(workflow.task_tree, depth_first=False, state=state)] == \
            [t.id for t in BpmnTaskIterator(workflow.task_tree, depth_first=False, state=state)]
    # from a task inside the tree, as the gateways and joins ask
    middle = list(workflow.tasks.values())[len(workflow.tasks) // 2]
    assert [t.id for t in TaskWalk(middle, state=TaskState.ANY_MASK)] == \
        [t.id for t in BpmnTaskIterator(middle, state=TaskState.ANY_MASK)]


def one_or_none_agree(workflow) -> tuple[int, int]:
    """Every walk from every task, into subprocesses or not, stopping at a
    task spec or not: TaskWalk's answer is BpmnTaskIterator's, and so is the
    workflow's, asked as the engine asks (a state, manual or not).  Counts
    those asked of a state one task was in (answered without a walk): the
    task found, and not come to."""
    tasks = [*workflow.tasks.values(), *(t for s in workflow.subprocesses.values() for t in s.tasks.values())]
    names = sorted({t.task_spec.name for t in tasks})
    found = not_reached = 0
    for start in tasks:
        for state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.FUTURE,
                      TaskState.COMPLETED, TaskState.LIKELY, TaskState.PREDICTED_MASK):
            in_state = [t for t in tasks if t.state & state]
            for manual in (None, True, False):
                for skip in (False, True):
                    for end_at in (None, *names[::4]):
                        kwargs = dict(state=state, manual=manual, skip_subprocesses=skip, end_at_spec=end_at)
                        ours = [t.id for t in TaskWalk(start, **kwargs)]
                        assert ours == [t.id for t in BpmnTaskIterator(start, **kwargs)], (start, kwargs)
                        if not skip and end_at is None:  # as the engine asks its workflows
                            asked = start.workflow.get_tasks(first_task=start, state=state, manual=manual)
                            assert [t.id for t in asked] == ours, (start, kwargs)
                            if len(in_state) == 1 and manual is None:  # answered without a walk
                                found += len(ours)
                                not_reached += not ours
    return found, not_reached


def test_a_walk_with_one_task_or_none_in_its_state_finds_what_the_walk_would():
    """A state only one task is in (or none) is answered without walking
    the tree: that task when the walk comes to it, nothing when it does not,
    at every step of runs through a subprocess, a timer and a loop."""
    found = not_reached = 0
    for process in ("subprocess_visit", "boundary_timer_agenda", "loop_review"):
        workflow = workflow_of(process)
        for _ in range(4):
            counts = one_or_none_agree(workflow)
            found, not_reached = found + counts[0], not_reached + counts[1]
            run(workflow, 1, {**ANSWERS, "again": "yes"})
    # both answers given without a walk were checked
    assert found and not_reached, (found, not_reached)


def test_a_task_the_walk_cannot_come_to_is_not_answered():
    """The walk does not go down to a task its parent does not list: asked
    for that task's state, the workflow answers as BpmnTaskIterator does
    (nothing), though the task is in the dictionaries."""
    workflow = workflow_of("subprocess_visit")
    run(workflow, 1)
    (ready,) = workflow.get_tasks(state=TaskState.READY)
    assert ready.workflow is not workflow  # in the subprocess

    def both(**kwargs):
        stock = [t.id for t in BpmnTaskIterator(workflow.task_tree, **kwargs)]
        assert [t.id for t in workflow.get_tasks(**kwargs)] == stock, kwargs
        return stock

    parent = ready.parent
    kept = list(parent._children)
    parent._children = [c for c in kept if c != ready.id]  # a parent that no longer lists it
    try:
        assert both(state=TaskState.READY) == []
    finally:
        parent._children = kept
    assert both(state=TaskState.READY) == [ready.id]
