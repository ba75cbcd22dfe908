"""Benchmark of the managers' dashboard queries (engine/dashboard.py) at 10k,
100k and 1M process instances, with ten task rows each, on SQLite and PostgreSQL.

    python -m tests.bench.dashboard_bench [--sizes 10000,100000,1000000]
        [--backends sqlite,postgresql] [--runs 5] [--tasks 10] [--per-day 300]
        [--state-bytes 4500] [--compare] [--explain] [--keep]

The data is a steady-state service: `--per-day` processes start each day
(300), each lasts an exponentially distributed 20 days on average, so a larger
database holds a longer history rather than more open work — 10k instances
are the last five weeks, 1M are nine years.  Of the open ones 2% are in error
and 1% suspended; one old instance in 2,000 was forgotten and is still
running; half have a process deadline; a fifth wait on a timer (2% of those
overdue); each instance has `--tasks` task rows on average (completed,
cancelled, and one or two ready while it is open; derived from the instances
inside the database, TASKS_SQL); 70% of tasks are due 1-9 days after they
open; cases hold four instances each over 70 units in the eleven services.
On SQLite each instance carries a `--state-bytes` snapshot, as real ones
(4-13 KB) do; PostgreSQL keeps such values out of the row (TOAST), so there
it gets a placeholder.  Instances and timers are generated in Python and
bulk-inserted (executemany on SQLite, COPY on PostgreSQL).

The database grows in place from one size to the next: the secondary indexes
are dropped, the rows appended, the indexes created again and ANALYZE run
(VACUUM ANALYZE on PostgreSQL, as autovacuum would), as after a bulk import;
the two databases load at the same time, one core each.  At each size every
query runs once to warm up and `--runs` times timed, one database at a time;
the median is reported, for two scopes: the Assistant Director (everything)
and a Group Manager (one service, CIN).  `--compare` also times every query
without the dashboard's indexes (the migration b7d41c9e2f63 adds them), to
show what they buy.  `--explain` prints some plans at the largest size;
`--keep` keeps the SQLite file for a closer look.

The chart is timed both ways (engine/chart.py): counted from the instances,
as before the worker has run, and with the closed weeks counted by the
worker and kept, as the overview reads it after that; the worker's counting
of the 12 closed weeks (once a week in practice) is timed once.

Everything is written to a temp dir and a throwaway PostgreSQL cluster
(tests/pg.py); nothing in the repository changes.
"""
import argparse
import io
import logging
import os
import platform
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("CASEFLOW_SECRET_KEY", secrets.token_hex(32))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import delete, func, select, text  # noqa: E402

from engine import chart, dashboard, specs  # noqa: E402
from engine.db import db  # noqa: E402
from engine.models import (ONE_AT_A_TIME, Case, ChartWeek, ChartWeekCount, ProcessDefinition, ProcessInstance, Task,  # noqa: E402
                           Timer, Unit, User)
from engine.timeutil import utcnow  # noqa: E402
from engine.transaction import unit_of_work  # noqa: E402
from processes import clock, posts  # noqa: E402
from webforms import create_app, demo  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BPMN_DIR = ROOT / "bpmn"
TABLES = ("process_instance", "task", "timer", "case_record")
# The indexes the dashboard needs (engine/models.py, migration b7d41c9e2f63):
# without them (--compare) the charts, the idle rule and the unit and service
# lists read the whole history.
DASHBOARD_INDEXES = ("ix_instance_open", "ix_instance_started", "ix_instance_ended",
                     "ix_task_ready_unit_due", "ix_task_ready_service_due", "ix_task_ready_element",
                     "ix_timer_waiting")
SERVICE = "CIN"
BATCH = 20_000          # instances per insert batch
CASE_BASE = 100_000     # bench cases' ids start here (the demo's are 1-6)
SERVICES = ("A&A", "CIN", "LAC", "Leaving Care", "Adoption", "Fostering", "CWD",
            "Rapid Response", "Family Support", "Hospital", "ART")

PI_COLUMNS = ("id", "definition_id", "process_key", "case_id", "status", "state", "row_version",
              "started_by_id", "started_at", "updated_at", "completed_at", "due_at", "priority",
              "error", "summary", "service", "unit_id")
TIMER_COLUMNS = ("id", "instance_id", "element_id", "fire_at", "fired_at")
CASE_COLUMNS = ("id", "reference", "child_name", "date_of_birth", "expected_delivery_date", "service",
                "unit_id", "cp_status", "lac_status", "in_court")


