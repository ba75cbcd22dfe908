"""Benchmark of the JARP referral path: in memory, persisted, naive, over HTTP.

    python -m tests.bench.engine_bench [--runs N] [--warmup W] [--no-http] [--no-pg] [--no-loop]
                                       [--profile] [--check]

The path: start → Complete JARP referral → Record JARP decision (allocate,
tier 2, so no review cycle) → Record allocation in agency + Read JARP
decision → complete.  Each scenario does it `--runs` times after `--warmup`
runs that are not counted, and reports the median and 90th percentile of a
whole process run (the sum of its five timed actions) and of one task
completion.  Between actions, finding the next ready task is not timed.

  A  bare SpiffWorkflow in memory: the spec parsed once (not timed), then a
     BpmnWorkflow per run, form data stored under each task's formDataKey, as
     engine.runtime.complete_task does.
  B  caseflow's engine persisted on SQLite (a file in a temp dir, WAL):
     runtime.start_instance and runtime.complete_task, one unit_of_work() per
     action inside its own app context (a new session, as a request has),
     the actor found from their API token in it as the API finds g.user
     (accounts.token_user: the token cache, a query at most every 2 s).
  C  the naive way, for reference: every action loads the row, deserializes the
     whole workflow *with its spec* with SpiffWorkflow's stock serializer, runs,
     serializes it all again and saves it (plain sqlite3, WAL).
  E  B on PostgreSQL (tests/pg.py's throwaway cluster, fsync on: each
     commit waits for its WAL to reach the disk, as in production), when
     /usr/lib/postgresql/*/bin/initdb exists.
  G  A with caseflow's workflow classes (engine/task_walk.py): its engine in
     memory, nothing persisted; B less G is what persisting adds.
  F  a reference floor: A plus caseflow's state-only dump_state, one UPDATE
     and a commit per action (plain sqlite3): what any snapshot store pays.
  D  HTTP: the real app under gunicorn, POST /api/v1/tasks/<id>/complete (the
     referral) from a keep-alive client, with the workflow in the worker's
     cache (the instance was started by the same worker) and after a restart
     (not cached); GET /api/v1/tasks too.
  L  a loop (issue 16): one instance's looping task completed 200 times, caseflow and
     bare SpiffWorkflow, `loop 200/1` (tests/bench/loop_bench.py; --no-loop skips it).

A, G, B, C, E and F run interleaved, one process run of each in turn, so load
from elsewhere on the machine falls on all of them alike; D runs after them.
gc stays enabled.  `--profile` then profiles B's timed actions with cProfile.

Targets (issue 16): B/A ≤ 2 and E/A ≤ 3 per task completion; HTTP completion median ≤ 2.5 ms
under `make run`'s gunicorn configuration.
Everything is written to temp dirs; nothing in the repository changes
(create_app needs CASEFLOW_SECRET_KEY so it does not write instance/secret_key;
one is set for this process and the server).
"""
import argparse
import copy
import cProfile
import glob
import http.client
import io
import json
import logging
import math
import os
import platform
import pstats
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from datetime import timedelta
from uuid import UUID

os.environ.setdefault("CASEFLOW_SECRET_KEY", secrets.token_hex(32))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
import SpiffWorkflow  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from engine import cache, runtime, specs, state_names  # noqa: E402
from processes import clock, jarp  # noqa: E402
from engine.db import db  # noqa: E402
from engine.models import Case, ProcessInstance, Task, User  # noqa: E402
from engine.scripting import HELPERS, script_engine  # noqa: E402
from engine.serialization import dump_state  # noqa: E402
from engine.task_walk import CaseflowWorkflow  # noqa: E402
from engine.transaction import unit_of_work  # noqa: E402
from webforms import create_app, demo  # noqa: E402
from engine.accounts import issue_token, token_user  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
PROCESS = "jarp_referral"
CASE_REFERENCE = "CIN-0001"
STARTER = "social-worker"

