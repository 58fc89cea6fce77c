"""Grading on a Dask cluster (issue 10): real `dask scheduler` and `dask worker` processes
on 127.0.0.1 grade crafted submissions through the command line; every student's result is
the local pool's; a worker killed mid-batch, a submission that kills workers, a scheduler
that goes away, and workers that would grade differently are each handled."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.batch import dask_pool
from autograder.config import ROOT
from tests.support.dask_cluster import DaskCluster
from tests.support.environments import course_python, find_python
from tests.support.grading_helpers import LESSON, LIMITS, submission, write_submission

# Crafted submissions of the suite's batch, graded again on the cluster: quick and varied.
STUDENTS = [
    "correct",
    "wrong",
    "hardcoded",
    "warns",
    "patch-testing",
    "fake-equal",
    "os-exit",
    "kill-in-test",
    "invalid-json",
    "学生",
]
COMPARED = (
    "status",
    "score",
    "max_score",
    "reasons",
    "tests",
    "manual",
    "unanswered",
    "fingerprint",
    "submission_sha256",
)
BIN = Path(sys.executable).parent


def _limits_flags() -> list[str]:
    flags = {
        "cell_timeout": "--timeout",
        "notebook_timeout": "--notebook-timeout",
        "memory_mb": "--memory-mb",
        "processes": "--max-processes",
        "disk_mb": "--disk-mb",
        "output_kb": "--output-kb",
        "submission_mb": "--max-submission-mb",
        "restarts": "--max-restarts",
    }
    return [x for name, value in LIMITS.to_json().items() for x in (flags[name], str(value))]


def _grade(
    batch, folder: Path, course_dir: Path, cluster: DaskCluster, wait: bool = True
) -> subprocess.Popen | subprocess.CompletedProcess:
    argv = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        LESSON,
        "--submissions",
        str(folder),
        "--course-dir",
        str(course_dir),
        "--root",
        str(batch.root),
        "--scheduler",
        cluster.address,
        "--no-progress",
        *_limits_flags(),
    ]
    if wait:
        return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=900)
    return subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _results(course_dir: Path) -> dict[str, dict]:
    folder = course_dir / "results" / LESSON
    return (
        {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
        if (folder.is_dir())
        else {}
    )


def _same_as_local(batch, course_dir: Path, students: list[str]) -> None:
    got = _results(course_dir)
    for student in students:
        local = json.loads((batch.course_dir / "results" / LESSON / f"{student}.json").read_text())
        remote = got[student]
        for field in COMPARED:
            assert remote.get(field) == local.get(field), (student, field)


@pytest.fixture()
def submissions(batch, tmp_path) -> Path:
    """The chosen students' submissions, copied from the suite's graded batch."""
    folder = tmp_path / "submitted"
    for student in STUDENTS:
        shutil.copytree(batch.submissions / student, folder / student)
    return folder


@pytest.fixture()
def cluster(tmp_path):
    cluster = DaskCluster(BIN, tmp_path / "dask-logs")
    cluster.start_scheduler()
    yield cluster
    cluster.stop()


def _start_workers(cluster: DaskCluster, count: int = 2) -> None:
    for _ in range(count):
        cluster.add_worker()
    cluster.wait_for_workers(count)


def test_grading_on_dask_gives_every_student_the_local_pools_result(
    batch, submissions, cluster, tmp_path
):
    _start_workers(cluster)
    done = _grade(batch, submissions, tmp_path / "grading", cluster)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"graded {len(STUDENTS)} submission(s)" in done.stdout
    _same_as_local(batch, tmp_path / "grading", STUDENTS)
    again = _grade(batch, submissions, tmp_path / "grading", cluster)
    assert f"{len(STUDENTS)} unchanged since the last run" in again.stdout, again.stdout


def test_a_worker_killed_mid_batch_costs_nothing(batch, submissions, cluster, tmp_path):
    _start_workers(cluster)
    course_dir = tmp_path / "grading"
    run = _grade(batch, submissions, course_dir, cluster, wait=False)
    deadline = time.monotonic() + 300
    while len(_results(course_dir)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    victims = cluster.worker_processes(cluster.workers[0])
    assert victims, "the first worker's process was not found"
    for process in victims:
        process.kill()  # SIGKILL, mid-batch: its nanny starts a new one
    out, err = run.communicate(timeout=900)
    assert run.returncode == 0, err[-3000:]
    _same_as_local(batch, course_dir, STUDENTS)


def test_a_submission_that_kills_worker_after_worker_fails_alone(batch, cluster, tmp_path):
    """One worker: Dask queues a neighbour on it beside the killer, so every death counts
    against both; the neighbour must still be graded."""
    _start_workers(cluster, count=1)
    folder = tmp_path / "submitted"
    for student in ("correct", "wrong"):
        shutil.copytree(batch.submissions / student, folder / student)
    write_submission(folder, "kills-workers", submission(batch.root))
    done = _grade(batch, folder, tmp_path / "grading", cluster)
    assert done.returncode == 0, done.stderr[-3000:]
    results = _results(tmp_path / "grading")
    killer = results["kills-workers"]
    assert killer["status"] == "failed" and killer["reasons"][0].startswith("worker:"), killer
    assert "killed Dask workers again and again, also when graded alone" in killer["reasons"][0]
    _same_as_local(batch, tmp_path / "grading", ["correct", "wrong"])


def test_a_scheduler_that_goes_away_stops_the_batch_and_a_rerun_finishes_it(
    batch, submissions, cluster, tmp_path
):
    _start_workers(cluster)
    course_dir = tmp_path / "grading"
    run = _grade(batch, submissions, course_dir, cluster, wait=False)
    deadline = time.monotonic() + 300
    while len(_results(course_dir)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    cluster.stop_scheduler()
    out, err = run.communicate(timeout=300)
    kept = len(_results(course_dir))
    assert run.returncode == 2, (out, err[-3000:])
    assert "error: lost the Dask scheduler" in err and "run the same command again" in err, err
    assert 2 <= kept < len(STUDENTS) + 1
    cluster.stop()
    cluster.start_scheduler()
    _start_workers(cluster)
    done = _grade(batch, submissions, course_dir, cluster)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{kept} unchanged since the last run" in done.stdout, done.stdout
    _same_as_local(batch, course_dir, STUDENTS)


def test_workers_that_would_grade_differently_are_refused_before_any_job(
    batch, submissions, cluster, tmp_path
):
    no_sandbox = {"PATH": str(BIN), "HOME": str(tmp_path), "PYTHONHASHSEED": "0"}
    cluster.add_worker(env=no_sandbox, name="no-bubblewrap")
    other = course_python(find_python("3.12"), test_tools=True)
    cluster.add_worker(bin_dir=other.parent, name="python-3.12")
    cluster.wait_for_workers(2)
    done = _grade(batch, submissions, tmp_path / "grading", cluster)
    assert done.returncode == 2, done.stdout
    assert "refusing the Dask cluster" in done.stderr
    assert "bubblewrap (bwrap) is not installed" in done.stderr
    assert "Python 3.12" in done.stderr and "not 3.11" in done.stderr
    assert _results(tmp_path / "grading") == {}


def test_the_package_is_parsed_once_per_worker_and_jobs_are_json(batch, monkeypatch):
    from autograder.batch.package import load_package
    from autograder.batch.store import CourseDir
    from autograder.config import Course

    package = load_package(CourseDir(batch.course_dir), LESSON, Course.at(batch.root))
    loads: list[int] = []
    real = json.loads
    monkeypatch.setattr(dask_pool, "_PACKAGES", {})
    monkeypatch.setattr(
        dask_pool.json, "loads", lambda text: (loads.append(len(text)), real(text))[1]
    )
    job = {
        "package": package["hash"],
        "lesson": LESSON,
        "student": "x",
        "key": "x",
        "valid_id": True,
        "limits": LIMITS.to_json(),
        "sandbox": False,
        "private": [],
        "notes": [],
        "submission": {"b64": ""},
    }
    text = json.dumps(package)
    for _ in range(3):
        result = dask_pool.grade_json(text, json.dumps(job))
        assert isinstance(result, str) and json.loads(result)["status"] == "failed"
    package_parses = [n for n in loads if n == len(text)]
    assert len(package_parses) == 1
