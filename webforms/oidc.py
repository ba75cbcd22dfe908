"""Sign-in with the council's accounts: OpenID Connect, authorization code
flow with PKCE, state and nonce checked and the ID token verified against
the issuer's published keys (Authlib).  The council's directory says who a
person is; caseflow's register says their post, unit and service, so only an
active person of the register whose e-mail (or, once known, subject) matches
may sign in.

Configured by CASEFLOW_OIDC_ISSUER, CASEFLOW_OIDC_CLIENT_ID and
CASEFLOW_OIDC_CLIENT_SECRET; CASEFLOW_LOCAL_PASSWORDS=0 switches local
passwords off."""
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from sqlalchemy import func, or_, select

from engine import audit
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work

from .access import public
from .safe_next import safe_next

bp = Blueprint("oidc", __name__)
PROVIDER = "council"


def configured(app) -> bool:
    return bool(app.config.get("CASEFLOW_OIDC_ISSUER"))


def register(app) -> None:
    """One Authlib registry per app (tests make many apps, each its own provider)."""
    oauth = app.extensions["caseflow_oauth"] = OAuth(app)
    if configured(app):
        issuer = app.config["CASEFLOW_OIDC_ISSUER"].rstrip("/")
        oauth.register(PROVIDER, client_id=app.config["CASEFLOW_OIDC_CLIENT_ID"],
                       client_secret=app.config.get("CASEFLOW_OIDC_CLIENT_SECRET"),
                       server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                       client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"})


def _client():
    if not configured(current_app):
        abort(404)
    return current_app.extensions["caseflow_oauth"].create_client(PROVIDER)


@bp.route("/sign-in/council")
@public
def start():
    """To the council's sign-in page; back to the callback with a code."""
    session["oidc_next"] = safe_next(request.args.get("next"))
    return _client().authorize_redirect(url_for("oidc.callback", _external=True))


@bp.route("/sign-in/council/callback")
@public
def callback():
    client = _client()
    try:
        token = client.authorize_access_token()   # state, code + PKCE verifier, ID token and nonce
    except (OAuthError, JoseError, ValueError) as exc:
        return _refused("Your council's sign-in could not be checked, so you are not signed in. "
                        "Try again; if it keeps happening, tell the IT service desk.", str(exc))
    claims = dict(token.get("userinfo") or {})
    if "email" not in claims and token.get("access_token"):
        try:   # many providers keep e-mail out of the ID token: ask the userinfo endpoint
            extra = client.userinfo(token=token)
        except (OAuthError, ValueError, OSError):
            extra = {}
        if extra.get("sub") == claims.get("sub"):
            claims.update({k: v for k, v in extra.items() if k in ("email", "email_verified", "name")})
    person = match(claims)
    if person is None:
        return _refused(f"Your council account ({claims.get('email') or claims.get('sub')}) is not in "
                        "caseflow's register of people, or is no longer active. Ask your manager or the "
                        "system administrator to add you.", "not in the register", claims)
    from .auth import begin_session  # one way in, whichever way a person signed in
    with unit_of_work():
        if person.oidc_subject is None:
            person.oidc_subject = str(claims["sub"])[:255]
        begin_session(person, "council account")
    return redirect(session.pop("oidc_next", None) or url_for("tasks.my_tasks"))


def match(claims: dict) -> User | None:
    """The active person of the register these verified claims name."""
    subject, email = claims.get("sub"), (claims.get("email") or "").strip().lower()
    clauses = [User.oidc_subject == str(subject)] if subject else []
    if email and claims.get("email_verified", True) is not False:
        clauses.append(func.lower(User.email) == email)
    if not clauses:
        return None
    people = db.session.scalars(select(User).where(or_(*clauses), User.active.is_(True))).all()
    by_subject = [p for p in people if subject and p.oidc_subject == str(subject)]
    # a subject already bound to someone else is not taken over by an e-mail
    chosen = by_subject or [p for p in people if p.oidc_subject in (None, str(subject))]
    return chosen[0] if len(chosen) == 1 else None


def verify_id_token(id_token: str, nonce: str) -> dict:
    """The claims of an ID token, verified (signature, issuer, audience, expiry, nonce)."""
    return dict(_client().parse_id_token({"id_token": id_token}, nonce=nonce))


def _refused(message: str, why: str, claims: dict | None = None):
    with unit_of_work():
        audit.record("user.sign_in_failed", None, detail={
            "method": "council account", "why": why[:300],
            "email": (claims or {}).get("email"), "address": request.remote_addr})
    return render_template("sign_in.html", errors=[], username="", refused=message), 403
