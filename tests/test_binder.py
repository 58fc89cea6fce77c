"""Binder: the repository, and the student copy written by `publish`, each build and serve
the course the way Binder (repo2docker) would.

A build here is what repo2docker's Python build pack does with our files: the repository's
files as a clone has them (a student copy: `publish`'s output), a fresh virtual environment
of the Python that `runtime.txt` names, `pip install -r requirements.txt` and nothing else,
then `postBuild` if present; sessions start through the `start` script. Then `jupyter lab`
starts, a kernel of that environment imports `utils` from a lesson's folder, and nbgrader's
lab and server extensions load: Validate (both), the formgrader (the repository only; the
student copy hides the instructor's tools).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient
from packaging.specifiers import SpecifierSet

from autograder.authoring.publish import publish
from autograder.config import ROOT, lesson_ids
from tests.support.browser_support import BLAS_ENV, JupyterLab, private_jupyter_env
from tests.support.environments import checkout

pytestmark = pytest.mark.slow

# Files that would make repo2docker use another build pack than requirements.txt, or
# (binder/, .binder/) ignore the files at the top of the repository.
OTHER_REPO2DOCKER_CONFIG = (
    "binder",
    ".binder",
    "environment.yml",
    "Pipfile",
    "Pipfile.lock",
    "setup.py",
    "Dockerfile",
    "Project.toml",
    "REQUIRE",
    "install.R",
    "default.nix",
    "flake.nix",
)
BADGE_PATH = "urlpath=lab/tree/lessons"
LESSON = "03_broadcasting"


@dataclass(frozen=True)
class Build:
    """A built checkout: its files (`src`) and its environment's `bin/`."""

    name: str
    src: Path
    bin: Path


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, (
        f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout + result.stderr


def _runtime_python(src: Path) -> str:
    """The interpreter `runtime.txt` names (`python-X.Y`): this one, or `pythonX.Y` on PATH."""
    wanted = (src / "runtime.txt").read_text().strip().removeprefix("python-")
    if wanted == f"{sys.version_info.major}.{sys.version_info.minor}":
        return sys.executable
    found = shutil.which(f"python{wanted}")
    assert found, f"runtime.txt asks for Python {wanted}; no python{wanted} on PATH"
    return found


def _build(name: str, base: Path) -> Build:
    """A fresh environment built from requirements.txt alone, as Binder builds it."""
    src = checkout(base / "src") if name == "repository" else publish(base / "src")
    venv = base / "venv"
    _run([_runtime_python(src), "-m", "venv", str(venv)], cwd=base)
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    _run([str(venv / "bin" / "pip"), "install", "-q", "-r", "requirements.txt"], src, env)
    if (src / "postBuild").exists():
        env = private_jupyter_env(base / "jupyter-home")
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
        _run([str(src / "postBuild")], src, env)
    return Build(name, src, venv / "bin")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Build]]:
    """Both builds, made side by side (pip waits on the disk and the registry much of the
    time); their half-gigabyte environments are removed afterwards."""
    names = ("repository", "student copy")
    bases = {name: tmp_path_factory.mktemp(name.replace(" ", "-")) for name in names}
    try:
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            futures = {name: pool.submit(_build, name, bases[name]) for name in names}
            built = {name: future.result() for name, future in futures.items()}
        yield built
    finally:
        for base in bases.values():
            shutil.rmtree(base / "venv", ignore_errors=True)


@pytest.fixture(params=["repository", "student copy"])
def build(request: pytest.FixtureRequest, builds: dict[str, Build]) -> Build:
    return builds[request.param]


def test_binder_configuration_follows_repo2docker_conventions():
    present = [name for name in OTHER_REPO2DOCKER_CONFIG if (ROOT / name).exists()]
    assert not present, f"{present} would change how repo2docker builds the repository"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11", (
        "repo2docker's default Python is older than the pinned numpy needs"
    )
    assert SpecifierSet(requires).contains("3.11"), f"Binder's Python 3.11 is not in {requires}"
    assert "-e ." in (ROOT / "requirements.txt").read_text().splitlines()
    start = ROOT / "start"
    assert os.access(start, os.X_OK), "Binder's `start` script must be executable"
    shown = subprocess.run([str(start), "env"], capture_output=True, text=True, check=True)
    for name, value in BLAS_ENV.items():
        assert f"{name}={value}" in shown.stdout.splitlines()
    readme = (ROOT / "README.md").read_text()
    assert "https://mybinder.org/badge_logo.svg" in readme
    assert f"?{BADGE_PATH})" in readme, "the Binder badge opens JupyterLab on lessons/"


