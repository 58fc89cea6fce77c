"""directional_check vs the full gradient_check on a 64-32-16-10 network (softmax output).

1. Speed, on correct gradients: `utils.nn` (ReLU hidden layers, He initialisation, softmax
   output, cross-entropy) on the first 200 of the shipped 8x8 digits (pixels / 16).
   The full check runs once; the directional check's time is the median of 25 runs.
   Target: a speedup of at least 50x.
2. Verdicts on the bug corpus of `tests/support/bug_corpus.py` (its own tanh network, built with
   the same layer sizes and softmax output): do both checks pass or fail together?

Prints the figures and records them in benchmarks/README.md under the heading below
(replacing that section, leaving the rest of the file alone); `--no-record` only prints.

    python benchmarks/bench_gradcheck.py [--no-record]
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support.bug_corpus

from _common import record_section  # noqa: E402

from tests.support.bug_corpus import BUGS, backward, make_problem  # noqa: E402
from utils.data import load_digits  # noqa: E402
from utils.gradcheck import directional_check, gradient_check  # noqa: E402
from utils.init import initialize_parameters  # noqa: E402
from utils.nn import compute_cost, model_backward, model_forward  # noqa: E402

DIMS = (64, 32, 16, 10)
M = 200
HEADING = "## directional_check vs gradient_check"
README = ROOT / "benchmarks" / "README.md"


def speed() -> dict[str, float]:
    """Wall times of both checks on correct utils.nn gradients, and their verdicts."""
    X, y = load_digits()
    X, Y = X[:, :M] / 16, np.eye(10)[:, y[0, :M]]
    params = initialize_parameters(list(DIMS), method="he", seed=0)

    def cost(p: dict[str, np.ndarray]) -> float:
        return compute_cost(model_forward(X, p, "relu", "softmax")[0], Y, "softmax")

    AL, caches = model_forward(X, params, "relu", "softmax")
    grads = model_backward(AL, Y, caches, "relu", "softmax")
    start = time.perf_counter()
    full = gradient_check(cost, params, grads)
    full_time = time.perf_counter() - start
    times = []
    for _ in range(25):
        start = time.perf_counter()
        directional = directional_check(cost, params, grads)
        times.append(time.perf_counter() - start)
    return {
        "parameters": sum(p.size for p in params.values()),
        "full_time": full_time,
        "full_error": full.max_relative_error,
        "full_passed": full.passed,
        "directional_time": statistics.median(times),
        "directional_error": directional.max_relative_error,
        "directional_passed": directional.passed,
    }


def _verdict(check, problem, grads) -> str:
    """ "pass", "FAIL" ("FAIL (W2)": the worst parameter, when the check names one) or
    "shape error" (the check refused the gradients)."""
    try:
        report = check(problem.cost, problem.params, grads)
    except ValueError:
        return "shape error"
    if report.passed:
        return "pass"
    return f"FAIL ({report.worst_parameter})" if report.worst_parameter else "FAIL"


def verdicts() -> list[tuple[str, str, str]]:
    """(case, gradient_check verdict, directional_check verdict) for the correct gradients
    and every bug of the corpus on a 64-32-16-10 network."""
    problem = make_problem(DIMS, M, "softmax", seed=0)
    cases = [("correct gradients", backward)] + [(bug.name, bug.backward) for bug in BUGS]
    rows = []
    for name, backward_fn in cases:
        try:
            grads = backward_fn(problem.params, problem.X, problem.Y, problem.output)
        except ValueError:  # numpy cannot broadcast: the bug needs square hidden layers
            rows.append((name, "n/a", "n/a"))
            continue
        rows.append(
            (
                name,
                _verdict(gradient_check, problem, grads),
                _verdict(directional_check, problem, grads),
            )
        )
    return rows


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def report(s: dict[str, float], rows: list[tuple[str, str, str]]) -> str:
    speedup = s["full_time"] / s["directional_time"]
    bugs = rows[1:]
    numeric = [r for r in bugs if r[1] not in ("n/a", "shape error")]
    caught = sum(r[1].startswith("FAIL") and r[2] == "FAIL" for r in numeric)
    refused = sum(r[1] == r[2] == "shape error" for r in bugs)
    correct = "both pass" if rows[0][1:] == ("pass", "pass") else f"{rows[0][1:]}"
    lines = [
        HEADING,
        "",
        f"Measured on {machine()}, {time.strftime('%Y-%m-%d')}, by "
        "`python benchmarks/bench_gradcheck.py`.",
        "",
        f"64-32-16-10 network (`utils.nn`, ReLU hidden, softmax output), {M} digits, "
        f"{s['parameters']} parameters, correct gradients:",
        "",
        "| check | wall time | max relative error | verdict |",
        "| --- | --- | --- | --- |",
        f"| gradient_check (every entry, eps=1e-7) | {s['full_time'] * 1e3:.1f} ms | "
        f"{s['full_error']:.1e} | {'pass' if s['full_passed'] else 'FAIL'} |",
        f"| directional_check (one direction, eps=1e-5) | {s['directional_time'] * 1e3:.2f} ms"
        f" (median of 25) | {s['directional_error']:.1e} | "
        f"{'pass' if s['directional_passed'] else 'FAIL'} |",
        "",
        f"**Speedup: {speedup:.0f}x** (target: at least 50x).",
        "",
        f"Bug corpus (`tests/support/bug_corpus.py`, its tanh network with the same layer sizes): "
        f"correct gradients: {correct}; both checks fail {caught} of the {len(numeric)} "
        f"mistakes that give gradients of the right shapes (gradient_check names the worst "
        f'parameter); both refuse the {refused} of wrong shapes ("shape error", a '
        f"ValueError naming the key); {len(bugs) - len(numeric) - refused} need square "
        'hidden layers ("n/a": numpy cannot even broadcast them on this network).',
        "",
        "| case | gradient_check | directional_check |",
        "| --- | --- | --- |",
        *[f"| {name} | {full} | {directional} |" for name, full, directional in rows],
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    figures = speed()
    rows = verdicts()
    section = report(figures, rows)
    print(section)
    if "--no-record" not in argv:
        record_section(HEADING, section)
        print(f"recorded in {README.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
