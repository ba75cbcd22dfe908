"""What managers see: where work is late or stuck, over the materialised
tables only (process_instance, task, timer, case_record): never a workflow.

Rules (issue 7):

* An instance is *open* while running, in error or suspended.
* *Overdue*: an open task (state ready) or an open instance's process
  deadline (process_instance.due_at) past its due time.
* *Stuck*: an instance in error (a failed script or service step); a running
  instance waiting on a timer that should have fired (more than
  STUCK_TIMER_GRACE_MINUTES late: the worker looks every second); or a running
  instance with no progress (process_instance.updated_at) for
  STUCK_WORKING_DAYS working days, unless it is waiting for a timer that is
  not due yet (a six-week review waits by design).  A suspended instance is
  paused by a manager on purpose, so it is neither idle nor late-timer stuck.

Every query is written so an index narrows it to the open or recent rows:
the history (complete instances, completed tasks, fired timers) is never
scanned, so the dashboard costs the same with ten years of history as with
one (see tests/bench/dashboard_bench.py for the figures and the indexes).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import (case as sql_case, exists, func, literal, literal_column, null, select, union,
                        union_all)
from sqlalchemy.orm import aliased

from processes import calendar, clock, posts

from .db import db
from .models import Case, ProcessDefinition, ProcessInstance, Task, Timer, Unit, User
from .timeutil import to_db

OPEN = ("running", "error", "suspended")
# Written into the SQL, not bound: the partial indexes on open tasks
# (WHERE state = 'ready') then match on PostgreSQL's generic plans too.
READY = literal_column("'ready'")
DEFAULT_STUCK_WORKING_DAYS = 5
DEFAULT_TIMER_GRACE_MINUTES = 15
PAGE_SIZE = 25


# ---------------------------------------------------------------- scope and rules

@dataclass(frozen=True)
class Scope:
    """Whose work a person oversees: a service, a unit, or (neither) everything."""
    service: str | None = None
    unit_id: int | None = None
    everything: bool = False

    @property
    def label(self) -> str:
        if self.everything:
            return "all services"
        return self.service or "your unit"


def scope_of(user: User) -> Scope:
    reach = posts.scope_of(user.post)
    if reach == posts.UNIT:
        return Scope(unit_id=user.unit_id if user.unit_id else -1)
    if reach == posts.SERVICE:
        return Scope(service=user.service or "")
    return Scope(everything=True)


def _instance_scope(scope: Scope):
    """Instances in scope, by their case's service or unit (kept on the
    instance row, engine/models.py, so no plan starts from the case table)."""
    if scope.everything:
        return None
    if scope.unit_id is not None:
        return ProcessInstance.unit_id == scope.unit_id
    return ProcessInstance.service == scope.service


def _task_scope(scope: Scope):
    """Tasks in scope, by the task's own service or unit (authz does the same)."""
    if scope.everything:
        return None
    if scope.unit_id is not None:
        return Task.unit_id == scope.unit_id
    return Task.service == scope.service


@dataclass(frozen=True)
class Rules:
    """The moment the rules are applied at, as naive UTC for the database."""
    now: datetime
    idle_before: datetime      # updated before this: no progress for N working days
    timer_late_before: datetime
    working_days: int


def idle_cutoff(now_london: datetime, working_days: int) -> datetime:
    """The first moment (London) of the day after the latest day D with at
    least `working_days` working days after it up to today: an instance last
    updated before it has made no progress for that many working days."""
    today = clock.as_date(now_london)
    d = today
    while calendar.working_days_between(d, today) < max(1, working_days):
        d -= timedelta(days=1)
    return datetime.combine(d + timedelta(days=1), time(0, 0), tzinfo=clock.LONDON)


def rules(working_days: int = DEFAULT_STUCK_WORKING_DAYS,
          timer_grace_minutes: int = DEFAULT_TIMER_GRACE_MINUTES, now: datetime | None = None) -> Rules:
    now_london = clock.as_london(now) if now is not None else clock.now()
    now_db = to_db(now_london)
    return Rules(now=now_db, idle_before=to_db(idle_cutoff(now_london, working_days)),
                 timer_late_before=now_db - timedelta(minutes=timer_grace_minutes),
                 working_days=working_days)


# ---------------------------------------------------------------- the rules as id sets

