"""A task's JSON Schema as GOV.UK form fields, and a posted form back as data."""
import math
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date

from engine.forms import lookup


@dataclass
class Field:
    name: str
    title: str
    hint: str | None
    widget: str          # input, number, integer, textarea, radios, checkboxes, yesno, date
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    value: object = None
    # questions shown under one option (a GOV.UK conditional reveal): option key -> fields
    reveals: dict = field(default_factory=dict)


def applies(rule: dict | list | None, context: dict) -> bool:
    """x-when: show a question or an option only when an earlier answer fits,
    e.g. {"key": "request.route", "in": ["aa_cin_court"]} (or "not_in"); a
    list of such conditions must all hold."""
    if not rule:
        return True
    if isinstance(rule, list):
        return all(applies(r, context) for r in rule)
    value = lookup(context, rule["key"])
    if isinstance(value, list) and "in" in rule:  # checkboxes: one of the options ticked
        return any(v in rule["in"] for v in value)
    if "in" in rule:
        return value in rule["in"]
    if "not_in" in rule:
        return value not in rule["not_in"]
    return bool(value)


def revealed_by(prop: dict, schema: dict) -> tuple[str, str] | None:
    """(question, option) when an x-when is about an answer on this same form,
    {"key": "referral_route", "in": ["direct"]}: the question is asked under
    that option (a conditional reveal), not decided by the task's data."""
    rule = prop.get("x-when")
    if not isinstance(rule, dict) or rule.get("key") not in schema.get("properties", {}):
        return None
    values = rule.get("in") or []
    if len(values) != 1:
        return None   # GOV.UK reveals a question under one option only
    option = {True: "yes", False: "no"}[values[0]] if isinstance(values[0], bool) else str(values[0])
    return rule["key"], option


def _asked_here(prop: dict, schema: dict, context: dict) -> bool:
    """Whether the task's data lets the question be asked (a question revealed
    by another answer of the form always is: that answer decides)."""
    rule = prop.get("x-when")
    if isinstance(rule, dict) and rule.get("key") in schema.get("properties", {}):
        return True
    return applies(rule, context)


def served_schema(schema: dict | None, context: dict) -> dict | None:
    """The schema as this task asks it: questions and options whose x-when does
    not hold for the task's data are left out, so an API client is offered
    what the web form offers (a child in need's transfer: no "reject")."""
    if not schema:
        return schema
    out = deepcopy(schema)
    props = out.get("properties", {})
    for name in [n for n, p in props.items() if not _asked_here(p, schema, context)]:
        del props[name]
        if name in out.get("required", []):
            out["required"] = [r for r in out["required"] if r != name]
    for prop in props.values():
        for node in (prop, prop.get("items") or {}):
            for key in ("oneOf", "anyOf"):
                if key in node:
                    node[key] = [o for o in node[key] if applies(o.get("x-when"), context)]
    return out


def _choices(prop: dict, context: dict | None = None) -> list[tuple[str, str]]:
    context = context or {}
    if "oneOf" in prop or "anyOf" in prop:
        return [(str(o["const"]), o.get("title", str(o["const"])))
                for o in prop.get("oneOf", prop.get("anyOf", []))
                if "const" in o and applies(o.get("x-when"), context)]
    if "enum" in prop:
        names = prop.get("enumNames", prop["enum"])
        return [(str(v), str(n)) for v, n in zip(prop["enum"], names)]
    return []


def _required(schema: dict) -> set[str]:
    """Always required, or required under some answer (if/then): either way
    the question is not labelled optional."""
    names = set(schema.get("required", []))
    for rule in schema.get("allOf", []):
        names.update(rule.get("then", {}).get("required", []))
    # x-required: needed, but checked by the task's rules (which list exactly
    # what is missing) rather than refused by the schema
    names.update(n for n, p in schema.get("properties", {}).items() if p.get("x-required"))
    return names


