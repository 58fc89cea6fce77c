"""Input checks shared by the reference implementations.

Every public function of `utils` validates its arrays with these helpers, so a wrong shape
or a NaN raises a `ValueError` that names the argument, the expected and the actual value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Shape = Sequence[int | str | None]


def as_array(x, name: str) -> np.ndarray:
    """Return `x` as a float ndarray (float64 unless it is already a float array).

    Raises `ValueError` when `x` cannot be read as numbers.
    """
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected an array of numbers, got {type(x).__name__}") from exc
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{name}: expected an array of numbers, got dtype {arr.dtype}")
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def describe(shape: Shape) -> str:
    """Render an expected shape such as `("n", 1)` as `(n, 1)`."""
    parts = ["?" if d is None else str(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_shape(arr: np.ndarray, expected: Shape, name: str) -> dict[str, int]:
    """Check `arr.shape` against `expected` and return the bound symbolic sizes.

    `expected` holds ints (exact), strings (a symbol, equal wherever it repeats, e.g. `"m"`)
    or None (any size). Raises `ValueError` naming the expected and the actual shape, with
    the rank-1 hint when a `(n,)` array arrives where `(n, 1)` or `(1, n)` is expected.
    """
    bound: dict[str, int] = {}
    ok = arr.ndim == len(expected)
    if ok:
        for want, got in zip(expected, arr.shape, strict=True):
            if isinstance(want, int) and want != got:
                ok = False
            elif isinstance(want, str):
                if bound.setdefault(want, got) != got:
                    ok = False
    if not ok:
        hint = ""
        if arr.ndim == 1 and len(expected) == 2:
            hint = " (a rank-1 array: reshape it to a column (n, 1) or a row (1, n))"
        raise ValueError(
            f"{name}: expected shape {describe(expected)}, got {tuple(arr.shape)}{hint}"
        )
    return bound


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise `ValueError` if `arr` holds NaN or infinity, saying how many and where first."""
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(arr[first]) else "infinity"
        raise ValueError(
            f"{name}: holds {int(bad.sum())} non-finite value(s) ({kind} first at index {first})"
        )


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise `ValueError` unless `a` and `b` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {a.shape} and {b.shape}"
        )
