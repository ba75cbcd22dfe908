"""Signing in (hashed passwords), the current user, and API tokens."""
import functools
import hashlib
import secrets

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from engine import audit
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work

bp = Blueprint("auth", __name__)
# asked on every API request: built once
_BY_TOKEN = select(User).where(User.api_token_hash == bindparam("digest"), User.active == True)  # noqa: E712


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """A new API token for `user`; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = token_digest(token)
    return token


@bp.before_app_request
def load_user():
    g.user = None
    header = request.headers.get("Authorization", "")
    if request.blueprint == "api":
        if header.startswith("Bearer "):
            g.user = db.session.scalar(_BY_TOKEN, {"digest": token_digest(header[7:].strip())})
        return
    user_id = session.get("user_id")
    if user_id is not None:
        g.user = db.session.get(User, user_id)
        if g.user is not None and not g.user.active:
            g.user = None


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(**kwargs)
    return wrapped


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


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    errors = []
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        user = db.session.scalar(select(User).filter_by(username=username)) if username else None
        if not username:
            errors.append(("username", "Enter your sign-in name"))
        if not request.form.get("password"):
            errors.append(("password", "Enter your password"))
        if not errors and (user is None or not user.active
                           or not check_password_hash(user.password_hash, request.form["password"])):
            errors.append(("username", "The sign-in name or password is not right"))
        if not errors:
            session.clear()
            session["user_id"] = user.id
            with unit_of_work():
                audit.record("user.signed_in", user)
            target = request.args.get("next", "")
            # Only same-site paths, so the sign-in page cannot be used to send people elsewhere.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("tasks.my_tasks")
            return redirect(target)
    return render_template("sign_in.html", errors=errors, username=username), 400 if errors else 200


@bp.route("/sign-out", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
