"""utils.checks: silent on right answers; on the typical student mistakes, an
AssertionError that says what is wrong and hints why."""

from __future__ import annotations

import functools
import re
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import utils.activations as act
from utils.checks import (
    assert_close,
    assert_dict_close,
    assert_dtype,
    assert_has_loop,
    assert_not_delegating,
    assert_scalar,
    assert_shape,
    assert_type,
    assert_vectorized,
    count_python_loops,
    count_python_steps,
    find_python_loops,
    passed,
)

RNG = np.random.default_rng(0)
M = 5
A = RNG.normal(size=(3, M))  # a typical (n, m) result
SQUARE = RNG.normal(size=(4, 4))
COLUMN = RNG.normal(size=(3, 1))
GRADS = {"dW1": RNG.normal(size=(3, 2)), "db1": RNG.normal(size=(3, 1)), "dW2": A}


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _copy(grads):
    return {k: v.copy() for k, v in grads.items()}


RIGHT = [
    lambda: assert_shape(A.copy(), (3, M)),
    lambda: assert_shape(2.5, ()),
    lambda: assert_type(A, np.ndarray),
    lambda: assert_type(np.float64(1.0), float),
    lambda: assert_dtype(A, np.float64),
    lambda: assert_close(A + 1e-9, A),
    lambda: assert_close(A.copy(), A.tolist()),
    lambda: assert_close(np.float64(0.25), 0.25),
    lambda: assert_close(np.array(0.25), 0.25),
    lambda: assert_close(np.array([1.0, np.nan]), np.array([1.0, np.nan])),
    lambda: assert_scalar(0.6931471805599453, np.log(2)),
    lambda: assert_scalar(3, 3.0),
    lambda: assert_dict_close(_copy(GRADS), GRADS, name="grads", m=M),
    lambda: assert_not_delegating(np.tanh, act.sigmoid, np.zeros(3)),
]


@pytest.mark.parametrize("check", RIGHT)
def test_a_right_answer_passes_silently(check, capfd):
    check()
    assert capfd.readouterr() == ("", "")


def _msg(check) -> str:
    with pytest.raises(AssertionError) as info:
        check()
    message = str(info.value)
    assert 1 <= len(message.splitlines()) <= 2 and len(message) < 300, message
    return message


WRONG = [
    # shapes
    (
        lambda: assert_shape(COLUMN.ravel(), (3, 1)),
        r"expected shape \(3, 1\), got \(3,\)",
        r"rank-1 array; use \.reshape\(-1, 1\) or keepdims=True",
    ),
    (
        lambda: assert_shape(COLUMN.ravel(), (1, 3), name="b"),
        r"^b: expected shape \(1, 3\)",
        r"reshape\(1, -1\)",
    ),
    (lambda: assert_shape(A.T, (3, M)), r"got \(5, 3\)", "transposed"),
    (lambda: assert_shape(COLUMN + COLUMN.ravel(), (3, 1)), r"got \(3, 3\)", "broadcast"),
    (lambda: assert_shape(A.sum(axis=1), (3, M)), r"got \(3,\)", "keepdims=True"),
    (lambda: assert_shape(np.ones((1, 1)), ()), r"expected shape \(\)", r"\.item\(\)"),
    (lambda: assert_shape([1.0, 2.0], (2,)), "got a list", r"np\.array"),
    # types and dtypes
    (
        lambda: assert_type(np.ones((1, 1)), float),
        "expected a float, got a numpy array",
        r"\.item\(\)",
    ),
    (lambda: assert_type((1, 2), dict), "expected a dict, got a tuple", "return a dict"),
    (lambda: assert_type([1], np.ndarray), "expected a numpy array, got a list", r"np\.array"),
    (
        lambda: assert_dtype(np.arange(3), np.float64),
        "expected dtype float64, got int64",
        "integer",
    ),
    (lambda: assert_dtype(A > 0), "got bool", r"astype\(float\)"),
    (lambda: assert_dtype(A.astype(np.float32)), "got float32", "float64"),
    (lambda: assert_dtype(1.0), "got a float", None),
    # values
    (lambda: assert_close(A * M, A, m=M), "15 of 15 values are wrong", "missing 1/m"),
    (lambda: assert_close(A / M, A, m=M), r"at index \(0, 0\)", "extra 1/m"),
    (lambda: assert_close(A * M, A), "values are wrong", r"constant factor: 5 .*missing 1/m"),
    (lambda: assert_close(2.5 * A, A), "values are wrong", "constant factor: 2.5"),
    (lambda: assert_close(-A, A), "values are wrong", "sign is flipped"),
    (lambda: assert_close(SQUARE.T, SQUARE), "values are wrong", "transposed"),
    (lambda: assert_close(np.zeros_like(A), A), "values are wrong", "all zeros"),
    (
        lambda: assert_close(np.where(A > 1, np.nan, A), A),
        r"holds NaN at index \(\d, \d\)",
        r"log\(0\)",
    ),
    (lambda: assert_close(np.full((3, 1), np.inf), COLUMN), "holds inf", "overflow"),
    (lambda: assert_close(A + 1e-3, A), "values are wrong", None),
    (lambda: assert_close(A.ravel(), A), r"expected shape \(3, 5\), got \(15,\)", None),
    (lambda: assert_close(A.tolist(), A), "expected a numpy array, got a list", r"np\.array"),
    (lambda: assert_close(np.array(["a"] * 3), np.ones(3)), "expected numbers", None),
    # scalars
    (
        lambda: assert_scalar(np.log(2) * M, np.log(2), name="cost", m=M),
        r"^cost: expected 0\.693147, got 3\.46574",
        "missing 1/m",
    ),
    (lambda: assert_scalar(-0.5, 0.5), "expected 0.5, got -0.5", "sign"),
    (
        lambda: assert_scalar(np.array([[0.5]]), 0.5),
        r"got an array of shape \(1, 1\)",
        r"np\.squeeze",
    ),
    (lambda: assert_scalar(A, 0.5), r"an array of shape \(3, 5\)", "sum or mean"),
    (lambda: assert_scalar("0.5", 0.5), "expected a number, got a str", None),
    (lambda: assert_scalar(True, 1.0), "expected a number, got a bool", None),
    (lambda: assert_close(np.array([[0.5]]), 0.5), r"single number", r"\.item\(\)"),
    # dicts
    (
        lambda: assert_dict_close({"dW1": GRADS["dW1"]}, GRADS, name="grads"),
        r"^grads: missing keys 'db1', 'dW2' \(it has 'dW1'\)",
        None,
    ),
    (
        lambda: assert_dict_close({k[1:]: v for k, v in GRADS.items()}, GRADS),
        "missing keys",
        "named with a d",
    ),
    (lambda: assert_dict_close({**GRADS, "dA0": A}, GRADS), "unexpected key 'dA0'", None),
    (lambda: assert_dict_close((1, 2), GRADS), "expected a dict with keys 'dW1'", None),
    (
        lambda: assert_dict_close({**GRADS, "db1": GRADS["db1"].ravel()}, GRADS, name="grads"),
        r"^grads\['db1'\]: expected shape \(3, 1\), got \(3,\)",
        "rank-1",
    ),
    (
        lambda: assert_dict_close({**GRADS, "dW2": A * M}, GRADS, name="grads", m=M),
        r"^grads\['dW2'\]: 15 of 15",
        "missing 1/m",
    ),
]


