"""Submissions in every layout (folders, nbgrader, Canvas, Moodle), read without grading:
detection, student ids and names, the notebook picked, late marks, and hostile input."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from autograder.batch.ids import INVALID_PREFIX
from autograder.batch.submissions import Found, find_submissions, parse_due
from autograder.config import CourseError
from tests.support.lms_fixtures import (
    CanvasUpload,
    canvas_file_name,
    canvas_zip,
    moodle_zip,
    nbgrader_submitted,
)

LESSON = "00_grading"
IDS = frozenset({"setup", "scale", "test_scale", "mean_sq", "test_mean_sq"})
LIMIT = 2**20


def notebook(ids: frozenset[str] | set[str] = IDS, text: str = "") -> bytes:
    """A notebook whose cells carry these nbgrader ids."""
    cells = [
        {
            "cell_type": "code",
            "metadata": {"nbgrader": {"grade_id": grade_id}},
            "source": text,
            "outputs": [],
            "execution_count": None,
        }
        for grade_id in sorted(ids)
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def find(source: Path, **kwargs) -> Found:
    return find_submissions(source, LESSON, LIMIT, IDS, **kwargs)


def by_student(found: Found) -> dict:
    return {s.student: s for s in found.submissions}


def codes(reasons: list[str]) -> list[str]:
    return [r.split(":", 1)[0] for r in reasons]


# Canvas


def canvas_uploads() -> list[CanvasUpload]:
    return [
        CanvasUpload("O'Brien, Seán", 1001, 5001, f"{LESSON}.ipynb", notebook()),
        CanvasUpload("王, 芳", 1002, 5002, f"{LESSON}-1.ipynb", notebook(), late=True),
        CanvasUpload("Dubois, Anne-Marie", 1003, 5003, f"{LESSON} (1).ipynb", notebook()),
        CanvasUpload("Ørsted, Zoë", 1004, 5004, "notes.ipynb", notebook({"other"})),
        CanvasUpload("Ørsted, Zoë", 1004, 5005, "lesson.ipynb", notebook()),
        CanvasUpload("Ørsted, Zoë", 1004, 5006, "draft.ipynb", notebook({"scale"})),
        CanvasUpload("Smith, John", 1005, None, "", b"<p>my answer</p>"),
        CanvasUpload("Some_999_, _1234_Guy", 1006, 5007, "a:b?.ipynb", notebook()),
    ]


def test_canvas_names_follow_canvas(tmp_path):
    names = [canvas_file_name(u) for u in canvas_uploads()]
    assert names[0] == f"obrienseán_1001_5001_{LESSON}.ipynb"
    assert names[1] == f"王芳_LATE_1002_5002_{LESSON}-1.ipynb"
    assert names[6] == "smithjohn_1005_text.html"
    assert names[7] == "some9991234guy_1006_5007_a_b_.ipynb"
    old = canvas_file_name(canvas_uploads()[1], uppercase_late=False)
    assert old == f"王芳_late_1002_5002_{LESSON}-1.ipynb"


@pytest.mark.parametrize("uppercase_late", [True, False])
def test_canvas_zip(tmp_path, uppercase_late):
    archive = canvas_zip(
        tmp_path / "submissions.zip",
        canvas_uploads(),
        extra={"../../evil_1009_5009_x.ipynb": notebook(), "readme.txt": b"hi"},
        uppercase_late=uppercase_late,
    )
    found = find(archive)
    assert found.layout == "canvas" and found.kind == "zip"
    subs = by_student(found)
    assert sorted(subs) == ["1001", "1002", "1003", "1004", "1005", "1006"]
    assert subs["1001"].name == "obrienseán" and subs["1001"].late is False
    assert subs["1001"].notes == [] and subs["1001"].data == notebook()
    assert subs["1001"].lms == {"canvas_user": "1001"}
    assert subs["1002"].name == "王芳" and subs["1002"].late is True
    assert codes(subs["1002"].notes) == ["late", "renamed_notebook"]
    assert f"graded {LESSON}-1.ipynb" in subs["1002"].notes[1]
    assert codes(subs["1003"].notes) == ["renamed_notebook"]
    picked = subs["1004"]
    assert picked.file == "lesson.ipynb" and codes(picked.notes) == ["picked_notebook"]
    assert "5 of 5 cell ids" in picked.notes[0] and "draft.ipynb" in picked.notes[0]
    assert codes(subs["1005"].problems) == ["missing_notebook"]
    assert "text.html" in subs["1005"].problems[0]
    assert subs["1006"].file == "a_b_.ipynb"
    assert "readme.txt" in found.ignored and "../../evil_1009_5009_x.ipynb" in found.ignored


def test_canvas_anonymous_grading(tmp_path):
    archive = tmp_path / "anon.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"anon_x7Kp2_5010_{LESSON}.ipynb", notebook())
        handle.writestr(f"LATE_anon_Qw3rt_5011_{LESSON}.ipynb", notebook())
    subs = by_student(find(archive, layout="canvas"))
    assert set(subs) == {"anon_x7Kp2", "anon_Qw3rt"} and subs["anon_Qw3rt"].late


# Moodle


def moodle_students() -> dict[int, tuple[str, dict[str, bytes]]]:
    return {
        2001: ("Seán O'Brien", {f"{LESSON}.ipynb": notebook()}),
        2002: ("王芳", {f"{LESSON} (1).ipynb": notebook()}),
        2003: ("Anne-Marie Dubois", {"work/nested.ipynb": notebook(), "notes.txt": b"x"}),
        2004: ("Zoë_with_underscores", {"a.ipynb": notebook({"x"}), "b.ipynb": notebook()}),
        2005: ("No Notebook", {"answer.pdf": b"%PDF"}),
    }


@pytest.mark.parametrize("style", ["folders", "folders-old", "flat"])
def test_moodle_zip(tmp_path, style):
    archive = moodle_zip(
        tmp_path / "moodle.zip",
        moodle_students()
        if style != "flat"
        else {k: v for k, v in moodle_students().items() if k != 2003},
        style=style,
        online_text={2002: "<p>see my notebook</p>"},
        extra={
            "../Eve_2009_assignsubmission_file/x.ipynb": notebook(),
            "grades.csv": b"a,b",
        },
    )
    found = find(archive)
    assert found.layout == "moodle"
    subs = by_student(found)
    assert subs["2001"].name == "Seán OBrien" and subs["2001"].notes == []
    assert subs["2002"].name == "王芳"
    assert codes(subs["2002"].notes) == ["renamed_notebook", "extra_files"]
    assert "onlinetext.html" in subs["2002"].notes[1]
    assert subs["2004"].name == "Zoë with underscores"
    assert subs["2004"].file == "b.ipynb" and codes(subs["2004"].notes) == ["picked_notebook"]
    assert codes(subs["2005"].problems) == ["missing_notebook"]
    if style != "flat":
        assert subs["2003"].file == "work/nested.ipynb"
        assert codes(subs["2003"].notes) == ["renamed_notebook", "extra_files"]
    folder = "Seán OBrien_2001_assignsubmission_file"
    if style == "flat":
        assert subs["2001"].lms == {"moodle_prefix": folder + "_"}
    else:
        assert subs["2001"].lms == {
            "moodle_folder": folder + ("_" if style == "folders-old" else "")
        }
    assert "grades.csv" in found.ignored and ".." in found.ignored
    assert "2009" not in subs


# nbgrader


def test_nbgrader_submitted_with_due_date(tmp_path):
    course = nbgrader_submitted(
        tmp_path / "course",
        LESSON,
        {
            "alice": (notebook(), "2025-03-14 21:00:00.000000 UTC"),
            "李雷": (notebook(), "2025-03-15 02:30:00.000000 UTC"),
            "dave": (notebook(), "not a time"),
        },
        {"bob": "01_logistic_regression"},
    )
    (course / "autograded" / "alice" / LESSON).mkdir(parents=True)
    for source in (course, course / "submitted"):
        found = find(source, due=parse_due("2025-03-14 23:59 UTC"))
        assert found.layout == "nbgrader"
        subs = by_student(found)
        assert sorted(subs) == ["alice", "dave", "李雷"]
        assert subs["alice"].late is False and subs["alice"].notes == []
        assert subs["alice"].timestamp == "2025-03-14 21:00:00.000000 UTC"
        assert subs["李雷"].late is True
        assert subs["李雷"].notes == [
            "late: submitted 2025-03-15 02:30:00 UTC, 2 h 31 min after the due date "
            "(2025-03-14 23:59:00 UTC)"
        ]
        assert subs["dave"].late is None  # an unreadable timestamp: not known
    without = by_student(find(course / "submitted"))
    assert without["李雷"].late is None and without["李雷"].notes == []


def test_due_dates_as_nbgrader_reads_them():
    assert parse_due("2025-03-14 23:59 Europe/Paris") == datetime(2025, 3, 14, 22, 59)
    assert parse_due("2025-03-14T23:59:00+08:00") == datetime(2025, 3, 14, 15, 59)
    assert parse_due("2025-03-14 23:59") == datetime(2025, 3, 14, 23, 59)
    assert parse_due("2025-03-14 23:59 +0100") == datetime(2025, 3, 14, 22, 59)  # not seconds
    with pytest.raises(CourseError, match="not a date and time"):
        parse_due("next friday-ish")


# folders, and hostile input in any layout


def test_folders_with_any_name_and_duplicates(tmp_path):
    root = tmp_path / "in"
    for name in ["学生", "with space", "O'Brien", "Anne-Marie", "Jos\u00e9", "Jose\u0301"]:
        (root / name).mkdir(parents=True)
        (root / name / f"{LESSON}.ipynb").write_bytes(notebook())
    (root / "rtl\u202eevil").mkdir()
    (root / "rtl\u202eevil" / f"{LESSON}.ipynb").write_bytes(notebook())
    found = find(root)
    assert found.layout == "folders"
    subs = {s.key: s for s in found.submissions}
    for name in ["学生", "with space", "O'Brien", "Anne-Marie"]:
        assert subs[name].valid_id and not subs[name].problems
    assert subs["Jos\u00e9"].valid_id  # the first of the two spellings
    duplicate = [s for s in found.submissions if codes(s.problems) == ["duplicate_id"]]
    assert len(duplicate) == 1 and duplicate[0].key.startswith(INVALID_PREFIX)
    assert "only the first was graded" in duplicate[0].problems[0]
    refused = [s for s in found.submissions if codes(s.problems) == ["invalid_id"]]
    assert len(refused) == 1 and "\\u202e" in refused[0].problems[0]


@pytest.mark.filterwarnings("ignore:Duplicate name")  # a hostile archive
def test_a_zip_never_reaches_the_disk_and_hostile_entries_are_refused(tmp_path):
    archive = tmp_path / "in.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr(f"alice/{LESSON}.ipynb", notebook())
        handle.writestr(f"../escape/{LESSON}.ipynb", notebook())
        handle.writestr(f"/abs/{LESSON}.ipynb", notebook())
        handle.writestr(f"twice/{LESSON}.ipynb", notebook())
        handle.writestr(f"twice/{LESSON}.ipynb", notebook())
        handle.writestr(f"big/{LESSON}.ipynb", b" " * (LIMIT + 10))
        link = zipfile.ZipInfo(f"linked/{LESSON}.ipynb")
        link.external_attr = 0o120777 << 16
        handle.writestr(link, "/etc/passwd")
        raw = zipfile.ZipInfo("x")
        raw.filename = f"caf\xe9/{LESSON}.ipynb"  # cp437 name, not UTF-8
        handle.writestr(raw, notebook())
    before = set(tmp_path.iterdir())
    subs = by_student(find(archive))
    assert set(tmp_path.iterdir()) == before
    assert not subs["alice"].problems and subs["alice"].data == notebook()
    assert ".." in find(archive).ignored  # a dot folder, as at the top of a directory
    assert codes(subs["/"].problems) == ["invalid_id"]
    assert "twice" in subs["twice"].problems[0]
    assert codes(subs["big"].problems) == ["too_large"]
    assert codes(subs["linked"].problems) == ["bad_notebook"]
    assert subs["linked"].data is None


def test_a_zip_made_on_a_mac_wraps_the_folders_in_one_more(tmp_path):
    archive = tmp_path / "Archive.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for student in ("学生", "with space"):
            handle.writestr(f"lesson 0/{student}/{LESSON}.ipynb", notebook())
            handle.writestr(f"__MACOSX/lesson 0/{student}/._{LESSON}.ipynb", b"\x00\x05")
        handle.writestr("lesson 0/with space/.ipynb_checkpoints/x-checkpoint.ipynb", notebook())
    found = find(archive)
    assert sorted(by_student(found)) == ["with space", "学生"]
    assert all(not s.problems and not s.notes for s in found.submissions)
    assert found.ignored == ["__MACOSX"]


def test_links_and_special_files_are_never_read(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_bytes(notebook())
    root = tmp_path / "in"
    (root / "eve").mkdir(parents=True)
    (root / "eve" / f"{LESSON}.ipynb").symlink_to(secret)
    (root / "mallory").symlink_to(tmp_path)
    (root / "fifo").mkdir()
    os.mkfifo(root / "fifo" / f"{LESSON}.ipynb")
    subs = by_student(find(root))
    assert "link" in subs["eve"].problems[0] and "link" in subs["mallory"].problems[0]
    assert codes(subs["fifo"].problems) == ["bad_notebook"]


def test_forcing_a_layout_and_bad_paths(tmp_path):
    archive = canvas_zip(tmp_path / "c.zip", canvas_uploads()[:1])
    assert find(archive, layout="folders").submissions == []
    assert f"obrienseán_1001_5001_{LESSON}.ipynb" in find(archive, layout="folders").ignored
    with pytest.raises(CourseError, match="no such submissions"):
        find(tmp_path / "nowhere")
    (tmp_path / "notzip.txt").write_text("hello")
    with pytest.raises(CourseError, match="neither a directory nor a readable zip"):
        find(tmp_path / "notzip.txt")
