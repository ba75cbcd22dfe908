"""The sandbox stops a script past its time or memory budget, quickly, and
the process (a gunicorn thread in production) carries on serving."""
import resource
import time

import pytest

from engine.scripting import RestrictedEnvironment, compile_error
from engine.script_budget import BudgetExceeded, MEMORY_MB, TIME_LIMIT, charged_to, one_action, tick

ENV = RestrictedEnvironment()


@pytest.fixture(autouse=True)
def _address_space_cap():
    """If a guard failed, the test should fail with MemoryError, not take the machine down."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run(script):
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as stopped:
        ENV.execute(script, {})
    return str(stopped.value), time.monotonic() - started


@pytest.mark.parametrize("script", [
    "while True: pass",
    "def f(n):\n    if n <= 0:\n        return 1\n    return f(n - 1) + f(n - 1)\nx = f(60)",
    "x = 0\nfor i in range(1000000):\n    for j in range(1000000):\n        x += 1",
    "try:\n    while True: pass\nexcept Exception:\n    pass\nx = 1",
    "x = sum(1 for i in range(1000000) for y in range(1000000))",
    "f = lambda n: f(n - 1) + f(n - 1) if n > 0 else 1\nx = f(60)",
])
def test_a_script_that_runs_on_is_stopped_at_its_time_budget(script):
    message, took = run(script)
    assert message == "ran for more than 1 second and was stopped"
    assert TIME_LIMIT <= took < TIME_LIMIT + 0.5


@pytest.mark.parametrize("script", [
    "x = 'a' * 10**9", "x = 10**10**9", "x = pow(10, 10**9)", "x = 1 << 10**10",
    "x = ','.join(['a' * 100000 for i in range(100000)])",
    "x = [[i] * 1000 for i in range(1000000)]",
    "x = [y for i in range(1000000) for y in range(1000000)]",
    "x = [0]\nwhile True:\n    x = x + x",
    "x = 'a'.ljust(10**9)", "x = 'a'.zfill(10**9)", "x = f'{1:>1000000000}'",
    "x = '%1000000000d' % 1", "x = '{:>1000000000}'.format(1)",
    "x = ('ab' * 10).replace('a', 'a' * 10**8)", "x = 'a' * 1000\nx *= 10**7",
    "x = []\nfor i in range(1000000):\n    x.append(str(i) * 100)",
])
def test_a_script_that_would_take_too_much_memory_is_stopped_first(script):
    message, took = run(script)
    assert message == f"needed more than {MEMORY_MB} MB of memory and was stopped"
    assert took < TIME_LIMIT + 0.5


def test_an_expression_has_the_same_budget():
    with pytest.raises(BudgetExceeded, match="memory"):
        ENV.evaluate("'a' * n", {"n": 10**9})
    with pytest.raises(BudgetExceeded, match="1 second"):
        ENV.evaluate("sum(1 for i in range(999999) for j in range(999999))", {})


def test_the_data_a_script_leaves_must_fit_the_budget():
    with pytest.raises(BudgetExceeded, match="memory"):
        ENV.execute("x = ['a' * 100000 for i in range(1000)]", {})


def test_numbers_too_long_to_multiply_quickly_are_refused():
    message, took = run("x = 3\nwhile True:\n    x = x * x")
    assert message == "made a number of more than 300,000 digits and was stopped"
    assert took < 0.5
    assert run("x = 3 ** 2000000")[0] == message  # a power is one long multiplication after another


def test_ranges_too_big_for_a_c_loop_are_refused():
    with pytest.raises(BudgetExceeded, match="range of more than 1,000,000"):
        ENV.execute("x = sum(range(10**12))", {})


def test_ordinary_scripts_give_the_same_answers_and_the_process_carries_on():
    run("while True: pass")
    context = {"count": 3, "names": ["a", "b"]}
    ENV.execute("total = count * 2\nlabel = f'{total:>4}|{count!r}' + ', '.join(names)\n"
                "pct = '%d%%' % 50\nsq = [i ** 2 for i in range(count)]\nbig = 2 ** 64\n"
                "pad = 'x'.ljust(3, '.')\nn = 1\nn *= 5\nn **= 2", context)
    assert context == {"count": 3, "names": ["a", "b"], "total": 6, "label": "   6|3a, b",
                       "pct": "50%", "sq": [0, 1, 4], "big": 2 ** 64, "pad": "x..", "n": 25}
    assert ENV.evaluate("count > 2 and 'a' in names", context) is True
    assert compile_error("x = 1") is None


# ---------------------------------------------------------------- holes found in review (issue 11 item 1)

def refused(script, context=None):
    with pytest.raises(BudgetExceeded) as stopped:
        ENV.execute(script, dict(context or {}))
    return str(stopped.value)


FIELD_REFUSED = ("used a format field that reads an attribute or an item, which scripts may not "
                 "(use an f-string)")


@pytest.mark.parametrize("script", [
    "x = '{0.__globals__[json].decoder.re.enum.sys.modules[os].environ[HOME]}'.format(jarp.score)",
    "x = '{f.__globals__}'.format_map({'f': jarp.score})",
    "x = str.format('{0.__globals__}', jarp.score)",
    "x = '{0[0]}'.format([1])",
])
def test_a_format_field_cannot_read_attributes_or_items(script):
    assert refused(script) == FIELD_REFUSED


MEMORY = f"needed more than {MEMORY_MB} MB of memory and was stopped"
TIME = "ran for more than 1 second and was stopped"
LONG = "did arithmetic on numbers too long to finish quickly and was stopped"


@pytest.mark.parametrize("script", [
    # len(): the result is not left in task data, so only a guard before the C call stops it
    "x = len(str.ljust('', 10**9))", "x = len(str.join('', ['a' * 1000] * 10**6))",
    "x = len(str.zfill('1', 10**9))", "x = len(str.replace('ab' * 10**4, 'a', 'a' * 10**5))",
    "x = len(str.format('{:>1000000000}', 1))",
    "x = len(str.split('ab ' * 2000000))", "x = len(('ab\\n' * 2000000).splitlines())",
    "x = len(('ab,' * 2000000).split(','))",
])
def test_string_methods_are_sized_also_when_taken_from_the_type(script):
    message, took = run(script)
    assert (message, took < TIME_LIMIT + 0.5) == (MEMORY, True)


@pytest.mark.parametrize("script, stops", [
    ("x = sum(map(sum, [range(10**6)] * 10**3))", {TIME}),
    ("x = len(list(map(list, [range(10**6)] * 40)))", {MEMORY}),
    ("x = len(list('a' * 60000000))", {MEMORY}),
    ("x = len(sum([[0] * 10000] * 1500, []))", {MEMORY, TIME}),
    ("x = len(sorted('a' * 60000000))", {MEMORY}),
    # twelve columns: big enough to stop on any machine, even one whose earlier tests left freed memory to reuse
    ("r = range(10**6)\nx = len(tuple(zip(r, r, r, r, r, r, r, r, r, r, r, r)))", {MEMORY, TIME}),
    ("x = max(map(len, [list(range(10**6)) for i in range(8)]))", {MEMORY}),
    ("x = len(set(map(sum, [range(1, 10**6)] * 10**3)))", {TIME}),
    ("x = all(map(sum, [range(1, 10**6)] * 10**3))", {TIME}),
    ("x = len(dict(enumerate(map(sum, [range(1, 10**6)] * 10**3))))", {TIME}),
])
def test_builtins_that_loop_in_c_loop_through_the_budget(script, stops):
    message, took = run(script)
    assert message in stops
    assert took < TIME_LIMIT + 0.5


@pytest.mark.parametrize("script", [
    "x = pow(3, 1 << 100000, (1 << 100000) + 1)",
    "x = divmod(1 << 8000000, (1 << 4000000) | 1)",
    "x = (1 << 8000000) // ((1 << 4000000) | 1)",
    "x = (1 << 8000000) % ((1 << 4000000) | 1)",
    "x = 1 << 8000000\nx //= (1 << 4000000) | 1",
    "x = round(1, -10**7)",
])
def test_long_number_arithmetic_is_refused_before_it_runs(script):
    message, took = run(script)
    assert (message, took < 0.5) == (LONG, True)


def test_numbers_too_long_for_a_decimal_string_are_refused_by_python():
    # Python 3.11's limit (sys.set_int_max_str_digits, 4,300 digits) holds in the sandbox
    for script in ("x = str(10 ** 5000)", "x = int('1' * 5000)", "x = f'{10 ** 5000}'", "x = '%d' % 10 ** 5000"):
        with pytest.raises(ValueError, match="4300"):
            ENV.execute(script, {})


def test_memory_is_measured_from_the_start_of_the_budget():
    # 8 lists of a million numbers made in the first millisecond were once the baseline
    assert refused("x = len([list(range(10**6)) for i in range(8)])") == MEMORY
    assert refused("x = len([[j for j in range(10**6)] for i in range(8)])") in {MEMORY, TIME}


@pytest.mark.parametrize("script", ["x = len(b'%900000000d' % 1)", "x = len(b'%.900000000f' % 1.0)"])
def test_bytes_percent_formatting_is_sized(script):
    assert refused(script) == MEMORY
    assert refused("x = b'%*d' % (10, 1)") == "used a * width in % formatting, which scripts may not"


def test_too_many_values_left_in_task_data_has_its_own_message():
    assert refused("x = list(range(200000))") == "left more than 100,000 values in its data and was stopped"


def test_task_data_cannot_replace_the_sandbox_in_an_expression():
    data = {"_budget_": 1, "_getattr_": 1, "_getiter_": 1, "jarp": 1, "names": [" a ", "b"]}
    assert ENV.evaluate("[n.strip() for n in names] == ['a', 'b'] and jarp.score is not None", data) is True


def test_ordinary_scripts_with_the_wrapped_builtins_give_the_same_answers():
    context = {"scores": [3, 1, 2], "names": ["b", "a"], "row": {"a": 1}}
    ENV.execute(
        "a = sum(scores)\nb = sorted(scores, reverse=True)\nc = (min(scores), max(scores), max(4, 5))\n"
        "d = list(zip(names, scores))\ne = dict(d)\nf = list(enumerate(names, 1))\n"
        "g = list(map(str, scores))\nh = list(filter(None, [0, 1, 2]))\ni = (any(scores), all([]))\n"
        "j = list(reversed(names))\nk = (isinstance(scores, list), isinstance(row, dict), isinstance(d, tuple))\n"
        "l = (round(2.675, 2), round(1234, -2), divmod(7, 2), 7 // 2, 7 % 3, hex(255), pow(3, 4, 5))\n"
        "m = (str.upper('x'), '{} {n}'.format(1, n=2), '{a}'.format_map(row), 'a b'.split(), 'a,b'.split(','))\n"
        "n = (tuple(names), sorted(set(names)), sum([1.5, 2.5]), sum([[1], [2]], []), dict(row, b=2))\n"
        "o = (list(), dict(), 10 ** 20 // 3, (2 ** 70) % 1000, f'{255:x}', list.copy(scores))", context)
    assert {k: context[k] for k in "abcdefghijklmno"} == {
        "a": 6, "b": [3, 2, 1], "c": (1, 3, 5), "d": [("b", 3), ("a", 1)], "e": {"b": 3, "a": 1},
        "f": [(1, "b"), (2, "a")], "g": ["3", "1", "2"], "h": [1, 2], "i": (True, True), "j": ["a", "b"],
        "k": (True, True, False), "l": (2.67, 1200, (3, 1), 3, 1, "0xff", 1),
        "m": ("X", "1 2", "1", ["a", "b"], ["a", "b"]),
        "n": (("b", "a"), ["a", "b"], 4.0, [1, 2], {"a": 1, "b": 2}),
        "o": ([], {}, 10 ** 20 // 3, 2 ** 70 % 1000, "ff", [3, 1, 2])}


def test_a_shared_budget_run_out_names_the_element_that_used_it_up():
    # the deadline passes while the first element runs but is only seen at
    # the next one's first check: the stop still names the first
    with one_action():
        with charged_to("the long script"):
            time.sleep(TIME_LIMIT * 1.05)  # no check runs inside a sleep
        with pytest.raises(BudgetExceeded) as stopped:
            with charged_to("the short expression"):
                tick()
    assert (str(stopped.value), stopped.value.element) == (
        "ran for more than 1 second and was stopped", "the long script")


def test_an_element_stopped_on_its_own_is_the_one_named():
    with one_action():
        with charged_to("a quick script"):
            ENV.execute("x = 1", {})
        with pytest.raises(BudgetExceeded) as stopped:
            with charged_to("the endless script"):
                ENV.execute("while True: pass", {})
    assert stopped.value.element == "the endless script"