# Each user task on the path: who does it and the typed answers (API/engine JSON).
STEPS = {
    "Task_complete_referral": ("social-worker", {
        "referral_route": "standard",
        "case_holder_tier3": True,
        "threshold_risks": ["familial_breakdown", "child_protection_concerns"],
        "criteria": ["cp_concerns_imminent_removal", "substance_dependency_parent",
                     "school_exclusion"],
        "assessment_summary": "Core assessment shows escalating conflict and risk of breakdown.",
        "services_requested": ["family_therapy", "parenting_programme"],
        "duration_weeks": 12,
        "hours_per_week": 3.5,
        "expected_outcomes": "Parents manage conflict without police call-outs.",
        "child_asked": True,
        "child_wishes": "To stay at home.",
    }),
    "Task_record_decision": ("jarp-co-ordinator", {
        "outcome": "allocate",
        "tier": "tier2",
        "services": ["family_therapy", "parenting_programme"],
        "agencies": ["Child and Family Consultation Service"],
        "rationale": "Threshold met; family therapy and a parenting programme meet the needs.",
    }),
    "Task_agency_allocation": ("agency-representative", {
        "services_allocated": ["family_therapy"],
        "worker_name": "Dana Worker",
        "start_date": "2030-01-14",
    }),
    "Task_unit_informed": ("social-worker", {
        "papers_sent_to_agencies": True,
        "notes": "Core assessment and care plan sent to both agencies.",
    }),
}
ORDER = list(STEPS)  # when several tasks are ready, the first in this order goes first
ACTIONS = ["start", *ORDER]
SHORT = {"start": "start", "Task_complete_referral": "referral",
         "Task_record_decision": "decision", "Task_agency_allocation": "agency",
         "Task_unit_informed": "unit"}


# ---------------------------------------------------------------- statistics

