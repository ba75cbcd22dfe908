"""An answer that must be a regular expression (`format: regex` in the form's
schema) is checked with RE2, as the schema's own patterns are: a pattern RE2
cannot take is refused in plain words, over the API and on the page, and one
it takes is accepted."""
import pytest

from ..conftest import error_summary, page, sign_in
from .manage_steps import REPAIR_BPMN, deploy, instance, open_tasks, start
from .test_api import auth, token

FORM = "matching_rule.schema.json"
SCHEMA = {"type": "object", "required": ["rule", "count"],
          "properties": {"rule": {"type": "string", "format": "regex", "title": "Matching rule"},
                         "count": {"type": "integer", "title": "Count"}}}


def deploy_with_form(app) -> None:
    """repair_steps whose first task asks for a matching rule."""
    xml = REPAIR_BPMN.read_text().replace(
        '<spiffworkflow:property name="dueWorkingDays" value="2" />',
        '<spiffworkflow:property name="dueWorkingDays" value="2" />'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{FORM}" />', 1)
    assert FORM in xml
    from engine import specs
    from engine.transaction import unit_of_work
    with app.app_context(), unit_of_work():
        specs.deploy(xml.encode(), REPAIR_BPMN.name, forms={FORM: SCHEMA})


def prepared(app) -> tuple[int, str]:
    deploy_with_form(app)
    instance_id = start(app)
    [task] = open_tasks(app, instance_id)
    return instance_id, task.id


@pytest.mark.parametrize("rule, why", [
    ("^(?=CIN)", "invalid perl operator: (?="),      # Python's re takes look-ahead
    (r"(a)\1", r"invalid escape sequence: \1"),      # and back-references
    ("(CIN", "missing ): (CIN"),
])
def test_an_api_answer_re2_cannot_take_is_refused_in_plain_words(app, client, rule, why):
    instance_id, task_id = prepared(app)
    answer = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(token(app, "social-worker")),
                         json={"data": {"rule": rule, "count": 1}})
    assert answer.status_code == 422
    [error] = answer.json["errors"]
    assert error["field"] == "rule"
    assert error["message"] == (f"‘Matching rule’ is not a pattern that can be used: {why}. Patterns may "
                                r"not use look-ahead, look-behind or back-references (\1), which can make "
                                "checking an answer take minutes.")
    assert [t.id for t in open_tasks(app, instance_id)] == [task_id]


def test_an_api_answer_re2_takes_is_accepted(app, client):
    instance_id, task_id = prepared(app)
    # catastrophic for a backtracking engine when matched, harmless for RE2
    answer = client.post(f"/api/v1/tasks/{task_id}/complete", headers=auth(token(app, "social-worker")),
                         json={"data": {"rule": "^(a+)+$", "count": 1}})
    assert answer.status_code == 200, answer.json
    assert [t.element_id for t in open_tasks(app, instance_id)] == ["Task_check"]
    assert instance(app, instance_id).status == "running"


def test_the_page_shows_the_refusal_with_every_error_and_keeps_the_answer(app, client):
    _instance_id, task_id = prepared(app)
    sign_in(client, "social-worker")
    shown = client.post(f"/tasks/{task_id}", data={"rule": "^(?!CIN)", "count": ""})
    assert shown.status_code == 400
    assert error_summary(shown) == [
        "‘Matching rule’ is not a pattern that can be used: invalid perl operator: (?!. Patterns may not use "
        r"look-ahead, look-behind or back-references (\1), which can make checking an answer take minutes.",
        "Enter count"]
    assert page(shown).select_one("input[name=rule]")["value"] == "^(?!CIN)"
