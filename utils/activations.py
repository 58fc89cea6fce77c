"""Activation functions and their derivatives (lesson 05).

Every function is elementwise except `softmax`. It takes a scalar or an array `z` of any
shape and returns an array of the same shape; a scalar or 0-d input gives a numpy float
(`sigmoid(0.0) == 0.5`). Integer input is computed in float64, float32 stays float32.

Stability: nothing overflows and nothing warns, whatever the size of `z`:
`sigmoid(-1000.0) == 0.0` and `sigmoid(1000.0) == 1.0` exactly, and `softmax` subtracts
each slice's maximum before exponentiating. NaN input raises `ValueError`; +-inf is fine
for the elementwise functions (`sigmoid(-inf) == 0.0`) and rejected by `softmax`.

Derivatives take `z` (not the activation): `sigmoid_grad(z)` is d sigmoid(z) / dz. ReLU and
leaky ReLU are not differentiable at 0; by convention their derivative there is the left
one (0 and `alpha`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from utils._validate import as_array, check_finite

__all__ = [
    "leaky_relu",
    "leaky_relu_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "tanh",
    "tanh_grad",
]


def _input(z: ArrayLike, func: str) -> np.ndarray:
    """`z` as a float array; `ValueError` if it holds NaN (inf is allowed)."""
    arr = as_array(z, f"{func}: z")
    nan = np.isnan(arr)
    if nan.any():
        first = tuple(int(i) for i in np.argwhere(nan)[0]) if arr.ndim else ()
        raise ValueError(
            f"{func}: z holds {int(nan.sum())} NaN value(s) (first at index {first}); "
            "a NaN usually comes from an earlier overflow or 0/0"
        )
    return arr


def _out(arr: np.ndarray):
    """A 0-d result as a numpy scalar, anything else unchanged."""
    return arr[()] if arr.ndim == 0 else arr


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable logistic function, no checks: exp(-|z|) never overflows.

    Its underflow to 0 for |z| > 745 is the right answer, so it is never reported, even
    under `np.seterr(all="raise")`.
    """
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(z))
        s = 1.0 / (1.0 + e)  # sigma(|z|)
        return np.where(z >= 0, s, e * s)  # sigma(-|z|) = e / (1 + e)


def sigmoid(z: ArrayLike) -> np.ndarray:
    """Logistic function 1 / (1 + exp(-z)), computed without overflow.

    z: any shape. Returns the same shape, values in [0, 1].
    """
    return _out(_sigmoid(_input(z, "sigmoid")))


def tanh(z: ArrayLike) -> np.ndarray:
    """Hyperbolic tangent (exp(z) - exp(-z)) / (exp(z) + exp(-z)).

    z: any shape. Returns the same shape, values in [-1, 1].
    """
    return _out(np.tanh(_input(z, "tanh")))


def relu(z: ArrayLike) -> np.ndarray:
    """Rectified linear unit max(0, z).

    z: any shape. Returns the same shape.
    """
    return _out(np.maximum(_input(z, "relu"), 0.0))


def _check_alpha(alpha: float, func: str) -> float:
    if not np.isfinite(alpha):
        raise ValueError(f"{func}: alpha must be a finite number, got {alpha!r}")
    return float(alpha)


def leaky_relu(z: ArrayLike, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z where z > 0, alpha * z elsewhere.

    z: any shape; alpha: the slope for negative z (a finite number, usually small).
    Returns the same shape as z.
    """
    alpha = _check_alpha(alpha, "leaky_relu")
    arr = _input(z, "leaky_relu")
    return _out(np.where(arr > 0, arr, alpha * arr))


def softmax(z: ArrayLike, axis: int = 0) -> np.ndarray:
    """Softmax along `axis`: exp(z) / sum(exp(z)), with each slice's maximum subtracted first.

    z: any shape, typically (K, m) scores with one column per example (the default axis=0
    normalizes each column). Returns the same shape; each slice along `axis` sums to 1.
    Raises `ValueError` for NaN or +-inf in z.
    """
    arr = as_array(z, "softmax: z")
    check_finite(arr, "softmax: z")
    if arr.ndim == 0:
        return np.ones_like(arr)[()]
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(f"softmax: axis {axis} is out of range for z of shape {arr.shape}")
    # z - max(z) <= 0: an overflow to -inf, or an underflow in exp, rightly gives 0
    with np.errstate(over="ignore", under="ignore"):
        e = arr - arr.max(axis=axis, keepdims=True)
        np.exp(e, out=e)
    e /= e.sum(axis=axis, keepdims=True)
    return e


def sigmoid_grad(z: ArrayLike) -> np.ndarray:
    """Derivative of the sigmoid: sigmoid(z) * (1 - sigmoid(z)).

    z: any shape. Returns the same shape, values in [0, 0.25].
    """
    s = _sigmoid(_input(z, "sigmoid_grad"))
    return _out(s * (1.0 - s))


def tanh_grad(z: ArrayLike) -> np.ndarray:
    """Derivative of tanh: 1 - tanh(z)**2.

    z: any shape. Returns the same shape, values in [0, 1].
    """
    t = np.tanh(_input(z, "tanh_grad"))
    return _out(1.0 - t * t)


def relu_grad(z: ArrayLike) -> np.ndarray:
    """Derivative of ReLU: 1 where z > 0, else 0 (0 at z == 0 by convention).

    z: any shape. Returns the same shape (float, values 0 or 1).
    """
    arr = _input(z, "relu_grad")
    return _out((arr > 0).astype(arr.dtype))


def leaky_relu_grad(z: ArrayLike, alpha: float = 0.01) -> np.ndarray:
    """Derivative of leaky ReLU: 1 where z > 0, else alpha (alpha at z == 0 by convention).

    z: any shape; alpha: as in `leaky_relu`. Returns the same shape (float).
    """
    alpha = _check_alpha(alpha, "leaky_relu_grad")
    arr = _input(z, "leaky_relu_grad")
    return _out(np.where(arr > 0, 1.0, alpha).astype(arr.dtype, copy=False))
