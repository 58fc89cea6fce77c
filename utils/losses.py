"""Cost functions and their gradients.

Every cost takes the network's output `a` and the targets `y`, two arrays of the same shape
`(n, m)` with one column per example, and returns the cost J as a Python float: the mean
over the m examples (columns) of the per-example loss, where each per-example loss is
summed over the n rows. Each `*_grad(a, y)` returns dJ/da, shape `(n, m)`; since J is a
mean, every entry carries the factor 1/m.

    binary_cross_entropy  J = -(1/m) sum_ij [y log a + (1 - y) log(1 - a)]   a, y in [0, 1]
    cross_entropy         J = -(1/m) sum_ij y log a      a: softmax output, y: one-hot, (K, m)
    mean_squared_error    J = (1/(2m)) sum_ij (a - y)**2                     any real a, y

The 1/2 in the squared error makes its per-example gradient simply a - y (the convention of
the worked backpropagation example, E = sum 1/2 (target - out)**2).

Probabilities exactly 0 or 1: before taking a logarithm, `a` is clipped to
[EPSILON, 1 - EPSILON] with EPSILON = 1e-12, and the gradients use the same clipped `a`.
So J and dJ/da stay finite and no warning is raised: a confidently wrong prediction costs
-log(1e-12), about 27.6, per example. Inside the clip the values are exact. The
cross-entropies are computed in float64 whatever the input dtype.

A network's backward pass (`utils.nn`) starts from the per-example derivative instead,
dA = m * dJ/da (for a sigmoid or softmax output with cross-entropy, dZ = A - Y).

L2 regularization (lesson 08) adds a penalty on the weights to any of these costs:

    l2_penalty(params, lambd, m)        (lambd / (2m)) * sum over l of ||W[l]||_F**2
    l2_penalty_grad(params, lambd, m)   {"dW1": (lambd / m) * W1, ...}, to add to the dW

Only the weight matrices (keys `W1`, `W2`, ...) are penalized, never the biases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from utils._validate import as_array, check_finite, check_shape

__all__ = [
    "EPSILON",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "l2_penalty",
    "l2_penalty_grad",
    "mean_squared_error",
    "mean_squared_error_grad",
]

EPSILON = 1e-12
"""Probabilities are clipped to [EPSILON, 1 - EPSILON] before a logarithm."""


def _pair(
    a: ArrayLike, y: ArrayLike, func: str, probabilities: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    """Validate `a` and `y` as finite `(n, m)` arrays of one shape; return (a, y, m)."""
    a = as_array(a, f"{func}: a")
    y = as_array(y, f"{func}: y")
    check_shape(a, ("n", "m"), f"{func}: a")
    check_shape(y, a.shape, f"{func}: y")
    if a.size == 0:
        raise ValueError(f"{func}: a and y are empty, got shape {a.shape}")
    check_finite(a, f"{func}: a")
    check_finite(y, f"{func}: y")
    if probabilities:
        a = a.astype(np.float64, copy=False)
        y = y.astype(np.float64, copy=False)
        for name, arr in (("a", a), ("y", y)):
            lo, hi = arr.min(), arr.max()
            if lo < 0.0 or hi > 1.0:
                hint = " (pass the activation A, not the linear output Z)" if name == "a" else ""
                raise ValueError(
                    f"{func}: {name} must hold probabilities in [0, 1], "
                    f"got values from {lo:g} to {hi:g}{hint}"
                )
    return a, y, a.shape[1]


def binary_cross_entropy(a: ArrayLike, y: ArrayLike) -> float:
    """Binary cross-entropy cost -(1/m) sum [y log a + (1 - y) log(1 - a)].

    a: (n, m) predicted probabilities (usually n = 1, a sigmoid output);
    y: (n, m) labels in [0, 1]. Returns J, a float (per-example losses summed over the n
    rows, averaged over the m columns). a is clipped to [EPSILON, 1 - EPSILON].
    """
    a, y, m = _pair(a, y, "binary_cross_entropy", probabilities=True)
    a = a.clip(EPSILON, 1.0 - EPSILON)
    return float(-(np.sum(y * np.log(a)) + np.sum((1.0 - y) * np.log1p(-a))) / m)


def binary_cross_entropy_grad(a: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Gradient of `binary_cross_entropy` with respect to a: -(1/m) (y / a - (1 - y) / (1 - a)).

    a, y: (n, m) as in `binary_cross_entropy`. Returns dJ/da, shape (n, m), float64.
    """
    a, y, m = _pair(a, y, "binary_cross_entropy_grad", probabilities=True)
    a = a.clip(EPSILON, 1.0 - EPSILON)
    return (1.0 - y) / (m * (1.0 - a)) - y / (m * a)


