"""SpiffWorkflow wrapped for caseflow: deploy, run, persist, timers, audit."""
from . import state_names  # noqa: F401  (SpiffWorkflow's state names, kept: engine/state_names.py)
