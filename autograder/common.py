"""Small helpers the whole tool shares: hashes, printable text, the BLAS environment.

Standard library only: `course.py` imports this module with the system Python, before the
course's virtual environment exists.
"""

from __future__ import annotations

import hashlib
import json
import typing as t

# The course's matrices are small: one BLAS thread is faster than several competing for
# one or two cores (Binder, a grading machine), and timings in the lessons stay meaningful.
# JupyterLab, kernels, the grader's sandboxed kernels and the tests all run with it; the
# Binder `start` script sets the same variables (a test keeps them equal).
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def sha256(data: bytes) -> str:
    """Hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def canonical_hash(data: t.Any) -> str:
    """sha256 of `data` as canonical JSON (sorted keys, no spaces)."""
    return sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))


def printable(text: str) -> str:
    """`text` for a one-line message: characters that do not print (controls, invisible
    formatting, line breaks, bytes that were not UTF-8) escaped as `\\uXXXX`; names in any
    script shown as they are."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )
