"""A Core write statement compiled once and run on the driver's cursor (issue 16).

The write batch (engine/write_batch.py) sends the same handful of
statements on every action.  Through SQLAlchemy's execution layer each
costs 60-100 us of Python (cache lookup, an execution context, a
parameter dict built per row, a result object nobody reads) around the
5-20 us SQLite takes to run it.  A plan here is what that layer works
out for one statement and one set of parameter keys, done once: the SQL
text in the dialect's own paramstyle, and for each placeholder where its
value comes from (the caller's key, the statement's own literal, a
column's Python-side default) and the type's bind processor.  Running it
is then building a tuple per row and one cursor call.

What SQLAlchemy gives its execution events is given here too
(`before_cursor_execute`: engine/read_transactions.py notes a write with
it, and tests count statements), and a driver error is raised as
SQLAlchemy wraps it (OperationalError, IntegrityError), so callers cannot
tell the difference.  A statement the plan cannot take (an expanding IN,
RETURNING, rows with different keys) has no plan and `run` sends it
through Connection.execute as before."""
from collections import namedtuple

from sqlalchemy.exc import DBAPIError

_PLANS: dict = {}
_LIMIT = 256  # statements are module constants; a bound in case one is not
_PARAM, _LITERAL, _DEFAULT = 0, 1, 2


class Plan:
    __slots__ = ("sql", "positional", "sources", "values")

    def __init__(self, sql, positional, sources):
        self.sql, self.positional, self.sources = sql, positional, sources
        self.values = _maker(positional, sources)


def _maker(positional: bool, sources):
    """The function making a row's parameters as the driver takes them (a
    tuple, or a dict by name), written out once for the plan's placeholders:
    a generic loop over them cost a function call per value, some sixty
    values an action."""
    names, parts = {}, []
    for i, (name, (kind, what, process)) in enumerate(sources):
        if kind == _PARAM:
            value = f"params[{what!r}]"
        elif kind == _DEFAULT:
            names[f"_d{i}"] = what
            value = f"_d{i}()"
        else:
            names[f"_l{i}"] = what
            value = f"_l{i}"
        if process is not None:
            names[f"_p{i}"] = process
            value = f"(_p{i}(_v) if (_v := {value}) is not None else None)"
        parts.append(value if positional else f"{name!r}: {value}")
    body = (f"({', '.join(parts)},)" if parts else "()") if positional else f"{{{', '.join(parts)}}}"
    exec(f"def values(params):\n    return {body}\n", names)  # noqa: S102 (our own column names, as repr)
    return names["values"]


def plan(connection, statement, params) -> Plan | None:
    """The plan for `statement` with these parameters (a dict, or a list of
    dicts with the same keys), or None where Connection.execute must run it."""
    rows = params if isinstance(params, list) else (params,)
    if not rows:
        return None
    keys = tuple(rows[0])
    if len(rows) > 1 and any(row.keys() != rows[0].keys() for row in rows):
        return None
    return _kept(_compile, statement, connection.dialect, keys)


def _kept(make, statement, dialect, keys):
    """`make(statement, dialect, keys)`, made once (a write's plan and a
    read's are kept apart by their maker)."""
    key = (make, statement, dialect.name, keys)
    if key not in _PLANS:
        if len(_PLANS) >= _LIMIT:
            _PLANS.clear()
        _PLANS[key] = make(statement, dialect, keys)
    return _PLANS[key]


