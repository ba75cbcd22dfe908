"""A person's own notifications, read in the app, and their choices of how
to get each kind (issue 13).  Every function touches only `user`'s rows."""
from sqlalchemy import delete, func, select, update

from processes import notifications as rules

from . import audit
from .db import db
from .models import Notification, NotificationPreference
from .timeutil import utcnow

# asked on every page (the count in the header): built once, one index range
_UNREAD = (select(func.count()).select_from(Notification)
           .where(Notification.user_id == db.bindparam("user_id"), Notification.read_at.is_(None)))


def unread_count(user) -> int:
    return db.session.execute(_UNREAD, {"user_id": user.id}).scalar() or 0


def recent(user, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def open_one(user, notification_id: int) -> Notification | None:
    """The person's notification, marked read (None if it is not theirs)."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
    return note


def mark_all_read(user) -> int:
    return db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                         Notification.read_at.is_(None))
                              .values(read_at=utcnow())).rowcount


def choices(user) -> dict[str, str]:
    """Every kind with the person's choice (or its default)."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: rules.delivery_for(kind, chosen) for kind in rules.KINDS}


def choose(user, wanted: dict[str, str]) -> None:
    """Keep the person's choices (every kind, each a known delivery), audited."""
    assert set(wanted) == set(rules.KINDS) and set(wanted.values()) <= set(rules.DELIVERIES)
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    db.session.add_all(NotificationPreference(user_id=user.id, kind=k, delivery=v) for k, v in wanted.items())
    audit.record("user.notifications_chosen", user, detail={"choices": wanted})
