"""Guarantee 6, nothing lost: SIGKILL of the grader at any moment loses no finished result
and leaves the gradebook consistent; running the same command again finishes the batch.
Grading is idempotent and deterministic."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.batch.grade import grade
from autograder.config import ROOT
from tests.support.grading_crafted import WRONG_SCALE
from tests.support.grading_helpers import (
    LESSON,
    LIMITS,
    make_course,
    require_sandbox,
    result_of,
    submission,
    write_submission,
)

LIMIT_OPTIONS = [
    "--timeout",
    str(LIMITS.cell_timeout),
    "--notebook-timeout",
    str(LIMITS.notebook_timeout),
    "--memory-mb",
    str(LIMITS.memory_mb),
    "--max-processes",
    str(LIMITS.processes),
    "--disk-mb",
    str(LIMITS.disk_mb),
    "--output-kb",
    str(LIMITS.output_kb),
    "--max-submission-mb",
    str(LIMITS.submission_mb),
]
COMPARED = (
    "status",
    "score",
    "max_score",
    "reasons",
    "tests",
    "manual",
    "submission_sha256",
    "fingerprint",
)


def _gradebook_scores(course_dir: Path) -> dict[str, dict[str, float | None]]:
    """Per student, per cell: the automatic score, read with plain sqlite."""
    db = sqlite3.connect(course_dir / "gradebook.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute(
            "SELECT sa.student_id, bc.name, g.auto_score FROM grade g "
            "JOIN base_cell bc ON bc.id = g.cell_id "
            "JOIN submitted_notebook sn ON sn.id = g.notebook_id "
            "JOIN submitted_assignment sa ON sa.id = sn.assignment_id"
        ).fetchall()
    finally:
        db.close()
    found: dict[str, dict[str, float | None]] = {}
    for student, cell, score in rows:
        found.setdefault(student, {})[cell] = score
    return found


def test_sigkill_mid_batch_then_rerun_finishes(tmp_path):
    require_sandbox()
    root = make_course(tmp_path / "course")
    folder, course_dir = tmp_path / "in", tmp_path / "grading"
    expected = {}
    for number in range(6):
        wrong = number % 2 == 1
        nb = submission(root, {"scale": WRONG_SCALE} if wrong else None)
        write_submission(folder, f"s{number}", nb)
        expected[f"s{number}"] = 2.0 if wrong else 4.0
    command = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        LESSON,
        "--submissions",
        str(folder),
        "--course-dir",
        str(course_dir),
        "--workers",
        "2",
        "--no-progress",
        "--root",
        str(root),
        *LIMIT_OPTIONS,
    ]
    grader = subprocess.Popen(
        command,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = course_dir / "results" / LESSON
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list(results.glob("*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    finished = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json")}
    assert 2 <= len(finished) < 6, "the kill came too late to test anything"

    recorded = _gradebook_scores(course_dir)
    for key, result in finished.items():  # every finished result is fully in the gradebook
        assert recorded[key] == {**{k: v["score"] for k, v in result["tests"].items()}, "why": 0.0}
    for cells in recorded.values():  # no half-written student
        assert set(cells) == {"test_scale", "test_mean_sq", "test_double", "why"}

    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    first_line = again.stdout.splitlines()[0]
    assert first_line.startswith(f"graded {6 - len(finished)} submission(s)"), first_line
    assert f"{len(finished)} unchanged since the last run" in first_line
    for key, score in expected.items():
        assert result_of(course_dir, key)["score"] == score
    assert set(_gradebook_scores(course_dir)) == set(expected)
    for key, result in finished.items():  # finished results were kept as they were
        assert result_of(course_dir, key) == result


def test_rerunning_the_same_command_changes_nothing(batch_dir):
    batch, before = batch_dir
    summary = grade(
        LESSON,
        batch.submissions,
        batch.course_dir,
        workers=2,
        limits=LIMITS,
        root=batch.root,
        progress=False,
    )
    assert not [r for r in summary.graded if r["status"] != "failed"]  # only bad input again
    after = {p.name: p.read_bytes() for p in (batch.course_dir / "results" / LESSON).iterdir()}
    assert after == before


def test_grading_is_deterministic(batch_dir, tmp_path):
    batch, _ = batch_dir
    students = ["correct", "wrong", "hardcoded", "warns", "patch-testing", "deleted-test"]
    for student in students:
        source = batch.submissions / student / f"{LESSON}.ipynb"
        write_submission(tmp_path / "again", student, source.read_bytes())
    grade(
        LESSON,
        tmp_path / "again",
        tmp_path / "grading",
        workers=2,
        limits=LIMITS,
        root=batch.root,
        progress=False,
    )
    for student in students:
        first = result_of(batch.course_dir, student)
        second = result_of(tmp_path / "grading", student)
        assert {k: second[k] for k in COMPARED} == {k: first[k] for k in COMPARED}, student


@pytest.fixture(scope="module")
def batch_dir(batch):
    before = {p.name: p.read_bytes() for p in (batch.course_dir / "results" / LESSON).iterdir()}
    return batch, before
