"""Compaction: a running instance's workflow carries its live part, not its past.

SpiffWorkflow keeps every task it has run.  A loop adds a pass's tasks to the
tree each time round, so every engine step (which walks the tree), the
snapshot and its compression cost more the older the instance is; past 1,000
tasks deep its task iterator stops looking (max_depth), and a loop stalls
after ~333 passes with its ready task out of sight.  The instance's history
already lives in the task and audit tables, so the finished passes of a loop
are dropped from the tree after each action (runtime.persist, before the
snapshot).

What stays:

* everything at or below the *live point*: the lowest task that is an
  ancestor of (or is) every unfinished task, every failed one and the last
  task completed.  Joins look at their sibling branches, boundary events at
  their split, new tasks inherit their parent's data: all of it is below.
* the path from the root down to the live point, except the passes it has
  gone round again.  On that path a task whose step comes again further down
  belongs to a finished pass.  From the first such task to the last one, the
  path and the branches hanging off it go; the last one stays (the *joint*),
  its parent now the task above the first, with only its child on the path.
  So what is kept is the path before the loop, at most the pass before and
  the live part.  The cancelled join of a previous pass's parallel branch
  goes too: left in the tree, SpiffWorkflow's parallel gateway counts it as
  an arrived branch and lets the next pass's join through early.

A joint's recorded parent is not its own, so it is never reopened (move
back: its data would be reset from the wrong task).  What the dropped tasks
did is kept small on the root task: the diagram elements done and cancelled
(the instance page marks the path taken) and the number of tasks dropped.
"""
from SpiffWorkflow.util.task import TaskState

# on the root task's internal data (serialized with it)
RECORD = "caseflow.compacted"
_KEEP = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


def compact(workflow) -> int:
    """Drop the finished passes of loops from `workflow` (a BpmnWorkflow) and
    from its sub-processes under way; the number of tasks dropped."""
    dropped = _compact_one(workflow, workflow)
    for subprocess in list(workflow.subprocesses.values()):
        if not subprocess.completed and subprocess.task_tree is not None:
            dropped += _compact_one(workflow, subprocess)
    return dropped


def record(workflow) -> dict:
    """What compaction dropped from `workflow`: {"done": [element ids],
    "cancelled": [...], "joints": [task ids], "dropped": n} (empty lists and
    0 when it never has)."""
    found = workflow.task_tree.internal_data.get(RECORD) or {}
    return {"done": list(found.get("done", [])), "cancelled": list(found.get("cancelled", [])),
            "joints": list(found.get("joints", [])), "dropped": found.get("dropped", 0)}


def may_reopen(spiff_task) -> bool:
    """Whether the task's parent in the tree is its own (false for a joint):
    reopening it resets its data from that parent's."""
    found = spiff_task.workflow.task_tree.internal_data.get(RECORD)
    return not found or str(spiff_task.id) not in found.get("joints", ())


def _compact_one(top, workflow) -> int:
    path = _path_to_live_point(workflow)
    if path is None:
        return 0
    last_at = {}
    for i, task in enumerate(path):
        last_at[task.task_spec.name] = i
    again = [i for i, task in enumerate(path) if last_at[task.task_spec.name] > i]
    if not again:
        return 0
    first, joint_at = again[0], again[-1]
    if first == 0:  # the root comes round again (never expected): leave the tree alone
        return 0
    above, joint, below = path[first - 1], path[joint_at], path[joint_at + 1]
    on_path = {t.id for t in path}
    # the dropped part of the path with the branches off it, and those off the joint
    gone = path[first:joint_at] + [c for c in _children(workflow, joint) if c is not below]
    subtree = _with_descendants(workflow, gone, on_path)
    if not subtree:
        return 0
    if any(not t.has_state(TaskState.FINISHED_MASK) or t.has_state(TaskState.ERROR) for t in subtree):
        return 0  # not a finished pass after all: leave the tree as it is
    _drop(top, workflow, subtree)
    # the joint hangs from the task above the first dropped one
    above._children = [joint.id if c == path[first].id else c for c in above._children]
    joint._parent = above.id
    joint._children = [below.id]
    _note(workflow, subtree, joint if first < joint_at else None)
    return len(subtree)


def _path_to_live_point(workflow) -> list | None:
    """The tasks from the root down to the live point, or None."""
    live = [t for t in workflow.tasks.values() if t.has_state(_KEEP)]
    if workflow.last_task is not None and workflow.last_task.id in workflow.tasks:
        live.append(workflow.last_task)
    if not live:
        return None
    path = _ancestry(workflow, live[0])
    index = {t.id: i for i, t in enumerate(path)}
    deepest = len(path) - 1
    for task in live[1:]:
        while task is not None and task.id not in index:
            task = workflow.tasks.get(task._parent)
        if task is None:  # not under the root (never expected): leave the tree alone
            return None
        deepest = min(deepest, index[task.id])
    return path[:deepest + 1]


def _ancestry(workflow, task) -> list:
    out = []
    while task is not None:
        out.append(task)
        task = workflow.tasks.get(task._parent) if task._parent is not None else None
    out.reverse()
    return out


def _children(workflow, task) -> list:
    return [workflow.tasks[c] for c in task._children if c in workflow.tasks]


def _with_descendants(workflow, tasks, stop: set) -> list:
    """`tasks` and everything below them, not entering the path (`stop`)."""
    out, stack = [], list(tasks)
    while stack:
        task = stack.pop()
        out.append(task)
        stack.extend(c for c in _children(workflow, task) if c.id not in stop)
    return out


def _drop(top, workflow, tasks) -> None:
    for task in tasks:
        workflow.tasks.pop(task.id, None)
        top.event_manager.remove_task(task)
        if task.id in top.subprocesses:
            _drop_subprocess(top, task.id)


def _drop_subprocess(top, task_id) -> None:
    """A finished sub-process of a dropped task, and those it started."""
    subprocess = top.subprocesses.pop(task_id, None)
    if subprocess is None:
        return
    for inner_id in [i for i in top.subprocesses if i in subprocess.tasks]:
        _drop_subprocess(top, inner_id)


def _note(workflow, dropped, joint) -> None:
    """Add what `dropped` did to the root's record; `joint`, if re-hung, is not to be reopened."""
    root = workflow.task_tree
    found = record(workflow)
    done, cancelled = set(found["done"]), set(found["cancelled"])
    for task in dropped:
        element = getattr(task.task_spec, "bpmn_id", None)
        if element:
            (done if task.has_state(TaskState.COMPLETED) else cancelled).add(element)
    present = {str(i) for i in workflow.tasks}
    joints = {j for j in found["joints"] if j in present} | ({str(joint.id)} if joint is not None else set())
    root.internal_data[RECORD] = {"done": sorted(done), "cancelled": sorted(cancelled),
                                  "joints": sorted(joints), "dropped": found["dropped"] + len(dropped)}
