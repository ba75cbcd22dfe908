"""Sign-in sessions, API tokens, sign-in throttling, passwords and deactivation.

Every time here is on the real clock (time.clock_gettime, which freezegun
leaves alone): a sign-in made at real time must stay valid in tests that
freeze the clock days ahead, as the cookie signature does (tests/conftest.py)."""
import hashlib
import secrets
import time
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from werkzeug.security import generate_password_hash

from . import audit, token_cache
from .db import db
from .models import ApiToken, AuthSession, SignInFailure, User

SESSION_IDLE_MINUTES = 30
SESSION_MAX_HOURS = 10
TOKEN_DAYS = 90
# last seen is written at most once a minute: a write on every page would
# cost a statement and a commit per request for a precision nobody needs
LAST_SEEN_EVERY = timedelta(minutes=1)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20

_EPOCH = datetime(1970, 1, 1)

# asked on every request: built once, one indexed lookup each
_SESSION_BY_DIGEST = (select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                      .where(AuthSession.digest == bindparam("digest"), AuthSession.ended_at.is_(None)))
_TOKEN_BY_DIGEST = (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                    .where(ApiToken.digest == bindparam("digest"), ApiToken.revoked_at.is_(None),
                           ApiToken.expires_at > bindparam("now"), User.active == True))  # noqa: E712


def real_now() -> datetime:
    """Naive UTC on the real clock."""
    return _EPOCH + timedelta(seconds=time.clock_gettime(time.CLOCK_REALTIME))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- sessions -------------------------------------------------------------

def start_session(user: User) -> str:
    """A new session for `user`; returns the id for the cookie (only its digest is stored)."""
    sid = secrets.token_urlsafe(32)
    now = real_now()
    db.session.add(AuthSession(digest=digest(sid), user_id=user.id, created_at=now, last_seen_at=now))
    return sid


def session_user(sid: str, idle_minutes=SESSION_IDLE_MINUTES, max_hours=SESSION_MAX_HOURS):
    """(user, None) for a live session, or (None, why it ended) — why is None if unknown.

    Commits its own small write (expiry, or last seen) when one is needed."""
    row = db.session.execute(_SESSION_BY_DIGEST, {"digest": digest(sid)}).first()
    if row is None:
        ended = db.session.scalar(select(AuthSession.end_reason).where(AuthSession.digest == digest(sid)))
        return None, ended
    auth, user = row
    now = real_now()
    reason = None
    if not user.active:
        reason = "deactivated"
    elif now - auth.created_at > timedelta(hours=max_hours):
        reason = "max_age"
    elif now - auth.last_seen_at > timedelta(minutes=idle_minutes):
        reason = "idle"
    if reason:
        auth.ended_at, auth.end_reason = now, reason
        db.session.commit()
        return None, reason
    if now - auth.last_seen_at > LAST_SEEN_EVERY:
        auth.last_seen_at = now
        db.session.commit()
    return user, None


def end_session(sid: str, reason: str = "signed_out") -> User | None:
    auth = db.session.scalar(select(AuthSession).where(AuthSession.digest == digest(sid),
                                                       AuthSession.ended_at.is_(None)))
    if auth is None:
        return None
    auth.ended_at, auth.end_reason = real_now(), reason
    return db.session.get(User, auth.user_id)


def end_all_sessions(user: User, reason: str) -> None:
    db.session.execute(update(AuthSession)
                       .where(AuthSession.user_id == user.id, AuthSession.ended_at.is_(None))
                       .values(ended_at=real_now(), end_reason=reason))


def set_password(user: User, password: str) -> None:
    """A new password ends every session the person has open and revokes
    every API token they hold (a token is as good as the password it was
    issued under)."""
    user.password_hash = generate_password_hash(password)
    end_all_sessions(user, "password_changed")
    revoke_all_tokens(user, "password_changed")


def deactivate(user: User) -> None:
    user.active = False
    end_all_sessions(user, "deactivated")
    revoke_all_tokens(user, "deactivated")


# --- API tokens -----------------------------------------------------------

def issue_token(user: User, label: str = "API token", days: int = TOKEN_DAYS) -> tuple[str, ApiToken]:
    """A new token for `user`; the token itself is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    now = real_now()
    row = ApiToken(digest=digest(token), user_id=user.id, label=label[:80] or "API token",
                   created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    return token, row


def token_user(token: str) -> User | None:
    """The holder of a live token; checked against the database at most
    every token_cache.TTL_SECONDS per process (the bound on a revocation)."""
    now = real_now()
    key = digest(token)
    cached = token_cache.get(key, now, LAST_SEEN_EVERY)
    if cached is not None:
        return cached
    row = db.session.execute(_TOKEN_BY_DIGEST, {"digest": key, "now": now}).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_SEEN_EVERY:
        api_token.last_used_at = now
        db.session.commit()
    token_cache.put(key, api_token, user)
    return user


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of `user`'s own tokens; None if it is not theirs or already revoked."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    row.revoked_at = real_now()
    return row


def revoke_all_tokens(user: User, why: str) -> list[int]:
    """Revoke every live token of `user`, audited with their ids; returns the ids."""
    ids = list(db.session.scalars(update(ApiToken)
                                  .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                  .values(revoked_at=real_now()).returning(ApiToken.id)))
    if ids:
        audit.record("user.tokens_revoked", None, detail={"username": user.username, "token_ids": sorted(ids),
                                                          "why": why})
    return ids


# --- throttling -----------------------------------------------------------
# An attempt is written and committed before its password is compared, and
# counted after: however many guesses run at once, the n-th to commit sees at
# least n attempts, so no more than MAX_FAILURES_PER_NAME are ever compared
# (issue 11 review, finding 13).  An attempt in flight counts as a failure
# until a success marks it; a success clears nothing before it.

PRUNE_AFTER = timedelta(days=1)  # far past the window: the rows are only a count


def _attempts(column, value) -> int:
    return db.session.scalar(select(func.count()).select_from(SignInFailure)
                             .where(column == value, SignInFailure.succeeded == False,  # noqa: E712
                                    SignInFailure.at > real_now() - THROTTLE_WINDOW))


def _counts(username: str, address: str) -> tuple[int, int]:
    return _attempts(SignInFailure.username, username[:80]), _attempts(SignInFailure.address, address[:64])


def begin_attempt(username: str, address: str) -> tuple[int, bool]:
    """Record a sign-in attempt in its own committed transaction, then count.

    Returns (the attempt's id, throttled): throttled means more than the
    allowed failures in the window with this one, so the password must not
    be compared (also the right one: the lock is on guessing)."""
    row = SignInFailure(at=real_now(), username=username[:80], address=address[:64])
    db.session.add(row)
    db.session.commit()
    by_name, by_address = _counts(username, address)
    return row.id, by_name > MAX_FAILURES_PER_NAME or by_address > MAX_FAILURES_PER_ADDRESS


def attempt_failed(username: str, address: str) -> bool:
    """After a wrong password: True if this failure locks the name or the
    address; old attempts are pruned here, one indexed DELETE (finding 16)."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < real_now() - PRUNE_AFTER))
    by_name, by_address = _counts(username, address)
    return by_name >= MAX_FAILURES_PER_NAME or by_address >= MAX_FAILURES_PER_ADDRESS


def attempt_succeeded(attempt_id: int) -> None:
    """The right password: the attempt is marked (kept, and no longer counted)."""
    db.session.execute(update(SignInFailure).where(SignInFailure.id == attempt_id).values(succeeded=True))
