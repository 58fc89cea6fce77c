"""Tests of `utils.plots` (under Agg, warnings as errors) and `utils.widgets` (in process, and
in a small notebook executed headless with nbclient)."""

from __future__ import annotations

import base64

import ipywidgets
import matplotlib
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import AxLine
from matplotlib.text import Annotation
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.execution import execute_notebook
from utils.data import load_digits, load_planar
from utils.plots import (
    plot_activation,
    plot_activation_histograms,
    plot_costs,
    plot_decision_boundary,
    plot_digits,
    plot_unit_lines,
)
from utils.widgets import (
    Explorer,
    checkbox,
    dropdown,
    explorer,
    float_slider,
    int_slider,
    log_slider,
)

pytestmark = pytest.mark.filterwarnings("error")

PNG_MAGIC = b"\x89PNG"


@pytest.fixture(autouse=True)
def agg_and_no_leaks():
    """Run every test under Agg and close whatever pyplot figures it left."""
    plt.switch_backend("Agg")
    yield
    plt.close("all")


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _sigmoid_grad(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


# ----------------------------------------------------------------------------- decision boundary


def _quadrant_rule(P):
    """A fixed classifier: class 1 where x1 * x2 > 0. P (2, k) -> (1, k)."""
    return (P[0:1] * P[1:2] > 0).astype(np.int64)


def test_decision_boundary_draws_regions_and_points():
    X, Y = load_planar()
    ax = plot_decision_boundary(_quadrant_rule, X, Y, title="quadrants", resolution=50)
    assert isinstance(ax, Axes) and ax.get_title() == "quadrants"
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 1 and scatters[0].get_offsets().shape == (400, 2)
    assert len(ax.collections) == 2  # the filled contour set and the scatter
    x0, x1 = ax.get_xlim()
    assert x0 < X[0].min() and x1 > X[0].max()


def test_decision_boundary_on_given_axes_with_constant_or_probability_predictions():
    X, Y = load_planar(m=40)
    fig, (a, b, c) = plt.subplots(1, 3)
    assert plot_decision_boundary(lambda P: np.zeros((1, P.shape[1])), X, Y, ax=a) is a
    plot_decision_boundary(lambda P: _sigmoid(P[0]), X, Y, ax=b, resolution=20)  # (k,) works
    three = np.array([[0, 1, 2] * 13 + [0]])
    plot_decision_boundary(lambda P: (P[0:1] > 0) + (P[1:2] > 0), X, three, ax=c)
    assert all(len(ax.collections) == 2 for ax in (a, b, c))


@pytest.mark.parametrize(
    ("predict", "X", "Y", "match"),
    [
        (lambda P: P[0, :5], np.zeros((2, 4)), np.zeros((1, 4)), "predict_fn: expected"),
        (_quadrant_rule, np.zeros((3, 4)), np.zeros((1, 4)), r"X: expected shape \(2, m\)"),
        (_quadrant_rule, np.zeros((2, 4)), np.zeros(4), "rank-1"),
    ],
)
def test_decision_boundary_rejects_bad_shapes(predict, X, Y, match):
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(predict, X, Y, resolution=10)


# ----------------------------------------------------------------------------- unit lines


def _unit_lines(ax):
    return [line for line in ax.get_lines() if isinstance(line, AxLine)]


def test_unit_lines_lie_where_each_weighted_sum_is_zero_with_arrows_to_the_positive_side():
    W, b = np.array([[1.0, 0.0], [1.0, 1.0], [0.5, -2.0]]), np.array([[-0.5], [0.0], [1.0]])
    fig, ax = plt.subplots()
    ax.set_xlim(-2, 3)
    ax.set_ylim(-1, 2)
    assert plot_unit_lines(W, b, ax=ax) is ax
    assert ax.get_xlim() == (-2, 3) and ax.get_ylim() == (-1, 2), "the limits are kept"
    lines = _unit_lines(ax)
    assert [line.get_label() for line in lines] == ["unit 1", "unit 2", "unit 3"]
    assert [line.get_color() for line in lines] == ["C0", "C1", "C2"]
    for line, w, bias in zip(lines, W, b[:, 0], strict=True):
        for point in (line.get_xy1(), line.get_xy2()):
            assert w @ np.array(point) + bias == pytest.approx(0.0, abs=1e-12)
    arrows = [t for t in ax.texts if isinstance(t, Annotation)]
    assert len(arrows) == 3
    for arrow, w, bias in zip(arrows, W, b[:, 0], strict=True):
        tail, tip = np.array(arrow.xyann), np.array(arrow.xy)
        assert w @ tail + bias == pytest.approx(0.0, abs=1e-12)  # starts on the line
        assert w @ tip + bias > 0  # points to where z > 0
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["unit 1", "unit 2", "unit 3"]
    fig.canvas.draw()


def test_unit_lines_with_given_colors_and_labels_skip_a_unit_without_weights():
    fig, ax = plt.subplots()
    plot_unit_lines(
        [[0.0, 0.0], [2.0, -1.0]],
        [[1.0], [0.5]],
        ax=ax,
        colors=["k", "r"],
        labels=["dead", "alive"],
        arrows=False,
    )
    (line,) = _unit_lines(ax)
    assert line.get_label() == "alive" and line.get_color() == "r"
    assert not [t for t in ax.texts if isinstance(t, Annotation)]
    ax = plot_unit_lines(np.zeros((2, 2)), np.ones((2, 1)))  # a new figure, nothing to draw
    assert not _unit_lines(ax) and ax.get_legend() is None


@pytest.mark.parametrize(
    ("W", "b", "kwargs", "match"),
    [
        (np.ones((3, 3)), np.ones((3, 1)), {}, r"W: expected shape \(n, 2\)"),
        (np.ones((3, 2)), np.ones((2, 1)), {}, r"b: expected shape \(3, 1\)"),
        (np.ones((2, 2)), np.ones((2, 1)), {"labels": ["a"]}, "labels: expected 2"),
        (np.ones((2, 2)), np.ones((2, 1)), {"colors": ["k", "r", "b"]}, "colors: expected 2"),
    ],
)
def test_unit_lines_reject_bad_shapes(W, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_unit_lines(W, b, **kwargs)


# ----------------------------------------------------------------------------- cost curves


def test_plot_costs_single_curve():
    ax = plot_costs([0.7, 0.5, 0.4, 0.35], every=100)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 100, 200, 300])
    assert ax.get_legend() is None and ax.get_yscale() == "linear"


