"""A throw-away PostgreSQL server for the tests: Debian's `postgresql` package, a cluster
made with `initdb` in a temporary directory, started with `pg_ctl` on a free port of
127.0.0.1, stopped (by `pg_ctl`, and by its pid if that fails) and deleted afterwards.

PostgreSQL refuses to run as root, so when the suite runs as root the cluster belongs to
the tests' normal user (`environments.normal_user`). Connections are local and trusted:
the URL carries no password.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.environments import give, normal_user, run_as

INSTALL = "apt-get install postgresql (Debian, Ubuntu; `python3 course.py test` does it as root)"


def _binary(name: str) -> Path:
    found = shutil.which(name)
    if found:
        return Path(found)
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if versions:
        return versions[0]
    pytest.fail(f"PostgreSQL's {name} is needed for the shared-gradebook tests: {INSTALL}")


@dataclass
class PostgresServer:
    """A running cluster: `url(database)` gives a SQLAlchemy URL (psycopg 3)."""

    base: Path
    port: int
    pid: int

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` on this server."""
        return f"postgresql+psycopg://{normal_user().name}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create database `name`; return its URL."""
        self._ctl_run([str(_binary("createdb")), "-h", "127.0.0.1", "-p", str(self.port), name])
        return self.url(name)

    def _ctl_run(self, argv: list[str]) -> None:
        user = normal_user()
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.base),
            "LANG": "C.UTF-8",
            "PGUSER": user.name,
        }
        done = run_as(user, argv, env, self.base, timeout=120)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(argv[:2])} failed: {done.stderr.strip() or done.stdout}")

    def stop(self) -> None:
        """Stop the server (fast shutdown), kill it by pid if needed, delete the cluster."""
        data = self.base / "data"
        try:
            self._ctl_run([str(_binary("pg_ctl")), "-D", str(data), "-m", "fast", "-w", "stop"])
        except pytest.fail.Exception:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.base, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_postgres() -> PostgresServer:
    """Make and start a fresh cluster (see the module docstring)."""
    user = normal_user()
    base = Path(tempfile.mkdtemp(prefix="nncourse-pg-"))
    give(base, user)
    server = PostgresServer(base, _free_port(), pid=0)
    data = base / "data"
    server._ctl_run(
        [
            str(_binary("initdb")),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            user.name,
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
    )
    options = f"-p {server.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    server._ctl_run(
        [
            str(_binary("pg_ctl")),
            "-D",
            str(data),
            "-l",
            str(base / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ]
    )
    deadline = time.monotonic() + 30
    pid_file = data / "postmaster.pid"
    while not pid_file.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    server.pid = int(pid_file.read_text().splitlines()[0])
    return server
