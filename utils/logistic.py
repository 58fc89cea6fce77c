"""Logistic regression as a one-neuron network: the reference for lessons 01 and 02.

Notation: `X` is `(n_x, m)` with one example per column, `Y` is `(1, m)` of 0/1 labels,
`w` is `(n_x, 1)` and `b` a float. The cost is the mean binary cross-entropy, so both
gradients carry `1/m`.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike

from ._validate import as_array, check_finite, check_shape
from .activations import sigmoid
from .losses import binary_cross_entropy


class Grads(TypedDict):
    """The gradients of the cost: dw, shape (n_x, 1), and db, a float."""

    dw: np.ndarray
    db: float


class Params(TypedDict):
    """The parameters: w, shape (n_x, 1), and b, a float."""

    w: np.ndarray
    b: float


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """Return `w` of zeros with shape `(dim, 1)` and `b = 0.0`."""
    if int(dim) != dim or dim < 1:
        raise ValueError(f"dim: expected a positive integer, got {dim!r}")
    return np.zeros((int(dim), 1)), 0.0


def _inputs(w: ArrayLike, b: float, X: ArrayLike) -> tuple[np.ndarray, float, np.ndarray]:
    X = as_array(X, "X")
    check_shape(X, ("n_x", "m"), "X")
    n_x = X.shape[0]
    w = as_array(w, "w")
    check_shape(w, (n_x, 1), "w")
    b = float(np.asarray(b).reshape(()))
    for arr, name in ((X, "X"), (w, "w")):
        check_finite(arr, name)
    return w, b, X


def _labels(Y: ArrayLike, m: int) -> np.ndarray:
    Y = as_array(Y, "Y")
    check_shape(Y, (1, m), "Y")
    return Y


def propagate(w: ArrayLike, b: float, X: ArrayLike, Y: ArrayLike) -> tuple[Grads, float]:
    """Cost and gradients of logistic regression, vectorized over the m examples.

    w: `(n_x, 1)`; b: float; X: `(n_x, m)`; Y: `(1, m)`.
    Returns `({"dw": (n_x, 1), "db": float}, cost)`.
    """
    w, b, X = _inputs(w, b, X)
    Y = _labels(Y, X.shape[1])
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    dZ = A - Y
    grads: Grads = {"dw": X @ dZ.T / m, "db": float(np.sum(dZ) / m)}
    return grads, binary_cross_entropy(A, Y)


def propagate_loop(w: ArrayLike, b: float, X: ArrayLike, Y: ArrayLike) -> tuple[Grads, float]:
    """The same as `propagate`, one example and one feature at a time (the seed notes' loop).

    w: `(n_x, 1)`; b: float; X: `(n_x, m)`; Y: `(1, m)`; the result as in `propagate`.
    Slow on purpose: lesson 02 measures it against the vectorized form.
    """
    w, b, X = _inputs(w, b, X)
    Y = _labels(Y, X.shape[1])
    n_x, m = X.shape
    J, dw, db = 0.0, np.zeros((n_x, 1)), 0.0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += w[j, 0] * X[j, i]
        a = float(sigmoid(z))
        y = Y[0, i]
        J += binary_cross_entropy(np.array([[a]]), np.array([[y]]))
        dz = a - y
        for j in range(n_x):
            dw[j, 0] += X[j, i] * dz
        db += dz
    return {"dw": dw / m, "db": db / m}, J / m


def optimize(
    w: ArrayLike,
    b: float,
    X: ArrayLike,
    Y: ArrayLike,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    record_every: int = 100,
) -> tuple[Params, dict[str, np.ndarray | float], list[float]]:
    """Gradient descent on (w, b).

    Returns `({"w": (n_x, 1), "b": float}, last grads, costs)` where `costs` holds the cost
    before every `record_every`-th step (iteration 0 included); the last grads are those of
    `propagate`, or {} after 0 iterations.
    """
    w, b, X = _inputs(w, b, X)
    Y = _labels(Y, X.shape[1])
    w = w.copy()
    costs: list[float] = []
    grads: dict[str, np.ndarray | float] = {}
    for i in range(num_iterations):
        step, cost = propagate(w, b, X, Y)
        if i % record_every == 0:
            costs.append(cost)
        w = w - learning_rate * step["dw"]
        b = b - learning_rate * step["db"]
        grads = {"dw": step["dw"], "db": step["db"]}
    return {"w": w, "b": b}, grads, costs


def predict(w: ArrayLike, b: float, X: ArrayLike) -> np.ndarray:
    """Labels 0/1 of shape `(1, m)`: 1 where sigmoid(w^T x + b) > 0.5."""
    w, b, X = _inputs(w, b, X)
    return (sigmoid(w.T @ X + b) > 0.5).astype(np.float64)


def model(
    X_train: ArrayLike,
    Y_train: ArrayLike,
    X_test: ArrayLike,
    Y_test: ArrayLike,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    record_every: int = 100,
) -> dict:
    """Train from zeros and report.

    X_train: `(n_x, m_train)`, Y_train: `(1, m_train)`, X_test: `(n_x, m_test)`,
    Y_test: `(1, m_test)`. Returns a dict with "w" `(n_x, 1)`, "b", "costs",
    "Y_prediction_train" `(1, m_train)`, "Y_prediction_test" `(1, m_test)`,
    "train_accuracy" and "test_accuracy" (fractions in [0, 1]).
    """
    w, b = initialize_with_zeros(np.asarray(X_train).shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, record_every)
    pred_train = predict(params["w"], params["b"], X_train)
    pred_test = predict(params["w"], params["b"], X_test)
    return {
        "w": params["w"],
        "b": params["b"],
        "costs": costs,
        "Y_prediction_train": pred_train,
        "Y_prediction_test": pred_test,
        "train_accuracy": float(np.mean(pred_train == np.asarray(Y_train))),
        "test_accuracy": float(np.mean(pred_test == np.asarray(Y_test))),
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
