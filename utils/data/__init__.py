"""Data sets of the course, in the course's `(features, m)` orientation: one column per example.

Synthetic 2-D sets (made here, deterministic given `seed`, no scikit-learn needed):

    X, Y = load_planar()            # the two-class "flower"; X (2, 400), Y (1, 400)
    X, Y = make_moons(m=300)        # two interleaving half circles
    X, Y = make_circles(m=300)      # a circle inside a circle

A small real image set, shipped in this folder (nothing is downloaded at run time):

    X, y = load_digits()                  # UCI 8x8 digits; X (64, 1797), y (1, 1797) in 0..9
    X, y = load_digits(digits=(3, 8))     # only the 3s and 8s, labels kept as 3 and 8
    Y = binary_labels(y, positive=8)      # (1, m) of 0/1: 1 where the digit is an 8
    Y = one_hot(y, 10)                    # (10, m) one-hot columns

Helpers: `train_test_split` (over columns) and `standardize` (per feature, i.e. per row).
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from utils._validate import as_array, check_finite, check_shape

__all__ = [
    "ChecksumError",
    "binary_labels",
    "load_digits",
    "load_planar",
    "make_circles",
    "make_moons",
    "one_hot",
    "standardize",
    "train_test_split",
]

DATA_DIR = Path(__file__).resolve().parent
DIGITS_PATH = DATA_DIR / "digits.csv.gz"
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
DIGITS_SHAPE = (64, 1797)


class ChecksumError(OSError):
    """A shipped data file does not match its recorded SHA-256: it is corrupt or was edited."""


# ----------------------------------------------------------------------------- synthetic sets


def _check_count(m: int) -> int:
    """Return `m` as an int, raising `ValueError` unless it is a positive whole number."""
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise ValueError(f"m: expected a positive integer number of examples, got {m!r}")
    return int(m)


def _check_noise(noise: float) -> float:
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise: expected a finite number >= 0, got {noise!r}")
    return float(noise)


def _class_sizes(m: int) -> tuple[int, int]:
    """Split `m` examples into two classes: `m // 2` of class 0 and the rest of class 1."""
    return m // 2, m - m // 2


def _shuffled(
    rng: np.random.Generator, parts: list[np.ndarray], sizes: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Join the per-class point sets (each `(2, size)`) and shuffle the columns.

    Returns `X` of shape `(2, m)` (float64) and `Y` of shape `(1, m)` (int64, class index).
    """
    X = np.concatenate(parts, axis=1)
    Y = np.concatenate([np.full(n, k, dtype=np.int64) for k, n in enumerate(sizes)])[None, :]
    order = rng.permutation(X.shape[1])
    return X[:, order], Y[:, order]


