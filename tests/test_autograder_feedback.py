"""Guarantee 8, feedback leaks nothing: no hidden test source in any student-facing file,
tracebacks included; a feedback page per student, also when grading failed (saying why).
Also guarantee 7 (no false zeros: stderr alone costs nothing) as the student sees it."""

from __future__ import annotations

import copy
import html
import re

import nbformat
import pytest

from autograder.batch.package import load_package
from autograder.batch.store import CourseDir
from autograder.config import Course
from autograder.outputs.feedback import leaks, lesson_secrets, student_page, write_feedback
from tests.support.grading_helpers import HIDDEN_MARKERS, LESSON, result_of


@pytest.fixture(scope="module")
def pages(batch):
    written = write_feedback(LESSON, CourseDir(batch.course_dir), Course.at(batch.root))
    return batch, {p.parent.parent.name: p.read_text(encoding="utf-8") for p in written}


def test_every_student_gets_a_feedback_page(pages):
    batch, found = pages
    keys = {p.stem for p in (batch.course_dir / "results" / LESSON).glob("*.json")}
    assert set(found) == keys


def test_no_feedback_file_shows_a_hidden_test(pages):
    batch, _ = pages
    package = load_package(CourseDir(batch.course_dir), LESSON, Course.at(batch.root))
    secrets = lesson_secrets(package)
    assert len(secrets) >= 3
    files = [p for p in (batch.course_dir / "feedback").rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not any(marker in text for marker in HIDDEN_MARKERS), path
        assert not leaks(text, secrets), path


def test_the_autograded_notebook_does_hold_the_hidden_tests(pages):
    """The instructor's copy has them, with the traceback quoting the hidden line, so the
    test above would see a leak."""
    batch, _ = pages
    path = batch.course_dir / "autograded" / "hardcoded" / LESSON / f"{LESSON}.ipynb"
    text = path.read_text()
    assert "hidden-marker-double" in text
    nb = nbformat.read(str(path), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert any("hidden-marker-double" in "".join(o.traceback) for o in errors)


def _text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def test_a_failed_hidden_test_is_reported_without_its_source(pages):
    _, found = pages
    text = _text(found["hardcoded"])
    assert "Hidden tests: failed." in text
    assert "assert double ( 2 ) == 4" in text or "assert double(2) == 4" in text
    assert "double(-3)" not in text


def test_failed_submissions_get_a_page_saying_why(pages):
    _, found = pages
    assert "could not be graded automatically" in found["invalid-json"]
    assert "not valid JSON" in found["invalid-json"]
    assert "missing_notebook" in found["missing"]


def test_flagged_submissions_are_told_a_person_will_review(pages):
    _, found = pages
    assert "a person will review this submission" in found["patch-testing"]


def test_a_warning_costs_nothing(pages):
    batch, found = pages
    result = result_of(batch.course_dir, "warns")
    assert result["score"] == 4.0 and result["tests"]["test_scale"]["score"] == 2.0
    assert "scaling floats" in result["stderr"]["test_scale"]
    assert any(r.startswith("stderr: test test_scale passed") for r in result["reasons"])
    assert "Score: 4 / 5" in found["warns"]


def test_the_leak_guard_drops_outputs_that_quote_a_hidden_line(pages):
    """A student who fishes the hidden source out of the kernel and prints it later."""
    batch, _ = pages
    course = CourseDir(batch.course_dir)
    package = load_package(course, LESSON, Course.at(batch.root))
    result = result_of(batch.course_dir, "correct")
    executed = nbformat.read(str(course.autograded("correct", LESSON)), as_version=4)
    stolen = copy.deepcopy(executed)
    for cell in stolen.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "double":
            cell.outputs = [
                nbformat.v4.new_output(
                    "stream",
                    name="stdout",
                    text='assert double(-3) == -6, "double(-3)"  # hidden-marker-double\n',
                )
            ]
    page = student_page(package, result, stolen)
    assert "hidden-marker-double" not in page
    assert "Score: 4 / 5" in page
