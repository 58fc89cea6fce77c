"""One score path: a person's manual grades and extra credit, given in the formgrader, count
the same in the report's every form (text, JSON, CSV, HTML) and in the feedback page."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

from nbgrader.api import Gradebook

from autograder.batch.store import CourseDir
from autograder.cli import main
from autograder.config import Course
from autograder.outputs.feedback import write_feedback
from tests.support.grading_helpers import LESSON

# "wrong" passes only test_mean_sq (1 point) and test_double's visible part: 2 of 5
AUTOMATIC = 2.0


def _give(course_dir, student, cell, manual=None, extra=None, comment=None):
    """What a TA does in the formgrader, through nbgrader's own gradebook API."""
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
        if manual is not None or extra is not None:
            grade = gradebook.find_grade(cell, LESSON, LESSON, student)
            grade.manual_score = manual if manual is not None else grade.manual_score
            grade.extra_credit = extra
        if comment is not None:
            gradebook.find_comment(cell, LESSON, LESSON, student).manual_comment = comment
        gradebook.db.commit()


def test_manual_grades_and_extra_credit_count_the_same_everywhere(batch, tmp_path, capsys):
    course_dir = tmp_path / "grading"
    shutil.copytree(batch.course_dir, course_dir)
    before = json.loads((course_dir / "results" / LESSON / "wrong.json").read_text())
    assert before["score"] == AUTOMATIC
    _give(course_dir, "wrong", "why", manual=1.0, comment="clear and right")  # written: 1/1
    _give(course_dir, "wrong", "test_scale", extra=0.5)  # extra credit on a failed test
    _give(course_dir, "wrong", "test_double", manual=0.5)  # partial credit by hand
    expected = AUTOMATIC + 1.0 + 0.5 - 1.0 + 0.5  # test_double: 1 automatic -> 0.5 by hand
    common = ["--course-dir", str(course_dir), "--root", str(batch.root)]

    assert main(["report", LESSON, "--json", *common]) == 0
    students = {s["id"]: s for s in json.loads(capsys.readouterr().out)["students"]}
    assert students["wrong"]["score"] == expected
    assert students["wrong"]["tests"]["test_scale"]["score"] == 0.5
    assert students["wrong"]["tests"]["test_double"]["score"] == 0.5
    assert students["correct"]["score"] == 4.0  # others unchanged

    assert main(["report", LESSON, *common]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("wrong "))
    assert f"{expected:g} / 5" in line

    table, page = tmp_path / "r.csv", tmp_path / "r.html"
    assert main(["report", LESSON, "--csv", str(table), "--html", str(page), *common]) == 0
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(table.read_text("utf-8-sig")))}
    assert float(rows["wrong"]["score"]) == expected
    assert float(rows["wrong"]["test_scale"]) == 0.5
    assert re.search(
        rf"<td>wrong</td><td>wrong</td><td>\w+</td><td>{expected:g} / 5</td>", page.read_text()
    )

    written = write_feedback(LESSON, CourseDir(course_dir), Course.at(batch.root))
    feedback = next(p for p in written if p.parent.parent.name == "wrong").read_text()
    assert f"Score: {expected:g} / 5" in feedback
    assert "clear and right" in feedback
