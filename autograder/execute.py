"""Execute notebooks with nbclient, waiting for kernel replies in short polling slices.

With ipykernel 7.4, pyzmq 27 and nbclient 0.11 about one run in thirty of a notebook with an
`interact` cell stalls on that cell until the per-cell timeout although the kernel replied at
once (upstream: ipykernel 1554, nbclient 312). A single long `get_msg(timeout=...)` misses the
reply; polling in slices of a fraction of a second does not (0 stalls in 150 runs, COURSE.md).
`ShortPollMixin` swaps nbclient's reply loop for one that polls in slices; it is mixed into
`PollingNotebookClient` here and into nbgrader's Execute preprocessor by the grader.
"""

from __future__ import annotations

import asyncio
import typing as t
from pathlib import Path
from queue import Empty
from time import monotonic

import nbformat
from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import CellTimeoutError
from nbclient.util import ensure_async
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

POLL_SLICE_SECONDS = 0.25


class ShortPollMixin:
    """Replace `NotebookClient._async_poll_for_reply` by a loop of short `get_msg` calls."""

    async def _async_poll_for_reply(
        self,
        msg_id: str,
        cell: NotebookNode,
        timeout: int | None,
        task_poll_output_msg: asyncio.Future[t.Any],
        task_poll_kernel_alive: asyncio.Future[t.Any],
    ) -> dict[str, t.Any]:
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = None if deadline is None else deadline - monotonic()
            if remaining is not None and remaining <= 0:
                task_poll_kernel_alive.cancel()
                await self._async_check_alive()
                reply = await self._async_handle_timeout(timeout, cell)
                if reply is None:  # interrupted, no error reply configured: keep waiting
                    deadline = None
                    continue
                reply["parent_header"] = {"msg_id": msg_id}
                return await self._finish_reply(reply, cell, task_poll_output_msg, None)
            slice_ = POLL_SLICE_SECONDS if remaining is None else min(POLL_SLICE_SECONDS, remaining)
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=slice_))
            except Empty:
                continue
            if msg["parent_header"].get("msg_id") == msg_id:
                return await self._finish_reply(
                    msg, cell, task_poll_output_msg, task_poll_kernel_alive
                )

    async def _finish_reply(
        self,
        msg: dict[str, t.Any],
        cell: NotebookNode,
        task_poll_output_msg: asyncio.Future[t.Any],
        task_poll_kernel_alive: asyncio.Future[t.Any] | None,
    ) -> dict[str, t.Any]:
        """What nbclient does once the reply is in: wait for the cell's output to drain."""
        if self.record_timing and "header" in msg:
            cell["metadata"].setdefault("execution", {})["shell.execute_reply"] = timestamp(msg)
        try:
            await asyncio.wait_for(task_poll_output_msg, self.iopub_timeout)
        except (TimeoutError, Empty):
            if self.raise_on_iopub_timeout:
                if task_poll_kernel_alive is not None:
                    task_poll_kernel_alive.cancel()
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Timeout waiting for IOPub output", self.iopub_timeout, cell
                ) from None
            self.log.warning("Timeout waiting for IOPub output")
        if task_poll_kernel_alive is not None:
            task_poll_kernel_alive.cancel()
        return msg


class PollingNotebookClient(ShortPollMixin, NotebookClient):
    """nbclient's NotebookClient with the short-slice reply loop."""


def execute_notebook(
    nb: NotebookNode | str | Path,
    cwd: str | Path,
    timeout: int = 60,
    allow_errors: bool = False,
    kernel_name: str = "python3",
) -> NotebookNode:
    """Execute a notebook (a node or a path) in `cwd` and return the executed node.

    `timeout` is per cell, in seconds. With `allow_errors=False` the first failing cell
    raises `nbclient.exceptions.CellExecutionError`.
    """
    if not isinstance(nb, NotebookNode):
        nb = nbformat.read(str(nb), as_version=4)
    client = PollingNotebookClient(
        nb,
        timeout=timeout,
        allow_errors=allow_errors,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


class PollingExecute(ShortPollMixin, Execute):
    """nbgrader's Execute preprocessor with the short-slice reply loop."""
