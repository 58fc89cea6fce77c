"""A shared gradebook in PostgreSQL (issue 10): a real server (Debian's `postgresql`, a
throw-away cluster made with `initdb` and `pg_ctl`) holds the gradebook while two grading
runs of different lessons and a TA grading in the formgrader write to it at once; nothing
is lost, and `report` and `feedback` read from it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.authoring.release import release
from autograder.config import ROOT
from tests.support import nbbuild
from tests.support.browser_support import JupyterLab
from tests.support.grading_helpers import CORRECT, LESSON, make_course, source_notebook, submission
from tests.support.postgres import start_postgres

LESSONS = (LESSON, "00_second", "00_third")
STUDENTS = ("ada", "李雷", "o'neil")


@pytest.fixture(scope="module")
def postgres():
    server = start_postgres()
    yield server
    server.stop()


def _course(base: Path) -> Path:
    """A course of three lessons (the test lesson under three ids), released."""
    root = make_course(base / "course")
    for lesson in LESSONS[1:]:
        nbbuild.write(source_notebook(), root / "solutions" / lesson / f"{lesson}.ipynb")
    release(root=root)
    return root


def _submissions(root: Path, folder: Path, lesson: str) -> Path:
    """Every student's notebook of `lesson`: the first two right, the last with one wrong."""
    for number, student in enumerate(STUDENTS):
        answers = dict(CORRECT)
        if number == len(STUDENTS) - 1:
            answers["double"] = "def double(x):\n    return x + 2"
        nb = submission(root, answers)
        path = folder / student / f"{lesson}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
    return folder


def _cli(*args: str, wait: bool = True):
    argv = [sys.executable, "-m", "autograder", *args]
    if wait:
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
    return subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _grade_args(root: Path, base: Path, lesson: str, url: str) -> list[str]:
    return [
        "grade",
        lesson,
        "--submissions",
        str(_submissions(root, base / lesson, lesson)),
        "--course-dir",
        str(base / "grading"),
        "--root",
        str(root),
        "--db",
        url,
        "--workers",
        "1",
        "--no-progress",
    ]


class _TeachingAssistant(threading.Thread):
    """Gives every student of `LESSON` a manual grade and extra credit in the formgrader,
    one request at a time, until told to stop; remembers what it gave."""

    def __init__(self, formgrader: JupyterLab) -> None:
        super().__init__(daemon=True)
        self.formgrader = formgrader
        self.given: dict[str, tuple[float, float]] = {}
        self.rounds = 0
        self.errors: list[str] = []
        self.stop = threading.Event()

    def _api(self, method: str, path: str, body: dict | None = None) -> object:
        status, text = self.formgrader.request(method, f"/formgrader/api{path}", body)
        if status != 200:
            self.errors.append(f"{method} {path}: {status} {text[:200]}")
            return None
        return json.loads(text)

    def run(self) -> None:
        while not self.stop.is_set():
            notebooks = self._api("GET", f"/submitted_notebooks/{LESSON}/{LESSON}") or []
            for notebook in notebooks:
                student = notebook["student"]
                grades = self._api("GET", f"/grades?submission_id={notebook['id']}") or []
                for grade in grades:
                    if grade["name"] == "why":
                        given = (1.0, 0.25 * (self.rounds % 3))
                        self._api(
                            "PUT",
                            f"/grade/{grade['id']}",
                            {"manual_score": given[0], "extra_credit": given[1]},
                        )
                        self.given[student] = given
            self.rounds += 1
            time.sleep(0.2)


