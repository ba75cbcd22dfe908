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


def _policy(script_src: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
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


# Made once: a page's policy names its nonce; a response no template made
# (an API answer, a redirect, a file) has no inline script to allow.
_WITH_NONCE = _policy("'self' 'nonce-{}'")
_WITHOUT_NONCE = _policy("'self'")


def _add_headers(response):
    nonce = g.get("csp_nonce")
    headers = response.headers
    headers["Content-Security-Policy"] = _WITH_NONCE.format(nonce) if nonce else _WITHOUT_NONCE
    for name, value in _HEADERS.items():
        if name not in headers:
            headers.add(name, value)
    # Pages and API answers may hold children's data: never stored by a
    # browser or proxy. Static files carry no data and may be cached.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def register(app: Flask) -> None:
    app.after_request(_add_headers)
    # govuk_frontend_jinja's template.html puts {{ cspNonce }} on its inline script
    app.context_processor(lambda: {"cspNonce": _nonce()} if has_request_context() else {})
