"""Guarantee 5, bad input: invalid JSON, wrong nbformat, a missing, renamed or extra notebook,
a file over the size limit, hostile student ids (`../x`, control and invisible characters,
over-long names, dotfiles, zip entries escaping the archive, two spellings of one name):
that student gets a clear status and reason, the batch continues, no other student's grade
changes, nothing is written outside the grading directory. Any person's name (Chinese,
accents, spaces) is an id, graded under its own name (issue 12)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.batch.grade import grade
from autograder.batch.ids import student_id
from tests.support.grading_crafted import HOSTILE_LONG, HOSTILE_RTL
from tests.support.grading_helpers import (
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
        (
            "missing",
            "missing_notebook: no notebook in the submission, expected 00_grading.ipynb "
            "(found: notes.txt)",
        ),
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


def test_a_renamed_notebook_is_graded_and_the_reasons_say_so(batch):
    result = result_of(batch.course_dir, "renamed")
    assert result["status"] == "graded" and result["score"] == 4.0
    assert result["file"] == f"{LESSON} (1).ipynb"
    assert result["reasons"] == [
        f"renamed_notebook: graded {LESSON} (1).ipynb, the only notebook handed in "
        f"(expected {LESSON}.ipynb)"
    ]


@pytest.mark.parametrize("name", ["\u5b66\u751f", "with space", "Jos\u00e9"])
def test_any_persons_name_is_graded_under_its_own_name(batch, name):
    result = result_of(batch.course_dir, name)
    assert result["student"] == name and result["valid_id"]
    assert result["status"] == "graded" and result["score"] == 4.0
    assert (batch.course_dir / "submitted" / name / LESSON / f"{LESSON}.ipynb").is_file()
    assert (batch.course_dir / "autograded" / name / LESSON / f"{LESSON}.ipynb").is_file()


@pytest.mark.parametrize(("name", "why"), [(HOSTILE_RTL, "invisible"), (HOSTILE_LONG, "bytes")])
def test_hostile_names_are_refused_with_a_reason_and_never_a_path(batch, name, why):
    key = student_id(name).key
    assert key.startswith("_invalid-")
    result = result_of(batch.course_dir, key)
    assert result["student"] == name and result["status"] == "failed"
    assert result["reasons"][0].startswith("invalid_id:") and why in result["reasons"][0]
    for step in ("submitted", "autograded"):
        assert not (batch.course_dir / step / name).exists()
        assert not (batch.course_dir / step / key).exists()


def test_two_spellings_of_one_name_are_one_student_never_overwritten(batch):
    results = [
        json.loads(p.read_text()) for p in (batch.course_dir / "results" / LESSON).glob("*.json")
    ]
    jose = [r for r in results if r["student"] == "Jos\u00e9"]
    assert len(jose) == 2
    graded = [r for r in jose if r["valid_id"]]
    refused = [r for r in jose if not r["valid_id"]]
    assert len(graded) == 1 and graded[0]["key"] == "Jos\u00e9"
    assert len(refused) == 1 and refused[0]["status"] == "failed"
    assert refused[0]["reasons"][0].startswith("duplicate_id:")
    assert "only the first was graded" in refused[0]["reasons"][0]


def test_dotfiles_are_ignored(batch):
    assert ".hidden" in batch.summary.ignored and ".DS_Store" in batch.summary.ignored
    assert not (batch.course_dir / "results" / LESSON / ".hidden.json").exists()


def test_bad_input_does_not_change_other_grades(batch):
    assert result_of(batch.course_dir, "correct")["score"] == 4.0
    assert result_of(batch.course_dir, "wrong")["score"] == 2.0


def test_nothing_is_written_outside_the_grading_directory(batch):
    base = batch.root.parent
    # "home" is the tests' (the grader's own files, which the sandbox must hide)
    assert sorted(p.name for p in base.iterdir()) == ["course", "grading", "home", "submitted"]
    assert not list(batch.submissions.rglob("*.json"))
    assert not (batch.root / "solutions" / LESSON / "evil.txt").exists()


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
