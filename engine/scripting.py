"""BPMN scripts and expressions under RestrictedPython.

SpiffWorkflow runs scripts with plain exec; here they are compiled by
RestrictedPython and see only task data, the `processes` rule modules and a
small set of safe builtins: no imports, no dunder access, no open().
"""
import operator
from functools import lru_cache
from types import ModuleType, SimpleNamespace

from RestrictedPython import (
    compile_restricted_eval, compile_restricted_exec, limited_builtins, safe_builtins,
)
from RestrictedPython.Guards import (
    full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from . import script_budget as budget
from processes import calendar, clock, jarp, panel_booking, posts, resource_panel, transfer


class ScriptError(Exception):
    """A script or expression that does not compile under the sandbox."""


_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
    "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
}


def _inplacevar(op, x, y):
    if op not in _INPLACE:
        raise ScriptError(f"Operator {op} is not allowed in scripts")
    return _INPLACE[op](x, y)


def _namespace(module: ModuleType) -> SimpleNamespace:
    """The public functions and constants of a rules module, not its imports."""
    names = getattr(module, "__all__", None) or [
        n for n, v in vars(module).items()
        if not n.startswith("_") and not isinstance(v, ModuleType)
        and (getattr(v, "__module__", module.__name__) == module.__name__ or n.isupper())
    ]
    return SimpleNamespace(**{n: getattr(module, n) for n in names})


HELPERS = {m.__name__.rsplit(".", 1)[-1]: _namespace(m) for m in (calendar, clock, jarp, panel_booking, posts, resource_panel, transfer)}

_BUILTINS = dict(safe_builtins)
_BUILTINS.update(limited_builtins)
for _name in ("__build_class__", "setattr", "delattr"):
    _BUILTINS.pop(_name, None)
# dict, list, sum, map, pow, range...: they loop through the budget and are
# sized before they run (engine/script_budget.py)
_BUILTINS.update(budget.BUILTINS)

SANDBOX_GLOBALS = {
    "__builtins__": _BUILTINS,
    "_getattr_": budget.getattr_,
    "_getitem_": operator.getitem,
    "_getiter_": budget.guarded_iter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": _inplacevar,
    **budget.GUARDS,
    **HELPERS,
}
_RESERVED = set(SANDBOX_GLOBALS)


def reserved_in(data: dict) -> list[str]:
    """Names in `data` that the sandbox keeps for itself (a rules module, _getattr_, ...)."""
    return sorted(_RESERVED.intersection(data))


@lru_cache(maxsize=4096)
def _compile(text: str, expression: bool):
    result = (compile_restricted_eval if expression else compile_restricted_exec)(text, "<bpmn>", policy=budget.BudgetPolicy)
    if result.errors:
        raise ScriptError("; ".join(result.errors))
    return result.code


def compile_expression(expression: str):
    return _compile(expression, True)


def compile_script(script: str):
    return _compile(script, False)


def compile_error(text: str, expression: bool = False) -> str | None:
    """Why a script (or expression) does not compile in the sandbox, or None."""
    try:
        (compile_expression if expression else compile_script)(text)
    except ScriptError as exc:
        return str(exc)
    return None


class RestrictedEnvironment(TaskDataEnvironment):

    def evaluate(self, expression, context, external_context=None):
        # the sandbox's names last: task data (typed in by anyone) cannot replace
        # _budget_, _getattr_ or a rules module for the expression
        scope = {**(external_context or {}), **context, **SANDBOX_GLOBALS}
        with budget.running():
            budget.tick()  # a gateway looping back runs many short expressions in one action
            return eval(compile_expression(expression), scope)

    def execute(self, script, context, external_context=None):
        clash = _RESERVED.intersection(context)
        if clash:
            raise ScriptError(f"Task data uses reserved names: {', '.join(sorted(clash))}")
        scope = {**SANDBOX_GLOBALS, **(external_context or {}), **context}
        left = {}
        with budget.running():
            budget.tick()  # a short script looped back through a gateway: one budget for the action
            exec(compile_script(script), scope)
            for key, value in scope.items():
                if (key not in _RESERVED and not key.startswith("_") and not callable(value)
                        and context.get(key, left) is not value):
                    left[key] = value
            budget.check_left_data(left)
        for key in list(context):
            if key not in scope:
                del context[key]
        context.update(left)
        return True


class BudgetedScriptEngine(PythonScriptEngine):
    """Each script and expression is charged to its element's time
    (engine/script_budget.py's charged_to): SpiffWorkflow's environment is
    not told which element it runs for."""

    def evaluate(self, task, expression, external_context=None):
        with budget.charged_to(task.task_spec):
            return super().evaluate(task, expression, external_context)

    def execute(self, task, script, external_context=None):
        with budget.charged_to(task.task_spec):
            return super().execute(task, script, external_context)


def script_engine() -> PythonScriptEngine:
    return BudgetedScriptEngine(environment=RestrictedEnvironment())
