"""A small lesson in a temporary course, and crafted submissions of it, for the grader's tests.

The lesson `00_grading` has a locked setup cell, three autograded exercises whose test
cells check with `numpy.testing`, `utils.checks` and plain `assert`s (each with hidden tests
carrying a marker string that must never reach feedback) and one written question.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder.authoring.release import release
from autograder.config import ROOT
from autograder.kernel.sandbox import sandbox_problem
from autograder.limits import Limits
from tests.support import nbbuild

LESSON = "00_grading"
HIDDEN_MARKERS = ("hidden-marker-scale", "hidden-marker-mean", "hidden-marker-double")
LIMITS = Limits(
    cell_timeout=4,
    notebook_timeout=90,
    memory_mb=1536,
    processes=48,
    disk_mb=16,
    output_kb=64,
    submission_mb=1,
    restarts=2,
)
MAX_SCORE = 5.0  # 2 + 1 + 1 autograded, 1 written

SETUP = "import numpy as np\nfrom utils import checks"
SCALE = '''def scale(x, k):
    """Return the array x times k, as floats."""
    ### BEGIN SOLUTION
    return np.asarray(x, dtype=float) * k
    ### END SOLUTION'''
SCALE_TESTS = """np.testing.assert_allclose(scale([1, 2], 3), [3.0, 6.0])
### BEGIN HIDDEN TESTS
np.testing.assert_allclose(scale([0.5, -1], 4), [2.0, -4.0])  # hidden-marker-scale
### END HIDDEN TESTS"""
MEAN = '''def mean_sq(v):
    """Mean of the squares of v."""
    ### BEGIN SOLUTION
    return float(np.mean(np.asarray(v) ** 2))
    ### END SOLUTION'''
MEAN_TESTS = """checks.assert_close(mean_sq(np.array([1.0, 3.0])), 5.0, name="mean_sq")
assert abs(mean_sq(np.array([1.0, 3.0])) - 5.0) < 1e-9
### BEGIN HIDDEN TESTS
checks.assert_close(mean_sq(np.array([2.0, 4.0])), 10.0, name="mean_sq")  # hidden-marker-mean
### END HIDDEN TESTS"""
DOUBLE = '''def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION'''
DOUBLE_TESTS = """assert double(2) == 4
### BEGIN HIDDEN TESTS
assert double(-3) == -6, "double(-3)"  # hidden-marker-double
### END HIDDEN TESTS"""

CORRECT = {
    "scale": "def scale(x, k):\n    return np.asarray(x, dtype=float) * k",
    "mean_sq": "def mean_sq(v):\n    return float(np.mean(np.asarray(v) ** 2))",
    "double": "def double(x):\n    return 2 * x",
}


def source_notebook() -> NotebookNode:
    """The instructor's notebook of the test lesson."""
    return nbbuild.notebook(
        new_markdown_cell("# A lesson for the grader's tests"),
        nbbuild.locked_code("setup", SETUP),
        nbbuild.answer("scale", SCALE),
        nbbuild.tests("test_scale", SCALE_TESTS, points=2),
        nbbuild.answer("mean_sq", MEAN),
        nbbuild.tests("test_mean_sq", MEAN_TESTS, points=1),
        nbbuild.answer("double", DOUBLE),
        nbbuild.tests("test_double", DOUBLE_TESTS, points=1),
        nbbuild.written("why", "Why does scaling commute with the mean of squares?", points=1),
    )


def make_course(root: Path) -> Path:
    """A course root holding the test lesson, released; returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    nbbuild.write(source_notebook(), root / "solutions" / LESSON / f"{LESSON}.ipynb")
    release(root=root)
    return root


def released(root: Path) -> NotebookNode:
    """The student version of the test lesson."""
    return nbformat.read(str(root / "lessons" / LESSON / f"{LESSON}.ipynb"), as_version=4)


def submission(
    root: Path, answers: dict[str, str] | None = None, extra: dict[str, str] | None = None
) -> NotebookNode:
    """The released notebook with answer cells replaced (`CORRECT` by default) and, for each
    grade id in `extra`, a code cell the student added right after that cell."""
    nb = copy.deepcopy(released(root))
    chosen = dict(CORRECT, **(answers or {}))
    cells = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in chosen:
            cell.source = chosen[grade_id]
        cells.append(cell)
        if extra and grade_id in extra:
            cells.append(new_code_cell(extra[grade_id]))
    nb.cells = cells
    return nb


def write_submission(folder: Path, student: str, nb: NotebookNode | str | bytes) -> Path:
    """Write `nb` (a notebook, or raw text/bytes) as `folder/<student>/00_grading.ipynb`."""
    path = folder / student / f"{LESSON}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, bytes):
        path.write_bytes(nb)
    elif isinstance(nb, str):
        path.write_text(nb, encoding="utf-8")
    else:
        nbformat.write(nb, str(path))
    return path


def result_of(course_dir: Path, key: str) -> dict:
    """A student's stored result."""
    return json.loads((course_dir / "results" / LESSON / f"{key}.json").read_text())


def require_sandbox() -> None:
    """Fail (never skip) when bubblewrap cannot run here, saying how to install it."""
    problem = sandbox_problem()
    if problem:
        pytest.fail(
            f"the grading sandbox cannot run: {problem} "
            "(on Debian/Ubuntu: apt-get install bubblewrap)"
        )


def executed_text(course_dir: Path, student: str) -> str:
    """All outputs of a student's autograded notebook, as one string."""
    nb = nbformat.read(
        str(course_dir / "autograded" / student / LESSON / f"{LESSON}.ipynb"), as_version=4
    )
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            texts.append(str(output.get("text", "")))
            texts.append(str(output.get("evalue", "")))
            texts += [str(v) for v in output.get("data", {}).values()]
    return "\n".join(texts)
