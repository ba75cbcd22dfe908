"""Signing in (hashed passwords), the current user, and API tokens.

Sessions live in the database (engine/accounts.py): the cookie carries only
the session id, so signing out, a new password or deactivation end it."""
import functools

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from engine import accounts, audit
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work

from .access import permission_required, public
from .safe_next import safe_next

bp = Blueprint("auth", __name__)

# what the sign-in page tells a person whose session ended without them
SIGNED_OUT_BECAUSE = {
    "idle": "You were signed out because you had not used Caseflow for a while. Sign in again.",
    "max_age": "You were signed out because you had been signed in for too long. Sign in again.",
    "signed_out": "You were signed out elsewhere. Sign in again.",
    "password_changed": "You were signed out because your password was changed. Sign in again.",
    "deactivated": "You were signed out because your account was closed.",
}


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def token_digest(token: str) -> str:
    return accounts.digest(token)


def issue_token(user: User, label: str = "API token", days: int = accounts.TOKEN_DAYS) -> str:
    """A new API token for `user`; only its digest is stored."""
    return accounts.issue_token(user, label, days)[0]


@bp.before_app_request
def load_user():
    g.user = None
    if request.blueprint == "api":
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            g.user = accounts.token_user(header[7:].strip())
        return
    sid = session.get("sid")
    if sid is None:
        return
    config = current_app.config
    g.user, why = accounts.session_user(
        sid, config.get("CASEFLOW_SESSION_IDLE_MINUTES", accounts.SESSION_IDLE_MINUTES),
        config.get("CASEFLOW_SESSION_MAX_HOURS", accounts.SESSION_MAX_HOURS))
    if g.user is None:
        session.clear()
        if why:
            session["signed_out"] = why


def login_required(view):
    """Kept for older callers: the same as @permission_required("signed_in")."""
    return permission_required("signed_in")(view)


def post_required(*allowed):
    """Only these posts may use the page (a practitioner cannot reach it)."""
    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(**kwargs):
            if g.user.post not in allowed:
                abort(403)
            return view(**kwargs)
        return wrapped
    return decorator


def _address() -> str:
    return request.remote_addr or "unknown"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    errors = []
    username = request.form.get("username", "").strip()
    notice = SIGNED_OUT_BECAUSE.get(session.pop("signed_out", None)) if request.method == "GET" else None
    if request.method == "POST":
        if username and accounts.is_throttled(username, _address()):
            # also for the right password: the lock is on guessing, not on a wrong answer
            return render_template("sign_in.html", errors=[], username=username, throttled=True), 429
        user = db.session.scalar(select(User).filter_by(username=username)) if username else None
        if not username:
            errors.append(("username", "Enter your sign-in name"))
        if not request.form.get("password"):
            errors.append(("password", "Enter your password"))
        if not errors and (user is None or not user.active
                           or not check_password_hash(user.password_hash, request.form["password"])):
            errors.append(("username", "The sign-in name or password is not right"))
            with unit_of_work():
                locked = accounts.record_failure(username, _address())
                detail = {"username": username[:80], "address": _address()}
                audit.record("user.sign_in_failed", user, detail=detail)
                if locked:
                    audit.record("user.locked_out", user, detail=detail)
        if not errors:
            session.clear()
            with unit_of_work():
                session["sid"] = accounts.start_session(user)
                audit.record("user.signed_in", user, detail={"address": _address()})
            return redirect(safe_next(request.args.get("next")) or url_for("tasks.my_tasks"))
    return (render_template("sign_in.html", errors=errors, username=username, notice=notice),
            400 if errors else 200)


@bp.route("/sign-out", methods=["POST"])
@public
def logout():
    sid = session.get("sid")
    if sid:
        with unit_of_work():
            user = accounts.end_session(sid)
            if user is not None:
                audit.record("user.signed_out", user)
    session.clear()
    return redirect(url_for("auth.login"))