@pytest.mark.parametrize("check, what, hint", WRONG)
def test_a_typical_mistake_fails_with_a_hint(check, what, hint, capfd):
    message = _msg(check)
    first, *rest = message.splitlines()
    assert re.search(what, first), message
    if hint is None:
        assert not rest or re.search(r"\w", rest[0])
    else:
        assert rest and rest[0].startswith("hint: "), message
        assert re.search(hint, rest[0]), message
    assert capfd.readouterr() == ("", "")


def test_tolerances_are_honoured():
    assert_close(A * (1 + 1e-7), A)
    _msg(lambda: assert_close(A * (1 + 1e-5), A))
    assert_close(A * (1 + 1e-5), A, rtol=1e-4)
    assert_scalar(1e-12, 0.0)
    _msg(lambda: assert_scalar(1e-12, 0.0, atol=0.0))


@settings(max_examples=30, deadline=None)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.floats(-1e6, 1e6))
)
def test_any_array_matches_itself_and_not_its_negative(x):
    assert_close(x.copy(), x)
    if np.any(np.abs(x) > 1e-6):
        _msg(lambda: assert_close(-x, x))


# ---------------------------------------------------------------- assert_not_delegating


def _notebook(source: str) -> dict:
    """Run `source` as notebook cells do: in a fresh namespace of its own."""
    namespace = {"__name__": "__main__"}
    exec(textwrap.dedent(source), namespace)
    return namespace


DELEGATING = {
    "direct": """
        from utils.activations import sigmoid
        def student(z):
            return sigmoid(z)
    """,
    "alias": """
        from utils.activations import sigmoid as s
        def student(z):
            return s(z)
    """,
    "module attribute": """
        import numpy as np
        import utils.activations
        def student(z):
            return utils.activations.sigmoid(z) + 0 * np.exp(z)
    """,
    "module alias": """
        import utils.activations as act
        def student(z):
            return act.sigmoid(z)
    """,
    "from package": """
        from utils import activations
        def student(z):
            return activations.sigmoid(z)
    """,
    "helper": """
        import utils.activations as act
        def _squash(z):
            return act.sigmoid(z)
        def student(z):
            return _squash(z)
    """,
    "helper of a helper": """
        from utils.activations import sigmoid as reference
        def _inner(z):
            return reference(z)
        def _outer(z):
            return _inner(z) * 1.0
        def student(z):
            return _outer(z)
    """,
    "import inside": """
        def student(z):
            from utils.activations import relu, sigmoid
            return sigmoid(z)
    """,
    "import as inside": """
        def student(z):
            import utils.activations as a
            return a.sigmoid(z)
    """,
    "local alias": """
        import utils.activations as act
        def student(z):
            f = act.sigmoid
            return f(z)
    """,
    "nested function": """
        import utils.activations as act
        def student(z):
            def inner(v):
                return act.sigmoid(v)
            return inner(z)
    """,
    "lambda": """
        import utils.activations as act
        student = lambda z: act.sigmoid(z)
    """,
    "closure": """
        import utils.activations as act
        def make():
            reference = act.sigmoid
            def student(z):
                return reference(z)
            return student
        student = make()
    """,
    "default argument": """
        import utils.activations as act
        def student(z, f=act.sigmoid):
            return f(z)
    """,
    "dict of functions": """
        import utils.activations as act
        ACTIVATIONS = {"sigmoid": act.sigmoid, "tanh": act.tanh}
        def student(z):
            return ACTIVATIONS["sig" + "moid"](z)
    """,
    "partial": """
        import functools
        import utils.activations as act
        def _apply(f, z):
            return f(z)
        student = functools.partial(_apply, act.sigmoid)
    """,
}


@pytest.mark.parametrize("how", DELEGATING)
def test_delegation_is_caught_statically(how):
    student = _notebook(DELEGATING[how])["student"]
    message = _msg(lambda: assert_not_delegating(student, act.sigmoid))
    assert "calls utils.activations.sigmoid" in message
    assert "write it yourself" in message


def test_the_helper_is_named():
    student = _notebook(DELEGATING["helper"])["student"]
    message = _msg(lambda: assert_not_delegating(student, [act.relu, act.sigmoid]))
    assert message.startswith("student calls utils.activations.sigmoid via _squash()")


def test_the_reference_itself_is_caught():
    namespace = _notebook("import utils.activations as act\nsigmoid = act.sigmoid\n")
    message = _msg(lambda: assert_not_delegating(namespace["sigmoid"], act.sigmoid))
    assert "is utils.activations.sigmoid itself" in message


