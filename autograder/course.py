"""Where the course lives and how nbgrader is configured for it."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
LESSON_ID = re.compile(r"^\d\d_[a-z0-9_]+$")

# Markers nbgrader uses in source notebooks; none may reach a student-facing file.
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")


def _put_scripts_on_path() -> None:
    """nbgrader runs the `alembic` script by name: make this interpreter's scripts findable."""
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


_put_scripts_on_path()


class CourseError(Exception):
    """An instructor-side problem (unknown lesson, missing directory): one clear line."""


def load_config(root: Path = ROOT) -> Config:
    """Read `nbgrader_config.py` from the course root into a traitlets Config."""
    path = root / "nbgrader_config.py"
    if not path.is_file():
        raise CourseError(f"no nbgrader_config.py in {root}")
    return PyFileConfigLoader(path.name, path=str(root)).load_config()


def lesson_ids(root: Path = ROOT) -> list[str]:
    """Ids of the lessons in `solutions/`, each a folder holding `<id>/<id>.ipynb`."""
    source = root / "solutions"
    if not source.is_dir():
        return []
    return sorted(
        p.name
        for p in source.iterdir()
        if LESSON_ID.match(p.name) and (p / f"{p.name}.ipynb").is_file()
    )


def check_lesson(lesson: str, root: Path = ROOT) -> str:
    """Return `lesson` if it names a lesson in `solutions/`, else raise `CourseError`."""
    known = lesson_ids(root)
    if lesson not in known:
        raise CourseError(f"unknown lesson {lesson!r}; known lessons: {', '.join(known) or 'none'}")
    return lesson
