"""Execute a prepared notebook in a (sandboxed) kernel under the limits, with the probes.

Per notebook: start the kernel, install the kernel runtime (before any student code) and
take its baseline; then run the cells in order. Around each locked cell the probe checks
and repairs the kernel's state (see `kernel_runtime.py`); test cells run in parts (visible,
hidden), so that what the hidden part prints never mixes with what the student may see.

When the kernel dies (a student's `os._exit`, a kill, a crash), or a cell runs over its
time and ignores the interrupt, the kernel is restarted, the cells before are run again
to rebuild the state (their results are not recorded again), the culprit is skipped and
grading goes on after it, at most `Limits.restarts` times. The notebook's own deadline
stops everything.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

from ..integrity.scan import bound_names, used_names
from ..kernel.client import GradingClient, ProbeFailed
from ..kernel.provisioner import kernel_manager, provisioner_of
from ..kernel.sandbox import font_cache, plan_kernel
from ..limits import Limits
from ..markers import Region
from ..reasons import Reason
from .prepare import Prepared, PreparedCell

PROBE_SECONDS = 30.0
SETTLE_SECONDS = 5.0
RUNTIME_SOURCE = Path(__file__).parent.parent / "integrity" / "runtime.py"

PROLOGUE = """def __autograder_boot(source):
    import builtins, sys, types
    module = types.ModuleType("_autograder_runtime")
    module.__dict__["__builtins__"] = dict(vars(builtins))
    exec(compile(source, "<autograder>", "exec"), module.__dict__)
    sys.modules["_autograder_runtime"] = module
    module.install()
__autograder_boot({source!r})
del __autograder_boot
"""


@dataclass
class PartRun:
    """One executed part of a cell (a test cell has visible and hidden parts)."""

    hidden: bool
    status: str  # ok, error, timeout, died, not_run
    outputs: list[dict[str, t.Any]] = field(default_factory=list)
    ename: str | None = None
    evalue: str | None = None
    execution_count: int | None = None


@dataclass
class CellRun:
    """What running one cell gave. status: ok, error, timeout, died, not_run, skipped."""

    index: int
    status: str = "not_run"
    parts: list[PartRun] = field(default_factory=list)
    truncated: bool = False
    findings: list[dict[str, str]] = field(default_factory=list)
    records: list[dict[str, t.Any]] = field(default_factory=list)
    probe_error: str | None = None


@dataclass
class RunResult:
    """The executed notebook and every cell's run."""

    notebook: NotebookNode
    cells: list[CellRun]
    events: list[str] = field(default_factory=list)
    kernel_log: str = ""
    exit_statuses: list[int | None] = field(default_factory=list)


class _KernelGone(Exception):
    """The kernel died or hung; `stuck` when it ignored an interrupt."""

    def __init__(self, stuck: bool) -> None:
        super().__init__("kernel gone")
        self.stuck = stuck


