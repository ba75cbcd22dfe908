"""50 people at once (issue 16): locust, headless, against the app served as
`make run` serves it (gunicorn 2 workers × 4 threads, access log, the worker
beside it), on SQLite and on a throwaway PostgreSQL with fsync on.

Each simulated person starts a JARP referral on a case of their own and
completes the referral form over the API (engine_bench's answers), then
the next, thinking about a second between actions; the figures
are the completions' p50/p95/p99 and the errors, steady state (the first
seconds, while people arrive, are not counted).

    .venv/bin/python -m tests.bench.load_bench [--users 50] [--seconds 60] [--no-pg]
"""
import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if sys.argv[1:2] == ["--locust"]:
    import locust  # noqa: F401  (gevent's monkey-patching must come before any other import of ssl)

ROOT = Path(__file__).resolve().parents[2]
CASES = 5000   # one running JARP referral per case (issue 12 item 16): a fresh case for each start


def prepare(url: str) -> tuple[dict, list[int]]:
    """Migrate, deploy, seed, spare cases; tokens of the starter and the
    referral's author: (tokens by sign-in name, case ids)."""
    from .engine_bench import prepare_database
    ids = prepare_database(url, tokens=True, spare_cases=CASES)
    return ids["tokens"], ids["spare_cases"]


def serve(url: str, tmp: Path):
    """gunicorn and the worker as `make run` starts them; returns (processes, base URL)."""
    from .engine_bench import free_port
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, CASEFLOW_SECURE_COOKIES="0")
    log = open(tmp / "server.log", "ab")
    bin_dir = Path(sys.executable).parent
    procs = [subprocess.Popen([str(bin_dir / "gunicorn"), "-c", "python:webforms.serving", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "--threads", "4", "--access-logfile", str(tmp / "access.log"),
                               "webforms:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log),
             subprocess.Popen([sys.executable, "-m", "flask", "--app", "webforms", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=log)]
    import http.client
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return procs, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not start: {(tmp / 'server.log').read_text()[-2000:]}")


def load(base: str, tokens: dict, case_ids: list[int], users: int, seconds: int) -> dict:
    """locust in this process: `users` people, each on its own case, the figures after the ramp-up."""
    import gevent
    from locust import HttpUser, between, events, task
    from locust.env import Environment

    from .engine_bench import PROCESS, STARTER, STEPS, answers
    free = list(case_ids)
    referral = "Task_complete_referral"   # the step a person completes (the meeting's come days later)

    def auth(username):
        return {"Authorization": f"Bearer {tokens[username]}"}

    class Practitioner(HttpUser):
        host = base
        wait_time = between(0.5, 1.5)   # about a second's thought between actions

        def on_start(self):
            self.waiting = None

        @task
        def next_action(self):
            if self.waiting is None:
                answer = self.client.post("/api/v1/instances", json={"process": PROCESS, "case_id": free.pop()},
                                          headers=auth(STARTER), name="start")
                tasks = answer.json().get("tasks", []) if answer.status_code == 201 else []
                self.waiting = next((t["id"] for t in tasks if t["element"] == referral), None)
            else:
                self.client.post(f"/api/v1/tasks/{self.waiting}/complete", json={"data": answers(referral)},
                                 headers=auth(STEPS[referral][0]), name="complete")
                self.waiting = None

    env = Environment(user_classes=[Practitioner], events=events)
    runner = env.create_local_runner()
    ramp = min(10, max(2, seconds // 6))
    runner.start(users, spawn_rate=max(1, users / ramp))
    gevent.sleep(ramp)
    env.stats.reset_all()     # steady state only
    gevent.sleep(seconds - ramp)
    runner.quit()
    done, start = env.stats.get("complete", "POST"), env.stats.get("start", "POST")
    return {"completions": done.num_requests, "errors": done.num_failures + start.num_failures,
            "p50": done.get_response_time_percentile(0.5), "p95": done.get_response_time_percentile(0.95),
            "p99": done.get_response_time_percentile(0.99), "seconds": seconds - ramp,
            "why": sorted({f"{e.name}: {str(e.error)[:120]}" for e in env.stats.errors.values()})[:5]}


def run(label: str, url: str, users: int, seconds: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    tokens, case_ids = prepare(url)
    procs, base = serve(url, tmp)
    try:
        # locust (gevent) patches sockets and ssl as it is imported, before anything else: its own process
        child = subprocess.run([sys.executable, "-m", "tests.bench.load_bench", "--locust", base,
                                json.dumps(tokens), json.dumps(case_ids), str(users), str(seconds)], cwd=ROOT,
                               capture_output=True,
                               text=True, timeout=seconds + 120)
        if child.returncode != 0:
            raise RuntimeError(child.stderr[-3000:])
        r = json.loads(child.stdout.strip().splitlines()[-1])
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(15)
    print(f"{label}: {users} users, {r['seconds']} s steady state: {r['completions']} completions, "
          f"p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms, {r['errors']} errors"
          + (f" ({'; '.join(r['why'])})" if r["errors"] else ""))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--locust"]:
        base, tokens, case_ids, users, seconds = argv[1:6]
        print(json.dumps(load(base, json.loads(tokens), json.loads(case_ids), int(users), int(seconds))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("CASEFLOW_SECRET_KEY", secrets.token_hex(32))
    run("SQLite", f"sqlite:///{tempfile.mkdtemp()}/load.sqlite", args.users, args.seconds)
    if not args.no_pg:
        from ..pg import Cluster
        cluster = Cluster(fsync=True)
        cluster.start()
        try:
            cluster.admin("CREATE DATABASE load")
            run("PostgreSQL (fsync on)", cluster.url("load"), args.users, args.seconds)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
