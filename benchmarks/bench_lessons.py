"""Execution time and peak memory of every lesson's solution notebook, against Binder's limits.

    python benchmarks/bench_lessons.py [--no-record] [LESSON ...]

Binder gives a session about 2 GB of memory and one or two cores, often shared. Each
solution notebook is executed with `tests.support.execution.execute_notebook` (as the tests and
the grader do), in a temporary copy of its folder, under four conditions:

- OpenBLAS's default threads (one per core) or `OPENBLAS_NUM_THREADS=1` (what the Binder
  `start` script sets);
- the machine's other cores idle, or each kept busy by a spinning process (a loaded
  Binder node, or a one-core CPU quota).

Memory is the kernel's peak resident set (`VmHWM` in `/proc/<pid>/status`, Linux only),
sampled while the notebook runs; its sum over the lessons bounds a student who leaves every
lesson's kernel running. Prints a table and records it in benchmarks/README.md under the
heading below (replacing that section, keeping the rest); `--no-record` only prints.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from _common import machine, record_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.config import lesson_ids  # noqa: E402
from tests.support.execution import execute_notebook  # noqa: E402

HEADING = "## Lessons: execution time and memory"
README = ROOT / "benchmarks" / "README.md"
BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
CONDITIONS = (  # (label, BLAS threads or None for OpenBLAS's default, other cores busy)
    ("1 BLAS thread, idle", "1", False),
    ("1 BLAS thread, other cores busy", "1", True),
    ("default BLAS threads, idle", None, False),
    ("default BLAS threads, other cores busy", None, True),
)
OVERSUBSCRIBED_LESSON = "07_deep_network"
OVERSUBSCRIBED_THREADS = ("1", "2", "8")


@dataclass
class Run:
    """One execution of one lesson: wall seconds and the kernel's peak RSS in MiB."""

    seconds: float
    peak_mib: float


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def _peak_kib(pid: int) -> int:
    """VmHWM (peak resident set) of process `pid` in KiB, 0 once it has ended."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class PeakSampler(threading.Thread):
    """Samples the peak RSS of this process's child processes (the kernel) every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            for pid in _children(os.getpid()):
                self.peaks[pid] = max(self.peaks.get(pid, 0), _peak_kib(pid))
            self._stop_event.wait(0.05)

    def stop(self) -> float:
        """Stop sampling; return the largest peak of one child, in MiB."""
        self._stop_event.set()
        self.join()
        return max(self.peaks.values(), default=0) / 1024


def run_lesson(lesson: str, scratch: Path) -> Run:
    """Execute the solution notebook of `lesson` in a copy of its folder under `scratch`."""
    folder = scratch / lesson
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "solutions" / lesson, folder)
    notebook = nbformat.read(folder / f"{lesson}.ipynb", as_version=4)
    sampler = PeakSampler()
    sampler.start()
    start = time.perf_counter()
    try:
        execute_notebook(notebook, cwd=folder, timeout=300)
    finally:
        seconds = time.perf_counter() - start
        peak = sampler.stop()
    return Run(seconds, peak)


def _set_blas_threads(threads: str | None) -> None:
    """Set (or, for None, remove) the BLAS thread variables that kernels inherit."""
    for name in BLAS_VARIABLES:
        if threads is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = threads


class Conditions:
    """Sets the BLAS thread variables kernels inherit and keeps the other cores busy."""

    def __init__(self, threads: str | None, busy: bool) -> None:
        self.threads, self.busy = threads, busy
        self._saved: dict[str, str | None] = {}
        self._spinners: list[subprocess.Popen] = []

    def __enter__(self) -> Conditions:
        self._saved = {name: os.environ.get(name) for name in BLAS_VARIABLES}
        _set_blas_threads(self.threads)
        if self.busy:
            self._spinners = [
                subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range((os.cpu_count() or 2) - 1)
            ]
        return self

    def __exit__(self, *exc_info: object) -> None:
        for spinner in self._spinners:
            spinner.kill()
            spinner.wait()
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def measure(lessons: list[str]) -> dict[str, list[Run]]:
    """Run every lesson under every condition; lesson -> one Run per condition.

    Lesson by lesson, all conditions in turn, so that a change in the machine's load
    affects the conditions alike.
    """
    results: dict[str, list[Run]] = {lesson: [] for lesson in lessons}
    with tempfile.TemporaryDirectory(prefix="bench-lessons-") as scratch:
        for lesson in lessons:
            for label, threads, busy in CONDITIONS:
                with Conditions(threads, busy):
                    run = run_lesson(lesson, Path(scratch))
                results[lesson].append(run)
                print(
                    f"{lesson}, {label}: {run.seconds:.1f} s, {run.peak_mib:.0f} MiB",
                    file=sys.stderr,
                    flush=True,
                )
    return results