def fields_for(schema: dict, values: dict | None = None, context: dict | None = None,
               option_lists: dict | None = None) -> list[Field]:
    """The questions to ask, given what the task already knows (`context`)
    and lists from the register (`option_lists`, for x-options)."""
    values, context, option_lists = values or {}, context or {}, option_lists or {}
    out = []
    required = _required(schema)
    for name, prop in schema.get("properties", {}).items():
        if not _asked_here(prop, schema, context):
            continue
        kind = prop.get("type")
        if prop.get("x-options") in option_lists:
            widget = "checkboxes" if kind == "array" else "radios"
            options = option_lists[prop["x-options"]]
        elif kind == "array":
            widget, options = "checkboxes", _choices(prop.get("items", {}), context)
        elif kind == "boolean":
            widget, options = "yesno", [("yes", "Yes"), ("no", "No")]
        elif _choices(prop, context):
            widget, options = "radios", _choices(prop, context)
        elif kind in ("integer", "number"):
            widget, options = kind, []
        elif prop.get("format") == "date":
            widget, options = "date", []
        elif prop.get("x-widget") == "textarea":
            widget, options = "textarea", []
        else:
            widget, options = "input", []
        # x-optional-label false: the task's rules ask for each answer, so none is "optional"
        shown_required = name in required or schema.get("x-optional-label") is False
        out.append(Field(name, prop.get("title", name), prop.get("description"), widget,
                         shown_required, options, values.get(name)))
    return _nest(out, schema)


def _nest(fields: list[Field], schema: dict) -> list[Field]:
    """Questions that follow from one option go under it (GOV.UK Frontend
    hides them until it is chosen; with JavaScript off it shows them all, and
    parse_form leaves out the answers under options not chosen)."""
    by_name = {f.name: f for f in fields}
    top = []
    for f in fields:
        reveal = revealed_by(schema["properties"][f.name], schema)
        parent = by_name.get(reveal[0]) if reveal else None
        if parent is not None and parent is not f and parent.widget in ("radios", "yesno", "checkboxes") \
                and reveal[1] in {key for key, _ in parent.options}:
            parent.reveals.setdefault(reveal[1], []).append(f)
        else:
            top.append(f)
    return top


def parse_form(schema: dict, form) -> tuple[dict, dict]:
    """(typed data for validation, raw values to show again on error).

    An answer under an option not chosen (a conditional reveal the person
    left) is not sent on, but is kept to show again."""
    data, raw = _parse(schema, form)
    for name, prop in schema.get("properties", {}).items():
        if name in data and revealed_by(prop, schema) and not applies(prop["x-when"], data):
            del data[name]
    return data, raw


def _parse(schema: dict, form) -> tuple[dict, dict]:
    data, raw = {}, {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "array":
            chosen = [v for v in form.getlist(name) if v]
            raw[name] = chosen
            if chosen:
                data[name] = [_typed(v, prop.get("items", {}).get("type")) for v in chosen]
            continue
        if prop.get("format") == "date" and kind == "string":
            parts = [form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
            raw[name] = dict(zip(("day", "month", "year"), parts))
            if any(parts):
                data[name] = _date(*parts)
            continue
        value = form.get(name, "").strip()
        raw[name] = value
        if value == "":
            continue
        if kind == "boolean":
            data[name] = {"yes": True, "no": False}.get(value, value)
        else:
            data[name] = _typed(value, kind)
    return data, raw


def _typed(value: str, kind):
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):  # "NaN", "inf", "1e999": not numbers a person means
                return value
            return int(number) if number.is_integer() else number
    except ValueError:
        return value  # left as text, so the schema reports the wrong type
    return value


def _date(day: str, month: str, year: str) -> str:
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        return f"{year}-{month}-{day}"  # "26" is not 2026 guessed: the check asks for 4 numbers
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except (ValueError, OverflowError):  # OverflowError: a year such as 99999999999
        return f"{year}-{month}-{day}"  # not a real date: the format check says so


def values_from_answers(schema: dict, answers: dict) -> dict:
    """Earlier answers as the form's values, for a form done again (the
    schema's x-prefill names the task data that holds them: a decision sheet
    the Panel Chair sent back, say). Papers chosen are shown ticked again."""
    values = {}
    for name, prop in schema.get("properties", {}).items():
        if name not in answers or answers[name] is None:
            continue
        value = answers[name]
        if prop.get("type") == "array":
            values[name] = [str(v.get("id")) if isinstance(v, dict) else str(v) for v in value or []]
        elif prop.get("type") == "boolean":
            values[name] = {True: "yes", False: "no"}.get(value, "")
        elif prop.get("format") == "date":
            try:
                d = date.fromisoformat(str(value))
            except ValueError:
                continue
            values[name] = {"day": str(d.day), "month": str(d.month), "year": str(d.year)}
        else:
            values[name] = value
    return values
