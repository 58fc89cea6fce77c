"""Why a submission got its status: every reason code, declared once.

A result's `reasons` are strings `code: message`. Each code has a status effect: `failed`
(the notebook could not be graded to the end), `flagged` (a person should look at it) or
none (worth knowing; the score already says what it costs). A result's status is the
worst effect among its reasons. The table in `autograder/README.md` is `markdown_table()`;
a test keeps the two equal.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Status(enum.StrEnum):
    """A result's status, worst last."""

    GRADED = "graded"
    FLAGGED = "flagged"
    FAILED = "failed"


class Reason(enum.Enum):
    """A reason code: its text, the status it implies (None: none) and its meaning."""

    BAD_NOTEBOOK = (
        "bad_notebook",
        Status.FAILED,
        "not UTF-8, not JSON, not nbformat 4, invalid notebook, a link",
    )
    TOO_LARGE = ("too_large", Status.FAILED, "over `--max-submission-mb`")
    MISSING_NOTEBOOK = (
        "missing_notebook",
        Status.FAILED,
        "no notebook handed in, or none of several holds the lesson's cells (the files "
        "found are listed)",
    )
    INVALID_ID = (
        "invalid_id",
        Status.FAILED,
        "the folder name (zip entry, LMS file name) is not a usable student id (see below)",
    )
    DUPLICATE_ID = (
        "duplicate_id",
        Status.FAILED,
        "a second hand-in with the same student id (the same name after Unicode "
        "normalization); only the first was graded",
    )
    KERNEL_START = ("kernel_start", Status.FAILED, "the kernel did not start")
    NOTEBOOK_TIMEOUT = (
        "notebook_timeout",
        Status.FAILED,
        "over `--notebook-timeout`; cells run so far are graded",
    )
    RESTARTS = (
        "restarts",
        Status.FAILED,
        "the kernel died more often than allowed; the rest was not run",
    )
    WORKER = ("worker", Status.FAILED, "the grading process crashed or hung on this submission")
    SCAN = ("scan", Status.FLAGGED, "the static scan found code that can interfere with grading")
    TAMPER = (
        "tamper",
        Status.FLAGGED,
        "the kernel's checking machinery was changed (and was put back)",
    )
    RECHECK = (
        "recheck",
        Status.FLAGGED,
        "a check that passed in the kernel fails outside it, or compared an object of a "
        "class the notebook defined; that test scores 0",
    )
    PROBE = (
        "probe",
        Status.FLAGGED,
        "the grader's check inside the kernel did not answer properly; that test scores 0",
    )
    KERNEL_DIED = (
        "kernel_died",
        Status.FLAGGED,
        "the kernel stopped in a cell (os._exit, kill, crash); it was restarted, the "
        "cells before re-run, that cell skipped, the rest graded",
    )
    EXTRA_NOTEBOOK = (
        "extra_notebook",
        Status.FLAGGED,
        "other notebooks next to `<LESSON>.ipynb` (which was graded)",
    )
    PICKED_NOTEBOOK = (
        "picked_notebook",
        Status.FLAGGED,
        "several notebooks, none named `<LESSON>.ipynb`: the one whose nbgrader cell ids "
        "match the lesson's was graded",
    )
    TIMEOUT = ("timeout", None, "a cell ran over `--timeout` and was interrupted")
    STUCK = (
        "stuck",
        None,
        "a cell ignored the interrupt: the kernel was restarted (as for `kernel_died`)",
    )
    MEMORY = ("memory", None, "a cell hit the memory limit (MemoryError)")
    PROCESSES = ("processes", None, "a cell hit the process limit (fork failing)")
    DISK = ("disk", None, "a cell hit the disk limit (no space left)")
    OUTPUT = ("output", None, "a cell's output was cut at `--output-kb`")
    STDERR = ("stderr", None, "a test passed and wrote to stderr (see below)")
    RESTORED = (
        "restored",
        None,
        "a locked cell was edited or deleted, or a name a locked cell set was "
        "redefined, and the original was used",
    )
    EXTRA_FILES = (
        "extra_files",
        None,
        "files other than notebooks in the student's folder were ignored",
    )
    RENAMED_NOTEBOOK = (
        "renamed_notebook",
        None,
        "the only notebook handed in has another name (`<LESSON> (1).ipynb`, "
        "`lesson<N>.ipynb`); it was graded",
    )
    LATE = (
        "late",
        None,
        "submitted after the due date (Canvas's late mark, or nbgrader's timestamp.txt "
        "after `--due`); the score is not changed",
    )

    def __init__(self, code: str, status: Status | None, meaning: str) -> None:
        self.code = code
        self.status = status
        self.meaning = meaning

    def __call__(self, message: str) -> str:
        """The reason as stored in a result: `code: message`."""
        return f"{self.code}: {message}"

    @classmethod
    def of(cls, reason: str) -> Reason | None:
        """The code of a stored reason (`code: message`), or None for an unknown one."""
        return _BY_CODE.get(reason.split(":", 1)[0])


_BY_CODE = {reason.code: reason for reason in Reason}


def status_of(reasons: Iterable[str]) -> Status:
    """The worst status the reasons imply (`graded` when none implies one)."""
    statuses = {r.status for text in reasons if (r := Reason.of(text)) is not None}
    for status in (Status.FAILED, Status.FLAGGED):
        if status in statuses:
            return status
    return Status.GRADED


def markdown_table() -> str:
    """The README's table of reason codes."""
    lines = ["| code | status | meaning |", "| --- | --- | --- |"]
    lines += [
        f"| `{r.code}` | {r.status.value if r.status else '-'} | {r.meaning} |" for r in Reason
    ]
    return "\n".join(lines)