def test_the_build_has_the_pinned_runtime_and_nothing_broken(build: Build):
    _run([str(build.bin / "pip"), "check"], build.src)
    frozen = _run([str(build.bin / "pip"), "freeze"], build.src).lower().replace("_", "-")
    for line in (build.src / "requirements.txt").read_text().splitlines():
        if "==" in line:
            assert line.lower().replace("_", "-") in frozen.splitlines(), line
    imports = "import utils.widgets, utils.data; print(utils.data.load_digits()[0].shape)"
    assert "(64, 1797)" in _run([str(build.bin / "python"), "-c", imports], build.src)
    student = build.name == "student copy"
    probe = "import importlib.util as u; print(u.find_spec('autograder') is None)"
    missing = _run([str(build.bin / "python"), "-c", probe], build.src / "lessons").strip()
    assert missing == str(student), "the student copy installs utils only, not the autograder"


def test_nbgrader_extensions_are_enabled(build: Build, tmp_path: Path):
    env = private_jupyter_env(tmp_path)
    lab = _plain(_run([str(build.bin / "jupyter"), "labextension", "list"], build.src, env))
    server = _plain(
        _run([str(build.bin / "jupyter"), "server", "extension", "list"], build.src, env)
    )
    assert "@jupyter/nbgrader v0.9.6 enabled OK" in lab, lab
    assert "@jupyter-widgets/jupyterlab-manager v5.0.16 enabled OK" in lab, lab
    assert "nbgrader.server_extensions.validate_assignment enabled" in server, server
    assert "nbgrader.server_extensions.validate_assignment  OK" in server, server
    disabled_plugins = set(lab.partition("Disabled extensions:")[2].split())
    instructor = {
        f"@jupyter/nbgrader:{name}"
        for name in ("formgrader", "create-assignment", "assignment-list", "course-list")
    }
    if build.name == "repository":
        assert "nbgrader.server_extensions.formgrader enabled" in server, server
        assert not disabled_plugins, lab
    else:
        assert "nbgrader.server_extensions.formgrader disabled" in server, server
        assert disabled_plugins == instructor, lab


def test_jupyter_lab_serves_the_lessons_with_utils_and_nbgrader(build: Build, tmp_path: Path):
    with JupyterLab(build.bin, build.src, tmp_path, launcher=(str(build.src / "start"),)) as lab:
        status, page = lab.request("GET", "/lab/tree/lessons")
        assert status == 200 and "JupyterLab" in page, lab.log()

        path = f"lessons/{LESSON}/{LESSON}.ipynb"
        code = (
            "import os, sys, utils, utils.checks\n"
            "print(sys.prefix)\nprint(os.getcwd())\nprint(os.environ['OPENBLAS_NUM_THREADS'])"
        )
        prefix, cwd, threads = _run_in_kernel(lab, path, code).split()
        assert Path(prefix) == build.bin.parent, "the kernel runs in the built environment"
        assert Path(cwd) == build.src / "lessons" / LESSON
        assert threads == "1", "the start script's BLAS setting reaches the kernel"

        status, body = lab.request("GET", "/nbgrader_version?version=0.9.6")
        assert status == 200 and json.loads(body)["success"], body
        status, body = lab.request("POST", "/assignments/validate", {"path": path}, timeout=180)
        assert status == 200, f"{status}: {body}\n{lab.log()}"
        result = json.loads(body)
        assert result["success"], result
        value = json.loads(result["value"]) if isinstance(result["value"], str) else result["value"]
        assert value.get("failed"), f"an unanswered lesson fails validation: {value}"

        status, body = lab.request("GET", "/formgrader")
        if build.name == "repository":
            assert status == 200 and "formgrader" in body.lower(), f"{status}\n{lab.log()}"
            status, body = lab.request("GET", "/formgrader/api/assignments")
            listed = {entry["name"] for entry in json.loads(body)}
            assert set(lesson_ids(build.src)) <= listed, body
        else:
            assert status == 404, "the student copy has no formgrader"


def _plain(text: str) -> str:
    """`jupyter ... list` output without its colour codes."""
    for code in ("\x1b[32m", "\x1b[31m", "\x1b[0m"):
        text = text.replace(code, "")
    return text


def _run_in_kernel(lab: JupyterLab, notebook: str, code: str, timeout: float = 60) -> str:
    """Start a kernel for `notebook` through the server, run `code` there, return stdout."""
    status, body = lab.request(
        "POST",
        "/api/sessions",
        {"path": notebook, "type": "notebook", "kernel": {"name": "python3"}},
    )
    assert status == 201, f"{status}: {body}\n{lab.log()}"
    kernel_id = json.loads(body)["kernel"]["id"]
    connection = Path(lab.env["JUPYTER_RUNTIME_DIR"]) / f"kernel-{kernel_id}.json"
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        chunks: list[str] = []

        def keep(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                chunks.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                chunks.append("\n".join(msg["content"]["traceback"]))

        reply = client.execute_interactive(code, timeout=timeout, output_hook=keep)
        assert reply["content"]["status"] == "ok", "".join(chunks)
        return "".join(chunks)
    finally:
        client.stop_channels()
