"""What the hash chain adds to a commit that writes audit rows (issue 11
item 5): engine.audit_chain.chain timed inside a real transaction, for the
two rows a task completion writes, on SQLite and PostgreSQL; medians.

    .venv/bin/python -m tests.bench.audit_chain_bench [runs]
"""
import statistics
import sys
import time

from engine import audit, audit_chain
from engine.db import db
from engine.models import User
from engine.transaction import unit_of_work
from webforms import create_app

from ..conftest import _build_template
from .backends import on_both


def measure(url: str, runs: int) -> float:
    _build_template(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench"})
    timings = []
    real = audit_chain.chain

    def timed(connection, rows):
        start = time.perf_counter()
        real(connection, rows)
        timings.append(time.perf_counter() - start)
    audit_chain.chain = timed
    try:
        with app.app_context():
            actor = db.session.get(User, 1)
            for _ in range(runs + 20):
                with unit_of_work():
                    db.session.execute(User.__table__.update().where(User.id == actor.id)
                                       .values(name=actor.name))
                    audit.record("task.completed", actor, detail={"data": {"count": 2}})
                    audit.record("instance.completed", actor)
            db.engine.dispose()
    finally:
        audit_chain.chain = real
    return statistics.median(timings[20:]) * 1000


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    results = on_both(measure, runs)
    for name, ms in results.items():
        print(f"{name}: the chain adds {ms:.3f} ms (median of {runs}) to a commit writing two audit rows")


if __name__ == "__main__":
    main()
