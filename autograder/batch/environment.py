"""What a grading machine is: the course's code, Python, the packages grading depends on,
and whether the sandbox runs there.

Every Dask worker must grade exactly as the grading process would: the same course code
(a hash of the installed `autograder` and `utils` packages), the same Python (major and
minor release: 3.11.2 and 3.11.7 grade alike), the
same versions of the packages that run or judge student code, and a working sandbox
unless the run is `--unsafe`. `mismatches` names every difference; the grading process
refuses a cluster with any, before a job runs.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
import typing as t
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ..common import canonical_hash, sha256

# The packages whose versions change what a submission's run gives.
PACKAGES = (
    "numpy",
    "matplotlib",
    "ipywidgets",
    "ipykernel",
    "ipython",
    "jupyter_client",
    "pyzmq",
    "nbclient",
    "nbformat",
    "nbconvert",
    "nbgrader",
    "traitlets",
    "psutil",
    "jinja2",
    "dask",
    "distributed",
)


class Environment(t.TypedDict):
    """A machine's report (JSON)."""

    host: str
    python: str
    platform: str
    course: str
    packages: dict[str, str]
    sandbox: str | None
    cores: int


def course_code_hash() -> str:
    """sha256 of the installed `autograder` and `utils` packages' files (code, templates,
    data), by relative path."""
    import autograder
    import utils

    files = {}
    for package in (autograder, utils):
        assert package.__file__ is not None
        folder = Path(package.__file__).parent
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[f"{package.__name__}/{path.relative_to(folder)}"] = sha256(path.read_bytes())
    return canonical_hash(files)


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def environment_report(sandboxed: bool) -> Environment:
    """This machine's report; `sandbox` is why the sandbox cannot run (None when it can,
    or when `sandboxed` is False)."""
    from ..kernel.sandbox import sandbox_problem

    return {
        "host": socket.gethostname(),
        "python": platform.python_version(),
        "platform": sys.platform,
        "course": course_code_hash(),
        "packages": {name: _version(name) for name in PACKAGES},
        "sandbox": sandbox_problem() if sandboxed else None,
        "cores": os.cpu_count() or 1,
    }


def _minor(release: str) -> str:
    """ "3.11" of "3.11.7": patch releases grade alike."""
    return ".".join(release.split(".")[:2])


def mismatches(reference: Environment, other: Environment) -> list[str]:
    """Each way `other` (a worker) differs from `reference` (the grading process)."""
    found = []
    if other["sandbox"]:
        found.append(f"the sandbox cannot run there: {other['sandbox']}")
    if _minor(other["python"]) != _minor(reference["python"]):
        found.append(f"Python {other['python']}, not {_minor(reference['python'])}")
    if other["platform"] != reference["platform"]:
        found.append(f"platform {other['platform']}, not {reference['platform']}")
    if other["course"] != reference["course"]:
        found.append(
            "another version of the course's code (autograder, utils): install the same "
            "commit there"
        )
    for name, wanted in reference["packages"].items():
        got = other["packages"].get(name, "not installed")
        if got != wanted:
            found.append(f"{name} {got}, not {wanted}")
    return found
