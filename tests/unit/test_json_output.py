"""The app's JSON answers (webforms/json_output.py): orjson writes the
document Flask's own provider writes, and what orjson refuses is still
answered Flask's way."""
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from flask import jsonify
from flask.json.provider import DefaultJSONProvider

from webforms import create_app


@dataclass
class Point:
    x: int
    label: str


@pytest.fixture
def app(tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.sqlite'}", "TESTING": True,
                       "SECRET_KEY": "test"})


@pytest.mark.parametrize("value", [
    {"b": 1, "a": [1, 2.5, None, True], "c": {"z": "Bó", "y": "<b>"}},
    {"when": datetime(2026, 12, 3, 14, 5, tzinfo=timezone.utc), "day": date(2026, 12, 3)},
    {"id": UUID("12345678-1234-5678-1234-567812345678"), "amount": Decimal("2.50"), "point": Point(3, "p")},
    {"big": 10**30},
])
def test_an_answer_is_the_document_flasks_provider_writes(app, value):
    with app.test_request_context():
        answer = jsonify(value)
        flasks = DefaultJSONProvider(app).response(value)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert json.loads(answer.get_data()) == json.loads(flasks.get_data())
    assert list(json.loads(answer.get_data())) == sorted(value)   # keys sorted, as Flask sorts them
