"""Error pages: a clear message, never a stack trace."""
from flask import jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from engine.runtime import BUSY_MESSAGE
from engine.transaction import Conflict

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to do that.",
    404: "Page not found. If you typed the web address, check it is correct.",
    405: "That action is not possible on this page.",
    413: "The selected file must be smaller than 20MB. Nothing was saved.",
}


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _page(400, "The form had expired or was sent from another page. Go back, "
                          "reload the page and try again; nothing was saved.")

    @app.errorhandler(Conflict)
    @app.errorhandler(OperationalError)
    def busy(exc):
        # SQLite's one writer: a write that waited its time for the lock (a
        # view's unit of work, or a write outside one) is told to try again
        if isinstance(exc, OperationalError) and "database is locked" not in str(exc):
            raise exc
        response = make_response(_page(503, BUSY_MESSAGE))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc):
        description = exc.description if exc.code == 400 and exc.description else None
        return _page(exc.code, description or MESSAGES.get(exc.code, exc.name))


def _page(status, message):
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), status
    return render_template("error.html", status=status, message=message), status
