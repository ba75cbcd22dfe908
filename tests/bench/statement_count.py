"""Statements and PostgreSQL round trips per action on the benchmark's path (issue 16).

    python -m tests.bench.statement_count [--runs N] [--no-pg] [--show]

Runs engine_bench's B (SQLite) and E (PostgreSQL, tests/pg.py's throwaway
cluster) path: start, then the four task completions, each action as the
web app does it (its own app context and unit_of_work; the actor loaded as
the bench loads it, one statement of each action).  Every statement the
driver is given is counted (SQLAlchemy's before_cursor_execute), those sent
in one psycopg pipeline (engine/write_batch.py) too; a round trip is a
statement outside a pipeline, a pipeline, or the COMMIT."""
import argparse
import collections
import sys
import tempfile
from pathlib import Path

from sqlalchemy import event

from engine.db import db

from . import engine_bench as eb


def count(url: str, label: str, runs: int, show: bool, first_instance_id=None) -> float:
    scenario = eb.Persisted(label, url, first_instance_id=first_instance_id)
    with scenario.app.app_context():
        engine = db.engine
    seen: list[tuple[str, bool]] = []
    counting = [False]

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):
        if counting[0]:
            raw = conn.connection.dbapi_connection
            in_pipeline = getattr(raw, "_pipeline", None) is not None
            seen.append((" ".join(statement.split())[:100], in_pipeline))

    timed = scenario._timed
    per_action = collections.defaultdict(list)

    def _counted(fn, *args):
        seen.clear()
        counting[0] = True
        try:
            return timed(fn, *args)
        finally:
            counting[0] = False
            action = "start" if fn.__name__ == "_start" else eb.SHORT[args[-1]]
            per_action[action].append(list(seen))

    scenario._timed = _counted
    try:
        for _ in range(runs):
            scenario.run_once()
    finally:
        scenario.close()
    completions = []
    for action, runs_seen in per_action.items():
        last = runs_seen[-1]
        trips = sum(1 for _, piped in last if not piped) + (1 if any(p for _, p in last) else 0) + 1
        print(f"{label} {action:9} statements {len(last):3d}   round trips (with COMMIT) {trips:3d}")
        if show:
            for statement, piped in last:
                print(f"      {'|' if piped else ' '} {statement}")
        if action != "start":
            completions += [len(s) for s in runs_seen]
    mean = sum(completions) / len(completions)
    print(f"{label} statements per completion (mean of {len(completions)}): {mean:.2f}\n")
    return mean


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--show", action="store_true", help="list each action's statements ('|': pipelined)")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="caseflow-count-"))
    count(f"sqlite:///{tmp / 'count.sqlite'}", "B", args.runs, args.show)
    if not args.no_pg and eb.postgres_available():
        from tests.pg import Cluster
        cluster = Cluster()
        cluster.start()
        try:
            cluster.admin("CREATE DATABASE caseflow_count")
            count(cluster.url("caseflow_count"), "E", args.runs, args.show, first_instance_id=10**7)
        finally:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
