"""Execute notebooks with nbclient, waiting for kernel replies in short polling slices.

With ipykernel 7.4, pyzmq 27 and nbclient 0.11 about one run in thirty of a notebook with an
`interact` cell stalls on that cell until the per-cell timeout although the kernel replied at
once (upstream: ipykernel 1554, nbclient 312). A single long `get_msg(timeout=...)` misses the
reply; polling in slices of a fraction of a second does not (0 stalls in 150 runs, COURSE.md).
`ShortPollMixin` swaps nbclient's reply loop for one that polls in slices; it is mixed into
`PollingNotebookClient` here and into nbgrader's Execute preprocessor (`PollingExecute`), which
validation uses.

This replaces a private method of nbclient (`_async_poll_for_reply`), so it is tied to the
versions in `WRITTEN_FOR`; a test fails, naming this module, when either is upgraded.
"""

from __future__ import annotations

import asyncio
import typing as t
from queue import Empty
from time import monotonic

from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import CellTimeoutError
from nbclient.util import ensure_async
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

POLL_SLICE_SECONDS = 0.25
# The versions whose private reply loop `ShortPollMixin` replaces (checked by a test).
WRITTEN_FOR = {"nbclient": "0.11.0", "jupyter_client": "8.10.0"}


class ShortPollMixin(NotebookClient):
    """Replace `NotebookClient._async_poll_for_reply` by a loop of short `get_msg` calls.

    `timed_out` tells whether the last cell ran over its time limit.
    """

    timed_out = False

    async def _async_poll_for_reply(
        self,
        msg_id: str,
        cell: NotebookNode,
        timeout: int | None,
        task_poll_output_msg: asyncio.Future[t.Any],
        task_poll_kernel_alive: asyncio.Future[t.Any],
    ) -> dict[str, t.Any]:
        assert self.kc is not None
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = None if deadline is None else deadline - monotonic()
            if remaining is not None and remaining <= 0:
                self.timed_out = True
                task_poll_kernel_alive.cancel()
                await self._async_check_alive()
                assert timeout is not None
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


class PollingExecute(ShortPollMixin, Execute):
    """nbgrader's Execute preprocessor with the short-slice reply loop."""
