"""Fixtures: an app per test on a fresh database (SQLite or PostgreSQL), made
from a migrated, deployed and seeded template so each test starts clean."""
import itertools
import re
import shutil

import freezegun
import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade

from engine import cache
from engine.db import db
from engine import specs
from engine.transaction import unit_of_work
from webforms import create_app, demo

from .pg import Cluster

BACKENDS = ["sqlite", "postgresql"]

# Frozen time is for the procedures' rules.  The session cookie's signature
# carries the real time it was made at, and itsdangerous refuses one from the
# future or older than the session lifetime: signing and checking it on the
# real clock keeps a sign-in valid whatever moment a test freezes, and
# whatever day the suite runs on.
freezegun.configure(extend_ignore_list=["itsdangerous"])
_counter = itertools.count()


def _build_template(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        with unit_of_work():
            specs.deploy_directory(__import__("pathlib").Path(app.config["BPMN_DIR"]))
            demo.seed()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    _build_template(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = Cluster()
    cluster.start()
    cluster.admin("CREATE DATABASE caseflow_template")
    _build_template(cluster.url("caseflow_template"))
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "caseflow.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield request.getfixturevalue("postgresql_url")


@pytest.fixture
def postgresql_url(pg_cluster):
    """A fresh PostgreSQL database from the template (for a test about PostgreSQL alone)."""
    name = f"test_{next(_counter)}"
    pg_cluster.admin(f"CREATE DATABASE {name} TEMPLATE caseflow_template")
    yield pg_cluster.url(name)
    pg_cluster.admin(f"DROP DATABASE {name} WITH (FORCE)")


@pytest.fixture
def app(database_url, tmp_path):
    cache.clear()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "DOCUMENTS_DIR": str(tmp_path / "documents")})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    cache.clear()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign_in(client, username):
    response = client.post("/sign-in", data={"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, response.text
    return client


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def error_summary(response) -> list[str]:
    soup = page(response)
    box = soup.select_one(".govuk-error-summary")
    return [li.get_text(" ", strip=True) for li in box.select("li")] if box else []


def text(response) -> str:
    return re.sub(r"\s+", " ", page(response).get_text(" ", strip=True))
