"""Signing in (hashed passwords), the current user, and API tokens.

Sessions live in the database (engine/accounts.py): the cookie carries only
the session id, so signing out, a new password or deactivation end it."""
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from engine import accounts, audit
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work

from .access import public
from .safe_next import safe_next

bp = Blueprint("auth", __name__)

# what the sign-in page tells a person whose session ended without them
SIGNED_OUT_BECAUSE = {
    "idle": "You were signed out because you had not used Caseflow for a while. Sign in again.",
    "max_age": "You were signed out because you had been signed in for too long. Sign in again.",
    "signed_out": "You were signed out elsewhere. Sign in again.",
    "password_changed": "You were signed out because your password was changed. Sign in again.",
    "deactivated": "You were signed out because your account was closed.",
    "signed_in_again": "You were signed out because someone signed in again in the browser you used. Sign in again.",
}


def hash_password(password: str) -> str:
    return generate_password_hash(password)


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


THROTTLED = "Too many sign-in attempts. Wait 15 minutes, then try again."


def _address() -> str:
    return request.remote_addr or "unknown"


def check_attempt(user: User | None, username: str, password: str):
    """Whether `password` is `user`'s, throttled (issue 11 item 4): the attempt
    is recorded and committed before the password is compared, and every
    failure is audited.  Returns "ok", "wrong" or "throttled"; leaves the
    attempt's transaction to the caller on "ok" (the success is marked in it)."""
    attempt_id, throttled = accounts.begin_attempt(username, _address())
    if throttled:
        return "throttled"
    if user is not None and user.active and check_password_hash(user.password_hash, password):
        accounts.attempt_succeeded(attempt_id)
        return "ok"
    with unit_of_work():
        locked = accounts.attempt_failed(username, _address())
        detail = {"username": username[:80], "address": _address()}
        audit.record("user.sign_in_failed", user, detail=detail)
        if locked:
            audit.record("user.locked_out", user, detail=detail)
    return "wrong"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def login():
    errors = []
    username = request.form.get("username", "").strip()
    notice = SIGNED_OUT_BECAUSE.get(session.pop("signed_out", None)) if request.method == "GET" else None
    if request.method == "POST":
        if not username:
            errors.append(("username", "Enter your sign-in name"))
        if not request.form.get("password"):
            errors.append(("password", "Enter your password"))
        user = db.session.scalar(select(User).filter_by(username=username)) if username else None
        outcome = check_attempt(user, username, request.form["password"]) if not errors else None
        if outcome == "throttled":
            return render_template("sign_in.html", errors=[], username=username, throttled=True), 429
        if outcome == "wrong":
            errors.append(("username", "The sign-in name or password is not right"))
        if outcome == "ok":
            with unit_of_work():
                begin_session(user, "password")
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


def begin_session(user: User, method: str) -> None:
    """Signed in, by password or council account: an earlier sign-in in this
    browser ends first (a copy of its cookie stays dead), and it is audited."""
    earlier = accounts.end_session(session["sid"], "signed_in_again") if session.get("sid") else None
    if earlier is not None:
        audit.record("user.signed_out", earlier, detail={"why": "signed_in_again"})
    session.clear()
    session["sid"] = accounts.start_session(user)
    audit.record("user.signed_in", user, detail={"address": _address(), "method": method})
