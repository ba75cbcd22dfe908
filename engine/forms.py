"""Form schemas: validation with messages a practitioner understands."""
import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from jsonschema import Draft202012Validator, FormatChecker

from .form_patterns import Validator as _Re2Validator, pattern_problem, regex_problem

_CHECKER = FormatChecker()


@_CHECKER.checks("regex", raises=ValueError)
def _re2_regex(value) -> bool:
    """An answer that must be a regular expression is one RE2 takes, as a
    schema's own `pattern` must be (jsonschema would compile it with `re`,
    which accepts patterns that backtrack and that RE2 then refuses)."""
    if not isinstance(value, str):
        return True
    problem = regex_problem(value)
    if problem:
        raise ValueError(problem)
    return True


@_CHECKER.checks("date", raises=ValueError)
def _real_date(value) -> bool:
    """A real calendar date in a plausible range: a typing slip such as the
    year 9999 is refused at the form, not met later by a rule."""
    if not isinstance(value, str):
        return True
    return 1900 <= date.fromisoformat(value).year <= 2100


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def lookup(data: dict, dotted: str):
    """A value in nested task data by a dotted path such as request.route."""
    value = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def field_title(schema: dict, name: str) -> str:
    return schema.get("properties", {}).get(name, {}).get("title", name.replace("_", " "))


def is_choice(prop: dict) -> bool:
    return prop.get("type") in ("boolean", "array") or "oneOf" in prop or "enum" in prop


def asked(schema: dict | None, name: str | None, answers: dict) -> bool:
    """Whether the answers ask this question: one shown under an answer of
    the same form (x-when on a question of it, a conditional reveal) is asked
    once that answer is given; anything else always is."""
    props = (schema or {}).get("properties", {})
    rule = props.get(name or "", {}).get("x-when")
    if not isinstance(rule, dict) or rule.get("key") not in props:
        return True
    return lookup(answers, rule["key"]) in rule.get("in", [])


def required_message(schema: dict, name: str) -> str:
    """What to say when a question is not answered: the form's own words
    (x-errors.required, GOV.UK style: "Select whether the family has…",
    "Enter a summary of…"), else words made from its title."""
    prop = schema.get("properties", {}).get(name, {})
    custom = prop.get("x-errors", {}).get("required")
    if custom:
        return custom
    title = field_title(schema, name)
    verb = "Select" if is_choice(prop) or prop.get("x-options") else "Enter"
    if title.endswith("?"):  # a question cannot be turned into "Enter …" safely: it is quoted
        return f"Answer the question ‘{title}’"
    return f"{verb} {title[:1].lower() + title[1:] if title[1:2].islower() else title}"


def _missing(error, schema: dict) -> list[FieldError]:
    return [FieldError(name, required_message(schema, name))
            for name in error.validator_value if name not in (error.instance or {})]


def _date_message(title: str, value) -> str:
    """A date typed in three boxes that is not a real date: which part is
    wrong, as GOV.UK's date input pattern says it."""
    parts = str(value).split("-") if isinstance(value, str) else []
    if len(parts) == 3:
        year, month, day = parts
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v.strip()]
        if missing:
            return f"‘{title}’ must include a {' and a '.join(missing)}"
        if not (year.isdigit() and len(year) == 4):
            return "Year must include 4 numbers"
    return f"‘{title}’ must be a real date"


