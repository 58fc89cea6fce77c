"""Broadcasting, rule by rule (lesson 03).

The decision for two shapes, a picture of how the operands stretch, and the explorer that
shows both.

    from utils import broadcasting

    print(broadcasting.explain((3, 4), (4,)))     # the rules applied axis by axis
    broadcasting.draw_broadcast((3, 1), (1, 4))    # a figure: both operands stretched to (3, 4)
    broadcasting.explorer()                        # pick two shapes, see the result or the error

The rules (numpy's, in the order the lesson teaches them):

1. Pad the shorter shape with 1s on the LEFT until both shapes have the same length.
2. On each axis the result takes the common length (the larger one when one of them is 1).
3. Each input's length on an axis must equal the result's or be 1; otherwise numpy raises
   `ValueError: operands could not be broadcast together ...`.
4. An input whose length on an axis is 1 is reused (read again, not copied) all along it.

A length of 0 follows the same rules: 0 against 1 gives 0, 0 against 3 is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure

from utils.widgets import Explorer, dropdown
from utils.widgets import explorer as _explorer

__all__ = [
    "SHAPES",
    "Explanation",
    "broadcast_shape",
    "draw_broadcast",
    "explain",
    "explorer",
    "fmt",
]

ShapeLike = int | Sequence[int]
"""A shape: a tuple (or other sequence) of non-negative ints; an int is a 1-axis shape."""

#: The shapes the explorer offers, from a scalar to three axes.
SHAPES: tuple[tuple[int, ...], ...] = (
    (),
    (1,),
    (3,),
    (4,),
    (5,),
    (1, 1),
    (1, 4),
    (3, 1),
    (4, 1),
    (5, 1),
    (1, 5),
    (3, 4),
    (4, 3),
    (2, 3),
    (2, 1, 4),
    (2, 3, 4),
)

_COLOURS = {"A": "tab:blue", "B": "tab:orange", "result": "tab:green"}
_MAX_LABELLED = 8  # cells per side up to which the picture writes the values


def _shape(shape, name: str) -> tuple[int, ...]:
    """`shape` as a tuple of non-negative ints (an int is a 1-axis shape)."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(
            f"{name}: expected a shape such as (3, 4), got {type(shape).__name__}"
        ) from None
    for d in dims:
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, (int, np.integer)) or d < 0:
            raise ValueError(f"{name}: expected non-negative integer lengths, got {dims!r}")
    return tuple(int(d) for d in dims)


def fmt(shape: Sequence[int]) -> str:
    """A shape as Python prints a tuple: `()`, `(4,)`, `(3, 4)`."""
    return str(tuple(shape))


