"""SQLite has one writer: a start that cannot get the write lock in time is
told so (503 with a reason on the API, the message on the case page), not a 500.
SQLite only: PostgreSQL has no database-wide write lock."""
import shutil
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from engine import cache, runtime
from engine.db import db
from engine.models import Case, ProcessInstance
from webforms import create_app

from ..conftest import sign_in
from .test_api import auth, token


@pytest.fixture
def busy_app(request, sqlite_template, tmp_path):
    """The app on SQLite, waiting 0.2 s for the write lock (or the seconds given as param)."""
    path = tmp_path / "caseflow.sqlite"
    shutil.copy(sqlite_template, path)
    cache.clear()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "SQLITE_BUSY_TIMEOUT": getattr(request, "param", 0.2),
                      "DOCUMENTS_DIR": str(tmp_path / "documents")})
    app.config["caseflow_test_db_path"] = path
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cache.clear()


@contextmanager
def another_writer(app):
    """Another process holding SQLite's write lock."""
    conn = sqlite3.connect(app.config["caseflow_test_db_path"], isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def _case_id(app):
    with app.app_context():
        return db.session.scalar(select(Case.id).filter_by(reference="CIN-0001"))


def _instances(app):
    with app.app_context():
        return db.session.scalar(select(func.count(ProcessInstance.id)))


def test_an_api_start_meeting_the_write_lock_is_a_503_with_a_reason(busy_app):
    client = busy_app.test_client()
    sw = token(busy_app, "social-worker")
    case_id, before = _case_id(busy_app), _instances(busy_app)
    with another_writer(busy_app):
        answer = client.post("/api/v1/instances", headers=auth(sw),
                             json={"process": "jarp_referral", "case_id": case_id})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.json == {"error": runtime.BUSY_MESSAGE}
    assert _instances(busy_app) == before
    again = client.post("/api/v1/instances", headers=auth(sw), json={"process": "jarp_referral", "case_id": case_id})
    assert again.status_code == 201


def test_a_page_start_meeting_the_write_lock_says_so_on_the_case_page(busy_app):
    client = busy_app.test_client()
    sign_in(client, "social-worker")
    case_id, before = _case_id(busy_app), _instances(busy_app)
    with another_writer(busy_app):
        answer = client.post(f"/cases/{case_id}/start/jarp_referral")
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{case_id}")
    assert runtime.BUSY_MESSAGE in client.get(answer.location).text
    assert _instances(busy_app) == before


@pytest.mark.parametrize("busy_app", [5], indirect=True)
def test_a_completion_waits_for_a_write_lock_held_briefly(busy_app):
    """The lock is waited for (engine/sqlite_write_lock.py), up to the timeout:
    a writer holding it for a moment delays a completion, it does not fail it."""
    import threading
    import time
    from .test_api import REFERRAL
    client = busy_app.test_client()
    sw = token(busy_app, "social-worker")
    started = client.post("/api/v1/instances", headers=auth(sw), json={"process": "jarp_referral",
                                                                         "case_id": _case_id(busy_app)})
    [task] = [t for t in started.json["tasks"] if t["state"] == "ready"]
    holding, released = threading.Event(), []

    def hold_then_release():
        with another_writer(busy_app):
            holding.set()
            time.sleep(0.3)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold_then_release)
    holder.start()
    holding.wait(5)
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=auth(sw), json={"data": REFERRAL})
    finished = time.monotonic()
    holder.join()
    assert done.status_code == 200, done.json
    assert released and finished >= released[0]   # it waited for the other writer
