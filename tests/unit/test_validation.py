"""The diagram validator (engine/validation.py): each rule on a small inline
diagram, the product's diagrams pass, and every BPMN MIWG reference model
gets plain reasons (never an exception) why it cannot be deployed."""
import json
import re
from pathlib import Path

import pytest

from engine import specs
from engine.validation import Problem, validate

ROOT = Path(__file__).resolve().parents[2]
MIWG = ROOT / "tests" / "data" / "miwg"
FORMS = specs.load_forms_dir(ROOT / "bpmn" / "forms")
FORM = "jarp_decision_received.schema.json"
KNOWN = {"jarp_referral", "jarp_review", "case_transfer", "rapid_response_review"}

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Definitions_t" targetNamespace="http://caseflow.example/test">')


def user_task(task_id, name="Do it", form=FORM, extra=""):
    props = f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />' if form else ""
    return (f'<bpmn:userTask id="{task_id}" name="{name}"><bpmn:extensionElements>'
            f'<spiffworkflow:properties>{props}{extra}</spiffworkflow:properties>'
            f'</bpmn:extensionElements></bpmn:userTask>')


def flow(flow_id, source, target, condition=None, name=None):
    named = f' name="{name}"' if name else ""
    cond = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
            '</bpmn:conditionExpression>') if condition is not None else ""
    return f'<bpmn:sequenceFlow id="{flow_id}"{named} sourceRef="{source}" targetRef="{target}">{cond}</bpmn:sequenceFlow>'


def diagram(body, lane_refs=None, lane="Social Worker", executable="true", pool=True, process_id="p"):
    """A process in one pool with one lane holding `lane_refs` (default: every id)."""
    ids = lane_refs if lane_refs is not None else re.findall(
        r'<bpmn:(?!sequenceFlow)\w+ id="([^"]+)"', body)
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    collab = (f'<bpmn:collaboration id="Collab"><bpmn:participant id="Pool" name="Pool" '
              f'processRef="{process_id}" /></bpmn:collaboration>') if pool else ""
    lanes = (f'<bpmn:laneSet id="LaneSet"><bpmn:lane id="Lane" name="{lane}">{refs}</bpmn:lane>'
             '</bpmn:laneSet>') if lane is not None else ""
    return (f'{HEAD}{collab}<bpmn:process id="{process_id}" name="Test" isExecutable="{executable}">'
            f'{lanes}{body}</bpmn:process></bpmn:definitions>').encode()


def simple(middle, first="T1", last="T1"):
    """start → middle → end."""
    return ('<bpmn:startEvent id="S" />' + middle + '<bpmn:endEvent id="E" />'
            + flow("f_start", "S", first) + flow("f_end", last, "E"))


def problems_for(xml, forms=FORMS, known=KNOWN):
    return validate(xml, forms, known)


def about(problems, element):
    return [p.message for p in problems if p.element_id == element]


def test_a_good_diagram_has_no_problems():
    assert problems_for(diagram(simple(user_task("T1")))) == []


@pytest.mark.parametrize("path", sorted((ROOT / "bpmn").glob("*.bpmn")), ids=lambda p: p.name)
def test_the_product_diagrams_pass(path):
    assert validate(path.read_bytes(), FORMS, KNOWN | {"panel_booking", "panel_place_offered",
                                                       "resource_panel_referral", "resource_panel_review"}) == []


def test_not_well_formed_xml_is_reported_not_raised():
    problems = problems_for(b"<bpmn:definitions><oops></bpmn:definitions>")
    assert len(problems) == 1 and problems[0].element_id is None
    assert "not well-formed XML" in problems[0].message


def test_a_file_that_is_not_bpmn():
    assert "not a BPMN 2.0 file" in problems_for(b"<html><body/></html>")[0].message


def test_not_executable():
    problems = problems_for(diagram(simple(user_task("T1")), executable="false"))
    assert about(problems, "p") == [
        "The process ‘Test’ is marked as not executable (isExecutable is false), so caseflow cannot "
        "run it. If it is meant to run, tick ‘Executable’ on the process (or its pool)."]


def test_user_task_without_a_form():
    problems = problems_for(diagram(simple(user_task("T1", form=None))))
    assert about(problems, "T1") == ["The user task ‘Do it’ has no form: choose one of the form files "
                                     "(‘Form’ in the Caseflow section)."]


