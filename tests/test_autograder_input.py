"""Guarantee 5, bad input: invalid JSON, wrong nbformat, a missing or extra notebook, a file
over the size limit, odd or hostile student ids (`../x`, non-ASCII, dotfiles, zip entries
escaping the archive): that student gets a clear status and reason, the batch continues, no
other student's grade changes, nothing is written outside the grading directory."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.batch.grade import grade
from autograder.batch.submissions import student_key
from tests.grading_helpers import (
    LESSON,
    LIMITS,
    make_course,
    require_sandbox,
    result_of,
    submission,
)


@pytest.mark.parametrize(
    ("student", "reason"),
    [
        ("invalid-json", "bad_notebook: the file is not valid JSON (line 1"),
        ("nbformat3", "bad_notebook: wrong notebook format: nbformat 3, expected 4"),
        ("not-utf8", "bad_notebook: the file is not UTF-8 text"),
        ("too-large", "too_large: 00_grading.ipynb is 2.0 MB, over the 1 MB limit"),
        ("missing", "missing_notebook: no 00_grading.ipynb in the submission (found: renamed"),
    ],
)
def test_bad_files_fail_with_a_clear_reason(batch, student, reason):
    result = result_of(batch.course_dir, student)
    assert result["status"] == "failed"
    assert result["score"] == 0.0
    assert any(r.startswith(reason) for r in result["reasons"]), result["reasons"]


def test_an_extra_notebook_is_flagged_and_the_right_one_graded(batch):
    result = result_of(batch.course_dir, "extra-notebook")
    assert result["status"] == "flagged"
    assert result["score"] == 4.0
    assert any(r.startswith("extra_notebook:") and "Untitled.ipynb" in r for r in result["reasons"])
    assert "extra_files: ignored notes.txt" in result["reasons"]


@pytest.mark.parametrize("name", ["Jos\u00e9", "-rf"])
def test_odd_student_ids_fail_under_a_safe_key(batch, name):
    key, valid = student_key(name)
    assert not valid and key.startswith("_invalid-")
    result = result_of(batch.course_dir, key)
    assert result["student"] == name and result["status"] == "failed"
    assert result["reasons"][0].startswith("invalid_id:")
    assert not (batch.course_dir / "submitted" / name).exists()
    assert not (batch.course_dir / "autograded" / key).exists()


def test_dotfiles_are_ignored(batch):
    assert ".hidden" in batch.summary.ignored and ".DS_Store" in batch.summary.ignored
    assert not (batch.course_dir / "results" / LESSON / ".hidden.json").exists()


def test_bad_input_does_not_change_other_grades(batch):
    assert result_of(batch.course_dir, "correct")["score"] == 4.0
    assert result_of(batch.course_dir, "wrong")["score"] == 2.0


def test_nothing_is_written_outside_the_grading_directory(batch):
    base = batch.root.parent
    assert sorted(p.name for p in base.iterdir()) == ["course", "grading", "submitted"]
    assert not list(batch.submissions.rglob("*.json"))
    assert not (batch.root / "solutions" / LESSON / "evil.txt").exists()


def test_hostile_student_ids(batch):
    for name in ["../x", "..", ".", "a/b", "", "x" * 65, "caf\u00e9", "a b", "-x", "\x00"]:
        assert not student_key(name)[1], name
    for name in ["alice", "s1234567", "ann.lee", "a_b-c", "z@example.org"]:
        assert student_key(name) == (name, True)


def test_zip_input_with_entries_escaping_the_archive(tmp_path):
    require_sandbox()
    root = make_course(tmp_path / "course")
    archive = tmp_path / "submissions.zip"
    good = nbformat.writes(submission(root))
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"alice/{LESSON}.ipynb", good)
        handle.writestr(f"../escape/{LESSON}.ipynb", good)
        handle.writestr(f"/abs/{LESSON}.ipynb", good)
        handle.writestr(f"..\\win/{LESSON}.ipynb", good)
        handle.writestr("bob/notes.txt", "no notebook here")
    outside = set(tmp_path.parent.iterdir())
    summary = grade(
        LESSON, archive, tmp_path / "grading", workers=2, limits=LIMITS, root=root, progress=False
    )
    statuses = {
        r["student"]: (r["status"], r["reasons"][0] if r["reasons"] else "") for r in summary.graded
    }
    assert statuses["alice"] == ("graded", "")
    assert statuses["bob"][0] == "failed" and statuses["bob"][1].startswith("missing_notebook")
    escaping = {k: v for k, v in statuses.items() if k not in ("alice", "bob")}
    assert escaping and all(
        v[0] == "failed" and v[1].startswith("invalid_id") for v in escaping.values()
    ), statuses
    assert set(tmp_path.parent.iterdir()) == outside
    assert not (tmp_path / "escape").exists() and not Path("/abs").exists()
    assert result_of(tmp_path / "grading", "alice")["score"] == 4.0