# ---------------------------------------------------------------- the data

@dataclass
class Shape:
    """What the generator draws from: definitions, units, people."""
    definitions: list          # (id, key, name, [(element, name, lane)], [timer elements], weight)
    units: list                # (id, service)
    users: list                # ids
    now: datetime
    per_day: float
    tasks: int
    cases_made: int = 0
    blobs: list = field(default_factory=lambda: [b""])
    # (case, process) open for a process that runs one at a time per case (models.ONE_AT_A_TIME)
    open_once: set = field(default_factory=set)


def snapshots(size: int) -> list[bytes]:
    """Stand-ins for serialized workflows of about `size` bytes (JSON-like)."""
    if size <= 0:
        return [b""]
    rng = random.Random(size)
    out = []
    for _ in range(16):
        parts, length = [], 0
        while length < size:
            part = ('{"id":"%032x","state":%d,"data":{"note":"%s"}},' % (
                rng.getrandbits(128), rng.choice((8, 16, 32, 64)), "x" * rng.randint(10, 200))).encode()
            parts.append(part)
            length += len(part)
        out.append(b"".join(parts)[:size])
    return out


def build_shape(app, per_day: float, tasks: int) -> Shape:
    """Units over the services, and what each deployed process's user tasks are."""
    with app.app_context():
        with unit_of_work():
            have = {u.name for u in db.session.scalars(select(Unit))}
            for i in range(60):
                name = f"Bench unit {i + 1}"
                if name not in have:
                    db.session.add(Unit(name=name, service=SERVICES[i % len(SERVICES)]))
        units = [(u.id, u.service) for u in db.session.scalars(select(Unit).order_by(Unit.id))]
        users = [u.id for u in db.session.scalars(select(User).order_by(User.id))]
        definitions = []
        for d in db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.is_current)
                                    .order_by(ProcessDefinition.id)):
            spec = specs.loaded(d).spec
            user_tasks, timers = [], []
            for task_spec in spec.task_specs.values():
                kind = type(task_spec).__name__
                if getattr(task_spec, "manual", False):
                    user_tasks.append((task_spec.bpmn_id, task_spec.bpmn_name or task_spec.bpmn_id,
                                       task_spec.lane or posts.SOCIAL_WORKER))
                elif "Timer" in kind or "timer" in str(getattr(task_spec, "event_definition", "")).lower():
                    timers.append(task_spec.bpmn_id)
            if user_tasks:
                definitions.append((d.id, d.process_key, d.name, user_tasks, timers or ["Timer_bench"],
                                    3 if d.process_key.startswith("jarp") else 1))
        db.session.remove()
        db.engine.dispose()
    return Shape(definitions, units, users, utcnow().replace(microsecond=0), per_day, tasks)


@dataclass
class Rows:
    first: int                 # instance ids first+1 .. last
    last: int
    cases: list = field(default_factory=list)
    instances: list = field(default_factory=list)
    timers: list = field(default_factory=list)