def percentile(values, q):
    """Nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


class Samples:
    """Seconds per process run and per action of the counted runs."""

    def __init__(self, label):
        self.label = label
        self.runs: list[float] = []
        self.actions: dict[str, list[float]] = {a: [] for a in ACTIONS}

    def add_run(self, timings: list[tuple[str, float]]):
        self.runs.append(sum(t for _, t in timings))
        for action, t in timings:
            self.actions[action].append(t)

    @property
    def completions(self) -> list[float]:
        return [t for a in ORDER for t in self.actions[a]]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


# ---------------------------------------------------------------- shared helpers

def initial_data(case: dict, actor: dict) -> dict:
    """What start_instance puts on the task tree for a case and actor."""
    return {"case": dict(case), "started_by": dict(actor)}


def run_engine(workflow: BpmnWorkflow) -> None:
    """The same loop as engine.runtime.run_engine."""
    workflow.do_engine_steps()
    while workflow.get_tasks(state=TaskState.READY, manual=False):
        workflow.do_engine_steps()


def next_ready(workflow: BpmnWorkflow):
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    if not ready:
        return None
    return min(ready, key=lambda t: ORDER.index(t.task_spec.bpmn_id))


def complete_in_memory(workflow: BpmnWorkflow, task, data: dict) -> None:
    key = runtime.properties(task.task_spec).get("formDataKey")
    if key:
        task.data[key] = data
    else:
        task.data.update(data)
    task.run()
    run_engine(workflow)


def answers(element_id: str) -> dict:
    return copy.deepcopy(STEPS[element_id][1])


# JARP decides at its Tuesday meeting (issue 12 item 8): in this process the
# decision step runs on a clock moved on to an hour after the meeting a
# referral made now goes to (3 to 11 days on, by its Friday 14:00 cut-off),
# as the real path runs days later.  Only processes.clock moves (the rules'
# clock), by setting its `now` (and engine.scripting's copy); the timings'
# perf_counter does not.
AT_THE_MEETING = {"Task_record_decision"}


def _past_the_meeting(now) -> timedelta:
    meeting = jarp.JARP_MEETINGS.starts_at(jarp.meeting_for(now))
    return meeting - now + timedelta(hours=1)


@contextmanager
def clock_moved_for(element_id: str):
    if element_id not in AT_THE_MEETING:
        yield
        return
    real = clock.now
    shift = _past_the_meeting(real())
    moved = lambda: real() + shift  # noqa: E731
    # the rules module, and the sandbox's copy of it the diagrams' expressions call
    clock.now = HELPERS["clock"].now = moved
    try:
        yield
    finally:
        clock.now = HELPERS["clock"].now = real


def parse_spec():
    parser = SpiffBpmnParser()
    parser.add_bpmn_files(sorted(str(p) for p in BPMN_DIR.glob("*.bpmn")))
    return parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS)


DEMO_CASE = {"id": 1, "reference": CASE_REFERENCE, "child_name": "Amira Khan",
             "service": "CIN", "unit": "CIN Unit 1"}
DEMO_ACTOR = {"id": 1, "name": "Demo Social Worker", "post": "Social Worker"}


# ---------------------------------------------------------------- A: in memory

class InMemory:
    """A: bare SpiffWorkflow; the spec is parsed once, outside the timings."""
    label = "A  bare SpiffWorkflow, in memory"
    workflow_class = BpmnWorkflow
    stock = True  # SpiffWorkflow as installed: without caseflow's kept state names (engine/state_names.py)

    def run_once(self) -> list[tuple[str, float]]:
        if not self.stock:
            return self._run()
        with state_names.stock():
            return self._run()

    def __init__(self, spec, subprocess_specs):
        self.spec, self.subprocess_specs = spec, subprocess_specs
        self.engine = script_engine()
        self.samples = Samples(self.label)

    def _run(self) -> list[tuple[str, float]]:
        data = initial_data(DEMO_CASE, DEMO_ACTOR)
        t0 = time.perf_counter()
        workflow = self.workflow_class(self.spec, self.subprocess_specs, script_engine=self.engine)
        workflow.task_tree.data.update(data)
        run_engine(workflow)
        timings = [("start", time.perf_counter() - t0)]
        while (task := next_ready(workflow)) is not None:
            element, data = task.task_spec.bpmn_id, answers(task.task_spec.bpmn_id)
            t0 = time.perf_counter()
            complete_in_memory(workflow, task, data)
            timings.append((element, time.perf_counter() - t0))
        assert workflow.completed, "A: the path did not complete"
        assert [a for a, _ in timings] == ACTIONS, timings
        return timings

    def close(self):
        pass


# ---------------------------------------------------------------- B/E: caseflow engine

def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})


def quietly(fn, *args):
    """Alembic's logging config prints to stderr; keep the table readable."""
    with redirect_stderr(io.StringIO()), redirect_stdout(io.StringIO()):
        result = fn(*args)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return result


def prepare_database(url: str, tokens: bool = False, first_instance_id: int | None = None,
                     spare_cases: int = 0) -> dict:
    """Migrate, deploy and seed an empty database, as tests/conftest.py does."""
    app = make_app(url)
    with app.app_context():
        quietly(upgrade)
        with unit_of_work():
            specs.deploy_directory(BPMN_DIR)
            demo.seed()
        if first_instance_id:
            # engine.cache is keyed by instance id: two databases benchmarked side
            # by side in this process must not hand out the same ids.
            with unit_of_work():
                db.session.execute(text("SELECT setval(pg_get_serial_sequence("
                                        "'process_instance', 'id'), :n)"), {"n": first_instance_id})
        users = {u.username: u.id for u in db.session.scalars(select(User))}
        case_id = db.session.scalar(select(Case.id).filter_by(reference=CASE_REFERENCE))
        spare = []
        if spare_cases:
            # one running JARP referral per case (issue 12 item 16): a case for each open one
            with unit_of_work():
                home = db.session.get(Case, case_id)
                made = [Case(reference=f"BENCH-{i:05d}", child_name=f"Bench {i}", service=home.service,
                             unit_id=home.unit_id) for i in range(spare_cases)]
                db.session.add_all(made)
            spare = [c.id for c in made]
        issued = {}
        if tokens:
            with unit_of_work():
                for username in sorted({STARTER, *(who for who, _ in STEPS.values())}):
                    issued[username] = issue_token(db.session.get(User, users[username]))[0]
        db.session.remove()
        db.engine.dispose()
    return {"users": users, "case_id": case_id, "tokens": issued, "spare_cases": spare}


