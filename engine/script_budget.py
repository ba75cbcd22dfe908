"""Time and memory budgets for BPMN scripts and expressions.

Signals cannot stop a script under gunicorn threads, so the sandbox's code
checks its own budget: the compiler policy below puts a check at the top of
every loop body, function and lambda, comprehensions are checked through
`_getiter_`, and operations that can allocate a lot in one C call (`*`,
`**`, `<<`, `%`, `//`, padding and joining strings, format widths) are sized
before they run.  The builtins that loop in C (sum, list, sorted, map...) are
wrapped so that they loop through the same checks.  Every so often (and
before any big allocation) the process's resident memory is compared with
what it was when the budget began.  One user action shares one budget
(`one_action`, round engine/runtime.py's engine run), so a script looped
back on itself through a gateway is stopped too.  When that shared budget
runs out, the element named is the one that spent most of it (`charged_to`,
round each script and expression the engine runs), not whichever short
expression happened to be next when the clock passed the deadline.

Known limit: the memory reading is the whole process's resident memory, and
a gunicorn worker runs 4 threads.  Another thread's big allocation (an
export, say) made while a script runs counts against that script's budget
and can stop it (the instance goes to error; a manager retries it).
tracemalloc would count per allocation but slows every allocation in the
process, not only scripts, so it is not used.

Budgets: CASEFLOW_SCRIPT_TIME_LIMIT seconds (default 1) and
CASEFLOW_SCRIPT_MEMORY_MB (default 64: task data is kilobytes, and
2 workers x 4 threads x 64 MB still fits a small council server).
"""
import ast
import os
import re
import string
import sys
import threading
import time

from RestrictedPython import RestrictingNodeTransformer
from RestrictedPython.Guards import safer_getattr

TIME_LIMIT = float(os.environ.get("CASEFLOW_SCRIPT_TIME_LIMIT", "1"))
MEMORY_MB = int(os.environ.get("CASEFLOW_SCRIPT_MEMORY_MB", "64"))

_MEMORY_EVERY = 0.001  # seconds between memory readings (~5 µs each; a loop can allocate GB/s)
_BIG = 1 << 20          # an allocation this big (bytes) reads memory at once
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MAX_RANGE = 1_000_000  # a range is the one C iterable a script can make without data behind it
_MAX_VALUES = 100_000   # values a script may leave in task data

# str(int) and int(str) past 4,300 digits take quadratic time: Python 3.11
# refuses them by default; PYTHONINTMAXSTRDIGITS=0 must not lift that here
if not 0 < sys.get_int_max_str_digits() <= 4300:
    sys.set_int_max_str_digits(4300)


class BudgetExceeded(Exception):
    """A script ran past its time or memory budget and was stopped."""
    element = None  # the task spec that used up a shared budget, when not the one stopped


_statm = (None, None)  # (pid, fd): kept open, as opening it costs more than reading it


def _rss() -> int:
    global _statm
    try:
        pid, fd = _statm
        if pid != os.getpid():  # first use, or a forked worker (the fd names its parent)
            fd = os.open(f"/proc/{os.getpid()}/statm", os.O_RDONLY)
            _statm = (os.getpid(), fd)
        return int(os.pread(fd, 128, 0).split()[1]) * _PAGE
    except OSError:  # not Linux: no memory reading, the size guards still hold
        return 0


class _Budget:
    __slots__ = ("deadline", "limit", "memory", "base", "next_memory", "stopped", "blamed",
                 "spent", "element", "element_began")

    def __init__(self, seconds: float, memory_bytes: int):
        self.limit = seconds
        now = time.monotonic()
        self.deadline = now + seconds
        self.memory = memory_bytes
        # the baseline is read now, before the script can allocate anything;
        # the next reading comes after 1 ms (most scripts are done by then)
        self.base = _rss() if memory_bytes < 1 << 62 else 0
        self.next_memory = now + _MEMORY_EVERY
        self.stopped = None
        self.blamed = None   # the element a stop names, when not the one running
        self.spent = {}      # element -> seconds it has run in this budget
        self.element = None  # the element running now, and since when
        self.element_began = now

    def stop(self, why: str):
        self.stopped = self.stopped or why
        stopped = BudgetExceeded(self.stopped)
        stopped.element = self.blamed
        raise stopped

    def time_out(self):
        if self.blamed is None and self.spent:
            spent = dict(self.spent)
            spent[self.element] = spent.get(self.element, 0) + time.monotonic() - self.element_began
            self.blamed = max(spent, key=spent.get)
        s = "second" if self.limit == 1 else "seconds"
        self.stop(f"ran for more than {self.limit:g} {s} and was stopped")

    def memory_out(self):
        self.stop(f"needed more than {self.memory // (1 << 20)} MB of memory and was stopped")

    def too_many_values(self):
        self.stop(f"left more than {_MAX_VALUES:,} values in its data and was stopped")

    def check_memory(self, coming: int = 0):
        if _rss() - self.base + coming > self.memory:
            self.memory_out()


