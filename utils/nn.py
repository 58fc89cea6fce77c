"""A fully connected network of any depth, in forward/backward pairs with caches (lesson 07).

Notation (COURSE.md): X is (n_x, m), one column per example; layer l has W[l] of shape
(n[l], n[l-1]), b[l] of shape (n[l], 1), and Z[l], A[l] of shape (n[l], m), with A[0] = X.
Parameters live in a dict {"W1", "b1", ..., "WL", "bL"} and gradients in {"dW1", "db1", ...}.

Each forward step returns `(out, cache)` and the matching backward step takes
`(d_out, cache)`:

    linear_forward(A_prev, W, b)               -> Z, linear_cache = (A_prev, W, b)
    linear_backward(dZ, linear_cache)          -> dA_prev, dW, db
    activation_forward(A_prev, W, b, act)      -> A, cache = (linear_cache, Z, A)
    activation_backward(dA, cache, act)        -> dA_prev, dW, db

Gradient convention (the seeds'): the cost is the mean J = (1/m) sum_i L(i). The arrays
flowing backward, dA[l] and dZ[l], are per-example derivatives dL(i)/dA[l] (column i of
dA[l]), so the output layer starts from dZ[L] = A[L] - Y, as in the notes. The parameter
gradients are gradients of J and carry the 1/m:

    dW[l] = (1/m) dZ[l] A[l-1]^T      db[l] = (1/m) sum_i dZ[l](i)      dA[l-1] = W[l]^T dZ[l]

Activations: "sigmoid", "tanh", "relu", "leaky_relu" (alpha = 0.01) and "linear" (the
identity), anywhere; "softmax" only at the output. The model functions train with
cross-entropy: output="sigmoid" for binary (or multi-label) targets Y of shape (n[L], m) in
[0, 1], output="softmax" for K classes with one-hot Y of shape (K, m). In both cases
dZ[L] = A[L] - Y.

Every public function checks its arguments with `utils._validate` (ValueError naming the
expected and the actual shape, or the non-finite values); the model functions check their
inputs once and then run unchecked kernels, so checking costs little.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from utils._validate import as_array, check_finite, check_same_shape, check_shape
from utils.activations import _sigmoid
from utils.init import initialize_parameters
from utils.losses import binary_cross_entropy, cross_entropy

__all__ = [
    "ACTIVATIONS",
    "HIDDEN_ACTIVATIONS",
    "LEAKY_ALPHA",
    "OUTPUT_ACTIVATIONS",
    "activation_backward",
    "activation_forward",
    "compute_cost",
    "linear_backward",
    "linear_forward",
    "model_backward",
    "model_forward",
    "predict",
    "train",
    "update_parameters",
]

HIDDEN_ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax")
ACTIVATIONS = HIDDEN_ACTIVATIONS + ("softmax",)
LEAKY_ALPHA = 0.01
"""Slope of "leaky_relu" for negative inputs (the default of `utils.activations.leaky_relu`)."""

LinearCache = tuple[np.ndarray, np.ndarray, np.ndarray]
Cache = tuple[LinearCache, np.ndarray, np.ndarray]


# ---------------------------------------------------------------- checks


def _check_name(name: str, allowed: Sequence[str], what: str, func: str) -> None:
    if name not in allowed:
        extra = ""
        if name == "softmax" and what == "hidden":
            extra = " (softmax is only used as the output activation)"
        raise ValueError(
            f"{func}: unknown {what} activation {name!r}{extra}; choose one of "
            + ", ".join(repr(a) for a in allowed)
        )


def _check_targets(Y: np.ndarray, output: str, func: str) -> None:
    """Targets must be probabilities; for softmax, each column a distribution (one-hot)."""
    lo, hi = Y.min(), Y.max()
    if lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"{func}: Y must hold targets in [0, 1] (0/1 labels, or one-hot columns for "
            f"softmax), got values from {lo:g} to {hi:g}"
        )
    if output == "softmax" and not np.allclose(Y.sum(axis=0), 1.0):
        bad = int(np.argmax(~np.isclose(Y.sum(axis=0), 1.0)))
        raise ValueError(
            f"{func}: with output='softmax' each column of Y must be one-hot (sum to 1); "
            f"column {bad} sums to {Y[:, bad].sum():g}"
        )


def _check_learning_rate(learning_rate: float, func: str) -> None:
    ok = isinstance(learning_rate, numbers.Real) and not isinstance(learning_rate, bool)
    if not (ok and np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"{func}: learning_rate must be a positive number, got {learning_rate!r}")


def _finite(arr: np.ndarray, name: str) -> None:
    """`check_finite`, preceded by a one-pass test that settles the usual all-finite case."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = arr.sum()
    if not np.isfinite(total):  # a NaN or an inf somewhere, or a huge sum: look closer
        check_finite(arr, name)


