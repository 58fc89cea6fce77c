"""Where instructors stand: a normal (non-root) user, their own Python, another version.

- `normal_user()`: the account tests run the grader as. When the suite runs as root it is
  the unprivileged account `GRADER_USER`, created once (with `useradd`); otherwise the
  current user.
- `course_python(python, for_all=...)`: a virtual environment made with that interpreter,
  holding the course's pinned requirements and the course package installed as a package
  (not editable, so it does not depend on where, or how readable, the test's clone is).
  Built once per requirements and interpreter, kept in `CACHE` and refreshed when the
  course's code changes. `for_all=True` makes it readable by every user, for a normal
  user's runs; it must then be made from an interpreter every user can read, such as
  Debian's `/usr/bin/python3` (pyenv's live in root's home, mode 700).
- `find_python("3.12")`: an interpreter of that version (PATH, pyenv), or a test failure
  that says how to install one.
- `run_as(user, argv, ...)`: a command run as that user, with a clean environment.
- `pins(name)`: the pinned requirements a requirements file lists.
- `checkout(dest)`: the repository's files as a fresh clone has them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.common import ONE_BLAS_THREAD
from autograder.config import ROOT

GRADER_USER = "nncourse-instructor"
CACHE = Path(os.environ.get("NNCOURSE_TEST_CACHE", "/var/tmp/nncourse-test-envs"))
PACKAGE_TREES = ("autograder", "utils")


@dataclass(frozen=True)
class User:
    """An account to run commands as."""

    name: str
    uid: int
    gid: int
    home: Path

    @property
    def is_current(self) -> bool:
        """Whether this is the user running the tests (no switch needed)."""
        return self.uid == os.geteuid()


def _user(entry: pwd.struct_passwd) -> User:
    return User(entry.pw_name, entry.pw_uid, entry.pw_gid, Path(entry.pw_dir))


def normal_user() -> User:
    """The unprivileged account tests grade as (created when the suite runs as root)."""
    if os.geteuid() != 0:
        return _user(pwd.getpwuid(os.geteuid()))
    try:
        return _user(pwd.getpwnam(GRADER_USER))
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    done = subprocess.run(
        [useradd, "--create-home", "--shell", "/bin/sh", GRADER_USER],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"could not create the test account {GRADER_USER}: {done.stderr.strip()}")
    return _user(pwd.getpwnam(GRADER_USER))


def system_python() -> Path:
    """The distribution's `python3`, which every user can run (Debian: /usr/bin/python3)."""
    for candidate in (Path("/usr/bin/python3"), Path("/usr/local/bin/python3")):
        if candidate.is_file() and os.stat(candidate.resolve()).st_mode & 0o005 == 0o005:
            return candidate
    pytest.fail(
        "the normal-user tests need a python3 every user can run, such as Debian's: "
        "apt-get install python3 python3-venv"
    )


