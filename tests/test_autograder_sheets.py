"""The LMS's sheets without grading: Canvas's gradebook export and Moodle's grading worksheet
filled from a report, every rule of the round trip, and the dialects the sheets come in.
Properties (hypothesis): numbers survive the sheet, and any name an LMS puts in a file name
comes back as the same student."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograder.batch.ids import INVALID_PREFIX, MAX_ID_BYTES, REFUSED_CATEGORIES
from autograder.batch.submissions import find_submissions
from autograder.config import CourseError
from autograder.outputs.feedback_zip import archive_name
from autograder.outputs.lms import (
    canvas_scores,
    fill_canvas,
    fill_moodle,
    moodle_scores,
    write_filled,
)
from autograder.outputs.sheets import format_number, parse_number, read_sheet
from tests.support.lms_fixtures import (
    CanvasStudent,
    CanvasUpload,
    MoodleRow,
    canvas_file_name,
    canvas_gradebook,
    canvas_user_name,
    canvas_zip,
    moodle_clean_name,
    moodle_worksheet,
    moodle_zip,
)

LESSON = "00_grading"


def student(ident: str, score: float, status: str = "graded", **more) -> dict:
    return {
        "id": ident,
        "name": more.pop("name", ident),
        "score": score,
        "max_score": 5.0,
        "status": status,
        "late": more.pop("late", None),
        "reasons": more.pop("reasons", []),
        "tests": {},
    }


def report(*students: dict) -> dict:
    return {"lesson": LESSON, "students": list(students)}


def gradebook(path, assignments=None, students=None, **kwargs):
    return canvas_gradebook(
        path,
        students
        or [
            CanvasStudent("O'Brien, Seán", 1001, "s1001", "sobrien"),
            CanvasStudent("王, 芳", 1002, "s1002", "wfang", scores=("", "7")),
            CanvasStudent("=cmd, Eve", 1003, "", "eve"),
        ],
        assignments or [("Quiz", 3001, 10.0), (f"{LESSON} notebook", 3002, 20.0)],
        **kwargs,
    )


# Canvas


def test_canvas_fill_matches_by_id_then_sis_ids(tmp_path):
    path = gradebook(tmp_path / "export.csv")
    filled = fill_canvas(
        report(student("1001", 4.0), student("s1002", 2.5), student("eve", 5.0, late=True)), path
    )
    write_filled(filled, tmp_path / "out.csv")
    assert canvas_scores(tmp_path / "out.csv", LESSON) == {"1001": "16", "1002": "10", "1003": "20"}
    assert filled.names == {"1001": "O'Brien, Seán", "s1002": "王, 芳", "eve": "=cmd, Eve"}
    assert filled.written == 3 and filled.warnings == []


def test_canvas_fill_keeps_what_it_has_no_grade_for_and_says_so(tmp_path):
    path = gradebook(tmp_path / "export.csv")
    filled = fill_canvas(
        report(student("1002", 0.0, "failed"), student("4242", 3.0, name="zhang")), path
    )
    write_filled(filled, tmp_path / "out.csv")
    cells = canvas_scores(tmp_path / "out.csv", LESSON)
    assert cells == {"1001": "", "1002": "7", "1003": ""}  # the failed one keeps its 7
    assert filled.written == 0
    assert filled.warnings[0].startswith("1 failed submission(s) keep their cell as it was")
    assert "1002 (王, 芳)" in filled.warnings[0]
    assert filled.warnings[1] == "1 graded submission(s) have no row in export.csv: 4242 (zhang)"


def test_canvas_column_must_be_unambiguous_and_worth_points(tmp_path):
    two = gradebook(
        tmp_path / "two.csv", [(f"{LESSON} part 1", 1, 5.0), (f"{LESSON} part 2", 2, 5.0)]
    )
    with pytest.raises(CourseError, match="several assignment columns name the lesson"):
        fill_canvas(report(), two)
    assert fill_canvas(report(), two, f"{LESSON} part 2 (2)").column == f"{LESSON} part 2 (2)"
    none = gradebook(tmp_path / "none.csv", [("Quiz", 1, 5.0)])
    with pytest.raises(
        CourseError, match="no assignment column names the lesson .* 'Quiz \\(1\\)'"
    ):
        fill_canvas(report(), none)
    zero = gradebook(tmp_path / "zero.csv", [(LESSON, 1, 0.0)])
    with pytest.raises(CourseError, match="give the assignment its points possible"):
        fill_canvas(report(), zero)


def test_canvas_first_and_last_name_export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "LastName,FirstName,ID,SIS Login ID,Section,00_grading (7)\n"
        "    Points Possible,,,,,5\n"
        "Núñez,José,11,jnunez,A,\n",
        encoding="utf-8",
    )
    filled = fill_canvas(report(student("11", 4.5)), path)
    assert filled.names == {"11": "José Núñez"}
    write_filled(filled, tmp_path / "out.csv")
    assert canvas_scores(tmp_path / "out.csv", LESSON) == {"11": "4.5"}


# Moodle


def worksheet(path, rows=None, **kwargs):
    return moodle_worksheet(
        path,
        rows
        or [
            MoodleRow(2001, "Seán O'Brien", "sean@example.edu"),
            MoodleRow(2002, "王芳", "fang@example.edu", feedback="<p>Good <b>work</b></p>"),
            MoodleRow(2003, "Chen Wei", "chen@example.edu", grade="55.00"),
        ],
        **kwargs,
    )


def test_moodle_comment_is_one_escaped_line_without_hidden_tests(tmp_path):
    path = worksheet(tmp_path / "w.csv")
    secret = "assert double(-3) == -6  # hidden"
    filled = fill_moodle(
        report(
            student("2001", 4.0, reasons=["stderr: test <test_scale> passed & warned"], late=True),
            student("2002", 1.0, "flagged", reasons=[f"recheck: {secret} failed"]),
            student("2003", 0.0, "failed", reasons=["bad_notebook: the file is not JSON"]),
        ),
        path,
        [secret],
    )
    write_filled(filled, tmp_path / "out.csv")
    found = moodle_scores(tmp_path / "out.csv")
    assert found["2001"] == (
        "80",
        "<p>[autograder] 4 / 5: graded automatically; submitted late. "
        "stderr: test &lt;test_scale&gt; passed &amp; warned</p>",
    )
    assert found["2002"] == (
        "20",
        "<p>Good <b>work</b></p><p>[autograder] 1 / 5: graded automatically; a person will "
        "review it.</p>",
    )
    assert found["2003"] == (
        "55.00",
        "<p>[autograder] 0 / 5: could not be graded automatically. bad_notebook: the file is "
        "not JSON</p>",
    )
    assert filled.names["2001"] == "Seán O'Brien"
    assert filled.warnings[0] == (
        "1 flagged submission(s) were written: review them in the formgrader before the "
        "grades are posted: 2002 (王芳)"
    )
    assert filled.warnings[1].startswith("1 failed submission(s) keep their grade")


def test_moodle_matches_identity_columns_and_warns_over_the_maximum(tmp_path):
    path = worksheet(tmp_path / "w.csv", maximum="4.00")
    filled = fill_moodle(report(student("sean@example.edu", 6.0)), path, [])  # extra credit
    assert filled.written == 1 and "over the maximum grade" in filled.warnings[0]
    write_filled(filled, tmp_path / "out.csv")
    assert moodle_scores(tmp_path / "out.csv")["2001"][0] == "4.8"


def test_moodle_worksheets_it_cannot_fill(tmp_path):
    scale = tmp_path / "scale.csv"
    scale.write_text(
        "Identifier,Full name,Grade,Scale,Last modified (grade)\nParticipant 1,A,,,-\n"
    )
    with pytest.raises(CourseError, match="graded on a scale"):
        fill_moodle(report(), scale, [])
    other = tmp_path / "other.csv"
    other.write_text("Name,Score\nA,1\n")
    with pytest.raises(CourseError, match="no Identifier, Grade, Last modified \\(grade\\) column"):
        fill_moodle(report(), other, [])
    bare = tmp_path / "bare.csv"
    bare.write_text(
        "Identifier,Full name,Grade,Maximum Grade,Last modified (grade)\nParticipant 7,A,,10,-\n"
    )
    filled = fill_moodle(report(student("7", 5.0)), bare, [])
    assert "no 'Feedback comments' column" in filled.warnings[0]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Identifier,Full name\nParticipant 1,José\n".encode("latin-1"))
    with pytest.raises(CourseError, match="not UTF-8"):
        fill_moodle(report(), latin, [])


# the sheets' dialects and numbers


def test_a_sheet_is_written_back_in_its_own_dialect(tmp_path):
    path = gradebook(tmp_path / "e.csv", delimiter=";", bom=True, decimal=",")
    sheet = read_sheet(path, "x")
    assert sheet.delimiter == ";" and sheet.bom
    filled = fill_canvas(report(student("1001", 2.5)), path)
    write_filled(filled, tmp_path / "out.csv")
    out = read_sheet(tmp_path / "out.csv", "x")
    assert out.delimiter == ";" and out.bom and out.rows[1][-1] == "10"


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False))
def test_a_score_survives_the_sheet_to_six_decimals(value):
    text = format_number(value)
    assert "e" not in text.lower() and parse_number(text) == float(round(Decimal(repr(value)), 6))
    assert parse_number(text.replace(".", ",")) == parse_number(text)


def test_numbers_as_sheets_write_them():
    assert [parse_number(t) for t in ("8", "8.50", "8,5", " 7 ", "EX", "", "-", "1e3")] == [
        8.0,
        8.5,
        8.5,
        7.0,
        None,
        None,
        None,
        None,
    ]
    assert [format_number(v) for v in (16.0, 1 / 3, 0.0, -0.0, 2.5e-7, 1e6)] == [
        "16",
        "0.333333",
        "0",
        "0",
        "0",
        "1000000",
    ]


# names an LMS writes into file names (hypothesis)

NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=40, deadline=None)
@given(NAMES, st.integers(min_value=1, max_value=10**12), st.booleans())
def test_any_canvas_name_comes_back_as_the_same_user(tmp_path_factory, name, user, late):
    assume(not re.search(r"_[0-9]+$", canvas_user_name(name)))  # misread by Canvas too
    path = tmp_path_factory.mktemp("c") / "s.zip"
    upload = CanvasUpload(name, user, 77, f"{LESSON}.ipynb", b"{}", late=late)
    canvas_zip(path, [upload])
    found = find_submissions(path, LESSON, 2**20, layout="canvas")
    assert [s.student for s in found.submissions] == [str(user)]
    sub = found.submissions[0]
    assert sub.late is late and sub.file == f"{LESSON}.ipynb"
    assert sub.name == (unicodedata.normalize("NFC", canvas_user_name(name)) or None)
    assert canvas_file_name(upload).endswith(f"_{user}_77_{LESSON}.ipynb")


@settings(max_examples=40, deadline=None)
@given(NAMES, st.integers(min_value=1, max_value=10**9))
def test_any_moodle_name_comes_back_as_the_same_participant(tmp_path_factory, name, participant):
    path = tmp_path_factory.mktemp("m") / "s.zip"
    moodle_zip(path, {participant: (name, {f"{LESSON}.ipynb": b"{}"})})
    found = find_submissions(path, LESSON, 2**20, layout="moodle")
    folder = f"{moodle_clean_name(name)}_{participant}_assignsubmission_file"
    if "/" in folder or folder.startswith("."):
        return  # Moodle's clean_filename already removed such names
    assert [s.student for s in found.submissions] == [str(participant)]
    assert found.submissions[0].name == (
        unicodedata.normalize("NFC", moodle_clean_name(name)) or None
    )
    assert archive_name({"lms": found.submissions[0].lms}, LESSON) == f"{folder}/{LESSON}.html"


@pytest.mark.filterwarnings("ignore:Duplicate name")  # a name twice is part of the test
@settings(max_examples=60, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=4))
def test_any_folder_name_in_a_zip_is_a_safe_key_and_one_student(tmp_path_factory, names):
    path = tmp_path_factory.mktemp("f") / "s.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for index, name in enumerate(names):
            archive.writestr(f"{name}/{LESSON}.ipynb", f'{{"n": {index}}}')
    found = find_submissions(path, LESSON, 2**20, layout="folders")
    keys = [s.key for s in found.submissions]
    assert len(keys) == len(set(keys)), "two submissions stored under one key"
    for sub in found.submissions:
        assert sub.key and "/" not in sub.key and "\\" not in sub.key
        assert not sub.key.startswith(".") and len(sub.key.encode()) <= MAX_ID_BYTES
        assert all(unicodedata.category(c) not in REFUSED_CATEGORIES for c in sub.key)
        assert sub.valid_id or sub.key.startswith(INVALID_PREFIX)
        assert sub.valid_id == (
            not sub.problems or not sub.problems[0].startswith(("invalid_id", "duplicate_id"))
        )
