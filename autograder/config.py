"""The course: where it lives, its lessons, and nbgrader's configuration of it.

Paths come from `nbgrader_config.py` at the course root, read through nbgrader's own
`CourseDirectory`: `source_directory` holds the instructor's notebooks (solutions and
hidden tests), `release_directory` the students' notebooks. Release, grading and publishing
all ask a `Course` for them, so they agree with nbgrader and the formgrader.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_COURSE_DIR = ROOT / "grading"  # grading state when no --course-dir is given
LESSON_ID = re.compile(r"^\d\d_[a-z0-9_]+$")
CONFIG_FILE = "nbgrader_config.py"


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
    path = root / CONFIG_FILE
    if not path.is_file():
        raise CourseError(f"no {CONFIG_FILE} in {root}")
    return PyFileConfigLoader(path.name, path=str(root)).load_config()


@dataclass(frozen=True)
class Course:
    """One course root: its nbgrader configuration, source and release directories, lessons.

    `source` and `release` are absolute: nbgrader's `source_directory` and
    `release_directory`, relative to `root` unless the configuration gives absolute paths.
    """

    root: Path
    source: Path
    release: Path
    course_id: str
    config: Config = field(compare=False, repr=False)

    @classmethod
    def at(cls, root: Path = ROOT) -> Course:
        """The course whose `nbgrader_config.py` is in `root`."""
        root = Path(root).resolve()
        config = load_config(root)
        coursedir = CourseDirectory(config=config, root=str(root))
        return cls(
            root=root,
            source=(root / coursedir.source_directory).resolve(),
            release=(root / coursedir.release_directory).resolve(),
            course_id=str(coursedir.course_id or "course"),
            config=config,
        )

    @property
    def db_url(self) -> str | None:
        """The gradebook's SQLAlchemy URL when `nbgrader_config.py` sets one
        (`c.CourseDirectory.db_url`, e.g. a PostgreSQL server); None otherwise."""
        value = self.config.CourseDirectory.get("db_url", None)
        return str(value) if value else None

    @property
    def cell_timeout(self) -> int:
        """nbgrader's per-cell time limit (`Execute.timeout`), 60 s when not set."""
        value = self.config.Execute.get("timeout", None)
        return int(value) if isinstance(value, int) and value > 0 else 60

    def lesson_ids(self) -> list[str]:
        """Ids of the lessons in the source directory, each `<id>/<id>.ipynb`."""
        if not self.source.is_dir():
            return []
        return sorted(
            p.name
            for p in self.source.iterdir()
            if LESSON_ID.match(p.name) and (p / f"{p.name}.ipynb").is_file()
        )

    def check_lesson(self, lesson: str) -> str:
        """`lesson` if it names a lesson of the source directory, else `CourseError`."""
        known = self.lesson_ids()
        if lesson not in known:
            raise CourseError(
                f"unknown lesson {lesson!r}; known lessons: {', '.join(known) or 'none'}"
            )
        return lesson

    def source_notebook(self, lesson: str) -> Path:
        """The instructor's notebook of `lesson`."""
        return self.source / lesson / f"{lesson}.ipynb"

    def release_notebook(self, lesson: str) -> Path:
        """The students' notebook of `lesson`."""
        return self.release / lesson / f"{lesson}.ipynb"


def lesson_ids(root: Path = ROOT) -> list[str]:
    """The lesson ids of the course at `root` (`Course.at(root).lesson_ids()`)."""
    return Course.at(root).lesson_ids()
