"""Template filters: London times, and how late something is."""
from processes import calendar, clock

from engine.timeutil import from_db


DATE, DATE_TIME = clock.DATE, clock.DATE_TIME


def london(value, fmt=DATE_TIME):
    """A time in London, as DATE_TIME unless a page needs less (fmt)."""
    if value is None:
        return ""
    local = from_db(value) if getattr(value, "tzinfo", None) is None and hasattr(value, "hour") else value
    return local.strftime(fmt)


def long_date(value) -> str:
    """A day as every page writes it: "Tuesday 8 December 2026"."""
    if value is None:
        return ""
    return london(value, DATE) if hasattr(value, "hour") else value.strftime(DATE)


def file_size(size) -> str:
    """A paper's size as people read it: "52 bytes", "14 KB", "2.3 MB" (a
    small file is never "0 KB")."""
    size = int(size or 0)
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def is_overdue(due_at) -> bool:
    return due_at is not None and from_db(due_at) < clock.now()


def working_days_late(due_at) -> int:
    if not is_overdue(due_at):
        return 0
    return max(1, calendar.working_days_between(from_db(due_at), clock.now()))


# What an audit event's action code means, as a person reads it in a trail.
AUDIT_LABELS = {
    "agenda.case_moved": "Case moved to another sitting",
    "agenda.released": "Taken off the agenda (moved back)",
    "case.transferred": "Case transferred",
    "case.registered": "Case registered",
    "case.updated": "Case details changed",
    "case.closed": "Case closed",
    "case.letter_printed": "Letter to the family printed",
    "data.amended": "Process data changed",
    "document.uploaded": "Paper uploaded",
    "form.saved": "Form saved",
    "instance.cancelled": "Process cancelled",
    "instance.completed": "Process completed",
    "instance.error": "Step failed",
    "instance.migrated": "Moved to another version",
    "instance.moved_back": "Moved back",
    "instance.resumed": "Process resumed",
    "instance.retried": "Failed step retried",
    "instance.started": "Process started",
    "instance.suspended": "Process suspended",
    "panel.date_added": "Panel date added",
    "panel.date_cancelled": "Panel date cancelled",
    "panel.date_moved": "Panel date moved",
    "panel.place_freed": "Panel place freed",
    "panel.place_offered": "Panel place offered",
    "panel.released": "Panel booking released (moved back)",
    "panel.reserve_reordered": "Reserve list reordered",
    "panel.sitting_cancelled": "Sitting cancelled",
    "panel.timetable_published": "Panel timetable published",
    "process.deployed": "Process version deployed",
    "process.draft_conflict": "Draft saved as a copy (edited by someone else)",
    "process.draft_discarded": "Draft discarded",
    "process.draft_saved": "Draft saved",
    "process.migrated": "Instances moved to another version",
    "process.uploaded": "Diagram uploaded",
    "rule.overridden": "Rule overridden",
    "task.completed": "Task completed",
    "task.escalated": "Task escalated",
    "task.reassigned": "Task reassigned",
    "task.taken": "Task taken on",
    "comment.added": "Comment added",
    "absence.recorded": "Absence recorded",
    "user.deputy_set": "Deputy named",
    "absence.cancelled": "Absence cancelled",
    "task.handed_back": "Task handed back",
    "task.allocated": "Task allocated",
    "task.unclaimed": "Task given back to its post",
    "timer.fired": "Timer fired",
    "user.locked_out": "Sign-in locked after too many failures",
    "user.sign_in_failed": "Sign-in failed",
    "user.signed_in": "Signed in",
    "user.signed_out": "Signed out",
    "user.token_issued": "API token issued",
    "user.token_revoked": "API token revoked",
    "user.tokens_revoked": "Every API token revoked",
    "user.password_set": "Password changed",
    "user.deactivated": "Account closed",
    "user.added": "Person added to the register",
    "user.changed": "Person's details changed",
    "people.imported": "People imported from a CSV file",
    "people.exported": "People register exported",
    "user.notifications_chosen": "Notification choices changed",
}


def audit_label(action: str) -> str:
    return AUDIT_LABELS.get(action, action)


def register(app):
    app.jinja_env.filters["london"] = london
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["audit_label"] = audit_label
    app.jinja_env.globals["is_overdue"] = is_overdue
    app.jinja_env.globals["working_days_late"] = working_days_late
    register_form_helpers(app)
    register_choice_filters(app)


def _pairs(errors):
    for e in errors or []:
        yield (e.field, e.message) if hasattr(e, "field") else tuple(e)


def error_list(errors):
    """GOV.UK error summary items, each linking to its field."""
    return [{"text": message, "href": f"#{name}" if name else None}
            for name, message in _pairs(errors)]


def field_error(errors, name):
    for field, message in _pairs(errors):
        if field == name:
            return {"text": message}
    return None


def register_form_helpers(app):
    app.jinja_env.globals.update(error_list=error_list, field_error=field_error)


def radio_item(option, value):
    key, label = option
    return {"value": key, "text": label, "checked": value is not None and str(value) == key}


def check_item(option, values):
    key, label = option
    return {"value": key, "text": label, "checked": key in (values or [])}


def problem_item(problem):
    """A rule's problem in the error summary: linked to the question it is about, if it says."""
    field = getattr(problem, "field", None)
    return {"text": problem, "href": f"#{field}" if field else "#main-content"}


def kind_item(pair):
    return {"value": pair[0], "text": pair[1]}


def register_choice_filters(app):
    app.jinja_env.filters.update(radio_item=radio_item, check_item=check_item,
                                 problem_item=problem_item, kind_item=kind_item)
