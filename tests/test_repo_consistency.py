"""Checks on the real repository: lessons/ is in sync with solutions/ and leaks nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import leaks_in, release
from autograder.config import ROOT, lesson_ids

LESSONS = lesson_ids()


def test_lessons_and_solutions_hold_the_same_lessons():
    released = sorted(p.name for p in (ROOT / "lessons").glob("*") if p.is_dir())
    assert released == LESSONS, "run `python -m autograder release` and commit lessons/"


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory) -> Path:
    """A release of the repository's solutions/ made now in a scratch copy of the course."""
    root = tmp_path_factory.mktemp("fresh")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions", root / "solutions")
    if LESSONS:
        release(root=root)
    return root / "lessons"


@pytest.mark.parametrize("lesson", LESSONS)
def test_released_lesson_is_up_to_date(lesson, fresh_release):
    committed = sorted(
        p.relative_to(ROOT / "lessons")
        for p in (ROOT / "lessons" / lesson).rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts
    )
    fresh = sorted(
        p.relative_to(fresh_release) for p in (fresh_release / lesson).rglob("*") if p.is_file()
    )
    assert committed == fresh, f"lessons/{lesson} holds other files than a fresh release"
    for rel in fresh:
        assert (ROOT / "lessons" / rel).read_bytes() == (fresh_release / rel).read_bytes(), (
            f"lessons/{rel} is out of date: run `python -m autograder release` and commit it"
        )


def test_released_course_glossary_is_up_to_date(fresh_release):
    assert (ROOT / "solutions" / "GLOSSARY.md").is_file(), "the course glossary is missing"
    committed = ROOT / "lessons" / "GLOSSARY.md"
    assert committed.is_file(), "lessons/GLOSSARY.md is missing: run `python -m autograder release`"
    assert committed.read_bytes() == (fresh_release / "GLOSSARY.md").read_bytes(), (
        "lessons/GLOSSARY.md is out of date: run `python -m autograder release` and commit it"
    )


def test_no_student_file_shows_solutions_or_hidden_tests():
    leaks = {
        str(p.relative_to(ROOT)): leaks_in(p)
        for p in (ROOT / "lessons").rglob("*")
        if p.is_file() and p.suffix in {".ipynb", ".py", ".md", ".txt"}
    }
    assert {k: v for k, v in leaks.items() if v} == {}


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_notebook_is_stored_without_outputs(lesson):
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count is not None)
    ]
    assert dirty == [], f"cells {dirty} carry outputs: run `python -m autograder release`"