class Persisted:
    """B/E: the actions as the web app does them, each in its own app context
    (a new session, as a request has) and its own unit_of_work()."""

    def __init__(self, label: str, url: str, first_instance_id: int | None = None):
        self.label, self.url = label, url
        self.ids = prepare_database(url, tokens=True, first_instance_id=first_instance_id)
        self.app = make_app(url)
        self.profiler = None
        self.samples = Samples(label)

    def _timed(self, fn, *args):
        if self.profiler:
            self.profiler.enable()
        t0 = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - t0
        if self.profiler:
            self.profiler.disable()
        return result, elapsed

    def _start(self):
        with self.app.app_context():
            actor = token_user(self.ids["tokens"][STARTER])
            case = db.session.get(Case, self.ids["case_id"])
            with unit_of_work():
                return runtime.start_instance(PROCESS, case, actor).id

    def _complete(self, task_id, username, data, element_id=None):
        with self.app.app_context(), clock_moved_for(element_id):
            actor = token_user(self.ids["tokens"][username])
            with unit_of_work():
                runtime.complete_task(task_id, actor, data)

    def _open_tasks(self, instance_id):
        """Not timed: what the next person's task list would show."""
        with self.app.app_context():
            rows = db.session.execute(select(Task.id, Task.element_id).where(
                Task.instance_id == instance_id, Task.state == "ready")).all()
            status = db.session.get(ProcessInstance, instance_id).status
        return sorted(rows, key=lambda r: ORDER.index(r.element_id)), status

    def run_once(self) -> list[tuple[str, float]]:
        instance_id, elapsed = self._timed(self._start)
        timings = [("start", elapsed)]
        while True:
            rows, status = self._open_tasks(instance_id)
            if not rows:
                break
            task_id, element = rows[0]
            _, elapsed = self._timed(self._complete, task_id, STEPS[element][0], answers(element), element)
            timings.append((element, elapsed))
        assert status == "complete", f"instance {instance_id} is {status}"
        assert [a for a, _ in timings] == ACTIONS, timings
        return timings

    def close(self):
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


# ---------------------------------------------------------------- C: naive, F: floor

class Naive:
    """C: load the row, deserialize everything (spec included) with the stock
    serializer, run, serialize everything again, save (plain sqlite3, WAL)."""
    label = "C  naive: stock serializer, spec in every row, SQLite"

    def __init__(self, path: Path, spec, subprocess_specs):
        self.conn = _sqlite(path)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.spec, self.subprocess_specs = spec, subprocess_specs
        self.engine = script_engine()
        self.samples = Samples(self.label)
        self.size = 0

    def _start(self, data: dict):
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.engine)
        workflow.task_tree.data.update(data)
        run_engine(workflow)
        cursor = self.conn.execute("INSERT INTO workflow (state) VALUES (?)",
                                   (self.serializer.serialize_json(workflow),))
        self.conn.commit()
        return cursor.lastrowid, workflow

    def _complete(self, workflow_id: int, task_id: str, data: dict):
        (raw,) = self.conn.execute("SELECT state FROM workflow WHERE id = ?",
                                   (workflow_id,)).fetchone()
        workflow = self.serializer.deserialize_json(raw)
        workflow.script_engine = self.engine
        task = workflow.get_task_from_id(UUID(task_id))
        assert task is not None and task.state == TaskState.READY
        complete_in_memory(workflow, task, data)
        self.conn.execute("UPDATE workflow SET state = ? WHERE id = ?",
                          (self.serializer.serialize_json(workflow), workflow_id))
        self.conn.commit()
        return workflow

    def run_once(self) -> list[tuple[str, float]]:
        with state_names.stock():  # SpiffWorkflow as installed, as A
            return self._run()

    def _run(self) -> list[tuple[str, float]]:
        data = initial_data(DEMO_CASE, DEMO_ACTOR)
        t0 = time.perf_counter()
        workflow_id, workflow = self._start(data)
        timings = [("start", time.perf_counter() - t0)]
        while (task := next_ready(workflow)) is not None:
            element, task_id, data = task.task_spec.bpmn_id, str(task.id), answers(task.task_spec.bpmn_id)
            t0 = time.perf_counter()
            workflow = self._complete(workflow_id, task_id, data)
            timings.append((element, time.perf_counter() - t0))
        assert workflow.completed, "C: the path did not complete"
        self.size = len(self.serializer.serialize_json(workflow))
        return timings

    def close(self):
        self.conn.close()