def test_plot_costs_several_curves_with_labels_and_log_scale():
    ax = plot_costs({"lr = 0.1": [1.0, 0.5], "lr = 1": [1.0, 0.1, 0.01]}, log=True)
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr = 0.1", "lr = 1"]
    ax = plot_costs([[3, 2, 1], np.array([2.0, 1.0])], labels=["a", "b"])
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]


def test_plot_costs_of_a_diverging_run_does_not_warn():
    ax = plot_costs([[1.0, 2.0, np.inf, np.nan], [1.0, 0.5, 0.2, 0.1]], log=True)
    assert len(ax.get_lines()) == 2
    ax.figure.canvas.draw()


@pytest.mark.parametrize(
    ("costs", "kwargs", "match"),
    [
        ([1.0, 0.5], {"labels": ["a", "b"]}, "expected 1 labels"),
        ({"a": [1.0]}, {"labels": ["a"]}, "labelled by its keys"),
        ([], {}, "at least one curve"),
        ([1.0], {"every": 0}, "every"),
    ],
)
def test_plot_costs_rejects_bad_input(costs, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_costs(costs, **kwargs)


# ----------------------------------------------------------------------------- activations


def test_plot_activation_with_and_without_derivative():
    ax = plot_activation(np.tanh)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "tanh(z)" in labels and ax.get_title() == "tanh"
    assert len(ax.get_lines()) == 3  # the two axes through the origin and tanh
    ax = plot_activation(_sigmoid, _sigmoid_grad, z=np.linspace(-8, 8, 50), title="σ")
    curves = [line for line in ax.get_lines() if line.get_label().startswith("sigmoid")]
    assert len(curves) == 2 and ax.get_title() == "σ"
    assert max(curves[1].get_ydata()) <= 0.25
    ax = plot_activation(lambda z: np.maximum(0.1 * z, z))
    assert "g(z)" in [line.get_label() for line in ax.get_lines()]


def test_activation_histograms_one_axes_per_layer():
    rng = np.random.default_rng(0)
    acts = [np.tanh(rng.normal(size=(5, 100)) * s) for s in (0.1, 1.0, 10.0)]
    axes = plot_activation_histograms(acts, bins=20)
    assert len(axes) == 3
    assert all(len(ax.patches) == 20 for ax in axes)
    assert axes[0].get_title().startswith("layer 1\nmean")


def test_activation_histograms_on_given_axes_and_odd_values():
    fig = Figure()
    axes = fig.subplots(2, 2)
    acts = [np.zeros((3, 10)), np.array([[1.0, np.inf, np.nan, 2.0]])]
    drawn = plot_activation_histograms(acts, axes=axes, titles=["zeros", "overflow"])
    assert drawn == list(axes.ravel()[:2])
    assert "2 non-finite left out" in drawn[1].get_title()
    fig.canvas.draw()
    with pytest.raises(ValueError, match="at least 3 Axes"):
        plot_activation_histograms([np.zeros((1, 2))] * 3, axes=[drawn[0]])
    with pytest.raises(ValueError, match="at least one layer"):
        plot_activation_histograms([])


# ----------------------------------------------------------------------------- digits


def test_plot_digits_grid_with_mistakes_marked():
    X, y = load_digits()
    predictions = y.copy()
    predictions[0, 1] = 7
    fig = plot_digits(X[:, :10], y[:, :10], predictions[:, :10], n=10, ncols=5)
    assert isinstance(fig, Figure)
    images = [ax for ax in fig.axes if any(isinstance(a, AxesImage) for a in ax.get_images())]
    assert len(images) == 10 and len(fig.axes) == 10
    wrong = fig.axes[1].title
    assert wrong.get_text() == f"{y[0, 1]} → 7"
    assert wrong.get_color() != fig.axes[0].title.get_color()


def test_plot_digits_without_predictions_and_without_examples():
    X, y = load_digits(digits=(3,))
    fig = plot_digits(X, y, n=4)
    assert [ax.get_title() for ax in fig.axes] == ["3"] * 4
    empty = plot_digits(np.zeros((64, 0)), np.zeros((1, 0), dtype=int))
    assert empty.axes[0].texts[0].get_text() == "no examples"
    with pytest.raises(ValueError, match=r"X: expected shape \(64, m\)"):
        plot_digits(np.zeros((8, 8)), np.zeros((1, 8)))


# ----------------------------------------------------------------------------- controls


def test_control_factories():
    lr = log_slider("learning rate", -4, 0, 0.01)
    assert isinstance(lr, ipywidgets.FloatLogSlider)
    assert lr.value == pytest.approx(0.01) and lr.min == -4 and lr.max == 0
    assert not lr.continuous_update
    h = int_slider("hidden units", 1, 20, 4)
    assert (h.value, h.min, h.max, h.continuous_update) == (4, 1, 20, False)
    s = float_slider("scale", 0.0, 2.0)
    assert s.value == 0.0 and s.step == pytest.approx(0.02) and not s.continuous_update
    d = dropdown("scheme", [("He", "he"), ("Xavier", "xavier")])
    assert d.value == "he"
    assert dropdown("act", ["relu", "tanh"], "tanh").value == "tanh"
    assert checkbox("derivative", True).value is True


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: log_slider("lr", -4, 0, 10.0), "outside"),
        (lambda: log_slider("lr", 0, -4, 0.1), "min_exp < max_exp"),
        (lambda: int_slider("n", 1, 5, 9), "outside"),
        (lambda: float_slider("x", 1.0, 1.0), "low < high"),
        (lambda: dropdown("d", []), "at least one option"),
    ],
)
def test_control_factories_reject_bad_ranges(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- explorer


def _png(output: dict) -> bytes:
    return base64.b64decode(output["data"]["image/png"])


def test_explorer_draws_once_then_on_every_change(capsys):
    calls = []

    def draw(fig, learning_rate, hidden, scheme):
        calls.append((learning_rate, hidden, scheme))
        print(f"hidden = {hidden}")
        ax = fig.subplots()
        ax.plot(np.arange(hidden), learning_rate * np.arange(hidden))
        ax.set_title(scheme)

    box = explorer(
        draw,
        title="Try it",
        learning_rate=log_slider("learning rate", -3, 0, 0.1),
        hidden=int_slider("hidden units", 1, 10, 4),
        scheme=dropdown("scheme", ["he", "xavier"]),
    )
    assert isinstance(box, Explorer) and isinstance(box, ipywidgets.VBox)
    assert "nn-explorer" in box._dom_classes
    assert "nn-explorer-output" in box.output._dom_classes
    assert calls == [(pytest.approx(0.1), 4, "he")]
    first = box.output.outputs
    assert [o["output_type"] for o in first] == ["stream", "display_data"]
    assert first[0] == {"output_type": "stream", "name": "stdout", "text": "hidden = 4\n"}
    assert _png(first[1]).startswith(PNG_MAGIC)
    assert capsys.readouterr().out == ""  # printing went into the explorer, not the cell

    box.controls["hidden"].value = 7
    assert len(calls) == 2 and calls[-1][1] == 7
    second = box.output.outputs
    assert second != first and _png(second[1]) != _png(first[1])
    box.controls["scheme"].value = "xavier"
    assert calls[-1] == (pytest.approx(0.1), 7, "xavier")
    assert box.values == {"learning_rate": pytest.approx(0.1), "hidden": 7, "scheme": "xavier"}
    assert plt.get_fignums() == []  # explorer figures never go through pyplot


def test_explorer_with_the_course_plots():
    X, Y = load_planar(m=60)

    def draw(fig, threshold, derivative):
        left, right = fig.subplots(1, 2)
        plot_decision_boundary(
            lambda P: (P[0:1] > threshold).astype(int), X, Y, ax=left, resolution=30
        )
        plot_activation(_sigmoid, _sigmoid_grad if derivative else None, ax=right)

    box = explorer(
        draw, threshold=float_slider("threshold", -2.0, 2.0, 0.0), derivative=checkbox("g'")
    )
    before = box.output.outputs
    box.controls["derivative"].value = True
    assert box.output.outputs != before
    assert box.output.outputs[-1]["data"]["text/plain"].endswith("with 2 Axes>")


def test_explorer_failure_raises_first_then_shows_inside():
    def draw(fig, n):
        if n > 2:
            raise ZeroDivisionError("n is too large")
        fig.subplots().plot(range(n))

    box = explorer(draw, n=int_slider("n", 0, 5, 1))
    box.controls["n"].value = 3
    (error,) = box.output.outputs
    assert error["output_type"] == "error" and error["ename"] == "ZeroDivisionError"
    box.controls["n"].value = 2
    assert box.output.outputs[-1]["output_type"] == "display_data"
    with pytest.raises(ZeroDivisionError):
        explorer(draw, n=int_slider("n", 0, 5, 4))


def test_explorer_rejects_controls_without_a_value():
    with pytest.raises(TypeError, match="control 'n' must be an ipywidgets control"):
        explorer(lambda fig, n: None, n=5)


def test_explorer_that_draws_nothing_shows_no_image():
    box = explorer(lambda fig, on: None, on=checkbox("on"))
    assert box.output.outputs == ()


# ----------------------------------------------------------------------------- headless notebook

NOTEBOOK_CELLS = [
    "import numpy as np\n"
    "from utils.data import load_planar\n"
    "from utils.plots import plot_costs, plot_decision_boundary\n"
    "from utils.widgets import explorer, int_slider, log_slider",
    "X, Y = load_planar(m=80)\n"
    "\n"
    "def draw(fig, learning_rate, steps):\n"
    "    left, right = fig.subplots(1, 2)\n"
    "    plot_costs([np.exp(-learning_rate * np.arange(steps))], ax=right, log=True)\n"
    "    plot_decision_boundary(lambda P: (P[0:1] > 0).astype(int), X, Y, ax=left,\n"
    "                           resolution=40)\n"
    "\n"
    "box = explorer(draw, learning_rate=log_slider('learning rate', -3, 0, 0.1),\n"
    "               steps=int_slider('steps', 10, 200, 50))\n"
    "box",
    "before = box.output.outputs\n"
    "box.controls['steps'].value = 120\n"
    "assert box.output.outputs != before\n"
    "print('redrawn', len(box.output.outputs))",
]


def test_notebook_with_an_explorer_executes_headless(tmp_path):
    nb = new_notebook(cells=[new_code_cell(source) for source in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    executed = execute_notebook(nb, cwd=tmp_path, timeout=60)
    outputs = [o for cell in executed.cells for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    view = executed.cells[1].outputs[-1]
    assert "application/vnd.jupyter.widget-view+json" in view.data
    assert executed.cells[2].outputs[0].text == "redrawn 1\n"
    # the figure lives in the saved widget state, so the notebook shows it when reopened
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    images = [
        o
        for model in state.values()
        if model["model_name"] == "OutputModel"
        for o in model["state"].get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert len(images) == 1
    nbformat.validate(executed)
    assert matplotlib.get_backend().lower() == "agg"
