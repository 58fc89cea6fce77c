"""The nbgrader pipeline on a small notebook in a temporary course: generate, validate."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import leaks_in, release
from autograder.authoring.validate import validate
from autograder.config import ROOT, CourseError
from tests.support import nbbuild


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A course root with one lesson `00_demo` released into `lessons/`."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    source = nbbuild.demo_notebook()
    source.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x")]
    source.cells[2].execution_count = 3
    nbbuild.write(source, root / "solutions" / "00_demo" / "00_demo.ipynb")
    release(root=root)
    return root


def test_release_strips_solutions_and_hidden_tests(course):
    released = course / "lessons" / "00_demo" / "00_demo.ipynb"
    text = released.read_text()
    assert leaks_in(released) == []
    assert "return 2 * x" not in text
    assert "hidden-check-marker" not in text
    assert "raise NotImplementedError" in text
    assert "assert double(2) == 4" in text  # the visible test stays


def test_release_clears_outputs_left_in_solutions(course):
    nb = nbformat.read(course / "solutions" / "00_demo" / "00_demo.ipynb", as_version=4)
    assert all(
        not c.get("outputs") and c.get("execution_count") is None
        for c in nb.cells
        if c.cell_type == "code"
    )


def test_release_is_deterministic(course):
    released = course / "lessons" / "00_demo" / "00_demo.ipynb"
    before = released.read_bytes()
    release(["00_demo"], root=course)
    assert released.read_bytes() == before


def test_release_leaves_no_grading_state(course):
    assert not (course / "gradebook.db").exists()
    assert not (course / "source").exists()


def test_release_drops_lessons_without_source(course):
    stale = course / "lessons" / "99_gone"
    stale.mkdir()
    release(root=course)
    assert not stale.exists()


def test_unknown_lesson_is_a_clear_error(course):
    with pytest.raises(CourseError, match="unknown lesson '42_nope'.*00_demo"):
        release(["42_nope"], root=course)


def test_solution_validates_and_release_fails_validation(course):
    assert validate(course / "solutions" / "00_demo" / "00_demo.ipynb", root=course).passed
    released = course / "lessons" / "00_demo" / "00_demo.ipynb"
    validation = validate(released, root=course)
    assert not validation.passed
    assert validation.failed == ["test_double", "why"]
