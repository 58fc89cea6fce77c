"""Build small nbgrader notebooks for tests: answer cells, locked test cells, manual cells."""

from __future__ import annotations

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _meta(grade_id: str, *, solution: bool, grade: bool, locked: bool, points: float = 0):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def answer(grade_id: str, source: str) -> NotebookNode:
    """An autograded answer cell (its source holds BEGIN/END SOLUTION markers)."""
    return new_code_cell(source, metadata=_meta(grade_id, solution=True, grade=False, locked=False))


def tests(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """A locked, graded test cell."""
    return new_code_cell(
        source, metadata=_meta(grade_id, solution=False, grade=True, locked=True, points=points)
    )


def written(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """A manually graded markdown answer cell."""
    return new_markdown_cell(
        source, metadata=_meta(grade_id, solution=True, grade=True, locked=False, points=points)
    )


def locked_code(grade_id: str, source: str) -> NotebookNode:
    """A read-only code cell (setup the student may not change)."""
    return new_code_cell(source, metadata=_meta(grade_id, solution=False, grade=False, locked=True))


def notebook(*cells: NotebookNode) -> NotebookNode:
    """A notebook with the python3 kernel and the given cells."""
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


DEMO_SOLUTION = '''def double(x):
    """Return 2 * x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION'''

DEMO_TESTS = """assert double(2) == 4
### BEGIN HIDDEN TESTS
assert double(-3) == -6  # hidden-check-marker
### END HIDDEN TESTS"""


def demo_notebook() -> NotebookNode:
    """One exercise (`double`) with a visible and a hidden test, and a written question."""
    return notebook(
        new_markdown_cell("# Demo lesson"),
        locked_code("setup", "import numpy as np"),
        answer("double", DEMO_SOLUTION),
        tests("test_double", DEMO_TESTS, points=2),
        written(
            "why",
            "Doubling is linear because ...",
            points=1,
        ),
    )


def write(nb: NotebookNode, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
