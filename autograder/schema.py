"""The JSON documents that cross process boundaries: lesson package, job, result.

All three are plain JSON (dicts, lists, strings, numbers): they travel between the grading
process and its workers (pipes, or a Dask cluster) and are stored in the grading
directory. Nothing of ours is ever pickled.
"""

from __future__ import annotations

import typing as t
from typing import NotRequired, TypedDict


class PackageCell(TypedDict):
    """One nbgrader cell of the lesson, as the grader needs it."""

    grade_id: str
    cell_type: str
    solution: bool
    grade: bool
    task: bool
    locked: bool
    points: float
    checksum: str | None
    metadata: dict[str, t.Any]
    release_source: str  # what students received
    source: str  # what the grader runs: the instructor's source, hidden tests included


class LessonPackage(TypedDict):
    """Everything a grading job needs to know about a lesson (see `batch/package.py`)."""

    version: int
    lesson: str
    source_sha256: str
    cells: list[PackageCell]
    notebook_metadata: dict[str, t.Any]
    release_notebook: dict[str, t.Any]
    extra_files: dict[str, str]  # the lesson's data files, by name, base64
    max_score: float
    hash: str


class SubmissionRef(TypedDict, total=False):
    """Where a job's notebook is: a file path the worker can read, or the bytes in base64."""

    path: str
    b64: str


class StudentInfo(TypedDict, total=False):
    """How the LMS describes a student's submission (copied from the job to the result)."""

    name: str | None  # the display name the LMS gave (None: the id is the name)
    late: bool | None  # None: not known
    source: str  # the layout read: folders, nbgrader, canvas, moodle
    lms: dict[str, str]  # how the LMS names the student's files (the feedback zip's layout)
    file: str | None  # the graded file's name as handed in


class Job(StudentInfo):
    """One submission to grade against the lesson package whose hash is `package`."""

    package: str
    lesson: str
    student: str  # as submitted (any text)
    key: str  # its storage name in the grading directory
    valid_id: bool
    limits: dict[str, int]
    sandbox: bool
    private: list[str]  # host paths the sandbox must hide
    notes: list[str]  # reasons found before grading (extra files, ...)
    scratch: NotRequired[str | None]  # where the job's scratch files go
    fingerprint: NotRequired[str]
    submission: NotRequired[SubmissionRef]


class PartSummary(TypedDict):
    """One executed part (visible or hidden) of a cell."""

    hidden: bool
    status: str
    outputs: int


class CellSummary(TypedDict):
    """How one cell of the graded notebook ran."""

    role: str
    grade_id: str | None
    status: str
    truncated: bool
    parts: list[PartSummary]


class TestScore(TypedDict):
    """The automatic score of one test cell."""

    score: float
    max_score: float
    status: str  # passed, failed, not_run
    error: str | None
    hidden_failed: bool


class ManualScore(TypedDict):
    """A cell a person grades: its points, and 0 when left as released (else None)."""

    max_score: float
    auto_score: float | None


class Result(StudentInfo):
    """What grading one submission gave (stored as `results/<lesson>/<key>.json`)."""

    lesson: str
    student: str
    key: str
    valid_id: bool
    submission_sha256: str | None
    fingerprint: str | None
    status: str  # graded, flagged, failed
    reasons: list[str]  # `code: message`, see `reasons.py`
    score: float
    max_score: float
    tests: dict[str, TestScore]
    manual: dict[str, ManualScore]
    stderr: dict[str, str]
    cells: list[CellSummary]
    unanswered: list[str]
    notebook: NotRequired[str | None]  # the executed notebook, as nbformat writes it; not stored
    seconds: float
