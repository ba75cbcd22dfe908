"""Refuse NUL characters in the path, query and form (issue 11 item 8).

PostgreSQL text cannot hold NUL: a task id, process key or sign-in name with
one raised a database error (a 500). No real input contains one, so every
request carrying one gets a 400 before any view runs.
"""
from flask import Flask, abort, request

_REASON = "The request contained a NUL character, which no field may hold."


def _has_nul(pairs) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in pairs)


def _refuse_nul():
    if "\x00" in request.path or _has_nul(request.args.items(multi=True)):
        abort(400, _REASON)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
            and _has_nul(request.form.items(multi=True)):
        abort(400, _REASON)


def register(app: Flask) -> None:
    app.before_request(_refuse_nul)
