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

from .course import (
    HIDDEN_TEST_MARKERS,
    ROOT,
    SOLUTION_MARKERS,
    CourseError,
    lesson_ids,
    load_config,
)

# Top-level entries copied from the repository; with the generated files, they are what
# `--force` replaces.
COPIED_TREES = ("lessons", "utils")
BINDER_FILES = ("runtime.txt", "start")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
BINDER_URL = "https://mybinder.org/v2/gh/{repo}/HEAD?urlpath=lab/tree/lessons"
GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
TITLE = re.compile(r"^#\s*Lesson\s+\d+\s*[:·-]\s*(?P<title>.+?)\s*$")

# nbgrader's lab and server extensions a student has no use for: the formgrader and the
# create-assignment toolbar are the instructor's; the assignment and course lists need an
# nbgrader exchange, which Binder and a laptop do not have. Validate stays.
STUDENT_POSTBUILD = """\
#!/bin/bash
# Binder (repo2docker) runs this once after installing requirements.txt: hide nbgrader's
# instructor tools (disabled and locked, so the plugin manager does not offer them back);
# students keep the Validate button.
set -euo pipefail
plugins="@jupyter/nbgrader:formgrader @jupyter/nbgrader:create-assignment
         @jupyter/nbgrader:assignment-list @jupyter/nbgrader:course-list"
jupyter labextension disable --level=sys_prefix $plugins
jupyter labextension lock --level=sys_prefix $plugins
jupyter server extension disable --sys-prefix nbgrader.server_extensions.formgrader \\
    nbgrader.server_extensions.assignment_list nbgrader.server_extensions.course_list
"""


@dataclass(frozen=True)
class Lesson:
    """A lesson of the copy: its id (`03_broadcasting`) and the title of its notebook."""

    id: str
    title: str