def load_planar(m: int = 400, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The two-class planar "flower": eight petals, alternating classes, not linearly separable.

    Each class is drawn along an angle `t` over half a turn with radius
    `r = 4 sin(4 t)` (both `t` and `r` with Gaussian noise of standard deviation 0.2);
    a point is `(r sin t, r cos t)`. Class 0 gets `m // 2` points, class 1 the rest;
    columns are shuffled.

    Returns `X` of shape `(2, m)` (float64) and `Y` of shape `(1, m)` (int64, 0 or 1).
    Deterministic given `seed` (`np.random.default_rng`).
    """
    m = _check_count(m)
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(m)
    parts = []
    for j, n in enumerate(sizes):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, n) + rng.normal(0.0, 0.2, n)
        r = 4.0 * np.sin(4.0 * t) + rng.normal(0.0, 0.2, n)
        parts.append(np.vstack([r * np.sin(t), r * np.cos(t)]))
    return _shuffled(rng, parts, sizes)


def make_moons(m: int = 400, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 the upper one, class 1 the lower, shifted one.

    Class 0: `(cos t, sin t)` for `t` in `[0, pi]`; class 1: `(1 - cos t, 0.5 - sin t)`;
    Gaussian noise of standard deviation `noise` added to every coordinate. Class 0 gets
    `m // 2` points, class 1 the rest; columns are shuffled.

    Returns `X` of shape `(2, m)` (float64) and `Y` of shape `(1, m)` (int64, 0 or 1).
    Deterministic given `seed`.
    """
    m = _check_count(m)
    noise = _check_noise(noise)
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(m)
    t0 = np.linspace(0.0, np.pi, sizes[0])
    t1 = np.linspace(0.0, np.pi, sizes[1])
    parts = [
        np.vstack([np.cos(t0), np.sin(t0)]),
        np.vstack([1.0 - np.cos(t1), 0.5 - np.sin(t1)]),
    ]
    parts = [p + rng.normal(0.0, noise, p.shape) for p in parts]
    return _shuffled(rng, parts, sizes)


def make_circles(
    m: int = 400, noise: float = 0.1, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside a circle: class 0 on the unit circle, class 1 on radius `factor`.

    Points are evenly spaced in angle, with Gaussian noise of standard deviation `noise`
    added to every coordinate. Class 0 gets `m // 2` points, class 1 the rest; columns
    are shuffled. `factor` must lie strictly between 0 and 1.

    Returns `X` of shape `(2, m)` (float64) and `Y` of shape `(1, m)` (int64, 0 or 1).
    Deterministic given `seed`.
    """
    m = _check_count(m)
    noise = _check_noise(noise)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor: expected a number strictly between 0 and 1, got {factor!r}")
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(m)
    parts = []
    for radius, n in zip((1.0, float(factor)), sizes, strict=True):
        t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
        points = radius * np.vstack([np.cos(t), np.sin(t)])
        parts.append(points + rng.normal(0.0, noise, points.shape))
    return _shuffled(rng, parts, sizes)


# ----------------------------------------------------------------------------- digits


def _read_digits(path: Path) -> np.ndarray:
    """Read and verify the shipped digits file; return its rows as an int64 `(1797, 65)` array."""
    if not path.is_file():
        raise FileNotFoundError(
            f"The digits data file is missing: {path}. It ships with the course in utils/data/; "
            "restore it from the repository (for example `git checkout -- utils/data/`)."
        )
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DIGITS_SHA256:
        raise ChecksumError(
            f"The digits data file {path} is corrupt: its SHA-256 is {digest}, expected "
            f"{DIGITS_SHA256}. Restore it from the repository "
            "(for example `git checkout -- utils/data/digits.csv.gz`)."
        )
    return np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64, ndmin=2)


def load_digits(digits: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The UCI 8x8 handwritten digits (1,797 images), shipped in `utils/data/`.

    Each image is 8x8 pixels with integer intensities 0..16, flattened row by row into a
    column of 64 features (`X[:, i].reshape(8, 8)` is image `i`). The file's SHA-256 is
    checked on every load; a mismatch raises `ChecksumError`. Source and licence (CC BY 4.0):
    `utils/data/README.md`.

    `digits`: keep only the examples of these digits (for example `(3, 8)`), in file order;
    labels are not renumbered (see `binary_labels` and `one_hot`).

    Returns `X` of shape `(64, m)` (float64, values 0..16, not scaled) and `y` of shape
    `(1, m)` (int64 labels 0..9), with `m = 1797` when `digits` is None.
    """
    rows = _read_digits(DIGITS_PATH)
    X = rows[:, :-1].T.astype(np.float64)
    y = rows[:, -1][None, :]
    if X.shape != DIGITS_SHAPE:
        raise ChecksumError(f"The digits data has shape {X.shape}, expected {DIGITS_SHAPE}.")
    if digits is None:
        return X, y
    wanted = _label_set(digits, "digits")
    unknown = wanted - set(range(10))
    if unknown:
        raise ValueError(f"digits: expected digits 0..9, got {sorted(unknown)}")
    keep = np.isin(y[0], sorted(wanted))
    return X[:, keep], y[:, keep]


def _label_set(labels: int | Iterable[int], name: str) -> set[int]:
    """Read one label or a collection of labels as a non-empty set of ints."""
    if isinstance(labels, int | np.integer):
        items = [labels]
    elif isinstance(labels, Iterable) and not isinstance(labels, str):
        items = list(labels)
    else:
        items = []
    if not items or not all(isinstance(v, int | np.integer) for v in items):
        raise ValueError(
            f"{name}: expected an int or a non-empty collection of ints, got {labels!r}"
        )
    return {int(v) for v in items}


def _check_labels(y, name: str = "y") -> np.ndarray:
    """Return `y` as an int64 `(1, m)` array; `ValueError` on other shapes or non-integers."""
    arr = np.asarray(y)
    check_shape(arr, (1, "m"), name)
    if arr.dtype.kind == "f":
        check_finite(arr, name)
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name}: expected integer class labels, got non-integer values")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{name}: expected integer class labels, got dtype {arr.dtype}")
    return arr.astype(np.int64)


