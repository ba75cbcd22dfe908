"""Engine behaviour a process owner and a client rely on: versions, sandbox, reviews."""
import zlib
from datetime import datetime

import orjson
import pytest
import zstandard
from freezegun import freeze_time
from sqlalchemy import func, select

from engine import cache, queries, runtime, specs
from engine.db import db
from engine.models import Case, ProcessDefinition, ProcessInstance, Task
from engine.scripting import ScriptError, script_engine
from engine.transaction import unit_of_work
from processes.clock import LONDON

from .test_timer_worker import TIMER_BPMN


def _case():
    return db.session.scalar(select(Case).filter_by(reference="CIN-0001"))


def test_same_file_same_version_changed_file_new_version_running_keep_theirs(app):
    xml = TIMER_BPMN.read_bytes()
    with app.app_context():
        with unit_of_work():
            [v1] = specs.deploy(xml, "t.bpmn", forms={})
            [again] = specs.deploy(xml, "t.bpmn", forms={})
            old = runtime.start_instance("timer_then_task", _case(), None)
        assert (v1.version, again.id) == (1, v1.id)
        changed = xml.replace(b'name="Act after the timer"', b'name="Act after the timer (v2)"')
        with unit_of_work():
            [v2] = specs.deploy(changed, "t.bpmn", forms={})
            new = runtime.start_instance("timer_then_task", _case(), None)
        assert v2.version == 2
        assert db.session.get(ProcessInstance, old.id).definition.version == 1
        assert db.session.get(ProcessInstance, new.id).definition.version == 2
        assert db.session.scalar(select(func.count(ProcessDefinition.id)).filter_by(
            process_key="timer_then_task", is_current=True)) == 1


@pytest.mark.parametrize("xml, expected", [
    (b"<not-bpmn", "not well-formed XML"),
    (b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
     b'targetNamespace="x"><bpmn:process id="p" isExecutable="false"/></bpmn:definitions>',
     "no executable process"),
])
def test_bad_bpmn_is_refused_in_plain_words_and_nothing_changes(app, xml, expected):
    with app.app_context():
        before = db.session.scalar(select(func.count(ProcessDefinition.id)))
        with pytest.raises(specs.DeployError) as refused:
            with unit_of_work():
                specs.deploy(xml, "bad.bpmn", forms={})
        assert expected in str(refused.value)
        assert db.session.scalar(select(func.count(ProcessDefinition.id))) == before


def test_a_form_the_diagram_needs_must_exist(app):
    xml = (specs_dir := __import__("pathlib").Path(app.config["BPMN_DIR"])).joinpath(
        "jarp_review.bpmn").read_bytes()
    with app.app_context():
        with pytest.raises(specs.DeployError) as refused:
            specs.deploy(xml.replace(b'value="jarp_review.schema.json"', b'value="missing.schema.json"'),
                         "jarp_review.bpmn", forms=specs.load_forms_dir(specs_dir / "forms"))
        assert "The form missing.schema.json used in jarp_review.bpmn does not exist." in str(refused.value)


@pytest.mark.parametrize("script", [
    "import os\nos.system('true')",
    "open('/etc/passwd').read()",
    "x = ().__class__.__bases__[0].__subclasses__()",
    "x = jarp.json.loads('1')",
    "x = __import__('os')",
])
def test_scripts_cannot_reach_the_operating_system(script):
    environment = script_engine().environment
    with pytest.raises((ScriptError, NameError, AttributeError, TypeError, ImportError)):
        environment.execute(script, {})


def test_scripts_see_task_data_and_the_rules():
    context = {"criteria": ["court_proceedings", "school_exclusion"]}
    script_engine().environment.execute("points = jarp.score(criteria)\np = jarp.priority(points)", context)
    assert (context["points"], context["p"]) == (4, 3)


REVIEW_DATA = {"review_number": 1, "allocated_on": "2026-10-06",
               "services": ["family_therapy"], "agencies": ["Parenting Support Service"],
               "assessment": {"priority": 2, "points": 8}}