def test_two_grading_runs_and_a_ta_at_once_lose_nothing(postgres, tmp_path):
    url = postgres.create_database("course")
    root = _course(tmp_path)
    first = _cli(*_grade_args(root, tmp_path, LESSON, url))
    assert first.returncode == 0, first.stderr[-3000:]
    assert not (tmp_path / "grading" / "gradebook.db").exists()  # it is in PostgreSQL

    with JupyterLab(
        Path(sys.executable).parent, tmp_path / "grading", tmp_path / "jupyter-home"
    ) as formgrader:
        ta = _TeachingAssistant(formgrader)
        ta.start()
        runs = [
            _cli(*_grade_args(root, tmp_path, lesson, url), wait=False) for lesson in LESSONS[1:]
        ]
        outputs = [run.communicate(timeout=900) for run in runs]
        time.sleep(1.0)
        ta.stop.set()
        ta.join(timeout=60)
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-3000:]
        assert f"graded {len(STUDENTS)} submission(s)" in out, out
    assert ta.errors == [] and ta.rounds >= 2, ta.errors[:5]
    assert set(ta.given) == set(STUDENTS)

    with Gradebook(url) as gradebook:
        for lesson in LESSONS:
            submitted = {s.student.id for s in gradebook.assignment_submissions(lesson)}
            assert submitted == set(STUDENTS), (lesson, submitted)
            for student in STUDENTS:
                notebook = gradebook.find_submission_notebook(lesson, lesson, student)
                scores = {g.cell.name: g.auto_score for g in notebook.grades}
                assert scores["test_scale"] == 2.0 and scores["test_mean_sq"] == 1.0
        for student, (manual, extra) in ta.given.items():
            grade = gradebook.find_grade("why", LESSON, LESSON, student)
            assert (grade.manual_score, grade.extra_credit or 0.0) == (manual, extra)

    report = _cli(
        "report",
        LESSON,
        "--course-dir",
        str(tmp_path / "grading"),
        "--root",
        str(root),
        "--db",
        url,
        "--json",
    )
    assert report.returncode == 0, report.stderr
    totals = {s["id"]: s["score"] for s in json.loads(report.stdout)["students"]}
    for student, (manual, extra) in ta.given.items():
        automatic = 4.0 if student != STUDENTS[-1] else 3.0
        assert totals[student] == automatic + manual + extra, (student, totals)

    feedback = _cli(
        "feedback",
        LESSONS[1],
        "--course-dir",
        str(tmp_path / "grading"),
        "--root",
        str(root),
        "--db",
        url,
    )
    assert feedback.returncode == 0, feedback.stderr
    pages = list((tmp_path / "grading" / "feedback").rglob(f"{LESSONS[1]}.html"))
    assert len(pages) == len(STUDENTS)


def test_the_gradebook_url_can_come_from_nbgrader_config(postgres, tmp_path):
    url = postgres.create_database("configured")
    root = make_course(tmp_path / "course")
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text() + f"\nc.CourseDirectory.db_url = {url!r}\n")
    done = _cli(
        *_grade_args(root, tmp_path, LESSON, url)[:-5],  # without --db
        "--workers",
        "1",
        "--no-progress",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (tmp_path / "grading" / "gradebook.db").exists()
    with Gradebook(url) as gradebook:
        assert {s.student.id for s in gradebook.assignment_submissions(LESSON)} == set(STUDENTS)
    written = (tmp_path / "grading" / "nbgrader_config.py").read_text()
    assert url in written  # the formgrader reads the same gradebook


def test_two_runs_of_one_lesson_wait_for_each_other(tmp_path):
    root = make_course(tmp_path / "course")
    folder = _submissions(root, tmp_path / "in", LESSON)
    args = [
        "grade",
        LESSON,
        "--submissions",
        str(folder),
        "--course-dir",
        str(tmp_path / "grading"),
        "--root",
        str(root),
        "--workers",
        "1",
        "--no-progress",
    ]
    first = _cli(*args, wait=False)
    time.sleep(3)
    second = _cli(*args)
    out, err = first.communicate(timeout=900)
    assert first.returncode == 0, err[-3000:]
    assert second.returncode == 2
    assert f"another grading command is working on {LESSON}" in second.stderr
    shutil.rmtree(tmp_path / "in")