def _waiting_for_a_timer(r: Rules):
    """Instances waiting for a timer not yet due: one list (the waiting timers
    are few), not a lookup per instance."""
    return ProcessInstance.id.in_(select(Timer.instance_id).where(
        Timer.fired_at.is_(None), Timer.fire_at >= r.timer_late_before))


def overdue_ids(r: Rules):
    """Instances with an overdue open task or past their process deadline."""
    by_task = select(Task.instance_id.label("id")).where(Task.state == READY, Task.due_at < r.now)
    by_deadline = select(ProcessInstance.id.label("id")).where(
        ProcessInstance.status.in_(OPEN), ProcessInstance.due_at < r.now)
    return union(by_task, by_deadline)


def stuck_ids(r: Rules):
    errored = select(ProcessInstance.id.label("id")).where(ProcessInstance.status == "error")
    late_timer = select(Timer.instance_id.label("id")).join(
        ProcessInstance, ProcessInstance.id == Timer.instance_id).where(
        Timer.fired_at.is_(None), Timer.fire_at < r.timer_late_before,
        ProcessInstance.status == "running")
    idle = select(ProcessInstance.id.label("id")).where(
        ProcessInstance.status == "running", ProcessInstance.updated_at < r.idle_before,
        ~_waiting_for_a_timer(r))
    return union(errored, late_timer, idle)


# ---------------------------------------------------------------- counts

@dataclass
class Counts:
    open: int = 0
    overdue: int = 0
    stuck: int = 0


@dataclass
class Summary:
    by_process: dict = field(default_factory=dict)    # process_key -> Counts
    by_unit: dict = field(default_factory=dict)       # unit name -> Counts
    total: Counts = field(default_factory=Counts)
    names: dict = field(default_factory=dict)         # process_key -> name


def _grouped(ids, scope: Scope):
    """(process_key, unit name, count) of the instances in `ids`, in scope."""
    # Read from the open instances (a covering index), each kept if its id is
    # in the set: never from the whole table, however the set was found.
    query = select(ProcessInstance.process_key, Unit.name, func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status.in_(OPEN))
    if ids is not None:
        query = query.where(ProcessInstance.id.in_(ids))
    query = query.outerjoin(Unit, Unit.id == ProcessInstance.unit_id)
    where = _instance_scope(scope)
    if where is not None:
        query = query.where(where)
    return query.group_by(ProcessInstance.process_key, Unit.name)


def open_counts(scope: Scope):
    return _grouped(None, scope)


def overdue_counts(scope: Scope, r: Rules):
    return _grouped(overdue_ids(r), scope)


def stuck_counts(scope: Scope, r: Rules):
    return _grouped(stuck_ids(r), scope)


def all_counts(scope: Scope, r: Rules):
    """Open, overdue and stuck together: one pass over the open instances,
    each tested against the two id sets (read once each, hashed)."""
    pi = ProcessInstance
    query = (select(pi.process_key, Unit.name, func.count(),
                    func.sum(sql_case((pi.id.in_(overdue_ids(r)), 1), else_=0)),
                    func.sum(sql_case((pi.id.in_(stuck_ids(r)), 1), else_=0)))
             .select_from(pi).where(pi.status.in_(OPEN)).outerjoin(Unit, Unit.id == pi.unit_id))
    where = _instance_scope(scope)
    if where is not None:
        query = query.where(where)
    return query.group_by(pi.process_key, Unit.name)


def summary(scope: Scope, r: Rules) -> Summary:
    # one row per process and unit (some hundreds at a council's scale): summed
    # as plain lists, the Counts made at the end
    by_process, by_unit, total = {}, {}, [0, 0, 0]
    for process_key, unit, opened, overdue, stuck in db.session.execute(all_counts(scope, r)):
        figures = (int(opened or 0), int(overdue or 0), int(stuck or 0))
        for sums in (by_process.setdefault(process_key, [0, 0, 0]),
                     by_unit.setdefault(unit or "No unit", [0, 0, 0]), total):
            sums[0] += figures[0]
            sums[1] += figures[1]
            sums[2] += figures[2]
    return Summary(by_process={k: Counts(*v) for k, v in sorted(by_process.items())},
                   by_unit={k: Counts(*v) for k, v in sorted(by_unit.items())},
                   total=Counts(*total), names=process_names())


def process_names() -> dict[str, str]:
    return dict(db.session.execute(select(ProcessDefinition.process_key, ProcessDefinition.name)
                                   .where(ProcessDefinition.is_current)).all())