def cross_entropy(a: ArrayLike, y: ArrayLike) -> float:
    """Categorical cross-entropy cost -(1/m) sum_ij y_ij log a_ij.

    a: (K, m) predicted class probabilities (a softmax output, columns sum to 1);
    y: (K, m) one-hot labels (or any target distributions). Returns J, a float.
    a is clipped to at least EPSILON.
    """
    a, y, m = _pair(a, y, "cross_entropy", probabilities=True)
    return float(-np.sum(y * np.log(np.maximum(a, EPSILON))) / m)


def cross_entropy_grad(a: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Gradient of `cross_entropy` with respect to a: -(1/m) y / a.

    a, y: (K, m) as in `cross_entropy`. Returns dJ/da, shape (K, m), float64.
    """
    a, y, m = _pair(a, y, "cross_entropy_grad", probabilities=True)
    return -y / (m * np.maximum(a, EPSILON))


def mean_squared_error(a: ArrayLike, y: ArrayLike) -> float:
    """Squared-error cost (1/(2m)) sum_ij (a_ij - y_ij)**2 (note the 1/2).

    a: (n, m) predictions; y: (n, m) targets; any finite reals. Returns J, a float.
    """
    a, y, m = _pair(a, y, "mean_squared_error", probabilities=False)
    d = a - y
    return float(np.sum(d * d) / (2 * m))


def mean_squared_error_grad(a: ArrayLike, y: ArrayLike) -> np.ndarray:
    """Gradient of `mean_squared_error` with respect to a: (a - y) / m.

    a, y: (n, m) as in `mean_squared_error`. Returns dJ/da, shape (n, m).
    """
    a, y, m = _pair(a, y, "mean_squared_error_grad", probabilities=False)
    return (a - y) / m


_WEIGHT = re.compile(r"W\d+")


def _weights(params: Mapping[str, ArrayLike], lambd: float, m: int, func: str) -> dict:
    """The weight matrices of `params` (keys W1, W2, ...), checked, with lambd and m checked."""
    if not isinstance(params, Mapping):
        raise ValueError(f"{func}: params must be a dict such as {{'W1': ..., 'b1': ...}}")
    scalar = np.isscalar(lambd)  # not in the condition: its TypeGuard would retype lambd
    if not (scalar and np.isfinite(lambd) and lambd >= 0):
        raise ValueError(f"{func}: lambd must be a number >= 0, got {lambd!r}")
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise ValueError(f"{func}: m must be the number of examples (an int >= 1), got {m!r}")
    weights = {}
    for key, value in params.items():
        if _WEIGHT.fullmatch(key):
            arr = as_array(value, f"{func}: params['{key}']")
            check_shape(arr, ("rows", "columns"), f"{func}: params['{key}']")
            check_finite(arr, f"{func}: params['{key}']")
            weights[key] = arr
    if not weights:
        raise ValueError(f"{func}: params holds no weight matrix W1, W2, ...: got {list(params)}")
    return weights


def l2_penalty(params: Mapping[str, ArrayLike], lambd: float, m: int) -> float:
    """L2 regularization term (lambd / (2 m)) * sum over the layers of ||W[l]||_F**2.

    params: the parameter dict {"W1": (n1, n0), "b1": (n1, 1), ...}; the weight matrices
    (keys W1, W2, ...) are penalized, the biases are not. lambd: the regularization
    parameter, >= 0. m: the number of examples (the penalty is divided by m like the cost
    it is added to). Returns the penalty, a float.
    """
    weights = _weights(params, lambd, m, "l2_penalty")
    squares = sum(float(np.sum(np.square(w, dtype=np.float64))) for w in weights.values())
    return float(lambd / (2 * m) * squares)


def l2_penalty_grad(params: Mapping[str, ArrayLike], lambd: float, m: int) -> dict:
    """Gradient of `l2_penalty`: {"dW1": (lambd / m) * W1, "dW2": ...}, one per weight matrix.

    params, lambd, m: as in `l2_penalty`. Returns a dict of arrays of the shapes of the
    weights; there is no entry for the biases (their penalty gradient is zero). Add each
    entry to the matching dW of the unregularized cost.
    """
    weights = _weights(params, lambd, m, "l2_penalty_grad")
    return {f"d{key}": lambd / m * w for key, w in weights.items()}
