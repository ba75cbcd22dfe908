"""Panel sittings the rules must know about but cannot read themselves."""
from sqlalchemy import select

from processes import clock

from .db import db
from .models import PanelSitting


def cancelled_from_today(panel: str) -> list[str]:
    dates = db.session.scalars(select(PanelSitting.sitting_on).where(
        PanelSitting.panel == panel, PanelSitting.cancelled.is_(True),
        PanelSitting.sitting_on >= clock.now().date())).all()
    return sorted(clock.as_date(d).isoformat() for d in dates)


def resource_panel_cancelled(call) -> dict:
    """Hook: before a case is booked onto the Resource Panel, its cancelled
    sittings from today, as `cancelled_sittings` (processes/ stays pure)."""
    return {"cancelled_sittings": cancelled_from_today("Resource Panel")}
