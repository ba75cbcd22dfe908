"""What a read event costs a case page (issue 11 item 6): the case page
timed with and without engine.reads.record, interleaved (ABAB...) so drift
and caching hit both alike, medians of many runs, on SQLite and PostgreSQL.

    .venv/bin/python -m tests.bench.read_event_bench [runs]
"""
import statistics
import sys
import time

from engine import reads
from engine.db import db
from webforms import create_app, demo

from ..conftest import _build_template
from .backends import on_both


def measure(url: str, runs: int) -> tuple[float, float]:
    _build_template(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/sign-in", data={"username": "social-worker", "password": demo.DEMO_PASSWORD})
    real = reads.record
    with_event, without = [], []
    for i in range(runs * 2 + 20):
        on = i % 2 == 0
        reads.record = real if on else (lambda *a, **k: None)
        start = time.perf_counter()
        response = client.get("/cases/1")
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        if i >= 20:   # the first rounds warm caches and the pool
            (with_event if on else without).append(elapsed)
    reads.record = real
    with app.app_context():
        db.engine.dispose()
    return statistics.median(with_event) * 1000, statistics.median(without) * 1000


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    results = on_both(measure, runs)
    for name, (on, off) in results.items():
        print(f"{name}: case page median {off:.3f} ms without, {on:.3f} ms with the read event "
              f"(+{on - off:.3f} ms, {runs} runs each, interleaved)")


if __name__ == "__main__":
    main()
