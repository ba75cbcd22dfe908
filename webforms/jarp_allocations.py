"""JARP allocations on the case page: who each agency allocated, from when
(Appendix A step 4: representatives 'notify relevant SWU of allocation')."""
from sqlalchemy import select

from engine import specs
from engine.db import db
from engine.models import AuditEvent, Task
from processes import clock

ALLOCATION_STEPS = ("Task_agency_allocation", "Task_direct_allocation")


def of_case(case_id: int) -> list[dict]:
    """Each recorded allocation, oldest first: the agency (the task's own),
    the worker, the start date and the services, as its representative
    recorded them (the completed task's audited answers)."""
    rows = db.session.execute(
        select(Task, AuditEvent.detail).join(AuditEvent, AuditEvent.task_id == Task.id)
        .where(Task.case_id == case_id, Task.process_key == "jarp_referral",
               Task.element_id.in_(ALLOCATION_STEPS), Task.state == "completed",
               AuditEvent.action == "task.completed")
        .order_by(Task.completed_at, Task.service)).all()
    out = []
    for task, detail in rows:
        answers = (detail or {}).get("data") or {}
        start = answers.get("start_date")
        out.append({"agency": task.service, "worker": answers.get("worker_name"),
                    "start_date": clock.as_date(start) if start else None,
                    "services": _titles(task, "services_allocated", answers.get("services_allocated") or []),
                    "notes": answers.get("notes"),
                    "recorded_by": task.completed_by.name if task.completed_by else None,
                    "recorded_at": task.completed_at})
    return out


def _titles(task: Task, name: str, values: list) -> list[str]:
    """The options' words in the task's own form version, not their codes."""
    schema = specs.loaded_by_id(task.instance.definition_id).forms.get(task.form) or {}
    items = schema.get("properties", {}).get(name, {}).get("items", {})
    words = {o.get("const"): o.get("title") for o in items.get("anyOf", []) if isinstance(o, dict)}
    return [words.get(v) or str(v) for v in values]
