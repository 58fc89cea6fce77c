"""Start a grading kernel as `sandbox.plan_kernel` planned it, through jupyter_client's
public extension points.

- `SandboxProvisioner`, a kernel provisioner (registered under the entry point
  `jupyter_client.kernel_provisioners: autograder-sandbox`), runs the planned command
  (bubblewrap + bootstrap + ipykernel) with its working directory and environment, drains
  the kernel's own stdout/stderr into a bounded buffer (kept for diagnosis), and reports
  the kernel's `ipc` sockets as the grader reaches them: inside the sandbox's file system,
  through `/proc/<pid>/root`, once every socket exists (before any student code ran). The
  grader connects once and never reconnects: a socket path the student replaces later (by
  a link to another kernel, say) is never looked at again.
- `launch_specs` gives the kernel manager a kernel spec naming that provisioner, with
  interrupts sent as messages (a signal would hit bubblewrap, not the kernel).
- `GraderKernelClient` talks to the kernel on a ZMQ context whose sockets never reconnect
  and refuse messages over 64 MB (a student cannot make the grader hold gigabytes), without
  the heartbeat channel (it would reconnect by path); liveness comes from the process.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import threading
import typing as t
from time import monotonic

import psutil
import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelManager
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Dict, default

from utils.kernel_client import ShortPollKernelClient

from .sandbox import KernelLaunch

PROVISIONER_NAME = "autograder-sandbox"
MAX_MESSAGE_BYTES = 64 * 2**20
KERNEL_LOG_BYTES = 64 * 1024
SOCKET_WAIT_SECONDS = 60.0
PORT_NAMES = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


def grader_context() -> zmq.asyncio.Context:
    """A ZMQ context whose sockets never reconnect and refuse oversized messages."""
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.RECONNECT_IVL, -1)
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    context.setsockopt(zmq.LINGER, 0)
    return context


class GraderKernelClient(ShortPollKernelClient):
    """The short-polling kernel client (`utils.kernel_client`) on the grader's context,
    without the heartbeat channel."""

    @default("context")
    def _grader_context(self) -> zmq.asyncio.Context:
        self._created_context = True  # destroyed with the channels
        return grader_context()

    def start_channels(
        self,
        shell: bool = True,
        iopub: bool = True,
        stdin: bool = True,
        hb: bool = False,
        control: bool = True,
    ) -> None:
        """Start the channels, never the heartbeat."""
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)


class _LogDrain(threading.Thread):
    """Read a pipe to its end, keeping the first `KERNEL_LOG_BYTES` bytes."""

    def __init__(self, stream: t.IO[bytes]) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.kept = bytearray()

    def run(self) -> None:
        read = getattr(self.stream, "read1", self.stream.read)
        while True:
            try:
                chunk = read(65536)
            except (OSError, ValueError):  # closed under us at shutdown
                return
            if not chunk:
                return
            room = KERNEL_LOG_BYTES - len(self.kept)
            if room > 0:
                self.kept += chunk[:room]


class SandboxProvisioner(LocalProvisioner):
    """Runs the kernel command of a `KernelLaunch`; see the module docstring."""

    launch = Dict(help="the kernel's launch plan (`KernelLaunch.to_json`)").tag(config=True)

    _drain: _LogDrain | None = None
    sandbox_pid: int | None = None
    returncode: int | None = None

    @property
    def plan(self) -> KernelLaunch:
        """The launch plan this provisioner follows."""
        return KernelLaunch.from_json(dict(self.launch))

    async def pre_launch(self, **kwargs: t.Any) -> dict[str, t.Any]:
        """Write the connection file (readable by the sandbox's uid), then launch the plan's
        command in its directory and environment, its output drained into the log."""
        kwargs = await super().pre_launch(**kwargs)
        plan = self.plan
        if plan.uid is not None and self.parent is not None:
            os.chown(self.parent.connection_file, plan.uid, plan.uid)
        kwargs.update(
            cmd=list(plan.argv),
            cwd=plan.cwd,
            env=plan.env or {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: t.Any) -> KernelConnectionInfo:
        """Start the kernel; return its connection info as the grader reaches the sockets."""
        info = await super().launch_kernel(cmd, **kwargs)
        assert self.process is not None and self.process.stdout is not None
        self._drain = _LogDrain(self.process.stdout)
        self._drain.start()
        plan = self.plan
        if plan.sandboxed:
            self.sandbox_pid = await self._sandbox_child(self.process.pid)
        ip = plan.host_ipc_base(self.sandbox_pid)
        ports = t.cast(dict[str, t.Any], info)
        await self._wait_for_sockets([f"{ip}-{ports[name]}" for name in PORT_NAMES])
        return {**info, "ip": ip}

    async def wait(self) -> int | None:
        """Wait for the kernel process to end; remember its exit status."""
        if self.process is not None:
            self.returncode = self.process.poll()
        status = await super().wait()
        if self.returncode is None:
            self.returncode = status
        return status

    def exit_status(self) -> int | None:
        """The kernel process's exit status (bubblewrap passes the kernel's on), or None
        while it runs."""
        if self.process is not None:
            return self.process.poll()
        return self.returncode

    def kernel_log(self) -> str:
        """What the kernel and bubblewrap wrote outside Jupyter's channels (bounded)."""
        if self._drain is None:
            return ""
        return bytes(self._drain.kept).decode("utf-8", "replace")

    async def _sandbox_child(self, pid: int) -> int:
        """The host pid of bubblewrap's child, whose root is the sandbox's file system."""
        deadline = monotonic() + SOCKET_WAIT_SECONDS
        while monotonic() < deadline:
            self._raise_if_exited()
            try:
                children = psutil.Process(pid).children()
            except psutil.NoSuchProcess:
                children = []
            if children:
                return min(child.pid for child in children)
            await asyncio.sleep(0.01)
        raise RuntimeError("the sandbox did not start")

    async def _wait_for_sockets(self, paths: list[str]) -> None:
        """Wait until every socket of the kernel exists and accepts connections."""
        deadline = monotonic() + SOCKET_WAIT_SECONDS
        pending = list(paths)
        while pending:
            if monotonic() > deadline:
                raise RuntimeError("the kernel did not open its sockets in time")
            self._raise_if_exited()
            if _is_listening_socket(pending[0]):
                pending.pop(0)
            else:
                await asyncio.sleep(0.01)

    def _raise_if_exited(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"the kernel exited while starting (status {self.process.returncode}): "
                f"{self.kernel_log()[-500:].strip()}"
            )


