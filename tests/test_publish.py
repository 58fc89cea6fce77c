"""`python -m autograder publish DIR`: the student copy holds what a student needs and
nothing of the solutions.

That the copy builds a working environment (a fresh one from its requirements.txt alone,
JupyterLab with Validate, `utils` importable from a lesson) is shown by
`tests/test_binder.py`'s "student copy" build.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.publish import publish
from autograder.cli import main
from autograder.config import ROOT, CourseError
from autograder.markers import HIDDEN_TEST_MARKERS, SOLUTION_MARKERS

EXPECTED_ENTRIES = {
    ".gitignore",
    "README.md",
    "lessons",
    "nbgrader_config.py",
    "postBuild",
    "pyproject.toml",
    "requirements.txt",
    "runtime.txt",
    "start",
    "utils",
}
# Solution blocks that `utils` holds on purpose: the reference implementations later lessons
# build on (COURSE.md: each lesson may use `utils` for what earlier lessons taught). A
# student can read them there; a new entry here is a decision, not an accident.
# (lesson, grade id of the answer cell)
KNOWN_REFERENCE_OVERLAP = {("01_logistic_regression", "optimize")}
BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish(tmp_path_factory.mktemp("published") / "course", github="example/nn-course")


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def _code_lines(text: str) -> str:
    """Non-blank, non-comment lines, stripped: the code a block consists of."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("#"))


def _readable(path: Path) -> str:
    """A file's text; a notebook's cell sources (so JSON quoting does not hide code)."""
    if path.suffix == ".ipynb":
        return "\n".join(cell.source for cell in nbformat.read(str(path), as_version=4).cells)
    return path.read_text(encoding="utf-8", errors="replace")


def _solution_blocks() -> list[tuple[str, str, str, str]]:
    """(lesson, grade id, kind, code) of every solution and hidden-test block."""
    blocks = []
    for notebook in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in nbformat.read(str(notebook), as_version=4).cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            for match in BLOCK.finditer(cell.source):
                code = _code_lines(match.group(2))
                if code:
                    blocks.append((notebook.stem, grade_id, match.group(1), code))
    return blocks


def test_the_copy_has_what_a_student_needs(copy: Path):
    assert {path.name for path in copy.iterdir()} == EXPECTED_ENTRIES
    lessons = sorted(p.relative_to(ROOT) for p in (ROOT / "lessons").rglob("*.ipynb"))
    assert lessons and lessons == sorted(p.relative_to(copy) for p in copy.rglob("*.ipynb"))
    for name in lessons:
        assert filecmp.cmp(ROOT / name, copy / name, shallow=False), f"{name} differs"
    glossary = Path("lessons", "GLOSSARY.md")
    assert filecmp.cmp(ROOT / glossary, copy / glossary, shallow=False), "the course glossary"
    for path in _files(ROOT / "utils"):
        if "__pycache__" not in path.parts:
            name = path.relative_to(ROOT)
            assert filecmp.cmp(path, copy / name, shallow=False), f"{name} differs"
    assert not list(copy.rglob("__pycache__"))

    project = tomllib.loads((copy / "pyproject.toml").read_text())
    assert project["tool"]["setuptools"]["packages"] == ["utils", "utils.data"]
    assert project["tool"]["setuptools"]["package-data"] == {"utils.data": ["*.gz", "*.md"]}
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["requires-python"] == repo["project"]["requires-python"]

    def pins(path: Path) -> list[str]:
        lines = (line.strip() for line in path.read_text().splitlines())
        return [line for line in lines if line and not line.startswith("#")]

    assert pins(copy / "requirements.txt") == pins(ROOT / "requirements.txt")
    for name in ("runtime.txt", "start"):
        assert (copy / name).read_bytes() == (ROOT / name).read_bytes()
    for name in ("start", "postBuild"):
        assert os.access(copy / name, os.X_OK), f"{name} must be executable"
    assert "Execute.timeout = 60" in (copy / "nbgrader_config.py").read_text()

    readme = (copy / "README.md").read_text()
    badge = "https://mybinder.org/v2/gh/example/nn-course/HEAD?urlpath=lab/tree/lessons"
    assert badge in readme
    for notebook in lessons:
        assert f"({notebook.as_posix()})" in readme, f"the README links {notebook}"
    assert "Validate" in readme and "NotImplementedError" in readme