# The task rows are derived from the instances inside the database (C speed:
# ten million rows from Python would take longer than everything else).
# Instance i has n = tasks - 4 + i % 9 rows j = 0..n-1, spread evenly from its
# start to its end (or now); while it is open the last one (every fifth
# instance: two) is ready, the others completed; one in twenty is cancelled;
# 70% are due 1-9 days after they open; one ready task in twenty is assigned
# to someone.  Element, name and post cycle through the definition's user tasks.
TASKS_SQL = """
INSERT INTO task (id, instance_id, case_id, process_key, element_id, name, post, service, unit_id, form,
                  state, priority, due_at, created_at, assigned_to_id, claimed_by_id, completed_by_id,
                  completed_at)
SELECT {task_id}, t.id, t.case_id, t.process_key, e.element_id, e.name, e.lane, c.service, c.unit_id, NULL,
       t.state, t.priority,
       CASE WHEN (t.id * 17 + t.j * 11) % 10 < 7 THEN {created_plus_days} END,
       {created},
       CASE WHEN t.state = 'ready' AND (t.id + t.j) % 20 = 0 THEN :user END,
       NULL,
       CASE WHEN t.state = 'completed' THEN :user END,
       CASE WHEN t.state = 'completed' THEN {completed} END
FROM (
  SELECT pi.id, pi.case_id, pi.process_key, pi.definition_id, pi.priority, pi.started_at,
         COALESCE(pi.completed_at, :now) AS ended, j.j, :tasks - 4 + pi.id % 9 AS n,
         CASE WHEN pi.status IN ('running', 'error', 'suspended')
                   AND j.j >= :tasks - 4 + pi.id % 9 - (CASE WHEN pi.id % 5 = 0 THEN 2 ELSE 1 END) THEN 'ready'
              WHEN pi.status = 'cancelled' AND j.j = :tasks - 5 + pi.id % 9 THEN 'cancelled'
              WHEN (pi.id * 13 + j.j * 7) % 20 = 0 THEN 'cancelled'
              ELSE 'completed' END AS state
  FROM process_instance pi JOIN bench_j j ON j.j < :tasks - 4 + pi.id % 9
  WHERE pi.id > :first AND pi.id <= :last
) t
JOIN case_record c ON c.id = t.case_id
JOIN bench_element e ON e.definition_id = t.definition_id AND e.idx = t.j % e.count
"""
SQLITE_TASK_PARTS = dict(
    task_id="printf('%08x-%04x-4000-8000-%012x', t.id, t.j, t.id)",
    created="strftime('%Y-%m-%d %H:%M:%f', julianday(t.started_at)"
            " + (julianday(t.ended) - julianday(t.started_at)) * t.j / t.n)",
    created_plus_days="strftime('%Y-%m-%d %H:%M:%f', julianday(t.started_at)"
                      " + (julianday(t.ended) - julianday(t.started_at)) * t.j / t.n + 1 + (t.id * 7 + t.j * 3) % 9)",
    completed="strftime('%Y-%m-%d %H:%M:%f', julianday(t.started_at)"
              " + (julianday(t.ended) - julianday(t.started_at)) * (t.j + 0.9) / t.n)")
POSTGRES_TASK_PARTS = dict(
    task_id="lpad(to_hex(t.id), 8, '0') || '-' || lpad(to_hex(t.j), 4, '0') || '-4000-8000-' || "
            "lpad(to_hex(t.id), 12, '0')",
    created="t.started_at + (t.ended - t.started_at) * (t.j::float / t.n)",
    created_plus_days="t.started_at + (t.ended - t.started_at) * (t.j::float / t.n)"
                      " + (1 + (t.id * 7 + t.j * 3) % 9) * interval '1 day'",
    completed="t.started_at + (t.ended - t.started_at) * ((t.j + 0.9)::float / t.n)")


def helper_tables(shape: Shape) -> list[tuple[str, list]]:
    """The numbers 0..tasks+4 and each definition's user tasks, for TASKS_SQL."""
    numbers = [(j,) for j in range(shape.tasks + 5)]
    elements = [(d[0], i, element, name, lane, len(d[3]))
                for d in shape.definitions for i, (element, name, lane) in enumerate(d[3])]
    return [("CREATE TABLE bench_j (j INTEGER PRIMARY KEY)", "INSERT INTO bench_j (j) VALUES ({})", numbers),
            ("CREATE TABLE bench_element (definition_id INTEGER, idx INTEGER, element_id VARCHAR(120), "
             "name VARCHAR(200), lane VARCHAR(80), count INTEGER, PRIMARY KEY (definition_id, idx))",
             "INSERT INTO bench_element VALUES ({})", elements)]


