"""SpiffWorkflow's TaskState.get_name, worked out once per value (issue 16).

Every change of a task's state logs it with the state's name, twice (in the
message and in the record's extras), whether or not anything logs at that
level, and get_name builds its table of names afresh on each call: some
thirty calls an action, a tenth of the engine's time.  The names of the
states never change, so each value's name is kept after its first call,
made by SpiffWorkflow's own get_name (tests/unit/test_state_names.py checks
every value against it)."""
from contextlib import contextmanager
from functools import lru_cache

from SpiffWorkflow.util.task import TaskState

_NAME_OF = TaskState.get_name.__func__  # SpiffWorkflow's own


@lru_cache(maxsize=2048)  # the states and masks are below 512; a bound for anything else asked
def _kept_name(cls, state):
    return _NAME_OF(cls, state)


TaskState.get_name = classmethod(_kept_name)


@contextmanager
def stock():
    """SpiffWorkflow's own get_name for a while: `make bench` measures bare
    SpiffWorkflow (its A) as installed, in the process that runs caseflow."""
    TaskState.get_name = classmethod(_NAME_OF)
    try:
        yield
    finally:
        TaskState.get_name = classmethod(_kept_name)
