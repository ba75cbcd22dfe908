"""Sign-in with the council's accounts (issue 14 §1), against a real OpenID
Provider (npm oidc-provider) started here on loopback, in real Chromium."""
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from playwright.sync_api import expect
from werkzeug.serving import make_server

from engine import cache
from engine.db import db
from webforms import create_app

from ..integration.mail_steps import free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "caseflow", "a-long-client-secret-for-the-test-provider"
KEY = RSAKey.generate_key(2048, parameters={"kid": "test-signing-key", "use": "sig", "alg": "RS256"}, private=True)


@pytest.fixture
def council(tmp_path, database_url):
    """The provider and caseflow, each told of the other: yields (app, caseflow URL, issuer)."""
    app_port, provider_port = free_port(), free_port()
    base = f"http://127.0.0.1:{app_port}"
    config = tmp_path / "provider.json"
    config.write_text(json.dumps({"port": provider_port, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                  "redirect_uri": f"{base}/sign-in/council/callback",
                                  "jwks": {"keys": [KEY.as_dict(private=True)]}}))
    provider = subprocess.Popen(["node", str(ROOT / "tests" / "oidc" / "provider.mjs"), str(config)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = []
    for line in provider.stdout:   # (it may warn first, e.g. of the Node.js version)
        said.append(line)
        if line.startswith("listening") or len(said) > 20:
            break
    assert said and said[-1].startswith("listening"), f"the OpenID provider did not start: {said}"
    issuer = f"http://127.0.0.1:{provider_port}"
    cache.clear()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "oidc-test",
                      "SESSION_COOKIE_SECURE": False, "CASEFLOW_OIDC_ISSUER": issuer,
                      "CASEFLOW_OIDC_CLIENT_ID": CLIENT_ID, "CASEFLOW_OIDC_CLIENT_SECRET": CLIENT_SECRET})
    server = make_server("127.0.0.1", app_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, base, issuer
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        provider.terminate()
        provider.wait(10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _through_the_provider(page, base, login):
    page.goto(f"{base}/sign-in")
    page.get_by_role("button", name="Sign in with your council account").click()
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()   # the provider's consent


def test_a_person_in_the_register_signs_in_with_their_council_account(council, browser):
    app, base, _ = council
    context = browser.new_context()
    page = context.new_page()
    try:
        _through_the_provider(page, base, "social-worker")        # social-worker@example.org
        expect(page.get_by_role("heading", name="My tasks", level=1)).to_be_visible()
        expect(page.get_by_role("banner")).to_contain_text("Demo Social Worker, Social Worker")
    finally:
        context.close()


def test_someone_not_in_the_register_is_refused_in_plain_words(council, browser):
    app, base, _ = council
    context = browser.new_context()
    page = context.new_page()
    try:
        _through_the_provider(page, base, "stranger")
        expect(page.locator("#refused")).to_contain_text(
            "Your council account (stranger@example.org) is not in caseflow's register of people")
        page.goto(f"{base}/")
        expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    finally:
        context.close()


def _token(issuer, **changes):
    now = int(time.time())
    claims = {"iss": issuer, "aud": CLIENT_ID, "sub": "social-worker", "email": "social-worker@example.org",
              "iat": now, "exp": now + 600, "nonce": "n-1"}
    claims.update(changes)
    return jwt.encode({"alg": "RS256", "kid": "test-signing-key"}, claims, KEY)


def test_only_an_untouched_unexpired_id_token_of_the_issuer_is_accepted(council):
    from webforms import oidc
    app, _, issuer = council
    with app.test_request_context():
        assert oidc.verify_id_token(_token(issuer), "n-1")["email"] == "social-worker@example.org"
        header, payload, signature = _token(issuer).split(".")
        forged = json.loads(_b64decode(payload))
        forged["email"] = "assistant-director@example.org"
        tampered = ".".join([header, _b64encode(json.dumps(forged)), signature])
        expired = _token(issuer, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
        for bad, nonce in ((tampered, "n-1"), (expired, "n-1"), (_token(issuer), "another nonce"),
                           (_token("http://elsewhere.example"), "n-1"), (_token(issuer, aud="other"), "n-1")):
            with pytest.raises(Exception) as refused:
                oidc.verify_id_token(bad, nonce)
            assert type(refused.value).__module__.startswith(("joserfc", "authlib")), refused.value


def _b64decode(part: str) -> bytes:
    import base64
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(text: str) -> str:
    import base64
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