HIDDEN = {
    "getattr": """
        import utils.activations as act
        def student(z):
            return getattr(act, "sig" + "moid")(z)
    """,
    "module dict": """
        import sys
        def student(z):
            module = sys.modules["utils.activations"]
            return vars(module)["sig" + "moid"](z)
    """,
}


@pytest.mark.parametrize("how", HIDDEN)
def test_delegation_the_scan_misses_is_caught_by_a_run(how):
    namespace = _notebook(HIDDEN[how])
    assert_not_delegating(namespace["student"], act.sigmoid)  # static only: not seen
    message = _msg(lambda: assert_not_delegating(namespace["student"], act.sigmoid, A))
    assert "student called utils.activations.sigmoid while it ran" in message
    assert act.sigmoid.__module__ == "utils.activations" and act.sigmoid.__name__ == "sigmoid"
    assert vars(act)["sigmoid"] is act.sigmoid


HONEST = """
    import numpy as np
    from utils.activations import sigmoid as reference, relu
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    def sigmoid_grad(z):
        s = sigmoid(z)  # the student's own earlier function: fine
        return s * (1 - s)
    def leaky(z):
        return relu(z) + 0.01 * np.minimum(z, 0)  # an allowed reference: fine
"""


@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_grad", "leaky"])
def test_honest_implementations_pass(name, capfd):
    namespace = _notebook(HONEST)
    assert_not_delegating(namespace[name], act.sigmoid)
    assert_not_delegating(namespace[name], [act.sigmoid, act.sigmoid_grad], A)
    assert_not_delegating(namespace[name], act.sigmoid, z=A)
    assert capfd.readouterr() == ("", "")


def test_delegating_to_an_own_function_that_delegates_is_caught():
    namespace = _notebook(textwrap.dedent(HONEST) + "def sigmoid(z):\n    return reference(z)\n")
    message = _msg(lambda: assert_not_delegating(namespace["sigmoid_grad"], act.sigmoid))
    assert "via sigmoid()" in message


def test_everything_is_restored_when_the_function_raises():
    original = act.sigmoid
    namespace = _notebook("""
        import utils.activations as act
        from utils.activations import sigmoid as s
        def student(z):
            getattr(act, "sigmoid")(z)
            raise ValueError("student bug")
        def broken(z):
            raise ValueError("student bug")
    """)
    message = _msg(lambda: assert_not_delegating(namespace["student"], act.sigmoid, A))
    assert "called utils.activations.sigmoid" in message
    with pytest.raises(ValueError, match="student bug"):
        assert_not_delegating(namespace["broken"], act.sigmoid, A)
    assert act.sigmoid is original and namespace["s"] is original
    assert vars(act)["sigmoid"] is original


def test_the_function_is_run_once_with_the_arguments():
    calls = []

    def student(z, *, scale):
        calls.append((z, scale))
        return scale * np.tanh(z)

    assert_not_delegating(student, act.sigmoid, 0.5, scale=2.0)
    assert calls == [(0.5, 2.0)]
    assert_not_delegating(functools.partial(student, scale=1.0), act.sigmoid)
    assert len(calls) == 1


def test_forbidden_must_be_functions():
    with pytest.raises(TypeError, match="forbidden"):
        assert_not_delegating(np.tanh, [])
    with pytest.raises(TypeError, match="forbidden"):
        assert_not_delegating(np.tanh, ["sigmoid"])


# ---------------------------------------------------------------- loops


def _cell(source: str, name: str = "student"):
    """Define `source` as a notebook cell does (its lines in linecache, as IPython keeps
    them) in a fresh namespace; return the object called `name`."""
    import linecache

    text = textwrap.dedent(source)
    filename = f"<cell-{abs(hash(text))}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    namespace = {"__name__": "__main__"}
    exec(compile(text, filename, "exec"), namespace)
    return namespace[name]