def binary_labels(y: ArrayLike, positive: int | Iterable[int]) -> np.ndarray:
    """Turn class labels into a binary target: 1 where the label is in `positive`, else 0.

    `y` has shape `(1, m)`; `positive` is one label or a collection of labels.
    Returns shape `(1, m)`, int64 of 0 and 1.
    """
    labels = _check_labels(y)
    return np.isin(labels, sorted(_label_set(positive, "positive"))).astype(np.int64)


def one_hot(y: ArrayLike, K: int | None = None) -> np.ndarray:
    """One-hot encode class labels: column `i` is 1 in row `y[0, i]` and 0 elsewhere.

    `y` has shape `(1, m)` with labels in `0..K-1`; `K` defaults to `y.max() + 1`.
    Returns shape `(K, m)`, float64.
    """
    labels = _check_labels(y)[0]
    if K is None:
        K = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (labels.min() < 0 or labels.max() >= K):
        raise ValueError(
            f"y: labels must lie in 0..{K - 1} for K={K}, got {labels.min()}..{labels.max()}"
        )
    out = np.zeros((K, labels.size))
    out[labels, np.arange(labels.size)] = 1.0
    return out


# ----------------------------------------------------------------------------- preparation


def train_test_split(
    X: ArrayLike, Y: ArrayLike, test_fraction: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the examples (columns) and split them into a training and a test set.

    `X` has shape `(n_x, m)` and `Y` shape `(k, m)` (labels `(1, m)` or one-hot `(K, m)`);
    at least two examples. The test set holds `round(test_fraction * m)` examples, at least
    one, and the training set at least one. Dtypes are kept.

    Returns `(X_train, X_test, Y_train, Y_test)` (scikit-learn's order) with shapes
    `(n_x, m_train)`, `(n_x, m_test)`, `(k, m_train)`, `(k, m_test)`, `m_train + m_test = m`.
    Deterministic given `seed`.
    """
    X, Y = np.asarray(X), np.asarray(Y)
    m = check_shape(X, ("n_x", "m"), "X")["m"]
    check_shape(Y, (None, m), "Y")
    if m < 2:
        raise ValueError(f"X: need at least 2 examples (columns) to split, got {m}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            f"test_fraction: expected a number strictly between 0 and 1, got {test_fraction!r}"
        )
    m_test = min(max(int(round(test_fraction * m)), 1), m - 1)
    order = np.random.default_rng(seed).permutation(m)
    test, train = order[:m_test], order[m_test:]
    return X[:, train], X[:, test], Y[:, train], Y[:, test]


def standardize(
    X: ArrayLike, mean: ArrayLike | None = None, std: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale every feature (row) of `X` to mean 0 and standard deviation 1 over the examples.

    `X` has shape `(n_x, m)`. Pass the `mean` and `std` returned for the training set (both
    `(n_x, 1)`) to scale a test set the same way; by default they are computed from `X`.
    A constant feature (standard deviation 0) is divided by 1 instead, so it becomes exactly
    0 rather than NaN; the returned `std` holds that 1.

    Returns `(X_std, mean, std)` with shapes `(n_x, m)`, `(n_x, 1)`, `(n_x, 1)`, float64.
    """
    X = as_array(X, "X").astype(np.float64, copy=False)
    n_x = check_shape(X, ("n_x", "m"), "X")["n_x"]
    check_finite(X, "X")
    if (mean is None) != (std is None):
        raise ValueError("standardize: pass both mean and std (from the training set), or neither")
    if mean is None:
        if X.shape[1] == 0:
            raise ValueError("X: need at least one example (column) to compute mean and std")
        constant = np.ptp(X, axis=1, keepdims=True) == 0.0
        mean = np.where(constant, X[:, :1], X.mean(axis=1, keepdims=True))
        std = np.where(constant, 1.0, X.std(axis=1, keepdims=True))
    else:
        mean, std = as_array(mean, "mean"), as_array(std, "std")
        check_shape(mean, (n_x, 1), "mean")
        check_shape(std, (n_x, 1), "std")
        check_finite(mean, "mean")
        check_finite(std, "std")
        if np.any(std <= 0.0):
            raise ValueError("std: every entry must be > 0 (use the std returned by standardize)")
    return (X - mean) / std, mean, std
