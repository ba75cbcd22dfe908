"""Sign-in is refused for a while after too many failures, for a name or an
address, with the counts in the database (issue 11, item 4)."""
from sqlalchemy import select

from engine.db import db
from engine.models import AuditEvent
from webforms import demo

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
