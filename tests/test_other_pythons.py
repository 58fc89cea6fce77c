"""The course on every Python it supports (`requires-python` in pyproject.toml: 3.11 to
3.13). The suite itself runs on 3.11; here a virtual environment of each newer version runs
what depends on the interpreter: `utils.checks` walks bytecode, which changes with every
release; the grader (jobs, sandbox, kernel provisioner) grades in it; the lessons' solutions
validate in its kernels."""

from __future__ import annotations

import subprocess

import pytest

from autograder.common import ONE_BLAS_THREAD
from autograder.config import ROOT
from tests.support.environments import course_python, find_python

VERSIONS = ("3.12", "3.13")
SUITES = [
    "tests/test_checks.py",
    "tests/test_utils_docstrings.py",
    "tests/test_autograder_units.py",
    "tests/test_autograder_ids.py",
    "tests/test_autograder_sandbox.py::test_one_submission_graded_in_the_sandbox",
    "tests/test_lessons.py::test_solution_validates_and_shows_its_figures_and_widgets",
]


def test_the_versions_tested_are_those_pyproject_allows():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11,<3.14"' in text
    assert VERSIONS == ("3.12", "3.13")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_course_works_on(version, tmp_path):
    python = course_python(find_python(version), test_tools=True)
    env = {
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        **ONE_BLAS_THREAD,
    }
    done = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    tail = "\n".join(done.stdout.splitlines()[-40:])
    assert done.returncode == 0, f"Python {version}:\n{tail}\n{done.stderr[-2000:]}"
    assert " passed" in tail and "skipped" not in tail
