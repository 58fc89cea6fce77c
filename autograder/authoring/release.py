"""Regenerate the student notebooks (the release directory) from the source directory.

All lessons are generated in one process with nbgrader (its command line costs seconds of
start-up per call) against a throw-away gradebook, so releasing never touches grading
state. nbgrader's output is byte-deterministic, so an unchanged source gives an unchanged
release. Files at the top of the source directory (the course glossary, `GLOSSARY.md`) are
copied to the top of the release directory, a Markdown file headed by a note that says
where it comes from. Nothing that still holds a solution or hidden-test marker is ever
written.
"""

from __future__ import annotations

import copy
import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from ..config import ROOT, Course, CourseError
from ..markers import leaked_markers


def strip_outputs(path: Path) -> bool:
    """Clear outputs and execution counts of the notebook at `path`; True if it changed."""
    nb = nbformat.read(str(path), as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs = []
            cell.execution_count = None
            changed = True
    if changed:
        nbformat.write(nb, str(path))
    return changed


def leaks_in(path: Path) -> list[str]:
    """Solution or hidden-test markers present in the file at `path`."""
    return leaked_markers(path.read_text(encoding="utf-8", errors="replace"))


def course_files(course: Course) -> list[Path]:
    """The files at the top of the source directory (not lessons), released with them."""
    if not course.source.is_dir():
        return []
    return sorted(
        p
        for p in course.source.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix != ".ipynb"
    )


def release_course_file(source: Path, course: Course) -> Path:
    """Copy one course file to the release directory (a Markdown file headed by a note
    naming its source); refuse one that holds a marker."""
    leaks = leaks_in(source)
    if leaks:
        raise CourseError(f"{source} contains {', '.join(leaks)}; not released")
    target = course.release / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix == ".md":
        note = (
            f"<!-- Generated from {source.relative_to(course.root)} by `python -m autograder "
            "release`: edit that file, not this one. -->\n\n"
        )
        target.write_text(note + source.read_text(encoding="utf-8"), encoding="utf-8")
    else:
        shutil.copyfile(source, target)
    return target


def release(lessons: Iterable[str] | None = None, root: Path = ROOT) -> list[Path]:
    """Generate the release of each lesson id (default: all); return the files written.

    Outputs left in a source notebook are cleared in place first (sources are stored
    without outputs). The course files are copied too; a full release also drops released
    lessons whose source is gone. Raises `CourseError` when nbgrader fails or when a
    written file would show a solution or a hidden test.
    """
    course = Course.at(root)
    ids = [course.check_lesson(i) for i in lessons] if lessons else course.lesson_ids()
    if not ids:
        raise CourseError(f"no lessons found in {course.source}")
    for lesson in ids:
        if strip_outputs(course.source_notebook(lesson)):
            print(f"cleared outputs in {course.source_notebook(lesson).relative_to(root)}")

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        config = copy.deepcopy(course.config)
        config.CourseDirectory.root = str(course.root)
        config.CourseDirectory.db_url = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        api.log.setLevel(logging.WARNING)
        for lesson in ids:
            result = api.generate_assignment(lesson, force=True, create=True)
            if not result["success"]:
                raise CourseError(f"nbgrader could not generate {lesson}:\n{result['error']}")
            notebook = course.release_notebook(lesson)
            leaks = leaks_in(notebook)
            if leaks:
                raise CourseError(f"{notebook} still contains {', '.join(leaks)}")
            written.append(notebook)

    written += [release_course_file(source, course) for source in course_files(course)]
    if lessons is None:
        for stale in sorted(course.release.glob("*")):
            if stale.is_dir() and stale.name not in ids and stale.name != ".ipynb_checkpoints":
                shutil.rmtree(stale)
                print(f"removed {stale.relative_to(root)} (no longer in the source directory)")
    return written
