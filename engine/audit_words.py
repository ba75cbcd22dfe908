"""What an audit event's detail says, in words (issue 15 item 1): the
managers' instance history shows each event's facts as a person reads them,
"Case type: Long-term fostering (permanence)", never `adoption_best_interests`,
`sitting_on` or a database id.

Answers (task.completed, data.amended) are worded by engine/record.py from the
forms; this is the rest: starts, bookings, agenda moves, repairs, migrations."""
from processes import panel_booking

from . import record, specs

# Internal references kept in the trail for tracing, not for reading: ids, hashes, element ids.
HIDDEN = frozenset({"to_id", "booking", "booking_id", "document", "timer", "token_id", "token_ids", "hash",
                    "base", "copy", "to_task", "element", "order", "sitting_id", "instance_id"})

LABELS = {
    "process": "Process", "version": "Version", "from_version": "From version", "to_version": "To version",
    "case_type": "Case type", "sitting_on": "Panel date", "sitting": "Sitting", "reserve_for": "Reserve list for",
    "meeting": "Meeting", "status": "Status", "was": "Was", "panel": "Panel", "error": "Error",
    "previous_error": "Error before", "from": "From", "to": "To", "post": "Post", "given": "Given to them",
    "extra": "An extra date", "dates": "Dates", "position": "Place on the reserve list", "rules": "Rules",
    "open_tasks_cancelled": "Open tasks cancelled", "given_to_reserve": "Given to the reserve list",
    "text": "Comment", "changes": "Changes", "for": "For", "what": "What", "outcome": "Outcome",
    "units": "Units", "reason": "Reason", "service": "Service", "unit": "Unit", "reference": "Case reference",
    "person": "Person", "by": "By", "cover": "Cover", "deputy": "Deputy", "username": "Sign-in name",
    "email": "E-mail", "label": "Name", "file": "File", "form": "Form", "as_draft": "Kept as a draft",
    "moved": "Moved", "moved_from_version": "Moved from version", "papers_deadline": "Papers due",
    "papers_working_days_before": "Papers due, working days before", "people": "People",
    "refused": "Refused", "choices": "Choices", "data": "Answers", "address": "Address",
    "method": "How", "why": "Why",
}


def _process_name(key: str) -> str:
    definition = specs.current(key)
    return definition.name if definition is not None else key


def _place_or_name(value) -> str:
    """A move's from/to: a unit and service (a transfer) or a person's name (a reassignment)."""
    return record.place_words(value) if isinstance(value, dict) else record.words(None, value)


def _status(value) -> str:
    """An agenda row's or a booking's status (listed, carried_over, reserve, ...) as a word."""
    return str(value).replace("_", " ").capitalize()


VALUES = {
    "process": _process_name,
    "case_type": lambda v: panel_booking.case_type_label(v) if v in panel_booking.CASE_TYPES else v,
    "status": _status,
    "was": _status,
    "from": _place_or_name,
    "to": _place_or_name,
}


def label(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def detail_in_words(detail: dict | None) -> list[tuple[str, str]]:
    """(what, value) for each fact of an event's detail a person may read, in order."""
    rows = []
    for key, value in (detail or {}).items():
        if key in HIDDEN or value in (None, "", [], {}):
            continue
        if isinstance(value, dict) and key not in ("from", "to"):
            rows.extend((f"{label(key)}: {label(k)}", record.words(None, v)) for k, v in value.items()
                        if k not in HIDDEN and v not in (None, "", [], {}))
            continue
        rows.append((label(key), VALUES.get(key, lambda v: record.words(None, v))(value)))
    return rows
