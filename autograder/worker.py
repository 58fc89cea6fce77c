"""A grading worker process: `python -m autograder.worker`, speaking JSON lines.

Reads one job per line on stdin (see `jobs.py`), answers one line per job on its original
stdout: `{"id": ..., "result": {...}}`. Everything else the process or its libraries print
goes to stderr (stdout is moved there first), so the channel carries only results. The
worker dies with the grader (parent-death signal, and end of input).
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

from .jobs import failed_result, grade_job

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the end of stdin still stops the worker


def serve(lines: t.Iterable[str], answer: t.Callable[[str], None]) -> None:
    """Grade each job line, answering with a result line; a crash becomes a failed result."""
    for line in lines:
        if not line.strip():
            continue
        request = json.loads(line)
        job = request["job"]
        try:
            result = grade_job(job)
        except Exception as exc:  # noqa: BLE001  (one broken job must not stop the batch)
            traceback.print_exc(file=sys.stderr)
            result = failed_result(job, [f"worker: the grader failed on this submission "
                                         f"({type(exc).__name__}: {exc})"])
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
