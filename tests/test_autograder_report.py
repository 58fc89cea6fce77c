"""The report (--json, --csv, --html), the gradebook the formgrader reads (guarantee 3: one
trusted writer, results as JSON), and the command line's exit statuses."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from autograder.batch.worker import serve
from autograder.config import ROOT
from tests.support.grading_helpers import LESSON, MAX_SCORE


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _report(batch, *args: str) -> subprocess.CompletedProcess:
    return _cli(
        "report", LESSON, "--course-dir", str(batch.course_dir), "--root", str(batch.root), *args
    )


def test_json_report_has_exactly_the_documented_fields(batch):
    done = _report(batch, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"lesson", "students"} and data["lesson"] == LESSON
    listed = data["students"]
    assert len(listed) == len(list((batch.course_dir / "results" / LESSON).glob("*.json")))
    # the second spelling of "Jos\u00e9" is a row of its own, refused as a duplicate
    duplicates = [s for s in listed if s["reasons"][:1] and "duplicate_id:" in s["reasons"][0]]
    assert [s["id"] for s in duplicates] == ["Jos\u00e9"]
    students = {s["id"]: s for s in listed if s not in duplicates}
    for student in listed:
        assert set(student) == {
            "id",
            "name",
            "score",
            "max_score",
            "status",
            "late",
            "reasons",
            "tests",
        }
        assert student["name"] == student["id"] and student["late"] is None  # no LMS here
        assert student["status"] in ("graded", "failed", "flagged")
        assert student["max_score"] == MAX_SCORE
        assert set(student["tests"]) == {"test_scale", "test_mean_sq", "test_double"}
        assert all(set(t) == {"score", "max_score"} for t in student["tests"].values())
    assert students["correct"]["score"] == 4.0 and students["correct"]["status"] == "graded"
    assert students["invalid-json"]["status"] == "failed"
    assert students["Jos\u00e9"]["status"] == "graded"
    assert students["\u5b66\u751f"]["score"] == 4.0


def test_csv_report_says_failed_and_why(batch, tmp_path):
    target = tmp_path / "grades.csv"
    assert _report(batch, "--csv", str(target)).returncode == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel reads UTF-8 only after a byte order mark"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))}
    assert list(next(iter(rows.values())))[:7] == [
        "id",
        "name",
        "status",
        "score",
        "max_score",
        "late",
        "reasons",
    ]
    assert (
        rows["\u5b66\u751f"]["name"] == "\u5b66\u751f" and rows["with space"]["status"] == "graded"
    )
    assert rows["invalid-json"]["status"] == "failed"
    assert "not valid JSON" in rows["invalid-json"]["reasons"]
    assert rows["loops"]["status"] == "graded" and "timeout:" in rows["loops"]["reasons"]
    assert rows["'-rf"]["status"] == "failed"  # the id is never read as a formula
    assert rows["correct"]["test_scale"] == "2.0"


def test_html_report_has_a_histogram_and_failure_rates(batch, tmp_path):
    target = tmp_path / "report.html"
    assert _report(batch, "--html", str(target)).returncode == 0
    page = target.read_text()
    assert '<img alt="score histogram' in page and "data:image/png;base64," in page
    assert "Failure rate per test" in page and "test_scale" in page
    assert "Jos\u00e9" in page and "\u5b66\u751f" in page and "<script" not in page
    assert '<meta charset="utf-8">' in page


def test_the_gradebook_is_what_the_formgrader_expects(batch):
    with Gradebook(f"sqlite:///{batch.course_dir / 'gradebook.db'}") as gradebook:
        correct = gradebook.find_submission_notebook(LESSON, LESSON, "correct")
        scores = {g.cell.name: g.auto_score for g in correct.grades}
        assert scores == {
            "test_scale": 2.0,
            "test_mean_sq": 1.0,
            "test_double": 1.0,
            "why": 0.0,
        }  # the written answer was left as released
        assert not correct.flagged
        flagged = gradebook.find_submission_notebook(LESSON, LESSON, "patch-testing")
        assert flagged.flagged
        failed = gradebook.find_submission_notebook(LESSON, LESSON, "invalid-json")
        assert failed.flagged and failed.score == 0.0
        written = gradebook.find_grade("why", LESSON, LESSON, "correct")
        assert not written.needs_manual_grade


def test_the_formgrader_sees_the_submissions_as_autograded(batch):
    config = PyFileConfigLoader("nbgrader_config.py", path=str(batch.course_dir)).load_config()
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    found = {s["student"]: s for s in api.get_submissions(LESSON)}
    assert found["correct"]["autograded"] and found["correct"]["score"] == 4.0
    assert found["wrong"]["autograded"] and found["wrong"]["score"] == 2.0
    assert not any(key.startswith("_invalid") for key in found)


def test_worker_answers_json_lines_only():
    lines = []
    package = {"lesson": "x", "cells": [], "max_score": 1, "hash": "h"}
    job = {"package": "h", "lesson": "x", "student": "a", "key": "a", "limits": {"cell_timeout": 0}}
    serve([json.dumps({"package": package}), json.dumps({"id": 7, "job": job})], lines.append)
    assert len(lines) == 1, "a package line gets no answer"
    answer = json.loads(lines[0])
    assert answer["id"] == 7 and answer["result"]["status"] == "failed"
    assert answer["result"]["reasons"][0].startswith("worker:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "42_nope", "--submissions", "."], "unknown lesson '42_nope'"),
        (["report", "42_nope"], "unknown lesson '42_nope'"),
        (["feedback", "42_nope"], "unknown lesson '42_nope'"),
    ],
)
def test_instructor_errors_exit_non_zero_with_one_line(args, message, tmp_path):
    done = _cli(*args, "--course-dir", str(tmp_path / "g"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr


def test_missing_submissions_directory(batch, tmp_path):
    done = _cli(
        "grade",
        LESSON,
        "--submissions",
        str(tmp_path / "nowhere"),
        "--course-dir",
        str(tmp_path / "g"),
        "--root",
        str(batch.root),
    )
    assert done.returncode == 2 and "no such submissions directory" in done.stderr


def test_unreadable_gradebook(batch, tmp_path):
    broken = tmp_path / "g"
    (broken / "packages").mkdir(parents=True)
    (broken / "packages" / f"{LESSON}.json").write_bytes(
        (batch.course_dir / "packages" / f"{LESSON}.json").read_bytes()
    )
    (broken / "gradebook.db").write_bytes(b"this is not a database" * 100)
    done = _cli("report", LESSON, "--course-dir", str(broken), "--root", str(batch.root))
    assert done.returncode == 2 and "gradebook" in done.stderr and "unreadable" in done.stderr