def generate(shape: Shape, first: int, last: int) -> Rows:
    """Instances first..last-1, numbered newest first: instance k started k/per_day
    days ago, so appending more instances reaches further back in time."""
    rng = random.Random(first)
    out = Rows(first, last)
    now, day = shape.now, timedelta(days=1)
    weights = [d[5] for d in shape.definitions]
    cumulative = [sum(weights[:i + 1]) for i in range(len(weights))]
    for k in range(first, last):
        case_id = CASE_BASE + k // 4
        unit_id, service = shape.units[(k // 4 * 37 + 11) % len(shape.units)]
        if k // 4 >= shape.cases_made:
            out.cases.append((case_id, f"B-{k // 4:07d}", f"Child {k // 4}", None, None, service, unit_id,
                              False, False, False))
            shape.cases_made = k // 4 + 1
        pick = rng.random() * cumulative[-1]
        definition_id, key, name, user_tasks, timers, _ = shape.definitions[
            next(i for i, c in enumerate(cumulative) if pick < c)]
        age = (k + rng.random()) / shape.per_day
        started = now - age * day
        duration = min(200.0, max(0.5, rng.expovariate(1 / 20)))
        forgotten = age > 90 and k % 2000 == 0
        is_open = age < duration or forgotten
        if is_open and key in ONE_AT_A_TIME:
            if (case_id, key) in shape.open_once:     # the case's earlier one: this one ended
                is_open, duration = False, age * rng.random()
            shape.open_once.add((case_id, key))
        if is_open:
            roll = rng.random()
            status = "error" if roll < 0.02 else "suspended" if roll < 0.03 else "running"
            ended = None
            updated = now - min(age, rng.expovariate(1 / 3)) * day
        else:
            status = "cancelled" if rng.random() < 0.03 else "complete"
            ended = started + duration * day
            updated = ended
        due = started + rng.uniform(3, 30) * day if rng.random() < 0.5 else None
        priority = rng.randint(1, 3) if rng.random() < 0.3 else None
        out.instances.append((k + 1, definition_id, key, case_id, status, shape.blobs[k % len(shape.blobs)], 1,
                              None, started, updated, ended, due, priority,
                              "Bench: a step failed" if status == "error" else None, name, service, unit_id))
        if rng.random() < 0.2:
            element = timers[k % len(timers)]
            if is_open:
                fire_at = now - timedelta(hours=1) if rng.random() < 0.02 else now + rng.uniform(0.1, 30) * day
                fired = None
            else:
                fire_at = started + rng.uniform(0, duration) * day
                fired = fire_at
            out.timers.append((f"{k:08x}-ffff-4000-8000-{k:012x}", k + 1, element, fire_at, fired))
    return out


# ---------------------------------------------------------------- backends

class Backend:
    name = ""

    def __init__(self, url: str):
        self.url = url
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
        self.load_seconds = 0.0
        self.index_seconds = 0.0

    def prepare(self) -> None:
        with self.app.app_context():
            quietly(upgrade)
            with unit_of_work():
                specs.deploy_directory(BPMN_DIR)
                demo.seed()
            db.session.remove()
            db.engine.dispose()

    def indexes(self, include_dashboard: bool = True):
        out = []
        for name in TABLES:
            for index in db.metadata.tables[name].indexes:
                if include_dashboard or index.name not in DASHBOARD_INDEXES:
                    out.append(index)
        return out

    def drop_indexes(self) -> None:
        with self.app.app_context():
            with db.engine.begin() as conn:
                for index in self.indexes():
                    index.drop(conn, checkfirst=True)
            db.engine.dispose()

    def create_indexes(self, include_dashboard: bool = True) -> None:
        t0 = time.perf_counter()
        with self.app.app_context():
            with db.engine.begin() as conn:
                self.tune(conn)
                for index in self.indexes(include_dashboard):
                    index.create(conn, checkfirst=True)
                conn.execute(text("ANALYZE"))
            db.engine.dispose()
        self.index_seconds += time.perf_counter() - t0

    def drop_dashboard_indexes(self) -> None:
        with self.app.app_context():
            with db.engine.begin() as conn:
                for index in self.indexes():
                    if index.name in DASHBOARD_INDEXES:
                        index.drop(conn, checkfirst=True)
                conn.execute(text("ANALYZE"))
            db.engine.dispose()

    def tune(self, conn) -> None:
        pass

    def load(self, rows: Rows) -> None:
        raise NotImplementedError

    def finish_load(self) -> None:
        pass

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def _task_params(rows: Rows, shape: Shape) -> dict:
    return {"first": rows.first, "last": rows.last, "now": shape.now, "tasks": shape.tasks,
            "user": shape.users[0]}


class SQLiteBackend(Backend):
    name = "SQLite"

    def __init__(self, path: Path):
        super().__init__(f"sqlite:///{path}")
        self.path = path
        self.conn = None

    def connect(self):
        if self.conn is None:
            self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # a bulk load, alone on the file: no journal (the app's connections
            # put WAL back when they open, webforms/__init__.py)
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-400000")
        return self.conn

    def finish_load(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def helpers(self, shape: Shape) -> None:
        conn = self.connect()
        for create, insert, values in helper_tables(shape):
            conn.execute(create)
            conn.executemany(insert.format(", ".join("?" * len(values[0]))), values)

    def load(self, rows: Rows, shape: Shape) -> None:
        t0 = time.perf_counter()
        conn = self.connect()
        conn.execute("BEGIN")
        for table, columns, values in (("case_record", CASE_COLUMNS, rows.cases),
                                       ("process_instance", PI_COLUMNS, rows.instances),
                                       ("timer", TIMER_COLUMNS, rows.timers)):
            if values:
                conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                 f"({', '.join('?' * len(columns))})", values)
        params = _task_params(rows, shape)
        params["now"] = shape.now.isoformat(" ", "microseconds")
        conn.execute(TASKS_SQL.format(**SQLITE_TASK_PARTS), params)
        conn.execute("COMMIT")
        self.load_seconds += time.perf_counter() - t0

    def tune(self, conn) -> None:
        conn.execute(text("PRAGMA cache_size=-400000"))
        conn.execute(text("PRAGMA threads=2"))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        super().close()


class PostgresBackend(Backend):
    name = "PostgreSQL"

    def __init__(self, cluster):
        cluster.admin("CREATE DATABASE caseflow_dashboard_bench")
        super().__init__(cluster.url("caseflow_dashboard_bench"))
        self.cluster = cluster
        self.conn = None

    def connect(self):
        import psycopg
        if self.conn is None:
            self.conn = psycopg.connect(f"host=127.0.0.1 port={self.cluster.port} user=caseflow "
                                        "dbname=caseflow_dashboard_bench")
        return self.conn

    def helpers(self, shape: Shape) -> None:
        conn = self.connect()
        for create, insert, values in helper_tables(shape):
            conn.execute(create)
            with conn.cursor() as cursor:
                cursor.executemany(insert.format(", ".join(["%s"] * len(values[0]))), values)
        conn.commit()

    def load(self, rows: Rows, shape: Shape) -> None:
        t0 = time.perf_counter()
        conn = self.connect()
        with conn.cursor() as cursor:
            # bulk load: foreign keys are not checked row by row (as pg_restore does)
            cursor.execute("SET LOCAL session_replication_role = replica")
            # PostgreSQL keeps a large snapshot out of the row (TOAST), so its
            # size does not bear on these queries: a placeholder saves copying GBs.
            instances = [row[:5] + (b"{}",) + row[6:] for row in rows.instances]
            for table, columns, values in (("case_record", CASE_COLUMNS, rows.cases),
                                           ("process_instance", PI_COLUMNS, instances),
                                           ("timer", TIMER_COLUMNS, rows.timers)):
                if values:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
            sql = TASKS_SQL.format(**POSTGRES_TASK_PARTS).replace(" % ", " %% ")
            for name in ("first", "last", "now", "tasks", "user"):
                sql = sql.replace(f":{name}", f"%({name})s")
            cursor.execute(sql, _task_params(rows, shape))
        conn.commit()
        self.load_seconds += time.perf_counter() - t0

    def tune(self, conn) -> None:
        conn.execute(text("SET maintenance_work_mem = '512MB'"))

    def create_indexes(self, include_dashboard: bool = True) -> None:
        super().create_indexes(include_dashboard)
        # what autovacuum does soon after a bulk load: the visibility map lets
        # PostgreSQL answer from an index alone (index-only scans)
        t0 = time.perf_counter()
        with self.app.app_context():
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
            db.engine.dispose()
        self.index_seconds += time.perf_counter() - t0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        super().close()


def quietly(fn, *args):
    with redirect_stderr(io.StringIO()), redirect_stdout(io.StringIO()):
        result = fn(*args)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return result


# ---------------------------------------------------------------- the queries

def query_set(shape: Shape):
    """(label, function of scope) for each dashboard query, as the pages run them."""
    jarp = "jarp_referral"
    unit_id = next(u for u, s in shape.units if s == SERVICE)
    r = dashboard.rules()
    every = dashboard.Filters()

    window = chart.Window.of(chart.week_starts(clock.now()), r.now)
    groups = (ProcessInstance.process_key,)

    def rows(query):
        return lambda: db.session.execute(query).all()

    def run(scope):
        return [
            ("counts: open", rows(dashboard.open_counts(scope))),
            ("counts: overdue", rows(dashboard.overdue_counts(scope, r))),
            ("counts: stuck", rows(dashboard.stuck_counts(scope, r))),
            ("counts: all three in one query (the overview's)", rows(dashboard.all_counts(scope, r))),
            ("overdue list: page 1 (count + 25 rows)", lambda: dashboard.overdue_page(scope, r, every)),
            ("overdue list: page 20", lambda: dashboard.overdue_page(scope, r, dashboard.Filters(page=20))),
            ("overdue list: unit + post filter, by priority", lambda: dashboard.overdue_page(
                scope, r, dashboard.Filters(unit_id=unit_id, post="Social Worker", sort="priority"))),
            ("overdue CSV: every row", lambda: sum(1 for _ in dashboard.overdue_rows(scope, r, every))),
            ("stuck list: page 1 (count + 25 rows)", lambda: dashboard.stuck_page(
                scope, r, dashboard.Filters(sort="since"))),
            ("chart: started per week", rows(chart.started_query(window, groups, where(scope)))),
            ("chart: completed per week", rows(chart.completed_query(window, groups, where(scope)))),
            ("chart: overdue at week end", lambda: [db.session.execute(q).all() for q in chart.overdue_queries(
                window, r.now, groups, where(scope))]),
            ("chart: 12 weeks counted from the instances", lambda: chart.chart(scope, r)),
            ("overview: counts and chart counted", lambda: (dashboard.summary(scope, r), chart.chart(scope, r))),
            ("heat: one process's elements", lambda: dashboard.heat(jarp, scope)),
            ("unit week: one unit", lambda: dashboard.unit_week(unit_id, r)),
        ]
    return run


def where(scope):
    return None if scope.everything else ProcessInstance.service == scope.service


def kept_query_set(scope):
    """What the overview reads once the worker has counted the closed weeks."""
    r = dashboard.rules()
    return [("chart: 12 weeks, the 11 closed ones kept", lambda: chart.chart(scope, r)),
            ("overview: counts and chart, weeks kept", lambda: (dashboard.summary(scope, r), chart.chart(scope, r)))]


SCOPES = (("AD", dashboard.Scope(everything=True)), ("GM", dashboard.Scope(service=SERVICE)))


def time_queries(backend: Backend, shape: Shape, runs: int) -> dict:
    """{(scope, label): median seconds}"""
    out = {}

    def timed(scope_name, label, fn):
        fn()   # warm: the pages are read again and again
        db.session.rollback()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
            db.session.rollback()
        out[(scope_name, label)] = statistics.median(times)

    with backend.app.app_context():
        forget_kept_weeks()        # the rows were loaded in bulk since
        for scope_name, scope in SCOPES:
            for label, fn in query_set(shape)(scope):
                timed(scope_name, label, fn)
        t0 = time.perf_counter()
        chart.count_closed_weeks()
        out[("worker", "counting the 12 closed weeks (once a week)")] = time.perf_counter() - t0
        for scope_name, scope in SCOPES:
            for label, fn in kept_query_set(scope):
                timed(scope_name, label, fn)
        db.session.remove()
        db.engine.dispose()
    out.update(time_pages(backend, runs))
    return out


# the overview as a manager's browser gets it: every query, the template, the headers
PAGES = (("AD", "assistant-director"), ("GM", "group-manager"))
OVERVIEW_PAGE = "overview page, as served (GET /manage/, weeks kept)"


CSV_FIRST, CSV_WHOLE, CSV_PEAK = ("overdue CSV download: first byte", "overdue CSV download: every row",
                                  "overdue CSV download: peak memory (KiB)")


def time_csv(client, runs: int) -> dict:
    """The overdue CSV as a browser downloads it (streamed): the first chunk,
    the whole file, and the most memory Python held while it was made
    (tracemalloc, a run of its own; reported in the ms column as KiB)."""
    firsts, wholes = [], []
    for n in range(runs + 1):
        t0 = time.perf_counter()
        response = client.get("/manage/overdue.csv", buffered=False)
        chunks = iter(response.response)
        first = next(chunks)
        t1 = time.perf_counter()
        size = len(first) + sum(len(chunk) for chunk in chunks)
        t2 = time.perf_counter()
        response.close()
        assert response.status_code == 200 and size > 0
        if n:
            firsts.append(t1 - t0)
            wholes.append(t2 - t0)
    tracemalloc.start()
    response = client.get("/manage/overdue.csv", buffered=False)
    for _ in response.response:
        pass
    response.close()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # fmt() shows milliseconds: peak/1024 KiB is passed as if seconds*1000
    return {CSV_FIRST: statistics.median(firsts), CSV_WHOLE: statistics.median(wholes), CSV_PEAK: peak / 1024 / 1000}


def time_pages(backend: Backend, runs: int) -> dict:
    """{(scope, label): median seconds} of the whole overview page, signed in."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": backend.url, "TESTING": True, "WTF_CSRF_ENABLED": False})
    out = {}
    for scope_name, username in PAGES:
        client = app.test_client()
        signed_in = client.post("/sign-in", data={"username": username, "password": demo.DEMO_PASSWORD})
        assert signed_in.status_code == 302, signed_in.text[:500]
        times = []
        for n in range(runs + 1):  # the first warms
            t0 = time.perf_counter()
            response = client.get("/manage/")
            elapsed = time.perf_counter() - t0
            assert response.status_code == 200, response.text[:500]
            if n:
                times.append(elapsed)
        out[(scope_name, OVERVIEW_PAGE)] = statistics.median(times)
        out.update({(scope_name, label): value for label, value in time_csv(client, runs).items()})
    with app.app_context():
        db.engine.dispose()
    return out


def forget_kept_weeks() -> None:
    with unit_of_work():
        db.session.execute(delete(ChartWeekCount))
        db.session.execute(delete(ChartWeek))


def explain(backend: Backend, shape: Shape) -> None:
    r = dashboard.rules()
    window = chart.Window.of(chart.week_starts(clock.now()), r.now)
    groups = (ProcessInstance.process_key,)
    with backend.app.app_context():
        scope = dashboard.Scope(everything=True)
        for label, query in (("counts: overdue", dashboard.overdue_counts(scope, r)),
                             ("counts: stuck", dashboard.stuck_counts(scope, r)),
                             ("overdue page 1", dashboard.overdue_query(scope, r, dashboard.Filters())),
                             ("chart: started", chart.started_query(window, groups)),
                             ("chart: overdue (open)", chart.overdue_queries(window, r.now, groups)[0]),
                             ("chart: overdue (ended)", chart.overdue_queries(window, r.now, groups)[1]),
                             ("chart: completed", chart.completed_query(window, groups)),
                             ("counts: open", dashboard.open_counts(scope)),
                             ("counts: all three", dashboard.all_counts(scope, r)),
                             ("stuck page", dashboard.stuck_query(scope, r, dashboard.Filters(sort="since"))),
                             ("unit week tasks", dashboard.unit_week_queries(shape.units[1][0], r)[0])):
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            prefix = "EXPLAIN QUERY PLAN " if backend.name == "SQLite" else "EXPLAIN "
            plan = db.session.execute(text(prefix + str(compiled))).all()
            print(f"\n-- {backend.name}: {label}")
            for row in plan:
                print("   ", row[-1])
        db.session.remove()


def counts(backend: Backend) -> dict:
    with backend.app.app_context():
        out = {
            "instances": db.session.scalar(select(func.count()).select_from(ProcessInstance)),
            "open": db.session.scalar(select(func.count()).where(ProcessInstance.status.in_(dashboard.OPEN))),
            "tasks": db.session.scalar(select(func.count()).select_from(Task)),
            "ready": db.session.scalar(select(func.count()).where(Task.state == "ready")),
            "timers": db.session.scalar(select(func.count()).select_from(Timer)),
            "cases": db.session.scalar(select(func.count()).select_from(Case)),
        }
        db.session.remove()
        db.engine.dispose()
    return out


# ---------------------------------------------------------------- main

def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    ms = seconds * 1000
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def report(backend_name: str, sizes: list[int], results: dict, baseline: dict | None) -> None:
    keys = list(dict.fromkeys(next(iter(results.values()))))
    header = "".join(f"{size:>12,}" for size in sizes)
    if baseline:
        header += "   without the dashboard indexes:" + "".join(f"{size:>12,}" for size in sizes)
    print(f"\n{backend_name}: median ms per query (AD = everything, GM = service {SERVICE})")
    print(f"{'':52}{header}")
    for scope_name in dict.fromkeys(name for name, _ in keys):
        for label in [label for name, label in keys if name == scope_name]:
            line = f"{scope_name:<8}{label:44}" + "".join(
                f"{fmt(results[size].get((scope_name, label))):>12}" for size in sizes)
            if baseline:
                line += " " * 34 + "".join(f"{fmt(baseline.get(size, {}).get((scope_name, label))):>12}"
                                           for size in sizes)
            print(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="process instances, comma-separated, ascending (10000,100000,1000000)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (5)")
    parser.add_argument("--tasks", type=int, default=10, help="task rows per instance on average (10)")
    parser.add_argument("--per-day", type=float, default=300, help="instances started per day (300)")
    parser.add_argument("--state-bytes", type=int, default=4500,
                        help="size of each instance's snapshot on SQLite (4500: like real ones, 4-13 KB, "
                             "larger than a page, so the row spills to overflow pages)")
    parser.add_argument("--compare", action="store_true",
                        help="also time each query without the dashboard's indexes")
    parser.add_argument("--explain", action="store_true", help="print query plans at the largest size")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file (its path is printed)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    wanted = [b.strip().lower() for b in args.backends.split(",") if b.strip()]

    tmp = Path(tempfile.mkdtemp(prefix="caseflow-dashboard-bench-"))
    cluster, backends = None, []
    started = time.perf_counter()
    try:
        if "sqlite" in wanted:
            backends.append(SQLiteBackend(tmp / "dashboard.sqlite"))
        if "postgresql" in wanted:
            from tests.pg import Cluster
            cluster = Cluster()
            cluster.start()
            backends.append(PostgresBackend(cluster))
        for backend in backends:
            backend.prepare()
        shape = build_shape(backends[0].app, args.per_day, args.tasks)
        shape.blobs = snapshots(args.state_bytes)
        for backend in backends:
            backend.helpers(shape)
        for backend in backends[1:]:   # the same units and definitions everywhere
            other = build_shape(backend.app, args.per_day, args.tasks)
            assert [d[0] for d in other.definitions] == [d[0] for d in shape.definitions]
            assert other.units == shape.units

        results = {b.name: {} for b in backends}
        baseline = {b.name: {} for b in backends}
        sizes_seen = {b.name: {} for b in backends}
        done, generate_seconds = 0, 0.0
        for size in sizes:
            t0 = time.perf_counter()
            batches = [generate(shape, first, min(size, first + BATCH)) for first in range(done, size, BATCH)]
            generate_seconds += time.perf_counter() - t0
            done = size

            def grow(backend, with_dashboard_indexes):
                backend.drop_indexes()
                for rows in batches:
                    backend.load(rows, shape)
                backend.finish_load()
                backend.create_indexes(include_dashboard=with_dashboard_indexes)

            # both databases load and index at once (one core each); the
            # queries are timed one database at a time
            in_parallel(grow, [(b, not args.compare) for b in backends])
            for backend in backends:
                if args.compare:
                    baseline[backend.name][size] = time_queries(backend, shape, max(1, args.runs // 2))
            if args.compare:
                in_parallel(lambda b: b.create_indexes(), [(b,) for b in backends])
            for backend in backends:
                results[backend.name][size] = time_queries(backend, shape, args.runs)
                sizes_seen[backend.name][size] = counts(backend)
            del batches
            print(f"  {size:,} instances loaded and timed ({time.perf_counter() - started:.0f} s so far)",
                  file=sys.stderr, flush=True)
        if args.explain:
            for backend in backends:
                explain(backend, shape)

        import sqlalchemy
        print()
        print("caseflow dashboard benchmark: engine/dashboard.py's queries over the materialised tables")
        print(f"Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, SQLite "
              f"{sqlite3.sqlite_version}, PostgreSQL {cluster_version(cluster)}; {os.cpu_count()} CPUs; "
              f"{args.runs} timed runs per query after one warm-up; per day {args.per_day:g}, "
              f"tasks per instance {args.tasks}")
        for backend in backends:
            print(f"\n{backend.name} data:")
            for size, c in sizes_seen[backend.name].items():
                print(f"  {size:>9,} instances: {c['open']:,} open, {c['tasks']:,} task rows "
                      f"({c['ready']:,} ready), {c['timers']:,} timers, {c['cases']:,} cases")
            print(f"  bulk load {backend.load_seconds:.0f} s, index creation and ANALYZE "
                  f"{backend.index_seconds:.0f} s in all")
            report(backend.name, sizes, results[backend.name], baseline[backend.name] if args.compare else None)
        print(f"\nGenerating the rows took {generate_seconds:.0f} s; the whole run "
              f"{time.perf_counter() - started:.0f} s.")
        return 0
    finally:
        for backend in backends:
            try:
                backend.close()
            except Exception:
                pass
        if cluster is not None:
            cluster.stop()
        if args.keep:
            print(f"kept {tmp / 'dashboard.sqlite'}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def in_parallel(fn, calls) -> None:
    """fn(*args) for each args, each in its own thread; re-raise the first failure."""
    import threading
    errors = []

    def run(args):
        try:
            fn(*args)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(args,)) for args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def cluster_version(cluster) -> str:
    if cluster is None:
        return "-"
    import glob
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found[-1].split("/")[4] if found else "?"


if __name__ == "__main__":
    sys.exit(main())
