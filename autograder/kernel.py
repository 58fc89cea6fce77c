"""A Jupyter kernel manager that starts the kernel as `sandbox.plan_kernel` says.

Differences from jupyter_client's `AsyncKernelManager`:

- the command is the sandbox's (bubblewrap + bootstrap + ipykernel), with interrupts sent as
  messages (a signal would hit bubblewrap, not the kernel);
- the kernel's `ipc` sockets live in the sandbox; once they exist (before any student code
  ran) the grader connects through `/proc/<pid>/root` and never reconnects: a socket path
  the student replaces later (say, by a link to another kernel) is never looked at again;
- inbound messages are capped in size (a peer sending more is disconnected), so a student
  cannot make the grader hold gigabytes;
- the kernel's own stdout/stderr (outside Jupyter's channels) are drained into a bounded
  buffer, kept for diagnosis.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import threading
import typing as t
from pathlib import Path
from time import monotonic

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec

from .sandbox import KernelLaunch

MAX_MESSAGE_BYTES = 64 * 2**20
KERNEL_LOG_BYTES = 64 * 1024
SOCKET_WAIT_SECONDS = 60.0


def grader_context() -> zmq.asyncio.Context:
    """A ZMQ context whose sockets never reconnect and refuse oversized messages."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.RECONNECT_IVL, -1)
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    context.setsockopt(zmq.LINGER, 0)
    return context


class NoHeartbeatClient(AsyncKernelClient):
    """An async kernel client without the heartbeat channel (it would reconnect by path).

    Liveness comes from the kernel process instead (`KernelManager.is_alive`).
    """

    def start_channels(
        self,
        shell: bool = True,
        iopub: bool = True,
        stdin: bool = True,
        hb: bool = False,
        control: bool = True,
    ) -> None:
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)


class _LogDrain(threading.Thread):
    """Read a pipe to its end, keeping the first `KERNEL_LOG_BYTES` bytes."""

    def __init__(self, stream: t.IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.kept = bytearray()

    def run(self) -> None:
        while True:
            chunk = self.stream.read1(65536) if hasattr(self.stream, "read1") else b""
            if not chunk:
                return
            room = KERNEL_LOG_BYTES - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]


class SandboxKernelManager(AsyncKernelManager):
    """Starts one kernel per `KernelLaunch`; see the module docstring."""

    def __init__(self, launch: KernelLaunch, **kwargs: t.Any) -> None:
        super().__init__(kernel_name="python3", transport="ipc", **kwargs)
        self.launch = launch
        self.ip = launch.ipc_base
        self.context = grader_context()
        self.client_class = "autograder.kernel.NoHeartbeatClient"
        self.client_factory = NoHeartbeatClient
        self._kernel_spec = KernelSpec(
            argv=launch.argv,
            display_name="Python 3 (grading sandbox)",
            language="python",
            interrupt_mode="message",
            env={},
            metadata={},
        )
        self._drain: _LogDrain | None = None
        self.sandbox_pid: int | None = None

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The sandbox command; nbclient's extra arguments are not passed on."""
        return list(self.launch.argv)

    def write_connection_file(self, **kwargs: t.Any) -> None:
        """Write the file, then let the sandbox's uid read it (root grader only)."""
        super().write_connection_file(**kwargs)
        if self.launch.uid is not None:
            os.chown(self.connection_file, self.launch.uid, self.launch.uid)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: t.Any) -> None:
        kw.update(
            cwd=self.launch.cwd,
            env=self.launch.env or {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = self.provisioner.process  # type: ignore[union-attr]
        self._drain = _LogDrain(process.stdout)
        self._drain.start()
        if self.launch.sandboxed:
            self.sandbox_pid = await self._sandbox_child(process.pid)
        self.ip = self.launch.host_ipc_base(self.sandbox_pid)
        await self._wait_for_sockets()

    async def _sandbox_child(self, pid: int) -> int:
        """The host pid of bubblewrap's child, whose root is the sandbox's file system."""
        deadline = monotonic() + SOCKET_WAIT_SECONDS
        while monotonic() < deadline:
            self._raise_if_exited()
            found = _children(pid)
            if found:
                return found[0]
            await asyncio.sleep(0.01)
        raise RuntimeError("the sandbox did not start")

    def _ports(self) -> list[int]:
        return [
            self.shell_port,
            self.iopub_port,
            self.stdin_port,
            self.control_port,
            self.hb_port,
        ]

    async def _wait_for_sockets(self) -> None:
        """Wait until every socket of the kernel exists and accepts connections."""
        deadline = monotonic() + SOCKET_WAIT_SECONDS
        pending = [f"{self.ip}-{port}" for port in self._ports()]
        while pending:
            if monotonic() > deadline:
                raise RuntimeError("the kernel did not open its sockets in time")
            self._raise_if_exited()
            path = pending[0]
            if _is_listening_socket(path):
                pending.pop(0)
            else:
                await asyncio.sleep(0.01)

    def _raise_if_exited(self) -> None:
        process = self.provisioner.process  # type: ignore[union-attr]
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"the kernel exited while starting (status {process.returncode}): "
                f"{self.kernel_log()[-500:].strip()}"
            )

    def kernel_log(self) -> str:
        """What the kernel and bubblewrap wrote outside Jupyter's channels (bounded)."""
        if self._drain is None:
            return ""
        return bytes(self._drain.kept).decode("utf-8", "replace")

    def exit_status(self) -> int | None:
        """The kernel process's exit status (bubblewrap passes the kernel's on), or None."""
        if self.provisioner is None or self.provisioner.process is None:  # type: ignore[attr-defined]
            return None
        return self.provisioner.process.poll()  # type: ignore[attr-defined]

    def cleanup_ipc_files(self) -> None:
        """Sandbox sockets vanish with the sandbox; never delete through `/proc/<pid>/root`
        (the pid may belong to someone else by then). Unsandboxed ones live in the job's
        scratch directory, which the job removes."""

    def client(self, **kwargs: t.Any) -> NoHeartbeatClient:
        """A client on the grader's context (no reconnects, capped messages)."""
        kwargs.setdefault("context", self.context)
        return t.cast(NoHeartbeatClient, super().client(**kwargs))


def _children(pid: int) -> list[int]:
    """Child pids of `pid` (from /proc; scanning every process where `children` is missing)."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat_line = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat_line.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def _is_listening_socket(path: str) -> bool:
    """True when `path` is a Unix socket (not a link to one) that accepts a connection."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if not stat.S_ISSOCK(info.st_mode):
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        return False
    finally:
        probe.close()
    return True