# ---------------------------------------------------------------- filters

@dataclass
class Filters:
    process: str | None = None
    unit_id: int | None = None
    post: str | None = None
    priority: int | None = None
    min_age_days: int | None = None     # open for at least this many days
    due_from: date | None = None        # London dates, inclusive
    due_to: date | None = None
    reason: str | None = None           # stuck list: error, timer, idle
    sort: str = "due"
    descending: bool = False
    page: int = 1

    def active(self) -> bool:
        return any(v is not None for v in (self.process, self.unit_id, self.post, self.priority,
                                           self.min_age_days, self.due_from, self.due_to, self.reason))


def _day_start(d: date) -> datetime:
    return to_db(datetime.combine(d, time(0, 0), tzinfo=clock.LONDON))


def day_range(column, first: date | None, last: date | None) -> list:
    """`column` (naive UTC) on London days `first` to `last`, both included; None: open-ended."""
    out = []
    if first:
        out.append(column >= _day_start(first))
    if last:
        out.append(column < _day_start(last + timedelta(days=1)))
    return out


def _due_range(column, f: Filters) -> list:
    return day_range(column, f.due_from, f.due_to)


def _filtered(process_key, priority, opened_at, due_at, r: Rules, f: Filters) -> list:
    """The filters tasks and instances share, on the given columns."""
    out = []
    if f.process:
        out.append(process_key == f.process)
    if f.priority:
        out.append(priority == f.priority)
    if f.min_age_days:
        out.append(opened_at <= r.now - timedelta(days=f.min_age_days))
    return out + _due_range(due_at, f)


# ---------------------------------------------------------------- overdue list

OVERDUE_SORTS = ("due", "created", "priority", "process", "unit", "post", "name")
# A task made before its process had a priority (the JARP referral's first
# steps, before scoring) has its process's: the list shows, filters and sorts by that.
_TASK_PRIORITY = func.coalesce(Task.priority, select(ProcessInstance.priority)
                               .where(ProcessInstance.id == Task.instance_id).scalar_subquery())
# The column each sort orders by, for tasks and for process deadlines.
_TASK_SORT = {"created": Task.created_at, "priority": _TASK_PRIORITY, "process": Task.process_key,
              "post": Task.post, "name": Task.name}
_DEADLINE_SORT = {"created": ProcessInstance.started_at, "priority": ProcessInstance.priority,
                  "process": ProcessInstance.process_key, "post": null(), "name": ProcessInstance.summary}


def _overdue_keys(scope: Scope, r: Rules, f: Filters, sort: str | None):
    """Every overdue item as a narrow row (kind, task_id, instance_id, due_at
    and the sort value): overdue tasks, and open instances past their process
    deadline.  Paging and counting read only these; the details are fetched
    for the page's rows alone."""
    def sort_value(columns, unit_id):
        if sort == "unit":
            return [select(Unit.name).where(Unit.id == unit_id).scalar_subquery().label("sort_value")]
        if sort in columns:
            return [columns[sort].label("sort_value")]
        return []

    task_where = [Task.state == READY, Task.due_at < r.now]
    if (w := _task_scope(scope)) is not None:
        task_where.append(w)
    task_where += _filtered(Task.process_key, _TASK_PRIORITY, Task.created_at, Task.due_at, r, f)
    if f.unit_id:
        task_where.append(Task.unit_id == f.unit_id)
    if f.post:
        task_where.append(Task.post == f.post)
    tasks = select(literal("task").label("kind"), Task.id.label("task_id"), Task.instance_id.label("instance_id"),
                   Task.due_at.label("due_at"), *sort_value(_TASK_SORT, Task.unit_id)).where(*task_where)
    if f.post:  # a process deadline belongs to no post
        return tasks.subquery("overdue")

    pi = ProcessInstance
    deadline_where = [pi.status.in_(OPEN), pi.due_at < r.now,
                      *_filtered(pi.process_key, pi.priority, pi.started_at, pi.due_at, r, f)]
    deadlines = select(literal("process").label("kind"), null().label("task_id"), pi.id.label("instance_id"),
                       pi.due_at.label("due_at"), *sort_value(_DEADLINE_SORT, pi.unit_id))
    if (scoped := _instance_scope(scope)) is not None:
        deadline_where.append(scoped)
    if f.unit_id:
        deadline_where.append(pi.unit_id == f.unit_id)
    return union_all(tasks, deadlines.where(*deadline_where)).subquery("overdue")