def test_the_copy_contains_nothing_from_solutions(copy: Path):
    copied = _files(copy)
    for source in _files(ROOT / "solutions"):
        same = [p for p in copied if filecmp.cmp(source, p, shallow=False)]
        assert not same, f"{source.relative_to(ROOT)} was copied as {same}"
    texts = {path: _readable(path) for path in copied if path.suffix != ".gz"}
    for path, text in texts.items():
        found = [m for m in SOLUTION_MARKERS + HIDDEN_TEST_MARKERS if m in text]
        assert not found, f"{path.relative_to(copy)} shows {found}"
    code = {path: _code_lines(text) for path, text in texts.items()}

    blocks = _solution_blocks()
    assert any(kind == "SOLUTION" for *_, kind, _ in blocks)
    assert any(kind == "HIDDEN TESTS" for *_, kind, _ in blocks)
    overlap = set()
    for lesson, grade_id, kind, block in blocks:
        for path, text in code.items():
            if block not in text:
                continue
            where = path.relative_to(copy)
            assert kind == "SOLUTION", f"a hidden test of {lesson} ({grade_id}) is in {where}"
            assert where.parts[0] == "utils", f"the solution of {lesson}:{grade_id} is in {where}"
            overlap.add((lesson, grade_id))
    assert overlap <= KNOWN_REFERENCE_OVERLAP, (
        f"utils now holds more exercise solutions verbatim: {overlap - KNOWN_REFERENCE_OVERLAP}"
    )

    for forbidden in ("solutions", "tests", "autograder", "benchmarks", "gradebook.db"):
        assert not list(copy.rglob(forbidden)), f"{forbidden} in the student copy"


def test_refuses_a_non_empty_directory_unless_forced(tmp_path: Path):
    target = tmp_path / "course"
    (target / ".git").mkdir(parents=True)
    (target / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    with pytest.raises(CourseError, match="not empty"):
        publish(target)
    assert {p.name for p in target.iterdir()} == {".git"}

    stale = target / "lessons" / "99_removed" / "99_removed.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    (target / "LICENSE").write_text("the students' repository's own file\n")
    publish(target, force=True)
    assert not stale.exists(), "a lesson no longer in the course is removed"
    assert (target / ".git" / "HEAD").exists() and (target / "LICENSE").exists()
    assert {p.name for p in target.iterdir()} == EXPECTED_ENTRIES | {".git", "LICENSE"}


@pytest.mark.parametrize("inside", [".", "lessons", "build/student-copy"])
def test_never_writes_inside_the_repository(inside: str):
    target = ROOT / inside
    existed = target.exists()
    with pytest.raises(CourseError, match="repository itself"):
        publish(target, force=True)
    assert target.exists() == existed


def test_refuses_a_course_whose_lessons_would_show_answers(tmp_path: Path):
    root = tmp_path / "repo"
    for tree in ("lessons", "utils"):
        shutil.copytree(ROOT / tree, root / tree, ignore=shutil.ignore_patterns("__pycache__"))
    for name in (
        "requirements.txt",
        "pyproject.toml",
        "nbgrader_config.py",
        "runtime.txt",
        "start",
    ):
        shutil.copy2(ROOT / name, root / name)
    notebook = sorted((root / "lessons").glob("*/*.ipynb"))[0]
    nb = nbformat.read(str(notebook), as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell("### BEGIN HIDDEN TESTS\nassert True\n### END HIDDEN TESTS")
    )
    nbformat.write(nb, str(notebook))
    target = tmp_path / "copy"
    with pytest.raises(CourseError, match="HIDDEN TESTS"):
        publish(target, root=root)
    assert not target.exists(), "nothing is written when a file would leak"


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "course"
    assert main(["publish", str(target)]) == 0
    out = capsys.readouterr().out
    assert str(target) in out and "no Binder badge" in out
    assert "mybinder.org/v2" not in (target / "README.md").read_text()
    assert main(["publish", str(target)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["publish", str(target), "--force", "--github", "not a repo"]) == 2
    assert "OWNER/NAME" in capsys.readouterr().err
    assert main(["publish", str(target), "--force", "--github", "org/course-2026"]) == 0
    assert "gh/org/course-2026/HEAD" in (target / "README.md").read_text()
