"""Regenerate the student notebooks in `lessons/` from `solutions/` with nbgrader.

All lessons are generated in one process (the nbgrader command line costs seconds of
start-up per call) against a throw-away gradebook, so releasing never touches grading
state. nbgrader's output is byte-deterministic, so an unchanged source gives an unchanged
`lessons/`.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import nbformat
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .course import (
    HIDDEN_TEST_MARKERS,
    ROOT,
    SOLUTION_MARKERS,
    CourseError,
    check_lesson,
    lesson_ids,
    load_config,
)


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


def leaked_markers(path: Path) -> list[str]:
    """Solution or hidden-test markers present in the file at `path`."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [m for m in SOLUTION_MARKERS + HIDDEN_TEST_MARKERS if m in text]


GLOSSARY = "GLOSSARY.md"
GLOSSARY_NOTE = (
    "<!-- Generated from solutions/GLOSSARY.md by `python -m autograder release`: "
    "edit that file, not this one. -->\n\n"
)


def release_glossary(root: Path = ROOT) -> Path | None:
    """Copy the course glossary `solutions/GLOSSARY.md` to `lessons/GLOSSARY.md`.

    The copy starts with a note saying where it comes from. Returns the copy, or None when
    there is no glossary (then a stale copy is removed).
    """
    source, target = root / "solutions" / GLOSSARY, root / "lessons" / GLOSSARY
    if not source.is_file():
        target.unlink(missing_ok=True)
        return None
    target.parent.mkdir(exist_ok=True)
    target.write_text(GLOSSARY_NOTE + source.read_text(encoding="utf-8"), encoding="utf-8")
    leaks = leaked_markers(target)
    if leaks:
        target.unlink()
        raise CourseError(f"{source} contains {', '.join(leaks)}")
    return target


def release(lessons: Iterable[str] | None = None, root: Path = ROOT) -> list[Path]:
    """Generate `lessons/<id>/` for each lesson id (default: all), copy the course glossary,
    and return the files written.

    Outputs left in a solution notebook are cleared in place first (solutions are stored
    without outputs). Raises `CourseError` when nbgrader fails or when a generated file
    would show a solution or a hidden test.
    """
    ids = [check_lesson(i, root) for i in lessons] if lessons else lesson_ids(root)
    if not ids:
        raise CourseError(f"no lessons found in {root / 'solutions'}")
    for lesson in ids:
        if strip_outputs(root / "solutions" / lesson / f"{lesson}.ipynb"):
            print(f"cleared outputs in solutions/{lesson}/{lesson}.ipynb")

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        config = load_config(root)
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
        api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
        api.log.setLevel(logging.WARNING)
        for lesson in ids:
            result = api.generate_assignment(lesson, force=True, create=True)
            if not result["success"]:
                raise CourseError(f"nbgrader could not generate {lesson}:\n{result['error']}")
            notebook = root / "lessons" / lesson / f"{lesson}.ipynb"
            leaks = leaked_markers(notebook)
            if leaks:
                raise CourseError(f"{notebook} still contains {', '.join(leaks)}")
            written.append(notebook)
    glossary = release_glossary(root)
    if glossary is not None:
        written.append(glossary)

    if lessons is None:  # a full release also drops lessons whose source is gone
        for stale in sorted((root / "lessons").glob("*")):
            if stale.is_dir() and stale.name not in ids and stale.name != ".ipynb_checkpoints":
                shutil.rmtree(stale)
                print(f"removed lessons/{stale.name} (no longer in solutions/)")
    return written
