"""Write results into nbgrader's gradebook: one transaction per student, by the grader only.

Rows are what nbgrader's own autograde writes (student, submission, submitted notebook,
a grade per graded cell, a comment per answer), so the formgrader works as usual: tests
carry their automatic score, written answers stay "needs manual grading" (or 0 when left
as released), and a `failed` or `flagged` submission has its notebook flagged. A person's
manual scores and comments are kept while the submission stays the same, and dropped when
a changed submission is graded again. Each student is committed in one transaction, so a
killed grader leaves each student either fully recorded or untouched.

The gradebook may be shared (PostgreSQL, `--db`): two grading runs of different lessons and
people grading in the formgrader write to it at once. A transaction that meets another's
(a student both runs add, a database busy or locked, a brand-new gradebook both create) is
rolled back and tried again, a few times, a little later each time; nothing is lost.
"""

from __future__ import annotations

import random
import time
import typing as t

from nbgrader.api import (
    Assignment,
    Comment,
    Grade,
    Gradebook,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
)
from nbgrader.utils import parse_utc
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..config import CourseError
from ..schema import Result

ATTEMPTS = 6  # tries of a transaction that meets another (0.1 s, 0.2 s, ... 3.2 s apart)
# What a database says when another transaction got there first.
CONCURRENT_SIGNS = (
    "database is locked",
    "unique",
    "duplicate key",
    "already exists",
    "deadlock",
    "could not serialize",
    "concurrent",
)
T = t.TypeVar("T")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _concurrent(exc: BaseException) -> bool:
    """Whether `exc` is another transaction's doing (worth trying again), not a real fault."""
    if not isinstance(exc, DBAPIError):
        return False
    text = str(exc).lower()
    return any(sign in text for sign in CONCURRENT_SIGNS)


def with_retries(attempt: t.Callable[[], T], what: str) -> T:
    """`attempt()`, tried again while it fails because of a concurrent transaction."""
    for number in range(ATTEMPTS):
        try:
            return attempt()
        except SQLAlchemyError as exc:
            if not _concurrent(exc) or number == ATTEMPTS - 1:
                raise CourseError(f"{what}: {_first_line(exc)}") from None
            time.sleep(0.1 * 2**number * (1 + random.random()))
    raise AssertionError("unreachable")


def open_gradebook(db_url: str) -> Gradebook:
    """The gradebook at `db_url`, or `CourseError` when it cannot be read."""
    try:
        return with_retries(lambda: Gradebook(db_url), f"the gradebook {db_url} is unreadable")
    except (OSError, ValueError) as exc:
        raise CourseError(f"the gradebook {db_url} is unreadable: {_first_line(exc)}") from None


def _submission(
    gradebook: Gradebook, assignment: Assignment, student: Student
) -> SubmittedAssignment:
    db = gradebook.db
    with db.no_autoflush:
        found = (
            db.query(SubmittedAssignment)
            .filter(
                SubmittedAssignment.assignment_id == assignment.id,
                SubmittedAssignment.student_id == student.id,
            )
            .one_or_none()
        )
        if found is None:
            found = SubmittedAssignment(assignment=assignment, student=student)
            db.add(found)
        for notebook in assignment.notebooks:
            submitted = next((n for n in found.notebooks if n.notebook is notebook), None)
            if submitted is None:
                submitted = SubmittedNotebook(notebook=notebook, assignment=found)
                db.add(submitted)
            have_grades = {g.cell_id for g in submitted.grades}
            for cell in list(notebook.grade_cells) + list(notebook.task_cells):
                if cell.id not in have_grades:
                    db.add(Grade(cell=cell, notebook=submitted))
            have_comments = {c.cell_id for c in submitted.comments}
            for cell in list(notebook.solution_cells) + list(notebook.task_cells):
                if cell.id not in have_comments:
                    db.add(Comment(cell=cell, notebook=submitted))
    db.flush()
    return found


def is_recorded(gradebook: Gradebook, lesson: str, student: str) -> bool:
    """Whether `student` has a submission of `lesson` in the gradebook."""
    db = gradebook.db
    return (
        db.query(SubmittedAssignment)
        .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)
        .filter(Assignment.name == lesson, SubmittedAssignment.student_id == student)
        .count()
        > 0
    )


def record(gradebook: Gradebook, result: Result, changed: bool, timestamp: str | None) -> None:
    """Write one student's result in one transaction (see the module docstring).

    `changed`: the submission differs from the one graded before, so manual grades and
    comments made on the old one are dropped. `timestamp`: when it was submitted (the
    formgrader counts a submission as autograded when the gradebook has the same time as
    `submitted/<student>/<lesson>/timestamp.txt`).
    """
    db = gradebook.db

    def attempt() -> None:
        try:
            _write(gradebook, result, changed, timestamp)
        except (SQLAlchemyError, ValueError):
            db.rollback()
            raise

    try:
        with_retries(attempt, f"could not record {result['key']} in the gradebook")
    except ValueError as exc:
        raise CourseError(f"could not record {result['key']} in the gradebook: {exc}") from exc


def _write(gradebook: Gradebook, result: Result, changed: bool, timestamp: str | None) -> None:
    """`record`'s transaction."""
    db = gradebook.db
    lesson = result["lesson"]
    assignment = db.query(Assignment).filter(Assignment.name == lesson).one()
    student = db.get(Student, result["key"])
    if student is None:
        student = Student(id=result["key"])
        db.add(student)
    submission = _submission(gradebook, assignment, student)
    submission.timestamp = parse_utc(timestamp) if timestamp else None
    tests, manual = result["tests"], result["manual"]
    unanswered = set(result.get("unanswered", []))
    for notebook in submission.notebooks:
        notebook.flagged = result["status"] in ("failed", "flagged")
        for grade in notebook.grades:
            name = grade.cell.name
            if changed:
                grade.manual_score = None
                grade.extra_credit = None
            if name in tests:
                grade.auto_score = float(tests[name]["score"])
            elif name in manual:
                auto = manual[name]["auto_score"]
                grade.auto_score = None if auto is None else float(auto)
            else:
                grade.auto_score = None
            grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        for comment in notebook.comments:
            if changed:
                comment.manual_comment = None
            comment.auto_comment = "No response." if comment.cell.name in unanswered else None
    db.commit()
