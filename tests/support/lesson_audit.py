"""Read a lesson notebook's structure: exercises, hidden tests, written questions, outputs.

Used by `test_lessons.py` so that a lesson cannot silently lose an exercise, a hidden test,
a figure or a widget, and by the benchmark that times the lessons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nbformat import NotebookNode

HIDDEN = "### BEGIN HIDDEN TESTS"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def nbgrader_meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer(cell: NotebookNode) -> bool:
    """An autograded answer cell: code the student writes."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade")


def is_test(cell: NotebookNode) -> bool:
    """A locked test cell worth points."""
    meta = nbgrader_meta(cell)
    return (
        cell.cell_type == "code"
        and meta.get("grade", False)
        and not meta.get("solution", False)
        and meta.get("points", 0) > 0
    )


def is_written(cell: NotebookNode) -> bool:
    """A manually graded written answer (markdown)."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "markdown" and meta.get("solution", False) and meta.get("grade")


@dataclass
class Exercise:
    """An answer cell and the test cells that follow it before the next answer cell."""

    answer_id: str
    test_ids: list[str] = field(default_factory=list)
    hidden_tests: int = 0
    points: float = 0.0
    test_sources: list[str] = field(default_factory=list)


@dataclass
class Structure:
    exercises: list[Exercise]
    written: list[str]
    total_points: float
    markdown: str

    @property
    def test_ids(self) -> list[str]:
        return [t for ex in self.exercises for t in ex.test_ids]


def structure(nb: NotebookNode) -> Structure:
    """The graded structure of a source (solution) notebook."""
    exercises: list[Exercise] = []
    written: list[str] = []
    total = 0.0
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_answer(cell):
            exercises.append(Exercise(answer_id=meta["grade_id"]))
        elif is_test(cell) and exercises:
            ex = exercises[-1]
            ex.test_ids.append(meta["grade_id"])
            ex.hidden_tests += cell.source.count(HIDDEN)
            ex.points += meta["points"]
            ex.test_sources.append(cell.source)
        if is_written(cell):
            written.append(meta["grade_id"])
        if meta.get("grade"):
            total += meta.get("points", 0)
    exercises = [ex for ex in exercises if ex.test_ids]
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return Structure(exercises=exercises, written=written, total_points=total, markdown=text)


@dataclass
class Outputs:
    """What an executed notebook showed."""

    figures: int
    widgets: int
    errors: list[str]
    stderr: list[str]


def outputs(nb: NotebookNode) -> Outputs:
    """Count figures (image/png) and widgets, and collect errors and stderr text."""
    figures = widgets = 0
    errors: list[str] = []
    stderr: list[str] = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            figures += "image/png" in data
            widgets += WIDGET_MIME in data
            if out.output_type == "error":
                errors.append(f"cell {index}: {out.ename}: {out.evalue}")
            if out.output_type == "stream" and out.name == "stderr":
                stderr.append(f"cell {index}: {out.text[:300]}")
    return Outputs(figures=figures, widgets=widgets, errors=errors, stderr=stderr)