def test_user_task_outside_a_lane():
    body = simple(user_task("T1"))
    problems = problems_for(diagram(body, lane_refs=["S", "E"]))
    assert about(problems, "T1") == ["The user task ‘Do it’ is not in a lane, so nobody would be given "
                                     "it: put it in the lane of the post who does it."]


def test_lane_not_a_post():
    problems = problems_for(diagram(simple(user_task("T1")), lane="Team Assistant"))
    assert about(problems, "Lane") == ["The lane ‘Team Assistant’ is not a known post: name each lane "
                                       "after the post who does its work, for example ‘Social Worker’ "
                                       "or ‘Group Manager’."]


def test_lanes_outside_a_pool():
    problems = problems_for(diagram(simple(user_task("T1")), pool=False))
    assert any("not inside a pool" in m for m in about(problems, "Lane"))


GATEWAY = ('<bpmn:startEvent id="S" />' + user_task("T1") +
           '<bpmn:exclusiveGateway id="G" name="Concerns?" {default} />'
           + user_task("T2", "Review") + '<bpmn:endEvent id="E" />'
           + flow("f1", "S", "T1") + flow("f2", "T1", "G")
           + flow("f_yes", "G", "T2", "{condition}", name="Yes") + flow("f_no", "G", "E", name="No")
           + flow("f3", "T2", "E"))


def gateway(condition="visit['concerns']", default='default="f_no"'):
    return diagram(GATEWAY.replace("{condition}", condition).replace("{default}", default))


def test_gateway_branches_with_a_condition_and_a_default_pass():
    assert problems_for(gateway()) == []


def test_gateway_branch_with_neither_condition_nor_default():
    problems = problems_for(gateway(default=""))
    assert about(problems, "f_no") == [
        "The branch ‘No’ leaves the gateway ‘Concerns?’ with neither a condition nor being the "
        "default branch: give it a condition, or make it the default."]
    problems = problems_for(gateway(condition=""))
    assert about(problems, "f_yes") and about(problems, "f_no") == []


def test_condition_that_does_not_compile_in_the_sandbox():
    problems = problems_for(gateway(condition="${approved}"))
    assert about(problems, "f_yes")[0].startswith("The condition on the branch ‘Yes’ does not compile: "
                                                  "line 1 is not valid Python")
    problems = problems_for(gateway(condition="__import__('os').system('x')"))
    assert "does not compile" in about(problems, "f_yes")[0]


def test_task_with_several_outgoing_flows():
    body = ('<bpmn:startEvent id="S" />' + user_task("T1") + user_task("T2", "Other")
            + '<bpmn:endEvent id="E" />' + flow("f1", "S", "T1") + flow("f2", "T1", "T2")
            + flow("f3", "T1", "E") + flow("f4", "T2", "E"))
    assert about(problems_for(diagram(body)), "T1") == [
        "‘Do it’ has 2 outgoing flows: the engine would follow them all at once. Use a gateway to "
        "choose one branch (or a parallel gateway if they should all happen)."]


def test_sub_process_without_a_start_event():
    sub = ('<bpmn:subProcess id="Sub" name="Visits">' + user_task("T1")
           + '<bpmn:endEvent id="SubEnd" />' + flow("sf", "T1", "SubEnd") + '</bpmn:subProcess>')
    problems = problems_for(diagram(simple(sub, "Sub", "Sub"), lane_refs=["S", "Sub", "E"]))
    assert "The sub-process ‘Visits’ has no start event: add one inside it." in about(problems, "Sub")
    # tasks inside take the lane of their sub-process
    assert about(problems, "T1") == []


def test_unbounded_loop_through_no_waiting_step():
    body = ('<bpmn:startEvent id="S" /><bpmn:scriptTask id="Count" name="Count" scriptFormat="python">'
            '<bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:exclusiveGateway id="G" name="Again?" default="f_out" /><bpmn:endEvent id="E" />'
            + flow("f1", "S", "Count") + flow("f2", "Count", "G")
            + flow("f_back", "G", "Count", "True") + flow("f_out", "G", "E"))
    problems = problems_for(diagram(body))
    assert about(problems, "G") == [
        "The flows through ‘Count’, ‘Again?’ go round in a loop with no step that waits for a person, "
        "a timer or a message, so the engine would go round it without end. Put such a step in the "
        "loop, or take the loop out."]


