"""SpiffWorkflow's walk of a task tree, the same tasks in the same order, in
linear time (issue 16).

Every engine step asks the workflow for its tasks in some state (the READY
ones to run, the WAITING ones to update after each completion, caseflow's
READY tasks before and after an action), and each question walks the whole
tree with BpmnTaskIterator.  That iterator keeps the tasks still to visit in
a list it pops from the front and prepends each task's children to: every
step copies the list, so one walk costs the square of the tree's size, and
it was about 40% of the time an action spends in the engine.

`TaskWalk` is BpmnTaskIterator with that list kept reversed (popped and
pushed at its end), and its filter's common case (a state, manual or not)
checked inline.  Everything else is BpmnTaskIterator's own logic, line for
line: when it descends (into children and subprocesses), how it counts
depth (its max_depth stops the walk where SpiffWorkflow's does), where it
stops (end_at_spec).  A breadth-first walk is BpmnTaskIterator's own,
unchanged (the inline filter aside).  tests/unit/test_task_walk.py checks it
against BpmnTaskIterator on every question an engine run asks.

A tree with fewer tasks than the depth limit (all but an uncompacted long
loop's) cannot reach it, so it is walked by one generator that counts no
depth.  The walk for the WAITING tasks after each completion (SpiffWorkflow's
plain TaskIterator: one workflow's own tree) is TaskWalk's too.

Most questions are the plain kind (a state, manual or not) and only one
task is in that state (the READY one) or none (WAITING, after most
completions): those are answered from the task dictionaries, without a walk
(`_answered`): the one task if the walk would come to it (checked on the way
up from it, by the walk's own reasons to go down), else nothing.  Where more
tasks are in the state, their order is the walk's, so it walks.

caseflow's workflows (engine.serialization, runtime.start_instance) use it
through `CaseflowWorkflow`; SpiffWorkflow's own classes are left as they are."""
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter, BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState

_FINISHED = TaskState.FINISHED_MASK
_MAX_DEPTH = 1000  # TaskIterator's default max_depth
_PLAIN_QUESTION = frozenset({"state", "manual"})  # asked with TaskWalk's defaults for the rest


class TaskWalk(BpmnTaskIterator):
    own_tree = False  # _OwnTreeWalk: TaskIterator's walk, not into subprocesses

    def __init__(self, task, end_at_spec=None, max_depth=_MAX_DEPTH, depth_first=True, skip_subprocesses=False,
                 task_filter=None, **kwargs):
        super().__init__(task, end_at_spec, max_depth, depth_first, skip_subprocesses, task_filter, **kwargs)
        self.stack = [task]  # task_list reversed: the next task is the last
        self.top = task.workflow.top_workflow
        f = self.task_filter
        # the filter in its common form: a state and perhaps manual or not, nothing else
        self.plain = (type(f) is BpmnTaskFilter and f.updated_ts == 0 and f.spec_name is None
                      and f.spec_class is None and f.catches_event is None and f.lane is None)
        # The depth counted can never pass the number of tasks walked: with
        # fewer tasks than max_depth (every walk but a long loop's before
        # compaction) the limit cannot stop the walk, so depth is not
        # counted (the climb to a leaf's ancestor was a third of the walk).
        self.subprocesses = {} if self.own_tree else self.top.subprocesses
        count = len(task.workflow.tasks) if self.own_tree else _task_count(self.top)
        self.unlimited = depth_first and count < max_depth
        # the generator holds the walk's values, not the walk: a walk left
        # is freed at once, not by the cycle collector (whose full passes
        # pause a server's every request)
        self.walk = _unlimited(self.stack, self.subprocesses, f, self.min_state, end_at_spec,
                               skip_subprocesses, self.plain) if self.unlimited else None

    def __iter__(self):
        # list(workflow.get_tasks_iterator()) runs the generator itself
        return self.walk or self

    def __next__(self):
        if self.unlimited:
            return next(self.walk)
        if not self.plain:
            task = self._next()
            while not self.task_filter.matches(task):
                task = self._next()
            return task
        state, manual = self.task_filter.state, self.task_filter.manual
        while True:
            task = self._next()
            if task._state & state and (manual is None or task.task_spec.manual == manual):
                return task

    def _next(self):
        if not self.depth_first:
            return super()._next()  # breadth first: BpmnTaskIterator's own list
        stack = self.stack
        if not stack:
            raise StopIteration()
        task = stack.pop()
        subprocess = self.subprocesses.get(task.id)
        if (task._children or subprocess is not None) and \
                (task._state >= self.min_state or subprocess is not None) and \
                self.depth < self.max_depth and \
                task.task_spec.name != self.end_at_spec:
            stack.extend(reversed(task.children))
            # not into a finished subprocess to look for unfinished tasks
            if not (subprocess is None or self.skip_subprocesses
                    or (task._state >= _FINISHED and self.task_filter.state <= _FINISHED)):
                stack.append(subprocess.task_tree)  # visited before the children
            self.depth += 1
        elif stack:
            # TaskIterator._handle_leaf_depth, with the next task at the stack's end
            ancestor = stack[-1].parent
            current = task.parent
            while current is not None and current != ancestor:
                current = current.parent
                self.depth -= 1
        return task