@dataclass
class Explanation:
    """How the rules decide the broadcast of two shapes.

    `padded_a`, `padded_b`: the shapes after rule 1; `axes`: one line per axis saying what
    rules 2-4 decide there; `result`: the result shape, or None when broadcasting fails;
    `failing_axis`: the first axis where it fails (None when it works); `error`: numpy's
    message in that case.
    """

    shape_a: tuple[int, ...]
    shape_b: tuple[int, ...]
    padded_a: tuple[int, ...]
    padded_b: tuple[int, ...]
    axes: list[str] = field(default_factory=list)
    result: tuple[int, ...] | None = None
    failing_axis: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the two shapes broadcast (`result` is not None)."""
        return self.result is not None

    def __str__(self) -> str:
        lines = [f"A has shape {fmt(self.shape_a)}, B has shape {fmt(self.shape_b)}"]
        if self.shape_a == self.padded_a and self.shape_b == self.padded_b:
            lines.append("rule 1: both have the same number of axes, nothing to pad")
        else:
            lines.append(
                f"rule 1: pad on the left with 1s -> A {fmt(self.padded_a)}, B {fmt(self.padded_b)}"
            )
        lines.extend(self.axes)
        if self.result is not None:
            lines.append(f"result shape: {fmt(self.result)}")
        else:
            lines.append(f"ValueError: {self.error}")
        return "\n".join(lines)


def explain(shape_a: ShapeLike, shape_b: ShapeLike) -> Explanation:
    """Apply the broadcasting rules to two shapes and say, axis by axis, what decides.

    shape_a, shape_b: tuples of non-negative ints (an int means a 1-axis shape).
    Returns an `Explanation`; `str()` of it is the rule-by-rule account.
    """
    a, b = _shape(shape_a, "shape_a"), _shape(shape_b, "shape_b")
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + a
    pb = (1,) * (n - len(b)) + b
    out = Explanation(shape_a=a, shape_b=b, padded_a=pa, padded_b=pb)
    result = []
    for axis, (da, db) in enumerate(zip(pa, pb, strict=True)):
        head = f"axis {axis}: {da} vs {db} -> "
        if da == db:
            result.append(da)
            out.axes.append(head + f"{da}  (equal lengths: rule 2)")
        elif db == 1:
            result.append(da)
            out.axes.append(head + f"{da}  (B has length 1: reused {da} times, rule 4)")
        elif da == 1:
            result.append(db)
            out.axes.append(head + f"{db}  (A has length 1: reused {db} times, rule 4)")
        else:
            out.axes.append(head + "error  (different lengths and neither is 1: rule 3)")
            if out.failing_axis is None:
                out.failing_axis = axis
    if out.failing_axis is None:
        out.result = tuple(result)
    else:
        out.error = (
            "operands could not be broadcast together with shapes "
            f"{fmt(a).replace(' ', '')} {fmt(b).replace(' ', '')}"
        )
    return out


def broadcast_shape(shape_a: ShapeLike, shape_b: ShapeLike) -> tuple[int, ...]:
    """The shape of `A op B` for arrays of shapes `shape_a` and `shape_b` (reference).

    Raises `ValueError` (with numpy's message) when they do not broadcast.
    """
    e = explain(shape_a, shape_b)
    if e.result is None:
        raise ValueError(e.error)
    return e.result


# ------------------------------------------------------------------------------ picture


def _as_2d(shape: tuple[int, ...]) -> tuple[int, int]:
    """A shape of at most two axes padded on the left to two (rule 1, for the picture)."""
    padded = (1,) * (2 - len(shape)) + shape
    return padded[0], padded[1]


def _grid(ax, own: tuple[int, int], full: tuple[int, int], values, colour, title) -> None:
    """Draw a `full` grid; the `own` part (the array itself) solid, stretched copies faded."""
    rows, cols = full
    labelled = rows <= _MAX_LABELLED and cols <= _MAX_LABELLED
    for i in range(rows):
        for j in range(cols):
            mine = i < own[0] and j < own[1]
            ax.add_patch(
                _rect(j, rows - 1 - i, colour, alpha=0.85 if mine else 0.22, hatch=not mine)
            )
            if labelled and values is not None:
                v = values[i % values.shape[0], j % values.shape[1]]
                ax.text(
                    j + 0.5,
                    rows - 0.5 - i,
                    f"{v:g}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if mine else "0.25",
                    fontstyle="normal" if mine else "italic",
                )
    ax.set_xlim(-0.1, max(cols, 1) + 0.1)
    ax.set_ylim(-0.1, max(rows, 1) + 0.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=10)


def _rect(x, y, colour, alpha, hatch):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, y),
        1,
        1,
        facecolor=colour,
        alpha=alpha,
        edgecolor="black",
        linewidth=0.8,
        hatch="//" if hatch else None,
    )


def draw_broadcast(shape_a: ShapeLike, shape_b: ShapeLike, fig: Figure | None = None) -> Figure:
    """Picture `A + B` for arrays of the two shapes: each operand stretched to the result.

    Solid cells are the array itself; faded, hatched cells are where rule 4 reuses its
    values. A holds 1, 2, 3, ... and B holds 10, 20, 30, ... so the result's cells show
    which values met. When broadcasting fails, the operands are drawn as they are and the
    third panel names the axis that fails. Shapes with more than two axes are described in
    words only. Returns the Figure (a new one unless `fig` is given; never shown).
    """
    e = explain(shape_a, shape_b)
    if fig is None:
        fig = Figure(figsize=(9.0, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    if max(len(e.shape_a), len(e.shape_b)) > 2:
        for ax in axes:
            ax.set_axis_off()
        axes[1].text(
            0.5,
            0.5,
            f"A {fmt(e.shape_a)}  op  B {fmt(e.shape_b)}\n\n"
            + (
                f"result {fmt(e.result)}"
                if e.result is not None
                else f"error on axis {e.failing_axis}"
            )
            + "\n\n(pictures are drawn for at most two axes;\nthe rules work the same)",
            ha="center",
            va="center",
            fontsize=11,
        )
        return fig
    a2, b2 = _as_2d(e.shape_a), _as_2d(e.shape_b)
    A = np.arange(1, a2[0] * a2[1] + 1, dtype=float).reshape(a2)
    B = 10.0 * np.arange(1, b2[0] * b2[1] + 1, dtype=float).reshape(b2)
    if e.result is not None:
        full = _as_2d(e.result)
        _grid(axes[0], a2, full, A, _COLOURS["A"], f"A {fmt(e.shape_a)} stretched")
        _grid(axes[1], b2, full, B, _COLOURS["B"], f"B {fmt(e.shape_b)} stretched")
        R = A + B if 0 not in full else None
        _grid(axes[2], full, full, R, _COLOURS["result"], f"A + B {fmt(e.result)}")
    else:
        assert e.failing_axis is not None  # explain() sets it whenever result is None
        _grid(axes[0], a2, a2, A, _COLOURS["A"], f"A {fmt(e.shape_a)}")
        _grid(axes[1], b2, b2, B, _COLOURS["B"], f"B {fmt(e.shape_b)}")
        axes[2].set_axis_off()
        pa, pb = _as_2d(e.padded_a), _as_2d(e.padded_b)
        axis = e.failing_axis + (2 - len(e.padded_a))
        axes[2].text(
            0.5,
            0.5,
            f"ValueError\n\naxis {e.failing_axis}: {pa[axis]} vs {pb[axis]}\n"
            "different, and neither is 1\n(rule 3)",
            ha="center",
            va="center",
            fontsize=11,
            color="tab:red",
        )
    return fig


# ----------------------------------------------------------------------------- explorer


def explorer(
    shape_a: ShapeLike = (3, 4), shape_b: ShapeLike = (4,), shapes: Sequence[ShapeLike] = SHAPES
) -> Explorer:
    """Pick two shapes; see the rules applied axis by axis, and the stretched operands.

    `shapes` are the choices offered in both drop-downs (tuples of ints); `shape_a` and
    `shape_b` the starting ones (added to the choices if missing).
    """
    choices = [_shape(s, "shapes") for s in shapes]
    for start in (shape_a, shape_b):
        if _shape(start, "start shape") not in choices:
            choices.append(_shape(start, "start shape"))
    options = [(fmt(s), s) for s in choices]

    def draw(fig, shape_a, shape_b):
        print(explain(shape_a, shape_b))
        draw_broadcast(shape_a, shape_b, fig=fig)

    return _explorer(
        draw,
        title="Broadcasting explorer: A op B",
        figsize=(9.0, 3.2),
        shape_a=dropdown("shape of A", options, _shape(shape_a, "shape_a")),
        shape_b=dropdown("shape of B", options, _shape(shape_b, "shape_b")),
    )
