"""JSON request bodies that cannot crash the app (issue 11 item 8).

Python's json accepts NaN and Infinity, which are not JSON and poison any
sum they reach; a body nested thousands deep raised RecursionError (a 500).
Both are refused as malformed JSON, so the API answers 400 with a reason.
"""
import json

from flask.json.provider import DefaultJSONProvider


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("the JSON is nested too deeply") from exc
        # PostgreSQL text cannot hold NUL; look closer only if the escape is there
        marker = b"\\u0000" if isinstance(s, bytes) else "\\u0000"
        if marker in s and _holds_nul(value):
            raise ValueError("the JSON holds a NUL character")
        return value


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
