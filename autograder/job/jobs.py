"""A grading job: one submission against one lesson package, in and out as plain JSON.

`grade_job(package, job) -> result` is a pure function of its input (the lesson package,
the submission's bytes, the limits): it writes nothing but its sandbox's scratch files, and
the same input always gives the same scores. Packages, jobs and results travel between
processes as JSON text (see `autograder/schema.py` for their fields), never as pickles, so
they could as well go to another machine. A job names its package by hash: a worker
receives each package once and grades any number of jobs against it.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import os
import shutil
import sys
import tempfile
import typing as t
from pathlib import Path
from time import monotonic

import nbformat

from ..common import canonical_hash, sha256
from ..integrity.scan import scan_cell
from ..limits import Limits
from ..reasons import Reason, status_of
from ..schema import CellSummary, Job, LessonPackage, Result, StudentInfo
from .prepare import BadSubmission, Prepared, notebook_from_json, parse_notebook, prepare
from .runner import CellRun, run_prepared
from .scoring import score_run

GRADER_VERSION = "1"
STUDENT_INFO = StudentInfo.__optional_keys__


def fingerprint(
    package_hash: str,
    limits: Limits,
    sandboxed: bool,
    submission_sha: str,
    context: dict[str, t.Any] | None = None,
) -> str:
    """What a result depends on: a stored result with the same fingerprint is reused.
    `context`: what else goes into the result (the notes found before grading, how the LMS
    describes the student)."""
    return canonical_hash(
        {
            "grader": GRADER_VERSION,
            "package": package_hash,
            "limits": limits.to_json(),
            "sandbox": sandboxed,
            "submission": submission_sha,
            "context": context or {},
        }
    )


def new_result(package: LessonPackage, job: Job, submission_sha: str | None) -> Result:
    """The fields every result has, before grading fills scores in."""
    info = t.cast(StudentInfo, {k: v for k, v in job.items() if k in STUDENT_INFO})
    return {
        **info,
        "lesson": package["lesson"],
        "student": job["student"],
        "key": job["key"],
        "valid_id": job.get("valid_id", True),
        "submission_sha256": submission_sha,
        "fingerprint": job.get("fingerprint"),
        "status": "graded",
        "reasons": [],
        "score": 0.0,
        "max_score": float(package["max_score"]),
        "tests": {
            c["grade_id"]: {
                "score": 0.0,
                "max_score": c["points"],
                "status": "not_run",
                "error": None,
                "hidden_failed": False,
            }
            for c in package["cells"]
            if c["grade"] and not c["solution"] and c["cell_type"] == "code"
        },
        "manual": {
            c["grade_id"]: {"max_score": c["points"], "auto_score": None}
            for c in package["cells"]
            if (c["grade"] and c["solution"]) or c["task"]
        },
        "stderr": {},
        "cells": [],
        "unanswered": [],
        "notebook": None,
        "seconds": 0.0,
    }


def failed_result(
    package: LessonPackage, job: Job, reasons: list[str], submission_sha: str | None = None
) -> Result:
    """A `failed` result with `reasons` (bad input, a crash): every test scores 0."""
    result = new_result(package, job, submission_sha)
    result["reasons"] = reasons
    result["status"] = status_of(reasons)
    return result


_LESSON_FILES: dict[str, list[Path]] = {}  # per process: package hash -> its data files


def lesson_files(package: LessonPackage) -> list[Path]:
    """The package's data files, written once per process into a private temporary folder
    (removed when the process ends); the kernel sees them read-only in its working folder."""
    found = _LESSON_FILES.get(package["hash"])
    if found is None:
        folder = Path(tempfile.mkdtemp(prefix=f"lesson-{package['hash'][:12]}-"))
        atexit.register(shutil.rmtree, folder, True)
        found = []
        for name, data in sorted(package["extra_files"].items()):
            if "/" in name or name.startswith("."):
                raise ValueError(f"the lesson package names a bad data file: {name!r}")
            (folder / name).write_bytes(base64.b64decode(data))
            found.append(folder / name)
        _LESSON_FILES[package["hash"]] = found
    return found


def _read(job: Job, limits: Limits) -> bytes:
    source = job.get("submission") or {}
    cap = limits.submission_mb * 2**20
    if "b64" in source:
        data = base64.b64decode(source["b64"])
    else:
        try:
            fd = os.open(source["path"], os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                data = handle.read(cap + 1)
        except OSError as exc:
            raise BadSubmission(
                Reason.BAD_NOTEBOOK(f"cannot read the file ({exc.strerror})")
            ) from None
    if len(data) > cap:
        raise BadSubmission(Reason.TOO_LARGE(f"the file is larger than {limits.submission_mb} MB"))
    return data


def _scan(prepared: Prepared, package: LessonPackage) -> list[str]:
    """Scan the code the student wrote: answers, added cells, changed lesson cells."""
    released = notebook_from_json(package["release_notebook"])
    lesson_code = {c.source for c in released.cells if c.cell_type == "code"}
    found = []
    for index, item in enumerate(prepared.cells):
        if item.cell.cell_type != "code" or item.role in ("setup", "test"):
            continue
        if item.cell.source in lesson_code:
            continue
        label = prepared.label(index)
        for line, what in scan_cell(item.cell.source):
            found.append(Reason.SCAN(f"cell {label} line {line}: {what}"))
    return found


def _cell_summaries(prepared: Prepared, runs: list[CellRun]) -> list[CellSummary]:
    return [
        {
            "role": item.role,
            "grade_id": item.grade_id,
            "status": run.status,
            "truncated": run.truncated,
            "parts": [
                {"hidden": p.hidden, "status": p.status, "outputs": len(p.outputs)}
                for p in run.parts
            ],
        }
        for item, run in zip(prepared.cells, runs, strict=True)
    ]


async def grade_job_async(package: LessonPackage, job: Job) -> Result:
    """`grade_job` in a running event loop."""
    started = monotonic()
    if job["package"] != package["hash"]:
        raise ValueError(
            f"job {job['key']!r} is for package {job['package']}, not {package['hash']}"
        )
    limits = Limits.from_json(job["limits"])
    try:
        data = _read(job, limits)
    except BadSubmission as exc:
        return failed_result(package, job, [str(exc)])
    submission_sha = sha256(data)
    try:
        submitted = parse_notebook(data)
    except BadSubmission as exc:
        return failed_result(package, job, [Reason.BAD_NOTEBOOK(str(exc))], submission_sha)
    prepared = prepare(package, submitted)
    scan_reasons = _scan(prepared, package)
    run = await run_prepared(
        prepared,
        limits,
        sandboxed=bool(job["sandbox"]),
        extra_files=lesson_files(package),
        private=[Path(p) for p in job.get("private", [])],
        scratch_root=Path(scratch) if (scratch := job.get("scratch")) else None,
    )
    scored = score_run(prepared, run)
    if any(Reason.of(e) in (Reason.KERNEL_START, Reason.KERNEL_DIED) for e in run.events):
        print(f"[{job['key']}] kernel output:\n{run.kernel_log[-4000:]}", file=sys.stderr)
    result = new_result(package, job, submission_sha)
    result["tests"].update(scored["tests"])
    result["manual"].update(scored["manual"])
    result["reasons"] = list(job.get("notes", [])) + scored["reasons"] + scan_reasons
    result["status"] = status_of(result["reasons"])
    result["score"] = scored["score"]
    result["stderr"] = scored["stderr"]
    result["cells"] = _cell_summaries(prepared, run.cells)
    result["unanswered"] = sorted(c.grade_id for c in prepared.cells if c.grade_id and c.unchanged)
    result["notebook"] = nbformat.writes(run.notebook)  # written as it is by the writer
    result["seconds"] = round(monotonic() - started, 3)
    return result


def grade_job(package: LessonPackage, job: Job) -> Result:
    """Grade one submission; see the module docstring. Never raises for student input."""
    return asyncio.run(grade_job_async(package, job))
