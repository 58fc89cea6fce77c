"""nbclient's notebook client on the short-polling kernel client.

The `interact` stall of COURSE.md (one long wait on the shell socket missing the kernel's
reply) is fixed in `utils.kernel_client`, through jupyter_client's public classes: a shell
channel that waits in short slices, its kernel client and kernel manager. Here
`PollingNotebookClient` is nbclient's `NotebookClient` whose kernels come from that kernel
manager; nbgrader's Validate gets the same client through `nbgrader_config.py`
(`c.AsyncKernelManager.client_class`).
"""

from __future__ import annotations

from nbclient import NotebookClient
from traitlets import default

from utils.kernel_client import ShortPollKernelManager


class PollingNotebookClient(NotebookClient):
    """nbclient's NotebookClient with the short-polling kernel manager by default."""

    @default("kernel_manager_class")
    def _short_poll_manager(self) -> type[ShortPollKernelManager]:
        return ShortPollKernelManager
