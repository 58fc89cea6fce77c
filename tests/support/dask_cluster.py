"""A real Dask cluster on 127.0.0.1 for the tests: one `dask scheduler` process and `dask
worker` processes (one thread each, with their nannies), started from a course
environment's `bin/`, stopped by their process groups (and killed if they linger).

The workers load `dask_faults.py` (`--preload`): a submission of the student
`kills-workers` kills the worker that grades it, as a crash of the grader would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

FAULTS = Path(__file__).with_name("dask_faults.py")
START_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DaskCluster:
    """A scheduler and its workers, as processes of this test session."""

    bin_dir: Path
    logs: Path
    port: int = field(default_factory=_free_port)
    scheduler: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def address(self) -> str:
        """The scheduler's address for `grade --scheduler`."""
        return f"tcp://127.0.0.1:{self.port}"

    def start_scheduler(self) -> None:
        """Start the scheduler (a new one after `stop_scheduler`, on the same port)."""
        self.scheduler = self._spawn(
            [
                str(self.bin_dir / "dask"),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-dashboard",
            ],
            "scheduler",
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            assert self.scheduler.poll() is None, self.log("scheduler")
            time.sleep(0.2)
        raise AssertionError(f"the Dask scheduler did not start\n{self.log('scheduler')}")

    def add_worker(
        self,
        bin_dir: Path | None = None,
        env: dict[str, str] | None = None,
        name: str | None = None,
    ) -> subprocess.Popen:
        """Start one single-thread worker (from another environment's `bin/` if given)."""
        name = name or f"worker-{len(self.workers)}"
        worker = self._spawn(
            [
                str((bin_dir or self.bin_dir) / "dask"),
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
                "--name",
                name,
                "--preload",
                str(FAULTS),
            ],
            name,
            env,
        )
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int) -> None:
        """Wait until `count` workers are connected."""
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(count, timeout=START_SECONDS)

    def worker_processes(self, nanny: subprocess.Popen) -> list[psutil.Process]:
        """The worker processes a nanny started (its children running Python)."""
        return [p for p in psutil.Process(nanny.pid).children() if "python" in p.name()]

    def stop_scheduler(self) -> None:
        """Kill the scheduler now (SIGKILL): the cluster loses its head mid-batch."""
        if self.scheduler is not None:
            _stop(self.scheduler, signal.SIGKILL)
            self.scheduler = None

    def stop(self) -> None:
        """Stop every process of the cluster (their whole process groups)."""
        for worker in self.workers:
            _stop(worker, signal.SIGTERM)
        self.workers = []
        if self.scheduler is not None:
            _stop(self.scheduler, signal.SIGTERM)
            self.scheduler = None

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.is_file() else ""

    def _spawn(
        self, argv: list[str], name: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        self.logs.mkdir(parents=True, exist_ok=True)
        environment = env or {**os.environ, "PYTHONHASHSEED": "0"}
        with open(self.logs / f"{name}.log", "ab") as log:
            return subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                start_new_session=True,
                cwd=self.logs,
            )


def _stop(process: subprocess.Popen, how: signal.Signals) -> None:
    try:
        os.killpg(process.pid, how)
        process.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