def _order(sub, descending: bool):
    """By the sort value (empty ones last, whichever way), then by due date;
    ids last, so pages neither repeat nor skip rows."""
    ordered = []
    if "sort_value" in sub.c:
        ordered += [sub.c.sort_value.is_(None), sub.c.sort_value.desc() if descending else sub.c.sort_value.asc()]
        ordered.append(sub.c.due_at.asc())
    else:
        ordered.append(sub.c.due_at.desc() if descending else sub.c.due_at.asc())
    ordered.append(sub.c.instance_id)
    if "task_id" in sub.c:
        ordered.append(sub.c.task_id)
    return ordered


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int


def overdue_count(scope: Scope, r: Rules, f: Filters) -> int:
    return db.session.scalar(select(func.count()).select_from(_overdue_keys(scope, r, f, None)))


def overdue_query(scope: Scope, r: Rules, f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0):
    """The rows of the overdue list, with the case, unit and assignee's names:
    the page is chosen from the narrow rows first, then only its rows are
    joined to their task or instance and the names."""
    sort = f.sort if f.sort in OVERDUE_SORTS else "due"
    keys = _overdue_keys(scope, r, f, None if sort == "due" else sort)
    page = select(keys).order_by(*_order(keys, f.descending))
    if limit is not None:
        page = page.limit(limit).offset(offset)
    page = page.subquery("page")
    pi, assignee = ProcessInstance, aliased(User)
    is_task = page.c.kind == "task"
    return (select(page.c.kind, page.c.task_id, page.c.instance_id,
                   sql_case((is_task, Task.name), else_=pi.summary).label("name"),
                   pi.process_key, Task.post, page.c.due_at,
                   sql_case((is_task, Task.created_at), else_=pi.started_at).label("created_at"),
                   sql_case((is_task, func.coalesce(Task.priority, pi.priority)), else_=pi.priority).label("priority"),
                   Case.reference.label("case_reference"), Case.child_name.label("child_name"),
                   Unit.name.label("unit"), assignee.name.label("assigned_to"))
            .select_from(page)
            .join(pi, pi.id == page.c.instance_id)
            .outerjoin(Task, Task.id == page.c.task_id)
            .outerjoin(Case, Case.id == pi.case_id)
            .outerjoin(Unit, Unit.id == sql_case((is_task, Task.unit_id), else_=pi.unit_id))
            .outerjoin(assignee, assignee.id == Task.assigned_to_id)
            .order_by(*_order(page, f.descending)))


