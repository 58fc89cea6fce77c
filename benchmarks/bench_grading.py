"""Grading throughput: this tool (sandboxed, 2 workers) vs plain `nbgrader autograde`.

40 generated submissions of one lesson (correct, wrong and failing ones) are graded three
ways on this machine, one run each, from a temporary copy of the course:

1. `nbgrader autograde LESSON` in one process (its default pipeline, one kernel at a time);
2. `python -m autograder grade LESSON --workers 2` (sandbox on), by the user running the
   script (root: a uid of its own per kernel);
3. when that user is root, the same run by an unprivileged account with a Python of its own
   (a user namespace per kernel), as an instructor grades on a laptop;
4. the same as 2 with `--unsafe` (no sandbox): the difference to 2 is the sandbox's overhead.

Both tools have the lesson generated into their gradebook beforehand (not timed). Prints
throughput (notebooks per second) and the ratios; `--write` also records them in
benchmarks/README.md under "## Grading throughput". Targets: at least 1.5x nbgrader's
throughput with the sandbox in each mode, sandbox overhead at most 15% of the per-notebook
time.

    python benchmarks/bench_grading.py [--lesson ID] [--write]
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.authoring.release import release  # noqa: E402
from autograder.config import ROOT, lesson_ids  # noqa: E402
from benchmarks._common import machine, record_section  # noqa: E402

COUNTS = {"correct": 16, "wrong": 12, "failing": 12}
PAIRS = 10
HEADING = "## Grading throughput"
FALLBACK = "00_grading"


def _answers(source: nbformat.NotebookNode) -> dict[str, str]:
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    }


def make_submissions(root: Path, lesson: str, folder: Path) -> None:
    """Write COUNTS of correct (the solutions' answers), wrong (answers left as released:
    they raise NotImplementedError) and failing (the first answer raises) submissions."""
    source = nbformat.read(str(root / "solutions" / lesson / f"{lesson}.ipynb"), as_version=4)
    released = nbformat.read(str(root / "lessons" / lesson / f"{lesson}.ipynb"), as_version=4)
    answers = _answers(source)
    first = next(iter(answers))
    number = 0
    for kind, count in COUNTS.items():
        for _ in range(count):
            nb = copy.deepcopy(released)
            for cell in nb.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if kind != "wrong" and grade_id in answers:
                    cell.source = answers[grade_id]
                if kind == "failing" and grade_id == first:
                    cell.source = "raise RuntimeError('my code crashed')\n" + cell.source
            path = folder / f"s{number:02d}-{kind}" / f"{lesson}.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(nb, str(path))
            number += 1


def make_course(base: Path, lesson: str) -> Path:
    """A copy of the course holding only `lesson` (the small test lesson if it is absent)."""
    root = base / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    if lesson == FALLBACK:
        from tests.support.grading_helpers import make_course as make_test_course

        return make_test_course(root)
    shutil.copytree(ROOT / "solutions" / lesson, root / "solutions" / lesson)
    release([lesson], root=root)
    return root


def run(command: list[str], cwd: Path) -> float:
    """Wall seconds of one command (which must succeed)."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{done.stderr[-3000:]}")
    return seconds


def nbgrader_autograde(root: Path, lesson: str, submissions: Path) -> float:
    """Seconds of `nbgrader autograde LESSON` over every submission, in one process."""
    for student in submissions.iterdir():
        target = root / "submitted" / student.name / lesson
        target.mkdir(parents=True)
        shutil.copy(student / f"{lesson}.ipynb", target)
    nbgrader = str(Path(sys.executable).parent / "nbgrader")
    run([nbgrader, "generate_assignment", lesson, "--force"], root)
    return run([nbgrader, "autograde", lesson, "--create"], root)


def ours(root: Path, lesson: str, submissions: Path, course_dir: Path, unsafe: bool) -> float:
    """Seconds of `python -m autograder grade` with 2 workers (the lesson generated first)."""
    base = [
        sys.executable,
        "-m",
        "autograder",
        "grade",
        lesson,
        "--course-dir",
        str(course_dir),
        "--workers",
        "2",
        "--no-progress",
        "--root",
        str(root),
    ]
    base += ["--unsafe"] if unsafe else []
    empty = course_dir.parent / f"empty-{course_dir.name}"
    empty.mkdir()
    run([*base, "--submissions", str(empty)], ROOT)  # generate the lesson, untimed
    return run([*base, "--submissions", str(submissions)], ROOT)


