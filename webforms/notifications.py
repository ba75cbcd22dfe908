"""/notifications: a person's notifications, and how they get each kind."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from engine import inbox
from engine.transaction import unit_of_work
from processes import notifications as rules

from .access import permission_required
from .safe_next import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@permission_required("notifications.own")
def notification_list():
    return render_template("notifications.html", notifications=inbox.recent(g.user))


@bp.route("/<int:notification_id>")
@permission_required("notifications.own")
def open_notification(notification_id):
    with unit_of_work():
        note = inbox.open_one(g.user, notification_id)
        if note is None:
            abort(404)
        link = note.link
    return redirect(safe_next(link) or url_for("notifications.notification_list"))


@bp.route("/read", methods=["POST"])
@permission_required("notifications.own")
def mark_all_read():
    with unit_of_work():
        count = inbox.mark_all_read(g.user)
    flash(f"{count} notification{'s' if count != 1 else ''} marked as read." if count else
          "You have no unread notifications.", "success")
    return redirect(url_for("notifications.notification_list"))


@bp.app_context_processor
def _notification_helpers():
    def deliveries_for(current):
        return [{"value": value, "text": text, "checked": value == current}
                for value, text in rules.DELIVERIES.items()]
    return {"kinds": rules.KINDS, "deliveries_for": deliveries_for}


@bp.app_context_processor
def _unread():
    """The count in the header, for the signed-in person (one indexed count)."""
    user = g.get("user")
    return {"unread_notifications": inbox.unread_count(user) if user is not None else 0}


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("notifications.own")
def settings():
    if request.method == "GET":
        return render_template("notification_settings.html", chosen=inbox.choices(g.user), errors=None)
    wanted = {kind: request.form.get(kind, "") for kind in rules.KINDS}
    errors = [(kind, f"Select how you want to hear that: {label.lower()}")
              for kind, label in rules.KINDS.items() if wanted[kind] not in rules.DELIVERIES]
    if errors:
        return render_template("notification_settings.html", chosen=wanted, errors=errors), 400
    with unit_of_work():
        inbox.choose(g.user, wanted)
    flash("Your notification choices are saved.", "success")
    return redirect(url_for("notifications.settings"))
