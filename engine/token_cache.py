"""API tokens already checked, kept in this process for a few seconds.

Looking a token up costs a query and the ORM's loading of two rows on every
API request (about 1 ms, issue 16); a client sends many requests a second
with the same token.  An entry is keyed by the token's SHA-256 and holds the
person's column values as read with the token; it is good for TTL_SECONDS.

The bound: a token revoked, expired, or whose holder was given a new
password or deactivated, is refused by every process at most TTL_SECONDS
after that change committed (sooner in the process that made it: its
commit empties this cache).  A change to the person (a new post, say) shows
within the same bound.  Last used is still written at most once a minute:
an entry whose token was last marked used longer ago than that is looked up
again."""
import threading
import time
from datetime import datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .db import db
from .models import ApiToken, User
from .row_objects import Shape

TTL_SECONDS = 2.0
_MAX = 4096

_entries: dict[str, tuple[float, datetime, datetime | None, dict]] = {}
_lock = threading.Lock()
_USER = Shape(User)


def get(digest: str, now: datetime, last_seen_every) -> User | None:
    """The person the token (by its digest) was checked for, as an object of
    the current session, or None when it must be looked up in the database."""
    entry = _entries.get(digest)
    if entry is None:
        return None
    checked, expires_at, last_used_at, values = entry
    if (time.monotonic() - checked > TTL_SECONDS or now >= expires_at
            or last_used_at is None or now - last_used_at > last_seen_every):
        _entries.pop(digest, None)
        return None
    return _attached(values)


def put(digest: str, token: ApiToken, user: User) -> None:
    values = {key: getattr(user, key) for key in _USER.keys}
    with _lock:
        if len(_entries) >= _MAX:
            _entries.clear()  # a bound on memory; the next requests look up again
        _entries[digest] = (time.monotonic(), token.expires_at, token.last_used_at, values)


def clear() -> None:
    with _lock:
        _entries.clear()


def _attached(values: dict) -> User:
    """A User of the session at the values read, without a query: the
    session may already hold that person (then that object is the one)."""
    return _USER.attached(db.session, values)


# A commit of this process that touched tokens or people (a revoke, a new
# password, a deactivation) takes effect here at once, not TTL_SECONDS later.
_DIRTY = "caseflow_token_cache_dirty"


@event.listens_for(Session, "before_flush")
def _note_changes(session, flush_context, instances):
    if any(_matters(o) for o in session.dirty) or any(
            isinstance(o, (ApiToken, User)) for o in session.deleted):
        session.info[_DIRTY] = True


def _matters(obj) -> bool:
    """A person changed, or a token other than in when it was last used."""
    if isinstance(obj, User):
        return True
    if isinstance(obj, ApiToken):
        attrs = inspect(obj).attrs
        return any(attrs[k].history.has_changes() for k in ("revoked_at", "expires_at", "user_id", "digest"))
    return False


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state):
    # an UPDATE or DELETE statement on tokens or people (revoke_all_tokens, say)
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in (ApiToken, User):
        state.session.info[_DIRTY] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop(_DIRTY, False):
        clear()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(_DIRTY, None)
