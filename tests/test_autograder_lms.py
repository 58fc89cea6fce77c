"""Issue 12, end to end through the command line: submissions downloaded from Canvas, Moodle
and a JupyterHub's nbgrader are graded; grades go back into Canvas's gradebook export and
Moodle's grading worksheet, which read back as the gradebook's scores; the feedback pages
are packed as each LMS takes them back.

The fixtures follow the LMS's own code (`tests/support/lms_fixtures.py`). Grading runs without the
sandbox (`--unsafe`): these tests are about formats; the sandbox is tested with the crafted
batch.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook

from autograder.config import ROOT
from autograder.outputs.lms import canvas_scores, moodle_scores
from autograder.outputs.sheets import format_number, parse_number
from tests.support.grading_crafted import WRONG_SCALE
from tests.support.grading_helpers import HIDDEN_MARKERS, LESSON, make_course, submission
from tests.support.lms_fixtures import (
    CanvasStudent,
    CanvasUpload,
    MoodleRow,
    canvas_file_name,
    canvas_gradebook,
    canvas_zip,
    moodle_worksheet,
    moodle_zip,
    nbgrader_submitted,
)

DUE = "2025-03-14 23:59 UTC"
HOSTILE = "rtl\u202eevil"  # a right-to-left override: shows as "rtllive"
CANVAS_COLUMN = f"{LESSON}: a lesson for the grader's tests (3002)"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


@dataclass
class Graded:
    """The three grading runs: course root, where each went, what each printed."""

    base: Path
    root: Path
    dirs: dict[str, Path]
    printed: dict[str, str]

    def common(self, layout: str) -> list[str]:
        return ["--course-dir", str(self.dirs[layout]), "--root", str(self.root)]

    def result(self, layout: str, key: str) -> dict:
        path = self.dirs[layout] / "results" / LESSON / f"{key}.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def report(self, layout: str) -> dict:
        done = cli("report", LESSON, "--json", *self.common(layout))
        assert done.returncode == 0, done.stderr
        return {s["id"]: s for s in json.loads(done.stdout)["students"]}


def _build(base: Path, root: Path) -> dict[str, Path]:
    good = nbformat.writes(submission(root)).encode()
    wrong = nbformat.writes(submission(root, {"scale": WRONG_SCALE})).encode()
    notes = nbformat.writes(new_notebook(cells=[new_markdown_cell("my notes")])).encode()
    broken = b'{"cells": ['
    old_canvas_late = CanvasUpload("Dubois, Anne-Marie", 1003, 5003, f"{LESSON} (1).ipynb", wrong)
    canvas = canvas_zip(
        base / "submissions.zip",
        [
            CanvasUpload("O'Brien, Seán", 1001, 5001, f"{LESSON}.ipynb", good),
            CanvasUpload("王, 芳", 1002, 5002, f"{LESSON}-1.ipynb", good, late=True),
            CanvasUpload("Ørsted, Zoë", 1004, 5004, "notes.ipynb", notes),
            CanvasUpload("Ørsted, Zoë", 1004, 5005, "lesson.ipynb", good),
            CanvasUpload("Smith, John", 1005, None, "", b"<p>my answer is 42</p>"),
            CanvasUpload("Gone, Already", 1009, 5009, f"{LESSON}.ipynb", broken),
        ],
        extra={
            # Canvas before 2021 lowercased its late mark with the rest of the name.
            canvas_file_name(
                CanvasUpload(**{**old_canvas_late.__dict__, "late": True}), uppercase_late=False
            ): wrong,
            "../../evil_1010_5010_x.ipynb": good,
            "readme.txt": b"not a submission",
        },
    )
    moodle = moodle_zip(
        base / "moodle.zip",
        {
            2001: ("Seán O'Brien", {f"{LESSON}.ipynb": good}),
            2002: ("王芳", {f"{LESSON} (1).ipynb": good}),
            2003: ("Anne-Marie Dubois", {f"work/{LESSON}.ipynb": wrong}),
            2005: ("Mal\u202eory", {f"{LESSON}.ipynb": broken}),
        },
        online_text={2002: "<p>see the notebook</p>"},
        extra={"../Eve_2009_assignsubmission_file/x.ipynb": good},
    )
    hub = nbgrader_submitted(
        base / "hub",
        LESSON,
        {
            "alice": (good, "2025-03-14 21:00:00.000000 UTC"),
            "李雷": (good, "2025-03-15 02:30:00.000000 UTC"),
            HOSTILE: (good, "2025-03-14 20:00:00.000000 UTC"),
        },
        {"bob": "01_logistic_regression"},
    )
    return {"canvas": canvas, "moodle": moodle, "nbgrader": hub}


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    base = tmp_path_factory.mktemp("lms")
    root = make_course(base / "course")
    sources = _build(base, root)
    dirs, printed = {}, {}
    for layout, source in sources.items():
        dirs[layout] = base / f"grading-{layout}"
        done = cli(
            "grade",
            LESSON,
            "--submissions",
            str(source),
            "--course-dir",
            str(dirs[layout]),
            "--root",
            str(root),
            "--unsafe",
            "--workers",
            "2",
            "--no-progress",
            "--timeout",
            "20",
            *(["--due", DUE] if layout == "nbgrader" else []),
        )
        assert done.returncode == 0, done.stderr
        printed[layout] = done.stdout
    return Graded(base, root, dirs, printed)


# Canvas


def test_canvas_download_is_graded_by_canvas_user_id(graded):
    printed = graded.printed["canvas"]
    assert 'zip in the Canvas ("Download Submissions") layout' in printed
    assert "readme.txt" in printed and "../../evil_1010_5010_x.ipynb" in printed
    seán = graded.result("canvas", "1001")
    assert (seán["status"], seán["score"], seán["name"], seán["late"]) == (
        "graded",
        4.0,
        "obrienseán",
        False,
    )
    fang = graded.result("canvas", "1002")
    assert fang["late"] is True and fang["score"] == 4.0 and fang["file"] == f"{LESSON}-1.ipynb"
    assert [r.split(":")[0] for r in fang["reasons"]] == ["late", "renamed_notebook"]
    old_late = graded.result("canvas", "1003")
    assert old_late["late"] is True and old_late["score"] == 2.0
    zoë = graded.result("canvas", "1004")
    assert zoë["status"] == "flagged" and zoë["score"] == 4.0 and zoë["file"] == "lesson.ipynb"
    assert zoë["reasons"][0].startswith("picked_notebook: 2 notebooks handed in")
    text_entry = graded.result("canvas", "1005")
    assert text_entry["status"] == "failed"
    assert text_entry["reasons"][0].startswith("missing_notebook: no notebook")
    assert "text.html" in text_entry["reasons"][0]
    assert not (graded.dirs["canvas"] / "results" / LESSON / "1010.json").exists()


def _gradebook(path: Path, **kwargs) -> Path:
    students = [
        CanvasStudent("Dubois, Anne-Marie", 1003, "s1003", "amdubois"),
        CanvasStudent("Nguyen, Văn An", 1007, "s1007", "vnguyen", scores=("8", "", "")),
        CanvasStudent("O'Brien, Seán", 1001, "s1001", "sobrien", scores=("9", "", "")),
        CanvasStudent("Ørsted, Zoë", 1004, "s1004", "zorsted"),
        CanvasStudent("Smith, John", 1005, "s1005", "jsmith", scores=("", "3.5", "")),
        CanvasStudent("=Equals, Eve", 1008, "s1008", "eequals", scores=("", "12", "")),
        CanvasStudent("王, 芳", 1002, "s1002", "wfang"),
        CanvasStudent("Student, Test", 9999),
    ]
    return canvas_gradebook(
        path,
        students,
        [
            ("Week 1 quiz", 3001, 10.0),
            (f"{LESSON}: a lesson for the grader's tests", 3002, kwargs.pop("points", 20.0)),
            ("01_logistic_regression", 3003, 10.0),
        ],
        manual_posting=[3002],
        **kwargs,
    )


def test_canvas_gradebook_filled_ready_for_import_and_read_back(graded, tmp_path):
    export = _gradebook(tmp_path / "export.csv")
    filled, table = tmp_path / "filled.csv", tmp_path / "report.csv"
    done = cli(
        "report",
        LESSON,
        "--canvas-sheet",
        str(export),
        "--out",
        str(filled),
        "--csv",
        str(table),
        *graded.common("canvas"),
    )
    assert done.returncode == 0, done.stderr
    assert f"4 score(s) in '{CANVAS_COLUMN}', scaled to 20 points" in done.stdout
    assert "1 failed submission(s) keep their cell as it was" in done.stdout
    assert "1005 (Smith, John)" in done.stdout
    assert "1 graded submission(s) have no row in export.csv: 1009" in done.stdout
    with filled.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", CANVAS_COLUMN]
    assert rows[1][5] == "Manual Posting" and rows[2][0].strip() == "Points Possible"
    assert rows[2][5] == "20.00"
    scores = graded.report("canvas")
    cells = canvas_scores(filled, LESSON)
    for user in ("1001", "1002", "1003", "1004"):
        assert parse_number(cells[user]) == round(scores[user]["score"] * 20 / 5, 6)
        assert cells[user] == format_number(scores[user]["score"] * 4)
    assert cells["1001"] == "16" and cells["1003"] == "8"
    assert cells["1005"] == "3.5"  # failed: the grade a person gave stays
    assert cells["1007"] == "" and cells["1008"] == "12"  # no submission: as it was
    assert cells["9999"] == ""
    assert next(r for r in rows if r[1] == "1008")[0] == '="=Equals, Eve"'
    with table.open(encoding="utf-8-sig") as handle:
        names = {r["id"]: r["name"] for r in csv.DictReader(handle)}
    assert names["1001"] == "O'Brien, Seán" and names["1002"] == "王, 芳"
    assert names["1009"] == "gonealready"  # not in the gradebook: the name Canvas's zip gave


def test_canvas_export_in_a_decimal_comma_language_keeps_its_dialect(graded, tmp_path):
    export = _gradebook(tmp_path / "export.csv", points=5.0, delimiter=";", bom=True, decimal=",")
    filled = tmp_path / "filled.csv"
    done = cli(
        "report",
        LESSON,
        "--canvas-sheet",
        str(export),
        "--column",
        CANVAS_COLUMN,
        "--out",
        str(filled),
        *graded.common("canvas"),
    )
    assert done.returncode == 0, done.stderr
    raw = filled.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.splitlines()[0].count(b";") == 5
    cells = canvas_scores(filled, LESSON)
    scores = graded.report("canvas")
    for user in ("1001", "1002", "1003", "1004"):  # worth 5 points, as the lesson: unscaled
        assert parse_number(cells[user]) == scores[user]["score"]


def test_canvas_feedback_zip_has_one_folder_per_canvas_user_id(graded, tmp_path):
    target = tmp_path / "feedback.zip"
    done = cli("feedback", LESSON, "--zip", str(target), *graded.common("canvas"))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as archive:
        names = sorted(archive.namelist())
        assert names == [
            f"{user}/{LESSON}.html" for user in ("1001", "1002", "1003", "1004", "1005", "1009")
        ]
        for name in names:
            page = archive.read(name).decode("utf-8")
            assert not any(marker in page for marker in HIDDEN_MARKERS)
            on_disk = graded.dirs["canvas"] / "feedback" / name.split("/")[0] / LESSON
            assert page == (on_disk / f"{LESSON}.html").read_text(encoding="utf-8")
    assert "could not be graded" in zipfile.ZipFile(target).read(f"1005/{LESSON}.html").decode()


# Moodle


def test_moodle_download_is_graded_by_participant_id(graded):
    assert 'zip in the Moodle ("Download all submissions") layout' in graded.printed["moodle"]
    seán = graded.result("moodle", "2001")
    assert (seán["name"], seán["score"], seán["reasons"]) == ("Seán OBrien", 4.0, [])
    fang = graded.result("moodle", "2002")
    assert fang["score"] == 4.0 and fang["name"] == "王芳"
    assert [r.split(":")[0] for r in fang["reasons"]] == ["renamed_notebook", "extra_files"]
    nested = graded.result("moodle", "2003")
    assert nested["file"] == f"work/{LESSON}.ipynb" and nested["score"] == 2.0
    hostile = graded.result("moodle", "2005")
    assert hostile["name"] == "Mal\u202eory" and hostile["status"] == "failed"
    assert "Mal\\u202eory" in graded.printed["moodle"]  # escaped where it is printed
    assert not (graded.dirs["moodle"] / "results" / LESSON / "2009.json").exists()


def _worksheet(path: Path) -> Path:
    return moodle_worksheet(
        path,
        [
            MoodleRow(2001, "Seán O'Brien", "sean@example.edu"),
            MoodleRow(2002, "王芳", "fang@example.edu"),
            MoodleRow(2003, "Anne-Marie Dubois", "am@example.edu", feedback="<p>See me.</p>"),
            MoodleRow(2010, "Chen Wei", "chen@example.edu", status="No submission"),
        ],
    )


def test_moodle_worksheet_filled_with_grades_and_comments_and_read_back(graded, tmp_path):
    worksheet, filled = _worksheet(tmp_path / "worksheet.csv"), tmp_path / "filled.csv"
    args = ["--moodle-sheet", str(worksheet), "--out", str(filled), *graded.common("moodle")]
    done = cli("report", LESSON, *args)
    assert done.returncode == 0, done.stderr
    assert "3 score(s) in 'Grade', scaled to 100 points" in done.stdout
    assert (
        "1 graded submission(s) have no row in worksheet.csv: 2005 (Mal\\u202eory)" in done.stdout
    )
    scores = graded.report("moodle")
    found = moodle_scores(filled)
    for participant in ("2001", "2002", "2003"):
        grade = parse_number(found[participant][0])
        assert grade == round(scores[participant]["score"] * 100 / 5, 6)
    assert found["2001"][0] == "80" and found["2003"][0] == "40"
    assert found["2001"][1] == "<p>[autograder] 4 / 5: graded automatically.</p>"
    assert found["2002"][1].startswith("<p>[autograder] 4 / 5: graded automatically. renamed")
    assert found["2003"][1].startswith("<p>See me.</p><p>[autograder] 2 / 5")
    assert found["2010"] == ("", "")
    for _, comment in found.values():
        assert not any(marker in comment for marker in HIDDEN_MARKERS)
    with filled.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][8] == "Last modified (grade)" and all(r[8] == "-" for r in rows[1:])
    again = tmp_path / "again.csv"
    assert (
        cli("report", LESSON, *args[:2], "--out", str(again), *graded.common("moodle")).returncode
        == 0
    )
    assert (
        cli(
            "report",
            LESSON,
            "--moodle-sheet",
            str(filled),
            "--out",
            str(again),
            *graded.common("moodle"),
        ).returncode
        == 0
    )
    assert moodle_scores(again) == found  # filling twice: one line, not two


def _moodle_import_target(name: str) -> str | None:
    """Moodle's `assignfeedback_file_zip_importer::is_valid_filename_for_import`: the first
    path part that splits (at `_`, at most 5 pieces) into name, numeric participant id,
    plugin type and plugin name."""
    for part in name.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit() and info[2].startswith("assign"):
            return info[1]
    return None


def test_moodle_feedback_zip_uses_the_download_folders(graded, tmp_path):
    target = tmp_path / "feedback.zip"
    done = cli("feedback", LESSON, "--zip", str(target), *graded.common("moodle"))
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(graded.base / "moodle.zip") as download:
        folders = {n.split("/")[0] for n in download.namelist() if "assignsubmission_file" in n}
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert len(names) == 4
    for name in names:
        folder, page = name.split("/")
        assert folder in folders and page == f"{LESSON}.html"
        assert (
            graded.result("moodle", _moodle_import_target(name))["lms"]["moodle_folder"] == folder
        )
    assert f"王芳_2002_assignsubmission_file/{LESSON}.html" in names


# nbgrader


def test_nbgrader_submissions_with_a_due_date(graded):
    assert "nbgrader (submitted/<id>/<LESSON>/) layout" in graded.printed["nbgrader"]
    students = graded.report("nbgrader")
    assert set(students) == {"alice", "李雷", HOSTILE}
    assert students["alice"]["late"] is False and students["alice"]["reasons"] == []
    assert students["李雷"]["late"] is True and students["李雷"]["score"] == 4.0
    assert students["李雷"]["reasons"] == [
        "late: submitted 2025-03-15 02:30:00 UTC, 2 h 31 min after the due date "
        "(2025-03-14 23:59:00 UTC)"
    ]
    stamp = graded.dirs["nbgrader"] / "submitted" / "李雷" / LESSON / "timestamp.txt"
    assert stamp.read_text() == "2025-03-15 02:30:00.000000 UTC"
    done = cli("report", LESSON, *graded.common("nbgrader"))
    assert "李雷" in done.stdout and "rtl\\u202eevil" in done.stdout


def test_every_student_gets_a_feedback_page_and_refused_ids_stay_out_of_the_zip(graded, tmp_path):
    hostile = graded.report("nbgrader")[HOSTILE]
    assert hostile["status"] == "failed" and hostile["reasons"][0].startswith("invalid_id:")
    target = tmp_path / "feedback.zip"
    done = cli("feedback", LESSON, "--zip", str(target), *graded.common("nbgrader"))
    assert done.returncode == 0, done.stderr
    assert "wrote 3 feedback file(s)" in done.stdout
    assert "warning: not in the zip: rtl\\u202eevil: the student id was refused" in done.stdout
    pages = sorted(
        p.parent.parent.name for p in (graded.dirs["nbgrader"] / "feedback").rglob("*.html")
    )
    assert len(pages) == 3 and pages[0].startswith("_invalid-") and pages[1:] == ["alice", "李雷"]
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == [f"alice/{LESSON}.html", f"李雷/{LESSON}.html"]


def test_nbgrader_logins_match_a_canvas_gradebook(graded, tmp_path):
    """Grades collected on a JupyterHub under the login name go into Canvas by SIS Login ID."""
    export = canvas_gradebook(
        tmp_path / "export.csv",
        [
            CanvasStudent("Liddell, Alice", 501, "s501", "alice"),
            CanvasStudent("Li, Lei", 502, "", "李雷"),
        ],
        [(LESSON, 3002, 5.0)],
    )
    filled = tmp_path / "filled.csv"
    done = cli(
        "report",
        LESSON,
        "--canvas-sheet",
        str(export),
        "--out",
        str(filled),
        *graded.common("nbgrader"),
    )
    assert done.returncode == 0, done.stderr
    assert canvas_scores(filled, LESSON) == {"501": "4", "502": "4"}


# the instructor's mistakes


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--canvas-sheet", "{sheet}"], "need --out FILLED.csv"),
        (["--canvas-sheet", "{worksheet}", "--out", "{out}"], "is not a Canvas gradebook export"),
        (["--moodle-sheet", "{sheet}", "--out", "{out}"], "is not a Moodle grading worksheet"),
        (
            ["--canvas-sheet", "{sheet}", "--column", "Quiz 9", "--out", "{out}"],
            "no assignment column 'Quiz 9'",
        ),
        (
            ["--canvas-sheet", "{sheet}", "--column", "Current Score", "--out", "{out}"],
            "is read only",
        ),
        (
            ["--moodle-sheet", "{worksheet}", "--column", "x", "--out", "{out}"],
            "--column chooses a Canvas column",
        ),
        (
            ["--canvas-sheet", "{missing}", "--out", "{out}"],
            "cannot read a Canvas gradebook export",
        ),
    ],
)
def test_bad_sheets_are_one_clear_error(graded, tmp_path, args, message):
    paths = {
        "sheet": _gradebook(tmp_path / "export.csv"),
        "worksheet": _worksheet(tmp_path / "worksheet.csv"),
        "out": tmp_path / "out.csv",
        "missing": tmp_path / "missing.csv",
    }
    done = cli("report", LESSON, *[a.format(**paths) for a in args], *graded.common("canvas"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "out.csv").exists()


def test_grade_refuses_an_unknown_layout_or_due_date(graded, tmp_path):
    common = ["--submissions", str(tmp_path), "--root", str(graded.root)]
    done = cli("grade", LESSON, *common, "--from", "blackboard")
    assert done.returncode == 2 and "invalid choice: 'blackboard'" in done.stderr
    done = cli("grade", LESSON, *common, "--due", "soon", "--course-dir", str(tmp_path / "g"))
    assert done.returncode == 2 and "is not a date and time" in done.stderr