class _Session:
    """One kernel: start, prologue, arm; run cells and probes; stop."""

    def __init__(
        self,
        prepared: Prepared,
        limits: Limits,
        sandboxed: bool,
        scratch: Path,
        extra_files: list[Path],
        private: list[Path],
    ) -> None:
        self.prepared = prepared
        self.limits = limits
        self.key = secrets.token_hex(16)
        self.current: CellRun | None = None
        connection_file = scratch / "kernel.json"
        self.launch = plan_kernel(
            scratch,
            connection_file,
            limits,
            sandboxed,
            extra_files,
            private,
            font_cache(scratch.parent.parent),
        )
        self.km = kernel_manager(self.launch, str(connection_file))
        self.client = GradingClient(
            prepared.notebook,
            output_bytes=limits.output_kb * 1024,
            km=self.km,
            timeout=limits.cell_timeout,
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "TimeoutError",
                "evalue": f"the cell ran for more than {limits.cell_timeout} s and was stopped",
                "traceback": [],
            },
            shutdown_kernel="immediate",
            startup_timeout=60,
            iopub_timeout=10,
            record_timing=False,
        )

    async def start(self) -> None:
        """Start the kernel, install the kernel runtime and take its baseline."""
        await self.client.async_start_new_kernel()
        await self.client.async_start_new_kernel_client()
        source = RUNTIME_SOURCE.read_text(encoding="utf-8")
        await self.client.evaluate(PROLOGUE.format(source=source), "None", PROBE_SECONDS)
        await self.client.probe(self.key, "arm", {}, PROBE_SECONDS)

    def exit_status(self) -> int | None:
        """The kernel's exit status, None while it runs (or when it never started)."""
        provisioner = provisioner_of(self.km)
        return provisioner.exit_status() if provisioner is not None else None

    async def stop(self) -> str:
        """Stop the kernel; return what it wrote outside Jupyter's channels."""
        try:
            if self.km.has_kernel and await self.km.is_alive():
                await self.km.shutdown_kernel(now=True)
            else:
                await self.km.cleanup_resources()
        except (RuntimeError, OSError):
            pass
        finally:
            if self.client.kc is not None:
                self.client.kc.stop_channels()
        provisioner = provisioner_of(self.km)
        return provisioner.kernel_log() if provisioner is not None else ""

    async def probe(self, phase: str, payload: dict[str, t.Any], run: CellRun | None) -> None:
        """Run the kernel's probe; add its findings and records to `run`."""
        try:
            body = await self.client.probe(self.key, phase, payload, PROBE_SECONDS)
        except ProbeFailed as exc:
            if not await self.km.is_alive():
                raise _KernelGone(stuck=False) from None
            if run is not None:
                run.probe_error = f"{phase} {run.index}: {exc}"
            return
        if run is not None:
            run.findings += [{**f, "phase": phase} for f in body.get("findings", [])]
            run.records += body.get("records", [])

    async def execute(self, prepared: PreparedCell, index: int, run: CellRun, record: bool) -> None:
        """Run one code cell (its parts) and fill `run`; keep the outputs in the notebook
        when `record`. Raise `_KernelGone` when the kernel is lost."""
        cell = prepared.cell
        notebook = self.prepared.notebook
        parts = prepared.parts or [Region(cell.source, hidden=False)]
        outputs: list[dict[str, t.Any]] = []
        self.current = run
        self.client.start_cell()
        try:
            for number, part in enumerate(parts):
                if number:
                    self.client.continue_cell()
                piece = new_code_cell(part.source, metadata=cell.metadata)
                try:
                    await self.client.async_execute_cell(piece, index)
                except DeadKernelError:
                    run.parts.append(PartRun(part.hidden, "died"))
                    run.status = "died"
                    raise _KernelGone(stuck=False) from None
                reply = (self.client.last_reply or {}).get("content", {})
                part_run = PartRun(
                    part.hidden,
                    "ok" if reply.get("status") == "ok" else "error",
                    [dict(o) for o in piece.outputs],
                    execution_count=piece.execution_count,
                )
                if self.client.timed_out:
                    part_run.status = "timeout"
                if part_run.status != "ok":
                    part_run.ename = str(reply.get("ename", "Error"))
                    part_run.evalue = str(reply.get("evalue", ""))
                run.parts.append(part_run)
                run.truncated = run.truncated or self.client.truncated
                outputs += piece.outputs
                if record:
                    cell.execution_count = piece.execution_count
                if part_run.status != "ok":
                    break
        finally:
            notebook.cells[index] = cell  # nbclient put the piece there
            if record:
                cell.outputs = outputs
        self.current = None
        statuses = [p.status for p in run.parts]
        run.status = next((s for s in ("timeout", "error") if s in statuses), "ok")
        if run.status == "timeout" or run.truncated:
            await self._settle()

    async def _settle(self) -> None:
        """After an interrupt: the kernel must answer again soon, or it is stuck."""
        try:
            await self.client.evaluate("", "None", SETTLE_SECONDS)
        except ProbeFailed:
            raise _KernelGone(stuck=True) from None


