"""Gradient checking: compare an analytic gradient with central differences (lesson 08).

    report = gradient_check(lambda p: cost(p, X, Y), params, grads, m=X.shape[1])
    report            # in a notebook: a per-parameter table, the verdict and a diagnosis
    report.passed

`params` is the course's parameter dict `{"W1": (n1, n0), "b1": (n1, 1), ...}` and `grads`
the matching gradients, keyed `"dW1"`, `"db1"`, ... (or `"W1"`, `"b1"`, ...). The cost is a
function of the whole dict, `cost_fn(params) -> float`.

Three checks, from thorough to fast:

- `gradient_check` perturbs every entry: 2 cost evaluations per parameter entry.
- `sparse_check` perturbs `k` random entries of every parameter.
- `directional_check` moves all parameters at once along one random direction: 2 cost
  evaluations in all, for networks where the others are slow. It says whether the gradient
  is right, not where it is wrong.

The checks work on float64 copies of `params`: the caller's arrays are never modified.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from utils._validate import as_array, check_finite, check_same_shape

__all__ = [
    "GradCheckReport",
    "directional_check",
    "gradient_check",
    "numerical_gradient",
    "relative_error",
    "sparse_check",
]

CostFn = Callable[[dict[str, np.ndarray]], float]

# Keys a backward pass may return besides parameter gradients (dA0, dZ2, ...): ignored.
_ACTIVATION_GRAD = re.compile(r"d[AZ]\d+")
# Relative misfit below which two vectors count as equal up to the pattern being tested.
_PATTERN_TOL = 1e-4


def _scalar(value: object, what: str) -> float:
    """`value` as a finite Python float; `ValueError` unless it is one number."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "fiub":
        raise ValueError(f"{what} must return one number, got shape {arr.shape} ({arr.dtype})")
    number = float(arr.item())
    if not np.isfinite(number):
        raise ValueError(f"{what} returned {number}")
    return number


def _partial(f: Callable[[np.ndarray], float], x: np.ndarray, index: tuple, eps: float) -> float:
    """Central difference of `f` in entry `index` of `x`; `x[index]` is restored exactly."""
    old = x[index]
    try:
        x[index] = old + eps
        plus = _scalar(f(x), f"f with x{list(index)} moved by +eps")
        x[index] = old - eps
        minus = _scalar(f(x), f"f with x{list(index)} moved by -eps")
    finally:
        x[index] = old
    return (plus - minus) / (2 * eps)