def test_a_loop_through_a_user_task_is_bounded_by_people():
    body = ('<bpmn:startEvent id="S" />' + user_task("T1")
            + '<bpmn:exclusiveGateway id="G" name="Again?" default="f_out" /><bpmn:endEvent id="E" />'
            + flow("f1", "S", "T1") + flow("f2", "T1", "G")
            + flow("f_back", "G", "T1", "again") + flow("f_out", "G", "E"))
    assert problems_for(diagram(body)) == []


@pytest.mark.parametrize("reserved", ["Start", "End"])
def test_reserved_ids(reserved):
    body = (f'<bpmn:startEvent id="{reserved}" />' + user_task("T1") + '<bpmn:endEvent id="E1" />'
            + flow("f1", reserved, "T1") + flow("f2", "T1", "E1")) if reserved == "Start" else \
        ('<bpmn:startEvent id="S1" />' + user_task("T1") + f'<bpmn:endEvent id="{reserved}" />'
         + flow("f1", "S1", "T1") + flow("f2", "T1", reserved))
    messages = about(problems_for(diagram(body)), reserved)
    assert messages and messages[0].startswith(f"The id ‘{reserved}’ is used by the engine itself")


def test_script_that_does_not_compile():
    body = simple('<bpmn:scriptTask id="T1" name="Work it out" scriptFormat="python">'
                  '<bpmn:script>x = case._sa_instance_state</bpmn:script></bpmn:scriptTask>')
    messages = about(problems_for(diagram(body)), "T1")
    assert len(messages) == 1 and messages[0].startswith("The script of ‘Work it out’ does not compile")


def test_property_expressions_compile_and_due_days_are_whole_numbers():
    extra = ('<spiffworkflow:property name="dueDate" value="review_due +" />'
             '<spiffworkflow:property name="dueWorkingDays" value="five" />')
    messages = about(problems_for(diagram(simple(user_task("T1", extra=extra)))), "T1")
    assert any(m.startswith("The due date expression of ‘Do it’ does not compile") for m in messages)
    assert "The due time of ‘Do it’ must be a whole number of working days, not ‘five’." in messages


