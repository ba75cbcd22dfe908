"""Fixtures for tests that drive the real app in a headless browser: the app
served over HTTP (CSRF protection on, as in production) and a Playwright page.

Browser tests run on SQLite only: the backend is covered by the other tests,
here what matters is what a person sees."""
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from engine import cache
from engine.db import db
from webforms import create_app

from . import axe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage"]
TIMEOUT_MS = 15_000


@pytest.fixture
def database_url(sqlite_template, tmp_path):
    """Overrides the sqlite/postgresql parametrised fixture: SQLite only here."""
    path = tmp_path / "caseflow.sqlite"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def live_server(database_url, tmp_path):
    """The app served on 127.0.0.1 on a free port; yields its base URL."""
    cache.clear()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "browser-test",
                      # served over plain http://127.0.0.1, like `make run`
                      "SESSION_COOKIE_SECURE": False,
                      # the papers where the `app` fixture's steps upload them, to download in the browser
                      "DOCUMENTS_DIR": str(tmp_path / "documents")})
    assert app.config.get("WTF_CSRF_ENABLED", True), "browser tests run with CSRF protection on"
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free port
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        cache.clear()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser, live_server):
    """A Playwright page in a fresh browser context (no cookies carried over),
    with relative URLs resolved against the live server.  Fails the test if
    the browser met a script error or a missing asset (an unstyled page), or
    if axe-core found an accessibility violation on any page it showed."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = []

    def on_response(response):
        # a page answered 400 (a form with errors) is fine; a missing asset is not
        if response.status >= 400 and response.request.resource_type != "document":
            problems.append(f"HTTP {response.status}: {response.url}")

    def on_console(message):
        # the browser also logs each failed load; those are judged in on_response
        if message.text.startswith("Refused to"):
            problems.append(f"CSP violation: {message.text}")
        elif message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    def on_request_failed(request):
        # ERR_ABORTED: the page was left before the load finished (a favicon, say)
        if request.failure != "net::ERR_ABORTED":
            problems.append(f"request failed: {request.url} {request.failure}")

    # a Content-Security-Policy violation fails the test (Chromium also logs "Refused to ...")
    page.expose_function("_cspViolation", lambda text: problems.append(f"CSP violation: {text}"))
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "window._cspViolation(e.violatedDirective + ' ' + e.blockedURI));")
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    page.on("console", on_console)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    accessibility = axe.install(page)
    try:
        yield page
        assert problems == [], problems
        if not page.is_closed():
            axe.check(page)   # the last state the test left the page in
        assert accessibility.lines() == [], "axe-core found:\n" + "\n".join(accessibility.lines())
    finally:
        context.close()