# each form of loop, alone: (source defining `student`, number of loops, kind, line)
LOOPS = {
    "for": (
        """
        def student(v):
            total = 0.0
            for x in v:
                total += x
            return total
    """,
        1,
        "a for loop",
        4,
    ),
    "for with continue": (
        """
        def student(v):
            total = 0.0
            for x in v:
                if x < 0:
                    continue
                total += x
            return total
    """,
        1,
        "a for loop",
        4,
    ),
    "nested for": (
        """
        def student(M):
            for row in M:
                for x in row:
                    print(x)
    """,
        2,
        "a for loop",
        3,
    ),
    "while": (
        """
        def student(v):
            i, total = 0, 0.0
            while i < len(v):
                total += v[i]
                i += 1
            return total
    """,
        1,
        "a while loop",
        4,
    ),
    "while with continue": (
        """
        def student(v):
            i, total = 0, 0.0
            while i < len(v):
                i += 1
                if v[i - 1] < 0:
                    continue
                total += v[i - 1]
            return total
    """,
        1,
        "a while loop",
        4,
    ),
    "while True": (
        """
        def student(v):
            i = 0
            while True:
                i += 1
                if i >= len(v):
                    break
            return i
    """,
        1,
        "a while loop",
        4,
    ),
    "list comprehension": (
        """
        def student(v):
            return sum([x * x for x in v])
    """,
        1,
        "a list comprehension",
        3,
    ),
    "set comprehension": (
        """
        def student(v):
            return len({x for x in v})
    """,
        1,
        "a set comprehension",
        3,
    ),
    "dict comprehension": (
        """
        def student(v):
            return {i: x for i, x in enumerate(v)}
    """,
        1,
        "a dict comprehension",
        3,
    ),
    "generator expression": (
        """
        def student(v):
            return sum(x * x for x in v)
    """,
        1,
        "a generator expression",
        3,
    ),
    "nested comprehension": (
        """
        def student(M):
            return [x for row in M for x in row]
    """,
        2,
        "a list comprehension",
        3,
    ),
    "map": (
        """
        import numpy as np
        def student(v):
            return np.array(list(map(abs, v)))
    """,
        1,
        "map()",
        4,
    ),
    "filter": (
        """
        def student(v):
            return list(filter(None, v))
    """,
        1,
        "filter()",
        3,
    ),
    "functools.reduce": (
        """
        import functools
        def student(v):
            return functools.reduce(lambda s, x: s + x, v, 0.0)
    """,
        1,
        "functools.reduce()",
        4,
    ),
    "reduce aliased": (
        """
        from functools import reduce as r
        import operator
        def student(v):
            return r(operator.add, v)
    """,
        1,
        "functools.reduce()",
        5,
    ),
    "reduce imported inside": (
        """
        def student(v):
            from functools import reduce
            return reduce(max, v)
    """,
        1,
        "functools.reduce()",
        4,
    ),
    "itertools.starmap": (
        """
        import itertools, operator
        def student(v, w):
            return sum(itertools.starmap(operator.mul, zip(v, w)))
    """,
        1,
        "itertools.starmap()",
        4,
    ),
    "np.vectorize": (
        """
        import numpy as np
        def student(z):
            return np.vectorize(lambda t: 1 / (1 + np.exp(-t)))(z)
    """,
        1,
        "np.vectorize",
        4,
    ),
    "np.vectorize aliased": (
        """
        import numpy as np
        v = np.vectorize
        def student(z):
            return v(abs)(z)
    """,
        1,
        "np.vectorize",
        5,
    ),
    "np.vectorize aliased inside": (
        """
        import numpy as xp
        def student(z):
            vec = xp.vectorize
            f = vec(abs)
            return f(z) + vec(abs)(z)
    """,
        1,
        "np.vectorize",
        4,
    ),
    "np.vectorize made outside": (
        """
        import numpy as np
        squash = np.vectorize(lambda t: t / (1 + abs(t)))
        def student(z):
            return squash(z)
    """,
        1,
        "np.vectorize",
        5,
    ),
    "np.vectorize decorator": (
        """
        import numpy as np
        @np.vectorize
        def _one(t):
            return max(t, 0.0)
        def student(z):
            return _one(z)
    """,
        1,
        "np.vectorize",
        7,
    ),
    "np.apply_along_axis": (
        """
        import numpy as np
        def student(X):
            return np.apply_along_axis(np.linalg.norm, 0, X)
    """,
        1,
        "np.apply_along_axis",
        4,
    ),
    "np.frompyfunc": (
        """
        import numpy as np
        def student(z):
            return np.frompyfunc(abs, 1, 1)(z).astype(float)
    """,
        1,
        "np.frompyfunc",
        4,
    ),
    "np.frompyfunc ufunc made outside": (
        """
        import numpy as np
        u = np.frompyfunc(abs, 1, 1)
        def student(z):
            return u(z).astype(float)
    """,
        1,
        "np.frompyfunc",
        5,
    ),
    "direct recursion": (
        """
        def student(v):
            if len(v) == 0:
                return 0.0
            return v[0] + student(v[1:])
    """,
        1,
        "recursion",
        5,
    ),
    "mutual recursion": (
        """
        def _odd(v):
            return 0.0 if len(v) == 0 else v[0] + student(v[1:])
        def student(v):
            return 0.0 if len(v) == 0 else -v[0] + _odd(v[1:])
    """,
        1,
        "recursion",
        5,
    ),
    "recursion through three helpers": (
        """
        def _a(v, i):
            return 0.0 if i == len(v) else v[i] + _b(v, i + 1)
        def _b(v, i):
            return _c(v, i)
        def _c(v, i):
            return _a(v, i)
        def student(v):
            return _a(v, 0)
    """,
        1,
        "recursion",
        3,
    ),
    "recursive inner function": (
        """
        def student(v):
            def go(i):
                return 0.0 if i == len(v) else v[i] + go(i + 1)
            return go(0)
    """,
        1,
        "recursion",
        3,
    ),
    "loop in a helper": (
        """
        def _total(v):
            s = 0.0
            for x in v:
                s += x
            return s
        def student(v):
            return _total(v) / len(v)
    """,
        1,
        "a for loop",
        4,
    ),
    "loop in a helper of a helper": (
        """
        def _inner(v):
            return [x * x for x in v]
        def _outer(v):
            return sum(_inner(v))
        def student(v):
            return _outer(v)
    """,
        1,
        "a list comprehension",
        3,
    ),
    "helper through an alias": (
        """
        import numpy as np
        def _total(v):
            return np.array(list(map(abs, v)))
        h = _total
        def student(v):
            return h(v)
    """,
        1,
        "map()",
        4,
    ),
    "helper in a dict": (
        """
        def _total(v):
            return sum(x for x in v)
        OPS = {"total": _total}
        def student(v):
            return OPS["total"](v)
    """,
        1,
        "a generator expression",
        3,
    ),
    "helper as a default argument": (
        """
        def _total(v):
            while len(v) > 2:
                v = v[:-1]
            return sum(v)
        def student(v, f=_total):
            return f(v)
    """,
        1,
        "a while loop",
        3,
    ),
    "helper through a partial": (
        """
        import functools
        def _scaled(c, v):
            return [c * x for x in v]
        def student(v):
            return functools.partial(_scaled, 2.0)(v)
    """,
        1,
        "a list comprehension",
        4,
    ),
    "helper through a closure": (
        """
        def _total(v):
            return list(filter(None, v))
        def make():
            f = _total
            def student(v):
                return f(v)
            return student
        student = make()
    """,
        1,
        "filter()",
        3,
    ),
    "for with try and with inside": (
        """
        import warnings
        def student(v):
            out = []
            for x in v:
                try:
                    with warnings.catch_warnings():
                        out.append(1 / x)
                except ZeroDivisionError:
                    out.append(0.0)
            return out
    """,
        1,
        "a for loop",
        5,
    ),
    "while with try inside": (
        """
        def student(v):
            i = 0
            while i < len(v):
                try:
                    v[i] = 1 / v[i]
                except ZeroDivisionError:
                    continue
                finally:
                    i += 1
            return v
    """,
        1,
        "a while loop",
        4,
    ),
    "the answer is a np.vectorize object": (
        """
        import numpy as np
        student = np.vectorize(lambda t: t * 2.0)
    """,
        1,
        "np.vectorize",
        None,
    ),
}