_local = threading.local()


class running:
    """`with running():` gives the code inside a fresh budget (nesting keeps the outer one)."""
    raise_stopped = True

    def __enter__(self):
        self.outer = getattr(_local, "budget", None)
        if self.outer is None:
            _local.budget = _Budget(TIME_LIMIT, MEMORY_MB << 20)
        return _local.budget

    def __exit__(self, *exc):
        budget = _local.budget
        if self.outer is None:
            _local.budget = None
        if budget.stopped and exc[0] is None and self.raise_stopped:
            # the script caught BudgetExceeded and carried on: it is still stopped
            budget.stop(budget.stopped)
        return False


class one_action(running):
    """One budget for every script and expression a user action runs (the
    engine run in engine/runtime.py). A stop was raised inside a script,
    through SpiffWorkflow, so it is not raised again on the way out."""
    raise_stopped = False


class charged_to(running):
    """The script or expression of `element` (a task spec) runs inside: its
    time is kept apart, so a stop of a shared budget names what used it up."""

    def __init__(self, element):
        self.charged = element

    def __enter__(self):
        budget = super().__enter__()
        self.before = budget.element  # an element running another's script (rare): its time goes on after
        budget.element, budget.element_began = self.charged, time.monotonic()
        return budget

    def __exit__(self, *exc):
        budget = _local.budget
        now = time.monotonic()
        budget.spent[self.charged] = budget.spent.get(self.charged, 0) + now - budget.element_began
        budget.element, budget.element_began = self.before, now
        return super().__exit__(*exc)


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


def _too_long():
    raise BudgetExceeded("did arithmetic on numbers too long to finish quickly and was stopped")


_MAX_DIVISION = 1 << 32  # quotient bits x divisor bits: about 50 ms of long division


def _check_division(a, b):
    """Long division takes (quotient length x divisor length): size it first."""
    if type(a) is int and type(b) is int:
        bits = b.bit_length()
        if bits > 64 and (a.bit_length() - bits + 1) * bits > _MAX_DIVISION:
            _too_long()


