"""Fast tests of the grader's parts that need no kernel: the static scan, the exact value
encoding and the re-check outside the kernel, the notebook restore, the hidden-test split,
submission discovery and atomic writes."""

from __future__ import annotations

import json
import math

import nbformat
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.batch.store import atomic_write
from autograder.batch.submissions import find_submissions
from autograder.integrity import runtime as kernel_runtime
from autograder.integrity.recheck import decode, recheck
from autograder.integrity.scan import bound_names, scan_cell, used_names
from autograder.job.prepare import BadSubmission, hidden_parts, parse_notebook, prepare
from autograder.markers import visible_source
from autograder.reasons import status_of

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.complex_numbers(allow_nan=False),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
    ),
    max_leaves=12,
)


def _same(a, b) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@given(VALUES)
def test_encoding_round_trips_exactly(value):
    assert _same(decode(json.loads(json.dumps(kernel_runtime.encode(value)))), value)


@given(
    hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
        shape=hnp.array_shapes(max_dims=3, max_side=4),
    )
)
def test_arrays_round_trip_exactly(array):
    back = decode(json.loads(json.dumps(kernel_runtime.encode(array))))
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array, equal_nan=array.dtype.kind == "f")


def test_recheck_catches_a_check_that_lied():
    honest = {
        "fn": "numpy.testing.assert_allclose",
        "kind": "assert",
        "outcome": "returned",
        "args": [kernel_runtime.encode(np.array([4.0])), kernel_runtime.encode([3.0])],
        "kwargs": {},
    }
    assert recheck(honest).status == "disagree"
    honest["args"][0] = kernel_runtime.encode(np.array([3.0]))
    assert recheck(honest).status == "agree"


def test_recheck_of_comparisons_and_predicates():
    compare = {
        "fn": "compare",
        "kind": "compare",
        "op": "==",
        "truth": True,
        "args": [kernel_runtime.encode((1, 3)), kernel_runtime.encode([1, 3])],
    }
    assert recheck(compare).status == "disagree"  # a tuple never equals a list
    predicate = {
        "fn": "numpy.allclose",
        "kind": "predicate",
        "outcome": "returned",
        "args": [kernel_runtime.encode(np.ones(3)), kernel_runtime.encode(np.ones(3))],
        "kwargs": {},
        "result": kernel_runtime.encode(True),
    }
    assert recheck(predicate).status == "agree"


def test_objects_of_notebook_classes_are_not_trusted():
    class Anything:
        def __eq__(self, other):
            return True

    Anything.__module__ = "__main__"
    record = {
        "fn": "compare",
        "kind": "compare",
        "op": "==",
        "truth": True,
        "args": [kernel_runtime.encode(Anything()), kernel_runtime.encode(4)],
    }
    verdict = recheck(record)
    assert verdict.status == "skipped" and "Anything" in verdict.note


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("np.testing.assert_allclose = None", "sets or deletes the attribute"),
        ("import builtins", "imports builtins"),
        ("get_ipython().events.register('pre_run_cell', f)", "get_ipython"),
        ("import os\nos._exit(0)", "imports os"),
        ("exec('x = 1')", "exec"),
        ("getattr(np, name)", "getattr with a name computed"),
        ("x.__class__.__eq__", "__class__"),
        ("class A:\n    def __eq__(self, o):\n        return True", "defines __eq__"),
        ("!ls", "shell command"),
        ("%load_ext foo", "magic %load_ext"),
        ("def abs(x):\n    return 0", "shadowing the builtin"),
    ],
)
def test_scan_flags(code, found):
    assert any(found in what for _, what in scan_cell(code)), scan_cell(code)


@pytest.mark.parametrize(
    "code",
    [
        "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
        "%matplotlib inline\nimport numpy as np",
        "class Net:\n    def __init__(self):\n        self.w = 0",
        "params['W1'] = W1 - lr * dW1",
        "x = getattr(np, 'float64')",
    ],
)
def test_scan_leaves_ordinary_answers_alone(code):
    assert scan_cell(code) == []


def test_names_bound_and_used():
    assert bound_names(
        "import numpy as np\nfrom utils import checks\nX, y = 1, 2\ndef f(): pass"
    ) == ["X", "checks", "f", "np", "y"]
    assert used_names("assert abs(f(x)) < 1") == ["abs", "f", "x"]


def test_hidden_split_and_visible_source():
    source = "a = 1\n### BEGIN HIDDEN TESTS\nassert a == 1\n### END HIDDEN TESTS\nb = 2"
    parts = hidden_parts(source)
    assert [(p.hidden, p.source) for p in parts] == [
        (False, "a = 1"),
        (True, "assert a == 1"),
        (False, "b = 2"),
    ]
    assert visible_source(source) == "a = 1\nb = 2"
    assert (
        hidden_parts("for i in x:\n### BEGIN HIDDEN TESTS\n    pass\n### END HIDDEN TESTS") is None
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[1, 2]", "not a notebook"),
        (b'{"nbformat": 4}', "not a valid notebook"),
        (b"[" * 100000, "JSON"),
        (b"\xc3\x28", "not UTF-8"),
    ],
)
def test_bad_files(data, message):
    with pytest.raises(BadSubmission, match=message):
        parse_notebook(data)


def _package():
    nb = nbformat.v4.new_notebook()
    meta = {
        "grade": True,
        "grade_id": "t",
        "locked": True,
        "points": 1,
        "solution": False,
        "schema_version": 3,
        "task": False,
    }
    cells = [
        {
            "grade_id": "t",
            "cell_type": "code",
            "solution": False,
            "grade": True,
            "task": False,
            "locked": True,
            "points": 1.0,
            "checksum": "x",
            "metadata": {"nbgrader": meta},
            "release_source": "assert True",
            "source": "assert True\n### BEGIN HIDDEN TESTS\nassert 1\n### END HIDDEN TESTS",
        }
    ]
    return {"cells": cells, "notebook_metadata": dict(nb.metadata)}


def test_restore_puts_back_a_retyped_and_duplicated_test_cell():
    test = nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {"grade_id": "t"}})
    test.cell_type = "code"
    copy = nbformat.v4.new_markdown_cell("fake", metadata={"nbgrader": {"grade_id": "t"}})
    fake = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "made-up"}})
    nb = nbformat.v4.new_notebook(cells=[fake, test, copy])
    prepared = prepare(_package(), nb)
    roles = [(c.role, c.grade_id) for c in prepared.cells]
    assert roles == [("student", None), ("test", "t"), ("markdown", None)]
    assert "BEGIN HIDDEN" not in prepared.cells[1].parts[0].source
    assert [p.hidden for p in prepared.cells[1].parts] == [False, True]
    assert any("edited" in n for n in prepared.notes)
    assert any("second copy" in n for n in prepared.notes)
    assert any("unknown nbgrader id" in n for n in prepared.notes)


def test_status_from_reason_codes():
    assert status_of([]) == "graded"
    assert status_of(["timeout: x", "restored: y"]) == "graded"
    assert status_of(["scan: x"]) == "flagged"
    assert status_of(["scan: x", "notebook_timeout: y"]) == "failed"


def test_links_are_not_followed(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_text("{}")
    (tmp_path / "in" / "eve").mkdir(parents=True)
    (tmp_path / "in" / "eve" / "L.ipynb").symlink_to(secret)
    (tmp_path / "in" / "mallory").symlink_to(tmp_path)
    found = find_submissions(tmp_path / "in", "L", 2**20)
    problems = {s.student: s.problems for s in found.submissions}
    assert "link" in problems["eve"][0] and "link" in problems["mallory"][0]


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "a" / "b.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["b.json"]