def test_a_long_for_loop_counts_once():
    """A body long enough that the loop's jumps need EXTENDED_ARG is still one for loop."""
    body = "".join(f"        x{i} = x + {i}\n" for i in range(200))
    student = _cell(f"def student(n, x):\n    for i in range(n):\n{body}    return x\n")
    loops = find_python_loops(student)
    assert [loop.kind for loop in loops] == ["a for loop"], loops


@pytest.mark.parametrize("form", LOOPS)
def test_every_form_of_loop_is_counted(form):
    source, count, kind, line = LOOPS[form]
    student = _cell(source)
    loops = find_python_loops(student)
    assert count_python_loops(student) == count == len(loops), loops
    assert loops[0].kind == kind, loops
    assert loops[0].line == line, loops


VECTORIZED = {
    "numpy only": """
        import numpy as np
        def student(w, b, X, Y):
            m = X.shape[1]
            A = 1 / (1 + np.exp(-(w.T @ X + b)))
            cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
            dw = X @ (A - Y).T / m
            db = np.sum(A - Y, axis=1, keepdims=True) / m
            return {"dw": dw, "db": db.item()}, cost.item()
    """,
    "branches, with and try": """
        import numpy as np
        import warnings
        def student(z):
            if z.ndim == 1:
                z = z.reshape(1, -1)
            elif z.ndim > 2:
                raise ValueError("2-D please")
            try:
                with warnings.catch_warnings():
                    out = np.where(z > 0, z, 0.01 * z)
            except FloatingPointError:
                out = np.zeros_like(z)
            assert out.shape == z.shape
            return out
    """,
    "two try blocks and a finally": """
        import numpy as np
        def student(z):
            try:
                a = np.log(z)
            except ValueError:
                a = np.zeros_like(z)
            try:
                b = np.exp(-a)
            except (ValueError, OverflowError):
                return a
            finally:
                a = a * 1.0
            return a + b
    """,
    "an own vectorized helper": """
        import numpy as np
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
        def student(w, X):
            return sigmoid(w.T @ X) * sigmoid(0.0)
    """,
    "a lambda": """
        import numpy as np
        student = lambda v: np.sum(np.abs(v))
    """,
    "a library function that loops inside": """
        import utils.logistic
        def student(w, b, X, Y):
            return utils.logistic.propagate_loop(w, b, X, Y)
    """,
    "a dict and a tuple unpacking, no loop": """
        import numpy as np
        def student(params, X):
            W, b = params["W1"], params["b1"]
            Z = W @ X + b
            return np.maximum(Z, 0), (Z, W, b)
    """,
}


@pytest.mark.parametrize("how", VECTORIZED)
def test_vectorized_code_counts_zero_loops(how, capfd):
    student = _cell(VECTORIZED[how])
    assert count_python_loops(student) == 0, find_python_loops(student)
    assert_vectorized(student)
    assert capfd.readouterr() == ("", "")


def test_a_helper_used_twice_counts_once_and_loops_add_up():
    student = _cell("""
        def _total(v):
            s = 0.0
            for x in v:
                s += x
            return s
        def student(v):
            a = [x for x in v]
            return _total(v) + _total(a)
    """)
    loops = find_python_loops(student)
    assert sorted(loop.kind for loop in loops) == ["a for loop", "a list comprehension"]
    assert {loop.function for loop in loops} == {"_total", "student"}


def test_functions_of_other_modules_are_not_scanned():
    import utils.logistic

    assert count_python_loops(utils.logistic.propagate_loop) >= 1  # its own loops count
    student = _cell(VECTORIZED["a library function that loops inside"])
    assert count_python_loops(student) == 0


# ---------------------------------------------------------------- a dynamic complement


# loops whose per-item work is all C (map(abs, v), ...): a run cannot see them
INVISIBLE_TO_A_RUN = {
    "map",
    "filter",
    "reduce aliased",
    "reduce imported inside",
    "itertools.starmap",
    "np.vectorize aliased",
    "np.vectorize aliased inside",
    "np.frompyfunc",
    "np.frompyfunc ufunc made outside",
    "helper through an alias",
    "helper through a closure",
}


@pytest.mark.parametrize("form", [f for f in LOOPS if "recursion" not in f] + ["direct recursion"])
def test_a_run_agrees_loops_grow_with_m(form):
    """The static count stands on its own; a run complements it: the Python steps of a loop
    with Python work per item grow with the number of items m (those of vectorized code
    do not, below). A loop whose per-item work is all C is invisible to a run, which is
    why the checks count loops statically."""
    source, count, _, _ = LOOPS[form]
    student = _cell(source)
    code = getattr(student, "__code__", None)
    arity = code.co_argcount - len(student.__defaults__ or ()) if code else 1
    if form in ("nested for", "nested comprehension", "np.apply_along_axis"):
        make = lambda m: (np.ones((2, m)),)  # noqa: E731
    elif arity == 2:
        make = lambda m: (np.linspace(1, 2, m), np.linspace(2, 3, m))  # noqa: E731
    else:
        make = lambda m: (np.linspace(1, 2, m),)  # noqa: E731
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("builtins.print", lambda *a, **k: None)
        small, large = count_python_steps(student, *make(4)), count_python_steps(student, *make(8))
    if form in INVISIBLE_TO_A_RUN:
        assert large == small, (form, small, large)
    else:
        assert large > small, (form, small, large)


@pytest.mark.parametrize("how", ["numpy only", "an own vectorized helper", "a lambda"])
def test_a_run_agrees_vectorized_code_does_not_grow_with_m(how):
    student = _cell(VECTORIZED[how])
    rng = np.random.default_rng(1)

    def args(m):
        X = rng.normal(size=(3, m))
        if how == "numpy only":
            return rng.normal(size=(3, 1)), 0.1, X, (rng.random((1, m)) > 0.5).astype(float)
        return (rng.normal(size=(3, 1)), X) if how != "a lambda" else (X,)

    assert count_python_steps(student, *args(4)) == count_python_steps(student, *args(64))