def _message(error, schema: dict) -> FieldError:
    props = schema.get("properties", {})
    path = list(error.absolute_path)
    name = str(path[0]) if path else ""
    prop = props.get(name, {})
    title = field_title(schema, name) if name else "The form"
    messages = prop.get("x-errors", {})
    # a choice checked as enum (above) keeps a message written for its oneOf/anyOf
    custom = messages.get(error.validator) or (
        error.validator == "enum" and (messages.get("oneOf") or messages.get("anyOf")))
    if custom:
        return FieldError(name, custom)
    v = error.validator_value
    text = {
        "type": lambda: f"‘{title}’ must be "
                        + {"integer": "a whole number", "number": "a number",
                           "boolean": "yes or no", "array": "a list of choices",
                           "string": "text", "object": "a set of answers"}.get(
                               v if isinstance(v, str) else "", f"of type {v}"),
        "minimum": lambda: f"‘{title}’ must be {v} or more",
        "maximum": lambda: f"‘{title}’ must be {v} or less",
        "exclusiveMinimum": lambda: f"‘{title}’ must be more than {v}",
        "exclusiveMaximum": lambda: f"‘{title}’ must be less than {v}",
        "minLength": lambda: required_message(schema, name) if v == 1 else f"‘{title}’ must be at least {v} characters",
        "maxLength": lambda: f"‘{title}’ must be {v} characters or fewer",
        "minItems": lambda: required_message(schema, name) if v == 1 else f"Select at least {v} for ‘{title}’",
        "maxItems": lambda: f"Select no more than {v} for ‘{title}’",
        "format": lambda: (_date_message(title, error.instance) if v == "date" else
                           f"‘{title}’ is not a pattern that can be used: {error.cause}" if v == "regex"
                           else f"‘{title}’ is not a valid {v}"),
        "additionalProperties": lambda: f"Unexpected field: {error.message.split('(')[-1].rstrip(')')}",
        "oneOf": lambda: f"Select a valid option for ‘{title}’",
        "anyOf": lambda: f"Select a valid option for ‘{title}’",
        "enum": lambda: f"Select a valid option for ‘{title}’",
        "const": lambda: f"Select a valid option for ‘{title}’",
        "uniqueItems": lambda: f"Each choice for ‘{title}’ may be selected only once",
    }.get(error.validator)
    return FieldError(name, text() if text else f"‘{title}’: {error.message}")


# A choice is written as oneOf/anyOf of {const, title} (the titles label the
# radios and checkboxes), which jsonschema checks by trying each alternative
# in turn: most of a form's validation time.  For checking, such a list means
# exactly enum of the consts (oneOf too, when the consts differ), so each
# schema is checked through a copy with enums, made once.
_ANNOTATIONS = {"const", "title", "description"}
_VALIDATORS: "OrderedDict[int, tuple[dict, Draft202012Validator]]" = OrderedDict()
_MAX_VALIDATORS = 512


def _as_enum(alternatives, keyword: str):
    if not isinstance(alternatives, list) or not alternatives or not all(
            isinstance(a, dict) and "const" in a and set(a) <= _ANNOTATIONS for a in alternatives):
        return None
    values = [a["const"] for a in alternatives]
    if keyword == "oneOf" and len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
        return None   # a value listed twice matches two: oneOf refuses it, enum would not
    return values


def _for_checking(node):
    if isinstance(node, list):
        return [_for_checking(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _for_checking(v) for k, v in node.items()}
    for keyword in ("oneOf", "anyOf"):
        values = _as_enum(out.get(keyword), keyword)
        if values is not None and "enum" not in out:
            del out[keyword]
            out["enum"] = values
    return out


def _validator(schema: dict) -> Draft202012Validator:
    """The schema's validator, made once per schema object (the deployed
    forms live as long as their definition version is loaded)."""
    entry = _VALIDATORS.get(id(schema))
    if entry is not None and entry[0] is schema:
        _VALIDATORS.move_to_end(id(schema))
        return entry[1]
    validator = _Re2Validator(_for_checking(schema), format_checker=_CHECKER)
    _VALIDATORS[id(schema)] = (schema, validator)
    while len(_VALIDATORS) > _MAX_VALIDATORS:
        _VALIDATORS.popitem(last=False)
    return validator


def validate(schema: dict, data: dict) -> list[FieldError]:
    """Every problem with `data`, one per field, in the order of the form."""
    validator = _validator(schema)
    errors: dict[str, FieldError] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        found = _missing(error, schema) if error.validator == "required" else [_message(error, schema)]
        for fe in found:
            errors.setdefault(fe.field, fe)
    order = list(schema.get("properties", {}))
    return sorted(errors.values(), key=lambda fe: order.index(fe.field) if fe.field in order else len(order))


def check_schema(schema: dict) -> str | None:
    """Why a schema is not valid JSON Schema, or None."""
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as exc:  # SchemaError carries the reason in its message
        return str(getattr(exc, "message", exc))
    return pattern_problem(schema)
