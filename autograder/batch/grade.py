"""`python -m autograder grade`: grade a class's submissions into the grading directory.

Order of work per finished student (this process is the only writer): the submitted and
the autograded notebook, then the gradebook (one transaction), then the result file last.
A result file therefore means "fully recorded"; a rerun skips students whose stored result
has the same fingerprint (same submission, lesson, limits and grader) and grades the rest.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import sys
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from tqdm import tqdm

from ..common import printable, sha256
from ..config import DEFAULT_COURSE_DIR, ROOT, Course, CourseError
from ..job.jobs import STUDENT_INFO, failed_result, fingerprint
from ..job.prepare import notebook_from_json
from ..kernel.sandbox import require_sandbox
from ..limits import Limits
from ..rendering import render
from ..schema import Job, LessonPackage, Result, StudentInfo
from .dask_pool import ClusterError, ClusterLost, check_workers, dask_client, run_on_dask
from .gradebook import is_recorded, open_gradebook, record
from .package import build_package
from .pool import run_jobs
from .store import CourseDir, RunLock, atomic_write, write_json
from .submissions import Submission, find_submissions


@dataclass
class Summary:
    """What a grade run did."""

    graded: list[Result] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    source: str = ""

    def lines(self) -> list[str]:
        """A short, human summary: counts, one line per failed or flagged student, what was
        ignored, what was read."""
        by_status: dict[str, list[Result]] = {"graded": [], "failed": [], "flagged": []}
        for result in self.graded:
            by_status[result["status"]].append(result)
        out = [
            f"graded {len(self.graded)} submission(s): {len(by_status['graded'])} graded, "
            f"{len(by_status['failed'])} failed, {len(by_status['flagged'])} flagged for review"
            + (f"; {len(self.skipped)} unchanged since the last run" if self.skipped else "")
        ]
        for status in ("failed", "flagged"):
            for result in by_status[status]:
                first = "; ".join(result["reasons"][:2]) or "no reason recorded"
                more = len(result["reasons"]) - 2
                extra = f" (+{more} more)" if more > 0 else ""
                out.append(f"  {status:7} {shown_name(result)}: {first}{extra}")
        if self.ignored:
            out.append(f"ignored (no student's submission): {', '.join(self.ignored)}")
        if self.source:
            out.append(self.source)
        return out


def shown_name(result: Result) -> str:
    """A student as people recognise them: the id, and the LMS's name when it has one."""
    name = result.get("name")
    student = printable(result["student"])
    return f"{student} ({printable(name)})" if name and name != result["student"] else student


def _info(sub: Submission) -> StudentInfo:
    """How the LMS describes the student, as the job and the result carry it."""
    return {
        "name": sub.name,
        "late": sub.late,
        "source": sub.source,
        "lms": sub.lms,
        "file": sub.file,
    }


def banner_notebook(package: LessonPackage, result: Result) -> nbformat.NotebookNode:
    """The lesson as released, headed by why grading failed (when there is no notebook)."""
    nb = notebook_from_json(package["release_notebook"])
    text = render("autograder.batch", "ungraded_banner.md.j2", reasons=result["reasons"])
    nb.cells.insert(0, new_markdown_cell(text.rstrip("\n")))
    return nb


def store_result(
    grading: CourseDir,
    gradebook: Gradebook,
    package: LessonPackage,
    result: Result,
    submission: Submission | None,
    previous: Result | None,
) -> None:
    """Write one student's files, gradebook rows and result (in that order). `gradebook`
    stays open for the whole run: one connection, and SQL compiled once."""
    lesson, key = package["lesson"], result["key"]
    notebook = result.pop("notebook", None)
    if result.get("valid_id"):
        if submission is not None:
            data = submission.data
            if data is None and submission.path is not None:
                data = submission.path.read_bytes()
            if data is not None:
                atomic_write(grading.submitted(key, lesson), data)
            if submission.timestamp is not None:
                stamp = grading.submitted(key, lesson).with_name("timestamp.txt")
                atomic_write(stamp, submission.timestamp.encode("ascii"))
        text = notebook or nbformat.writes(banner_notebook(package, result))
        atomic_write(grading.autograded(key, lesson), text.encode("utf-8"))
        changed = previous is not None and (
            previous.get("submission_sha256") != result.get("submission_sha256")
        )
        record(gradebook, result, changed, submission.timestamp if submission else None)
    write_json(grading.result(lesson, key), result)


def _previous(grading: CourseDir, lesson: str, key: str) -> Result | None:
    path = grading.result(lesson, key)
    if not path.is_file():
        return None
    try:
        return t.cast(Result, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError):
        return None