# ---------------------------------------------------------- assert_vectorized, assert_has_loop


def test_assert_vectorized_names_the_loop_its_line_and_says_to_vectorize():
    student = _cell(LOOPS["loop in a helper"][0])
    message = _msg(lambda: assert_vectorized(student, "propagate"))
    first, hint = message.splitlines()
    assert first == (
        "propagate: found a Python loop where vectorized code is expected: "
        "a for loop in _total(), line 4"
    )
    assert hint.startswith("hint: vectorize with numpy")


def test_assert_vectorized_adds_why_to_the_hint():
    student = _cell(LOOPS["map"][0])
    message = _msg(lambda: assert_vectorized(student, why="np.abs works on the whole array"))
    assert message.startswith("student: found a Python loop")
    assert "map() in student(), line 4" in message
    assert message.endswith("; np.abs works on the whole array")


def test_assert_vectorized_names_a_recursion():
    student = _cell(LOOPS["mutual recursion"][0])
    message = _msg(lambda: assert_vectorized(student))
    assert "recursion student() -> _odd() -> student(), line 5" in message


def test_allowed_loops_lets_one_loop_through_but_not_a_second():
    over_layers = _cell("""
        import numpy as np
        def student(X, params):
            A = X
            for l in range(1, len(params) // 2 + 1):
                A = np.tanh(params[f"W{l}"] @ A + params[f"b{l}"])
            return A
    """)
    assert_vectorized(over_layers, allowed_loops=1)
    _msg(lambda: assert_vectorized(over_layers))
    also_examples = _cell("""
        import numpy as np
        def student(X, params):
            A = X
            for l in range(1, len(params) // 2 + 1):
                cols = [params[f"W{l}"] @ A[:, [i]] for i in range(A.shape[1])]
                A = np.tanh(np.hstack(cols) + params[f"b{l}"])
            return A
    """)
    message = _msg(lambda: assert_vectorized(also_examples, allowed_loops=1))
    assert "found 2 Python loops, at most 1 loop expected" in message
    assert "a list comprehension in student(), line 6" in message


def test_assert_has_loop_fails_a_vectorized_answer():
    student = _cell(VECTORIZED["numpy only"])
    message = _msg(lambda: assert_has_loop(student, "propagate_loop"))
    assert message.startswith(
        "propagate_loop: no Python loop found, but this exercise asks "
        "for the loop over the m examples"
    )
    what = "a loop over the layers"
    assert what in _msg(lambda: assert_has_loop(student, what=what))
    for form in ("for", "while", "map", "loop in a helper"):
        assert_has_loop(_cell(LOOPS[form][0]))


# ---------------------------------------------------------------- mistakes=


def test_a_mistake_matched_gives_its_hint():
    right = np.tanh(A)
    sigma_prime = right * (1 - right)
    hint = "sigmoid's derivative used for tanh's: tanh'(z) = 1 - a^2"
    message = _msg(
        lambda: assert_close(
            sigma_prime, 1 - right**2, "dZ1", mistakes={"other": -right, hint: sigma_prime}
        )
    )
    first, second = message.splitlines()
    assert first.startswith("dZ1: ") and "values are wrong" in first
    assert second == f"hint: {hint}"
    assert_close(1 - right**2, 1 - right**2, mistakes={hint: sigma_prime})  # right: silent


def test_a_mistake_not_matched_leaves_the_usual_hint():
    message = _msg(lambda: assert_close(-A, A, mistakes={"a mistake": A * 2}))
    assert message.endswith("hint: the sign is flipped")
    message = _msg(lambda: assert_close(A.ravel(), A, mistakes={"a mistake": A.ravel() + 1}))
    assert "expected shape (3, 5), got (15,)" in message and "a mistake" not in message


def test_mistakes_of_a_scalar_use_the_same_tolerance():
    hint = "the loss of the first example, not the mean over the m examples"
    message = _msg(lambda: assert_scalar(0.7 + 1e-9, 0.5, "cost", mistakes={hint: 0.7}))
    assert message == f"cost: expected 0.5, got 0.7\nhint: {hint}"
    message = _msg(lambda: assert_scalar(0.7 + 1e-3, 0.5, "cost", mistakes={hint: 0.7}))
    assert hint not in message


def test_mistakes_of_a_dict_may_name_only_the_keys_they_change():
    hint = "ReLU on the output layer: the last layer is sigmoid"
    wrong = {**GRADS, "dW2": np.maximum(A, 0)}
    message = _msg(
        lambda: assert_dict_close(wrong, GRADS, "grads", mistakes={hint: {"dW2": np.maximum(A, 0)}})
    )
    assert message.startswith("grads['dW2']: ") and message.endswith(f"hint: {hint}")
    message = _msg(
        lambda: assert_dict_close(
            {**GRADS, "dA3": A}, GRADS, "grads", mistakes={"extra dA": {"dA3": A}}
        )
    )
    assert message == "grads: unexpected key 'dA3'\nhint: extra dA"
    with pytest.raises(TypeError, match="mistakes"):
        assert_dict_close(GRADS, GRADS, mistakes={"a hint": A})
    with pytest.raises(TypeError, match="mistakes"):
        assert_close(A, A, mistakes=[A])


def test_passed_prints_one_line(capfd):
    passed("propagate")
    assert capfd.readouterr() == ("\u2714 propagate: all visible tests passed.\n", "")


# ---------------------------------------------------------------- every hint, followed

T3 = RNG.normal(size=(2, 3, 4))
W = RNG.normal(size=(3, 2))
X = RNG.normal(size=(2, M))
Z = np.array([[-800.0, 0.5, 800.0]])
Y01 = np.array([[1.0, 0.0, 1.0]])


def _stable_loss(z, y):
    """Cross-entropy of sigmoid(z) against y, without log(0): log(1 + e^-z), log(1 + e^z)."""
    return y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)