def _array(x: ArrayLike, shape: Sequence, name: str) -> tuple[np.ndarray, dict[str, int]]:
    """`x` as a finite float array of the expected shape, and the bound symbolic sizes."""
    arr = as_array(x, name)
    sizes = check_shape(arr, shape, name)
    if arr.size == 0:
        raise ValueError(f"{name}: is empty, shape {arr.shape} (m = 0 examples?)")
    _finite(arr, name)
    return arr, sizes


def _layer_params(
    A_prev: ArrayLike, W: ArrayLike, b: ArrayLike, func: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A_prev, sizes = _array(A_prev, ("n[l-1]", "m"), f"{func}: A_prev")
    W, _ = _array(W, ("n[l]", sizes["n[l-1]"]), f"{func}: W")
    b, _ = _array(b, (W.shape[0], 1), f"{func}: b")
    return A_prev, W, b


def _linear_cache(cache, func: str) -> LinearCache:
    if not (isinstance(cache, tuple) and len(cache) == 3):
        raise ValueError(f"{func}: cache must be the (A_prev, W, b) tuple from linear_forward")
    return _layer_params(*cache, func=f"{func}: cache")


def _activation_cache(cache, func: str) -> tuple[LinearCache, np.ndarray, np.ndarray]:
    if not (isinstance(cache, tuple) and len(cache) == 3):
        raise ValueError(
            f"{func}: cache must be the ((A_prev, W, b), Z, A) tuple from activation_forward"
        )
    lin = _linear_cache(cache[0], func)
    shape = (lin[1].shape[0], lin[0].shape[1])
    Z, _ = _array(cache[1], shape, f"{func}: cache Z")
    A, _ = _array(cache[2], shape, f"{func}: cache A")
    return lin, Z, A


def _check_params(params: Mapping[str, ArrayLike], n_x: int, func: str) -> dict:
    """Validate {"W1", "b1", ..., "WL", "bL"} against n_x inputs; return them as arrays."""
    if not isinstance(params, Mapping):
        raise ValueError(f"{func}: params must be a dict like {{'W1': ..., 'b1': ...}}")
    L = 0
    while f"W{L + 1}" in params:
        L += 1
    expected = {f"{p}{layer}" for layer in range(1, L + 1) for p in "Wb"}
    if L == 0 or set(params) != expected:
        missing = sorted(expected - set(params)) or (["W1"] if L == 0 else [])
        unexpected = sorted(set(params) - expected)
        raise ValueError(
            f"{func}: params must hold W1, b1, ..., WL, bL; "
            f"missing {missing}, unexpected {unexpected}"
        )
    checked = {}
    n_prev = n_x
    for layer in range(1, L + 1):
        W, _ = _array(params[f"W{layer}"], (f"n[{layer}]", n_prev), f"{func}: params['W{layer}']")
        b, _ = _array(params[f"b{layer}"], (W.shape[0], 1), f"{func}: params['b{layer}']")
        checked[f"W{layer}"], checked[f"b{layer}"] = W, b
        n_prev = W.shape[0]
    return checked


# ---------------------------------------------------------------- kernels (no checks)


def _linear(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    Z = W @ A_prev
    Z += b
    return Z


def _activate(Z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(Z, 0.0)
    if activation == "softmax":
        # Z - max(Z) <= 0: an overflow to -inf, or an underflow in exp, rightly gives 0
        with np.errstate(over="ignore", under="ignore"):
            E = Z - Z.max(axis=0, keepdims=True)
            np.exp(E, out=E)
        E /= E.sum(axis=0, keepdims=True)
        return E
    if activation == "sigmoid":
        return _sigmoid(Z)
    if activation == "tanh":
        return np.tanh(Z)
    if activation == "leaky_relu":
        return np.where(Z > 0, Z, LEAKY_ALPHA * Z)
    return Z  # "linear"


def _activation_grad(
    dA: np.ndarray, Z: np.ndarray, A: np.ndarray, activation: str, owned: bool
) -> np.ndarray:
    """dZ from dA through the activation; may overwrite dA when `owned` (a temporary)."""
    if activation == "relu":
        if owned:
            return np.multiply(dA, Z > 0, out=dA)
        return dA * (Z > 0)
    if activation == "sigmoid":
        return dA * (A * (1.0 - A))
    if activation == "tanh":
        return dA * (1.0 - A * A)
    if activation == "leaky_relu":
        return dA * np.where(Z > 0, 1.0, LEAKY_ALPHA)
    if activation == "softmax":  # Jacobian-vector product, column by column
        return A * (dA - np.sum(dA * A, axis=0, keepdims=True))
    return dA if owned else dA.copy()  # "linear"


def _param_grads(dZ: np.ndarray, A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dW and db of a layer, with the 1/m."""
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    dW /= m
    db = dZ.sum(axis=1, keepdims=True)
    db /= m
    return dW, db


def _linear_grads(
    dZ: np.ndarray, A_prev: np.ndarray, W: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dW, db = _param_grads(dZ, A_prev)
    return W.T @ dZ, dW, db


def _forward(
    X: np.ndarray, params: Mapping, L: int, hidden: str, output: str
) -> tuple[np.ndarray, list[Cache]]:
    caches = []
    A = X
    for layer in range(1, L + 1):
        W, b = params[f"W{layer}"], params[f"b{layer}"]
        Z = _linear(A, W, b)
        A_next = _activate(Z, output if layer == L else hidden)
        caches.append(((A, W, b), Z, A_next))
        A = A_next
    return A, caches


def _backward(
    AL: np.ndarray, Y: np.ndarray, caches: Sequence[Cache], hidden: str
) -> dict[str, np.ndarray]:
    grads = {}
    L = len(caches)
    dZ = AL - Y  # sigmoid + binary cross-entropy, or softmax + cross-entropy
    for layer in range(L, 0, -1):
        (A_prev, W, _), _, _ = caches[layer - 1]
        grads[f"dW{layer}"], grads[f"db{layer}"] = _param_grads(dZ, A_prev)
        if layer > 1:  # no dA[0]: the gradient with respect to X is not needed
            _, Z_prev, A_prev_act = caches[layer - 2]
            dZ = _activation_grad(W.T @ dZ, Z_prev, A_prev_act, hidden, owned=True)
    return grads


def _cost(AL: np.ndarray, Y: np.ndarray, output: str) -> float:
    return binary_cross_entropy(AL, Y) if output == "sigmoid" else cross_entropy(AL, Y)


# ---------------------------------------------------------------- layers


def linear_forward(A_prev: ArrayLike, W: ArrayLike, b: ArrayLike) -> tuple[np.ndarray, LinearCache]:
    """Linear part of a layer: Z = W A_prev + b.

    A_prev: (n[l-1], m) activations of the previous layer (or X); W: (n[l], n[l-1]);
    b: (n[l], 1). Returns Z: (n[l], m) and cache = (A_prev, W, b) for `linear_backward`.
    """
    A_prev, W, b = _layer_params(A_prev, W, b, "linear_forward")
    return _linear(A_prev, W, b), (A_prev, W, b)


def linear_backward(dZ: ArrayLike, cache: LinearCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward step of `linear_forward`.

    dZ: (n[l], m) per-example derivative of the loss with respect to Z; cache: (A_prev, W, b)
    from `linear_forward`. Returns dA_prev = W^T dZ: (n[l-1], m), dW = (1/m) dZ A_prev^T:
    (n[l], n[l-1]) and db = (1/m) dZ summed over examples: (n[l], 1).
    """
    A_prev, W, _ = _linear_cache(cache, "linear_backward")
    dZ, _ = _array(dZ, (W.shape[0], A_prev.shape[1]), "linear_backward: dZ")
    return _linear_grads(dZ, A_prev, W)


def activation_forward(
    A_prev: ArrayLike, W: ArrayLike, b: ArrayLike, activation: str
) -> tuple[np.ndarray, Cache]:
    """One layer: A = g(W A_prev + b) with g named by `activation`.

    A_prev: (n[l-1], m); W: (n[l], n[l-1]); b: (n[l], 1); activation: "sigmoid", "tanh",
    "relu", "leaky_relu", "linear" or "softmax" (over each column). Returns A: (n[l], m)
    and cache = ((A_prev, W, b), Z, A) for `activation_backward`, with Z: (n[l], m).
    """
    _check_name(activation, ACTIVATIONS, "layer", "activation_forward")
    A_prev, W, b = _layer_params(A_prev, W, b, "activation_forward")
    Z = _linear(A_prev, W, b)
    A = _activate(Z, activation)
    return A, ((A_prev, W, b), Z, A)


def activation_backward(
    dA: ArrayLike, cache: Cache, activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward step of `activation_forward` (the same `activation`).

    dA: (n[l], m) per-example derivative of the loss with respect to A; cache: from
    `activation_forward`. Computes dZ = dA * g'(Z) (for softmax, the Jacobian of each column
    applied to dA) and returns dA_prev: (n[l-1], m), dW: (n[l], n[l-1]) and db: (n[l], 1),
    where dW and db carry the 1/m.
    """
    _check_name(activation, ACTIVATIONS, "layer", "activation_backward")
    (A_prev, W, _), Z, A = _activation_cache(cache, "activation_backward")
    dA, _ = _array(dA, Z.shape, "activation_backward: dA")
    dZ = _activation_grad(dA, Z, A, activation, owned=False)
    return _linear_grads(dZ, A_prev, W)


# ---------------------------------------------------------------- model


def model_forward(
    X: ArrayLike,
    params: Mapping[str, ArrayLike],
    hidden: str = "relu",
    output: str = "sigmoid",
) -> tuple[np.ndarray, list[Cache]]:
    """Forward pass through L layers: `hidden` in layers 1..L-1, `output` in layer L.

    X: (n_x, m); params: {"W1": (n1, n_x), "b1": (n1, 1), ..., "WL": (nL, n[L-1]),
    "bL": (nL, 1)}, any L >= 1. Returns AL: (nL, m), the output activations, and caches:
    a list of L layer caches ((A_prev, W, b), Z, A) for `model_backward`.
    """
    _check_name(hidden, HIDDEN_ACTIVATIONS, "hidden", "model_forward")
    _check_name(output, OUTPUT_ACTIVATIONS, "output", "model_forward")
    X, _ = _array(X, ("n_x", "m"), "model_forward: X")
    checked = _check_params(params, X.shape[0], "model_forward")
    return _forward(X, checked, len(checked) // 2, hidden, output)


def model_backward(
    AL: ArrayLike,
    Y: ArrayLike,
    caches: Sequence[Cache],
    hidden: str = "relu",
    output: str = "sigmoid",
) -> dict[str, np.ndarray]:
    """Backward pass for the cross-entropy cost of `model_forward`'s output.

    AL: (nL, m) from `model_forward`; Y: (nL, m) targets (0/1 labels for a sigmoid output,
    one-hot columns for softmax); caches: from `model_forward` with the same `hidden` and
    `output`. Starts from dZ[L] = AL - Y and returns {"dW1": (n1, n_x), "db1": (n1, 1), ...,
    "dWL", "dbL"}: the gradients of J with respect to every parameter (with the 1/m).
    The gradient with respect to X is not computed (no parameter needs it).
    """
    _check_name(hidden, HIDDEN_ACTIVATIONS, "hidden", "model_backward")
    _check_name(output, OUTPUT_ACTIVATIONS, "output", "model_backward")
    if not (
        isinstance(caches, Sequence)
        and caches
        and all(isinstance(c, tuple) and len(c) == 3 for c in caches)
    ):
        raise ValueError("model_backward: caches must be the non-empty list from model_forward")
    AL, _ = _array(AL, caches[-1][1].shape, "model_backward: AL")
    Y, _ = _array(Y, AL.shape, "model_backward: Y")
    _check_targets(Y, output, "model_backward")
    return _backward(AL, Y, caches, hidden)


def compute_cost(AL: ArrayLike, Y: ArrayLike, output: str = "sigmoid") -> float:
    """Cross-entropy cost of the network's output, a float.

    AL: (nL, m) output activations; Y: (nL, m) targets. output="sigmoid": binary
    cross-entropy (`utils.losses.binary_cross_entropy`); output="softmax": categorical
    cross-entropy with one-hot Y (`utils.losses.cross_entropy`). Both average over the m
    examples and clip probabilities to [1e-12, 1 - 1e-12].
    """
    _check_name(output, OUTPUT_ACTIVATIONS, "output", "compute_cost")
    AL = as_array(AL, "compute_cost: AL")
    Y = as_array(Y, "compute_cost: Y")
    check_shape(AL, ("n[L]", "m"), "compute_cost: AL")
    check_shape(Y, AL.shape, "compute_cost: Y")
    return _cost(AL, Y, output)


def update_parameters(
    params: Mapping[str, ArrayLike], grads: Mapping[str, ArrayLike], learning_rate: float
) -> dict[str, np.ndarray]:
    """One gradient-descent step: theta - learning_rate * d theta for every parameter.

    params: {"W1": (n1, n0), "b1": (n1, 1), ...}; grads: {"dW1", "db1", ...} of the same
    shapes (other keys are ignored); learning_rate: a positive number. Returns a new dict of
    new arrays; `params` is not modified.
    """
    _check_learning_rate(learning_rate, "update_parameters")
    new = {}
    for key, value in params.items():
        if f"d{key}" not in grads:
            raise ValueError(f"update_parameters: grads has no 'd{key}' for params['{key}']")
        p = as_array(value, f"update_parameters: params['{key}']")
        g = as_array(grads[f"d{key}"], f"update_parameters: grads['d{key}']")
        check_same_shape(p, g, f"update_parameters: params['{key}']", f"grads['d{key}']")
        _finite(g, f"update_parameters: grads['d{key}']")
        new[key] = p - learning_rate * g
    return new


def train(
    X: ArrayLike,
    Y: ArrayLike,
    layer_dims: Sequence[int],
    learning_rate: float = 0.1,
    num_iterations: int = 1000,
    hidden: str = "relu",
    output: str = "sigmoid",
    init: str = "he",
    seed: int | None = 0,
    record_every: int = 100,
    print_every: int | None = None,
    progress: bool = True,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Full-batch gradient descent on the cross-entropy cost.

    X: (n_x, m); Y: (nL, m) targets (0/1 for output="sigmoid", one-hot for "softmax");
    layer_dims: [n_x, n1, ..., nL]. Initializes with `initialize_parameters(layer_dims,
    init, seed)`, then repeats forward, backward and update `num_iterations` times.
    Every `record_every` iterations (from iteration 0) the cost before that iteration's
    update is appended to the history; every `print_every` iterations it is printed.
    `progress` shows a tqdm progress bar (on stdout; notebook widget in Jupyter).
    Returns (params, costs): the trained {"W1": (n1, n_x), "b1": (n1, 1), ...} and the list
    of recorded costs (floats). Raises FloatingPointError if the cost diverges.
    """
    _check_name(hidden, HIDDEN_ACTIVATIONS, "hidden", "train")
    _check_name(output, OUTPUT_ACTIVATIONS, "output", "train")
    X, _ = _array(X, ("n_x", "m"), "train: X")
    params = initialize_parameters(layer_dims, method=init, seed=seed)
    dims = [int(n) for n in layer_dims]
    if dims[0] != X.shape[0]:
        raise ValueError(
            f"train: layer_dims must start with n_x = {X.shape[0]} (the rows of X), got {dims}"
        )
    Y, _ = _array(Y, (dims[-1], X.shape[1]), "train: Y")
    if not isinstance(num_iterations, int | np.integer) or num_iterations < 0:
        raise ValueError(f"train: num_iterations must be an int >= 0, got {num_iterations!r}")
    for name, every in (("record_every", record_every), ("print_every", print_every)):
        if not (every is None and name == "print_every") and (
            not isinstance(every, int | np.integer) or every < 1
        ):
            raise ValueError(f"train: {name} must be a positive int, got {every!r}")
    _check_learning_rate(learning_rate, "train")

    _check_targets(Y, output, "train")

    L = len(dims) - 1
    costs: list[float] = []
    hint = f"try a smaller learning_rate than {learning_rate}"
    bar = tqdm(range(num_iterations), desc="train", disable=not progress, file=sys.stdout)
    i = 0
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for i in bar:
                AL, caches = _forward(X, params, L, hidden, output)
                record = i % record_every == 0
                show = print_every is not None and i % print_every == 0
                if record or show:
                    cost = _cost(AL, Y, output)  # ValueError if AL holds NaN
                    if record:
                        costs.append(cost)
                        bar.set_postfix(cost=f"{cost:.4g}", refresh=False)
                    if show:
                        bar.write(f"cost after iteration {i}: {cost:.6f}", file=sys.stdout)
                grads = _backward(AL, Y, caches, hidden)
                params = {k: v - learning_rate * grads[f"d{k}"] for k, v in params.items()}
    except (FloatingPointError, ValueError) as exc:  # X and Y were checked: this is divergence
        raise FloatingPointError(f"train: diverged at iteration {i} ({exc}); {hint}") from exc
    finally:
        bar.close()
    if not all(np.isfinite(value).all() for value in params.values()):
        raise FloatingPointError(f"train: the parameters diverged to NaN or infinity; {hint}")
    return params, costs


def predict(
    X: ArrayLike,
    params: Mapping[str, ArrayLike],
    hidden: str = "relu",
    output: str = "sigmoid",
) -> np.ndarray:
    """Predicted labels for the examples in X.

    X: (n_x, m); params as for `model_forward`. Returns an int array: for output="sigmoid",
    (nL, m) of 0/1 (AL > 0.5), so (1, m) for a binary classifier; for output="softmax",
    (1, m) of class indices (the argmax of each column of AL).
    """
    AL, _ = model_forward(X, params, hidden, output)
    if output == "softmax":
        return np.argmax(AL, axis=0, keepdims=True)
    return (AL > 0.5).astype(np.int64)
