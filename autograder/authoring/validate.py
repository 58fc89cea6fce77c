"""Validate notebooks as nbgrader's Validate button does, with a usable result.

`nbgrader validate` exits 0 even when validation fails; `nbgrader.validator.Validator`
returns the failures, which is what tests and instructors need. The validator here also
keeps the executed notebook (so a test can inspect figures and errors without running the
notebook twice). Kernel clients are those `nbgrader_config.py` names for the Validate button
(`c.AsyncKernelManager.client_class`: the short-polling one of `utils.kernel_client`), or
that one when the configuration names none.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode
from nbgrader.validator import Validator

from ..config import ROOT, load_config

SHORT_POLL_CLIENT = "utils.kernel_client.ShortPollKernelClient"


class _RecordingValidator(Validator):
    """A Validator that remembers the notebook it executed."""

    executed: NotebookNode | None = None

    def _preprocess(self, nb: NotebookNode) -> NotebookNode:
        self.executed = super()._preprocess(nb)
        return self.executed


@dataclass
class Validation:
    """What validating one notebook found.

    `result` is nbgrader's dict (empty when every test passes); `failed` holds the grade ids
    of the graded cells that failed; `notebook` is the executed notebook.
    """

    result: dict
    failed: list[str]
    notebook: NotebookNode | None

    @property
    def passed(self) -> bool:
        return not self.result


def validate(path: str | Path, root: Path = ROOT) -> Validation:
    """Run every cell of the notebook at `path` and validate it as nbgrader does."""
    config = load_config(root)
    if "client_class" not in config.AsyncKernelManager:
        config.AsyncKernelManager.client_class = SHORT_POLL_CLIENT
        config.AsyncKernelManager.client_factory = SHORT_POLL_CLIENT
    validator = _RecordingValidator(config=config)
    result = validator.validate(str(Path(path).resolve()))
    executed = validator.executed
    sources = {entry["source"] for entry in result.get("failed", [])}
    failed = [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in (executed.cells if executed else [])
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.source.strip() in sources
    ]
    return Validation(result=result, failed=failed, notebook=executed)