def _check_target(x: object, eps: float) -> None:
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f" or not x.flags.writeable:
        raise ValueError(
            "x must be a writeable float numpy array (it is perturbed in place), "
            f"got {type(x).__name__}" + (f" of dtype {x.dtype}" if hasattr(x, "dtype") else "")
        )
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of the scalar function `f` at `x`.

    f: `f(x) -> float`, a scalar (a number or a size-1 array) that depends on `x`, or reads
    it through a closure; x: a float array of any shape, perturbed in place (so not a copy,
    not an int array); eps: the step, > 0. Entry by entry, `x[i]` is moved to `x[i] + eps`
    and `x[i] - eps` and `grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`; the error
    is O(eps^2). `x` is restored exactly after every entry, also when `f` raises.
    Returns the estimate of df/dx, float64, the same shape as `x`. Raises ValueError when
    `x` is not a writeable float array, or `f` does not return one finite number.
    """
    _check_target(x, eps)
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        grad[index] = _partial(f, x, index, eps)
    return grad


def relative_error(a: ArrayLike, b: ArrayLike) -> float:
    """`||a - b|| / (||a|| + ||b||)` (Euclidean norms over all entries), 0.0 when both are 0.

    a, b: arrays (or numbers) of the same shape. Returns the relative error, a float in
    [0, 1]: 1 only when one side is zero or a negative multiple of the other (for single
    numbers: opposite signs), 1/3 when one is twice the other. Gradients computed right
    agree with central differences (float64) to about 1e-7 or better. Raises ValueError
    when the shapes differ, or an entry is NaN or infinite.
    """
    x = as_array(a, "relative_error: a").astype(np.float64)
    y = as_array(b, "relative_error: b").astype(np.float64)
    check_same_shape(x, y, "relative_error: a", "relative_error: b")
    check_finite(x, "relative_error: a")
    check_finite(y, "relative_error: b")
    scale = max(float(np.max(np.abs(x), initial=0.0)), float(np.max(np.abs(y), initial=0.0)))
    if scale == 0.0:
        return 0.0
    x, y = x / scale, y / scale  # no overflow in the squares
    return float(np.linalg.norm(x - y) / (np.linalg.norm(x) + np.linalg.norm(y)))


@dataclass
class GradCheckReport:
    """What a gradient check found.

    passed: True when `max_relative_error < threshold`. max_relative_error: the largest
    relative error over the parameters (for `directional_check`: the relative error of the
    one directional derivative). per_parameter: parameter name (`"W1"`) -> relative error
    between the analytic and the numerical gradient of that parameter (over the checked
    entries); NaN for `directional_check`, which cannot tell parameters apart.
    worst_parameter: the name with the largest error (`""` for `directional_check`).
    worst_index: index inside the worst parameter of the entry with the largest absolute
    difference (`()` for `directional_check`). diagnosis: a plain-language guess at the
    mistake when the numbers show one (missing or extra 1/m, a constant factor, a sign
    flip, a transpose, a bias not summed over the examples, a zero gradient, NaN), else
    None. threshold: the threshold used. shapes: parameter name -> shape. method: which
    check made the report.
    """

    passed: bool
    max_relative_error: float
    per_parameter: dict[str, float]
    worst_parameter: str
    worst_index: tuple
    diagnosis: str | None
    threshold: float = 2e-7
    shapes: dict[str, tuple] = field(default_factory=dict)
    method: str = "gradient_check"

    @property
    def failing(self) -> list[str]:
        """The names of the parameters whose relative error is at or above the threshold.

        Empty for `directional_check`, which cannot tell the parameters apart.
        """
        return [name for name, err in self.per_parameter.items() if err >= self.threshold]

    def assert_passed(self, what: str, hint: str = "") -> None:
        """Raise `AssertionError` unless the check passed, naming the failing gradients.

        what: the function whose gradients were checked, e.g. "backward_fixed(params, X, Y)".
        hint: what to look at when it fails (shown after the report and its diagnosis).
        """
        if self.passed:
            return
        failing = ", ".join(f"d{name}" for name in self.failing) or "the gradient"
        message = f"the gradient check of {what} fails for {failing}:\n{self!r}"
        if hint:
            message += f"\nhint: {hint}"
        raise AssertionError(message)

    def _verdict(self) -> str:
        word = "passed" if self.passed else "FAILED"
        sign = "<" if self.passed else ">="
        return (
            f"{self.method}: {word} (max relative error {self.max_relative_error:.2e} "
            f"{sign} threshold {self.threshold:.0e})"
        )

    def _rows(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for name, err in self.per_parameter.items():
            shape = str(self.shapes.get(name, ""))
            if np.isnan(err):
                rows.append((name, shape, "-", "-"))
            else:
                rows.append((name, shape, f"{err:.2e}", "ok" if err < self.threshold else "FAIL"))
        return rows

    def _notes(self) -> list[str]:
        notes = []
        if self.worst_parameter and not self.passed:
            notes.append(f"worst: {self.worst_parameter}{list(self.worst_index)}")
        if self.diagnosis:
            notes.append(f"diagnosis: {self.diagnosis}")
        if self.method == "directional_check" and not self.passed:
            notes.append("run sparse_check or gradient_check to find the wrong parameter")
        return notes

    def __repr__(self) -> str:
        header = ("parameter", "shape", "relative error", "")
        rows = [header, *self._rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [self._verdict()]
        lines += [
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
        ]
        return "\n".join(lines + self._notes())

    def _repr_html_(self) -> str:
        esc = html.escape
        color = "#1a7f37" if self.passed else "#cf222e"
        cells = "".join(
            "<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in self._rows()
        )
        notes = "".join(f"<p>{esc(n)}</p>" for n in self._notes())
        return (
            f'<div><p style="color:{color}"><b>{esc(self._verdict())}</b></p>'
            "<table><thead><tr><th>parameter</th><th>shape</th><th>relative error</th>"
            f"<th></th></tr></thead><tbody>{cells}</tbody></table>{notes}</div>"
        )


def _shape_hint(name: str, want: tuple, got: tuple) -> str:
    if got == want[::-1]:
        return " (transposed?)"
    if len(got) == 1 and int(np.prod(want)) == got[0]:
        return " (a rank-1 array: use keepdims=True or reshape)"
    if name.startswith("b") and len(want) == 2 and want[1] == 1 and got[:1] == want[:1]:
        return " (sum the bias gradient over the examples: np.sum(dZ, axis=1, keepdims=True))"
    return ""


def _prepare(
    params: Mapping[str, ArrayLike], grads: Mapping[str, ArrayLike]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """float64 copies of `params` and the gradients keyed by parameter name, both checked."""
    if not isinstance(params, Mapping) or not params:
        raise ValueError("params must be a non-empty dict such as {'W1': ..., 'b1': ...}")
    if not isinstance(grads, Mapping):
        raise ValueError("grads must be a dict such as {'dW1': ..., 'db1': ...}")
    work = {}
    for name, value in params.items():
        arr = np.array(as_array(value, f"params['{name}']"), dtype=np.float64)
        check_finite(arr, f"params['{name}']")
        work[name] = arr
    keys: dict[str, str] = {}
    for key in grads:
        target = key if key in work else key[1:] if key[:1] == "d" and key[1:] in work else None
        if target is None:
            if _ACTIVATION_GRAD.fullmatch(key):
                continue
            expected = ", ".join(f"d{n}" for n in work)
            raise ValueError(f"grads has key '{key}', which matches no parameter ({expected})")
        if target in keys:
            raise ValueError(f"grads has both '{keys[target]}' and '{key}' for params['{target}']")
        keys[target] = key
    analytic = {}
    for name, arr in work.items():
        if name not in keys:
            raise ValueError(
                f"grads is missing 'd{name}', the gradient of params['{name}'] (shape {arr.shape})"
            )
        key = keys[name]
        grad = np.asarray(as_array(grads[key], f"grads['{key}']"), dtype=np.float64)
        if grad.shape != arr.shape:
            raise ValueError(
                f"grads['{key}']: expected shape {arr.shape} like params['{name}'], "
                f"got {grad.shape}{_shape_hint(name, arr.shape, grad.shape)}"
            )
        analytic[name] = grad
    return work, analytic


def _cost(cost_fn: CostFn, params: dict[str, np.ndarray]) -> float:
    return _scalar(cost_fn(params), "cost_fn")


def _numeric_entries(
    cost_fn: CostFn, work: dict[str, np.ndarray], name: str, flat: np.ndarray, eps: float
) -> np.ndarray:
    """Central differences of the cost in the entries `flat` (flat indices) of `work[name]`."""
    x = work[name]

    def f(_x: np.ndarray) -> float:  # x is perturbed in place inside `work`
        return cost_fn(work)

    try:
        return np.array([_partial(f, x, np.unravel_index(i, x.shape), eps) for i in flat])
    except ValueError as exc:
        raise ValueError(f"while perturbing params['{name}']: {exc}") from exc


def _ratio_words(c: float, m: int | None) -> str | None:
    """Name the constant factor `c` (analytic = c * numeric), or None for c == 1."""

    def near(value: float) -> bool:
        return abs(c - value) <= 1e-3 * abs(value)

    if near(1.0):
        return None
    if near(-1.0):
        return "has the wrong sign (analytic = -numerical): a sign flip"
    if m is not None and m > 1 and near(m):
        return f"is m = {m} times too large: a missing 1/m"
    if m is not None and m > 1 and near(1 / m):
        return f"is m = {m} times too small: an extra 1/m (divided by m twice?)"
    k = round(c)
    if m is None and k >= 2 and near(k):
        return f"is {k} times too large: a missing 1/m (if m = {k}) or a stray constant factor"
    k = round(1 / c)
    if m is None and k >= 2 and near(1 / k):
        return f"is {k} times too small: an extra 1/m (if m = {k}) or a stray constant factor"
    return f"is off by a constant factor {c:.4g} (analytic = {c:.4g} x numerical)"


def _constant(analytic: np.ndarray, numeric: np.ndarray) -> float | None:
    """c when `analytic` = c * `numeric` (1-D, aligned, finite), else None."""
    if not np.all(np.isfinite(analytic)) or not numeric @ numeric > 0:
        return None
    c = float(analytic @ numeric / (numeric @ numeric))
    misfit = np.linalg.norm(analytic - c * numeric)
    return c if misfit <= _PATTERN_TOL * np.linalg.norm(analytic) else None


def _reorderings(grad: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Rearrangements of a 2-D gradient that a transposing mistake produces."""
    if grad.ndim != 2 or 1 in grad.shape:
        return []
    if grad.shape[0] == grad.shape[1]:
        return [("is transposed (analytic.T = numerical): check the order of the product", grad.T)]
    return [
        (
            "has the right values in the wrong order: a reshape where a transpose belongs",
            grad.reshape(grad.shape[::-1]).T,
        )
    ]


