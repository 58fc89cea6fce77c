"""Guarantee 2, limits per submission: time per cell and per notebook, memory, processes,
output bytes (one huge line too) and disk. Hitting one gives that student a failed or
partially graded result with the reason; the batch goes on."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import nbformat
import pytest

from autograder.batch.package import build_package
from autograder.batch.store import CourseDir
from autograder.config import Course
from autograder.job.jobs import grade_job_async
from autograder.kernel.sandbox import INSIDE_CONNECTION_FILE, ROOT_UID_BASE
from autograder.limits import Limits
from tests.support.grading_crafted import batch_in_each_mode  # noqa: F401  (`batch`, in each mode)
from tests.support.grading_helpers import LESSON, require_sandbox, result_of, submission


@pytest.mark.parametrize(
    ("student", "code"),
    [
        ("loops", "timeout"),
        ("memhog", "memory"),
        ("forkbomb", "processes"),
        ("hugeline", "output"),
        ("diskhog", "disk"),
    ],
)
def test_a_limit_stops_the_cell_names_the_reason_and_the_rest_is_graded(batch, student, code):
    result = result_of(batch.course_dir, student)
    assert any(r.startswith(f"{code}: cell #") for r in result["reasons"]), result["reasons"]
    assert result["score"] == 4.0, result["tests"]  # every exercise still graded


def test_a_cell_that_ignores_the_interrupt_costs_a_restart_not_the_grade(batch):
    result = result_of(batch.course_dir, "stuck")
    assert any(r.startswith("timeout: cell #4") for r in result["reasons"]), result["reasons"]
    assert any(r.startswith("stuck: cell #4") for r in result["reasons"]), result["reasons"]
    assert result["score"] == 4.0


def test_no_sandboxed_process_outlives_its_job(batch):
    """The fork bomb's children sleep for two minutes: they must be gone with their kernel."""
    leftovers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue
        if INSIDE_CONNECTION_FILE.encode() in cmdline or uid >= ROOT_UID_BASE:
            leftovers.append((entry.name, uid, cmdline[:80]))
    assert leftovers == []


def test_huge_line_is_cut_by_bytes(batch):
    path = batch.course_dir / "autograded" / "hugeline" / LESSON / f"{LESSON}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    sizes = [len(json.dumps(cell.get("outputs", []))) for cell in nb.cells]
    assert max(sizes) < 80 * 1024  # the limit is 64 KB; the line was 20 MB
    assert any("[output truncated" in json.dumps(cell.get("outputs", [])) for cell in nb.cells)


def test_the_batch_went_on(batch):
    assert {r["key"] for r in batch.summary.graded} >= {
        "loops",
        "memhog",
        "forkbomb",
        "correct",
        "wrong",
    }
    assert result_of(batch.course_dir, "correct")["status"] == "graded"


def test_notebook_time_limit_fails_the_submission_with_the_reason(tmp_path, suite_batch):
    require_sandbox()
    course = CourseDir(suite_batch.course_dir)
    package = build_package(course, LESSON, Course.at(suite_batch.root))
    slow = submission(
        suite_batch.root,
        extra={g: "import time\ntime.sleep(3)" for g in ("setup", "scale", "mean_sq", "double")},
    )
    path = tmp_path / "slow.ipynb"
    nbformat.write(slow, str(path))
    limits = Limits(
        cell_timeout=5,
        notebook_timeout=8,
        memory_mb=1536,
        processes=48,
        disk_mb=16,
        output_kb=64,
        submission_mb=1,
        restarts=1,
    )
    job = {
        "package": package["hash"],
        "lesson": LESSON,
        "student": "slow",
        "key": "slow",
        "valid_id": True,
        "limits": limits.to_json(),
        "sandbox": True,
        "private": [],
        "notes": [],
        "submission": {"path": str(path)},
    }
    result = asyncio.run(grade_job_async(package, job))
    assert result["status"] == "failed"
    assert any(r.startswith("notebook_timeout:") for r in result["reasons"]), result["reasons"]
    assert result["score"] < 4.0