def _unlimited(stack, subprocesses, f, min_state, end_at, skip, plain):
    """TaskWalk's walk when no depth limit can bind, as one generator:
    _next's steps inline, the filter's too when plain."""
    finished_only = f.state <= _FINISHED
    state, manual = f.state, f.manual
    while stack:
        task = stack.pop()
        subprocess = subprocesses.get(task.id) if subprocesses else None
        if (task._children or subprocess is not None) and \
                (task._state >= min_state or subprocess is not None) and \
                task.task_spec.name != end_at:
            get = task.workflow.tasks.get
            stack.extend([get(child) for child in reversed(task._children)])
            if not (subprocess is None or skip or (task._state >= _FINISHED and finished_only)):
                stack.append(subprocess.task_tree)
        if (task._state & state and (manual is None or task.task_spec.manual == manual)) if plain \
                else f.matches(task):
            yield task


_MANY = object()


def _answered(start, workflow, subprocesses, state, manual):
    """What the walk from `start` (with TaskWalk's defaults: no depth limit
    can bind, no stopping task, into subprocesses) finds, when no more than
    one task is in its state: that task if the walk comes to it, else
    nothing; None when more are (only the walk knows their order)."""
    only = _only_in_state(workflow, subprocesses, state, manual)
    if only is _MANY:
        return None
    if only is None or not _reaches(start, only, subprocesses, _min_state(state), state <= _FINISHED):
        return iter(())
    return iter((only,))


def _min_state(state) -> int:
    """TaskIterator's: the least state a task must be in for the walk to go below it."""
    if state & TaskState.PREDICTED_MASK:
        return TaskState.MAYBE
    return TaskState.FUTURE if state & TaskState.DEFINITE_MASK else TaskState.COMPLETED


def _only_in_state(workflow, subprocesses, state, manual):
    """The one task of the workflow (or of the subprocesses the walk may go
    into) in `state` (and manual or not, if asked); None if there is none,
    _MANY if more.  A look through the task dictionaries (no tree, no ids
    hashed) costs a fraction of a walk, and most walks find one task (the
    READY ones) or none (the WAITING ones after a completion)."""
    found = None
    for tasks in (workflow.tasks, *(s.tasks for s in subprocesses.values())):
        for task in tasks.values():
            if task._state & state and (manual is None or task.task_spec.manual == manual):
                if found is not None:
                    return _MANY
                found = task
    return found


def _reaches(start, task, subprocesses, min_state, finished_only) -> bool:
    """Whether the walk from `start` comes to `task`: _unlimited's reasons to
    go down from a task to its children, or into its subprocess, checked on
    the way up from `task`."""
    while task is not start:
        workflow = task.workflow
        if task._parent is None:  # a subprocess's first task: the walk enters from the task running it
            parent_id = getattr(workflow, "parent_task_id", None)
            if parent_id is None or subprocesses.get(parent_id) is not workflow:
                return False
            parent = workflow.top_workflow.get_task_from_id(parent_id)
            # (SpiffWorkflow's test, kept as its walk has it: a task's state is one bit, below the mask)
            if parent is None or (parent._state >= _FINISHED and finished_only):
                return False
        else:
            parent = workflow.tasks.get(task._parent)
            if parent is None or task.id not in parent._children \
                    or not (parent._state >= min_state or subprocesses.get(parent.id) is not None):
                return False
        task = parent
    return True


class OwnTreeWalk(TaskWalk):
    """SpiffWorkflow's plain TaskIterator, walked as TaskWalk walks: one
    workflow's own tree, not into its subprocesses (with none to go into,
    BpmnTaskIterator's steps are TaskIterator's)."""
    own_tree = True


def _waiting(workflow):
    """The WAITING tasks Workflow.update_waiting_tasks updates after every
    completion (with TaskIterator, whose walk is quadratic in the tree)."""
    if len(workflow.tasks) < _MAX_DEPTH:  # the common case, answered before a walk is made
        found = _answered(workflow.task_tree, workflow, {}, TaskState.WAITING, None)
        if found is not None:
            return found
    return OwnTreeWalk(workflow.task_tree, state=TaskState.WAITING)


def _task_count(top) -> int:
    return len(top.tasks) + sum(len(s.tasks) for s in top.subprocesses.values())


def _iterator(workflow, first_task=None, **kwargs):
    start = first_task or workflow.task_tree
    if kwargs.keys() <= _PLAIN_QUESTION:  # the common question, answered before a walk is made
        top = workflow.top_workflow
        if _task_count(top) < _MAX_DEPTH:
            found = _answered(start, top, top.subprocesses, kwargs.get("state", TaskState.ANY_MASK),
                              kwargs.get("manual"))
            if found is not None:
                return found
    return TaskWalk(start, **kwargs)


class _Walks:
    """What caseflow's workflow and sub-workflow classes walk with."""

    def get_tasks_iterator(self, first_task=None, **kwargs):
        return _iterator(self, first_task, **kwargs)

    def update_waiting_tasks(self):
        for task in _waiting(self):
            task.task_spec._update(task)


class CaseflowWorkflow(_Walks, BpmnWorkflow):
    """A BpmnWorkflow whose task questions walk the tree in linear time; its
    subprocesses are CaseflowSubWorkflows."""

    def create_subprocess(self, my_task, spec_name):
        subprocess = super().create_subprocess(my_task, spec_name)
        subprocess.__class__ = CaseflowSubWorkflow  # made by SpiffWorkflow as a BpmnSubWorkflow
        return subprocess


class CaseflowSubWorkflow(_Walks, BpmnSubWorkflow):
    pass
