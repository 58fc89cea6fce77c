"""The packages as pip builds them, from a clone of the course (`utils` and `autograder`) and
from the student copy `publish` writes (`utils` only): every module, template and data file in
the wheel, and a build that prints no warnings at whoever runs `course.py open` or
`course.py test`, or opens the student copy on Binder, for the first time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.authoring.publish import publish
from tests.support.environments import PACKAGE_TREES, checkout

SOURCES = {
    "course": (checkout, PACKAGE_TREES),
    "student copy": (publish, ("utils",)),
}


def _pip_quietly(*args: str) -> None:
    """Run `pip -v ARGS`; fail on an error or on any warning the build backend printed."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "-v", *args], capture_output=True, text=True, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    warnings = [line for line in output.splitlines() if "Warning" in line]
    assert not warnings, f"pip {' '.join(args)} warns:\n" + "\n".join(warnings)


@pytest.mark.parametrize("source", SOURCES)
def test_the_wheel_holds_every_package_file_and_builds_quietly(source: str, tmp_path: Path):
    make, trees = SOURCES[source]
    src = tmp_path / "src"
    make(src)
    _pip_quietly("wheel", "--no-deps", "-w", str(tmp_path), str(src))

    (wheel,) = tmp_path.glob("*.whl")
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if ".dist-info/" not in name}
    expected = {
        path.relative_to(src).as_posix()
        for tree in trees
        for path in (src / tree).rglob("*")
        if path.is_file()
    }
    assert expected, f"no package files found in the {source}"
    assert sorted(expected - shipped) == [], "files left out of the wheel"
    assert sorted(shipped - expected) == [], "files in the wheel that are not the package's"


@pytest.mark.parametrize("source", SOURCES)
def test_the_editable_install_is_quiet_and_imports_from_the_folder(source: str, tmp_path: Path):
    """Both requirements files install their folder with `-e .` (`course.py`, Binder): into a
    throw-away environment here, whose import path then reaches the folder's packages."""
    make, trees = SOURCES[source]
    src = tmp_path / "src"
    make(src)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _pip_quietly("--python", str(python), "install", "--no-deps", "-e", str(src))
    for tree in trees:
        found = subprocess.run(
            [str(python), "-c", f"import {tree}; print({tree}.__file__)"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert found == str(src / tree / "__init__.py")
