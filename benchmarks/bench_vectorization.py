"""Loop vs vectorized logistic-regression gradient (lesson 02), m = 10,000 and n_x = 64.

    python benchmarks/bench_vectorization.py

The loop version is the algorithm of the seed notes in plain Python: one pass over the m
examples accumulating J, dw_1..dw_n and db (z(i) = w.x(i) + b, a(i) = sigmoid(z(i)),
dz(i) = a(i) - y(i), dw_j += x_j(i) dz(i), db += dz(i)), the feature sums being inner loops,
then everything divided by m. The "one loop" version keeps the loop over examples but
vectorizes over features. The vectorized version has no loop:

    A = sigmoid(w^T X + b);  dZ = A - Y;  dw = (1/m) X dZ^T;  db = (1/m) sum(dZ)

Prints the time of each, the speedups (target: vectorized at least 100x faster than the
loop) and whether all three give the same cost and gradient.
"""

from __future__ import annotations

import math

import numpy as np
from _common import interleaved, machine

from utils.activations import sigmoid

M, N_X = 10_000, 64
ROUNDS = 10  # best of 10: robust to other processes on a shared machine


def loop_gradient(X: list[list[float]], y: list[float], w: list[float], b: float):
    """The seed notes' loops. X: n_x lists of m floats; y: m floats; w: n_x floats.

    Returns (J, dw as a list of n_x floats, db).
    """
    n_x, m = len(X), len(y)
    J, dw, db = 0.0, [0.0] * n_x, 0.0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += w[j] * X[j][i]
        a = 1.0 / (1.0 + math.exp(-z))
        J += -(y[i] * math.log(a) + (1.0 - y[i]) * math.log(1.0 - a))
        dz = a - y[i]
        for j in range(n_x):
            dw[j] += X[j][i] * dz
        db += dz
    return J / m, [d / m for d in dw], db / m


def one_loop_gradient(X: np.ndarray, Y: np.ndarray, w: np.ndarray, b: float):
    """Loop over examples, numpy over features. X: (n_x, m); Y: (1, m); w: (n_x, 1)."""
    n_x, m = X.shape
    J, dw, db = 0.0, np.zeros((n_x, 1)), 0.0
    wv, y = w[:, 0], Y[0]
    for i in range(m):
        x = X[:, i]
        a = 1.0 / (1.0 + math.exp(-(wv @ x + b)))
        J += -(y[i] * math.log(a) + (1.0 - y[i]) * math.log(1.0 - a))
        dz = a - y[i]
        dw[:, 0] += x * dz
        db += dz
    return J / m, dw / m, db / m


def vectorized_gradient(X: np.ndarray, Y: np.ndarray, w: np.ndarray, b: float):
    """No loop. X: (n_x, m); Y: (1, m); w: (n_x, 1). Returns (J, dw (n_x, 1), db)."""
    m = X.shape[1]
    A = sigmoid(w.T @ X + b)
    J = -float(np.sum(Y * np.log(A) + (1.0 - Y) * np.log1p(-A))) / m
    dZ = A - Y
    return J, (X @ dZ.T) / m, float(np.sum(dZ)) / m


def main() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_X, M))
    w = 0.1 * rng.standard_normal((N_X, 1))
    b = 0.5
    Y = (rng.random((1, M)) < sigmoid(w.T @ X + b)).astype(float)
    X_lists, y_list, w_list = X.tolist(), Y[0].tolist(), w[:, 0].tolist()

    results = {
        "loop": loop_gradient(X_lists, y_list, w_list, b),
        "one loop": one_loop_gradient(X, Y, w, b),
        "vectorized": vectorized_gradient(X, Y, w, b),
    }
    J_ref, dw_ref, db_ref = results["vectorized"]
    same = all(
        math.isclose(J, J_ref, rel_tol=1e-10)
        and np.allclose(np.reshape(dw, (N_X, 1)), dw_ref, rtol=1e-9, atol=1e-15)
        and math.isclose(db, db_ref, rel_tol=1e-9, abs_tol=1e-15)
        for J, dw, db in results.values()
    )

    times = interleaved(
        {
            "loop": (lambda: loop_gradient(X_lists, y_list, w_list, b), 1),
            "one loop": (lambda: one_loop_gradient(X, Y, w, b), 1),
            "vectorized": (lambda: vectorized_gradient(X, Y, w, b), 10),
        },
        rounds=ROUNDS,
    )
    best = {name: t.min() for name, t in times.items()}

    print(f"machine: {machine()}")
    print(f"logistic-regression gradient, m = {M:,}, n_x = {N_X} (best of {ROUNDS} rounds)")
    for name, t in best.items():
        print(f"  {name:<11} {t * 1e3:10.3f} ms")
    speedup = best["loop"] / best["vectorized"]
    print(f"speedup, vectorized vs loop (seed notes): {speedup:,.0f}x (target >= 100x)")
    print(
        f"speedup, vectorized vs one loop:          {best['one loop'] / best['vectorized']:,.0f}x"
    )
    print(f"same cost and gradient in all three: {same}")
    print("target met" if speedup >= 100 and same else "TARGET NOT MET")


if __name__ == "__main__":
    main()