class CaseflowInMemory(InMemory):
    """G: A with caseflow's workflow classes (engine/task_walk.py), nothing
    persisted: B less G is what keeping the instance in the database costs."""
    label = "G  caseflow's workflow classes, in memory"
    workflow_class = CaseflowWorkflow
    stock = False


class Floor(InMemory):
    """F (reference): the least a snapshot store can do per action: A, plus
    caseflow's state-only dump_state, one UPDATE and a commit (plain sqlite3,
    the live workflow kept in memory as engine.cache does)."""
    label = "F  floor: A + dump_state + 1 UPDATE + commit, SQLite"

    def __init__(self, path: Path, spec, subprocess_specs):
        super().__init__(spec, subprocess_specs)
        self.conn = _sqlite(path)

    def _run(self) -> list[tuple[str, float]]:
        data = initial_data(DEMO_CASE, DEMO_ACTOR)
        t0 = time.perf_counter()
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.engine)
        workflow.task_tree.data.update(data)
        run_engine(workflow)
        workflow_id = self.conn.execute("INSERT INTO workflow (state) VALUES (?)",
                                        (dump_state(workflow),)).lastrowid
        self.conn.commit()
        timings = [("start", time.perf_counter() - t0)]
        while (task := next_ready(workflow)) is not None:
            element, data = task.task_spec.bpmn_id, answers(task.task_spec.bpmn_id)
            t0 = time.perf_counter()
            complete_in_memory(workflow, task, data)
            self.conn.execute("UPDATE workflow SET state = ? WHERE id = ?",
                              (dump_state(workflow), workflow_id))
            self.conn.commit()
            timings.append((element, time.perf_counter() - t0))
        assert workflow.completed, "F: the path did not complete"
        return timings

    def close(self):
        self.conn.close()


