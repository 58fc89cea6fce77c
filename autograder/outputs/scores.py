"""A student's score, computed in one place for every output.

The report (text, JSON, CSV, HTML) and the feedback pages all call `student_score`. Per
graded cell: the automatic score of the grading run (a test's points, partial credit, or 0;
0 for a written answer left as released), replaced by the score a person gave in the
formgrader when there is one, plus any extra credit the person gave. The total is the sum
over the lesson's graded cells, as nbgrader's own `Grade.score` counts it.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from dataclasses import dataclass

from nbgrader.api import MissingEntry

from ..batch.gradebook import open_gradebook
from ..batch.store import CourseDir
from ..schema import Result


@dataclass(frozen=True)
class Given:
    """What a person gave one cell in the formgrader."""

    manual_score: float | None = None
    extra_credit: float = 0.0


@dataclass(frozen=True)
class Marks:
    """A person's grades and comments on one student's submission, by cell."""

    given: dict[str, Given]
    comments: dict[str, str]


NO_MARKS = Marks({}, {})


@dataclass(frozen=True)
class CellScore:
    """One graded cell's score and maximum."""

    score: float
    max_score: float


@dataclass(frozen=True)
class StudentScore:
    """A student's score per graded cell (tests first), total and maximum."""

    tests: dict[str, CellScore]
    manual: dict[str, CellScore]
    total: float
    max_score: float

    @property
    def cells(self) -> dict[str, CellScore]:
        """Every graded cell: tests and cells a person grades."""
        return {**self.tests, **self.manual}


def _cell(auto: float | None, max_score: float, given: Given | None) -> CellScore:
    base = given.manual_score if given and given.manual_score is not None else auto or 0.0
    extra = given.extra_credit if given else 0.0
    return CellScore(float(base) + float(extra), float(max_score))


def student_score(result: Result, marks: Marks = NO_MARKS) -> StudentScore:
    """The score of one graded submission (see the module docstring)."""
    given: Mapping[str, Given] = marks.given
    tests = {
        grade_id: _cell(test["score"], test["max_score"], given.get(grade_id))
        for grade_id, test in sorted(result["tests"].items())
    }
    manual = {
        grade_id: _cell(entry.get("auto_score"), entry["max_score"], given.get(grade_id))
        for grade_id, entry in sorted(result.get("manual", {}).items())
    }
    total = sum(c.score for c in tests.values()) + sum(c.score for c in manual.values())
    return StudentScore(tests, manual, round(total, 6), float(result["max_score"]))


def read_marks(grading: CourseDir, lesson: str) -> dict[str, Marks]:
    """Every student's marks on `lesson` from the gradebook, by student key ({} without a
    gradebook)."""
    if not grading.has_gradebook():
        return {}
    found: dict[str, Marks] = {}
    with open_gradebook(grading.db_url) as gradebook:
        try:
            notebooks = gradebook.notebook_submissions(lesson, lesson)
        except MissingEntry:
            return {}
        for notebook in notebooks:
            found[notebook.student.id] = _marks_of(notebook)
    return found


def read_marks_of(grading: CourseDir, lesson: str, key: str) -> Marks:
    """One student's marks on `lesson` (none when the gradebook has no such submission)."""
    if not grading.has_gradebook():
        return NO_MARKS
    with open_gradebook(grading.db_url) as gradebook:
        try:
            notebook = gradebook.find_submission_notebook(lesson, lesson, key)
        except MissingEntry:
            return NO_MARKS
        return _marks_of(notebook)


def _marks_of(notebook: t.Any) -> Marks:
    given = {
        grade.cell.name: Given(
            None if grade.manual_score is None else float(grade.manual_score),
            float(grade.extra_credit or 0.0),
        )
        for grade in notebook.grades
        if grade.manual_score is not None or grade.extra_credit
    }
    comments = {c.cell.name: str(c.comment) for c in notebook.comments if c.comment}
    return Marks(given, comments)
