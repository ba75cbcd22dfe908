"""The managers' 12-week chart: instances started, completed (on time or
not) and overdue at each week's end, per process, in a manager's scope.

A week that has ended does not change any more, so the worker counts each
closed week once, for every process, service and unit together, and keeps
the counts (chart_week_count, marked done in chart_week): the overview then
reads about a hundred small rows instead of scanning a week's instances, and
costs the same at a million instances as at a thousand (issue 16).  The week
running now, and any closed week the worker has not counted yet (no worker
running, a fresh database), are counted from the instance table as they are
read.  Kept counts are as they stood when the week closed: a case that moves
unit later keeps its earlier weeks where they happened.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case as sql_case, func, insert, select
from sqlalchemy.exc import IntegrityError

from processes import clock

from .dashboard import OPEN, Scope, Rules
from .db import db
from .models import ChartWeek, ChartWeekCount, ProcessInstance
from .timeutil import from_db, to_db, utcnow
from .transaction import Conflict, unit_of_work

WEEKS = 12


@dataclass
class Week:
    starts: date
    started: int = 0
    completed: int = 0
    overdue: int = 0
    on_time: int = 0           # completed within their deadline
    with_deadline: int = 0     # completed that had one

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.with_deadline if self.with_deadline else None


def week_starts(now_london: datetime, weeks: int = WEEKS) -> list[datetime]:
    """Monday 00:00 London of each of the last `weeks` weeks, this week last."""
    monday = clock.as_date(now_london) - timedelta(days=clock.as_date(now_london).weekday())
    return [datetime.combine(monday - timedelta(weeks=weeks - 1 - i), time(0, 0), tzinfo=clock.LONDON)
            for i in range(weeks)]


@dataclass(frozen=True)
class Window:
    """Consecutive weeks as the database sees them (naive UTC): each week's
    first moment, the edge after the last, and where each week's count of
    overdue work is taken (its end; now for a week still running)."""
    starts: list[datetime]     # London
    edges: list[datetime]
    ends: list[datetime]

    @classmethod
    def of(cls, starts: list[datetime], now_db: datetime) -> "Window":
        edges = [to_db(s) for s in starts] + [to_db(starts[-1] + timedelta(weeks=1))]
        return cls(starts, edges, [min(e, now_db) for e in edges[1:]])


def _week_index(column, edges):
    """Which of the weeks (0 = the first) a timestamp falls in, computed in SQL
    from the weeks' edges (Monday 00:00 London, as UTC): summer time included."""
    return sql_case(*[(column < edge, i) for i, edge in enumerate(edges[1:])], else_=len(edges) - 1)


# ---------------------------------------------------------------- counted from the instances

def started_query(w: Window, groups, where=None):
    """Instances started per group and week, over the window only (ix_instance_started;
    the range is closed at both ends, which SQLite's planner takes as narrow)."""
    pi = ProcessInstance
    week = _week_index(pi.started_at, w.edges).label("week")
    query = select(*groups, week, func.count()).where(pi.started_at >= w.edges[0], pi.started_at < w.edges[-1])
    return _where(query, where).group_by(*groups, week)


def completed_query(w: Window, groups, where=None):
    """Instances ended per group and week over the window (ix_instance_ended):
    completed, completed by their deadline, completed having one.  Only the
    end is in the WHERE, so no plan can read every complete instance."""
    pi = ProcessInstance
    week = _week_index(pi.completed_at, w.edges).label("week")
    complete = pi.status == "complete"
    query = select(*groups, week,
                   func.sum(sql_case((complete, 1), else_=0)),
                   func.sum(sql_case((and_(complete, pi.due_at.is_not(None), pi.completed_at <= pi.due_at), 1),
                                     else_=0)),
                   func.sum(sql_case((and_(complete, pi.due_at.is_not(None)), 1), else_=0))
                   ).where(pi.completed_at >= w.edges[0], pi.completed_at < w.edges[-1])
    return _where(query, where).group_by(*groups, week)


def overdue_queries(w: Window, now_db: datetime, groups, where=None):
    """Instances open at each week's end with their process deadline passed:
    those still open now, and those that ended (complete, or cancelled: both
    carry their end in completed_at) after the window's first end, after their
    deadline.  Two queries, each read off one covering index; their counts add up."""
    pi = ProcessInstance

    def at_week_ends(still_open: bool):
        return [func.sum(sql_case((and_(pi.started_at < e, pi.due_at < e) if still_open else
                                   and_(pi.started_at < e, pi.due_at < e, pi.completed_at > e), 1), else_=0))
                for e in w.ends]
    still_open = select(*groups, *at_week_ends(True)).where(pi.status.in_(OPEN), pi.due_at < now_db)
    ended = select(*groups, *at_week_ends(False)).where(
        pi.completed_at > w.ends[0], pi.completed_at <= now_db, pi.due_at < pi.completed_at)
    return [_where(q, where).group_by(*groups) for q in (still_open, ended)]


def _where(query, where):
    return query if where is None else query.where(where)


