"""Time and memory budgets for BPMN scripts and expressions.

Signals cannot stop a script under gunicorn threads, so the sandbox's code
checks its own budget: the compiler policy below puts a check at the top of
every loop body, function and lambda, comprehensions are checked through
`_getiter_`, and operations that can allocate a lot in one C call (`*`,
`**`, `<<`, `%`, padding and joining strings, f-string widths) are sized
before they run.  Every so often (and before any big allocation) the
process's resident memory is compared with what it was when the script began.

Budgets: CASEFLOW_SCRIPT_TIME_LIMIT seconds (default 1) and
CASEFLOW_SCRIPT_MEMORY_MB (default 64: task data is kilobytes, and
2 workers x 4 threads x 64 MB still fits a small council server).
"""
import ast
import os
import re
import string
import threading
import time

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import safer_getattr

TIME_LIMIT = float(os.environ.get("CASEFLOW_SCRIPT_TIME_LIMIT", "1"))
MEMORY_MB = int(os.environ.get("CASEFLOW_SCRIPT_MEMORY_MB", "64"))

_MEMORY_EVERY = 0.001  # seconds between memory readings (~5 µs each; a loop can allocate GB/s)
_BIG = 1 << 20          # an allocation this big (bytes) reads memory at once
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MAX_RANGE = 1_000_000  # C loops (sum, sorted, list) over a range are not checked


class BudgetExceeded(Exception):
    """A script ran past its time or memory budget and was stopped."""


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:  # not Linux: no memory reading, the size guards still hold
        return 0


class _Budget:
    __slots__ = ("deadline", "limit", "memory", "base", "next_memory", "stopped")

    def __init__(self, seconds: float, memory_bytes: int):
        self.limit = seconds
        now = time.monotonic()
        self.deadline = now + seconds
        self.memory = memory_bytes
        # memory is first read after 1 ms (most scripts are done by then): the
        # reading is the costliest part of a budget
        self.base = None
        self.next_memory = now + _MEMORY_EVERY
        self.stopped = None

    def stop(self, why: str):
        self.stopped = self.stopped or why
        raise BudgetExceeded(self.stopped)

    def time_out(self):
        s = "second" if self.limit == 1 else "seconds"
        self.stop(f"ran for more than {self.limit:g} {s} and was stopped")

    def memory_out(self):
        self.stop(f"needed more than {self.memory // (1 << 20)} MB of memory and was stopped")

    def check_memory(self, coming: int = 0):
        rss = _rss()
        if self.base is None:
            self.base = rss
        if rss - self.base + coming > self.memory:
            self.memory_out()


_local = threading.local()


class running:
    """`with running():` gives the code inside a fresh budget (nesting keeps the outer one)."""

    def __enter__(self):
        self.outer = getattr(_local, "budget", None)
        if self.outer is None:
            _local.budget = _Budget(TIME_LIMIT, MEMORY_MB << 20)
        return _local.budget

    def __exit__(self, *exc):
        budget = _local.budget
        if self.outer is None:
            _local.budget = None
        if budget.stopped and exc[0] is None:
            # the script caught BudgetExceeded and carried on: it is still stopped
            raise BudgetExceeded(budget.stopped)
        return False


def _current() -> _Budget:
    # outside a budget (sandbox code run directly, as in a test): no limit
    return getattr(_local, "budget", None) or _Budget(float("inf"), 1 << 62)


def tick(value=None):
    budget = getattr(_local, "budget", None) or _current()
    if budget.stopped:
        budget.stop(budget.stopped)
    now = time.monotonic()
    if now > budget.next_memory:
        if now > budget.deadline:
            budget.time_out()
        budget.next_memory = now + _MEMORY_EVERY
        budget.check_memory()
    return value


def _allocating(nbytes: int):
    """About to make something of `nbytes`: refuse it past the budget."""
    budget = _current()
    if nbytes > budget.memory:
        budget.memory_out()
    if nbytes > _BIG:
        budget.check_memory(nbytes)


def _size_of(x) -> int:
    if isinstance(x, str):
        return len(x) * (4 if not x.isascii() else 1)
    if isinstance(x, (bytes, bytearray)):
        return len(x)
    if isinstance(x, (list, tuple)):
        return len(x) * 8
    return 0


# ---------------------------------------------------------------- operators

_NUMBERS = (int, float, bool)
_MAX_INT_BITS = 1 << 20


def add(a, b):
    if type(a) in _NUMBERS or type(b) in _NUMBERS:  # the common case, kept cheap
        return a + b
    if _size_of(a) and _size_of(b):
        _allocating(_size_of(a) + _size_of(b))
    return a + b


def mul(a, b):
    ta, tb = type(a), type(b)
    if ta in _NUMBERS and tb in _NUMBERS:
        if ta is int and tb is int and a.bit_length() + b.bit_length() > _MAX_INT_BITS:
            # multiplying numbers this long is slow in one C call, before any check
            raise BudgetExceeded("made a number of more than 300,000 digits and was stopped")
        return a * b
    if isinstance(b, int) and _size_of(a):
        _allocating(_size_of(a) * max(b, 0))
    elif isinstance(a, int) and _size_of(b):
        _allocating(_size_of(b) * max(a, 0))
    return a * b