def power(a, b, mod=None):
    if mod is not None:
        if isinstance(a, int) and isinstance(b, int) and isinstance(mod, int):
            # modular exponentiation: (exponent length) squarings of modulus-length numbers
            m = mod.bit_length()
            _check_division(a, mod)
            if m > 4096 or b.bit_length() * m * m > 1 << 33:
                _too_long()
        return pow(a, b, mod)
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        bits = abs(a).bit_length() * b
        _allocating(bits // 8)
        if bits > _MAX_INT_BITS:
            raise BudgetExceeded("made a number of more than 300,000 digits and was stopped")
    return pow(a, b)


def floordiv(a, b):
    _check_division(a, b)
    return a // b


def divmod_(a, b):
    _check_division(a, b)
    return divmod(a, b)


def round_(number, ndigits=None):
    if ndigits is None:
        return round(number)
    if isinstance(ndigits, int) and abs(ndigits) > 4300:
        # round(1, -10**7) works out 10**(10**7) first
        _too_long()
    if type(number) is int and isinstance(ndigits, int) and ndigits < 0:
        _check_division(number, 10 ** -ndigits)
    return round(number, ndigits)


def _in_base(convert, bits_per_digit):
    def converted(number):
        if isinstance(number, int):
            _allocating(number.bit_length() // bits_per_digit)
        return convert(number)
    return converted


def lshift(a, b):
    if isinstance(a, int) and isinstance(b, int) and a and b > 0:
        _allocating((a.bit_length() + b) // 8)
    return a << b


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?")
_PERCENT_BYTES = re.compile(_PERCENT.pattern.encode())


def _width(spec: str) -> int:
    return max((int(d) for d in re.findall(r"\d+", spec)), default=0)


def mod(a, b):
    if isinstance(a, (str, bytes, bytearray)):
        star = "*" if isinstance(a, str) else b"*"
        for m in (_PERCENT if isinstance(a, str) else _PERCENT_BYTES).finditer(a):
            if star in (m.group(1) or star[:0], m.group(2) or star[:0]):
                raise BudgetExceeded("used a * width in % formatting, which scripts may not")
            _allocating(max(int(m.group(1) or 0), int(m.group(2) or 0)))
        _allocating(_digits(*(b if isinstance(b, tuple) else (b,))))
    else:
        _check_division(a, b)
    return a % b


_BINOPS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_", ast.Mod: "_mod_",
           ast.FloorDiv: "_floordiv_"}


# ---------------------------------------------------------------- strings

def _digits(*values) -> int:
    """At most how many characters the ints among `values` print as (octal, 3 bits a digit)."""
    return sum(v.bit_length() for v in values if isinstance(v, int)) // 3


def _guard_format(fmt: str):
    for _, field, spec, _ in string.Formatter().parse(fmt):
        if field and ("." in field or "[" in field):
            # "{0.__globals__[...]}" reads attributes and items past the sandbox's guards
            raise BudgetExceeded("used a format field that reads an attribute or an item, "
                                 "which scripts may not (use an f-string)")
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
        _allocating(_digits(*args, *kwargs.values()) * 3)  # "{:b}" is 3 times the octal digits
        return s.format(*args, **kwargs)
    return format


def _format_mapper(s):
    def format_map(mapping):
        _guard_format(s)
        return s.format_map(mapping)
    return format_map


def _splitter(s, name):
    def split(sep=None, maxsplit=-1):
        pieces = s.count(sep) + 1 if sep else len(s) // 2 + 1
        pieces = pieces if maxsplit < 0 else min(pieces, maxsplit + 1)
        _allocating(len(s) + pieces * 64)  # a list slot and a small string each
        return getattr(s, name)(sep, maxsplit)
    return split


def _line_splitter(s):
    def splitlines(keepends=False):
        _allocating(len(s) + (len(s) // 2 + 1) * 64)  # a line is a character and its break
        return s.splitlines(keepends)
    return splitlines


def _translator(s):
    def translate(table, *rest):
        if isinstance(table, dict):
            longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1)
            _allocating(len(s) * longest * (1 if s.isascii() else 4))
        return s.translate(table, *rest)
    return translate


def _to_bytes(n):
    def to_bytes(length=1, byteorder="big", **kwargs):
        _allocating(length if isinstance(length, int) else 0)
        return n.to_bytes(length, byteorder, **kwargs)
    return to_bytes


def _expander(s):
    def expandtabs(tabsize=8):
        _allocating(len(s) + s.count("\t") * max(tabsize, 0))
        return s.expandtabs(tabsize)
    return expandtabs


_TEXT = (str, bytes, bytearray)
_STR_GUARDS = {
    "ljust": lambda s: _padding(s.ljust), "rjust": lambda s: _padding(s.rjust),
    "center": lambda s: _padding(s.center), "zfill": lambda s: _padding(s.zfill),
    "join": _joiner, "replace": _replacer, "format": _formatter, "expandtabs": _expander,
    "format_map": _format_mapper, "split": lambda s: _splitter(s, "split"),
    "rsplit": lambda s: _splitter(s, "rsplit"), "splitlines": _line_splitter,
}
# name -> (the types whose method it is, the guard made for one value)
_METHOD_GUARDS = {name: (_TEXT, guard) for name, guard in _STR_GUARDS.items()}
_METHOD_GUARDS["translate"] = ((str,), _translator)
_METHOD_GUARDS["to_bytes"] = ((int,), _to_bytes)


def _through_type(kind, name, guard):
    """str.ljust("", 10**9): the method taken from the type is guarded as well."""
    def method(self, *args, **kwargs):
        if not isinstance(self, kind):  # Python's own TypeError
            return getattr(kind, name)(self, *args, **kwargs)
        return guard(self)(*args, **kwargs)
    return method


def getattr_(obj, name, default=None, getattr=safer_getattr):
    guarded = _METHOD_GUARDS.get(name)
    if guarded is not None and hasattr(obj, name):
        kinds, guard = guarded
        if isinstance(obj, kinds):
            return guard(obj)
        if isinstance(obj, type) and issubclass(obj, kinds):
            return _through_type(obj, name, guard)
    return getattr(obj, name, default)


_CONVERSIONS = {ord("r"): repr, ord("s"): str, ord("a"): ascii}


def format_value(value, spec: str, conversion: int = -1):
    _allocating(_width(spec) + _digits(value) * 3)
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    return format(value, spec)


# ---------------------------------------------------------------- iteration

def guarded_iter(iterable):
    """Every item is checked: one item can be a big allocation (a list of a million).
    (tick's test inlined: this is the hot path of every loop and comprehension)"""
    budget = getattr(_local, "budget", None) or _current()
    clock = time.monotonic
    for item in iterable:
        if budget.stopped or clock() > budget.next_memory:
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
        if seen > _MAX_VALUES:
            budget.too_many_values()
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


# ---------------------------------------------------------------- builtins that loop in C

# containers whose length is known: C goes through them quickly, and the
# result is sized from the length; anything else (map, a generator...) is
# gone through item by item with a check for each
_BOUNDED = frozenset({list, tuple, str, bytes, bytearray, dict, set, frozenset, range})
_SLOT, _ENTRY, _NUMBER = 8, 40, 32  # bytes: a list slot, a set or dict entry, a new int


def _source(iterable, each: int):
    kind = type(iterable)
    if kind in _BOUNDED:
        tick()
        if each:
            _allocating(len(iterable) * (each + (_NUMBER if kind is range else 0)))
        return iterable
    return guarded_iter(iterable)


class _Guarded(type):
    """A builtin type as scripts see it: calling it goes through the budget;
    isinstance() and its methods are the real type's."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls._real)

    def __subclasscheck__(cls, sub):
        return issubclass(sub, cls._real)

    def __getattr__(cls, name):
        return getattr(cls._real, name)

    def __call__(cls, *args, **kwargs):
        return cls._make(*args, **kwargs)


def _guarded_type(real, each: int):
    def make(*args, **kwargs):
        if args:
            args = (_source(args[0], each), *args[1:])
        return real(*args, **kwargs)
    return _Guarded(real.__name__, (), {"_real": real, "_make": staticmethod(make)})


def _over_items(function, each: int = 0):
    def over(iterable, *args, **kwargs):
        return function(_source(iterable, each), *args, **kwargs)
    return over


def _least_or_most(function):
    def pick(*args, **kwargs):
        if len(args) == 1:
            return function(_source(args[0], 0), **kwargs)
        return function(*args, **kwargs)
    return pick


def sum_(iterable, /, start=0):
    if type(start) in _NUMBERS:
        if type(iterable) is range:  # at most a million short numbers: quick in C
            tick()
            return sum(iterable, start)
        return sum(guarded_iter(iterable), start)  # one add per check: an add can be of long numbers
    total = start  # sum(lists, []) copies the total at every step: sized each time
    for item in guarded_iter(iterable):
        total = add(total, item)
    return total


def _lazy(function):
    """map, filter, zip...: each item they make is checked (the function may be a builtin)."""
    def lazy(*args, **kwargs):
        return guarded_iter(function(*args, **kwargs))
    return lazy


BUILTINS = {
    "list": _guarded_type(list, _SLOT), "tuple": _guarded_type(tuple, _SLOT),
    "set": _guarded_type(set, _ENTRY), "frozenset": _guarded_type(frozenset, _ENTRY),
    "dict": _guarded_type(dict, _ENTRY),
    "sorted": _over_items(sorted, _SLOT), "any": _over_items(any), "all": _over_items(all),
    "min": _least_or_most(min), "max": _least_or_most(max), "sum": sum_,
    "map": _lazy(map), "filter": _lazy(filter), "zip": _lazy(zip), "enumerate": _lazy(enumerate),
    "reversed": _lazy(reversed),
    "pow": power, "range": guarded_range, "divmod": divmod_, "round": round_,
    "hex": _in_base(hex, 4), "oct": _in_base(oct, 3),
}


GUARDS = {
    "_budget_": tick, "_add_": add, "_mul_": mul, "_pow_": power, "_lshift_": lshift, "_mod_": mod,
    "_floordiv_": floordiv,
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