def timer(expression, kind="timeDuration"):
    return diagram(simple(
        '<bpmn:intermediateCatchEvent id="W" name="Wait"><bpmn:timerEventDefinition id="TD">'
        f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{expression}</bpmn:{kind}>'
        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>', "W", "W"))


@pytest.mark.parametrize("expression,kind,expected", [
    ("PT1S", "timeDuration", 'The timer ‘Wait’ says PT1S, but timer expressions are Python: put the '
                             'value in quotes, "PT1S".'),
    ('"P3X"', "timeDuration", 'The timer ‘Wait’ says "P3X", which is not a duration such as "P3D" or "PT2H".'),
    ('"next week"', "timeDate", 'The timer ‘Wait’ says "next week", which is not a date and time such '
                                'as "2026-05-01T09:00:00+01:00".'),
    ("", "timeDuration", "The timer ‘Wait’ has no time: give a date, a duration or a cycle."),
    ("due_at +", "timeDate", None),
])
def test_timer_expressions(expression, kind, expected):
    messages = about(problems_for(timer(expression, kind)), "W")
    if expected:
        assert messages == [expected]
    else:
        assert len(messages) == 1 and "does not compile" in messages[0]


@pytest.mark.parametrize("expression,kind", [('"PT1S"', "timeDuration"), ("review_flag_at", "timeDate"),
                                             ('"2026-05-01T09:00:00+01:00"', "timeDate"),
                                             ('"R3/PT10M"', "timeCycle")])
def test_good_timer_expressions(expression, kind):
    assert problems_for(timer(expression, kind)) == []


def test_form_that_does_not_exist_or_is_not_json_schema():
    assert about(problems_for(diagram(simple(user_task("T1", form="nope.json")))), "T1") == [
        "‘Do it’ uses the form nope.json, which does not exist."]
    forms = {**FORMS, "bad.json": {"type": "object", "properties": {"a": {"type": "colour"}}},
             "broken.json": "Expecting ',' delimiter: line 3 column 5 (char 20)"}
    bad = about(problems_for(diagram(simple(user_task("T1", form="bad.json"))), forms), "T1")
    assert len(bad) == 1 and bad[0].startswith("The form bad.json of ‘Do it’ is not valid JSON Schema:")
    broken = about(problems_for(diagram(simple(user_task("T1", form="broken.json"))), forms), "T1")
    assert broken == ["The form broken.json of ‘Do it’ is not valid JSON: Expecting ',' delimiter: "
                      "line 3 column 5 (char 20)"]


def test_call_activity_to_an_unknown_process():
    body = simple('<bpmn:callActivity id="C" name="Review" calledElement="no_such_process" />', "C", "C")
    assert about(problems_for(diagram(body)), "C") == [
        "The call activity ‘Review’ calls the process ‘no_such_process’, which is not deployed."]
    body = simple('<bpmn:callActivity id="C" name="Review" calledElement="jarp_review" />', "C", "C")
    assert problems_for(diagram(body)) == []


def test_what_the_parser_rejects_is_reported_the_same_way():
    # a multi-instance task with no cardinality: only SpiffWorkflow's parser objects
    body = simple(user_task("T1").replace("</bpmn:userTask>", "<bpmn:multiInstanceLoopCharacteristics />"
                                                              "</bpmn:userTask>"))
    problems = problems_for(diagram(body))
    assert problems == [Problem("T1", "This step repeats (multi-instance) but says neither how many times "
                                      "nor over which collection: give a loop cardinality or an input "
                                      "collection.")]
    # something the BPMN schema does not allow
    schema = problems_for(diagram(simple(user_task("T1")).replace(
        '<bpmn:endEvent id="E" />', '<bpmn:endEvent id="E"><bpmn:nonsense /></bpmn:endEvent>')))
    assert len(schema) == 1 and schema[0].message.startswith("The file does not follow the BPMN 2.0 standard")
    assert "{http" not in schema[0].message


# ---------------------------------------------------------------- MIWG

MIWG_FILES = sorted(MIWG.glob("*.bpmn"))
NOT_PLAIN = re.compile(r"Traceback|Exception|<Element|\{http|lxml|NoneType|KeyError")


def test_the_miwg_models_are_in_the_test_data_with_their_licence():
    assert len(MIWG_FILES) == 21
    note = (MIWG / "README.md").read_text("utf-8")
    assert "CC BY 3.0" in note and "BPMN MIWG" in note


@pytest.mark.parametrize("path", MIWG_FILES, ids=lambda p: p.name)
def test_every_miwg_model_is_explained_in_plain_words(path):
    """None of them can be deployed as it is; each says why, element by element."""
    problems = validate(path.read_bytes(), FORMS, KNOWN, path.name)
    assert problems, f"{path.name} would deploy"
    for problem in problems:
        assert problem.message and not NOT_PLAIN.search(problem.message), problem
        assert problem.message[0].isupper() or problem.message[0] in "‘\"", problem
    ids = {p.element_id for p in problems if p.element_id}
    xml = path.read_text("utf-8", errors="replace")
    for element_id in ids:  # every element named is one in the file, for the modeller to highlight
        assert f'"{element_id}"' in xml


def test_non_executable_miwg_models_say_so():
    for name in ("A.1.0.bpmn", "A.4.1.bpmn", "C.2.0.bpmn", "C.8.0.bpmn"):
        messages = [p.message for p in validate((MIWG / name).read_bytes(), FORMS, KNOWN, name)]
        assert any("is marked as not executable" in m for m in messages), name


def test_miwg_models_that_the_parser_accepts_still_need_caseflow_things():
    """C.9.1 parses in SpiffWorkflow as it is; caseflow still needs lanes,
    forms and quoted timer values."""
    messages = {p.message for p in validate((MIWG / "C.9.1.bpmn").read_bytes(), FORMS, KNOWN)}
    assert "The user task ‘Call customer’ has no form: choose one of the form files (‘Form’ in the " \
           "Caseflow section)." in messages
    assert any('put the value in quotes, "P7D"' in m for m in messages)


def test_forms_given_as_json_text_reasons_are_kept():
    assert json.dumps([p.as_json() for p in validate(b"<x/>", {}, set())])


def test_a_document_type_is_refused_before_any_parser_expands_it():
    xml = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
           + HEAD.split("?>", 1)[1].encode() + b"<bpmn:process id='p'>&b;</bpmn:process></bpmn:definitions>")
    [problem] = validate(xml, FORMS, KNOWN)
    assert problem.message.startswith("The file declares a document type")
