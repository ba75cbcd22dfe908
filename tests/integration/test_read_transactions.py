"""engine/read_transactions.py: a request that only read ends its
transaction with COMMIT, so PostgreSQL keeps the statements psycopg
prepared on that connection (issue 16); one that wrote and did not commit
is still rolled back, on both databases."""
import pytest
from sqlalchemy import select, text

from engine import accounts
from engine.db import db
from engine.models import Unit, User
from engine.transaction import unit_of_work
from webforms import create_app


@pytest.fixture
def pg_app(postgresql_url, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgresql_url, "TESTING": True,
                      "SECRET_KEY": "test", "DOCUMENTS_DIR": str(tmp_path / "documents")})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _token(app, username="social-worker") -> str:
    with app.app_context(), unit_of_work():
        user = db.session.scalar(select(User).filter_by(username=username))
        return accounts.issue_token(user)[0]


def _prepared(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_reading_the_task_list_again_and_again_keeps_its_statements_prepared(pg_app):
    token = _token(pg_app)
    client = pg_app.test_client()
    for _ in range(8):
        response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
    prepared = _prepared(pg_app)
    assert any(s.lstrip().startswith("SELECT") and "FROM task" in s for s in prepared), prepared


def test_a_page_that_failed_still_rolls_back_and_the_list_works_after(pg_app):
    token = _token(pg_app)
    client = pg_app.test_client()
    assert client.get("/api/v1/tasks/no-such-task", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_what_was_written_but_not_committed_is_still_rolled_back(app):
    with app.app_context():
        db.session.add(Unit(name="Unit never committed", service="CIN"))
        db.session.flush()  # written to the connection, never committed
    with app.app_context():
        db.session.connection().execute(Unit.__table__.insert(), {"name": "Core row never committed",
                                                                  "service": "CIN"})
    with app.app_context():
        db.session.scalar(select(Unit).filter_by(name="CIN Unit 1")).name = "Renamed, never committed"
    with app.app_context():
        names = set(db.session.scalars(select(Unit.name)))
    assert "CIN Unit 1" in names
    assert not names & {"Unit never committed", "Core row never committed", "Renamed, never committed"}


def test_what_a_read_only_context_loaded_stays_readable_after_it(pg_app):
    with pg_app.app_context():
        units = db.session.scalars(select(Unit).order_by(Unit.name)).all()
    assert "CIN Unit 1" in [unit.name for unit in units]   # not expired by the commit that ended it


def test_a_read_only_context_whose_connection_was_lost_ends_quietly(pg_app, pg_cluster):
    with pg_app.app_context():
        assert db.session.scalar(select(Unit.name).where(Unit.name == "CIN Unit 1")) == "CIN Unit 1"
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        pg_cluster.admin(f"SELECT pg_terminate_backend({backend})")   # the database restarted, say
    with pg_app.app_context():   # the closing commit failed quietly; the next context reads on a new connection
        assert db.session.scalar(select(Unit.name).where(Unit.name == "CIN Unit 1")) == "CIN Unit 1"