def _lessons(root: Path) -> list[Lesson]:
    """The student notebooks in `root/lessons/`, with the title of each one's first heading."""
    lessons = []
    for notebook in sorted((root / "lessons").glob("*/*.ipynb")):
        if notebook.stem != notebook.parent.name:
            continue
        nb = nbformat.read(str(notebook), as_version=4)
        first = nb.cells[0].source.splitlines()[0] if nb.cells and nb.cells[0].source else ""
        match = TITLE.match(first)
        lessons.append(Lesson(notebook.stem, match["title"] if match else notebook.stem))
    missing = sorted(set(lesson_ids(root)) - {lesson.id for lesson in lessons})
    if missing or not lessons:
        raise CourseError(
            f"no student notebook for {', '.join(missing) or 'any lesson'} in "
            f"{root / 'lessons'}; run `python -m autograder release` first"
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


def _leaks(path: Path) -> list[str]:
    """nbgrader markers of solutions or hidden tests found in the file at `path`."""
    text = path.read_text(encoding="utf-8", errors="replace")
    return [marker for marker in SOLUTION_MARKERS + HIDDEN_TEST_MARKERS if marker in text]


def _check_sources(root: Path) -> None:
    """Every file that will be copied is free of solution and hidden-test markers."""
    problems = [
        f"{path.relative_to(root)}: {', '.join(found)}"
        for tree in COPIED_TREES
        for path in sorted((root / tree).rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and (found := _leaks(path))
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
    return "\n".join(
        [
            "# What the course needs, pinned (Python 3.11). Binder builds from this file.",
            *pins,
            "# the course's `utils` package, importable from every lesson's folder",
            "-e .",
            "",
        ]
    )


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

    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{item}"' for item in items) + "]"

    lines = [
        "[build-system]",
        'requires = ["setuptools>=68"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f'name = "{project["name"]}-student"',
        f'version = "{project["version"]}"',
        'description = "The student copy of a Jupyter course on the foundations of neural '
        'networks: lessons and the shared utils package."',
        f'requires-python = "{project.get("requires-python", ">=3.11")}"',
        "",
        "[tool.setuptools]",
        f"packages = {toml_list(packages)}",
    ]
    if package_data:
        lines += ["", "[tool.setuptools.package-data]"]
        lines += [f'"{name}" = {toml_list(patterns)}' for name, patterns in package_data.items()]
    return "\n".join(lines) + "\n"


def nbgrader_config(root: Path) -> str:
    """The student `nbgrader_config.py`: the course id and Validate's per-cell timeout."""
    config = load_config(root)
    course_id = config.CourseDirectory.get("course_id", "course")
    timeout = config.Execute.get("timeout", 30)
    return (
        '"""nbgrader settings for the Validate button (the student copy of the course)."""\n'
        "\n"
        "c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)\n"
        "\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.Execute.timeout = {int(timeout)}  # seconds per cell, as in grading\n"
    )


def readme(lessons: list[Lesson], github: str | None) -> str:
    """The students' README: how to open the course, how to work an exercise, the lessons."""
    if github:
        url = BINDER_URL.format(repo=github)
        launch = [
            f"[![Binder](https://mybinder.org/badge_logo.svg)]({url})",
            "",
            "**In your browser, nothing to install:** click the Binder badge above. The first "
            "start takes a few minutes; JupyterLab then opens on the `lessons/` folder.",
            "Binder sessions are temporary: **download your notebook** (File > Download) "
            "before you close the tab, or after 10 minutes without activity it is lost.",
        ]
    else:
        launch = [
            "**In your browser:** open this repository on [Binder](https://mybinder.org) "
            "with the path `lab/tree/lessons`; JupyterLab opens on the `lessons/` folder.",
            "Binder sessions are temporary: **download your notebook** (File > Download) "
            "before you close the tab.",
        ]
    table = [
        "| # | notebook | topic |",
        "| --- | --- | --- |",
        *[
            f"| {lesson.id[:2]} | [`{lesson.id}`](lessons/{lesson.id}/{lesson.id}.ipynb) "
            f"| {lesson.title} |"
            for lesson in lessons
        ],
    ]
    return "\n".join(
        [
            "# Foundations of neural networks",
            "",
            "Short lessons that build a neural network from first principles, from logistic "
            "regression as a single neuron to a deep network trained with backpropagation and "
            "checked with gradient checking. Each lesson is a Jupyter notebook with the maths, "
            "figures, interactive explorers and exercises with tests. Key terms are also given "
            "in Chinese.",
            "",
            "## Open the course",
            "",
            *launch,
            "",
            "**On your computer** (Python 3.11):",
            "",
            "```bash",
            "python3 -m venv .venv",
            ".venv/bin/pip install -r requirements.txt      # Windows: .venv\\Scripts\\pip",
            ".venv/bin/jupyter lab lessons/",
            "```",
            "",
            "## The lessons",
            "",
            "Take them in order: each one uses what the earlier ones built (through the `utils` "
            "package of this repository).",
            "",
            *table,
            "",
            "## How to work through a lesson",
            "",
            "1. Run the cells from the top (**Run > Run All Cells** runs until the first "
            "exercise you have not done yet).",
            "2. In the code cell of each `### Exercise`, replace `# YOUR CODE HERE` and "
            "`raise NotImplementedError()` with your code.",
            "3. Run the test cell below it. A failure says what is wrong and hints why (a "
            "rank-1 array, a missing `1/m`, a transposed matrix). More tests, on other inputs, "
            "run when your work is graded: make your code general, not just right for the "
            "example.",
            "4. Answer the written questions in the cells marked `YOUR ANSWER HERE`.",
            "5. Press **Validate** in the notebook's toolbar: it runs the whole notebook and "
            "lists any test that still fails.",
            "6. Submit the notebook file (`lessons/<lesson>/<lesson>.ipynb`) as your "
            "instructor tells you. Do not rename it, and do not delete or change the test "
            "cells: they are restored from the original before grading.",
            "",
        ]
    )


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
    if github is not None and not GITHUB_REPO.match(github):
        raise CourseError(f"--github expects OWNER/NAME, got {github!r}")
    _check_target(target, root, force)
    _check_sources(root)
    lessons = _lessons(root)
    files = {
        "README.md": readme(lessons, github),
        "pyproject.toml": pyproject(root),
        "requirements.txt": requirements(root),
        "nbgrader_config.py": nbgrader_config(root),
        "postBuild": STUDENT_POSTBUILD,
        ".gitignore": "__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n.venv/\n",
    }
    target.mkdir(parents=True, exist_ok=True)
    for name in (*COPIED_TREES, *BINDER_FILES, *files):
        old = target / name
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        elif old.exists() or old.is_symlink():
            old.unlink()
    for tree in COPIED_TREES:
        shutil.copytree(root / tree, target / tree, ignore=IGNORED)
    for name in BINDER_FILES:
        shutil.copy2(root / name, target / name)
    for name, text in files.items():
        (target / name).write_text(text, encoding="utf-8")
    (target / "postBuild").chmod(0o755)
    return target
