"""The logistic-regression reference (lessons 01 and 02)."""

from __future__ import annotations

import numpy as np
import pytest

from utils import logistic
from utils.gradcheck import numerical_gradient, relative_error

pytestmark = pytest.mark.filterwarnings("error")


def toy(m: int = 7, n_x: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    w = rng.normal(size=(n_x, 1)) * 0.5
    return w, 0.3, X, Y


def test_initialize_with_zeros():
    w, b = logistic.initialize_with_zeros(3)
    assert w.shape == (3, 1) and not w.any() and b == 0.0
    with pytest.raises(ValueError, match="positive integer"):
        logistic.initialize_with_zeros(0)


@pytest.mark.parametrize("m", [1, 5, 40])
def test_loop_and_vectorized_propagate_agree(m):
    w, b, X, Y = toy(m=m)
    (g1, c1), (g2, c2) = logistic.propagate(w, b, X, Y), logistic.propagate_loop(w, b, X, Y)
    assert c1 == pytest.approx(c2, rel=1e-12)
    np.testing.assert_allclose(g1["dw"], g2["dw"], rtol=1e-12)
    assert g1["db"] == pytest.approx(g2["db"], rel=1e-12)


def test_propagate_gradients_match_central_differences():
    w, b, X, Y = toy()
    grads, _ = logistic.propagate(w, b, X, Y)
    dw = numerical_gradient(lambda v: logistic.propagate(v, b, X, Y)[1], w.copy())
    bb = np.array([b])
    db = numerical_gradient(lambda v: logistic.propagate(w, v[0], X, Y)[1], bb)
    assert relative_error(grads["dw"], dw) < 1e-7
    assert relative_error(np.array([grads["db"]]), db) < 1e-7


def test_known_values():
    grads, cost = logistic.propagate(
        np.array([[1.0], [2.0]]),
        2.0,
        np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]),
        np.array([[1.0, 0.0, 1.0]]),
    )
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], rtol=1e-7)
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-7)
    assert cost == pytest.approx(5.801545319394553, rel=1e-9)


def test_shape_errors_name_both_shapes():
    w, b, X, Y = toy()
    with pytest.raises(ValueError, match=r"expected shape \(4, 1\), got \(4,\)"):
        logistic.propagate(w.ravel(), b, X, Y)
    with pytest.raises(ValueError, match=r"Y: expected shape \(1, 7\), got \(7,\)"):
        logistic.propagate(w, b, X, Y.ravel())


def test_model_learns_a_separable_problem_deterministically():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 200))
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    first = logistic.model(X[:, :150], Y[:, :150], X[:, 150:], Y[:, 150:], 500, 0.5)
    again = logistic.model(X[:, :150], Y[:, :150], X[:, 150:], Y[:, 150:], 500, 0.5)
    assert first["train_accuracy"] > 0.95 and first["test_accuracy"] > 0.9
    assert first["costs"] == again["costs"] and first["costs"][0] > first["costs"][-1]
    assert first["Y_prediction_test"].shape == (1, 50)