def _diagnose(
    worst: str,
    analytic: dict[str, np.ndarray],
    checked: dict[str, np.ndarray],
    numeric: dict[str, np.ndarray],
    flat: dict[str, np.ndarray],
    failing: list[str],
    m: int | None,
    noise: float,
) -> str | None:
    """Guess the mistake in the gradient of `worst`, the parameter with the largest error.

    `checked[name]` holds the checked entries of `analytic[name]` (flat indices
    `flat[name]`), `numeric[name]` their central differences; `failing` names the
    parameters over the threshold; `noise` bounds the rounding error of one central
    difference.
    """
    grad, a, n = f"d{worst}", checked[worst], numeric[worst]
    if not np.all(np.isfinite(a)):
        first = tuple(int(i) for i in np.argwhere(~np.isfinite(analytic[worst]))[0])
        return (
            f"{grad} holds NaN or infinite values (first at {first}): an overflow "
            "(np.exp of a large z?), a 0/0 or a log(0)"
        )
    if np.max(np.abs(a - n)) <= noise:
        return (
            f"the differences in {grad} are within the rounding error of central "
            f"differences ({noise:.1e}): the gradient is probably right; check again "
            "with a larger eps, e.g. 1e-6"
        )
    if np.linalg.norm(a) <= 1e-12 * np.linalg.norm(n):
        return (
            f"{grad} is all zeros but the cost does change with {worst}: a zero gradient "
            "(never computed, or overwritten?)"
        )
    if not np.any(n):
        return f"the cost does not change with {worst}, yet {grad} is not zero"
    c = _constant(a, n)
    if c is not None and (words := _ratio_words(c, m)):
        same = [
            f"d{other}"
            for other in failing
            if other != worst
            and (c_other := _constant(checked[other], numeric[other])) is not None
            and abs(c_other - c) <= 1e-3 * abs(c)
        ]
        return f"{grad} {words}" + (f" (so are {', '.join(same)})" if same else "")
    for description, values in _reorderings(analytic[worst]):
        if relative_error(values.ravel()[flat[worst]], n) < _PATTERN_TOL:
            return f"{grad} {description}"
    if failing == [worst] and worst.startswith("b"):
        return (
            f"{grad} is wrong and nothing else is: is it summed over all m examples, "
            "np.sum(dZ, axis=1, keepdims=True) / m (not one example, not every axis)?"
        )
    return None


