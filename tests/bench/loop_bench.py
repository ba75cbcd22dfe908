"""The loop figure of `make bench` (issue 16): is a task's completion as cheap
at the 200th pass of a loop as at the first?

    python -m tests.bench.loop_bench [--passes N] [--rounds R]

One instance of tests/data/loop_review.bpmn whose "Review the plan" loops
back to itself through a gateway (again == "yes") is completed `--passes`
times, `--rounds` instances in turn:

  caseflow  runtime.complete_task, persisted on SQLite (WAL), each completion in
            its own app context and unit_of_work() as engine_bench's B; finding
            the ready task between completions is not timed;
  bare      SpiffWorkflow in memory, the same diagram (engine_bench's A).

Both run interleaved, pass by pass.  `loop 200/1` is the median of the
completions of passes 191-200 over that of passes 1-10 (all rounds); flat is
1.  The same in CPU time (time.process_time) is printed too: on a busy
machine wall time swings, CPU time much less.  The snapshot size is the instance row's compressed state after pass 1 and
after the last pass, and the tasks are those in the tree then.
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import cache, runtime, specs, state_names
from engine.db import db
from engine.models import Case, ProcessInstance, Task, User
from engine.scripting import script_engine
from engine.serialization import dump_state, load_state
from engine.transaction import unit_of_work

from .engine_bench import ROOT, complete_in_memory, make_app, median, prepare_database, run_engine

LOOP_BPMN = ROOT / "tests" / "data" / "loop_review.bpmn"
PROCESS = "loop_review"
LOOPING_TASK = "Task_review"
AGAIN = {"again": "yes", "step": "1"}
WINDOW = 10


class CaseflowLoop:
    """One persisted instance at a time, completed pass by pass."""

    def __init__(self, url: str):
        self.ids = prepare_database(url)
        self.app = make_app(url)
        with self.app.app_context(), unit_of_work():
            specs.deploy(LOOP_BPMN.read_bytes(), LOOP_BPMN.name, forms={})
        self.instance_id = None

    def start(self) -> None:
        with self.app.app_context():
            actor = db.session.get(User, self.ids["users"]["social-worker"])
            case = db.session.get(Case, self.ids["case_id"])
            with unit_of_work():
                self.instance_id = runtime.start_instance(PROCESS, case, actor).id

    def complete(self) -> float:
        with self.app.app_context():
            (task_id,) = db.session.scalars(select(Task.id).where(
                Task.instance_id == self.instance_id, Task.state == "ready")).all()
        t0, c0 = time.perf_counter(), time.process_time()
        with self.app.app_context():
            actor = db.session.get(User, self.ids["users"]["social-worker"])
            with unit_of_work():
                runtime.complete_task(task_id, actor, dict(AGAIN))
        return time.perf_counter() - t0, time.process_time() - c0

    def snapshot(self) -> tuple[int, int]:
        """(bytes of the instance's state, tasks in its tree)."""
        with self.app.app_context():
            instance = db.session.get(ProcessInstance, self.instance_id)
            assert instance.status == "running", instance.error
            loaded = specs.loaded_by_id(instance.definition_id)
            workflow = load_state(instance.state, loaded.spec, loaded.subprocess_specs, script_engine())
            return len(instance.state), len(workflow.tasks)

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


class BareLoop:
    """The same diagram in bare SpiffWorkflow, in memory."""

    def __init__(self):
        parser = SpiffBpmnParser()
        parser.add_bpmn_files([str(LOOP_BPMN)])
        self.spec, self.subprocess_specs = parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS)
        self.engine = script_engine()
        self.workflow = None

    def start(self) -> None:
        with state_names.stock():  # SpiffWorkflow as installed (engine/state_names.py)
            self.workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.engine)
            run_engine(self.workflow)

    def complete(self) -> float:
        (task,) = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        with state_names.stock():
            t0, c0 = time.perf_counter(), time.process_time()
            complete_in_memory(self.workflow, task, dict(AGAIN))
            return time.perf_counter() - t0, time.process_time() - c0

    def snapshot(self) -> tuple[int, int]:
        return len(dump_state(self.workflow)), len(self.workflow.tasks)


def bench_loop(tmp: Path, passes: int = 200, rounds: int = 5) -> dict:
    """Per scenario: the completion times by pass (all rounds) and the
    snapshot (bytes, tasks) after pass 1 and after the last pass."""
    cache.clear()
    caseflow = CaseflowLoop(f"sqlite:///{tmp / 'loop.sqlite'}")
    scenarios = {"caseflow": caseflow, "bare": BareLoop()}
    times = {name: [[] for _ in range(passes)] for name in scenarios}
    cpu = {name: [[] for _ in range(passes)] for name in scenarios}
    sizes = {}
    try:
        for _ in range(rounds):
            for scenario in scenarios.values():
                scenario.start()
            for i in range(passes):
                for name, scenario in scenarios.items():
                    wall, used = scenario.complete()
                    times[name][i].append(wall)
                    cpu[name][i].append(used)
                    if i in (0, passes - 1):
                        sizes.setdefault(name, {})[i + 1] = scenario.snapshot()
    finally:
        caseflow.close()
        cache.clear()
    return {"passes": passes, "rounds": rounds, "times": times, "cpu": cpu, "sizes": sizes}


def loop_ratio(by_pass: list[list[float]]) -> tuple[float, float, float]:
    """(median near the first pass, near the last, last/first)."""
    window = min(WINDOW, len(by_pass) // 2) or 1
    first = median([t for ts in by_pass[:window] for t in ts])
    last = median([t for ts in by_pass[-window:] for t in ts])
    return first, last, last / first


def print_loop(results: dict) -> None:
    passes, rounds = results["passes"], results["rounds"]
    window = min(WINDOW, passes // 2) or 1
    print(f"\nLoop: {PROCESS} ({LOOP_BPMN.relative_to(ROOT)}), «Review the plan» completed {passes} times "
          f"in one instance, {rounds} instances; medians of passes 1-{window} and "
          f"{passes - window + 1}-{passes}")
    print(f"{'':34} {'near pass 1 (ms)':>17} {f'near pass {passes} (ms)':>19} {'snapshot 1 → ' + str(passes):>24}"
          f" {'tasks':>11}")
    for name, label in (("caseflow", "caseflow engine, SQLite"), ("bare", "bare SpiffWorkflow, in memory")):
        first, last, ratio = loop_ratio(results["times"][name])
        (b1, t1), (bn, tn) = results["sizes"][name][1], results["sizes"][name][passes]
        print(f"{label:34} {first * 1000:17.2f} {last * 1000:19.2f} {f'{b1:,} → {bn:,} B':>24}"
              f" {f'{t1} → {tn}':>11}")
    for name in ("caseflow", "bare"):
        print(f"loop {passes}/1 = {loop_ratio(results['times'][name])[2]:.2f}  ({name}; "
              f"in CPU time {loop_ratio(results['cpu'][name])[2]:.2f}, which other load on the machine moves less)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="caseflow-loop-bench-"))
    try:
        print_loop(bench_loop(tmp, max(2, args.passes), max(1, args.rounds)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
