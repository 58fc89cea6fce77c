"""Guarantee 1, isolation: student code runs in a sandbox without network, cannot read the
solutions, the gradebook, the grader's files or other students' work, and can write only
its own scratch directory; without a usable sandbox the grader refuses unless --unsafe."""

from __future__ import annotations

import json
import re

import pytest

from autograder.batch.grade import grade
from autograder.config import ROOT, CourseError
from autograder.kernel import sandbox
from tests.support.grading_crafted import batch_in_each_mode  # noqa: F401  (`batch`, in each mode)
from tests.support.grading_helpers import (
    LESSON,
    LIMITS,
    executed_text,
    make_course,
    result_of,
    submission,
    write_submission,
)


@pytest.fixture(scope="module")
def snoop(batch) -> dict[str, str]:
    text = executed_text(batch.course_dir, "snoop")
    found = re.search(r"SNOOP (\{.*\})", text)
    assert found, text[:2000]
    return json.loads(found.group(1))


def test_student_code_cannot_read_solutions_gradebook_or_other_students(batch, snoop):
    reads = {k: v for k, v in snoop.items() if not k.startswith(("write ", "connect "))}
    repo_root = str(ROOT)  # the kernel sees the repository's folder: its venv and utils only
    secret = [k for k in reads if k != repo_root]
    denied = ("FileNotFoundError", "PermissionError")
    assert secret and all(reads[k] in denied for k in secret), reads
    repo = [k for k in reads if k == repo_root]
    assert all("solutions" not in reads[k] and "grading" not in reads[k] for k in repo), reads


def test_student_code_can_write_only_its_scratch_directory(batch, snoop):
    writes = {k: v for k, v in snoop.items() if k.startswith("write ")}
    assert writes.pop("write /tmp/work/scratch.txt") == "written"
    assert writes and all(v != "written" for v in writes.values()), writes
    leftovers = [p for p in batch.root.parent.rglob("evil.txt")]
    assert leftovers == []
    assert not (batch.root.parent.parent / "solutions" / "evil.txt").exists()


def test_student_code_has_no_network(batch, snoop):
    connects = {k: v for k, v in snoop.items() if k.startswith("connect ")}
    assert len(connects) == 2 and "connected" not in connects.values(), connects
    assert batch.listener_hits == []


def test_isolation_does_not_cost_correct_answers_their_points(batch):
    assert result_of(batch.course_dir, "snoop")["score"] == 4.0


def test_grading_refuses_without_bubblewrap(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    write_submission(tmp_path / "in", "alice", submission(root))
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(CourseError, match=r"apt-get install bubblewrap.*--unsafe"):
        grade(
            LESSON,
            tmp_path / "in",
            tmp_path / "grading",
            workers=1,
            limits=LIMITS,
            root=root,
            progress=False,
        )
    assert not (tmp_path / "grading" / "results").exists()


def test_unsafe_grades_without_the_sandbox(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course")
    write_submission(tmp_path / "in", "alice", submission(root))
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)  # proves bwrap is unused
    summary = grade(
        LESSON,
        tmp_path / "in",
        tmp_path / "grading",
        workers=1,
        limits=LIMITS,
        unsafe=True,
        root=root,
        progress=False,
    )
    assert [r["status"] for r in summary.graded] == ["graded"]
    assert result_of(tmp_path / "grading", "alice")["score"] == 4.0
