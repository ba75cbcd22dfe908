"""Query parameters of the API's lists, read and checked together: every
bad one is named in a single 400 (as a form names every error at once), and
a parameter the endpoint does not know is refused rather than ignored (a
misspelt filter would otherwise return everything)."""
from datetime import date

from flask import request

from engine.listings import MAX_PAGE
from engine.models import MAX_ID

from .api import ApiError
from .inputs import whole_number

PAGING = ("limit", "cursor")
DEFAULT_LIMIT = 50


class Query:
    def __init__(self, known: tuple[str, ...]):
        self.errors: list[dict] = []
        self.args = request.args
        for name in sorted(set(self.args) - set(known) - set(PAGING)):
            self.refuse(name, f"{name} is not a parameter here: use {', '.join(known + PAGING)}")

    def refuse(self, name: str, message: str) -> None:
        self.errors.append({"field": name, "message": message})

    def text(self, name: str, max_length: int = 120) -> str | None:
        values = self.args.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            self.refuse(name, f"give {name} once")
            return None
        if not values[0].strip():   # an empty search box: not a filter
            return None
        if len(values[0]) > max_length:
            self.refuse(name, f"{name} must be at most {max_length} characters")
            return None
        return values[0].strip()

    def choice(self, name: str, allowed) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            self.refuse(name, f"{name} must be one of: {', '.join(sorted(allowed))}")
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in ("true", "false"):
            self.refuse(name, f"{name} must be true or false")
            return None
        return value.lower() == "true"

    def day(self, name: str) -> date | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            if len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.refuse(name, f"{name} must be a date written YYYY-MM-DD, such as 2026-11-20")
            return None

    def paging(self) -> tuple[int | None, int]:
        """(the cursor, the limit)."""
        limit = DEFAULT_LIMIT
        raw = self.text("limit")
        if raw is not None:
            limit = whole_number(raw, MAX_PAGE) or 0
            if not limit:
                self.refuse("limit", f"limit must be a whole number from 1 to {MAX_PAGE}")
        cursor = None
        raw = self.text("cursor")
        if raw is not None:
            cursor = whole_number(raw, MAX_ID)
            if cursor is None:
                self.refuse("cursor", "cursor must be the next_cursor of the page before, as it was given")
        return cursor, limit

    def check(self) -> None:
        if self.errors:
            raise ApiError(400, "Check the query: " + "; ".join(e["message"] for e in self.errors) + ".",
                           self.errors)


def page_json(key: str, items: list, page) -> dict:
    return {key: items, "next_cursor": str(page.after) if page.after is not None else None}
