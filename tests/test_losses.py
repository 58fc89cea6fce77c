"""Tests of utils.losses: values, gradients against central differences, stability, shapes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.conftest import numeric_grad, rel_error
from utils import losses
from utils.activations import softmax

LOSSES = {
    "binary_cross_entropy": (losses.binary_cross_entropy, losses.binary_cross_entropy_grad),
    "cross_entropy": (losses.cross_entropy, losses.cross_entropy_grad),
    "mean_squared_error": (losses.mean_squared_error, losses.mean_squared_error_grad),
}
ALL_FUNCTIONS = [f for pair in LOSSES.values() for f in pair]


def _problem(name: str, shape: tuple[int, int], seed: int = 0):
    """An (a, y) pair of `shape` suited to the loss `name`, with a away from 0 and 1."""
    rng = np.random.default_rng(seed)
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, shape), rng.integers(0, 2, shape).astype(float)
    if name == "cross_entropy":
        K, m = shape
        return softmax(rng.standard_normal(shape)), np.eye(K)[:, rng.integers(0, K, m)]
    return rng.standard_normal(shape), rng.standard_normal(shape)


# ---------------------------------------------------------------- values


def test_known_values():
    a, y = np.array([[0.8, 0.4]]), np.array([[1.0, 0.0]])
    assert losses.binary_cross_entropy(a, y) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    a = np.array([[0.7, 0.1], [0.2, 0.6], [0.1, 0.3]])
    y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    assert losses.cross_entropy(a, y) == pytest.approx(-(np.log(0.7) + np.log(0.3)) / 2)
    a, y = np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 0.0, 1.0]])
    assert losses.mean_squared_error(a, y) == pytest.approx((0 + 4 + 4) / (2 * 3))  # 1/(2m)


def test_known_gradients():
    a, y = np.array([[0.8, 0.4]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(
        losses.binary_cross_entropy_grad(a, y), [[-1 / 0.8 / 2, 1 / 0.6 / 2]], rtol=1e-14
    )
    np.testing.assert_allclose(
        losses.cross_entropy_grad([[0.5], [0.5]], [[1.0], [0.0]]), [[-2.0], [0.0]], rtol=1e-14
    )
    np.testing.assert_allclose(
        losses.mean_squared_error_grad([[1.0, 2.0]], [[1.0, 0.0]]), [[0.0, 1.0]], rtol=1e-14
    )


@pytest.mark.parametrize("name", list(LOSSES))
def test_returns_python_float_and_grad_shape(name):
    cost, grad = LOSSES[name]
    a, y = _problem(name, (3, 4))
    assert type(cost(a, y)) is float
    g = grad(a, y)
    assert g.shape == (3, 4) and g.dtype == np.float64


def test_cross_entropy_equals_binary_for_two_classes():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.01, 0.99, (1, 7))
    y = rng.integers(0, 2, (1, 7)).astype(float)
    assert losses.cross_entropy(np.vstack([p, 1 - p]), np.vstack([y, 1 - y])) == pytest.approx(
        losses.binary_cross_entropy(p, y), rel=1e-12
    )


def test_cost_is_a_mean_over_examples():
    for name, (cost, grad) in LOSSES.items():
        a, y = _problem(name, (2, 5))
        aa, yy = np.hstack([a, a]), np.hstack([y, y])  # the same examples twice
        assert cost(aa, yy) == pytest.approx(cost(a, y), rel=1e-12), name
        np.testing.assert_allclose(grad(aa, yy), np.hstack([grad(a, y)] * 2) / 2, rtol=1e-12)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (3, 4)])
def test_gradient_matches_central_difference(name, shape):
    cost, grad = LOSSES[name]
    if name == "cross_entropy":
        shape = (shape[0] + 1, shape[1])  # at least two classes
    a, y = _problem(name, shape, seed=shape[1])
    assert rel_error(grad(a, y), numeric_grad(lambda: cost(a, y), a)) < 1e-7


# ---------------------------------------------------------------- stability


@pytest.mark.filterwarnings("error")
def test_binary_cross_entropy_at_zero_and_one():
    with np.errstate(all="warn"):  # any floating-point flag would become an error
        right = losses.binary_cross_entropy([[0.0, 1.0]], [[0.0, 1.0]])
        wrong = losses.binary_cross_entropy([[0.0, 1.0]], [[1.0, 0.0]])
        g_right = losses.binary_cross_entropy_grad([[0.0, 1.0]], [[0.0, 1.0]])
        g_wrong = losses.binary_cross_entropy_grad([[0.0, 1.0]], [[1.0, 0.0]])
        wrong32 = losses.binary_cross_entropy(
            np.array([[0.0, 1.0]], np.float32), np.array([[1.0, 0.0]], np.float32)
        )
    assert 0.0 <= right < 1e-11
    assert wrong == pytest.approx(-np.log(losses.EPSILON), rel=1e-4)  # about 27.6
    assert wrong32 == pytest.approx(wrong, rel=1e-6)
    assert np.isfinite(g_right).all() and np.isfinite(g_wrong).all()
    assert g_wrong[0, 0] < 0 < g_wrong[0, 1]  # pushes a towards y


@pytest.mark.filterwarnings("error")
def test_cross_entropy_at_zero_and_one():
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    with np.errstate(all="warn"):
        right = losses.cross_entropy(a, np.eye(2))
        wrong = losses.cross_entropy(a, np.eye(2)[:, ::-1])
        g = losses.cross_entropy_grad(a, np.eye(2)[:, ::-1])
    assert right == 0.0
    assert wrong == pytest.approx(-np.log(losses.EPSILON))
    assert np.isfinite(g).all()


@pytest.mark.filterwarnings("error")
def test_mean_squared_error_large_values():
    assert np.isfinite(losses.mean_squared_error([[1e150, -1e150]], [[0.0, 0.0]]))


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_rank_one_input_raises_with_shapes(func):
    with pytest.raises(ValueError, match=r"\(5,\)") as info:
        func(np.full(5, 0.5), np.full(5, 1.0))
    assert "(n, m)" in str(info.value) and "rank-1" in str(info.value)


@pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_mismatched_shapes_raise_with_both_shapes(func):
    with pytest.raises(ValueError) as info:
        func(np.full((1, 5), 0.5), np.ones((1, 4)))
    assert "(1, 5)" in str(info.value) and "(1, 4)" in str(info.value)


@pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_nan_and_empty_raise(func):
    with pytest.raises(ValueError, match="NaN"):
        func(np.array([[0.5, np.nan]]), np.ones((1, 2)))
    with pytest.raises(ValueError, match="empty"):
        func(np.zeros((1, 0)), np.zeros((1, 0)))


@pytest.mark.parametrize(
    "func",
    [f for name, pair in LOSSES.items() if "cross" in name for f in pair],
    ids=lambda f: f.__name__,
)
def test_probabilities_out_of_range_raise(func):
    with pytest.raises(ValueError, match="not the linear output Z"):
        func(np.array([[-0.5, 2.0]]), np.ones((1, 2)))
    with pytest.raises(ValueError, match="y must hold probabilities"):
        func(np.array([[0.5, 0.5]]), np.array([[2.0, 0.0]]))


# ---------------------------------------------------------------- properties

probabilities = hnp.arrays(
    np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6)), elements=st.floats(0.0, 1.0)
)


@settings(max_examples=60, deadline=None)
@given(probabilities, st.data())
def test_binary_cross_entropy_properties(a, data):
    y = data.draw(hnp.arrays(np.float64, a.shape, elements=st.sampled_from([0.0, 1.0])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = losses.binary_cross_entropy(a, y)
        g = losses.binary_cross_entropy_grad(a, y)
    assert 0.0 <= J <= -a.shape[0] * np.log(losses.EPSILON) * (1 + 1e-4)  # 1 - EPSILON rounds
    assert np.isfinite(g).all()
    assert (g[y == 1] <= 0).all() and (g[y == 0] >= 0).all()  # descent moves a towards y


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(2, 5), st.integers(1, 6)), elements=st.floats(-1e3, 1e3)
    ),
    st.data(),
)
def test_cross_entropy_properties(z, data):
    K, m = z.shape
    labels = data.draw(hnp.arrays(np.int64, m, elements=st.integers(0, K - 1)))
    a, y = softmax(z), np.eye(K)[:, labels]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = losses.cross_entropy(a, y)
        g = losses.cross_entropy_grad(a, y)
    assert 0.0 <= J <= -np.log(losses.EPSILON) * (1 + 1e-4)
    assert np.isfinite(g).all() and (g <= 0).all() and (g[y == 0] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6)), elements=st.floats(-1e6, 1e6)
    )
)
def test_mean_squared_error_properties(a):
    assert losses.mean_squared_error(a, a) == 0.0
    assert losses.mean_squared_error(a, np.zeros_like(a)) >= 0.0
    np.testing.assert_array_equal(losses.mean_squared_error_grad(a, a), 0.0)


# ---------------------------------------------------------------- L2 regularization


def _l2_params(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((3, 2)),
        "b1": rng.standard_normal((3, 1)),
        "W2": rng.standard_normal((1, 3)),
        "b2": rng.standard_normal((1, 1)),
    }


def test_l2_penalty_value_counts_the_weights_only():
    params = {"W1": np.array([[1.0, -2.0]]), "b1": np.array([[5.0]]), "W2": np.array([[3.0]])}
    # (0.5 / (2 * 4)) * (1 + 4 + 9); the bias 5 is not penalized
    assert losses.l2_penalty(params, 0.5, 4) == pytest.approx(0.5 / 8 * 14)
    assert isinstance(losses.l2_penalty(params, 0.5, 4), float)
    assert losses.l2_penalty(params, 0.0, 4) == 0.0


def test_l2_penalty_grad_is_lambda_over_m_times_w_and_matches_differences():
    params = _l2_params()
    grads = losses.l2_penalty_grad(params, 0.7, 5)
    assert sorted(grads) == ["dW1", "dW2"]
    for key in ("W1", "W2"):
        np.testing.assert_allclose(grads[f"d{key}"], 0.7 / 5 * params[key])
        w = params[key].copy()  # numeric_grad perturbs it in place

        def penalty(key=key, w=w):
            return losses.l2_penalty({**params, key: w}, 0.7, 5)

        assert rel_error(grads[f"d{key}"], numeric_grad(penalty, w)) < 1e-7


@pytest.mark.parametrize(
    "args, match",
    [
        (({"b1": np.ones((2, 1))}, 0.1, 3), "no weight matrix"),
        (({"W1": np.ones(3)}, 0.1, 3), "W1"),
        (({"W1": np.array([[np.nan]])}, 0.1, 3), "NaN"),
        ((_l2_params(), -0.1, 3), "lambd"),
        ((_l2_params(), 0.1, 0), "m must be"),
        ((_l2_params(), 0.1, 2.5), "m must be"),
        (([np.ones((2, 2))], 0.1, 3), "dict"),
    ],
)
def test_l2_penalty_rejects_bad_input(args, match):
    for func in (losses.l2_penalty, losses.l2_penalty_grad):
        with pytest.raises(ValueError, match=match):
            func(*args)
