"""From an executed notebook to scores, a status and reasons.

A test cell earns its points when every part of it (visible and hidden tests) ran to the
end without an error, and nothing says the kernel lied: no check recorded in the cell
fails when re-run outside the kernel (`recheck.py`), no tampering happened while the cell
ran, and the probes answered. What reached stderr does not matter (no false zeros:
nbgrader's own rule gives 0 for any stderr output, a numpy warning included; here stderr
is kept for the report instead). A test cell whose last value is a number between 0 and
its points earns that number (nbgrader's partial credit).

Answers graded by hand keep nbgrader's rule: an answer left as released scores 0, any
other waits for a person ("needs manual grading").

Reasons are `code: message` strings, and the status follows from their codes
(`reasons.py`).
"""

from __future__ import annotations

import re
import typing as t

from ..integrity.recheck import recheck
from ..reasons import Reason
from ..schema import ManualScore, TestScore
from .prepare import Prepared
from .runner import CellRun, RunResult

LIMIT_PATTERNS = (
    (Reason.MEMORY, re.compile(r"^MemoryError$"), "hit the memory limit"),
    (
        Reason.PROCESSES,
        re.compile(r"Resource temporarily unavailable|BlockingIOError"),
        "hit the process limit",
    ),
    (
        Reason.DISK,
        re.compile(r"No space left on device|File too large|Errno 28|Errno 27"),
        "hit the disk limit",
    ),
)


def _partial(run: CellRun, points: float) -> float:
    for part in run.parts:
        for output in part.outputs:
            if output.get("output_type") == "execute_result":
                text = output.get("data", {}).get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else str(text)
                try:
                    value = float(text)
                except ValueError:
                    return points
                return min(max(value, 0.0), points)
    return points


def _stderr(run: CellRun, hidden: bool) -> str:
    texts = [
        str(o.get("text", ""))
        for part in run.parts
        if part.hidden == hidden
        for o in part.outputs
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    return "".join(texts)


def _error_line(run: CellRun) -> tuple[str | None, bool]:
    """A short error for the report, and whether it came from hidden tests."""
    for part in run.parts:
        if part.status != "ok":
            if part.status == "timeout":
                return "TimeoutError: ran over the time limit", part.hidden
            if part.status == "died":
                return "the kernel stopped", part.hidden
            if part.hidden:
                return f"{part.ename}: a hidden test failed", True
            return f"{part.ename}: {(part.evalue or '')[:300]}", False
    if run.status == "not_run":
        return "not run", False
    return None, False


def _limit_reasons(prepared: Prepared, run: CellRun) -> list[str]:
    found = []
    for part in run.parts:
        if part.status != "error":
            continue
        text = f"{part.ename}: {part.evalue}"
        for reason, pattern, what in LIMIT_PATTERNS:
            if pattern.search(text if reason is not Reason.MEMORY else str(part.ename)):
                found.append(reason(f"cell {prepared.label(run.index)} {what}"))
    return found


def score_run(prepared: Prepared, result: RunResult) -> dict[str, t.Any]:
    """Scores per grade id, total, reasons (status is derived with `status_of`)."""
    reasons: list[str] = list(prepared.notes)
    tests: dict[str, TestScore] = {}
    manual: dict[str, ManualScore] = {}
    stderr: dict[str, str] = {}
    reasons += result.events
    for item, run in zip(prepared.cells, result.cells, strict=True):
        label = prepared.label(run.index)
        if run.status == "timeout":
            reasons.append(Reason.TIMEOUT(f"cell {label} ran over the time limit and was stopped"))
        if run.truncated:
            reasons.append(Reason.OUTPUT(f"cell {label} printed more than the output limit; cut"))
        reasons += _limit_reasons(prepared, run)
        for finding in run.findings:
            reason = Reason.TAMPER if finding.get("severity") == "flag" else Reason.RESTORED
            reasons.append(reason(f"around cell {label}: {finding.get('what')}"))
        if run.probe_error:
            reasons.append(
                Reason.PROBE(f"the grader's check around cell {label} failed: {run.probe_error}")
            )
        if item.role == "manual":
            manual[label] = {
                "max_score": item.points,
                "auto_score": 0.0 if item.unchanged else None,
            }
        if item.role != "test":
            continue
        passed = run.status == "ok"
        during = [
            f for f in run.findings if f.get("severity") == "flag" and f.get("phase") == "after"
        ]
        verdicts = [recheck(record) for record in run.records]
        for verdict in verdicts:
            if verdict.note and verdict.passed_inside:
                passed = False
                reasons.append(
                    Reason.RECHECK(
                        f"test {label} {verdict.note} defined in the notebook, whose "
                        "comparisons cannot be trusted; the test scores 0"
                    )
                )
            if verdict.status == "disagree" and verdict.passed_inside:
                passed = False
                reasons.append(
                    Reason.RECHECK(
                        f"test {label}: {verdict.what} passed in the kernel but fails "
                        "outside it with the same values; the test scores 0"
                    )
                )
        error, hidden = _error_line(run)
        if run.status == "ok" and not passed:
            error = "the kernel's verdict could not be confirmed outside it"
        if during or run.probe_error:
            passed = False
            error = "the checking functions were tampered with while the test ran"
        points = _partial(run, item.points) if passed else 0.0
        tests[label] = {
            "score": points,
            "max_score": item.points,
            "status": "passed" if passed else ("not_run" if run.status == "not_run" else "failed"),
            "error": None if passed else error,
            "hidden_failed": (not passed) and hidden,
        }
        text = _stderr(run, hidden=False) + _stderr(run, hidden=True)
        if text:
            stderr[label] = text[:4000]
            if passed:
                reasons.append(
                    Reason.STDERR(
                        f"test {label} passed and wrote to stderr (kept in the report; "
                        "nbgrader's own rule would have scored it 0)"
                    )
                )
    score = sum(t["score"] for t in tests.values()) + sum(
        m["auto_score"] or 0.0 for m in manual.values()
    )
    return {
        "tests": tests,
        "manual": manual,
        "score": score,
        "reasons": _dedupe(reasons),
        "stderr": stderr,
    }


def _dedupe(reasons: list[str]) -> list[str]:
    return list(dict.fromkeys(reasons))