def power(a, b, mod=None):
    if mod is None and isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        _allocating(abs(a).bit_length() * b // 8)
    return pow(a, b) if mod is None else pow(a, b, mod)


def lshift(a, b):
    if isinstance(a, int) and isinstance(b, int) and a and b > 0:
        _allocating((a.bit_length() + b) // 8)
    return a << b


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")


def _width(spec: str) -> int:
    return max((int(d) for d in re.findall(r"\d+", spec)), default=0)


def mod(a, b):
    if isinstance(a, str):
        for m in _PERCENT.finditer(a):
            if "*" in (m.group(1) or "", m.group(2) or ""):
                raise BudgetExceeded("used a * width in % formatting, which scripts may not")
            _allocating(max(int(m.group(1) or 0), int(m.group(2) or 0)))
    return a % b


_BINOPS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}


# ---------------------------------------------------------------- strings

def _guard_format(fmt: str):
    for _, _, spec, _ in string.Formatter().parse(fmt):
        if spec:
            if "{" in spec:
                raise BudgetExceeded("used a nested format width, which scripts may not")
            _allocating(_width(spec))


def _padding(method):
    def padded(width, *rest):
        _allocating(width if isinstance(width, int) else 0)
        return method(width, *rest)
    return padded


def _joiner(sep):
    def join(items):
        items = list(guarded_iter(items))
        _allocating(sum(len(i) for i in items if isinstance(i, (str, bytes))) + len(sep) * len(items))
        return sep.join(items)
    return join


def _replacer(s):
    def replace(old, new, count=-1):
        if isinstance(old, type(s)) and isinstance(new, type(s)) and len(new) > len(old):
            hits = s.count(old) if old else len(s) + 1
            hits = hits if count < 0 else min(hits, count)
            _allocating(len(s) + hits * (len(new) - len(old)))
        return s.replace(old, new, count)
    return replace


def _formatter(s):
    def format(*args, **kwargs):
        _guard_format(s)
        return s.format(*args, **kwargs)
    return format


def _expander(s):
    def expandtabs(tabsize=8):
        _allocating(len(s) + s.count("\t") * max(tabsize, 0))
        return s.expandtabs(tabsize)
    return expandtabs


_STR_GUARDS = {
    "ljust": lambda s: _padding(s.ljust), "rjust": lambda s: _padding(s.rjust),
    "center": lambda s: _padding(s.center), "zfill": lambda s: _padding(s.zfill),
    "join": _joiner, "replace": _replacer, "format": _formatter, "expandtabs": _expander,
    "format_map": lambda s: (lambda m: (_guard_format(s), s.format_map(m))[1]),
}


def getattr_(obj, name, default=None, getattr=safer_getattr):
    if isinstance(obj, (str, bytes, bytearray)) and name in _STR_GUARDS and hasattr(obj, name):
        return _STR_GUARDS[name](obj)
    return getattr(obj, name, default)


_CONVERSIONS = {ord("r"): repr, ord("s"): str, ord("a"): ascii}


def format_value(value, spec: str, conversion: int = -1):
    _allocating(_width(spec))
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    return format(value, spec)


# ---------------------------------------------------------------- iteration

def guarded_iter(iterable):
    for n, item in enumerate(iter(iterable)):
        if n % 8 == 0:
            tick()
        yield item


def guarded_range(*args):
    r = range(*args)
    if len(r) > _MAX_RANGE:
        raise BudgetExceeded(f"asked for a range of more than {_MAX_RANGE:,} numbers")
    return r


def check_left_data(names: dict):
    """The data a script leaves must fit its memory budget too (it is stored)."""
    budget = _current()
    total, seen, stack = 0, 0, list(names.values())
    while stack:
        value = stack.pop()
        seen += 1
        if seen > 100_000:
            budget.memory_out()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple, set, frozenset)):
            total += len(value) * 8
            stack.extend(value)
        else:
            total += _size_of(value)
        if total > budget.memory:
            budget.memory_out()


GUARDS = {
    "_budget_": tick, "_add_": add, "_mul_": mul, "_pow_": power, "_lshift_": lshift, "_mod_": mod,
    "_format_value_": format_value,
}


# ---------------------------------------------------------------- compiler policy

def _call(name: str, *args) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _at(new, old):
    return ast.fix_missing_locations(ast.copy_location(new, old))


def _check() -> ast.Expr:
    return ast.Expr(value=_call("_budget_"))


class BudgetPolicy(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus budget checks and sized operations."""

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _at(_check(), node))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, _at(_check(), node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _at(_check(), node))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _at(_call("_budget_", node.body), node.body)
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        name = _BINOPS.get(type(node.op))
        if name is None:
            return node
        return _at(_call(name, node.left, node.right), node)

    def visit_AugAssign(self, node):
        if type(node.op) in _BINOPS and isinstance(node.target, ast.Name):
            # n *= k  ->  n = _mul_(n, k), sized like the plain operator
            value = ast.BinOp(left=ast.Name(id=node.target.id, ctx=ast.Load()), op=node.op,
                              right=node.value)
            assign = ast.Assign(targets=[node.target], value=_at(value, node))
            return self.visit(_at(assign, node))
        return super().visit_AugAssign(node)

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        if node.format_spec is not None:
            spec = node.format_spec
            node.value = _at(_call("_format_value_", node.value, spec,
                                                 ast.Constant(value=node.conversion)), node)
            node.format_spec = None
            node.conversion = -1
        return node