@freeze_time(datetime(2026, 11, 23, 12, 0, tzinfo=LONDON))
def test_each_six_week_review_is_its_own_bounded_cycle(app):
    with app.app_context():
        with unit_of_work():
            # allocated 6 October: review 1 (17 Nov) was flagged 10 Nov, so it is due now
            first = runtime.start_instance("jarp_review", _case(), None, dict(REVIEW_DATA))
        # the provider's progress summary first (Appendix A step 7), then the review
        summary = db.session.scalars(select(Task).filter_by(instance_id=first.id, state="ready")).one()
        assert (summary.post, summary.service) == ("Agency Representative", "Parenting Support Service")
        provider = db.session.scalar(select(runtime.User).filter_by(
            username="agency-representative-parenting-support-service"))
        with unit_of_work():
            runtime.complete_task(summary.id, provider, {"summary": "Slow.", "recommendation": "add"})
        task = db.session.scalars(select(Task).filter_by(instance_id=first.id, state="ready")).one()
        assert (task.name, task.post) == ("Six-week review", "JARP Co-ordinator")
        coordinator = db.session.scalar(select(runtime.User).filter_by(username="jarp-co-ordinator"))
        with unit_of_work():
            runtime.complete_task(task.id, coordinator, {
                "outcome": "add", "child_asked": True, "child_wishes": "More help at home.",
                "services": ["family_therapy", "parenting_programme"], "rationale": "Progress slow."})
        # the referring CSW reads the decision (Appendix A step 9); then the next review starts
        read = db.session.scalars(select(Task).filter_by(instance_id=first.id, state="ready")).one()
        csw = db.session.scalar(select(runtime.User).filter_by(username="consultant-social-worker"))
        with unit_of_work():
            runtime.complete_task(read.id, csw, {})
        instances = db.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
        assert [(i.process_key, i.status) for i in instances] == [
            ("jarp_review", "complete"), ("jarp_review", "running")]
        second_task = db.session.scalars(select(Task).filter_by(instance_id=instances[1].id)).all()
        # review 2 (29 Dec) waits for its own flag timer (22 Dec): no task yet
        assert second_task == []
        assert queries.instance_data(instances[1])["review_number"] == 2
        assert queries.instance_data(instances[1])["services"] == ["family_therapy", "parenting_programme"]


@pytest.mark.parametrize("earlier", ["plain JSON", "zlib"])
def test_a_snapshot_saved_by_an_earlier_release_still_runs(app, earlier):
    """Snapshots are stored compressed with Zstandard; an instance saved by
    an earlier release (plain JSON, then zlib) loads and moves on, and is
    then stored as this release stores it."""
    with app.app_context():
        with unit_of_work():
            specs.deploy(TIMER_BPMN.read_bytes(), "t.bpmn", forms={})
            instance_id = runtime.start_instance("timer_then_task", _case(), None).id
        stored = db.session.get(ProcessInstance, instance_id).state
        assert stored[:4] == b"\x28\xb5\x2f\xfd"  # a Zstandard frame
        plain = zstandard.ZstdDecompressor().decompress(stored)
        assert plain[:1] == b"{" and len(stored) < len(plain) / 2
        old = plain if earlier == "plain JSON" else zlib.compress(plain, 1)
        with unit_of_work():
            db.session.execute(ProcessInstance.__table__.update().where(ProcessInstance.id == instance_id)
                               .values(state=old, row_version=ProcessInstance.row_version + 1))
        db.session.remove()
        cache.clear()   # as after a restart: the workflow comes from the row
        with freeze_time(datetime(2099, 1, 1)):
            with unit_of_work():
                assert runtime.fire_timers(db.session.get(ProcessInstance, instance_id)) == 1
        task = db.session.scalar(select(Task).filter_by(instance_id=instance_id, state="ready"))
        assert task is not None and task.name == "Act after the timer"
        again = db.session.get(ProcessInstance, instance_id).state
        assert again[:4] == b"\x28\xb5\x2f\xfd" and orjson.loads(zstandard.ZstdDecompressor().decompress(again))["tasks"]
