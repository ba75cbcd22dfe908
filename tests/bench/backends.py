"""Run one measurement on a fresh SQLite file and on a throwaway PostgreSQL (tests/pg.py)."""
import tempfile

from ..pg import Cluster


def on_both(measure, runs: int) -> dict:
    """{"sqlite": measure(url, runs), "postgresql": measure(url, runs)}."""
    results = {"sqlite": measure(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite", runs)}
    cluster = Cluster()
    cluster.start()
    try:
        cluster.admin("CREATE DATABASE caseflow_bench")
        results["postgresql"] = measure(cluster.url("caseflow_bench"), runs)
    finally:
        cluster.stop()
    return results
