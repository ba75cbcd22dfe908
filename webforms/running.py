"""What is already running on a case, said before another is started (issue 15
item 6): by the start button on the case page, and on the new process's first
form before it is submitted, each with a link to where it stands."""
from dataclasses import dataclass

from flask import g, url_for

from engine import permissions, queries
from engine.models import ONE_AT_A_TIME, Case, ProcessInstance

# A procedure and the processes it starts after itself (a referral's review, a transfer's review, ...):
# starting one while another of the family runs is what a person must know about first.
FAMILIES = (
    ("jarp_referral", "jarp_review"),
    ("resource_panel_referral", "resource_panel_review"),
    ("case_transfer", "rapid_response_review"),
    ("panel_booking", "panel_place_offered"),
)
OPEN = ("running", "error", "suspended")


@dataclass
class Running:
    key: str
    name: str
    started_at: object
    step: str | None
    href: str | None


def _family(process_key: str) -> tuple[str, ...]:
    return next((f for f in FAMILIES if process_key in f), (process_key,))


def _where(instance: ProcessInstance) -> tuple[str | None, str | None]:
    """The step it waits at and a link the person may follow (its task, or the managers' instance page)."""
    task = queries.open_task_for_instance(instance.id)
    if task is not None and permissions.can(g.user, "task.read", task):
        return task.name, url_for("tasks.task_page", task_id=task.id)
    if permissions.can(g.user, "dashboard.view"):
        return (task.name if task else None), url_for("manage.instance_page", instance_id=instance.id)
    return (task.name if task else None), None


def alongside(case: Case, process_key: str, instances=None, exclude: int | None = None) -> list[Running]:
    """The open processes of `process_key`'s family on the case, newest first."""
    family = _family(process_key)
    found = []
    for instance in instances if instances is not None else queries.case_instances(case.id):
        if instance.process_key in family and instance.status in OPEN and instance.id != exclude:
            step, href = _where(instance)
            found.append(Running(instance.process_key, instance.summary or instance.process_key, instance.started_at, step, href))
    return found


def on_case_page(case: Case, startable, instances) -> dict[str, list[Running]]:
    """For each process the person may start: what of its family runs already."""
    return {key: alongside(case, key, instances) for key, _ in startable}


def blocks(process_key: str, running: list[Running]) -> bool:
    """Only one at a time (engine/models.py ONE_AT_A_TIME): the start would be
    refused, so the page offers the running one instead of the button."""
    return process_key in ONE_AT_A_TIME and any(r.key == process_key for r in running)
