"""Issue 11 item 8: schemathesis against the API's own OpenAPI document,
in-process (WSGI), with a valid bearer token, on SQLite and PostgreSQL."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from .test_api import token


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