def _runs(python: str, version: str) -> bool:
    """Whether `python` starts and is that version (a pyenv shim may not be)."""
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find_python(version: str) -> Path:
    """An interpreter of `version` ("3.12"), from pyenv or PATH, or a failure saying how to
    get one."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(
        (str(p) for p in pyenv_root.glob(f"versions/{version}.*/bin/python{version}")),
        reverse=True,
    )
    candidates += [c for c in (shutil.which(f"python{version}"),) if c]
    for candidate in candidates:
        if _runs(candidate, version):
            return Path(candidate)
    pytest.fail(
        f"Python {version} is needed to test the course on it and was not found: install it "
        f"(`pyenv install {version}`, or your distribution's python{version} package) and run "
        "the tests again"
    )


def _digest(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts or file.suffix == ".pyc":
                continue
            digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        pytest.fail(f"{what} failed ({' '.join(argv[:4])} ...):\n{tail}")


def _version_of(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


TEST_TOOLS = ("pytest", "hypothesis")


def pins(name: str) -> list[str]:
    """The pinned requirements listed in the file `name` (no includes, no `-e .`)."""
    return [
        line.strip()
        for line in (ROOT / name).read_text().splitlines()
        if line.strip() and not line.startswith(("#", "-"))
    ]


def course_python(python: Path, for_all: bool = False, test_tools: bool = False) -> Path:
    """The `python` of a virtual environment of the course made with `python` (see the module
    docstring); `test_tools` adds the pinned pytest and hypothesis, to run tests with it."""
    version = _version_of(python)
    requirements = pins("requirements.txt") + pins("requirements-grading.txt")
    if test_tools:
        requirements += [p for p in pins("requirements-dev.txt") if p.split("==")[0] in TEST_TOOLS]
    key = hashlib.sha256(
        "\n".join([str(python.resolve()), version, *requirements, str(for_all)]).encode()
    ).hexdigest()[:12]
    venv = CACHE / f"py{version}-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    CACHE.chmod(0o755)
    with open(CACHE / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / ".requirements-done").is_file():
            shutil.rmtree(venv, ignore_errors=True)
            _run([str(python), "-m", "venv", str(venv)], f"making a Python {version} venv")
            pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
            _run([*pip, "install", "--quiet", "--upgrade", "pip"], "upgrading pip")
            listing = venv / "requirements.txt"
            listing.write_text("\n".join(requirements) + "\n")
            _run([*pip, "install", "--quiet", "-r", str(listing)], "installing requirements")
            (venv / ".requirements-done").touch()
        stamp = (
            venv / f".course-{_digest(*(ROOT / t for t in PACKAGE_TREES), ROOT / 'pyproject.toml')}"
        )
        if not stamp.is_file():
            for old in venv.glob(".course-*"):
                old.unlink()
            pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
            build = CACHE / f"build-{key}"
            shutil.rmtree(build, ignore_errors=True)
            shutil.copytree(
                ROOT,
                build,
                ignore=shutil.ignore_patterns(
                    ".git",
                    ".venv",
                    "*.egg-info",
                    "__pycache__",
                    "lessons",
                    "solutions",
                    "grading",
                    "test-artifacts",
                ),
            )
            _run(
                [*pip, "install", "--quiet", "--no-deps", "--force-reinstall", str(build)],
                "installing the course package",
            )
            shutil.rmtree(build, ignore_errors=True)
            stamp.touch()
        if for_all:
            _readable_by_all(venv)
    return venv / "bin" / "python"


def _readable_by_all(path: Path) -> None:
    for folder, dirs, files in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o755)
        for name in files:
            full = os.path.join(folder, name)
            if not os.path.islink(full):
                mode = os.stat(full).st_mode
                os.chmod(full, mode | 0o444 | (0o111 if mode & 0o100 else 0))
    path.chmod(0o755)


def give(path: Path, user: User) -> None:
    """Make `user` the owner of `path` and everything in it (root only; no-op otherwise)."""
    if os.geteuid() != 0 or user.is_current:
        return
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), user.uid, user.gid)
    os.lchown(path, user.uid, user.gid)


def user_environment(user: User, python: Path, home: Path) -> dict[str, str]:
    """A clean environment for the grader run by `user` with `python`'s venv."""
    return {
        "HOME": str(home),
        "USER": user.name,
        "LOGNAME": user.name,
        "PATH": f"{python.parent}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        **ONE_BLAS_THREAD,
    }


def run_as(
    user: User, argv: list[str], env: dict[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`argv` run as `user` in `cwd` with exactly `env` (output captured as text)."""
    switch = {} if user.is_current else {"user": user.uid, "group": user.gid, "extra_groups": []}
    return subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **switch,  # type: ignore[arg-type]
    )


def current_python() -> Path:
    """The interpreter running the tests."""
    return Path(sys.executable)


def checkout(dest: Path) -> Path:
    """The repository's files as a clone (of the working tree) has them: no ignored files."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest
