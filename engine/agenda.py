"""The agenda rows the engine mirrors from task data (runtime._sync_agenda):
what a repair that moves an instance back leaves of them."""
from . import audit
from .db import db
from .models import AgendaItem


def release_undone(call) -> None:
    """Release hook (engine/hooks.py RELEASES): moved back to a step before
    the instance was listed, its agenda row goes, audited; listed again, the
    row is written afresh.  A step that was already listed keeps the row, and
    persisting brings it into line with that step's data."""
    agenda = call.data.get("agenda")
    if isinstance(agenda, dict) and agenda.get("sitting"):
        return
    item = db.session.get(AgendaItem, call.instance.id)
    if item is None:
        return
    audit.record("agenda.released", call.actor, instance=call.instance, reason=call.reason,
                 element_name=f"{item.meeting}: {item.sitting.isoformat()}",
                 detail={"meeting": item.meeting, "sitting": item.sitting.isoformat(), "status": item.status})
    db.session.delete(item)
    db.session.flush()