def paired_overhead(
    lesson: str, submissions: Path, course_dir: Path, pairs: int
) -> tuple[float, float]:
    """Mean seconds per notebook with and without the sandbox, graded one at a time in
    alternation (same submissions, same moments), so that both share the machine's load."""
    from autograder.job.jobs import grade_job
    from autograder.limits import Limits

    package = json.loads((course_dir / "packages" / f"{lesson}.json").read_text())
    chosen = sorted(submissions.iterdir())[:: max(1, len(list(submissions.iterdir())) // pairs)]
    times: dict[bool, list[float]] = {True: [], False: []}
    for number, folder in enumerate(chosen[:pairs]):
        order = (True, False) if number % 2 == 0 else (False, True)
        for sandbox in order:
            job = {
                "package": package["hash"],
                "lesson": lesson,
                "student": folder.name,
                "key": folder.name,
                "valid_id": True,
                "limits": Limits().to_json(),
                "sandbox": sandbox,
                "private": [],
                "notes": [],
                "submission": {"path": str(folder / f"{lesson}.ipynb")},
            }
            start = time.perf_counter()
            grade_job(package, job)
            times[sandbox].append(time.perf_counter() - start)
    return sum(times[True]) / len(times[True]), sum(times[False]) / len(times[False])


def as_normal_user(root: Path, lesson: str, submissions: Path, base: Path) -> float:
    """Seconds of `python -m autograder grade` with the sandbox and 2 workers, run by an
    unprivileged account with a Python of its own (root runs only; see
    tests/support/environments.py), on copies it owns of the course and submissions."""
    from tests.support.environments import (
        course_python,
        give,
        normal_user,
        run_as,
        system_python,
        user_environment,
    )

    user = normal_user()
    python = course_python(system_python(), for_all=True)
    home = Path(tempfile.mkdtemp(prefix="bench-grading-", dir=user.home))
    try:
        shutil.copytree(root, home / "course")
        shutil.copytree(submissions, home / "submissions")
        (home / "empty").mkdir()
        give(home, user)
        env = user_environment(user, python, home)
        argv = [
            str(python),
            "-m",
            "autograder",
            "grade",
            lesson,
            "--course-dir",
            str(home / "grading"),
            "--workers",
            "2",
            "--no-progress",
            "--root",
            str(home / "course"),
        ]
        warm = run_as(user, [*argv, "--submissions", str(home / "empty")], env, home, 900)
        if warm.returncode != 0:
            raise SystemExit(f"grading as {user.name} failed:\n{warm.stderr[-3000:]}")
        start = time.perf_counter()
        done = run_as(user, [*argv, "--submissions", str(home / "submissions")], env, home, 3600)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"grading as {user.name} failed:\n{done.stderr[-3000:]}")
        return seconds
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "01_logistic_regression" if "01_logistic_regression" in lesson_ids() else FALLBACK
    parser.add_argument("--lesson", default=default)
    parser.add_argument("--write", action="store_true", help="record in benchmarks/README.md")
    args = parser.parse_args()
    total = sum(COUNTS.values())
    is_root = os.geteuid() == 0
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        root = make_course(base, args.lesson)
        submissions = base / "submissions"
        make_submissions(root, args.lesson, submissions)
        print(f"{args.lesson}: {total} submissions {COUNTS}; {machine()}")
        t_nbgrader = nbgrader_autograde(root, args.lesson, submissions)
        t_sandbox = ours(root, args.lesson, submissions, base / "g1", unsafe=False)
        t_unsafe = ours(root, args.lesson, submissions, base / "g2", unsafe=True)
        t_user = as_normal_user(root, args.lesson, submissions, base) if is_root else None
        per_sandbox, per_unsafe = paired_overhead(args.lesson, submissions, base / "g1", PAIRS)
    ratio = t_nbgrader / t_sandbox
    overhead = (per_sandbox - per_unsafe) / per_unsafe
    who = "root" if is_root else "this user"
    lines = [
        f"| nbgrader autograde (one process) | {t_nbgrader:.1f} s | {total / t_nbgrader:.2f} |",
        f"| autograder grade, sandbox, 2 workers, as {who} | {t_sandbox:.1f} s | "
        f"{total / t_sandbox:.2f} |",
        f"| autograder grade, --unsafe, 2 workers | {t_unsafe:.1f} s | {total / t_unsafe:.2f} |",
    ]
    user_summary = ""
    if t_user is not None:
        lines.insert(
            2,
            f"| autograder grade, sandbox, 2 workers, as a normal user | "
            f"{t_user:.1f} s | {total / t_user:.2f} |",
        )
        user_summary = (
            f" As a normal user (its own user namespace per kernel): "
            f"**{t_nbgrader / t_user:.2f}x nbgrader's**."
        )
    summary = (
        f"**Throughput: {ratio:.2f}x nbgrader's** with the sandbox as {who} (target: at "
        f"least 1.5x in each mode).{user_summary} "
        f"**Sandbox overhead: {100 * overhead:+.1f}%** of the per-notebook time "
        f"({per_sandbox:.2f} s vs {per_unsafe:.2f} s per notebook, {PAIRS} submissions "
        "graded one at a time with and without the sandbox in alternation; target: at most "
        "15%)."
    )
    print("\n".join(lines))
    print(summary)
    if args.write:
        record_section(
            HEADING,
            f"{HEADING}\n\nMeasured on {machine()}, "
            f"{datetime.date.today().isoformat()}, one run of "
            f"`python benchmarks/bench_grading.py --write` on `{args.lesson}`: {total} "
            f"generated submissions ({COUNTS['correct']} correct, {COUNTS['wrong']} wrong: "
            f"answers left as released, {COUNTS['failing']} failing: the first answer "
            "raises), each command run once, wall time including process start-up.\n\n"
            "| grader | wall time | notebooks/s |\n| --- | --- | --- |\n"
            + "\n".join(lines)
            + f"\n\n{summary}\n",
        )


if __name__ == "__main__":
    main()
