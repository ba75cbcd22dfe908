"""Route decorators declaring each route's permission (engine.permissions).

Every route declares one: `@permission_required("case.read")`, or `@public`
for the few that need no one signed in.  tests/integration/test_permissions.py
walks the URL map and fails on a route that declares neither.
"""
import functools

from flask import abort, g, jsonify, redirect, request, url_for

from engine import permissions

PUBLIC = "public"


def _declare(wrapped, name: str):
    wrapped.permission = name
    return wrapped


def public(view):
    """No permission needed (sign-in, the OpenAPI description)."""
    return _declare(view, PUBLIC)


def permission_required(name: str):
    permissions.holders(name)  # an unknown name fails when the module loads, not on a request

    def decorator(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            if g.user is None:
                if request.blueprint == "api":
                    return jsonify({"error": "Send a valid API token: Authorization: Bearer <token>."}), 401
                return redirect(url_for("auth.login", next=request.full_path))
            if not permissions.can(g.user, name):
                if request.blueprint == "api":
                    return jsonify({"error": f"Your post does not have the permission {name}."}), 403
                abort(403)
            return view(**kwargs)
        return _declare(wrapped, name)
    return decorator


def register(app) -> None:
    """`can('process.deploy')` in templates, for the signed-in person; static files are public."""
    static = app.view_functions.get("static")
    if static is not None:
        @functools.wraps(static)
        def static_files(**kwargs):
            return static(**kwargs)
        app.view_functions["static"] = public(static_files)
    app.jinja_env.globals["can"] = lambda name, obj=None: permissions.can(g.get("user"), name, obj)
