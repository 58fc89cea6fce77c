"""Write the student-facing copy of the course: what a student's Binder or laptop needs.

    python -m autograder publish DIR [--force] [--github OWNER/NAME]

The copy holds the student notebooks (`lessons/`), the `utils` package with a `pyproject.toml`
that installs only `utils`, the pinned runtime `requirements.txt` (with `-e .`), the Binder
configuration (`runtime.txt`, `start`, and a `postBuild` that hides nbgrader's instructor
tools), a minimal `nbgrader_config.py` for the Validate button, and a README for students.
Never in it: `solutions/`, hidden tests, the autograder, the test suites (they hold reference
answers), benchmarks, grading state.

The copy is checked before anything is written: a solution or hidden-test marker in any
file stops the command. DIR must be outside the repository and empty, unless `--force`,
which replaces the paths the copy consists of and leaves anything else in DIR (a `.git`, a
licence) alone, so that DIR can be a checkout of the students' repository.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..config import ROOT, Course, CourseError
from ..markers import leaked_markers
from ..rendering import render

# Top-level entries copied from the repository besides the release directory; with the
# generated files, they are what `--force` replaces.
COPIED_TREES = ("utils",)
BINDER_FILES = ("runtime.txt", "start")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
BINDER_URL = "https://mybinder.org/v2/gh/{repo}/HEAD?urlpath=lab/tree/{folder}"
GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
TITLE = re.compile(r"^#\s*Lesson\s+\d+\s*[:·-]\s*(?P<title>.+?)\s*$")
TEMPLATES = "autograder.authoring"


@dataclass(frozen=True)
class Lesson:
    """A lesson of the copy: its id (`03_broadcasting`) and the title of its notebook."""

    id: str
    title: str


def _lessons(course: Course) -> list[Lesson]:
    """The student notebooks of the release directory, with each one's first heading."""
    lessons = []
    for notebook in sorted(course.release.glob("*/*.ipynb")):
        if notebook.stem != notebook.parent.name:
            continue
        nb = nbformat.read(str(notebook), as_version=4)
        first = nb.cells[0].source.splitlines()[0] if nb.cells and nb.cells[0].source else ""
        match = TITLE.match(first)
        lessons.append(Lesson(notebook.stem, match["title"] if match else notebook.stem))
    missing = sorted(set(course.lesson_ids()) - {lesson.id for lesson in lessons})
    if missing or not lessons:
        raise CourseError(
            f"no student notebook for {', '.join(missing) or 'any lesson'} in "
            f"{course.release}; run `python -m autograder release` first"
        )
    return lessons


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _check_target(target: Path, root: Path, force: bool) -> None:
    """Refuse a DIR inside the repository, a file, or a non-empty DIR without `force`."""
    if _inside(target, root):
        raise CourseError(f"refusing to publish into the repository itself: {target}")
    if target.exists() and not target.is_dir():
        raise CourseError(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise CourseError(f"{target} is not empty; use --force to replace a previous copy")


def _check_sources(trees: list[Path]) -> None:
    """Every file that will be copied is free of solution and hidden-test markers."""
    problems = [
        f"{path}: {', '.join(found)}"
        for tree in trees
        for path in sorted(tree.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and (found := leaked_markers(path.read_text(encoding="utf-8", errors="replace")))
    ]
    if problems:
        raise CourseError("a file of the student copy would show answers: " + "; ".join(problems))


def requirements(root: Path) -> str:
    """The student `requirements.txt`: the repository's pinned runtime requirements."""
    pins = [
        line.strip()
        for line in (root / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if "-e ." not in pins:
        raise CourseError("requirements.txt should end with `-e .` (the course's own package)")
    pins.remove("-e .")
    return render(TEMPLATES, "requirements.txt.j2", pins=pins)


def pyproject(root: Path) -> str:
    """A `pyproject.toml` that installs only the `utils` package (with its data files)."""
    data = tomllib.loads((root / "pyproject.toml").read_text())
    project = data["project"]
    setuptools = data.get("tool", {}).get("setuptools", {})
    packages = [p for p in setuptools.get("packages", []) if p.split(".")[0] == "utils"]
    package_data = {
        name: patterns
        for name, patterns in setuptools.get("package-data", {}).items()
        if name.split(".")[0] == "utils"
    }
    if "utils" not in packages:
        raise CourseError("pyproject.toml does not package `utils`")
    return render(
        TEMPLATES,
        "pyproject.toml.j2",
        name=project["name"],
        version=project["version"],
        requires_python=project.get("requires-python", ">=3.11"),
        packages=packages,
        package_data=package_data,
    )


def nbgrader_config(course: Course) -> str:
    """The student `nbgrader_config.py`: the course id and Validate's per-cell timeout."""
    return render(
        TEMPLATES, "nbgrader_config.py.j2", course_id=course.course_id, timeout=course.cell_timeout
    )


def readme(lessons: list[Lesson], github: str | None, folder: str) -> str:
    """The students' README: how to open the course, how to work an exercise, the lessons."""
    url = BINDER_URL.format(repo=github, folder=folder) if github else None
    return render(TEMPLATES, "README.md.j2", binder_url=url, lessons=lessons, folder=folder)


def publish(
    target: str | Path, force: bool = False, github: str | None = None, root: Path = ROOT
) -> Path:
    """Write the student copy of the course at `root` into `target`; return its path.

    `github` (`OWNER/NAME`) is the repository the copy will be pushed to, for the README's
    Binder badge. Raises `CourseError` for a target inside the repository, a non-empty
    target without `force`, or a file that would show a solution or a hidden test.
    """
    target = Path(target).expanduser().resolve()
    root = root.resolve()
    course = Course.at(root)
    if github is not None and not GITHUB_REPO.match(github):
        raise CourseError(f"--github expects OWNER/NAME, got {github!r}")
    _check_target(target, root, force)
    trees = {course.release.name: course.release, **{name: root / name for name in COPIED_TREES}}
    _check_sources(list(trees.values()))
    lessons = _lessons(course)
    files = {
        "README.md": readme(lessons, github, course.release.name),
        "pyproject.toml": pyproject(root),
        "requirements.txt": requirements(root),
        "nbgrader_config.py": nbgrader_config(course),
        "postBuild": render(TEMPLATES, "postBuild.j2"),
        ".gitignore": "__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n.venv/\n",
    }
    target.mkdir(parents=True, exist_ok=True)
    for name in (*trees, *BINDER_FILES, *files):
        old = target / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
    for name, tree in trees.items():
        shutil.copytree(tree, target / name, ignore=IGNORED)
    for name in BINDER_FILES:
        shutil.copy2(root / name, target / name)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    (target / "postBuild").chmod(0o755)
    return target