def _counted(w: Window, now_db: datetime, groups, where=None) -> dict[tuple, list[Week]]:
    """{group values: a Week per week of the window}, from the instance table."""
    out: dict[tuple, list[Week]] = {}
    n = len(groups)

    def series(key):
        return out.setdefault(key, [Week(clock.as_date(s)) for s in w.starts])

    for row in db.session.execute(started_query(w, groups, where)):
        if 0 <= row[n] < len(w.starts):
            series(tuple(row[:n]))[row[n]].started += row[n + 1]
    for row in db.session.execute(completed_query(w, groups, where)):
        i, done, on_time, with_deadline = row[n:]
        if 0 <= i < len(w.starts) and done:
            week = series(tuple(row[:n]))[i]
            week.completed += int(done)
            week.on_time += int(on_time or 0)
            week.with_deadline += int(with_deadline or 0)
    for query in overdue_queries(w, now_db, groups, where):
        for row in db.session.execute(query):
            for week, count in zip(series(tuple(row[:n])), row[n:]):
                week.overdue += int(count or 0)
    return out


# ---------------------------------------------------------------- closed weeks, kept

_GROUPS = (ProcessInstance.process_key, ProcessInstance.service, ProcessInstance.unit_id)


def count_closed_weeks(weeks: int = WEEKS) -> int:
    """Count and keep each closed week of the chart's window not kept yet;
    the worker calls this every round (one small query when all are kept).
    One transaction a week: its mark and its rows, or nothing.  Two workers
    counting the same week: the mark's primary key lets one keep it."""
    now = clock.now()
    now_db = to_db(now)
    closed = week_starts(now, weeks + 1)[:-1]            # the `weeks` weeks before this one
    kept = _kept_weeks([clock.as_date(s) for s in closed])
    done = 0
    for start in closed:
        if clock.as_date(start) in kept:
            continue
        try:
            with unit_of_work():
                _keep_week(start, now_db)
            done += 1
        except (IntegrityError, Conflict):     # another worker kept it first
            pass
    return done


def _keep_week(start: datetime, now_db: datetime) -> None:
    # counted before anything is written, so SQLite's write lock is held
    # only for the inserts
    week = clock.as_date(start)
    rows = _counted(Window.of([start], now_db), now_db, _GROUPS)
    db.session.add(ChartWeek(week=week, counted_at=utcnow()))
    values = [dict(week=week, process_key=key, service=service, unit_id=unit_id, started=w.started,
                   completed=w.completed, on_time=w.on_time, with_deadline=w.with_deadline, overdue=w.overdue)
              for (key, service, unit_id), (w,) in rows.items()
              if w.started or w.completed or w.overdue]
    if values:
        db.session.execute(insert(ChartWeekCount), values)


def any_week_kept() -> bool:
    """Whether the worker has kept a closed week yet: data back-dated after
    that (the demo history, webforms/demo_history.py) would not show in it."""
    return db.session.scalar(select(ChartWeek.week).limit(1)) is not None


def _kept_weeks(weeks: list[date]) -> set[date]:
    return set(db.session.scalars(select(ChartWeek.week).where(ChartWeek.week.in_(weeks))))


def _kept_counts(weeks: list[date], scope_where) -> dict[tuple, Week]:
    """{(process, week): Week} summed over the scope's kept rows."""
    c = ChartWeekCount
    query = (select(c.process_key, c.week, func.sum(c.started), func.sum(c.completed), func.sum(c.on_time),
                    func.sum(c.with_deadline), func.sum(c.overdue))
             .where(c.week.in_(weeks)).group_by(c.process_key, c.week))
    if scope_where is not None:
        query = query.where(scope_where)
    return {(key, week): Week(week, int(s), int(d), int(o), int(t), int(wd))
            for key, week, s, d, t, wd, o in db.session.execute(query)}


# ---------------------------------------------------------------- the chart

def chart(scope: Scope, r: Rules, weeks: int = WEEKS) -> dict[str, list[Week]]:
    """{process key: a Week per week, oldest first, this week last} in a
    scope (engine/dashboard.py's Scope).  Kept weeks are read; from the first
    week not kept on, the weeks are counted from the instances."""
    now_db = r.now
    starts = week_starts(from_db(now_db), weeks)
    days = [clock.as_date(s) for s in starts]
    kept = _kept_weeks(days[:-1])
    first_counted = next((i for i, d in enumerate(days) if d not in kept), len(days) - 1)
    instance_where, kept_where = _scope_filters(scope)
    out: dict[str, list[Week]] = {}
    for (key, week), counts in _kept_counts(days[:first_counted], kept_where).items():
        out.setdefault(key, [Week(d) for d in days])[days.index(week)] = counts
    window = Window.of(starts[first_counted:], now_db)
    for (key,), series in _counted(window, now_db, (ProcessInstance.process_key,), instance_where).items():
        out.setdefault(key, [Week(d) for d in days])[first_counted:] = series
    return dict(sorted(out.items()))


def _scope_filters(scope: Scope):
    """The scope as a filter on instances and on kept rows: the same columns."""
    if scope.everything:
        return None, None
    if scope.unit_id is not None:
        return ProcessInstance.unit_id == scope.unit_id, ChartWeekCount.unit_id == scope.unit_id
    return ProcessInstance.service == scope.service, ChartWeekCount.service == scope.service
