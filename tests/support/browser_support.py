"""Start and stop a private JupyterLab for the browser and Binder tests.

`JupyterLab` runs `jupyter lab` from a given environment on a free loopback port with a
random token, in private config, data, settings, workspaces and runtime directories (so
nothing of the machine's own Jupyter set-up leaks in and nothing is written to it), without
the news pop-up, update checks or "build recommended" dialogs. Its log goes to a file that
tests attach to their failure messages.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.config import ROOT

# What Binder's `start` script sets for every session (see the repository's `start`).
BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
ARTIFACTS = ROOT / "test-artifacts"

_LAB_SETTINGS = {
    # no news or update pop-up: neither is fetched (there is no network here anyway)
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
_SERVER_CONFIG = {
    "ServerApp": {
        # JupyterLab asks to rebuild when it thinks extensions changed; never here
        "tornado_settings": {"page_config_data": {"buildCheck": False, "buildAvailable": False}},
        "open_browser": False,
    },
    # no news feed, no look-ups of extensions on PyPI; `window.jupyterapp` for the tests
    "LabApp": {"news_url": None, "extension_manager": "readonly", "expose_app_in_browser": True},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_jupyter_env(home: Path) -> dict[str, str]:
    """This process's environment, with private Jupyter directories under `home`.

    Writes the server config and JupyterLab settings above there. The BLAS thread variables
    are removed: a server started through Binder's `start` gets them from there.
    """
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(
        json.dumps(_SERVER_CONFIG, indent=1)
    )
    for name, settings in _LAB_SETTINGS.items():
        path = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = dict(os.environ)
    for name in ("JUPYTER_PATH", "JUPYTER_PLATFORM_DIRS", *BLAS_ENV):
        env.pop(name, None)
    env.update({name: str(path) for name, path in dirs.items()})
    return env


class JupyterLab:
    """A `jupyter lab` server; use as a context manager, or `start()` and `stop()`.

    bin_dir: the `bin/` of the environment to run (`jupyter` is taken from there);
    root: the server's root and working directory (nbgrader reads `nbgrader_config.py`
    from there); home: where the private directories and the log go; launcher: a command
    prefix such as Binder's `start` script.
    """

    def __init__(
        self,
        bin_dir: Path,
        root: Path,
        home: Path,
        launcher: tuple[str, ...] = (),
        startup_timeout: float = 90.0,
    ) -> None:
        self.bin_dir, self.root, self.home = bin_dir, root, home
        self.launcher, self.startup_timeout = launcher, startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = home / "jupyter-server.log"
        self.env = private_jupyter_env(home)
        self.env["PATH"] = f"{bin_dir}{os.pathsep}{self.env.get('PATH', '')}"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> JupyterLab:
        """Start the server and wait until its API answers; raise with the log if not."""
        command = [
            *self.launcher,
            str(self.bin_dir / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # CI and Binder-like containers run as root
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {self.process.returncode}\n{self.log()}"
                )
            try:
                self.get("/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"jupyter lab did not answer within {self.startup_timeout} s\n{self.log()}"
        )

    def stop(self) -> None:
        """Stop the server: SIGTERM (it shuts its kernels down), SIGKILL after 15 s; then
        kill whatever it started that is still running (kernels live in their own process
        groups)."""
        if self.process is None:
            return
        started = {pid: _start_time(pid) for pid in _descendants(self.process.pid)[1:]}
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid, start_time in started.items():
            if start_time is not None and _start_time(pid) == start_time:  # not a reused pid
                os.kill(pid, signal.SIGKILL)
        self._log.close()
        self.process = None

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def request(
        self, method: str, path: str, body: dict | None = None, timeout: float = 30.0
    ) -> tuple[int, str]:
        """An authenticated HTTP request to the server; returns (status, body text)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def get(self, path: str, timeout: float = 5.0) -> str:
        """GET `path`; the body, or raise URLError (HTTPError for a status >= 400)."""
        req = urllib.request.Request(
            self.url + path, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace")

    def log(self, last: int = 20_000) -> str:
        """The end of the server's log."""
        if not self.log_path.exists():
            return "(no server log)"
        return self.log_path.read_bytes()[-last:].decode("utf-8", "replace")


def chromium_launch_options(bundled: str) -> dict:
    """Playwright launch options: Debian's Chromium where present, else Playwright's own
    (`bundled`); `pytest.fail` saying how to get one when neither is installed."""
    debian = shutil.which("chromium") or shutil.which("chromium-browser")
    executable = debian or (bundled if Path(bundled).exists() else None)
    if executable is None:
        pytest.fail(
            "no Chromium for the browser tests: install Debian's with `apt-get install "
            "chromium` (`python3 course.py test` does so when run as root), or Playwright's "
            "with `.venv/bin/playwright install chromium`"
        )
    args = [
        "--disable-gpu",
        "--disable-background-networking",  # no calls home: the network is closed here
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    return {"executable_path": executable, "headless": True, "args": args}


def _descendants(pid: int) -> list[int]:
    """`pid` and all processes below it (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):  # ended while we looked
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _start_time(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot), None once it has ended."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _pss_kib(pid: int) -> int:
    """Proportional set size of `pid` in KiB (shared pages split among their users)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


class ResourceSampler:
    """Samples, every half second, the memory (PSS) of every process this one started:
    the Jupyter server with its kernels (`jupyter_pid`, once known) and the browser.
    Records the wall time from `start()` to `stop()` and notes such as per-lesson times."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.jupyter_pid: int | None = None
        self.samples = 0
        self.peak_total_mib = 0.0
        self.peak_jupyter_mib = 0.0
        self.notes: list[str] = []
        self._began = time.monotonic()
        self._seconds: float | None = None
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._began = time.monotonic()
        self._thread.start()

    def _run(self) -> None:
        while not self._stop_event.is_set():
            self._sample()
            self._stop_event.wait(self.interval)

    def _sample(self) -> None:
        everything = _descendants(os.getpid())[1:]
        jupyter = set(_descendants(self.jupyter_pid)) if self.jupyter_pid else set()
        pss = {pid: _pss_kib(pid) for pid in everything}
        self.samples += 1
        self.peak_total_mib = max(self.peak_total_mib, sum(pss.values()) / 1024)
        in_jupyter = sum(kib for pid, kib in pss.items() if pid in jupyter) / 1024
        self.peak_jupyter_mib = max(self.peak_jupyter_mib, in_jupyter)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def stop(self) -> str:
        """Stop sampling; the figures as one line (also written to test-artifacts/)."""
        self._seconds = time.monotonic() - self._began
        self._stop_event.set()
        self._thread.join()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "browser-suite.txt").write_text(str(self) + "\n")
        return str(self)

    def __str__(self) -> str:
        seconds = time.monotonic() - self._began if self._seconds is None else self._seconds
        notes = f"; {', '.join(self.notes)}" if self.notes else ""
        return (
            f"{seconds:.0f} s wall, peak memory {self.peak_total_mib:.0f} MiB (PSS: server, "
            f"kernels and browser), of which Jupyter server and kernels "
            f"{self.peak_jupyter_mib:.0f} MiB; {self.samples} samples{notes}"
        )
