"""utils.gradcheck: central differences, relative error, and the three gradient checks,
which must pass on a correct backward pass and catch every mistake of the bug corpus."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.support.bug_corpus import BUGS, Bug, backward, make_problem
from utils.gradcheck import (
    GradCheckReport,
    directional_check,
    gradient_check,
    numerical_gradient,
    relative_error,
    sparse_check,
)

PROBLEM = make_problem()  # (4, 4, 4, 1), tanh hidden, sigmoid output, m = 7


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _grads(problem, backward_fn=backward):
    return backward_fn(problem.params, problem.X, problem.Y, problem.output)


# ------------------------------------------------------------------ numerical_gradient


def test_numerical_gradient_of_a_cubic():
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5]])
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8, atol=1e-8)


def test_numerical_gradient_of_a_scalar_array():
    x = np.array(2.0)
    assert numerical_gradient(lambda v: float(np.sin(v)), x) == pytest.approx(np.cos(2.0))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 5),
    data=st.data(),
)
def test_numerical_gradient_of_random_quadratics(n, data):
    values = st.floats(-2, 2, allow_nan=False)
    A = data.draw(hnp.arrays(np.float64, (n, n), elements=values))
    b = data.draw(hnp.arrays(np.float64, (n, 1), elements=values))
    x = data.draw(hnp.arrays(np.float64, (n, 1), elements=values))
    before = x.copy()
    grad = numerical_gradient(lambda v: (v.T @ A @ v + b.T @ v).item(), x)
    np.testing.assert_allclose(grad, (A + A.T) @ before + b, rtol=1e-6, atol=1e-6)
    assert np.array_equal(x, before)


def test_numerical_gradient_perturbs_in_place_and_restores_x():
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    seen = []

    def f(v):
        assert v is x  # the very array, so closures see the perturbation
        seen.append(x.copy())
        return float(np.sum(x**2))

    numerical_gradient(f, x, eps=1e-3)
    assert len(seen) == 6
    assert seen[0][0] == pytest.approx(0.101) and seen[1][0] == pytest.approx(0.099)
    assert np.array_equal(x, before)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    before = x.copy()
    calls = 0

    def f(v):
        nonlocal calls
        calls += 1
        if calls == 4:  # the minus side of the second entry
            raise RuntimeError("boom")
        return float(np.sum(v))

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x)
    assert np.array_equal(x, before)


@pytest.mark.parametrize("x", [[1.0, 2.0], np.array([1, 2]), np.array(["a"])])
def test_numerical_gradient_needs_a_float_array(x):
    with pytest.raises(ValueError, match="float numpy array"):
        numerical_gradient(lambda v: 0.0, x)


@pytest.mark.parametrize(
    "f, match",
    [(lambda v: v, "one number"), (lambda v: float("nan"), "nan"), (lambda v: "x", "one number")],
)
def test_numerical_gradient_needs_one_finite_number(f, match):
    x = np.ones(2)
    with pytest.raises(ValueError, match=match):
        numerical_gradient(f, x)
    assert np.array_equal(x, np.ones(2))


# ----------------------------------------------------------------------- relative_error


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (np.zeros(3), np.zeros(3), 0.0),
        (0.0, 0.0, 0.0),
        (np.ones(3), np.ones(3), 0.0),
        (np.ones(3), -np.ones(3), 1.0),
        (np.ones(3), np.zeros(3), 1.0),
        (3.0, 1.0, 0.5),
        (np.array([[3.0, 4.0]]), np.array([[0.0, 0.0]]), 1.0),
        (np.array([1e200, 1e200]), np.array([1e200, 1e200]), 0.0),
        (np.array([1e-300]), np.array([3e-300]), 0.5),
    ],
)
def test_relative_error_values(a, b, expected):
    assert relative_error(a, b) == pytest.approx(expected)


def test_relative_error_rejects_mismatched_shapes_and_nan():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones((3, 1)), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        relative_error(np.array([1.0, np.nan]), np.ones(2))
    with pytest.raises(ValueError, match="infinity"):
        relative_error(np.ones(2), np.array([1.0, np.inf]))


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-1e6, 1e6)),
    hnp.arrays(np.float64, (2, 3), elements=st.floats(-1e6, 1e6)),
)
def test_relative_error_is_symmetric_and_in_0_1(a, b):
    error = relative_error(a, b)
    assert 0.0 <= error <= 1.0 + 1e-12
    assert error == pytest.approx(relative_error(b, a))


# ----------------------------------------------------------------------- gradient_check


@pytest.mark.parametrize(
    "dims, m, output",
    [
        ((4, 4, 4, 1), 7, "sigmoid"),
        ((3, 5, 1), 20, "sigmoid"),
        ((2, 1), 1, "sigmoid"),
        ((5, 4, 3), 9, "softmax"),
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_all_checks_pass_on_correct_gradients(dims, m, output, seed):
    problem = make_problem(dims, m, output, seed)
    grads = _grads(problem)
    for report in (
        gradient_check(problem.cost, problem.params, grads, m=m),
        sparse_check(problem.cost, problem.params, grads, m=m, seed=seed),
        directional_check(problem.cost, problem.params, grads, seed=seed),
    ):
        assert report.passed, report
        assert report.max_relative_error < 1e-7
        assert report.diagnosis is None


def test_report_fields_on_a_correct_gradient():
    report = gradient_check(PROBLEM.cost, PROBLEM.params, _grads(PROBLEM))
    assert isinstance(report, GradCheckReport)
    assert isinstance(report.passed, bool)
    assert list(report.per_parameter) == list(PROBLEM.params)
    assert report.max_relative_error == max(report.per_parameter.values())
    assert report.per_parameter[report.worst_parameter] == report.max_relative_error
    assert len(report.worst_index) == 2
    assert report.shapes == {k: v.shape for k, v in PROBLEM.params.items()}


def test_gradient_check_leaves_params_alone_and_accepts_other_keys():
    params = {k: v.copy() for k, v in PROBLEM.params.items()}
    grads = {k[1:]: v for k, v in _grads(PROBLEM).items()}  # "W1" rather than "dW1"
    grads["dA0"] = np.zeros_like(PROBLEM.X)  # an activation gradient: ignored
    report = gradient_check(PROBLEM.cost, params, grads)
    assert report.passed
    for key, value in PROBLEM.params.items():
        assert np.array_equal(params[key], value)


def test_gradient_check_catches_nan_in_a_gradient():
    grads = _grads(PROBLEM)
    grads["dW2"][1, 2] = np.nan
    report = gradient_check(PROBLEM.cost, PROBLEM.params, grads)
    assert not report.passed
    assert report.worst_parameter == "W2" and report.worst_index == (1, 2)
    assert report.max_relative_error == np.inf
    assert "NaN" in report.diagnosis
    assert not directional_check(PROBLEM.cost, PROBLEM.params, grads).passed


def _modified(key, change):
    grads = _grads(PROBLEM)
    grads[key] = change(grads[key])
    return grads


@pytest.mark.parametrize(
    "grads, match",
    [
        ({k: v for k, v in _grads(PROBLEM).items() if k != "db2"}, r"missing 'db2'.*\(4, 1\)"),
        ({**_grads(PROBLEM), "dW9": np.zeros((2, 2))}, "'dW9', which matches no parameter"),
        ({**_grads(PROBLEM), "W1": np.zeros((4, 4))}, "both 'dW1' and 'W1'"),
        (_modified("db1", np.ravel), r"grads\['db1'\].*\(4, 1\).*\(4,\).*rank-1"),
        (_modified("dW3", np.transpose), r"grads\['dW3'\].*\(1, 4\).*\(4, 1\).*transposed"),
        (_modified("db2", lambda g: np.repeat(g, 7, axis=1)), r"\(4, 7\).*keepdims=True"),
    ],
)
def test_gradient_check_rejects_bad_gradient_dicts(grads, match):
    for check in (gradient_check, sparse_check, directional_check):
        with pytest.raises(ValueError, match=match):
            check(PROBLEM.cost, PROBLEM.params, grads)


def test_gradient_check_needs_a_finite_scalar_cost():
    grads = _grads(PROBLEM)
    with pytest.raises(ValueError, match="cost_fn must return one number"):
        gradient_check(lambda p: p["W1"], PROBLEM.params, grads)

    def cost(p):  # finite at the point, NaN once W2 moves
        return PROBLEM.cost(p) if p["W2"][0, 0] == PROBLEM.params["W2"][0, 0] else np.nan

    with pytest.raises(ValueError, match=r"perturbing params\['W2'\]"):
        gradient_check(cost, PROBLEM.params, grads)


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_every_check_catches_the_bug(bug: Bug):
    grads = _grads(PROBLEM, bug.backward)
    full = gradient_check(PROBLEM.cost, PROBLEM.params, grads, m=PROBLEM.m)
    sparse = sparse_check(PROBLEM.cost, PROBLEM.params, grads, m=PROBLEM.m)
    for report in (full, sparse):
        assert not report.passed
        assert report.max_relative_error > 1e-2
        assert report.worst_parameter in bug.faulty
        if bug.keyword is None:
            assert report.diagnosis is None
        else:
            assert bug.keyword in report.diagnosis
            assert f"d{report.worst_parameter}" in report.diagnosis
    assert not directional_check(PROBLEM.cost, PROBLEM.params, grads).passed


def test_the_corpus_is_big_enough():
    assert len(BUGS) >= 10
    assert sum(bug.keyword is not None for bug in BUGS) >= 7


def test_diagnosis_without_m_still_suspects_1_over_m():
    grads = _modified("dW2", lambda g: 7 * g)
    report = gradient_check(PROBLEM.cost, PROBLEM.params, grads)
    assert "7 times too large" in report.diagnosis and "1/m" in report.diagnosis
    grads = _modified("dW2", lambda g: g / 7)
    assert "extra 1/m" in gradient_check(PROBLEM.cost, PROBLEM.params, grads).diagnosis


def test_the_same_factor_everywhere_is_named_once_for_all():
    bug = next(b for b in BUGS if b.name == "missing 1/m everywhere")
    report = gradient_check(PROBLEM.cost, PROBLEM.params, _grads(PROBLEM, bug.backward), m=7)
    others = [f"d{name}" for name in PROBLEM.params if name != report.worst_parameter]
    assert all(name in report.diagnosis for name in others)


def test_a_reshape_in_place_of_a_transpose_is_diagnosed():
    problem = make_problem((3, 5, 1), 6)
    grads = _grads(problem)
    grads["dW1"] = grads["dW1"].T.reshape(5, 3)  # (A_prev @ dZ.T).reshape(W.shape)
    report = gradient_check(problem.cost, problem.params, grads)
    assert report.worst_parameter == "W1"
    assert "reshape where a transpose belongs" in report.diagnosis


def test_rounding_noise_is_told_apart_from_a_mistake():
    report = gradient_check(PROBLEM.cost, PROBLEM.params, _grads(PROBLEM), eps=1e-10)
    assert not report.passed
    assert "rounding error" in report.diagnosis and "probably right" in report.diagnosis


def test_sparse_check_is_deterministic_and_samples_k_entries():
    grads = _modified("dW1", lambda g: np.where(np.eye(4) > 0, -g, g))  # diagonal flipped
    one = sparse_check(PROBLEM.cost, PROBLEM.params, grads, k=3, seed=5)
    two = sparse_check(PROBLEM.cost, PROBLEM.params, grads, k=3, seed=5)
    assert one == two
    assert sparse_check(PROBLEM.cost, PROBLEM.params, grads, k=100).worst_parameter == "W1"
    with pytest.raises(ValueError, match="k must be"):
        sparse_check(PROBLEM.cost, PROBLEM.params, grads, k=0)


def test_directional_check_uses_two_cost_evaluations():
    calls = 0

    def cost(p):
        nonlocal calls
        calls += 1
        return PROBLEM.cost(p)

    report = directional_check(cost, PROBLEM.params, _grads(PROBLEM))
    assert calls == 2
    assert report.passed and report.worst_parameter == "" and report.worst_index == ()
    assert all(np.isnan(e) for e in report.per_parameter.values())


@pytest.mark.parametrize("seed", range(10))
def test_directional_check_passes_for_any_seed_on_a_larger_network(seed):
    problem = make_problem((12, 8, 6, 5), 30, "softmax", seed)
    assert directional_check(problem.cost, problem.params, _grads(problem), seed=seed).passed


# ------------------------------------------------------------------------------- display


def test_repr_is_a_table_with_verdict_and_diagnosis():
    report = gradient_check(PROBLEM.cost, PROBLEM.params, _modified("db1", np.negative))
    text = repr(report)
    lines = text.splitlines()
    assert lines[0].startswith("gradient_check: FAILED")
    assert "parameter" in lines[1] and "relative error" in lines[1]
    row = next(line for line in lines if line.startswith("b1"))
    assert "(4, 1)" in row and "FAIL" in row
    assert "ok" in next(line for line in lines if line.startswith("W1"))
    assert "worst: b1" in text and "diagnosis: db1 has the wrong sign" in text
    assert len(lines) == 2 + len(PROBLEM.params) + 2


def test_html_repr_escapes_and_shows_the_same_content():
    report = gradient_check(PROBLEM.cost, PROBLEM.params, _modified("dW1", lambda g: 2.5 * g))
    page = report._repr_html_()
    assert page.startswith("<div>") and page.count("<tr>") == 1 + len(PROBLEM.params)
    assert "FAILED" in page and "FAIL</td>" in page and "(4, 4)" in page
    assert "&gt;= threshold" in page and ">=" not in page
    assert "analytic = 2.5 x numerical" in page
    passing = gradient_check(PROBLEM.cost, PROBLEM.params, _grads(PROBLEM))
    assert "passed" in passing._repr_html_() and "diagnosis" not in repr(passing)


def test_directional_repr_points_to_the_other_checks():
    report = directional_check(PROBLEM.cost, PROBLEM.params, _modified("db1", np.negative))
    text = repr(report)
    assert text.startswith("directional_check: FAILED")
    assert "sparse_check or gradient_check" in text
    assert "W1" in text and "-" in text


# ------------------------------------------------------------------ relative error of 1


def test_relative_error_is_1_only_for_a_negative_multiple_or_a_zero():
    g = np.array([1.0, -2.0, 0.5])
    assert relative_error(g, -3 * g) == pytest.approx(1.0)
    assert relative_error(g, np.zeros(3)) == 1.0
    assert relative_error(np.array([2.0]), np.array([-1e-3])) == pytest.approx(1.0)
    # opposite signs in some entries, but not a negative multiple: below 1
    assert relative_error(g, np.array([-1.0, 2.0, 0.5])) < 0.99
    assert relative_error(g, 2 * g) == pytest.approx(1 / 3)


# ------------------------------------------------------- failing and assert_passed


def test_failing_names_the_parameters_over_the_threshold():
    report = gradient_check(PROBLEM.cost, PROBLEM.params, _modified("db1", np.negative))
    assert report.failing == ["b1"]
    passing = gradient_check(PROBLEM.cost, PROBLEM.params, _grads(PROBLEM))
    assert passing.failing == []
    passing.assert_passed("backward")  # no error


def test_assert_passed_names_the_failing_gradients_and_adds_the_hint():
    grads = _modified("dW2", lambda g: 3 * g)
    grads = {**grads, "db1": -grads["db1"]}
    report = gradient_check(PROBLEM.cost, PROBLEM.params, grads, m=PROBLEM.X.shape[1])
    with pytest.raises(AssertionError) as failure:
        report.assert_passed("backward(params, X, Y)", hint="look at the deltas")
    message = str(failure.value)
    assert message.startswith("the gradient check of backward(params, X, Y) fails for db1, dW2")
    assert "FAILED" in message and "diagnosis:" in message
    assert message.endswith("hint: look at the deltas")


def test_directional_failure_names_no_parameter():
    report = directional_check(PROBLEM.cost, PROBLEM.params, _modified("db1", np.negative))
    assert report.failing == []
    with pytest.raises(AssertionError, match="fails for the gradient:"):
        report.assert_passed("backward")