async def _run_cells(
    session: _Session, prepared: Prepared, runs: list[CellRun], skip: set[int], record_from: int
) -> int | None:
    """Run every cell; record results from `record_from` on. Return the index of the cell
    during which the kernel was lost, or None when all ran."""
    for index, item in enumerate(prepared.cells):
        if item.cell.cell_type != "code" or not item.cell.source.strip():
            if index >= record_from:
                runs[index].status = "skipped"
            continue
        if index in skip:
            continue
        recording = index >= record_from
        run = runs[index] if recording else CellRun(index)
        locked = item.role in ("setup", "test")
        try:
            if locked:
                payload = {"test": item.role == "test", "names": used_names(item.cell.source)}
                await session.probe("before", payload, run)
            await session.execute(item, index, run, recording)
            if locked:
                await session.probe("after", {"names": bound_names(item.cell.source)}, run)
        except _KernelGone as gone:
            run.status = "timeout" if gone.stuck else "died"
            return index
    return None


def _lost_event(prepared: Prepared, run: CellRun, status: int | None) -> str:
    label = prepared.label(run.index)
    if run.status == "timeout":
        return Reason.STUCK(
            f"cell {label} ignored the interrupt after its time limit; the kernel was restarted"
        )
    return Reason.KERNEL_DIED(f"the kernel stopped during cell {label} (exit status {status})")


async def run_prepared(
    prepared: Prepared,
    limits: Limits,
    sandboxed: bool,
    extra_files: list[Path] | None = None,
    private: list[Path] | None = None,
    scratch_root: Path | None = None,
) -> RunResult:
    """Execute `prepared` (see the module docstring); never raises for student behaviour.

    The job's scratch files (connection files; the unsandboxed kernel's working directory)
    go in a fresh directory in `scratch_root` (default: the system's temporary directory).
    """
    runs = [CellRun(i) for i in range(len(prepared.cells))]
    result = RunResult(prepared.notebook, runs)
    deadline = monotonic() + limits.notebook_timeout
    skip: set[int] = set()
    record_from = 0
    if scratch_root is not None:
        scratch_root.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="job-", dir=scratch_root))
    try:
        for attempt in range(limits.restarts + 1):
            (scratch / str(attempt)).mkdir()
            session = _Session(
                prepared,
                limits,
                sandboxed,
                scratch / str(attempt),
                extra_files or [],
                private or [],
            )
            lost: int | None = None
            try:
                remaining = deadline - monotonic()
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    try:
                        await session.start()
                    except (RuntimeError, ProbeFailed, DeadKernelError, OSError) as exc:
                        result.events.append(
                            Reason.KERNEL_START(f"the kernel did not start ({exc})")
                        )
                        return result
                    lost = await _run_cells(session, prepared, runs, skip, record_from)
            except TimeoutError:
                result.events.append(
                    Reason.NOTEBOOK_TIMEOUT(
                        f"the notebook ran for more than {limits.notebook_timeout} s"
                    )
                )
                current = session.current
                if current is not None and current is runs[current.index]:
                    if current.status in ("not_run", "ok"):
                        current.status = "timeout"
                return result
            finally:
                result.exit_statuses.append(session.exit_status())
                result.kernel_log += await session.stop()
                sockets = Path(session.launch.ipc_base).parent
                if not sandboxed and not sockets.is_relative_to(scratch):
                    shutil.rmtree(sockets, ignore_errors=True)
            if lost is None:
                return result
            skip.add(lost)
            record_from = max(record_from, lost + 1)
            result.events.append(_lost_event(prepared, runs[lost], result.exit_statuses[-1]))
            if attempt == limits.restarts:
                result.events.append(
                    Reason.RESTARTS(
                        f"the kernel was restarted {limits.restarts} times; "
                        "the remaining cells were not run"
                    )
                )
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
