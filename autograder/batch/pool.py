"""Run grading jobs in parallel worker processes, talking JSON lines over pipes.

Each worker (`python -m autograder.batch.worker`) grades one job at a time; a thread per
worker feeds it and reads its answer. A worker receives each lesson package once, before
its first job for that package. A worker that crashes, or gives no answer within the job's
time limit, is killed and replaced, and that job gets a `failed` result: the batch goes on.
Results come back to the caller (the single writer) in completion order.
"""

from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import threading
import typing as t
from collections.abc import Iterator
from pathlib import Path
from time import monotonic

from ..config import ROOT
from ..job.jobs import failed_result
from ..reasons import Reason
from ..schema import Job, LessonPackage, Result


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, log: t.IO[bytes]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.batch.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd=str(ROOT),
        )
        self.buffer = b""
        self.packages: set[str] = set()

    def tell(self, request: str) -> bool:
        """Send one request line that gets no answer; False when the worker is gone."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(request.encode("utf-8") + b"\n")
            self.process.stdin.flush()
        except OSError:
            return False
        return True

    def ask(self, request: str, timeout: float) -> str | None:
        """Send one request line; return the answer line, or None (dead or too slow)."""
        assert self.process.stdout is not None
        if not self.tell(request):
            return None
        deadline = monotonic() + timeout
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode("utf-8")

    def stop(self) -> None:
        """Close the worker's input and wait for it (kill it if it lingers)."""
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        """Stop the worker now."""
        self.process.kill()
        self.process.wait()


def run_jobs(
    packages: dict[str, LessonPackage],
    jobs: list[Job],
    workers: int,
    job_timeout: float,
    log_path: Path,
) -> Iterator[tuple[Job, Result]]:
    """Grade `jobs` (against `packages`, by hash) on `workers` processes; yield
    (job, result) as each finishes."""
    todo: queue.Queue[tuple[int, Job] | None] = queue.Queue()
    done: queue.Queue[tuple[Job, Result]] = queue.Queue()
    for number, job in enumerate(jobs):
        todo.put((number, job))
    count = max(1, min(workers, len(jobs)))
    for _ in range(count):
        todo.put(None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")  # noqa: SIM115  (closed after the threads end)

    def drive() -> None:
        worker: _Worker | None = None
        while True:
            item = todo.get()
            if item is None:
                break
            number, job = item
            if worker is None:
                worker = _Worker(log)
            package = packages[job["package"]]
            if job["package"] not in worker.packages:
                worker.tell(json.dumps({"package": package}))
                worker.packages.add(job["package"])
            answer = worker.ask(json.dumps({"id": number, "job": job}), job_timeout)
            result: Result | None = None
            if answer is not None:
                try:
                    message = json.loads(answer)
                    if message.get("id") == number:
                        result = message["result"]
                except (json.JSONDecodeError, KeyError, AttributeError):
                    result = None
            if result is None:
                worker.kill()
                worker = None
                result = failed_result(
                    package,
                    job,
                    [
                        Reason.WORKER(
                            f"the grading process gave no result within {job_timeout:.0f} s "
                            "or crashed; see grading.log"
                        )
                    ],
                )
            done.put((job, result))
        if worker is not None:
            worker.stop()

    threads = [threading.Thread(target=drive, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(len(jobs)):
            yield done.get()
    finally:
        for thread in threads:
            thread.join(timeout=30)
        log.close()
