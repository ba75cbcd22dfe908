"""ORM objects made from rows read on the driver (issue 16).

The ORM's loading of a row (its execution context, a loader per column, the
identity map's bookkeeping) costs several times the query itself; on the hot
path (the locking read of every task completion, the API token's person) a
row is read by its plan (engine/driver_statements.py) and made into the
object here.  The object is what the ORM would have loaded: a persistent
object of the session at the row's values, its columns not read (a large
snapshot, say) and its relationships loaded on first use.  An object the
session already holds is the one returned, its values kept, as the ORM's
own query keeps them."""
from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached


class Shape:
    """A model's columns as one SELECT lists them, and how to make its object
    from a slice of a row: `columns` go in the SELECT, `made` takes the row
    and where they start in it."""
    __slots__ = ("mapper", "columns", "keys", "primary_keys")

    def __init__(self, model, leave_out=()):
        self.mapper = inspect(model)
        props = [p for p in self.mapper.column_attrs if p.key not in leave_out]
        self.columns = [p.columns[0] for p in props]
        self.keys = [p.key for p in props]
        self.primary_keys = [self.mapper.get_property_by_column(c).key for c in self.mapper.primary_key]

    def made(self, session, row, start: int = 0):
        """The object of row[start:start + len(columns)], or None for a row
        of NULLs (an outer join that found nothing)."""
        return self.attached(session, dict(zip(self.keys, row[start:start + len(self.keys)])))

    def attached(self, session, values: dict):
        """The object at `values` (its columns by attribute name), or None
        when they hold no primary key."""
        identity = self.mapper.identity_key_from_primary_key([values[k] for k in self.primary_keys])
        if None in identity[1]:
            return None
        held = session.identity_map.get(identity)
        if held is not None:
            return held
        obj = self.mapper.class_manager.new_instance()
        obj.__dict__.update(values)
        make_transient_to_detached(obj)  # columns left out load when first read
        session.add(obj)
        return obj