def _report(
    analytic: dict[str, np.ndarray],
    numeric: dict[str, np.ndarray],
    flat: dict[str, np.ndarray],
    threshold: float,
    m: int | None,
    noise: float,
    method: str,
) -> GradCheckReport:
    """Compare `analytic[name].ravel()[flat[name]]` with `numeric[name]` for every name."""
    checked = {name: grad.ravel()[flat[name]] for name, grad in analytic.items()}
    per_parameter, diffs = {}, {}
    for name, a in checked.items():
        if np.all(np.isfinite(a)):
            per_parameter[name] = relative_error(a, numeric[name])
            diffs[name] = np.abs(a - numeric[name])
        else:
            per_parameter[name], diffs[name] = float("inf"), ~np.isfinite(a)
    worst = max(per_parameter, key=per_parameter.__getitem__)
    worst_flat = int(flat[worst][np.argmax(diffs[worst])])
    worst_index = tuple(int(i) for i in np.unravel_index(worst_flat, analytic[worst].shape))
    passed = bool(per_parameter[worst] < threshold)
    failing = [name for name, err in per_parameter.items() if not err < threshold]
    diagnosis = None
    if not passed:
        diagnosis = _diagnose(worst, analytic, checked, numeric, flat, failing, m, noise)
    return GradCheckReport(
        passed=passed,
        max_relative_error=per_parameter[worst],
        per_parameter=per_parameter,
        worst_parameter=worst,
        worst_index=worst_index,
        diagnosis=diagnosis,
        threshold=threshold,
        shapes={name: grad.shape for name, grad in analytic.items()},
        method=method,
    )


