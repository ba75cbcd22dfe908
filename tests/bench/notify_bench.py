"""What telling people costs (issue 13 "Speed"):

1. the outbox on a task completion: engine_bench's persisted JARP path with
   the outbox on and off (its events not queued), interleaved in one run, on
   SQLite and PostgreSQL;
2. the worker delivering 1,000 queued e-mails to a real SMTP server
   (aiosmtpd on loopback), the real `flask worker` process.

    .venv/bin/python -m tests.bench.notify_bench [--runs N] [--mails N] [--no-pg]
"""
import argparse
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from engine import outbox
from engine.db import db
from engine.models import MailMessage, User
from engine.timeutil import utcnow
from engine.transaction import unit_of_work

from ..integration.mail_steps import SmtpServer, worker
from ..pg import Cluster
from . import engine_bench as eb


class WithoutOutbox(eb.Persisted):
    """B with nothing queued for the outbox: what the completion cost before it."""

    def _timed(self, fn, *args):
        real = outbox.tasks_ready
        outbox.tasks_ready = lambda rows: None
        try:
            return super()._timed(fn, *args)
        finally:
            outbox.tasks_ready = real


def outbox_cost(url_on: str, url_off: str, runs: int, warmup: int, label: str, first_ids=(None, None)):
    on = eb.Persisted(f"{label} outbox on", url_on, first_ids[0])
    off = WithoutOutbox(f"{label} outbox off", url_off, first_ids[1])
    try:
        eb.run_interleaved([on, off], runs, warmup)
        a, b = eb.median(on.samples.completions), eb.median(off.samples.completions)
        print(f"{label}: per task completion, median of {len(on.samples.completions)}: "
              f"{b * 1000:.3f} ms without the outbox, {a * 1000:.3f} ms with it ({(a - b) * 1000:+.3f} ms)")
    finally:
        on.close()
        off.close()


def mail_throughput(count: int) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp}/mail.sqlite"
    eb.prepare_database(url)
    app = eb.make_app(url)
    with app.app_context():
        person = db.session.scalar(select(User).filter_by(username="social-worker"))
        with unit_of_work():
            db.session.add_all(MailMessage(user_id=person.id, to_address=person.email, subject=f"Message {i}",
                                           body="A task you can act on is ready.\n", kind="task_ready",
                                           about=f"bench:{i}", next_attempt_at=utcnow(), created_at=utcnow())
                               for i in range(count))
    with SmtpServer() as smtp:
        start = time.perf_counter()
        proc = worker(url, "--interval", "0.2", CASEFLOW_SMTP_URL=smtp.url)
        try:
            while len(smtp.inbox.messages) < count and time.perf_counter() - start < 120:
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.communicate(timeout=10)
        received = len(smtp.inbox.messages)
    with app.app_context():
        sent = db.session.scalar(select(func.count()).select_from(MailMessage).where(MailMessage.status == "sent"))
        db.engine.dispose()
    print(f"worker: {received} of {count} e-mails received by the SMTP server in {elapsed:.1f} s "
          f"(process start included; {sent} marked sent)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("CASEFLOW_SECRET_KEY", "bench")
    tmp = Path(tempfile.mkdtemp())
    outbox_cost(f"sqlite:///{tmp}/on.sqlite", f"sqlite:///{tmp}/off.sqlite", args.runs, args.warmup, "SQLite")
    if not args.no_pg and eb.postgres_available():
        cluster = Cluster()
        cluster.start()
        try:
            cluster.admin("CREATE DATABASE bench_on")
            cluster.admin("CREATE DATABASE bench_off")
            outbox_cost(cluster.url("bench_on"), cluster.url("bench_off"), args.runs, args.warmup, "PostgreSQL",
                        (1_000_000, 2_000_000))
        finally:
            cluster.stop()
    mail_throughput(args.mails)


if __name__ == "__main__":
    main()
