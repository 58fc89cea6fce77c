"""The lesson package: everything a grading job needs to know about a lesson, as JSON.

nbgrader generates the lesson into the grading directory once (which also registers it in
the gradebook, so the formgrader knows its cells); the package is then read from the
generated notebook (cell order, metadata, checksums, released stubs) and the gradebook
(locked cells' sources with their hidden tests). It is saved as `packages/<lesson>.json`
and its hash is part of every result's fingerprint: change the lesson, and every
submission is graded again.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import random
import time
import typing as t

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from ..common import canonical_hash, sha256
from ..config import Course, CourseError
from ..schema import LessonPackage, PackageCell
from .gradebook import ATTEMPTS, CONCURRENT_SIGNS
from .store import CourseDir, write_json

PACKAGE_VERSION = 2  # 2: the lesson's data files travel in the package


def _generate(grading: CourseDir, lesson: str, course: Course) -> None:
    config = copy.deepcopy(course.config)
    config.CourseDirectory.root = str(grading.root)
    config.CourseDirectory.source_directory = str(course.source)
    config.CourseDirectory.release_directory = "release"
    config.CourseDirectory.db_url = grading.db_url
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    api.log.setLevel(logging.ERROR)
    for attempt in range(ATTEMPTS):  # another run may be writing the shared gradebook
        result = api.generate_assignment(lesson, force=True, create=True)
        said = str(result.get("error", "")).lower()
        if result["success"] or not any(sign in said for sign in CONCURRENT_SIGNS):
            break
        time.sleep(0.2 * 2**attempt * (1 + random.random()))
    if not result["success"]:
        lines = str(result.get("error", "")).strip().splitlines()
        detail = lines[-1] if lines else "unknown error"
        if "submissions associated" in str(result.get("error", "")):
            detail = (
                "the lesson's cells changed after submissions were graded into this "
                "directory; grade into a new --course-dir"
            )
        raise CourseError(f"nbgrader could not prepare {lesson} for grading: {detail}")


def package_cells(release: nbformat.NotebookNode, sources: dict[str, str]) -> list[PackageCell]:
    """The package's cells: every nbgrader cell of the released notebook, locked ones with
    the instructor's `sources` (by grade id: hidden tests included)."""
    cells: list[PackageCell] = []
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        locked = bool(meta.get("locked")) or not meta.get("solution")
        cells.append(
            {
                "grade_id": grade_id,
                "cell_type": cell.cell_type,
                "solution": bool(meta.get("solution")),
                "grade": bool(meta.get("grade")),
                "task": bool(meta.get("task")),
                "locked": locked,
                "points": float(meta.get("points", 0) or 0),
                "checksum": meta.get("checksum"),
                "metadata": json.loads(json.dumps(cell.metadata)),
                "release_source": cell.source,
                "source": sources.get(grade_id, cell.source) if locked else cell.source,
            }
        )
    return cells


def build_package(grading: CourseDir, lesson: str, course: Course) -> LessonPackage:
    """Generate `lesson` into the grading directory if its source changed, save and return
    its package."""
    course.check_lesson(lesson)
    grading.root.mkdir(parents=True, exist_ok=True)
    source_hash = sha256(course.source_notebook(lesson).read_bytes())
    saved = grading.package(lesson)
    if saved.is_file():
        try:
            package = json.loads(saved.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            package = {}
        if (
            package.get("source_sha256") == source_hash
            and package.get("version") == PACKAGE_VERSION
            and grading.release_notebook(lesson).is_file()
            and grading.has_gradebook()
        ):
            return t.cast(LessonPackage, package)
    _generate(grading, lesson, course)
    release = nbformat.read(str(grading.release_notebook(lesson)), as_version=4)
    try:
        with Gradebook(grading.db_url) as gradebook:
            notebook = gradebook.find_notebook(lesson, lesson)
            sources = {cell.name: cell.source for cell in notebook.source_cells}
    except MissingEntry:
        raise CourseError(f"the gradebook {grading.db_url} has no notebook {lesson}") from None
    cells = package_cells(release, sources)
    extra = {
        p.name: base64.b64encode(p.read_bytes()).decode("ascii")
        for p in sorted(grading.release_notebook(lesson).parent.iterdir())
        if p.is_file() and p.suffix != ".ipynb" and not p.name.startswith(".")
    }
    contents = {
        "version": PACKAGE_VERSION,
        "lesson": lesson,
        "source_sha256": source_hash,
        "cells": cells,
        "notebook_metadata": json.loads(json.dumps(release.metadata)),
        "release_notebook": json.loads(nbformat.writes(release)),
        "extra_files": extra,
        "max_score": sum(c["points"] for c in cells if c["grade"] or c["task"]),
    }
    package = t.cast(LessonPackage, {**contents, "hash": canonical_hash(contents)})
    write_json(saved, package)
    return package


def load_package(grading: CourseDir, lesson: str, course: Course) -> LessonPackage:
    """The package saved by the last `grade` of `lesson`, or `CourseError` saying why not."""
    path = grading.package(lesson)
    if not path.is_file():
        course.check_lesson(lesson)
        raise CourseError(f"{lesson} has not been graded in {grading.root}; run `grade` first")
    try:
        return t.cast(LessonPackage, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise CourseError(f"unreadable lesson package {path}: {exc}") from None
