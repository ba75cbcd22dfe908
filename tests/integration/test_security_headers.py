"""Issue 11 item 7: security headers, a strict CSP, no-store on data, Secure cookie."""
import re

from tests.conftest import sign_in
from webforms import create_app


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (p.strip() for p in policy.split(";")) if d}


def test_signed_in_page_carries_strict_headers_and_is_not_stored(client):
    sign_in(client, "group-manager")
    response = client.get("/manage/overdue")
    assert response.status_code == 200
    csp = _csp(response)
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["style-src-elem"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["Cache-Control"] == "no-store"


def test_every_inline_script_carries_this_responses_nonce(client):
    sign_in(client, "group-manager")
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", _csp(response)["script-src"]).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    inline = [attrs for attrs, body in scripts if body.strip() and "src=" not in attrs
              and 'type="application/json"' not in attrs]
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert nonce not in client.get("/").headers["Content-Security-Policy"]  # fresh per response


def test_sign_in_page_and_api_answers_are_not_stored_but_static_files_may_be(client):
    assert client.get("/sign-in").headers["Cache-Control"] == "no-store"
    api = client.get("/api/v1/openapi.json")
    assert api.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in api.headers
    static = client.get("/static/caseflow.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert static.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_outside_local_development(database_url, monkeypatch):
    monkeypatch.delenv("CASEFLOW_SECURE_COOKIES", raising=False)
    deployed = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    # the sign-in form puts its CSRF token in the session: the cookie is set
    cookies = [c for c in deployed.test_client().get("/sign-in").headers.getlist("Set-Cookie")
               if c.startswith("session=")]
    assert cookies and all("; Secure" in c for c in cookies)
    monkeypatch.setenv("CASEFLOW_SECURE_COOKIES", "0")
    demo = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x"})
    assert demo.config["SESSION_COOKIE_SECURE"] is False
    testing = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x", "TESTING": True})
    monkeypatch.delenv("CASEFLOW_SECURE_COOKIES")
    assert testing.config["SESSION_COOKIE_SECURE"] is False
