"""Tests of `utils.broadcasting`: the rule-by-rule explanation agrees with numpy, the picture
draws without warnings, the explorer redraws when a shape changes."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from utils import broadcasting
from utils.broadcasting import SHAPES, broadcast_shape, draw_broadcast, explain, explorer

pytestmark = pytest.mark.filterwarnings("error")

shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


@pytest.fixture(autouse=True)
def agg_and_no_leaks():
    plt.switch_backend("Agg")
    yield
    plt.close("all")


def _numpy(a, b):
    """numpy's answer: the result shape, or its error message."""
    try:
        return (np.zeros(a, dtype=bool) | np.zeros(b, dtype=bool)).shape, None
    except ValueError as exc:
        return None, str(exc).strip()


@given(shapes, shapes)
def test_explain_agrees_with_numpy_on_any_pair_of_shapes(a, b):
    e = explain(a, b)
    want, error = _numpy(a, b)
    assert e.result == want
    assert e.ok == (error is None)
    if error is not None:
        assert e.error == error
        assert e.failing_axis is not None
        with pytest.raises(ValueError, match="could not be broadcast"):
            broadcast_shape(a, b)
    else:
        assert broadcast_shape(a, b) == want == np.broadcast_shapes(a, b)


@pytest.mark.parametrize(
    ("a", "b", "result", "words"),
    [
        ((3, 4), (4,), (3, 4), ["pad on the left", "B (1, 4)", "rule 4"]),
        ((5,), (5, 1), (5, 5), ["A (1, 5)", "reused 5 times"]),
        ((), (2, 3), (2, 3), ["A (1, 1)"]),
        ((3, 4), (3,), None, ["axis 1: 4 vs 3", "rule 3", "(3,4) (3,)"]),
        ((2, 3), (2, 3), (2, 3), ["nothing to pad", "equal lengths"]),
    ],
)
def test_explanation_names_the_rule_that_decides(a, b, result, words):
    e = explain(a, b)
    text = str(e)
    assert e.result == result
    for word in words:
        assert word in text, (word, text)


def test_failing_axis_is_the_first_that_fails_after_padding():
    assert explain((2, 3, 4), (5, 4)).failing_axis == 1
    assert explain((2, 3), (3, 2)).failing_axis == 0


@pytest.mark.parametrize("bad", [(2.5,), (-1, 3), "34", (True, 2), None])
def test_bad_shapes_are_rejected_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="shape_a"):
        explain(bad, (3,))


def test_an_int_is_a_one_axis_shape():
    assert broadcast_shape(4, (3, 1)) == (3, 4)


@pytest.mark.parametrize(
    ("a", "b", "axes"),
    [((3, 4), (4,), 3), ((5,), (5, 1), 3), ((3, 4), (3,), 3), ((2, 3, 4), (3, 1), 3), ((), (), 3)],
)
def test_draw_broadcast_draws_three_panels_without_warnings(a, b, axes):
    fig = draw_broadcast(a, b)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == axes
    fig.savefig(io.BytesIO(), format="png")


def test_draw_broadcast_labels_the_stretched_values():
    fig = draw_broadcast((3, 1), (1, 4))
    texts = [t.get_text() for t in fig.axes[2].texts]
    # A = [[1], [2], [3]], B = [[10, 20, 30, 40]]: the corner cells of A + B
    assert texts[0] == "11" and texts[-1] == "43"
    assert len(fig.axes[0].patches) == 12  # A stretched to (3, 4)


def test_draw_broadcast_uses_the_given_figure():
    fig = Figure()
    assert draw_broadcast((3, 4), (4,), fig=fig) is fig


def test_explorer_redraws_with_the_rules_for_the_chosen_shapes():
    box = explorer()
    assert box.values == {"shape_a": (3, 4), "shape_b": (4,)}
    first = box.output.outputs
    assert "result shape: (3, 4)" in first[0]["text"]
    assert "image/png" in first[-1]["data"]
    box.controls["shape_b"].value = (3,)
    text = box.output.outputs[0]["text"]
    assert "rule 3" in text and "could not be broadcast" in text
    assert "image/png" in box.output.outputs[-1]["data"]


def test_explorer_adds_missing_start_shapes_to_the_choices():
    box = explorer(shape_a=(6, 1), shape_b=(1, 7))
    labels = [label for label, _ in box.controls["shape_a"].options]
    assert "(6, 1)" in labels and "(1, 7)" in labels
    assert len(labels) == len(SHAPES) + 2


def test_fmt_prints_shapes_like_python():
    assert broadcasting.fmt(()) == "()"
    assert broadcasting.fmt((4,)) == "(4,)"
    assert broadcasting.fmt([3, 4]) == "(3, 4)"
