"""Parameter initialization for an L-layer network (lesson 06).

`layer_dims = [n0, n1, ..., nL]` lists the layer sizes, input first. Layer l gets a weight
matrix `W{l}` of shape (n[l], n[l-1]) and a zero bias `b{l}` of shape (n[l], 1).

    method     W[l] entries
    "zeros"    0 (every unit computes the same thing: the symmetry problem)
    "random"   standard normal * scale
    "xavier"   standard normal * sqrt(1 / n[l-1])   (suits tanh)
    "he"       standard normal * sqrt(2 / n[l-1])   (suits ReLU)

Xavier's variance keeps Var(z) of a layer equal to that of the layer before when the
activation is odd with slope 1 at 0 (tanh); the sigmoid (mean 1/2, slope 1/4 at 0) is
outside that argument, though Xavier is often used for it as a default.

Random draws come from `np.random.default_rng(seed)`, layer by layer, so the same seed
always gives the same parameters.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = ["METHODS", "initialize_parameters"]

METHODS = ("zeros", "random", "xavier", "he")


def initialize_parameters(
    layer_dims: Sequence[int],
    method: str = "he",
    seed: int | None = 0,
    scale: float = 0.01,
) -> dict[str, np.ndarray]:
    """Initial weights and zero biases for a network with layer sizes `layer_dims`.

    layer_dims: [n0, n1, ..., nL], at least two positive ints (n0 = number of input
    features). method: "zeros", "random", "xavier" or "he" (see the module docstring).
    seed: seed of `np.random.default_rng`. scale: the factor of the "random" method only.
    Returns {"W1": (n1, n0), "b1": (n1, 1), ..., "WL": (nL, n[L-1]), "bL": (nL, 1)}, float64.
    Raises ValueError for an unknown method or invalid layer sizes.
    """
    if method not in METHODS:
        raise ValueError(
            f"initialize_parameters: unknown method {method!r}; choose one of "
            + ", ".join(repr(m) for m in METHODS)
        )
    if isinstance(layer_dims, str | bytes) or not isinstance(layer_dims, Sequence | np.ndarray):
        raise ValueError(
            "initialize_parameters: layer_dims must be a list of layer sizes like [2, 4, 1], "
            f"got {type(layer_dims).__name__}"
        )
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(
            "initialize_parameters: layer_dims needs at least two sizes (input and output), "
            f"got {dims}"
        )
    for i, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
            raise ValueError(
                f"initialize_parameters: layer sizes must be positive integers, "
                f"got layer_dims[{i}] = {n!r} in {dims}"
            )
    if method == "random" and not np.isfinite(scale):
        raise ValueError(f"initialize_parameters: scale must be a finite number, got {scale!r}")
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for layer in range(1, len(dims)):
        n, n_prev = int(dims[layer]), int(dims[layer - 1])
        if method == "zeros":
            W = np.zeros((n, n_prev))
        else:
            gain = {"random": None, "xavier": 1.0, "he": 2.0}[method]
            factor = scale if gain is None else np.sqrt(gain / n_prev)
            W = rng.standard_normal((n, n_prev)) * factor
        params[f"W{layer}"] = W
        params[f"b{layer}"] = np.zeros((n, 1))
    return params
