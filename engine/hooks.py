"""Engine hooks: the few steps whose answers must change the database's own
tables in the same transaction as the task, such as taking a panel place.

Scripts and expressions in the diagrams stay pure (sandboxed, no database).
A user task that needs more names a hook with the property `engineHook`.
runtime.complete_task runs it after the answers pass the form's schema and
the task's rules, and before the task runs, inside the caller's one
transaction (a rollback undoes it with everything else).  A hook:

* gets the instance, a copy of the task's data, the answers and the actor;
* may refuse the answers by raising runtime.Invalid, which the form shows
  again with the error summary, exactly like a rule;
* returns data for the instance: runtime puts it into the completing task
  and every other open step (so the steps after it see the result, and a
  parallel branch does not keep an older copy).

Only the hooks listed in HOOKS can be named by a diagram.

The other way round, RELEASES: when a manager moves an instance back (or
cancels it), each engine area that keeps rows for it releases what the undone
steps made (engine/repair.py), so no place or agenda row outlives its step.
"""
from dataclasses import dataclass
from importlib import import_module

HOOKS = {
    # engine/bookings.py: Adoption and Fostering Panel places (Panels §4, §5).
    "panel_booking.place": "engine.bookings:place_hook",
    "panel_booking.court": "engine.bookings:court_hook",
    "panel_booking.late_papers": "engine.bookings:late_papers_hook",
    "panel_booking.heard": "engine.bookings:heard_hook",
    "panel_booking.decided": "engine.bookings:decided_hook",
    "panel_booking.cancel": "engine.bookings:cancel_hook",
    # engine/sittings.py: the Children's Resource Panel's cancelled sittings,
    # so the booking script that follows skips them (Panels §1).
    "resource_panel.cancelled_sittings": "engine.sittings:resource_panel_cancelled",
}


@dataclass(frozen=True)
class HookCall:
    instance: object        # the ProcessInstance, its row locked by complete_task
    task_data: dict         # a copy of the task's data before the answers
    answers: dict           # the answers, validated (papers already described)
    actor: object           # the User completing the task
    element_id: str
    task_name: str
    task_id: str | None = None  # the SpiffWorkflow task's id: rows it makes carry it


def run(name: str | None, instance, spiff_task, answers: dict, actor) -> dict:
    if not name:
        return {}
    target = HOOKS.get(name)
    if target is None:
        from .runtime import EngineError  # runtime imports this module
        raise EngineError(f"The step {spiff_task.task_spec.bpmn_name!r} names an engine hook "
                          f"that does not exist: {name}.")
    module, function = target.split(":")
    call = HookCall(instance=instance, task_data=dict(spiff_task.data), answers=answers, actor=actor,
                    element_id=spiff_task.task_spec.bpmn_id,
                    task_name=spiff_task.task_spec.bpmn_name or spiff_task.task_spec.bpmn_id,
                    task_id=str(spiff_task.id))
    return getattr(import_module(module), function)(call) or {}


# ---------------------------------------------------------------- releases

# What an instance holds in an engine area's own tables past a step it is moved
# back to (engine/repair.py move_back): each area that owns rows names one
# function here, called with a Release in the repair's transaction.
RELEASES = (
    "engine.bookings:release_undone",     # Panel places and reserve entries
    "engine.agenda:release_undone",       # the instance's agenda row
)


@dataclass(frozen=True)
class Release:
    instance: object        # the ProcessInstance, its row locked by the repair
    actor: object           # the manager
    reason: str             # the manager's reason, audited with each release
    undone: frozenset       # ids (str) of the tasks undone: the step returned to and all after it
    data: dict              # the data at the step returned to


def release(instance, actor, reason: str, undone, data: dict) -> None:
    call = Release(instance=instance, actor=actor, reason=reason,
                   undone=frozenset(str(i) for i in undone), data=dict(data))
    for target in RELEASES:
        module, function = target.split(":")
        getattr(import_module(module), function)(call)