def _jobs(
    grading: CourseDir,
    gradebook: Gradebook,
    package: LessonPackage,
    found: list[Submission],
    base: Job,
    summary: Summary,
    limits: Limits,
    remote: bool,
) -> tuple[list[Job], dict[str, Submission]]:
    """The jobs left to grade: refused submissions are stored as failed at once, unchanged
    ones skipped. For `remote` workers the submission travels as bytes, not as a path."""
    lesson = package["lesson"]
    jobs: list[Job] = []
    by_key: dict[str, Submission] = {}
    for sub in found:
        by_key[sub.key] = sub
        job: Job = {
            **base,
            **_info(sub),
            "student": sub.student,
            "key": sub.key,
            "valid_id": sub.valid_id,
            "notes": sub.notes,
        }
        previous = _previous(grading, lesson, sub.key)
        if sub.problems:
            result = failed_result(package, job, sub.problems + sub.notes)
            if previous is None or any(
                previous.get(k) != result.get(k) for k in ("reasons", *STUDENT_INFO)
            ):
                store_result(grading, gradebook, package, result, sub, previous)
            summary.graded.append(result)
            continue
        data = sub.data if sub.data is not None else sub.path.read_bytes()  # type: ignore[union-attr]
        context = {"notes": sub.notes, **_info(sub)}
        job["fingerprint"] = fingerprint(
            package["hash"], limits, base["sandbox"], sha256(data), context
        )
        if remote or sub.data is not None:
            job["submission"] = {"b64": base64.b64encode(data).decode("ascii")}
        else:
            job["submission"] = {"path": str(sub.path)}
        if (
            previous is not None
            and previous.get("fingerprint") == job["fingerprint"]
            and (not sub.valid_id or is_recorded(gradebook, lesson, sub.key))
        ):
            summary.skipped.append(sub.key)
            continue
        jobs.append(job)
    return jobs, by_key


def _results(
    package: LessonPackage,
    jobs: list[Job],
    scheduler: str | None,
    workers: int | None,
    limits: Limits,
    grading: CourseDir,
) -> Iterator[tuple[Job, Result]]:
    """Grade `jobs` on the local process pool, or on the Dask cluster at `scheduler`."""
    packages = {package["hash"]: package}
    if scheduler is None:
        job_timeout = limits.notebook_timeout + 120  # the job's own deadline, and teardown
        yield from run_jobs(
            packages,
            jobs,
            workers or os.cpu_count() or 1,
            job_timeout,
            grading.inside("grading.log"),
        )
        return
    with dask_client(scheduler, grading.inside("grading.log")) as client:
        check_workers(client, sandboxed=jobs[0]["sandbox"] if jobs else True)
        yield from run_on_dask(client, packages, jobs)


def grade(
    lesson: str,
    submissions: Path,
    course_dir: Path = DEFAULT_COURSE_DIR,
    workers: int | None = None,
    limits: Limits | None = None,
    unsafe: bool = False,
    root: Path = ROOT,
    progress: bool = True,
    layout: str | None = None,
    due: datetime | None = None,
    scheduler: str | None = None,
    db_url: str | None = None,
) -> Summary:
    """Grade every submission of `lesson` in `submissions` (see the module docstring).

    `layout`: `--from` (detected when None); `due`: `--due`, in UTC; `scheduler`: a Dask
    scheduler's address or `local:N` (None: the local process pool); `db_url`: the
    gradebook (None: `nbgrader_config.py`'s `CourseDirectory.db_url`, else SQLite in the
    grading directory).
    """
    course = Course.at(root)
    course.check_lesson(lesson)
    if not submissions.exists():
        raise CourseError(f"no such submissions directory: {submissions}")
    limits = limits or Limits.from_config(course.config)
    grading = CourseDir(course_dir, db_url or course.db_url)
    grading.root.mkdir(parents=True, exist_ok=True)
    private = [course.source, grading.root, submissions.resolve()]
    with RunLock(grading, lesson), contextlib.ExitStack() as stack:
        if not unsafe and scheduler is None:  # a cluster's workers are checked instead
            require_sandbox(private)
        grading.write_config(course.course_id, course.source)
        package = build_package(grading, lesson, course)
        scratch = grading.inside("scratch", lesson)
        shutil.rmtree(scratch, ignore_errors=True)  # left by a killed run; none is running
        cell_ids = frozenset(c["grade_id"] for c in package["cells"] if c["grade_id"])
        found = find_submissions(
            submissions, lesson, limits.submission_mb * 2**20, cell_ids, layout, due
        )
        summary = Summary(ignored=found.ignored, source=found.describe())
        base: Job = {
            "package": package["hash"],
            "lesson": lesson,
            "student": "",
            "key": "",
            "valid_id": False,
            "limits": limits.to_json(),
            "sandbox": not unsafe,
            "private": [str(p) for p in private],
            "notes": [],
            "scratch": None if scheduler else str(scratch),
        }
        gradebook = stack.enter_context(open_gradebook(grading.db_url))
        jobs, by_key = _jobs(
            grading,
            gradebook,
            package,
            found.submissions,
            base,
            summary,
            limits,
            remote=scheduler is not None,
        )
        bar = tqdm(
            total=len(jobs),
            desc=f"grading {lesson}",
            unit="nb",
            disable=not progress,
            file=sys.stderr,
        )
        stored = 0
        try:
            with bar:
                for job, result in _results(package, jobs, scheduler, workers, limits, grading):
                    store_result(
                        grading,
                        gradebook,
                        package,
                        result,
                        by_key[job["key"]],
                        _previous(grading, lesson, job["key"]),
                    )
                    summary.graded.append(result)
                    stored += 1
                    bar.update(1)
        except ClusterLost as lost:
            raise CourseError(
                f"{lost}: {stored} of {len(jobs)} submission(s) were graded and stored; run "
                "the same command again, with a scheduler, to grade the rest"
            ) from None
        except ClusterError as refused:
            raise CourseError(str(refused)) from None
        if not grading.has_gradebook():
            raise CourseError(f"no gradebook was written in {grading.root}")
        return summary