def _naive_loss(z, y):
    with np.errstate(all="ignore"):
        a = 1 / (1 + np.exp(-z))
        return -(y * np.log(a) + (1 - y) * np.log(1 - a))


def _forgot_to_compute(X, Y):
    dw = np.zeros((X.shape[0], 1))
    return dw


def _computed(X, Y):
    dw = X @ Y.T / X.shape[1]
    return dw


_LOOP_SOURCE = """
    import numpy as np
    def student(v):
        return np.array([abs(x) for x in v])
"""
_VECTORIZED_SOURCE = """
    import numpy as np
    def student(v):
        return np.abs(v)
"""
_LAYERS_AND_EXAMPLES = """
    import numpy as np
    def student(X, Ws):
        A = X
        for W in Ws:
            A = np.hstack([np.tanh(W @ A[:, [i]]) for i in range(A.shape[1])])
        return A
"""
_LAYERS_ONLY = """
    import numpy as np
    def student(X, Ws):
        A = X
        for W in Ws:
            A = np.tanh(W @ A)
        return A
"""

# (hint that must be printed, the check on the wrong answer, the check on the answer with
# the hint's advice applied): the advice is applied as a student would, programmatically
FOLLOWED = {
    "rank-1 column: reshape(-1, 1)": (
        r"\.reshape\(-1, 1\)",
        lambda: assert_close(COLUMN.ravel(), COLUMN),
        lambda: assert_close(COLUMN.ravel().reshape(-1, 1), COLUMN),
    ),
    "rank-1 column: keepdims=True": (
        r"keepdims=True",
        lambda: assert_close(A.sum(axis=1), A.sum(axis=1, keepdims=True)),
        lambda: assert_close(A.sum(axis=1, keepdims=True), A.sum(axis=1, keepdims=True)),
    ),
    "rank-1 row: reshape(1, -1)": (
        r"\.reshape\(1, -1\)",
        lambda: assert_close(A[0], A[:1]),
        lambda: assert_close(A[0].reshape(1, -1), A[:1]),
    ),
    "rank-1 row: keepdims=True": (
        r"keepdims=True",
        lambda: assert_close(A.mean(axis=0), A.mean(axis=0, keepdims=True)),
        lambda: assert_close(A.mean(axis=0, keepdims=True), A.mean(axis=0, keepdims=True)),
    ),
    "a number expected, shape (): .item()": (
        r"\.item\(\)",
        lambda: assert_shape(np.array([[0.5]]), ()),
        lambda: assert_shape(np.array([[0.5]]).item(), ()),
    ),
    "a number expected, shape (): np.squeeze": (
        r"np\.squeeze",
        lambda: assert_shape(np.array([[0.5]]), ()),
        lambda: assert_shape(np.squeeze(np.array([[0.5]])), ()),
    ),
    "a float expected: .item()": (
        r"\.item\(\)",
        lambda: assert_type(np.array([[0.5]]), float),
        lambda: assert_type(np.array([[0.5]]).item(), float),
    ),
    "a scalar expected: .item()": (
        r"\.item\(\)",
        lambda: assert_scalar(np.array([[0.5]]), 0.5),
        lambda: assert_scalar(np.array([[0.5]]).item(), 0.5),
    ),
    "a scalar expected: np.squeeze": (
        r"np\.squeeze",
        lambda: assert_scalar(np.array([[0.5]]), 0.5),
        lambda: assert_scalar(np.squeeze(np.array([[0.5]])), 0.5),
    ),
    "a close scalar expected: .item()": (
        r"\.item\(\)",
        lambda: assert_close(np.array([[0.5]]), 0.5),
        lambda: assert_close(np.array([[0.5]]).item(), 0.5),
    ),
    "a scalar expected, not per example: the mean": (
        r"sum or mean over the examples",
        lambda: assert_scalar(_stable_loss(Z, Y01), float(np.mean(_stable_loss(Z, Y01)))),
        lambda: assert_scalar(np.mean(_stable_loss(Z, Y01)), float(np.mean(_stable_loss(Z, Y01)))),
    ),
    "transposed shape: the order of the product": (
        r"order of the matrix product \(or \.T\)",
        lambda: assert_close(X.T @ W.T, W @ X),
        lambda: assert_close((X.T @ W.T).T, W @ X),
    ),
    "square: a rank-1 array broadcast against a column": (
        r"rank-1 \(n,\) array broadcast",
        lambda: assert_close(COLUMN + COLUMN.ravel(), 2 * COLUMN),
        lambda: assert_close(COLUMN + COLUMN.ravel().reshape(-1, 1), 2 * COLUMN),
    ),
    "an axis missing: keepdims=True": (
        r"keepdims=True",
        lambda: assert_close(T3.sum(axis=2), T3.sum(axis=2, keepdims=True)),
        lambda: assert_close(T3.sum(axis=2, keepdims=True), T3.sum(axis=2, keepdims=True)),
    ),
    "a list: np.array": (
        r"np\.array",
        lambda: assert_close(A.tolist(), A),
        lambda: assert_close(np.array(A.tolist()), A),
    ),
    "a list of a shape: np.array": (
        r"np\.array",
        lambda: assert_shape([1.0, 2.0], (2,)),
        lambda: assert_shape(np.array([1.0, 2.0]), (2,)),
    ),
    "a tuple for a dict: return a dict": (
        r"return a dict",
        lambda: assert_type((W, COLUMN), dict),
        lambda: assert_type({"W1": W, "b1": COLUMN}, dict),
    ),
    "integers: start from floats": (
        r"start from floats",
        lambda: assert_dtype(np.zeros((3, 1), dtype=int) + 1),
        lambda: assert_dtype(np.zeros((3, 1)) + 1.0),
    ),
    "booleans: astype(float)": (
        r"astype\(float\)",
        lambda: assert_dtype(A > 0),
        lambda: assert_dtype((A > 0).astype(float)),
    ),
    "float32: compute in float64": (
        r"compute in float64",
        lambda: assert_dtype(np.tanh(A.astype(np.float32))),
        lambda: assert_dtype(np.tanh(A)),
    ),
    "objects: a ragged list": (
        r"ragged list",
        lambda: assert_dtype(np.array([A[0], A[1, :4]], dtype=object)),
        lambda: assert_dtype(np.array([A[0], A[1]])),
    ),
    "all zeros: compute it": (
        r"all zeros",
        lambda: assert_close(_forgot_to_compute(X, X[:1]), _computed(X, X[:1])),
        lambda: assert_close(_computed(X, X[:1]), _computed(X, X[:1])),
    ),
    "a missing 1/m: divide by m": (
        r"missing 1/m",
        lambda: assert_close(X @ X[:1].T, _computed(X, X[:1]), m=M),
        lambda: assert_close(X @ X[:1].T / M, _computed(X, X[:1]), m=M),
    ),
    "an extra 1/m: drop it": (
        r"extra 1/m",
        lambda: assert_close(X @ X[:1].T / M / M, _computed(X, X[:1]), m=M),
        lambda: assert_close(X @ X[:1].T / M, _computed(X, X[:1]), m=M),
    ),
    "a constant factor, maybe 1/m: divide by it": (
        r"missing 1/m, with m = 5",
        lambda: assert_close(X @ X[:1].T, _computed(X, X[:1])),
        lambda: assert_close(X @ X[:1].T / 5, _computed(X, X[:1])),
    ),
    "a constant factor: divide by it": (
        r"2\.5 times",
        lambda: assert_close(2.5 * A, A),
        lambda: assert_close(2.5 * A / 2.5, A),
    ),
    "the sign flipped: negate": (
        r"sign is flipped",
        lambda: assert_close(-A, A),
        lambda: assert_close(np.negative(-A), A),
    ),
    "a square transposed: .T": (
        r"transposed: check the order of the matrix product",
        lambda: assert_close(W.T @ W.T.T @ SQUARE[:2, :2].T, SQUARE[:2, :2] @ W.T @ W),
        lambda: assert_close((W.T @ W @ SQUARE[:2, :2].T).T, SQUARE[:2, :2] @ W.T @ W),
    ),
    "NaN from log(0): a stable loss": (
        r"log\(0\)",
        lambda: assert_close(_naive_loss(Z, Y01), _stable_loss(Z, Y01)),
        lambda: assert_close(_stable_loss(Z, Y01), _stable_loss(Z, Y01)),
    ),
    "inf from np.exp of a large z: a stable form": (
        r"np\.exp of a large z",
        lambda: assert_close(_softplus_naive(Z), np.logaddexp(0, Z)),
        lambda: assert_close(np.logaddexp(0, Z), np.logaddexp(0, Z)),
    ),
    "gradients named with a d": (
        r"named with a d",
        lambda: assert_dict_close({k[1:]: v for k, v in GRADS.items()}, GRADS),
        lambda: assert_dict_close({"d" + k[1:]: v for k, v in GRADS.items()}, GRADS),
    ),
    "delegating: write it yourself": (
        r"write it yourself with numpy operations",
        lambda: assert_not_delegating(_notebook(DELEGATING["direct"])["student"], act.sigmoid),
        lambda: assert_not_delegating(_notebook(HONEST)["sigmoid"], act.sigmoid, A),
    ),
    "a loop: vectorize with numpy": (
        r"vectorize with numpy",
        lambda: assert_vectorized(_cell(_LOOP_SOURCE)),
        lambda: assert_vectorized(_cell(_VECTORIZED_SOURCE)),
    ),
    "a second loop: vectorize the rest": (
        r"keep the expected loop and vectorize the rest with numpy",
        lambda: assert_vectorized(_cell(_LAYERS_AND_EXAMPLES), allowed_loops=1),
        lambda: assert_vectorized(_cell(_LAYERS_ONLY), allowed_loops=1),
    ),
    "no loop: write the loop": (
        r"as an explicit for loop",
        lambda: assert_has_loop(_cell(_VECTORIZED_SOURCE)),
        lambda: assert_has_loop(_cell(_LOOP_SOURCE)),
    ),
}