def overdue_page(scope: Scope, r: Rules, f: Filters, size: int = PAGE_SIZE) -> Page:
    total = overdue_count(scope, r, f)
    pages = max(1, -(-total // size))
    page = min(max(1, f.page), pages)
    rows = db.session.execute(overdue_query(scope, r, f, size, (page - 1) * size)).all()
    return Page(rows, total, page, pages)


def overdue_rows(scope: Scope, r: Rules, f: Filters):
    """Every row, streamed (the CSV export)."""
    return db.session.execute(overdue_query(scope, r, f, limit=None),
                              execution_options={"yield_per": 1000})


# ---------------------------------------------------------------- stuck list

STUCK_SORTS = ("since", "started", "due", "process", "unit", "priority")
REASONS = {"error": "Failed step", "timer": "Timer did not fire", "idle": "No progress"}
_STUCK_SORT = {"since": ProcessInstance.updated_at, "started": ProcessInstance.started_at,
               "due": ProcessInstance.due_at, "process": ProcessInstance.process_key,
               "priority": ProcessInstance.priority}


def _stuck_ids_for(r: Rules, reason: str | None):
    if reason == "error":
        return select(ProcessInstance.id.label("id")).where(ProcessInstance.status == "error")
    if reason == "timer":
        return select(Timer.instance_id.label("id")).join(
            ProcessInstance, ProcessInstance.id == Timer.instance_id).where(
            Timer.fired_at.is_(None), Timer.fire_at < r.timer_late_before,
            ProcessInstance.status == "running")
    if reason == "idle":
        return select(ProcessInstance.id.label("id")).where(
            ProcessInstance.status == "running", ProcessInstance.updated_at < r.idle_before,
            ~_waiting_for_a_timer(r))
    return stuck_ids(r)


def _stuck_keys(scope: Scope, r: Rules, f: Filters, sort: str | None):
    """The stuck instances as narrow rows (id, sort value, updated_at): read
    off the open-instance index, which holds every column used here."""
    pi = ProcessInstance
    columns = [pi.id.label("instance_id"), pi.updated_at.label("updated_at")]
    if sort == "unit":
        columns.append(select(Unit.name).where(Unit.id == pi.unit_id).scalar_subquery().label("sort_value"))
    elif sort in _STUCK_SORT and sort != "since":
        columns.append(_STUCK_SORT[sort].label("sort_value"))
    query = select(*columns).where(pi.status.in_(OPEN), pi.id.in_(_stuck_ids_for(r, f.reason)))
    if (scoped := _instance_scope(scope)) is not None:
        query = query.where(scoped)
    if f.unit_id:
        query = query.where(pi.unit_id == f.unit_id)
    query = query.where(*_filtered(pi.process_key, pi.priority, pi.started_at, pi.due_at, r, f))
    if f.post:
        query = query.where(exists().where(Task.instance_id == pi.id, Task.state == READY, Task.post == f.post))
    return query.subquery("stuck")


def _stuck_order(sub, descending: bool):
    ordered = []
    if "sort_value" in sub.c:
        ordered += [sub.c.sort_value.is_(None), sub.c.sort_value.desc() if descending else sub.c.sort_value.asc()]
    ordered += [sub.c.updated_at.desc() if descending and "sort_value" not in sub.c else sub.c.updated_at.asc(),
                sub.c.instance_id]
    return ordered


def stuck_count(scope: Scope, r: Rules, f: Filters) -> int:
    return db.session.scalar(select(func.count()).select_from(_stuck_keys(scope, r, f, None)))


def stuck_query(scope: Scope, r: Rules, f: Filters, limit: int | None = PAGE_SIZE, offset: int = 0):
    sort = f.sort if f.sort in STUCK_SORTS else "since"
    keys = _stuck_keys(scope, r, f, sort)
    page = select(keys).order_by(*_stuck_order(keys, f.descending))
    if limit is not None:
        page = page.limit(limit).offset(offset)
    page = page.subquery("page")
    pi = ProcessInstance
    return (select(pi.id.label("instance_id"), pi.case_id, pi.process_key, pi.summary.label("name"), pi.status,
                   pi.error, pi.started_at, pi.updated_at, pi.due_at, pi.priority,
                   Case.reference.label("case_reference"), Case.child_name.label("child_name"),
                   Unit.name.label("unit_name"))
            .select_from(page).join(pi, pi.id == page.c.instance_id)
            .outerjoin(Case, Case.id == pi.case_id).outerjoin(Unit, Unit.id == pi.unit_id)
            .order_by(*_stuck_order(page, f.descending)))


def _reasons(rows, r: Rules) -> dict[int, list[str]]:
    """Why each listed instance is stuck (one small query for the page)."""
    ids = [row.instance_id for row in rows]
    late = set(db.session.scalars(select(Timer.instance_id).where(
        Timer.instance_id.in_(ids), Timer.fired_at.is_(None), Timer.fire_at < r.timer_late_before))) if ids else set()
    waiting = set(db.session.scalars(select(Timer.instance_id).where(
        Timer.instance_id.in_(ids), Timer.fired_at.is_(None), Timer.fire_at >= r.timer_late_before))) if ids else set()
    out = {}
    for row in rows:
        why = []
        if row.status == "error":
            why.append("error")
        if row.status == "running" and row.instance_id in late:
            why.append("timer")
        if row.status == "running" and row.updated_at < r.idle_before and row.instance_id not in waiting:
            why.append("idle")
        out[row.instance_id] = why
    return out


def stuck_page(scope: Scope, r: Rules, f: Filters, size: int = PAGE_SIZE) -> Page:
    total = stuck_count(scope, r, f)
    pages = max(1, -(-total // size))
    page = min(max(1, f.page), pages)
    rows = db.session.execute(stuck_query(scope, r, f, size, (page - 1) * size)).all()
    return Page(_decorate_stuck(rows, r), total, page, pages)


def _decorate_stuck(rows, r: Rules) -> list[dict]:
    reasons = _reasons(rows, r)
    return [dict(row._mapping, reasons=reasons[row.instance_id]) for row in rows]


def stuck_rows(scope: Scope, r: Rules, f: Filters, batch: int = 500):
    """Every row, in batches (the CSV export)."""
    offset = 0
    while True:
        rows = db.session.execute(stuck_query(scope, r, f, batch, offset)).all()
        if not rows:
            return
        yield from _decorate_stuck(rows, r)
        offset += batch


# ---------------------------------------------------------------- one process's heat

def heat_query(process_key: str, scope: Scope):
    """Open tasks per element of one process (every version: element ids
    carry over from version to version), in scope (ix_task_ready_element)."""
    query = select(Task.element_id, func.count()).where(Task.state == READY, Task.process_key == process_key)
    if (w := _task_scope(scope)) is not None:
        query = query.where(w)
    return query.group_by(Task.element_id)


def timer_heat_query(process_key: str, scope: Scope):
    """Timers waiting per element of one process, in scope (ix_timer_due)."""
    query = (select(Timer.element_id, func.count()).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
             .where(Timer.fired_at.is_(None), ProcessInstance.process_key == process_key,
                    ProcessInstance.status.in_(OPEN)))
    if (w := _instance_scope(scope)) is not None:
        query = query.where(w)
    return query.group_by(Timer.element_id)


def heat(process_key: str, scope: Scope) -> dict[str, int]:
    """How many instances sit on each element: open tasks and waiting timers."""
    counts: dict[str, int] = {}
    for query in (heat_query(process_key, scope), timer_heat_query(process_key, scope)):
        for element_id, n in db.session.execute(query):
            counts[element_id] = counts.get(element_id, 0) + n
    return counts


# ---------------------------------------------------------------- a unit's coming week

@dataclass
class DueItem:
    kind: str                  # task, process, timer
    name: str
    due_at: datetime
    instance_id: int
    process_key: str
    case_reference: str | None
    child_name: str | None
    post: str | None = None
    task_id: str | None = None
    assigned_to: str | None = None


def unit_week_queries(unit_id: int, r: Rules, days: int = 7):
    until = r.now + timedelta(days=days)
    assignee = aliased(User)
    tasks = (select(Task.id, Task.name, Task.due_at, Task.instance_id, Task.process_key, Task.post,
                    Case.reference, Case.child_name, assignee.name)
             .outerjoin(Case, Case.id == Task.case_id).outerjoin(assignee, assignee.id == Task.assigned_to_id)
             .where(Task.state == READY, Task.unit_id == unit_id, Task.due_at < until)
             .order_by(Task.due_at))
    deadlines = (select(ProcessInstance.id, ProcessInstance.summary, ProcessInstance.due_at,
                        ProcessInstance.process_key, Case.reference, Case.child_name)
                 .outerjoin(Case, Case.id == ProcessInstance.case_id)
                 .where(ProcessInstance.unit_id == unit_id, ProcessInstance.status.in_(OPEN),
                        ProcessInstance.due_at < until)
                 .order_by(ProcessInstance.due_at))
    timers = (select(Timer.element_id, Timer.fire_at, ProcessInstance.id, ProcessInstance.definition_id,
                     ProcessInstance.process_key, Case.reference, Case.child_name)
              .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
              .outerjoin(Case, Case.id == ProcessInstance.case_id)
              .where(Timer.fired_at.is_(None), Timer.fire_at < until, ProcessInstance.unit_id == unit_id,
                     ProcessInstance.status.in_(OPEN))
              .order_by(Timer.fire_at))
    return tasks, deadlines, timers


def unit_week(unit_id: int, r: Rules, days: int = 7, element_name=None) -> list[DueItem]:
    """Everything of one unit due within `days` days, and everything already
    late, earliest first: open tasks, process deadlines and timers to come."""
    tasks, deadlines, timers = unit_week_queries(unit_id, r, days)
    items = [DueItem("task", name, due, iid, key, ref, child, post=post, task_id=tid, assigned_to=who)
             for tid, name, due, iid, key, post, ref, child, who in db.session.execute(tasks)]
    items += [DueItem("process", f"{summary} – process deadline", due, iid, key, ref, child)
              for iid, summary, due, key, ref, child in db.session.execute(deadlines)]
    for element_id, fire_at, iid, definition_id, key, ref, child in db.session.execute(timers):
        name = element_name(definition_id, element_id) if element_name else element_id
        items.append(DueItem("timer", name, fire_at, iid, key, ref, child))
    return sorted(items, key=lambda i: (i.due_at, i.kind, i.instance_id))
