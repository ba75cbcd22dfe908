"""One transaction per user action, committed in one place."""
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from .db import db


class Conflict(Exception):
    """Another process changed the same instance first (row version moved)."""


@contextmanager
def unit_of_work():
    try:
        yield db.session
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict(str(exc)) from exc
    except OperationalError as exc:
        db.session.rollback()
        # SQLite: another process wrote after this transaction had read.
        if "database is locked" in str(exc):
            raise Conflict(str(exc)) from exc
        raise
    except BaseException:
        db.session.rollback()
        raise
