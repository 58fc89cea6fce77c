"""A Jupyter kernel client that waits for the kernel's replies in short polling slices.

With ipykernel 7.4, pyzmq 27, jupyter_client 8.10 and nbclient 0.11, about one run in
thirty of a notebook with an `interact` cell stalled on that cell until the per-cell
timeout, though the kernel had replied at once (upstream: ipykernel issue 1554, nbclient
issue 312): one long wait on the shell socket missed the reply. Waiting in slices of a
quarter of a second does not (0 stalls in 150 runs). The fix goes through jupyter_client's
public classes:

- `ShortPollChannel`: a shell channel whose `get_msg(timeout)` waits in slices;
- `ShortPollKernelClient`: the asynchronous kernel client with that shell channel;
- `ShortPollKernelManager`: the kernel manager whose clients are those.

nbgrader's Validate button uses it through `nbgrader_config.py` (nbgrader's Execute always
makes jupyter_client's `AsyncKernelManager`, whose client is configurable:
`c.AsyncKernelManager.client_class` and `client_factory` =
`"utils.kernel_client.ShortPollKernelClient"`), in the course and in the students' copy; the
course's grader and test tools use the same channel.
Not imported by `utils` itself: notebooks never load it.
"""

from __future__ import annotations

import typing as t
from queue import Empty
from time import monotonic

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import DottedObjectName, Type

POLL_SLICE_SECONDS = 0.25

__all__ = [
    "POLL_SLICE_SECONDS",
    "ShortPollChannel",
    "ShortPollKernelClient",
    "ShortPollKernelManager",
]


class ShortPollChannel(AsyncZMQSocketChannel):
    """A channel whose `get_msg` waits at most `POLL_SLICE_SECONDS` per poll."""

    # jupyter_client types the base get_msg as synchronous and overrides it as we do
    async def get_msg(  # type: ignore[override]
        self, timeout: float | None = None
    ) -> dict[str, t.Any]:
        """The next message, waiting at most `timeout` seconds (None: forever).

        Polls in slices of `POLL_SLICE_SECONDS`; raises `queue.Empty` when none came in time.
        """
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = None if deadline is None else deadline - monotonic()
            step = POLL_SLICE_SECONDS if remaining is None else min(POLL_SLICE_SECONDS, remaining)
            try:
                return await super().get_msg(timeout=max(step, 0.0))
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise


class ShortPollKernelClient(AsyncKernelClient):
    """The asynchronous kernel client, with the short-polling shell channel."""

    shell_channel_class = Type(ShortPollChannel)


class ShortPollKernelManager(AsyncKernelManager):
    """The asynchronous kernel manager, whose clients poll the shell channel in slices."""

    client_class = DottedObjectName("utils.kernel_client.ShortPollKernelClient")
    client_factory = Type(ShortPollKernelClient)
