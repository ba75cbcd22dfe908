"""Issue 11 item 8: schemathesis against the API's own OpenAPI document,
in-process (WSGI), with a valid bearer token, on SQLite and PostgreSQL."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .test_api import token
from .test_api_people_instances import start_as


@pytest.fixture
def api_schema(app):
    return schemathesis.from_wsgi("/api/v1/openapi.json", app, force_schema_version="30")


@pytest.fixture
def bearer(app):
    return {"Authorization": f"Bearer {token(app, 'process-owner')}"}


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_never_answers_a_server_error_and_matches_its_document(case, bearer):
    case.call_and_validate(headers=bearer, checks=(schemathesis.checks.not_a_server_error,
                                                   schemathesis.checks.response_schema_conformance))


# Issue 14 §4: the lists, as the posts that get rows from them call them (a
# Process Owner is refused the people and sees no instances), over a database
# with a running instance, so pages hold real rows and the trail real events.
lists = schemathesis.from_pytest_fixture("api_schema").include(
    method="GET", path_regex=r"/people|/instances$|/audit$")


@pytest.fixture
def started(app):
    return start_as(app, "social-worker", "CIN-0001", 20)


@pytest.fixture
def readers(app, started):
    """The System administrator for the register, the Assistant Director (every case) for the rest."""
    return {"people": {"Authorization": f"Bearer {token(app, 'system-administrator')}"},
            "other": {"Authorization": f"Bearer {token(app, 'assistant-director')}"}}


@lists.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_lists_answer_in_their_schema_for_those_they_serve(case, readers):
    headers = readers["people" if "/people" in case.path else "other"]
    case.call_and_validate(headers=headers, checks=(schemathesis.checks.not_a_server_error,
                                                    schemathesis.checks.response_schema_conformance))
