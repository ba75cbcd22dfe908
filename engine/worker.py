"""The worker: fires due timers, tells people of their work (engine/notifier.py)
and counts the managers' chart's closed weeks (engine/chart.py),
as many workers as you like.

Due timers are claimed with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so
several workers never fire the same timer; on SQLite the database's single
writer lock serialises them.
"""
import logging
import signal
import time

from sqlalchemy import select

from flask import current_app

from . import chart, mail, notifier, runtime
from .db import db
from .models import ProcessInstance, Timer
from .timeutil import utcnow
from .transaction import Conflict, unit_of_work

log = logging.getLogger("caseflow.worker")


def _claim_due_timer(skipped):
    return db.session.scalars(
        select(Timer).where(Timer.fired_at.is_(None), Timer.fire_at <= utcnow(),
                            Timer.id.not_in(skipped))
        .order_by(Timer.fire_at).limit(1).with_for_update(skip_locked=True)).first()


def fire_due_timers(limit: int = 100) -> int:
    """Fire up to `limit` due timers, one transaction each; return how many."""
    fired = 0
    skipped: set[str] = set()
    for _ in range(limit):
        timer_id = None
        try:
            with unit_of_work():
                timer = _claim_due_timer(skipped)
                if timer is None:
                    break
                timer_id = timer.id
                instance = db.session.scalars(select(ProcessInstance).where(
                    ProcessInstance.id == timer.instance_id).with_for_update()).one()
                if instance.status != "running":
                    skipped.add(timer.id)
                    continue
                fired += runtime.fire_timers(instance)
                if db.session.scalar(select(Timer.fired_at).where(Timer.id == timer.id)) is None:
                    skipped.add(timer.id)  # not yet due by the engine's clock
        except Conflict:
            continue  # a person moved the instance on meanwhile; try again next round
        except Exception:  # one broken instance must not stop the others
            if timer_id is not None and _fired_elsewhere(timer_id):
                # SQLite: pysqlite begins the transaction at the first write, so
                # another worker may fire this timer between our read and our
                # write (its task rows then collide with ours): a lost race.
                log.debug("timer %s fired by another worker", timer_id)
                continue
            log.exception("timer %s failed", timer_id or "?")
            if timer_id is not None:
                skipped.add(timer_id)
    return fired


def _fired_elsewhere(timer_id: str) -> bool:
    try:
        return db.session.scalar(select(Timer.fired_at).where(Timer.id == timer_id)) is not None
    finally:
        db.session.rollback()


def _notify(transport) -> None:
    try:
        done = notifier.run_jobs(transport)
    except Exception:  # a broken job must not stop the timers
        log.exception("notification jobs failed")
        return
    if any(done.values()):
        log.info("notifications: %s", ", ".join(f"{k} {v}" for k, v in done.items() if v))


def _count_chart_weeks() -> None:
    try:
        if kept := chart.count_closed_weeks():
            log.info("chart: %d closed week(s) counted", kept)
    except Exception:  # the chart counts its weeks live meanwhile
        db.session.rollback()
        log.exception("counting the chart's closed weeks failed")


def checkpoint() -> None:
    """SQLite: copy the write-ahead log into the database here, off the
    requests' path (webforms/__init__.py).  PASSIVE never waits for, nor
    blocks, readers and writers."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")


def run(interval: float = 1.0, once: bool = False) -> None:
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    transport = mail.transport(current_app.config)
    log.info("worker started; e-mail %s", f"by {transport.name}" if transport else "off (in the app only)")
    while not stopping:
        count = fire_due_timers()
        if count:
            log.info("fired %d timer(s)", count)
        _notify(transport)
        _count_chart_weeks()
        db.session.remove()
        checkpoint()
        if once:
            break
        time.sleep(interval)
