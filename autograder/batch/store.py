"""The grading directory (`--course-dir`): nbgrader's layout plus the grader's results.

    <course-dir>/
      nbgrader_config.py                  lets `nbgrader formgrader` run from here
      gradebook.db                        nbgrader's gradebook (written by the grader only)
      release/<lesson>/<lesson>.ipynb     the lesson as nbgrader generated it for grading
      packages/<lesson>.json              the lesson package the jobs grade against
      submitted/<student>/<lesson>/       the submitted notebook, as received
      autograded/<student>/<lesson>/      the executed notebook (formgrader, feedback)
      feedback/<student>/<lesson>/        the HTML feedback
      results/<lesson>/<key>.json         one result per student (the report's source)

Every file is written atomically (temporary file, fsync, rename), so a killed grader
leaves either the old or the new version, never half of one. Every path is checked to stay
inside the grading directory. One command at a time works on a lesson (`.lock-<lesson>`).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import typing as t
from pathlib import Path

from ..config import CourseError
from ..rendering import render
from ..schema import Result


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_json(path: Path, data: t.Any) -> None:
    """`atomic_write` of `data` as indented, key-sorted JSON."""
    atomic_write(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))


class CourseDir:
    """Paths in one grading directory; see the module docstring.

    The gradebook is `gradebook.db` in the directory unless `db_url` names another
    database (a SQLAlchemy URL).
    """

    def __init__(self, root: Path, db_url: str | None = None) -> None:
        self.root = root.resolve()
        self._db_url = db_url

    def inside(self, *parts: str) -> Path:
        """`root/parts...`, refusing anything that would leave the grading directory."""
        path = self.root.joinpath(*parts).resolve()
        if path != self.root and not path.is_relative_to(self.root):
            raise CourseError(f"refusing to write outside {self.root}: {path}")
        return path

    @property
    def gradebook(self) -> Path:
        """nbgrader's gradebook file."""
        return self.root / "gradebook.db"

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL."""
        return self._db_url or f"sqlite:///{self.gradebook}"

    def has_gradebook(self) -> bool:
        """Whether the gradebook exists (a database server's is assumed to)."""
        return self._db_url is not None or self.gradebook.is_file()

    def release_notebook(self, lesson: str) -> Path:
        """The lesson as nbgrader generated it for grading."""
        return self.inside("release", lesson, f"{lesson}.ipynb")

    def package(self, lesson: str) -> Path:
        """The lesson package's file."""
        return self.inside("packages", f"{lesson}.json")

    def submitted(self, student: str, lesson: str) -> Path:
        """The student's notebook as received."""
        return self.inside("submitted", student, lesson, f"{lesson}.ipynb")

    def autograded(self, student: str, lesson: str) -> Path:
        """The student's executed notebook."""
        return self.inside("autograded", student, lesson, f"{lesson}.ipynb")

    def feedback(self, student: str, lesson: str) -> Path:
        """The student's feedback page."""
        return self.inside("feedback", student, lesson, f"{lesson}.html")

    def results(self, lesson: str) -> Path:
        """The folder of a lesson's results."""
        return self.inside("results", lesson)

    def result(self, lesson: str, key: str) -> Path:
        """One student's result file."""
        return self.inside("results", lesson, f"{key}.json")

    def read_results(self, lesson: str) -> list[Result]:
        """Every stored result of `lesson`, sorted by student key."""
        folder = self.results(lesson)
        found: list[Result] = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                found.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError) as exc:
                raise CourseError(f"unreadable result {path}: {exc}") from None
        return found

    def write_config(self, course_id: str, source: Path) -> None:
        """Write the grading directory's `nbgrader_config.py` (for the formgrader)."""
        text = render(
            "autograder.batch",
            "nbgrader_config.py.j2",
            course_id=course_id,
            root=str(self.root),
            source=str(source),
            db_url=self.db_url,
        )
        path = self.inside("nbgrader_config.py")
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text.encode("utf-8"))


class RunLock:
    """An exclusive lock on one lesson of the grading directory for the duration of a
    command: two commands on one lesson wait for each other, commands on different lessons
    run at once (the gradebook takes their writes student by student)."""

    def __init__(self, course: CourseDir, lesson: str) -> None:
        self.path = course.inside(f".lock-{lesson}")
        self.lesson = lesson
        self.handle: t.IO[str] | None = None

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a")  # noqa: SIM115  (held until __exit__)
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise CourseError(
                f"another grading command is working on {self.lesson} in {self.path.parent}; "
                "wait for it to finish"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