def _softplus_naive(z):
    with np.errstate(over="ignore"):
        return np.log(1 + np.exp(z))


@pytest.mark.parametrize("case", FOLLOWED)
def test_every_hint_works_when_followed(case, capfd):
    """Each hint the checks print, triggered by a wrong answer; then the same answer with
    the hint's advice applied passes."""
    hint, wrong, fixed = FOLLOWED[case]
    message = _msg(wrong)
    assert re.search(hint, message.splitlines()[-1]), message
    fixed()
    assert capfd.readouterr() == ("", "")


def test_the_vectorized_and_loop_sources_compute_the_same():
    v = np.linspace(-1, 1, 7)
    assert_close(_cell(_LOOP_SOURCE)(v), _cell(_VECTORIZED_SOURCE)(v))
    Ws = [RNG.normal(size=(3, 2)), RNG.normal(size=(1, 3))]
    assert_close(_cell(_LAYERS_AND_EXAMPLES)(X, Ws), _cell(_LAYERS_ONLY)(X, Ws))


def test_no_hint_advises_float_of_an_array():
    """numpy 2.4 raises TypeError for float() of an array that is not 0-d."""
    import inspect

    import utils.checks

    assert "float(..." not in inspect.getsource(utils.checks)
    with pytest.raises(TypeError):
        float(np.array([[0.5]]))


def test_count_python_steps_restores_the_tracer_and_the_collector():
    import gc
    import sys

    def tracer(frame, event, arg):
        return None

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        with pytest.raises(ZeroDivisionError):
            count_python_steps(lambda: 1 / 0)
        assert sys.gettrace() is tracer and gc.isenabled()
    finally:
        sys.settrace(before)
    assert count_python_steps(_cell(LOOPS["for"][0]), np.ones(8)) > count_python_steps(
        _cell(LOOPS["for"][0]), np.ones(4)
    )
