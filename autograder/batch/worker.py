"""A grading worker process: `python -m autograder.batch.worker`, speaking JSON lines.

Reads one request per line on stdin: `{"package": {...}}` hands it a lesson package (kept
by hash, no answer), `{"id": ..., "job": {...}}` asks it to grade a job against a package
it was given (see `job/jobs.py`), answered by one line on its original stdout:
`{"id": ..., "result": {...}}`. Everything else the process or its libraries print goes to
stderr (stdout is moved there first), so the channel carries only results. The worker dies
with the grader (parent-death signal, and end of input).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import sys
import traceback
import typing as t

from ..job.jobs import failed_result, grade_job
from ..reasons import Reason
from ..schema import Job, LessonPackage, Result

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the end of stdin still stops the worker


def run_job(packages: dict[str, LessonPackage], job: Job) -> Result:
    """Grade `job` against its package; a crash of the grader becomes a failed result."""
    package = packages.get(job["package"])
    if package is None:
        raise KeyError(f"no lesson package {job['package']} was handed to this worker")
    try:
        return grade_job(package, job)
    except Exception as exc:  # noqa: BLE001  (one broken job must not stop the batch)
        traceback.print_exc(file=sys.stderr)
        return failed_result(
            package,
            job,
            [Reason.WORKER(f"the grader failed on this submission ({type(exc).__name__}: {exc})")],
        )


def serve(lines: t.Iterable[str], answer: t.Callable[[str], None]) -> None:
    """Keep each package line, answer each job line with a result line."""
    packages: dict[str, LessonPackage] = {}
    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)
        if "package" in request:
            package: LessonPackage = request["package"]
            packages[package["hash"]] = package
            continue
        result = run_job(packages, request["job"])
        answer(json.dumps({"id": request["id"], "result": result}))


def main() -> None:
    """Run the worker on stdin/stdout; see the module docstring."""
    _die_with_parent()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("traitlets", "nbclient", "jupyter_client", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)

    def answer(text: str) -> None:
        channel.write(text + "\n")
        channel.flush()

    serve(sys.stdin, answer)


if __name__ == "__main__":
    main()
