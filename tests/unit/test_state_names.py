"""TaskState.get_name keeps each value's name (engine/state_names.py): the
names are SpiffWorkflow's own, for every state, mask and combination."""
from SpiffWorkflow.util.task import TaskState

import engine  # noqa: F401  (what every caseflow process imports first)
from engine import state_names


def test_every_state_and_mask_has_spiffworkflows_own_name():
    assert TaskState.get_name.__func__ is state_names._kept_name
    for value in range(0, 1024):
        assert TaskState.get_name(value) == state_names._NAME_OF(TaskState, value), value
    assert TaskState.get_name(TaskState.READY) == "READY"
    assert TaskState.get_name(TaskState.READY | TaskState.WAITING) == "WAITING|READY"
    assert TaskState.get_name(TaskState.FINISHED_MASK) == "FINISHED_MASK"
