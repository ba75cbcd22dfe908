"""The person's own page: their API tokens, issued (shown once) and revoked here."""
from flask import abort, g, render_template, request

from engine import accounts, audit
from engine.transaction import unit_of_work

from .access import permission_required
from .auth import THROTTLED, bp, check_attempt

LABEL_MAX = 80


def _page(status=200, **extra):
    return render_template("account.html", tokens=accounts.tokens_of(g.user),
                           now=accounts.real_now(), **extra), status


@bp.route("/account")
@permission_required("account.manage")
def account():
    return _page()


@bp.route("/account/tokens", methods=["POST"])
@permission_required("account.manage")
def issue_token():
    """A token is as good as a sign-in for 90 days: the person's current
    password is asked for again, and a wrong one counts as a failed sign-in."""
    label = request.form.get("label", "").strip()
    errors = []
    if not label or len(label) > LABEL_MAX:
        errors.append(("label", f"Use {LABEL_MAX} characters or fewer" if label else "Enter what the token is for"))
    password = request.form.get("password", "")
    if not password:
        errors.append(("password", "Enter your password"))
    elif not errors:
        outcome = check_attempt(g.user, g.user.username, password)
        if outcome == "throttled":
            return _page(429, errors=[("password", THROTTLED)], label=label)
        if outcome == "wrong":
            errors.append(("password", "The password is not right"))
    if errors:
        return _page(400, errors=errors, label=label)
    with unit_of_work():
        token, row = accounts.issue_token(g.user, label)
        audit.record("user.token_issued", g.user, detail={"token_id": row.id, "label": label})
    return _page(new_token=token, new_label=label)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@permission_required("account.manage")
def revoke_token(token_id):
    with unit_of_work():
        row = accounts.revoke_token(g.user, token_id)
        if row is None:
            abort(404)
        audit.record("user.token_revoked", g.user, detail={"token_id": row.id, "label": row.label})
    return _page(revoked=row.label)