def _noise(cost: float, eps: float) -> float:
    """A bound on the float64 rounding error of one central difference of the cost."""
    return 8 * np.finfo(np.float64).eps * abs(cost) / eps


def gradient_check(
    cost_fn: CostFn,
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    eps: float = 1e-7,
    threshold: float = 2e-7,
    *,
    m: int | None = None,
) -> GradCheckReport:
    """Check every entry of `grads` against central differences of `cost_fn`.

    cost_fn: `cost_fn(params) -> float`, the cost J for a parameter dict; called 2 times per
    parameter entry with float64 copies of `params`. params: `{"W1": (n1, n0), "b1": (n1, 1),
    ...}`, arrays of any shapes; grads: the analytic gradients, the same shapes, keyed
    `"dW1"`, `"db1"`, ... or `"W1"`, `"b1"`, ...; extra activation gradients (`"dA0"`,
    `"dZ1"`, ...) are ignored. eps: the central-difference step; the default, 1e-7, is the
    textbook value, with a float64 rounding error of about 1e-16 |J| / eps = 1e-9 |J| per
    entry, which can come near the threshold for networks with thousands of small gradient
    entries (the diagnosis then says so): use eps=1e-6 for those. threshold: the check
    passes when every parameter's relative error is below it. m: the number of examples,
    if known; lets the diagnosis tell a missing or extra `1/m` from another constant factor.
    Returns a `GradCheckReport`, which a notebook displays as a per-parameter table.
    Raises ValueError when a gradient is missing, extra or of the wrong shape (the message
    names the key and both shapes), or `cost_fn` does not return one finite number.
    """
    work, analytic = _prepare(params, grads)
    cost = _cost(cost_fn, work)
    flat = {name: np.arange(x.size) for name, x in work.items()}
    numeric = {name: _numeric_entries(cost_fn, work, name, flat[name], eps) for name in work}
    return _report(analytic, numeric, flat, threshold, m, _noise(cost, eps), "gradient_check")