def oversubscription(lesson: str, threads: tuple[str, ...], repeats: int) -> list[list[Run]]:
    """`lesson` with the other cores busy, `repeats` times for each BLAS thread count.

    OpenBLAS starts one thread per core it sees; in a container with a CPU quota (Binder)
    it sees every core of the node, so 8 threads on this machine stand for a node with
    8 cores and a quota of one or two. The slowdown comes and goes with how the threads
    and the other processes happen to be scheduled, hence the repeats (interleaved).
    """
    runs: list[list[Run]] = [[] for _ in threads]
    with tempfile.TemporaryDirectory(prefix="bench-lessons-") as scratch:
        for _ in range(repeats):
            for i, count in enumerate(threads):
                with Conditions(count, busy=True):
                    runs[i].append(run_lesson(lesson, Path(scratch)))
                print(
                    f"{lesson}, {count} BLAS threads, other cores busy: "
                    f"{runs[i][-1].seconds:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    return runs


def code_cells(lesson: str) -> int:
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    return sum(cell.cell_type == "code" for cell in nb.cells)


def report(results: dict[str, list[Run]], oversubscribed: list[list[Run]] | None) -> str:
    """The README section: a row per lesson, a time column per condition, the peak RSS;
    then the oversubscription runs."""
    labels = [label for label, _, _ in CONDITIONS]
    lines = [
        HEADING,
        "",
        f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}, by "
        "`python benchmarks/bench_lessons.py`.",
        "",
        "Each solution notebook executed by `tests.support.execution.execute_notebook` in a fresh "
        "kernel (start-up included): wall time per condition, and the kernel's peak resident "
        'memory (the largest over the conditions). "Other cores busy" runs one spinning '
        "process per remaining core, as on a loaded Binder node. Single runs: other jobs on "
        "the machine add noise of a second or two.",
        "",
        "| lesson | code cells | " + " | ".join(labels) + " | kernel peak RSS |",
        "| --- | --- | " + " | ".join("---" for _ in labels) + " | --- |",
    ]
    totals = [0.0] * len(labels)
    peaks = {lesson: max(run.peak_mib for run in runs) for lesson, runs in results.items()}
    for lesson, runs in results.items():
        for i, run in enumerate(runs):
            totals[i] += run.seconds
        times = " | ".join(f"{run.seconds:.1f} s" for run in runs)
        lines.append(f"| {lesson} | {code_cells(lesson)} | {times} | {peaks[lesson]:.0f} MiB |")
    peak_max, peak_sum = max(peaks.values()), sum(peaks.values())
    lines += [
        "| **all lessons** | | "
        + " | ".join(f"**{t:.1f} s**" for t in totals)
        + f" | max {peak_max:.0f} MiB, sum {peak_sum:.0f} MiB |",
        "",
        f"Memory against Binder's 2 GB: one lesson's kernel peaks at {peak_max:.0f} MiB; a "
        f"student who leaves all {len(results)} lessons' kernels running holds at most "
        f"{peak_sum:.0f} MiB in kernels, plus the Jupyter server (the browser suite, "
        "`tests/test_browser.py`, reports server and kernels together in "
        "`test-artifacts/browser-suite.txt`).",
        "",
    ]
    if oversubscribed:
        lines += [
            f"BLAS threads on a busy machine ({OVERSUBSCRIBED_LESSON}, other cores busy): "
            "OpenBLAS starts one thread per core it sees, and in a container with a CPU quota "
            "it sees every core of the node; 8 threads here stand for such a node.",
            "",
            "| BLAS threads | " + " | ".join(OVERSUBSCRIBED_THREADS) + " |",
            "| --- | " + " | ".join("---" for _ in OVERSUBSCRIBED_THREADS) + " |",
            "| wall time, median of "
            + f"{len(oversubscribed[0])} | "
            + " | ".join(
                f"{statistics.median(run.seconds for run in runs):.1f} s" for runs in oversubscribed
            )
            + " |",
            "| wall time, slowest | "
            + " | ".join(f"{max(run.seconds for run in runs):.1f} s" for runs in oversubscribed)
            + " |",
            "",
            "Hence the Binder `start` script sets `OPENBLAS_NUM_THREADS=1` (and "
            "`OMP_NUM_THREADS`, `MKL_NUM_THREADS`) for the course's kernels.",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    chosen = [arg for arg in argv if not arg.startswith("--")]
    lessons = chosen or lesson_ids()
    unknown = sorted(set(lessons) - set(lesson_ids()))
    if unknown:
        sys.exit(f"unknown lessons: {', '.join(unknown)}")
    results = measure(lessons)
    oversubscribed = (
        oversubscription(OVERSUBSCRIBED_LESSON, OVERSUBSCRIBED_THREADS, repeats=3)
        if OVERSUBSCRIBED_LESSON in lessons
        else None
    )
    section = report(results, oversubscribed)
    print(section)
    if "--no-record" not in argv:
        record_section(HEADING, section)
        print(f"recorded in {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
