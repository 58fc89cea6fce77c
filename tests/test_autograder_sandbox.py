"""The sandbox where instructors grade: a normal user grades through the command line with
the same guarantees as root (the isolation, limits and tampering modules run their tests in
both modes), and where the sandbox cannot run, the refusal names the cause and the fix."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.batch.grade import grade
from autograder.kernel import sandbox
from tests.support.environments import (
    course_python,
    give,
    normal_user,
    run_as,
    system_python,
    user_environment,
)
from tests.support.grading_helpers import (
    LESSON,
    LIMITS,
    make_course,
    require_sandbox,
    submission,
    write_submission,
)

REFUSAL = "bwrap: setting up uid map: Permission denied"


@pytest.fixture(scope="module")
def instructor():
    """The normal user, the Python they grade with, and a folder in their home."""
    require_sandbox()
    user = normal_user()
    python = course_python(system_python(), for_all=True) if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="sandbox-test-", dir=user.home))
    yield user, python or Path(sys.executable), base
    shutil.rmtree(base, ignore_errors=True)


def _as_instructor(instructor, *argv: str, timeout: float = 600):
    user, python, base = instructor
    home = base / "home"
    home.mkdir(exist_ok=True)
    give(base, user)
    return run_as(user, [str(python), *argv], user_environment(user, python, home), base, timeout)


def test_a_normal_user_grades_through_the_command_line(instructor):
    user, _, base = instructor
    root = make_course(base / "course")
    write_submission(base / "in", "alice", submission(root))
    done = _as_instructor(
        instructor,
        "-m",
        "autograder",
        "grade",
        LESSON,
        "--submissions",
        str(base / "in"),
        "--course-dir",
        str(base / "grading"),
        "--root",
        str(root),
        "--workers",
        "1",
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "graded 1 submission(s): 1 graded" in done.stdout
    result = json.loads((base / "grading" / "results" / LESSON / "alice.json").read_text())
    assert result["score"] == 4.0 and result["status"] == "graded"
    assert (base / "grading" / "gradebook.db").stat().st_uid == user.uid


def test_a_normal_user_without_user_namespaces_is_refused_with_the_cause(instructor):
    """Inside a sandbox that forbids nested user namespaces (as some containers do)."""
    bwrap = shutil.which("bwrap")
    assert bwrap is not None
    check = "from autograder.kernel.sandbox import sandbox_problem; print(sandbox_problem())"
    user, python, base = instructor
    home = base / "home"
    home.mkdir(exist_ok=True)
    give(base, user)
    outer = [
        bwrap,
        "--unshare-user",
        "--disable-userns",
        "--bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--",
        str(python),
        "-c",
        check,
    ]
    done = run_as(user, outer, user_environment(user, python, home), base, 120)
    assert done.returncode == 0, done.stderr
    message = done.stdout.strip()
    assert "could not create its namespaces" in message
    assert "grade as root" in message and "--unsafe" in message
    assert "Where grading is safe" in message


@pytest.mark.parametrize(
    ("sysctls", "cause", "fix"),
    [
        (
            {"kernel/apparmor_restrict_unprivileged_userns": "1"},
            "AppArmor restricts",
            "AppArmor profile",
        ),
        (
            {"kernel/unprivileged_userns_clone": "0"},
            "switched off",
            "sysctl -w kernel.unprivileged_userns_clone=1",
        ),
        (
            {"user/max_user_namespaces": "0"},
            "switched off",
            "sysctl -w user.max_user_namespaces=15000",
        ),
        (
            {
                "kernel/apparmor_restrict_unprivileged_userns": "0",
                "user/max_user_namespaces": "15000",
            },
            "could not create",
            "grade as root",
        ),
    ],
)
def test_each_cause_of_a_refusal_names_its_fix(tmp_path, sysctls, cause, fix):
    for name, value in sysctls.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(value + "\n")
    message = sandbox.userns_problem(REFUSAL, root=tmp_path)
    assert cause in message and fix in message


def test_the_readme_shows_the_apparmor_profile_the_refusal_points_to():
    text = (Path(sandbox.__file__).parent.parent / "README.md").read_text()
    section = text[text.index("## Where grading is safe") :]
    assert "profile bwrap /usr/bin/bwrap flags=(unconfined)" in section
    assert "userns," in section and "apparmor_parser -r" in section


def test_other_systems_are_refused_with_what_to_do(monkeypatch):
    monkeypatch.setattr(sandbox.sys, "platform", "darwin")
    problem = sandbox.sandbox_problem()
    assert problem is not None
    assert "needs Linux" in problem and "darwin" in problem and "--unsafe" in problem


def test_one_submission_graded_in_the_sandbox(tmp_path):
    """The grader as this interpreter runs it (the other-Python runs use this test)."""
    require_sandbox()
    root = make_course(tmp_path / "course")
    write_submission(tmp_path / "in", "alice", submission(root))
    summary = grade(
        LESSON,
        tmp_path / "in",
        tmp_path / "grading",
        workers=1,
        limits=LIMITS,
        root=root,
        progress=False,
    )
    assert [r["status"] for r in summary.graded] == ["graded"], summary.graded
    assert (
        json.loads((tmp_path / "grading" / "results" / LESSON / "alice.json").read_text())["score"]
        == 4.0
    )
