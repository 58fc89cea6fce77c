"""Tests of utils.activations: values, derivatives against central differences, stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.conftest import numeric_grad, rel_error
from utils import activations as act

ELEMENTWISE = {
    "sigmoid": (act.sigmoid, act.sigmoid_grad),
    "tanh": (act.tanh, act.tanh_grad),
    "relu": (act.relu, act.relu_grad),
    "leaky_relu": (act.leaky_relu, act.leaky_relu_grad),
}
ALL_FUNCTIONS = [f for pair in ELEMENTWISE.values() for f in pair] + [act.softmax]

finite_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
wide_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
    elements=st.floats(allow_nan=False, allow_infinity=False),
)


# ---------------------------------------------------------------- values


def test_known_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(act.tanh(z), np.tanh(z), rtol=1e-15)
    np.testing.assert_array_equal(act.relu(z), [[0.0, 0.0, 3.0]])
    np.testing.assert_allclose(act.leaky_relu(z), [[-0.02, 0.0, 3.0]], rtol=1e-15)
    np.testing.assert_allclose(act.leaky_relu(z, alpha=0.2), [[-0.4, 0.0, 3.0]], rtol=1e-15)
    assert act.sigmoid(0.0) == 0.5


def test_known_derivatives():
    z = np.array([-2.0, 0.0, 3.0])
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(act.sigmoid_grad(z), s * (1 - s), rtol=1e-14)
    np.testing.assert_allclose(act.tanh_grad(z), 1 - np.tanh(z) ** 2, rtol=1e-14)
    np.testing.assert_array_equal(act.relu_grad(z), [0.0, 0.0, 1.0])  # 0 at z == 0
    np.testing.assert_array_equal(act.leaky_relu_grad(z), [0.01, 0.01, 1.0])
    np.testing.assert_array_equal(act.leaky_relu_grad(z, alpha=0.3), [0.3, 0.3, 1.0])
    assert act.sigmoid_grad(0.0) == 0.25 and act.tanh_grad(0.0) == 1.0


def test_softmax_known_values():
    z = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])  # two examples, K = 3
    e = np.exp([1.0, 2.0, 3.0])
    expected = np.column_stack([e / e.sum(), np.full(3, 1 / 3)])
    np.testing.assert_allclose(act.softmax(z), expected, rtol=1e-15)
    np.testing.assert_allclose(act.softmax(z.T, axis=1), expected.T, rtol=1e-15)
    np.testing.assert_allclose(act.softmax(z.T, axis=-1), expected.T, rtol=1e-15)
    np.testing.assert_allclose(act.softmax([1.0, 2.0, 3.0]), e / e.sum(), rtol=1e-15)


@pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(3,), (1, 4), (3, 5), (2, 3, 4)])
def test_shape_and_dtype_kept(func, shape):
    z = np.random.default_rng(0).standard_normal(shape)
    out = func(z)
    assert out.shape == shape and out.dtype == np.float64
    out32 = func(z.astype(np.float32))
    assert out32.shape == shape and out32.dtype == np.float32


@pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_scalar_and_int_input(func):
    out = func(2.0)
    assert np.ndim(out) == 0 and isinstance(out, np.floating)
    np.testing.assert_allclose(func(np.array([[1, 2]])), func(np.array([[1.0, 2.0]])))


def test_inputs_not_modified():
    z = np.array([[-1.0, 2.0], [3.0, -4.0]])
    before = z.copy()
    for func in ALL_FUNCTIONS:
        func(z)
    np.testing.assert_array_equal(z, before)


# ---------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name", list(ELEMENTWISE))
@pytest.mark.parametrize("shape", [(1, 1), (3, 4), (2, 3, 2)])
def test_derivative_matches_central_difference(name, shape):
    func, grad = ELEMENTWISE[name]
    rng = np.random.default_rng(1)
    # keep away from the kink at 0 (ReLU) where a central difference is meaningless
    z = rng.uniform(0.1, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    weights = rng.standard_normal(shape)  # f = sum(w * g(z)) so that every entry counts

    def f():
        return float(np.sum(weights * func(z)))

    assert rel_error(weights * grad(z), numeric_grad(f, z)) < 1e-7


def test_leaky_relu_derivative_other_alpha():
    z = np.array([[-1.5, -0.3, 0.4, 2.0]])

    def f():
        return float(np.sum(act.leaky_relu(z, alpha=0.2)))

    assert rel_error(act.leaky_relu_grad(z, alpha=0.2), numeric_grad(f, z)) < 1e-7


@pytest.mark.parametrize("K", [2, 3, 5])
def test_softmax_jacobian_matches_central_difference(K):
    z = np.random.default_rng(K).standard_normal((K, 1))
    s = act.softmax(z)
    jacobian = np.diagflat(s) - s @ s.T  # d s_k / d z_j = s_k (delta_kj - s_j)
    for k in range(K):

        def f(k=k):
            return float(act.softmax(z)[k, 0])

        assert rel_error(jacobian[k][:, None], numeric_grad(f, z)) < 1e-7


# ---------------------------------------------------------------- stability

LARGE = np.array([-np.inf, -1e308, -1e4, -1e3, -745.0, -710.0, 0.0, 710.0, 1e3, 1e4, 1e308, np.inf])


def test_sigmoid_saturates_exactly_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):  # any floating-point flag would become an error
            assert act.sigmoid(-1000.0) == 0.0
            assert act.sigmoid(1000.0) == 1.0
            assert act.sigmoid(np.float32(-1000.0)) == 0.0
            assert act.sigmoid(np.float32(1000.0)) == 1.0


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_large_inputs_no_warning(name):
    func, grad = ELEMENTWISE[name]
    out, d = func(LARGE), grad(LARGE)
    assert not np.isnan(out).any() and np.isfinite(d).all()
    if name in ("sigmoid", "tanh"):
        assert np.isfinite(out).all()
        low = 0.0 if name == "sigmoid" else -1.0
        np.testing.assert_array_equal(out[[0, 1, 2, 3]], low)
        np.testing.assert_array_equal(out[[-4, -3, -2, -1]], 1.0)
        np.testing.assert_array_equal(d[[0, 1, 2, 3, -4, -3, -2, -1]], 0.0)


@pytest.mark.filterwarnings("error")
def test_softmax_large_inputs_finite():
    z = np.array([[1e3, 1e308, -1e308], [1e3 + 1, 1e308, 1e308], [1e4, -1e308, 0.0]])
    with np.errstate(all="warn"):
        s = act.softmax(z)
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s.sum(axis=0), 1.0)
    np.testing.assert_allclose(s[:, 1], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(s[:, 2], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(
        act.softmax(np.array([[1e4], [1e4 - 1]])).ravel(),
        act.softmax(np.array([[1.0], [0.0]])).ravel(),
    )


@pytest.mark.parametrize("func", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_nan_raises(func):
    with pytest.raises(ValueError, match="NaN"):
        func(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="NaN"):
        func(np.nan)


def test_softmax_rejects_infinity_and_bad_axis():
    with pytest.raises(ValueError, match="infinity"):
        act.softmax(np.array([[np.inf], [0.0]]))
    with pytest.raises(ValueError, match="axis 2"):
        act.softmax(np.zeros((2, 3)), axis=2)


def test_non_numeric_input_raises():
    with pytest.raises(ValueError, match="array of numbers"):
        act.sigmoid(["a", "b"])
    with pytest.raises(ValueError, match="alpha"):
        act.leaky_relu(1.0, alpha=float("nan"))


# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(wide_arrays)
def test_sigmoid_properties(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(z)
        assert ((s >= 0) & (s <= 1)).all()
        np.testing.assert_allclose(act.sigmoid(-z), 1 - s, rtol=0, atol=5e-16)
        d = act.sigmoid_grad(z)
        assert ((d >= 0) & (d <= 0.25)).all()


@settings(max_examples=60, deadline=None)
@given(finite_arrays)
def test_sigmoid_monotone_and_tanh_identity(z):
    flat = np.sort(z.ravel())
    assert (np.diff(act.sigmoid(flat)) >= 0).all()
    # tanh(z) = 2 sigmoid(2z) - 1
    np.testing.assert_allclose(act.tanh(z), 2 * act.sigmoid(2 * z) - 1, rtol=0, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(wide_arrays, st.floats(0.0, 0.5))
def test_relu_family_properties(z, alpha):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set(np.unique(act.relu_grad(z))) <= {0.0, 1.0}
        assert set(np.unique(act.leaky_relu_grad(z, alpha))) <= {alpha, 1.0}
        r = act.relu(z)
        assert (r >= 0).all() and (r == np.where(z > 0, z, 0)).all()
        np.testing.assert_array_equal(act.leaky_relu(z, alpha), np.where(z > 0, z, alpha * z))


@settings(max_examples=60, deadline=None)
@given(wide_arrays)
def test_softmax_columns_are_distributions(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.softmax(z)
    assert s.shape == z.shape and ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(finite_arrays.filter(lambda a: a.ndim == 2), st.floats(-1e3, 1e3))
def test_softmax_shift_invariant(z, c):
    np.testing.assert_allclose(act.softmax(z + c), act.softmax(z), rtol=1e-9, atol=1e-12)
