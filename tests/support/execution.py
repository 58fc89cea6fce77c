"""Execute a notebook for a test or a benchmark (the short-poll client, see
`autograder/kernel/execute.py`)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.kernel.execute import PollingNotebookClient


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