def sparse_check(
    cost_fn: CostFn,
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    k: int = 10,
    seed: int = 0,
    eps: float = 1e-6,
    threshold: float = 2e-7,
    *,
    m: int | None = None,
) -> GradCheckReport:
    """Like `gradient_check`, on `k` random entries of every parameter (all if fewer).

    cost_fn, params (`{"W1": (n1, n0), "b1": (n1, 1), ...}`), grads (the same shapes),
    threshold and m: as in `gradient_check`, and so are the result and the errors, plus a
    ValueError when k < 1. The entries are drawn without replacement with
    `np.random.default_rng(seed)`; `per_parameter` holds the relative error over the drawn
    entries and `worst_index` is one of them. Costs `2 * k` evaluations of `cost_fn` per
    parameter at most. The default `eps` is larger (1e-6), since the networks that need this
    check have many small gradient entries, where the rounding error of `eps = 1e-7` (about
    1e-9 |J| per entry) comes close to the threshold.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    work, analytic = _prepare(params, grads)
    cost = _cost(cost_fn, work)
    rng = np.random.default_rng(seed)
    flat = {
        name: np.sort(rng.choice(x.size, size=min(k, x.size), replace=False))
        for name, x in work.items()
    }
    numeric = {name: _numeric_entries(cost_fn, work, name, flat[name], eps) for name in work}
    method = f"sparse_check (k={k})"
    return _report(analytic, numeric, flat, threshold, m, _noise(cost, eps), method)


def directional_check(
    cost_fn: CostFn,
    params: Mapping[str, ArrayLike],
    grads: Mapping[str, ArrayLike],
    seed: int = 0,
    eps: float = 1e-5,
    threshold: float = 2e-7,
) -> GradCheckReport:
    """Check the gradient along one random direction: two evaluations of `cost_fn`.

    All parameters, flattened into one vector theta, move along a random unit vector u:
    the numerical directional derivative `(J(theta + eps u) - J(theta - eps u)) / (2 eps)`
    is compared with the analytic one, `sum over parameters of (grad * u)`.

    u has random magnitudes (`np.random.default_rng(seed)`) and the signs of the analytic
    gradient (random signs where it is 0), so `grad . u` is never close to 0 by bad luck;
    any mistake still shows, since the error term depends on the random magnitudes.

    cost_fn, params (`{"W1": (n1, n0), "b1": (n1, 1), ...}`) and grads (the same shapes):
    as in `gradient_check`; seed: seed of the direction; eps: the step along u, whose
    default, 1e-5, balances float64 rounding (about 1e-16 |J| / eps) against the O(eps^2)
    truncation error of central differences; threshold: passes when the relative error of
    the directional derivative is below it. Returns a `GradCheckReport` whose `passed` and
    `max_relative_error` are meaningful. One direction cannot say which parameter is wrong:
    `per_parameter` maps every name to NaN, `worst_parameter` is `""`, `worst_index` is `()`
    and `diagnosis` is None; on a failure, locate the mistake with `sparse_check` or
    `gradient_check`. Raises ValueError as `gradient_check` does, and when eps is not
    positive.
    """
    work, analytic = _prepare(params, grads)
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    rng = np.random.default_rng(seed)
    direction = {}
    for name, grad in analytic.items():
        signs = np.sign(np.nan_to_num(grad))
        signs[signs == 0] = rng.choice([-1.0, 1.0], size=int((signs == 0).sum()))
        direction[name] = signs * rng.uniform(0.5, 1.5, size=grad.shape)
    norm = np.sqrt(sum(float(np.sum(u * u)) for u in direction.values()))
    direction = {name: u / norm for name, u in direction.items()}
    analytic_slope = float(sum(np.sum(analytic[n] * u) for n, u in direction.items()))

    def cost_at(step: float) -> float:
        moved = {name: x + step * direction[name] for name, x in work.items()}
        return _cost(cost_fn, moved)

    numeric_slope = (cost_at(eps) - cost_at(-eps)) / (2 * eps)
    if np.isfinite(analytic_slope):
        error = relative_error(analytic_slope, numeric_slope)
    else:
        error = float("inf")
    return GradCheckReport(
        passed=bool(error < threshold),
        max_relative_error=error,
        per_parameter={name: float("nan") for name in work},
        worst_parameter="",
        worst_index=(),
        diagnosis=None,
        threshold=threshold,
        shapes={name: x.shape for name, x in work.items()},
        method="directional_check",
    )
