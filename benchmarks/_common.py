"""Helpers shared by the benchmark scripts: interleaved timing and a machine description."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def machine() -> str:
    """CPU, cores, OS, Python and numpy versions and the current 1-minute load average.

    The load shows whether other processes shared the cores while the figures were taken.
    """
    cpu = platform.processor()  # often empty on Linux: fall back to /proc/cpuinfo
    cpuinfo = Path("/proc/cpuinfo")
    if not cpu and cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{cpu or platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}{load}"
    )


def interleaved(
    funcs: dict[str, tuple[Callable[[], object], int]], rounds: int
) -> dict[str, np.ndarray]:
    """Time several functions in alternation so that they share the machine's ups and downs.

    funcs: name -> (function, calls per batch). Each round times one batch of each function.
    Returns name -> array of `rounds` figures, each the mean seconds per call of one batch.
    """
    out: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(rounds):
        for name, (func, number) in funcs.items():
            start = time.perf_counter()
            for _ in range(number):
                func()
            out[name].append((time.perf_counter() - start) / number)
    return {name: np.array(values) for name, values in out.items()}


README = Path(__file__).with_name("README.md")


def record_section(heading: str, section: str) -> None:
    """Put `section` (starting with `heading`) in benchmarks/README.md.

    An older copy of the section is replaced; every other section is kept.
    """
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        rest = "" if end < 0 else text[end + 1 :]
        text = text[:start] + section + ("\n" + rest if rest else "")
    README.write_text(text)
