"""Security headers on every response (issue 11 item 7).

Scripts run only from our own origin or with this response's nonce (the one
inline script is govuk-frontend's js-enabled line in its page template).
Styles: bpmn-js sets style attributes on the SVG it draws, so style
*attributes* are allowed inline; style elements must still come from 'self'.
"""
import secrets

from flask import Flask, g, has_request_context, request

_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self'",
        "style-src-elem 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _add_headers(response):
    response.headers["Content-Security-Policy"] = _policy(_nonce())
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    # Pages and API answers may hold children's data: never stored by a
    # browser or proxy. Static files carry no data and may be cached.
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def register(app: Flask) -> None:
    app.after_request(_add_headers)
    # govuk_frontend_jinja's template.html puts {{ cspNonce }} on its inline script
    app.context_processor(lambda: {"cspNonce": _nonce()} if has_request_context() else {})
