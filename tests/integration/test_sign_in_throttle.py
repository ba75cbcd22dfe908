"""Sign-in is refused for a while after too many failures, for a name or an
address, with the counts in the database (issue 11, item 4)."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import accounts
from engine.db import db
from engine.models import AuditEvent, SignInFailure
from engine.transaction import unit_of_work
from webforms import create_app, demo

from ..conftest import page, text


def _try(client, username, password, address="10.0.0.1"):
    return client.post("/sign-in", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _actions(app):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_five_failures_for_a_name_lock_it_even_for_the_right_password(app, client):
    for _ in range(5):
        response = _try(client, "social-worker", "wrong")
        assert response.status_code == 400
    refused = _try(client, "social-worker", demo.DEMO_PASSWORD)
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in text(refused)
    assert page(refused).select_one("form input[name=username]") is not None
    # another name from the same address is not locked by this one
    assert _try(client, "group-manager", demo.DEMO_PASSWORD).status_code == 302
    actions = _actions(app)
    assert actions.count("user.sign_in_failed") == 5
    assert actions.count("user.locked_out") == 1
    assert actions[-1] == "user.signed_in"


def test_twenty_failures_from_one_address_lock_it(app, client):
    for n in range(20):
        assert _try(client, f"nobody-{n}", "wrong", "10.9.9.9").status_code == 400
    assert _try(client, "social-worker", demo.DEMO_PASSWORD, "10.9.9.9").status_code == 429
    # the same person from another address still gets in
    assert _try(client, "social-worker", demo.DEMO_PASSWORD, "10.1.1.1").status_code == 302


def test_a_failure_for_an_unknown_name_is_audited_with_the_name(app, client):
    _try(client, "no-such-person", "x")
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).filter_by(action="user.sign_in_failed")).one()
    assert event.actor_id is None
    assert event.detail["username"] == "no-such-person"


def test_twenty_guesses_at_once_compare_at_most_five_passwords(app):
    """Each attempt is committed before its password is compared, so guesses
    racing each other cannot all see a count under the limit (finding 13)."""
    barrier = threading.Barrier(20)
    codes = []

    def guess(n):
        client = app.test_client()
        barrier.wait()
        codes.append(_try(client, "social-worker", f"wrong-{n}", f"10.0.1.{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == 20 and set(codes) <= {400, 429}, codes
    # one for each password compared and wrong; none at all if every attempt was in before any counted
    compared = _actions(app).count("user.sign_in_failed")
    assert compared <= 5 and codes.count(400) == compared, codes
    assert _try(app.test_client(), "social-worker", demo.DEMO_PASSWORD).status_code == 429


def test_a_success_clears_no_failure_before_it(app, client):
    for _ in range(4):
        assert _try(client, "social-worker", "wrong").status_code == 400
    assert _try(app.test_client(), "social-worker", demo.DEMO_PASSWORD).status_code == 302
    assert _try(client, "social-worker", "wrong").status_code == 400      # the fifth failure
    assert _try(app.test_client(), "social-worker", demo.DEMO_PASSWORD).status_code == 429
    with app.app_context():
        attempts = db.session.execute(select(SignInFailure.succeeded).order_by(SignInFailure.id)).scalars().all()
    assert attempts == [False] * 4 + [True] + [False] * 2     # the success is kept, marked


def test_attempts_older_than_a_day_are_pruned_on_a_failure(app, client):
    with app.app_context():
        with unit_of_work():
            now = accounts.real_now()
            db.session.add_all([SignInFailure(at=now - timedelta(days=2), username="old", address="10.0.0.9"),
                                SignInFailure(at=now - timedelta(hours=2), username="recent", address="10.0.0.9")])
    _try(client, "social-worker", "wrong")
    with app.app_context():
        assert set(db.session.scalars(select(SignInFailure.username))) == {"recent", "social-worker"}


@pytest.fixture
def proxied_app(database_url, tmp_path):
    """The app as deployed behind one TLS proxy (CASEFLOW_PROXY_COUNT=1)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "test", "DOCUMENTS_DIR": str(tmp_path / "documents"),
                      "CASEFLOW_PROXY_COUNT": 1})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_behind_a_proxy_the_address_counted_is_the_clients(proxied_app):
    client = proxied_app.test_client()

    def via_proxy(username, password, forwarded_for):
        return client.post("/sign-in", data={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": "10.0.0.254"},
                           headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"})

    for n in range(20):
        assert via_proxy(f"nobody-{n}", "wrong", "203.0.113.7").status_code == 400
    assert via_proxy("social-worker", demo.DEMO_PASSWORD, "203.0.113.7").status_code == 429
    # someone else behind the same proxy is not locked out by that address
    assert via_proxy("social-worker", demo.DEMO_PASSWORD, "198.51.100.2").status_code == 302
    with proxied_app.app_context():
        addresses = set(db.session.scalars(select(SignInFailure.address)))
    assert addresses == {"203.0.113.7", "198.51.100.2"}
