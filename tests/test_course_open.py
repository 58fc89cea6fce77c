"""The README's first command, `python3 course.py open`, where people run it: as root (a
container, a cloud VM: Jupyter refuses root unless told) and as a normal user in a fresh
copy of the course (it makes its own virtual environment). Each time JupyterLab must serve
the lessons; the server is stopped by its process group."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.config import ROOT, lesson_ids
from tests.support.environments import (
    CACHE,
    course_python,
    give,
    normal_user,
    pins,
    system_python,
)

START_SECONDS = 900  # a normal user's first run installs the whole environment
COPY_IGNORED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "grading",
    "test-artifacts",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wheelhouse(python: Path) -> Path:
    """Wheels of the pinned requirements (and setuptools, to build the course package) for
    the Python at `python`, so that a normal user's install needs neither root's pip cache
    nor the network again. Resolved by that Python: unpinned dependencies differ between
    patch releases (Debian 12's 3.11.2 gets an older soupsieve than 3.11.7)."""
    pinned = pins("requirements.txt")
    build_tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    key = hashlib.sha256("\n".join([*pinned, *build_tools, str(python)]).encode()).hexdigest()[:12]
    house = CACHE / f"wheels-{key}"
    if not (house / ".done").is_file():
        shutil.rmtree(house, ignore_errors=True)
        house.mkdir(parents=True)
        listing = house / "requirements.txt"
        listing.write_text("\n".join([*pinned, *build_tools, "wheel"]) + "\n")
        done = subprocess.run(
            [
                str(course_python(python, for_all=True)),
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "-r",
                str(listing),
                "-w",
                str(house),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        (house / ".done").touch()
    for path in [CACHE, house, *house.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return house


def _serve_and_stop(argv, cwd, env, log_path, **switch) -> dict:
    """Run `course.py open` until JupyterLab answers; return its listing of the lessons."""
    port, token = _free_port(), "course-open-test"
    argv = [
        *argv,
        "--no-browser",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0",
    ]
    url = f"http://127.0.0.1:{port}/api/contents?token={token}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **switch,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert server.poll() is None, Path(log_path).read_text()[-3000:]
            assert time.monotonic() < deadline, Path(log_path).read_text()[-3000:]
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    return json.load(answer)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _listed(listing: dict) -> set[str]:
    return {item["name"] for item in listing["content"]}


ROOT_USER, NORMAL_USER = "root", "normal user"
OPEN_MODES = [ROOT_USER, NORMAL_USER] if os.geteuid() == 0 else [NORMAL_USER]


def _open_as_root(tmp_path: Path) -> tuple[dict, str]:
    """In the checkout itself, whose environment the test command made."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    log = tmp_path / "open.log"
    listing = _serve_and_stop([sys.executable, "course.py", "open"], ROOT, env, log)
    return listing, log.read_text()


def _open_as_normal_user(tmp_path: Path) -> tuple[dict, str]:
    """In a fresh copy of the course in the user's home: course.py makes its own .venv."""
    user = normal_user()
    base = Path(tempfile.mkdtemp(prefix="course-open-", dir=user.home))
    try:
        copy = base / "course"
        shutil.copytree(ROOT, copy, ignore=COPY_IGNORED, symlinks=True)
        (base / "home").mkdir()
        give(base, user)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(base / "home"), "LANG": "C.UTF-8"}
        switch: dict = {}
        python = Path(sys.executable)
        if not user.is_current:
            python = system_python()
            env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(_wheelhouse(python)))
            switch = {"user": user.uid, "group": user.gid, "extra_groups": []}
        listing = _serve_and_stop(
            [str(python), "course.py", "open"], copy, env, base / "open.log", **switch
        )
        assert (copy / ".venv" / "bin" / "jupyter").is_file()
        return listing, (base / "open.log").read_text()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("who", OPEN_MODES)
def test_open_serves_the_lessons(who, tmp_path):
    opened = _open_as_root if who == ROOT_USER else _open_as_normal_user
    listing, log = opened(tmp_path)
    assert set(lesson_ids()) <= _listed(listing)
    assert "Use --allow-root to bypass" not in log  # Jupyter's refusal
    if who == ROOT_USER:
        assert "running as root" in log and "--allow-root" in log
    else:
        assert "--allow-root" not in log