def _sqlite(path: Path) -> sqlite3.Connection:
    """Settings as caseflow's own (webforms._sqlite_pragmas)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE workflow (id INTEGER PRIMARY KEY, state BLOB NOT NULL)")
    conn.commit()
    return conn


# ---------------------------------------------------------------- D: HTTP

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The real app under gunicorn as `make run` starts it: 2 workers × 4
    threads (gthread), the access log written, and the worker process
    (timers, notifications, the chart's weeks) running beside it.  A
    keep-alive connection stays with one gunicorn worker, so an instance the
    client started is in that worker's cache when its task is completed."""

    def __init__(self, db_url: str, tmp: Path):
        self.db_url, self.tmp, self.proc, self.port, self.worker = db_url, tmp, None, None, None
        self.gunicorn = str(Path(sys.executable).parent / "gunicorn")

    def start(self):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=self.db_url,
                   CASEFLOW_SECRET_KEY=os.environ["CASEFLOW_SECRET_KEY"])
        log = open(self.tmp / "gunicorn.log", "ab")
        self.proc = subprocess.Popen(
            [self.gunicorn, "-c", "python:webforms.serving", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
             "--threads", "4", "--access-logfile", str(self.tmp / "access.log"), "webforms:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=log)
        self.worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "webforms", "worker"],
                                       cwd=ROOT, env=env, stdout=log, stderr=log)
        log.close()
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.tmp / 'gunicorn.log'}:\n"
                                   + (self.tmp / "gunicorn.log").read_text()[-2000:])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def stop(self):
        for proc in (self.proc, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.proc = self.worker = None


class Client:
    """One keep-alive connection; counts the connections it had to open."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connects = 0

    def call(self, method: str, path: str, token: str, body=None):
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if self.conn.sock is None:
            self.connects += 1
        t0 = time.perf_counter()
        self.conn.request(method, path, body=payload, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - t0
        return response.status, raw, elapsed

    def close(self):
        self.conn.close()


COMPLETE_CACHED = "POST /api/v1/tasks/<id>/complete  (workflow cached)"


def bench_http(tmp: Path, runs: int, warmup: int) -> dict:
    db_path = tmp / "http.sqlite"
    url = f"sqlite:///{db_path}"
    ids = prepare_database(url, tokens=True, spare_cases=2 * (warmup + runs))
    tokens = ids["tokens"]
    server = Server(url, tmp)
    results = {}
    try:
        server.start()
        client = Client(server.port)
        # Instances to complete: one set while the worker has them cached, one after a restart.
        starts, referral_tasks = [], []
        for spare in ids["spare_cases"]:
            status, raw, elapsed = client.call("POST", "/api/v1/instances", tokens[STARTER],
                                               {"process": PROCESS, "case_id": spare})
            assert status == 201, (status, raw[:500])
            body = json.loads(raw)
            (task,) = [t for t in body["tasks"] if t["element"] == "Task_complete_referral"]
            referral_tasks.append(task["id"])
            starts.append(elapsed)
        results["POST /api/v1/instances"] = starts[warmup:warmup + runs]
        # The worker beside the server tells people of the tasks just made
        # ready: its catch-up after this burst of starts is not what a
        # completion costs, so the completions are timed once it has told
        # them (it then goes on telling of what the completions make ready).
        wait_for_outbox(db_path)

        def complete(task_ids):
            who, form = STEPS["Task_complete_referral"]
            times = []
            for task_id in task_ids:
                status, raw, elapsed = client.call("POST", f"/api/v1/tasks/{task_id}/complete",
                                                   tokens[who], {"data": copy.deepcopy(form)})
                assert status == 200, (status, raw[:500])
                body = json.loads(raw)
                assert any(t["element"] == "Task_record_decision" and t["state"] == "ready"
                           for t in body["tasks"]), body
                times.append(elapsed)
            return times[warmup:]

        # The later ones for the cached set: engine.cache keeps the last 1024.
        cold_set, warm_set = referral_tasks[:warmup + runs], referral_tasks[warmup + runs:]
        results[COMPLETE_CACHED] = complete(warm_set)

        for username in ("jarp-co-ordinator", "agency-representative"):
            times, listed = [], None
            for _ in range(warmup + runs):
                status, raw, elapsed = client.call("GET", "/api/v1/tasks", tokens[username])
                assert status == 200, (status, raw[:500])
                times.append(elapsed)
                listed = len(json.loads(raw)["tasks"])
            results[f"GET /api/v1/tasks  ({username}, {listed} tasks)"] = times[warmup:]
        connections = [client.connects]
        client.close()
        server.stop()
        server.start()  # a new worker: nothing cached, every workflow is loaded from its row
        wait_for_outbox(db_path)
        client = Client(server.port)
        results["POST /api/v1/tasks/<id>/complete  (after restart, not cached)"] = complete(cold_set)
        connections.append(client.connects)
        results["_connections"] = connections
        results["_keepalive"] = connections == [1, 1]
        client.close()
    finally:
        server.stop()
    return results


def wait_for_outbox(db_path: Path, timeout: float = 120.0) -> None:
    """Until the worker has told every outbox event (or `timeout` passes)."""
    deadline = time.time() + timeout
    with sqlite3.connect(db_path, timeout=30) as conn:
        while time.time() < deadline:
            (waiting,) = conn.execute("SELECT count(*) FROM outbox_event WHERE processed_at IS NULL").fetchone()
            if not waiting:
                return
            time.sleep(0.2)


# ---------------------------------------------------------------- E: PostgreSQL

def postgres_available() -> bool:
    return bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


# ---------------------------------------------------------------- running and reporting

def run_interleaved(scenarios, runs: int, warmup: int) -> None:
    """Round-robin, one process run of each scenario at a time, the order rotated
    each round: load from elsewhere on the machine falls on all of them alike."""
    for i in range(warmup + runs):
        k = i % len(scenarios)
        for scenario in scenarios[k:] + scenarios[:k]:
            timings = scenario.run_once()
            if i >= warmup:
                scenario.samples.add_run(timings)


def print_engine_table(rows: list[Samples], baseline: Samples):
    width = max(len(s.label) for s in rows) + 1
    print(f"{'':{width}} {'per process run (ms)':>19}   {'per task completion (ms)':>24}")
    print(f"{'':{width}} {'median':>9} {'p90':>9}   {'median':>11} {'p90':>11}   {'run/A':>6}")
    base = median(baseline.runs)
    for s in rows:
        print(f"{s.label:{width}} {ms(median(s.runs))}  {ms(percentile(s.runs, .9))}   "
              f"{ms(median(s.completions)):>11} {ms(percentile(s.completions, .9)):>11}   "
              f"{median(s.runs) / base:6.2f}")
    print()
    print(f"{'median per action (ms)':{width}}" + "".join(f"{SHORT[a]:>10}" for a in ACTIONS))
    for s in rows:
        print(f"{s.label:{width}}" + "".join(f"{median(s.actions[a]) * 1000:10.2f}" for a in ACTIONS))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="counted runs per scenario (200)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="uncounted runs first (default: max(10, runs // 10))")
    parser.add_argument("--no-http", action="store_true", help="skip D (gunicorn)")
    parser.add_argument("--no-pg", action="store_true", help="skip E (PostgreSQL)")
    parser.add_argument("--no-loop", action="store_true",
                        help="skip the loop figure (tests/bench/loop_bench.py: 200 passes of one instance)")
    parser.add_argument("--profile", action="store_true",
                        help="then profile B's timed actions (cProfile, top 25 by cumulative time)")
    parser.add_argument("--profile-runs", type=int, default=100)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a target is missed (B/A > 2 per completion or HTTP median > 2.5 ms)")
    args = parser.parse_args(argv)
    runs = max(1, args.runs)
    warmup = args.warmup if args.warmup is not None else max(10, runs // 10)
    load_before = os.getloadavg()

    tmp = Path(tempfile.mkdtemp(prefix="caseflow-bench-"))
    cluster, scenarios, pg_note = None, [], None
    try:
        cache.clear()
        spec, subprocess_specs = parse_spec()
        a = InMemory(spec, subprocess_specs)
        g = CaseflowInMemory(spec, subprocess_specs)
        b = Persisted("B  caseflow engine, SQLite (WAL)", f"sqlite:///{tmp / 'engine.sqlite'}")
        c = Naive(tmp / "naive.sqlite", spec, subprocess_specs)
        f = Floor(tmp / "floor.sqlite", spec, subprocess_specs)
        scenarios = [a, g, b, c, f]
        if args.no_pg:
            pg_note = "E skipped (--no-pg)"
        elif not postgres_available():
            pg_note = "E skipped: no /usr/lib/postgresql/*/bin/initdb"
        else:
            try:
                from tests.pg import Cluster
                cluster = Cluster(fsync=True)
                cluster.start()
                cluster.admin("CREATE DATABASE caseflow_bench")
                scenarios.append(Persisted("E  caseflow engine, PostgreSQL (fsync on)",
                                           cluster.url("caseflow_bench"), first_instance_id=10**7))
            except Exception as exc:  # E is optional: say why and go on
                pg_note = f"E skipped: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        run_interleaved(scenarios, runs, warmup)

        profiler = None
        if args.profile:
            profiler = b.profiler = cProfile.Profile()
            for _ in range(args.profile_runs):
                b.run_once()
            b.profiler = None
        closing, scenarios = scenarios, []
        for scenario in closing:
            scenario.close()
        if cluster is not None:
            cluster.stop()
            cluster = None
        cache.clear()

        http_results = None if args.no_http else bench_http(tmp, runs, warmup)
        load_after = os.getloadavg()

        import sqlalchemy
        print()
        print("caseflow engine benchmark: JARP referral, start → referral → decision (allocate, "
              "tier 2) → agency allocation + unit informed → complete")
        print(f"{runs} counted runs per scenario after {warmup} warm-up runs, scenarios interleaved; "
              f"Python {platform.python_version()}, SpiffWorkflow {_version('SpiffWorkflow')}, "
              f"SQLAlchemy {sqlalchemy.__version__}, SQLite {sqlite3.sqlite_version}; "
              f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before, "
              f"{load_after[0]:.2f} after")
        print()
        rows = [a, g, b, c] + [s for s in closing if s.label.startswith("E")] + [f]
        print_engine_table([s.samples for s in rows], a.samples)
        print(f"\nC's saved JSON at the end of a run: {c.size / 1024:.0f} KiB (spec included).  "
              "F is a reference, not a design: it keeps no task, timer or audit rows.")
        if pg_note:
            print(pg_note)

        ratio_b = median(b.samples.runs) / median(a.samples.runs)
        ratio_c = median(c.samples.runs) / median(a.samples.runs)
        print(f"\nB/A = {ratio_b:.2f}   C/A = {ratio_c:.2f}   (per process run, medians)")
        # the issue's figures: one task completion, persisted ÷ bare
        per_task = median(a.samples.completions)
        b_task = median(b.samples.completions) / per_task
        e = next((s for s in closing if s.label.startswith("E")), None)
        e_task = median(e.samples.completions) / per_task if e is not None else None
        print(f"B/A = {b_task:.2f}" + (f"   E/A = {e_task:.2f}" if e_task is not None else "")
              + "   (per task completion, medians)")
        g_task = median(g.samples.completions)
        print(f"G/A = {g_task / per_task:.2f}   B - G = {(median(b.samples.completions) - g_task) * 1000:.2f} ms"
              "   (per task completion: caseflow's engine in memory, and what persisting adds to it)")

        http_median = None
        if http_results is not None:
            print("\nHTTP: gunicorn as `make run` starts it (2 workers × 4 threads, access log, the worker "
                  "process beside it), SQLite; keep-alive http.client on loopback; request sent → body read")
            print(f"{'':66} {'median':>9} {'p90':>9} {'n':>6}")
            for name, times in http_results.items():
                if name.startswith("_"):
                    continue
                print(f"{name:66} {ms(median(times))} {ms(percentile(times, .9))} {len(times):6d}")
            print(f"keep-alive {'held' if http_results['_keepalive'] else 'NOT held'}: "
                  f"connections opened per server run: {http_results['_connections']}")
            http_median = median(http_results[COMPLETE_CACHED])

        print("\nTargets (issue 16):")
        ok_b = b_task <= 2
        print(f"  a persisted completion ≤ 2× bare SpiffWorkflow (SQLite): B/A = {b_task:.2f}  "
              f"{'met' if ok_b else 'MISSED'}")
        if e_task is not None:
            print(f"  the same on PostgreSQL ≤ 3×: E/A = {e_task:.2f}  {'met' if e_task <= 3 else 'MISSED'}")
        ok_http = True
        if http_median is not None:
            ok_http = http_median <= 0.0025
            print(f"  HTTP task completion median ≤ 2.5 ms: {http_median * 1000:.2f} ms  "
                  f"{'met' if ok_http else 'MISSED'}")

        if profiler is not None:
            print(f"\nProfile of B's timed actions ({args.profile_runs} more runs, cProfile, "
                  "by cumulative time):")
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
        if not args.no_loop:  # issue 16: the 200th pass of a loop against the 1st
            from .loop_bench import bench_loop, print_loop
            print_loop(bench_loop(tmp))
        return 1 if args.check and not (ok_b and ok_http) else 0
    finally:
        for scenario in scenarios:
            try:
                scenario.close()
            except Exception:
                pass
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def _version(dist: str) -> str:
    from importlib.metadata import version
    try:
        return version(dist)
    except Exception:
        return getattr(SpiffWorkflow, "__version__", "?")


if __name__ == "__main__":
    sys.exit(main())
