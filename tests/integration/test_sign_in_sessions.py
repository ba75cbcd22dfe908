"""Sign-in: where it sends a person, server-side sessions that end (sign-out,
idle, absolute age, new password, deactivation), and the audit of it all."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine import accounts
from engine.db import db
from engine.models import AuditEvent, AuthSession, User
from engine.transaction import unit_of_work
from webforms import demo

from ..conftest import page, sign_in, text


def _post_sign_in(client, next_=None, username="social-worker"):
    url = "/sign-in" + (f"?next={next_}" if next_ is not None else "")
    return client.post(url, data={"username": username, "password": demo.DEMO_PASSWORD})


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/%5Cevil.example",
                                    "/%09/evil.example", "/x%0d%0aSet-Cookie:%20a=b", "javascript:alert(1)"])
def test_sign_in_never_sends_a_person_to_another_site(client, target):
    response = _post_sign_in(client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"   # My tasks


def test_sign_in_goes_back_to_the_page_asked_for(client):
    response = _post_sign_in(client, "/cases%3Fq%3Dx")
    assert response.status_code == 302
    assert response.headers["Location"] == "/cases?q=x"


def _actions(app):
    with app.app_context():
        return [a for a in db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id))]


def test_a_copied_cookie_is_refused_after_sign_out(app, client):
    sign_in(client, "social-worker")
    assert client.get("/").status_code == 200
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/").status_code == 200
    client.post("/sign-out")
    refused = copy.get("/")
    assert refused.status_code == 302 and "/sign-in" in refused.headers["Location"]
    assert "You were signed out elsewhere" in text(copy.get("/sign-in"))
    assert _actions(app)[-2:] == ["user.signed_in", "user.signed_out"]


def _age_sessions(app, **ago):
    with app.app_context():
        with unit_of_work():
            db.session.execute(update(AuthSession).values(
                **{column: accounts.real_now() - delta for column, delta in ago.items()}))


def test_a_session_left_idle_for_30_minutes_ends(app, client):
    sign_in(client, "social-worker")
    _age_sessions(app, last_seen_at=timedelta(minutes=29))
    assert client.get("/").status_code == 200
    _age_sessions(app, last_seen_at=timedelta(minutes=31))
    response = client.get("/")
    assert response.status_code == 302
    notice = page(client.get("/sign-in")).select_one(".govuk-notification-banner")
    assert "had not used Caseflow for a while" in notice.get_text()


def test_a_session_ends_10_hours_after_sign_in_however_busy(app, client):
    sign_in(client, "social-worker")
    _age_sessions(app, created_at=timedelta(hours=10, minutes=1))
    assert client.get("/").status_code == 302
    assert "signed in for too long" in text(client.get("/sign-in"))


def test_sessions_outlive_a_frozen_clock(app, client):
    from freezegun import freeze_time
    sign_in(client, "social-worker")
    with freeze_time("2031-06-01 12:00"):
        assert client.get("/").status_code == 200


def test_last_seen_is_written_at_most_once_a_minute(app, client):
    sign_in(client, "social-worker")
    with app.app_context():
        first = db.session.scalar(select(AuthSession.last_seen_at))
    client.get("/")
    with app.app_context():
        assert db.session.scalar(select(AuthSession.last_seen_at)) == first
    _age_sessions(app, last_seen_at=timedelta(minutes=2))
    client.get("/")
    with app.app_context():
        assert accounts.real_now() - db.session.scalar(select(AuthSession.last_seen_at)) < timedelta(minutes=1)


def test_a_new_password_ends_every_session(app, client, runner):
    sign_in(client, "social-worker")
    other = sign_in(app.test_client(), "social-worker")
    result = runner.invoke(args=["set-password", "social-worker"], input="new-secret-1\nnew-secret-1\n")
    assert result.exit_code == 0, result.output
    for c in (client, other):
        assert c.get("/").status_code == 302
    assert "your password was changed" in text(client.get("/sign-in"))
    response = client.post("/sign-in", data={"username": "social-worker", "password": "new-secret-1"})
    assert response.status_code == 302
    assert "user.password_set" in _actions(app)


def test_deactivating_a_person_ends_their_sessions(app, client, runner):
    sign_in(client, "social-worker")
    result = runner.invoke(args=["deactivate", "social-worker"])
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302
    assert "your account was closed" in text(client.get("/sign-in"))
    assert _post_sign_in(client).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(User.active).filter_by(username="social-worker")) is False


def test_the_cookie_holds_no_user_id(client):
    sign_in(client, "social-worker")
    from flask.sessions import SecureCookieSessionInterface
    app = client.application
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    data = serializer.loads(client.get_cookie("session").value)
    assert "user_id" not in data and "sid" in data


def test_signing_in_again_ends_the_earlier_session_first(app, client):
    sign_in(client, "social-worker")
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/").status_code == 200
    sign_in(client, "group-manager")       # the same browser, without signing out
    assert "Demo Group Manager" in text(client.get("/"))
    refused = copy.get("/")
    assert refused.status_code == 302 and "/sign-in" in refused.headers["Location"]
    assert "someone signed in again in the browser you used" in text(copy.get("/sign-in"))
    with app.app_context():
        ended = db.session.scalars(select(AuthSession.end_reason).order_by(AuthSession.id)).all()
    assert ended == ["signed_in_again", None]
    assert _actions(app)[-3:] == ["user.signed_in", "user.signed_out", "user.signed_in"]