def _compile(statement, dialect, keys) -> Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys), for_executemany=True)
    if "POSTCOMPILE" in compiled.string or compiled.effective_returning:
        return None
    defaults = {column.key: column.default
                for column in (*compiled.insert_prefetch, *compiled.update_prefetch)}
    names = compiled.positiontup if compiled.positional else list(dict.fromkeys(compiled.bind_names.values()))
    by_name = {name: bind for bind, name in compiled.bind_names.items()}
    sources = []
    for name in names:
        bind = by_name[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if bind.key in keys:
            source = (_PARAM, bind.key, process)
        elif bind.key in defaults:
            default = defaults[bind.key]
            if not (default.is_scalar or default.is_callable):
                return None
            arg = default.arg
            source = (_DEFAULT, (lambda arg=arg: arg(None)), process) if default.is_callable \
                else (_LITERAL, arg, process)
        elif bind.callable is not None:
            source = (_DEFAULT, bind.callable, process)
        elif not bind.required:
            source = (_LITERAL, bind.value, process)
        else:
            return None  # a value the caller did not give: Connection.execute says so
        sources.append((name, source))
    return Plan(compiled.string, compiled.positional, sources)


def run(connection, cursor, statement, params, *, driver_error):
    """Run `statement` on `cursor` (the raw DBAPI connection's) by its plan,
    or through Connection.execute where it has none; the driver's cursor it
    ran on (its rowcount, once the driver has it)."""
    made = plan(connection, statement, params)
    if made is None:
        return connection.execute(statement, params).context.cursor
    return _execute(connection, cursor, made, params, driver_error)


def _execute(connection, cursor, plan: Plan, params, driver_error):
    """As SQLAlchemy would run it: its events told, a driver error wrapped."""
    many = isinstance(params, list)
    values = [plan.values(row) for row in params] if many else plan.values(params)
    events = connection.dispatch.before_cursor_execute
    if events:
        for listener in events:
            listener(connection, cursor, plan.sql, values, None, many)
    try:
        if many:
            cursor.executemany(plan.sql, values)
        else:
            cursor.execute(plan.sql, values)
    except driver_error as exc:
        raise DBAPIError.instance(plan.sql, values, exc, driver_error) from exc
    return cursor


# ---------------------------------------------------------------- reads

class ReadPlan:
    """A Core SELECT's plan, and what its rows are made of: a named tuple per
    row, each value through its type's result processor (SQLite's text
    datetimes made datetimes, say), as SQLAlchemy's Row would hold them."""
    __slots__ = ("plan", "row", "types", "processors")

    def __init__(self, plan: Plan, names, types):
        self.plan = plan
        self.row = namedtuple("Row", names, rename=True)
        self.types, self.processors = types, None

    def made(self, dialect, description, raw_rows) -> list:
        processors = self.processors
        if processors is None:  # the driver's column types are known once it has run
            processors = self.processors = [
                type_.dialect_impl(dialect).result_processor(dialect, column[1])
                for type_, column in zip(self.types, description)]
        row = self.row._make
        if not any(processors):
            return [row(values) for values in raw_rows]
        pairs = list(enumerate(processors))
        return [row([values[i] if p is None else p(values[i]) for i, p in pairs]) for values in raw_rows]


def rows(connection, statement, params: dict) -> list:
    """The rows of a Core `statement` (a SELECT of columns) with `params`,
    run by its plan on the driver's cursor: named tuples, read as a Row is
    (row.name).  A statement the plan cannot take (an expanding IN) goes
    through Connection.execute."""
    dialect = connection.dialect
    made = _kept(_read_plan, statement, dialect, tuple(params))
    if made is None:
        return connection.execute(statement, params).all()
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        _execute(connection, cursor, made.plan, params, dialect.loaded_dbapi.Error)
        return made.made(dialect, cursor.description, cursor.fetchall())
    finally:
        cursor.close()


def session_rows(session, statement, params: dict) -> list:
    """`rows` in the session's transaction, as Session.execute would read
    them: objects the session holds changed are flushed first, so the rows
    include them."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return rows(session.connection(), statement, params)


def _read_plan(statement, dialect, keys) -> ReadPlan | None:
    plan = _compile(statement, dialect, keys)
    if plan is None:
        return None
    columns = statement.selected_columns
    return ReadPlan(plan, list(columns.keys()), [c.type for c in columns])
