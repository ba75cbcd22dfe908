"""Form schema `pattern`s matched by RE2, in time linear in the answer.

Python's `re` backtracks: `^(a+)+$` against a typed answer of thirty a's and
a b takes minutes of CPU.  RE2 cannot backtrack, so it has no such pattern;
in exchange it lacks look-around and back-references, and a schema using
them is refused at deploy (and when the form is saved in the modeller).
"""
from functools import lru_cache

import re2
from jsonschema import Draft202012Validator, ValidationError, validators


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False   # the refusal is reported to the modeller, not to stderr


@lru_cache(maxsize=1024)
def _compiled(pattern: str):
    return re2.compile(pattern, _OPTIONS)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _compiled(pattern).search(name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


Validator = validators.extend(Draft202012Validator, {
    "pattern": _pattern, "patternProperties": _pattern_properties,
})


def regex_problem(pattern: str) -> str | None:
    """Why RE2 cannot take `pattern`, in plain words, or None.  Used for a
    schema's own patterns and for answers that must be a regular expression
    (`format: regex`), so both are refused for the same reasons.  Not cached:
    a typed answer is compiled once, and a thousand large ones kept would
    hold gigabytes."""
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        why = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return (f"{why}. Patterns may not use look-ahead, look-behind or back-references (\\1), "
                f"which can make checking an answer take minutes.")
    return None


def pattern_problem(schema) -> str | None:
    """Why a pattern in the schema cannot be used, in plain words, or None."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        if isinstance(node.get("patternProperties"), dict):
            found.extend(node["patternProperties"])
        for pattern in found:
            why = regex_problem(pattern)
            if why:
                return f"The pattern {pattern!r} cannot be used: {why}"
        stack.extend(v for k, v in node.items() if k not in ("pattern", "enum", "const"))
    return None
