"""The instance's current data: what agenda, deadlines, case moves and the
pages read.

SpiffWorkflow's `last_task` is the last task completed.  When an interrupting
boundary event fires, the join after the task it interrupts completes last,
after the event's own path has run, as a dead end (no children) holding only
the event's data: read from it, the agenda, deadline and data shown would be
from before the timer.  So such a join gives way to the task completed last
before it.  (A join after its task completed normally has children and that
task's data: it stays.)
"""
from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin
from SpiffWorkflow.util.task import TaskState


def current_task(workflow):
    """The completed task holding the instance's current data, or None."""
    last = workflow.last_task
    if last is None or last.children or not isinstance(last.task_spec, BoundaryEventJoin):
        return last
    # rare (an interrupting event has just fired): one pass over the tree
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.workflow is workflow and not isinstance(t.task_spec, BoundaryEventJoin)]
    return max(done, key=lambda t: t.last_state_change, default=last)


def current_data(workflow) -> dict:
    """The live dict (not a copy) of the instance's current data."""
    if workflow.completed:
        return workflow.data
    task = current_task(workflow)
    return task.data if task is not None else workflow.task_tree.data
