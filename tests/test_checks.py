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
    assert_not_delegating,
    assert_scalar,
    assert_shape,
    assert_type,
    count_python_loops,
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
    (lambda: assert_shape(np.ones((1, 1)), ()), r"expected shape \(\)", r"float\(\.\.\.\)"),
    (lambda: assert_shape([1.0, 2.0], (2,)), "got a list", r"np\.array"),
    # types and dtypes
    (
        lambda: assert_type(np.ones((1, 1)), float),
        "expected a float, got a numpy array",
        r"float\(\.\.\.\)",
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
    (lambda: assert_close(np.array([[0.5]]), 0.5), r"single number", r"float\(\.\.\.\)"),
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


def _vectorized(v):
    return np.sum(v * 2)


def _for_loop(v):
    total = 0.0
    for x in v:
        total += x
    return total


def _while_and_comprehension(v):
    i = 0
    while i < 3:
        i += 1
    return [x for x in v]


def _calls_a_looping_helper(v):
    return _for_loop(v) + _for_loop(v) + _vectorized(v)


@pytest.mark.parametrize(
    "func, loops",
    [
        (_vectorized, 0),
        (_for_loop, 1),
        (_while_and_comprehension, 2),
        (_calls_a_looping_helper, 1),
        (lambda v: np.sum(v), 0),
    ],
)
def test_count_python_loops(func, loops):
    assert count_python_loops(func) == loops
