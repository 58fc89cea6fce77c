"""Grading on a Dask cluster vs the local process pool, and what that means for a MOOC.

The same 40 generated submissions of one lesson (those of `bench_grading.py`) are graded
twice on this machine, sandboxed, one run each, into fresh grading directories:

1. `python -m autograder grade LESSON --workers 2` (the local process pool);
2. `python -m autograder grade LESSON --scheduler tcp://127.0.0.1:PORT` on a Dask cluster
   of 2 single-thread workers (a `dask scheduler` and two `dask worker` processes started
   beforehand, not timed).

Both runs go through the grader's API in this process and are timed whole (the Dask run's
check of its workers, grading, writing every result); the time the grading process spends
storing each result is measured too: one writer keeps up with that many worker cores.
Prints the throughput ratio (target: Dask at least 0.9x the local pool), the per-job
overhead Dask adds (its extra wall time per notebook, as a share of a job's time on one
core; target: under 5%), and a projection of the wall time for 40,000 notebooks (5,000
students, 8 lessons) on 10, 50 and 200 worker cores from the measured per-job time and
overhead. `--write` records the figures in benchmarks/README.md under "## Scale-out".

    python benchmarks/bench_scaleout.py [--lesson ID] [--write]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.config import lesson_ids  # noqa: E402
from benchmarks._common import machine, record_section  # noqa: E402
from benchmarks.bench_grading import (  # noqa: E402
    COUNTS,
    FALLBACK,
    make_course,
    make_submissions,
)
from tests.support.dask_cluster import DaskCluster  # noqa: E402

HEADING = "## Scale-out"
WORKERS = 2
MOOC = 40_000
CORES = (10, 50, 200)


WRITES: list[float] = []  # seconds the grading process spent storing each result
SETUP: list[float] = []  # seconds of the Dask run's one-off check of its workers


def _timed(function, into: list[float]):  # noqa: ANN001, ANN202  (wraps a grade step)
    def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - start)

    return timed


def grade(
    root: Path, lesson: str, submissions: Path, course_dir: Path, scheduler: str | None = None
) -> float:
    """Seconds of one grading run through the grader's API (the lesson generated first,
    untimed)."""
    from autograder.batch import grade as grading

    empty = course_dir.parent / f"empty-{course_dir.name}"
    empty.mkdir()
    common = {
        "course_dir": course_dir,
        "workers": WORKERS,
        "root": root,
        "progress": False,
        "scheduler": scheduler,
    }
    grading.grade(lesson, empty, **common)
    start = time.perf_counter()
    summary = grading.grade(lesson, submissions, **common)
    seconds = time.perf_counter() - start
    if len(summary.graded) != sum(COUNTS.values()):
        raise SystemExit(f"graded {len(summary.graded)} submissions, not {sum(COUNTS.values())}")
    return seconds


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "01_logistic_regression" if "01_logistic_regression" in lesson_ids() else FALLBACK
    parser.add_argument("--lesson", default=default)
    parser.add_argument("--write", action="store_true", help="record in benchmarks/README.md")
    args = parser.parse_args()
    total = sum(COUNTS.values())
    with tempfile.TemporaryDirectory(prefix="bench-scaleout-") as tmp:
        base = Path(tmp)
        root = make_course(base, args.lesson)
        submissions = base / "submissions"
        make_submissions(root, args.lesson, submissions)
        print(f"{args.lesson}: {total} submissions; {machine()}")
        from autograder.batch import grade as grading

        grading.store_result = _timed(grading.store_result, WRITES)  # type: ignore[assignment]
        grading.check_workers = _timed(grading.check_workers, SETUP)  # type: ignore[assignment]
        t_local = grade(root, args.lesson, submissions, base / "local")
        cluster = DaskCluster(Path(sys.executable).parent, base / "dask-logs")
        try:
            cluster.start_scheduler()
            for _ in range(WORKERS):
                cluster.add_worker()
            cluster.wait_for_workers(WORKERS)
            time.sleep(1)
            t_dask = grade(root, args.lesson, submissions, base / "dask", cluster.address)
        finally:
            cluster.stop()
    ratio = t_local / t_dask
    job = t_local * WORKERS / total  # core-seconds per notebook, local pool
    setup = SETUP[-1]  # once per run, whatever the number of jobs
    overhead = max(0.0, (t_dask - setup - t_local) * WORKERS / total)  # core-seconds per job
    share = overhead / job
    write = sum(WRITES) / len(WRITES)  # seconds per stored result, in the one writer
    lines = [
        f"| local process pool, {WORKERS} workers | {t_local:.1f} s | {total / t_local:.2f} |",
        f"| Dask, {WORKERS} single-thread workers | {t_dask:.1f} s | {total / t_dask:.2f} |",
    ]
    projection = [f"| {cores} | {hours(MOOC * (job + overhead) / cores)} |" for cores in CORES]
    summary = (
        f"**Dask throughput: {ratio:.2f}x the local pool's** (target: at least 0.9x). "
        f"**Per-job overhead: {overhead:.2f} s, {100 * share:.1f}% of a job** "
        f"({job:.2f} core-seconds per notebook; target: under 5%), besides {setup:.1f} s once "
        "per run to check the workers (each starts a throw-away sandbox). The grading process "
        f"stored a result in {1000 * write:.0f} ms on average: one writer keeps up with about "
        f"{job / write:.0f} worker cores on this lesson."
    )
    print("\n".join(lines))
    print(summary)
    print("\n".join(projection))
    if args.write:
        record_section(
            HEADING,
            f"{HEADING}\n\nMeasured on {machine()}, {datetime.date.today().isoformat()}, one "
            f"run of `python benchmarks/bench_scaleout.py --write` on `{args.lesson}`: the "
            f"{total} generated submissions of the grading benchmark, sandboxed, each run "
            "through the grader's API and timed whole (the Dask run's check of its workers, "
            "grading, writing every result); "
            "the Dask scheduler and workers ran on this machine (127.0.0.1) and were started "
            "before the timing.\n\n"
            "| grader | wall time | notebooks/s |\n| --- | --- | --- |\n"
            + "\n".join(lines)
            + f"\n\n{summary}\n\n"
            f"Projected wall time for {MOOC:,} notebooks (5,000 students x 8 lessons) from "
            "the measured time and overhead per job, one kernel per core, with the eight "
            "lessons graded by eight `grade` commands at once (eight writers sharing the "
            "gradebook, `--db`), so that at most eight times the cores one writer keeps up "
            "with are used.\n\n"
            "| worker cores | wall time |\n| --- | --- |\n" + "\n".join(projection) + "\n",
        )


if __name__ == "__main__":
    main()
