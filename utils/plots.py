"""Figures shared by the lessons.

Decision boundaries, the lines of a layer's units, cost curves, activation functions,
per-layer activation histograms and a grid of digit images.

Every function draws into the Axes (or Figure) it is given, or into a new one when none is
given, and returns what it drew on; none calls `plt.show()`. They work under the Agg
backend and inside `utils.widgets.explorer`, which hands its draw function a Figure:

    def draw(fig, learning_rate):
        plot_costs(train_costs(learning_rate), ax=fig.subplots())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from utils._validate import as_array, check_shape

__all__ = [
    "plot_activation",
    "plot_activation_histograms",
    "plot_costs",
    "plot_decision_boundary",
    "plot_digits",
    "plot_unit_lines",
]

CMAP = "Spectral"


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """Return `ax`, or the Axes of a new pyplot figure when `ax` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_decision_boundary(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    X: ArrayLike,
    Y: ArrayLike,
    ax: Axes | None = None,
    title: str | None = None,
    resolution: int = 200,
) -> Axes:
    """Colour the plane by the class `predict_fn` gives it and scatter the examples on top.

    `predict_fn` takes points of shape `(2, k)` and returns class labels of shape `(1, k)`
    (or `(k,)`): 0/1 or 0..K-1. Probabilities in [0, 1] also work; they are shown
    thresholded at 0.5. `X` has shape `(2, m)`, `Y` shape `(1, m)` (class labels).
    The grid spans the data plus a margin, `resolution` points per side.

    Returns the Axes drawn on: one filled contour set and one scatter collection.
    """
    X = as_array(X, "X")
    m = check_shape(X, (2, "m"), "X")["m"]
    Y = as_array(Y, "Y")
    check_shape(Y, (1, m), "Y")
    if resolution < 2:
        raise ValueError(f"resolution: expected at least 2 grid points per side, got {resolution}")
    (x0, x1), (y0, y1) = _padded_range(X[0]), _padded_range(X[1])
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.vstack([xx.ravel(), yy.ravel()])
    Z = np.asarray(predict_fn(grid), dtype=np.float64)
    if Z.size != grid.shape[1]:
        raise ValueError(
            f"predict_fn: expected {grid.shape[1]} predictions for points of shape "
            f"{grid.shape}, got shape {Z.shape}"
        )
    Z = Z.reshape(xx.shape)
    top = max(np.max(Z, where=np.isfinite(Z), initial=1.0), Y.max(initial=1.0))
    n_classes = int(round(top)) + 1
    levels = np.arange(n_classes + 1) - 0.5  # one band per class; fixed levels never warn
    ax = _axes(ax)
    ax.contourf(xx, yy, Z, levels=levels, cmap=CMAP, alpha=0.35, vmin=0, vmax=n_classes - 1)
    ax.scatter(
        X[0],
        X[1],
        c=Y[0],
        cmap=CMAP,
        vmin=0,
        vmax=n_classes - 1,
        s=18,
        edgecolors="k",
        linewidths=0.4,
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_unit_lines(
    W: ArrayLike,
    b: ArrayLike,
    ax: Axes | None = None,
    colors: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    arrows: bool = True,
) -> Axes:
    """Draw the line w_i · x + b_i = 0 of every unit i of a layer with two inputs.

    `W` has shape `(n, 2)` (row i holds unit i's weights w_i) and `b` shape `(n, 1)`, as `W1`
    and `b1` of a network on 2-D data. Each line is where the unit's weighted sum z_i is 0: on
    one side z_i > 0, on the other z_i < 0. With `arrows`, a short arrow from the point of the
    line nearest the middle of the view points along w_i, to the side where z_i > 0.

    Lines span the whole Axes and leave its limits as they are, so draw them after the data
    (for example after `plot_decision_boundary`). A unit whose weights are both 0 has no line
    and is skipped. `colors` default to matplotlib's cycle `C0`, `C1`, ...; `labels` to
    "unit 1", "unit 2", ... (shown in a legend).

    Returns the Axes drawn on: one line per unit with non-zero weights (and its arrow).
    """
    W = as_array(W, "W")
    n = check_shape(W, ("n", 2), "W")["n"]
    b = as_array(b, "b")
    check_shape(b, (n, 1), "b")
    colors = [f"C{i}" for i in range(n)] if colors is None else list(colors)
    labels = [f"unit {i + 1}" for i in range(n)] if labels is None else list(labels)
    for what, given in (("colors", colors), ("labels", labels)):
        if len(given) != n:
            raise ValueError(f"{what}: expected {n}, one per unit, got {len(given)}")
    ax = _axes(ax)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    span = max(x1 - x0, y1 - y0)
    for w, bias, color, label in zip(W, b[:, 0], colors, labels, strict=True):
        norm2 = float(w @ w)
        if norm2 == 0.0:
            continue
        foot = centre - (float(w @ centre) + bias) / norm2 * w  # nearest point of the line
        ax.axline(
            tuple(foot),
            tuple(foot + np.array([-w[1], w[0]])),
            color=color,
            linewidth=2,
            label=label,
        )
        if arrows:
            tip = foot + 0.12 * span * w / np.sqrt(norm2)
            ax.annotate(
                "",
                xy=tuple(tip),
                xytext=tuple(foot),
                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 2},
            )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if any(np.any(W != 0, axis=1)):
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    return ax


