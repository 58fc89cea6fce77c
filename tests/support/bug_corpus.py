"""A small fully connected network with a correct backward pass, and typical backprop
mistakes derived from it, kept as data.

Used by `tests/test_gradcheck.py` and `benchmarks/bench_gradcheck.py`. Self-contained on
purpose (numpy only, no `utils.nn`): the checker is tested against an independent network.

Network: tanh hidden layers, a sigmoid (binary cross-entropy) or softmax (cross-entropy)
output, float64, the course's notation (`X` is `(n0, m)`, `W{l}` is `(n_l, n_{l-1})`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Params = dict[str, np.ndarray]
Cache = tuple[np.ndarray, np.ndarray, np.ndarray]  # (A_prev, W, Z) of one layer


@dataclass(frozen=True)
class Problem:
    """Parameters and data for one network: `X` is `(n0, m)`, `Y` is `(1, m)` or `(K, m)`."""

    params: Params
    X: np.ndarray
    Y: np.ndarray
    output: str

    @property
    def m(self) -> int:
        return self.X.shape[1]

    def cost(self, params: Params) -> float:
        return cost(params, self.X, self.Y, self.output)


def make_problem(
    dims: tuple[int, ...] = (4, 4, 4, 1), m: int = 7, output: str = "sigmoid", seed: int = 0
) -> Problem:
    """Random parameters (biases not zero) and data for a network with layer sizes `dims`."""
    rng = np.random.default_rng(seed)
    params = {}
    for layer in range(1, len(dims)):
        n, n_prev = dims[layer], dims[layer - 1]
        params[f"W{layer}"] = rng.normal(0, 1 / np.sqrt(n_prev), (n, n_prev))
        params[f"b{layer}"] = rng.normal(0, 0.1, (dims[layer], 1))
    X = rng.normal(size=(dims[0], m))
    if output == "sigmoid":
        Y = (rng.uniform(size=(1, m)) < 0.5).astype(float)
    else:
        Y = np.eye(dims[-1])[:, rng.integers(dims[-1], size=m)]
    return Problem(params, X, Y, output)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def tanh_grad(z: np.ndarray) -> np.ndarray:
    return 1 - np.tanh(z) ** 2


def sigmoid_grad(z: np.ndarray) -> np.ndarray:
    return sigmoid(z) * (1 - sigmoid(z))


def forward(params: Params, X: np.ndarray, output: str) -> tuple[np.ndarray, list[Cache]]:
    """`AL` (the output activations, `(n_L, m)`) and one `(A_prev, W, Z)` cache per layer."""
    L = len(params) // 2
    A, caches = X, []
    for layer in range(1, L + 1):
        W, b = params[f"W{layer}"], params[f"b{layer}"]
        Z = W @ A + b
        caches.append((A, W, Z))
        if layer < L:
            A = np.tanh(Z)
        elif output == "sigmoid":
            A = sigmoid(Z)
        else:
            E = np.exp(Z - Z.max(axis=0, keepdims=True))
            A = E / E.sum(axis=0, keepdims=True)
    return A, caches


def cost(params: Params, X: np.ndarray, Y: np.ndarray, output: str) -> float:
    """Mean cross-entropy over the `m` examples."""
    AL, _ = forward(params, X, output)
    if output == "sigmoid":
        return float(-np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))
    return float(-np.sum(Y * np.log(AL)) / X.shape[1])


class Backprop:
    """The correct backward pass, split into the steps that the mistakes below override."""

    def m(self, X: np.ndarray) -> int:
        return X.shape[1]

    def cache(self, caches: list[Cache], layer: int) -> Cache:
        return caches[layer - 1]

    def hidden_dZ(self, dA: np.ndarray, Z: np.ndarray, layer: int) -> np.ndarray:
        return dA * tanh_grad(Z)

    def dW(self, dZ: np.ndarray, A_prev: np.ndarray, caches: list[Cache], m: int, layer: int):
        return dZ @ A_prev.T / m

    def db(self, dZ: np.ndarray, m: int, layer: int) -> np.ndarray:
        return np.sum(dZ, axis=1, keepdims=True) / m

    def dA_prev(self, W: np.ndarray, dZ: np.ndarray) -> np.ndarray:
        return W.T @ dZ

    def __call__(self, params: Params, X: np.ndarray, Y: np.ndarray, output: str) -> Params:
        AL, caches = forward(params, X, output)
        m, L = self.m(X), len(caches)
        grads, dA = {}, AL
        for layer in range(L, 0, -1):
            A_prev, W, Z = self.cache(caches, layer)
            if layer == L:
                dZ = AL - Y  # both outputs, each with its own cross-entropy
            else:
                dZ = self.hidden_dZ(dA, Z, layer)
            grads[f"dW{layer}"] = self.dW(dZ, A_prev, caches, m, layer)
            grads[f"db{layer}"] = self.db(dZ, m, layer)
            dA = self.dA_prev(W, dZ)
        return grads


def backward(params: Params, X: np.ndarray, Y: np.ndarray, output: str) -> Params:
    """The correct gradients of `cost`: `{"dW1": ..., "db1": ..., ...}`."""
    return Backprop()(params, X, Y, output)


Backward = Callable[[Params, np.ndarray, np.ndarray, str], Params]


def _edit(key: str, change: Callable[[Params, int], np.ndarray]) -> Backward:
    """The correct backward pass, then `grads[key] = change(grads, m)`."""

    def buggy(params: Params, X: np.ndarray, Y: np.ndarray, output: str) -> Params:
        grads = backward(params, X, Y, output)
        grads[key] = change(grads, X.shape[1])
        return grads

    return buggy


class _NoOneOverM(Backprop):
    def m(self, X):
        return 1


class _SigmoidDerivative(Backprop):
    def hidden_dZ(self, dA, Z, layer):
        return dA * sigmoid_grad(Z)


class _MissingGPrime(Backprop):
    def hidden_dZ(self, dA, Z, layer):
        return dA if layer == 1 else super().hidden_dZ(dA, Z, layer)


class _OutputInsteadOfInput(Backprop):
    def dW(self, dZ, A_prev, caches, m, layer):
        if layer == 1:
            A_prev = np.tanh(caches[0][2])  # A1, the layer's own output
        return super().dW(dZ, A_prev, caches, m, layer)


class _FirstExample(Backprop):
    def db(self, dZ, m, layer):
        return dZ[:, :1] if layer == 2 else super().db(dZ, m, layer)


class _CacheOffByOne(Backprop):
    def cache(self, caches, layer):
        return caches[layer - 2] if layer == 2 else caches[layer - 1]


class _ForgotW(Backprop):
    def dA_prev(self, W, dZ):
        return dZ


@dataclass(frozen=True)
class Bug:
    """One typical mistake: `backward` computes gradients with it.

    `faulty`: the parameters whose gradients it corrupts (a check must name one of them
    as the worst); `keyword`: a word the diagnosis must contain, or None when the numbers
    show no simple pattern (any diagnosis is then accepted).
    """

    name: str
    backward: Backward
    faulty: tuple[str, ...]
    keyword: str | None


HIDDEN = ("W1", "b1", "W2", "b2")

# Written for the default (4, 4, 4, 1) network: square hidden layers, so that a transposed
# dW1, A1 used for A0 and the off-by-one cache run without a shape error.
BUGS = [
    Bug("missing 1/m in dW2", _edit("dW2", lambda g, m: g["dW2"] * m), ("W2",), "missing 1/m"),
    Bug("extra 1/m in dW3", _edit("dW3", lambda g, m: g["dW3"] / m), ("W3",), "extra 1/m"),
    Bug("missing 1/m everywhere", _NoOneOverM(), (*HIDDEN, "W3", "b3"), "missing 1/m"),
    Bug("factor 2 in dW1", _edit("dW1", lambda g, m: 2 * g["dW1"]), ("W1",), "factor 2"),
    Bug("sign flip in db1", _edit("db1", lambda g, m: -g["db1"]), ("b1",), "sign"),
    Bug("transposed dW1", _edit("dW1", lambda g, m: g["dW1"].T), ("W1",), "transposed"),
    Bug("db2 from the first example only", _FirstExample(), ("b2",), "summed"),
    Bug(
        "db1 summed over every axis",
        _edit("db1", lambda g, m: np.full_like(g["db1"], g["db1"].sum())),
        ("b1",),
        "summed",
    ),
    Bug("zero dW3", _edit("dW3", lambda g, m: np.zeros_like(g["dW3"])), ("W3",), "zero"),
    Bug("sigmoid' used for tanh'", _SigmoidDerivative(), HIDDEN, None),
    Bug("dZ1 missing g'(Z1)", _MissingGPrime(), ("W1", "b1"), None),
    Bug("A1 used for A0 in dW1", _OutputInsteadOfInput(), ("W1",), None),
    Bug("layer 2 reads layer 1's cache", _CacheOffByOne(), HIDDEN, None),
    Bug("dA_prev = dZ (W.T forgotten)", _ForgotW(), HIDDEN, None),
]
