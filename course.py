#!/usr/bin/env python3
"""The course's two commands, for a fresh machine with only Python 3.11 and the registries.

    python3 course.py open    set everything up, then open JupyterLab on lessons/
    python3 course.py test    set everything up, then run the whole test suite

Both create (or reuse) the virtual environment `.venv/` beside this file and install the
pinned requirements into it; a stamp file skips the install when nothing changed.
Extra arguments after `test` go to pytest (for example `python3 course.py test -k utils`),
after `open` to JupyterLab (for example `python3 course.py open --no-browser --port 9999`).
Run as root (a container, a cloud VM), `open` adds what Jupyter needs to run as root and
says so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from autograder.common import ONE_BLAS_THREAD  # noqa: E402  (standard library only)

VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _run(*cmd: str | os.PathLike, **kwargs) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)


def ensure_environment(requirements: str) -> None:
    """Create `.venv` and install `requirements` (and what it includes) unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this script may run on an older python3)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [
        ROOT / name
        for name in (
            "requirements.txt",
            "requirements-grading.txt",
            "requirements-dev.txt",
            "pyproject.toml",
        )
    ]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]
    stamp = VENV / f".installed-{Path(requirements).stem}-{digest}"
    if stamp.exists():
        return
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-r", requirements)
    _run(PYTHON, "-m", "pip", "check")
    for old in VENV.glob(f".installed-{Path(requirements).stem}-*"):
        old.unlink()
    stamp.touch()


def _has_system_venv() -> bool:
    """Whether the distribution's python3 can make virtual environments (Debian splits
    that into python3-venv)."""
    system = Path("/usr/bin/python3")
    if not system.exists():
        return True  # not Debian's layout: nothing to install
    check = subprocess.run([str(system), "-c", "import ensurepip, venv"], capture_output=True)
    return check.returncode == 0


def _has_postgres() -> bool:
    """Whether PostgreSQL's server programs are here (Debian keeps them off PATH)."""
    return shutil.which("initdb") is not None or any(
        Path("/usr/lib/postgresql").glob("*/bin/initdb")
    )


# Debian packages the test suite needs, with how to tell each is there: the grader's
# sandbox, the browser tests' Chromium, venv for the normal-user runs of the grader (with
# Debian's python3, which every user can run), and PostgreSQL for the shared gradebook.
SYSTEM_PACKAGES = {
    "bubblewrap": lambda: shutil.which("bwrap") is not None,
    "chromium": lambda: shutil.which("chromium") is not None,
    "python3-venv": _has_system_venv,
    "postgresql": _has_postgres,
}


def ensure_system_packages() -> None:
    """Install the missing SYSTEM_PACKAGES with apt-get when we are root on Debian.

    Elsewhere, say what is missing and go on: the tests that need it fail saying how to
    get it.
    """
    missing = [pkg for pkg, present in SYSTEM_PACKAGES.items() if not present()]
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        _run("apt-get", "update", "-qq", env=env)
        _run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)
    else:
        print(
            f"note: missing system packages {', '.join(missing)}; install them with "
            f"`sudo apt-get install {' '.join(missing)}`",
            flush=True,
        )


def course_environment() -> dict[str, str]:
    """The environment for JupyterLab, kernels and tests: one BLAS thread (see
    `autograder/common.py`), unless the caller's environment says otherwise."""
    return {**ONE_BLAS_THREAD, **os.environ}


def _release_directory() -> str:
    """The students' notebooks, as nbgrader_config.py names them (lessons/)."""
    query = "from autograder.config import Course; print(Course.at().release)"
    return subprocess.run(
        [str(PYTHON), "-c", query], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def open_course(jupyter_args: list[str]) -> None:
    ensure_environment("requirements.txt")
    argv = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={_release_directory()}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print(
            "note: running as root (a container or a cloud machine?): starting JupyterLab "
            "with --allow-root, which Jupyter requires for root; as a normal user it is not "
            "needed",
            flush=True,
        )
        argv.append("--allow-root")
    os.execve(argv[0], argv + jupyter_args, course_environment())


def run_tests(pytest_args: list[str]) -> None:
    ensure_environment("requirements-dev.txt")
    ensure_system_packages()
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "ruff", "format", "--check", ".")
    _run(BIN / "mypy")
    env = dict(course_environment(), PYTHONHASHSEED="0")
    result = subprocess.run([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)
    sys.exit(result.returncode)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"open", "test"}:
        sys.exit(__doc__)
    if argv[0] == "open":
        open_course(argv[1:])
    else:
        run_tests(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