def _padded_range(values: np.ndarray, pad: float = 0.1) -> tuple[float, float]:
    """The range of `values` widened by `pad` of its width on each side (at least 0.5)."""
    lo, hi = float(values.min()), float(values.max())
    margin = max(pad * (hi - lo), 0.5)
    return lo - margin, hi + margin


def plot_costs(
    costs: ArrayLike | Sequence[ArrayLike] | Mapping[str, ArrayLike],
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
    log: bool = False,
    every: int = 1,
) -> Axes:
    """Plot one or several cost curves against the iteration number.

    `costs` is one curve (a sequence of floats, shape `(k,)`), a list of curves, or a dict
    mapping a label to a curve. `every`: the curves were recorded every `every` iterations,
    so point `i` is drawn at iteration `i * every`. `labels` names the curves of a list (a
    dict's keys are used otherwise); a legend is drawn when the curves have names. `log`
    puts the cost axis on a log scale. NaN and inf (a diverging run) leave gaps.

    Returns the Axes drawn on, with one line per curve.
    """
    if every < 1:
        raise ValueError(f"every: expected a positive number of iterations, got {every}")
    names, curves = _curves(costs, labels)
    ax = _axes(ax)
    for name, curve in zip(names, curves, strict=True):
        ax.plot(np.arange(curve.size) * every, curve, label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost $J$")
    if log:
        ax.set_yscale("log")
    if any(name is not None for name in names):
        ax.legend()
    return ax


def _curves(costs, labels: Sequence[str] | None) -> tuple[list[str | None], list[np.ndarray]]:
    """Normalise the accepted `costs` forms to a list of names and a list of 1-D float arrays."""
    names: list[str | None]
    if isinstance(costs, Mapping):
        if labels is not None:
            raise ValueError("labels: a dict of costs is labelled by its keys; pass labels=None")
        names, raw = [str(k) for k in costs], list(costs.values())
    else:
        raw = list(costs)
        if raw and all(np.ndim(c) == 0 for c in raw):
            raw = [raw]
        names = list(labels) if labels is not None else [None] * len(raw)
    if len(names) != len(raw):
        raise ValueError(f"labels: expected {len(raw)} labels, one per curve, got {len(names)}")
    curves: list[np.ndarray] = [np.asarray(c, dtype=np.float64).ravel() for c in raw]
    if not curves:
        raise ValueError("costs: expected at least one curve, got none")
    return names, curves


def plot_activation(
    fn: Callable[[np.ndarray], np.ndarray],
    grad_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    z: ArrayLike | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Plot an activation function `g(z)` and, when `grad_fn` is given, its derivative `g'(z)`.

    `fn` and `grad_fn` are applied elementwise to `z` passed as one row of shape `(1, k)`;
    `z` defaults to 401 points on [-5, 5]. The curves are named after `fn.__name__`
    (`g` for a lambda); the title defaults to that name.

    Returns the Axes drawn on: one line for `g`, one dashed line for `g'`, and the two axes
    through the origin as thin grey lines.
    """
    z = np.linspace(-5.0, 5.0, 401) if z is None else as_array(z, "z").ravel()
    name = getattr(fn, "__name__", "<lambda>").strip("_")
    name = "g" if name in {"<lambda>", ""} else name
    row = z[None, :]
    ax = _axes(ax)
    ax.axhline(0.0, color="0.6", linewidth=0.8)
    ax.axvline(0.0, color="0.6", linewidth=0.8)
    ax.plot(z, np.asarray(fn(row), dtype=np.float64).ravel(), label=f"{name}(z)")
    if grad_fn is not None:
        ax.plot(z, np.asarray(grad_fn(row), dtype=np.float64).ravel(), "--", label=f"{name}'(z)")
    ax.set_xlabel("$z$")
    ax.legend()
    ax.set_title(name if title is None else title)
    return ax


def plot_activation_histograms(
    activations: Sequence,
    axes: Sequence[Axes] | None = None,
    bins: int = 50,
    titles: Sequence[str] | None = None,
) -> list[Axes]:
    """One histogram per layer of the activation values, with their mean and standard deviation.

    `activations` is a list of arrays, one per layer, each of shape `(n[l], m)`: all their
    values are pooled into one histogram. `axes` gives at least one Axes per layer (for
    example `fig.subplots(1, L)`); by default a new figure with one row of Axes is made.
    `titles` defaults to "layer 1", "layer 2", ... Non-finite values (an overflow) are left
    out and counted in the title.

    Returns the list of Axes drawn on, one per layer, each holding its histogram bars.
    """
    arrays = [as_array(a, f"activations[{i}]") for i, a in enumerate(activations)]
    if not arrays:
        raise ValueError("activations: expected at least one layer, got none")
    for i, a in enumerate(arrays):
        check_shape(a, (None, None), f"activations[{i}]")
    if titles is None:
        titles = [f"layer {i + 1}" for i in range(len(arrays))]
    if len(titles) != len(arrays):
        raise ValueError(f"titles: expected {len(arrays)} titles, got {len(titles)}")
    if axes is None:
        _, grid = plt.subplots(
            1, len(arrays), figsize=(2.6 * len(arrays) + 0.6, 2.8), layout="constrained"
        )
        axes = grid
    axes = list(np.asarray(axes).ravel())  # = np.ravel(axes), whose stub takes only numbers
    if len(axes) < len(arrays):
        raise ValueError(
            f"axes: expected at least {len(arrays)} Axes, one per layer, got {len(axes)}"
        )
    for ax, a, title in zip(axes, arrays, titles, strict=False):
        _histogram(ax, a, bins, title)
    return axes[: len(arrays)]


def _histogram(ax: Axes, a: np.ndarray, bins: int, title: str) -> None:
    """Draw the histogram of the finite values of `a` on `ax`, with mean and std in the title."""
    values = a.ravel()
    finite = values[np.isfinite(values)]
    if finite.size:
        ax.hist(finite, bins=bins, color="tab:blue")
        title += f"\nmean {finite.mean():.3g}, std {finite.std():.3g}"
    if finite.size < values.size:
        title += f"\n{values.size - finite.size} non-finite left out"
    ax.set_title(title, fontsize="small")
    ax.set_yticks([])


def plot_digits(
    X: ArrayLike,
    y: ArrayLike,
    predictions: ArrayLike | None = None,
    n: int = 16,
    ncols: int = 8,
    fig: Figure | None = None,
) -> Figure:
    """Show the first `n` digit images in a grid, titled with their label (and prediction).

    `X` has shape `(64, m)`: one 8x8 image per column, row by row, as `load_digits` gives;
    `y` has shape `(1, m)` (labels); `predictions`, when given, shape `(1, m)`: each title
    then reads "label → prediction", in red when they differ. To show mislabeled examples:

        wrong = np.flatnonzero(predictions != y)
        plot_digits(X[:, wrong], y[:, wrong], predictions[:, wrong])

    Returns the Figure drawn on (a new one unless `fig` is given); it has one image Axes per
    shown example, or a single Axes saying "no examples" when there are none.
    """
    X = as_array(X, "X")
    m = check_shape(X, (64, "m"), "X")["m"]
    y = np.asarray(y)
    check_shape(y, (1, m), "y")
    if predictions is not None:
        predictions = np.asarray(predictions)
        check_shape(predictions, (1, m), "predictions")
    if n < 1 or ncols < 1:
        raise ValueError(f"n and ncols: expected positive integers, got n={n}, ncols={ncols}")
    shown = min(n, m)
    ncols = max(min(ncols, shown), 1)
    nrows = max(-(-shown // ncols), 1)
    if fig is None:
        fig = plt.figure(figsize=(1.2 * ncols, 1.35 * nrows), layout="constrained")
    if shown == 0:
        ax = fig.subplots()
        ax.text(0.5, 0.5, "no examples", ha="center", va="center")
        ax.set_axis_off()
        return fig
    axes = np.ravel(fig.subplots(nrows, ncols, squeeze=False))
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i < shown:
            _digit(ax, X[:, i], y[0, i], None if predictions is None else predictions[0, i])
    return fig


def _digit(ax: Axes, pixels: np.ndarray, label, prediction) -> None:
    """Draw one 8x8 image on `ax`, titled with its label and, if given, the prediction."""
    ax.imshow(pixels.reshape(8, 8), cmap="gray_r", interpolation="nearest")
    if prediction is None:
        ax.set_title(_label_text(label), fontsize="small")
    else:
        wrong = prediction != label
        ax.set_title(
            f"{_label_text(label)} → {_label_text(prediction)}",
            fontsize="small",
            color="tab:red" if wrong else "black",
        )


def _label_text(value) -> str:
    """A label as text: `3` for 3 and for 3.0, other values as they print."""
    return str(int(value)) if float(value).is_integer() else str(value)