class LaunchSpecs(KernelSpecManager):
    """The kernel spec of one planned launch, whatever name is asked for (never from disk)."""

    def __init__(self, plan: KernelLaunch, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """A spec that starts `plan` through `SandboxProvisioner`."""
        return KernelSpec(
            argv=list(self.plan.argv),
            display_name="Python 3 (grading sandbox)",
            language="python",
            interrupt_mode="message",
            env={},
            metadata={
                "kernel_provisioner": {
                    "provisioner_name": PROVISIONER_NAME,
                    "config": {"launch": self.plan.to_json()},
                }
            },
        )


class GradingKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager for a planned launch, on the grader's ZMQ context;
    sockets are never removed by path (see `cleanup_ipc_files`)."""

    @default("context")
    def _grader_context(self) -> zmq.asyncio.Context:
        self._created_context = True  # destroyed at cleanup
        return grader_context()

    def cleanup_ipc_files(self) -> None:
        """Do nothing. Sandbox sockets vanish with the sandbox, and removing them through
        `/proc/<pid>/root` could hit another process once the pid is reused; unsandboxed
        ones live in the job's scratch directory, which the job removes."""


def kernel_manager(plan: KernelLaunch, connection_file: str) -> GradingKernelManager:
    """A kernel manager that starts `plan` (see the module docstring)."""
    return GradingKernelManager(
        kernel_name=PROVISIONER_NAME,
        kernel_spec_manager=LaunchSpecs(plan),
        transport="ipc",
        ip=plan.ipc_base,
        connection_file=connection_file,
        client_class="autograder.kernel.provisioner.GraderKernelClient",
    )


def provisioner_of(km: AsyncKernelManager) -> SandboxProvisioner | None:
    """The sandbox provisioner of a kernel manager (None before the first start)."""
    provisioner = km.provisioner
    return provisioner if isinstance(provisioner, SandboxProvisioner) else None


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
