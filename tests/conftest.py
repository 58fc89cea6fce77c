"""Shared test helpers and fixtures.

`numeric_grad` and `rel_error` are a tiny, independent oracle for the gradient tests of
`utils.activations`, `utils.losses` and `utils.nn` (deliberately not `utils.gradcheck`,
which is tested on its own).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def numeric_grad(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar `f()` with respect to the array `x`.

    `f` takes no arguments and reads `x`, which is perturbed in place one entry at a time
    and restored. x: float64 array of any shape. Returns an array of x's shape.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        f_plus = f()
        x[idx] = old - eps
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||), 0.0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.fixture(scope="session")
def batch():
    """Every crafted submission graded once per session (sandboxed, two workers), by the user
    running the suite. The sandbox, isolation, limits and tampering modules override it with
    `tests.support.grading_crafted.batch_in_each_mode` (root and a normal user)."""
    from tests.support.grading_crafted import graded_batch
    from tests.support.grading_helpers import require_sandbox

    require_sandbox()
    return graded_batch()


@pytest.fixture(scope="session")
def suite_batch(batch):
    """The suite user's batch, also in the modules that override `batch`."""
    return batch
