"""The resource limits of one grading job, shared by the command line, the jobs and the sandbox."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Every field is part of the result's fingerprint.

    cell_timeout: wall-clock seconds per cell (the lesson's `Execute.timeout` by default).
    notebook_timeout: wall-clock seconds for the whole notebook, kernel start included.
    memory_mb: address space of the kernel process (RLIMIT_AS).
    processes: processes and threads the kernel may have at once (RLIMIT_NPROC).
    disk_mb: size of the sandbox's only writable file system (a tmpfs: cwd, HOME, /tmp).
    output_kb: output kept per cell (stdout, stderr, displays, errors); more is cut, by bytes.
    submission_mb: largest submission file read.
    restarts: kernel restarts after the kernel died (the rest of the notebook is then graded).
    """

    cell_timeout: int = 60
    notebook_timeout: int = 600
    memory_mb: int = 2048
    processes: int = 64
    disk_mb: int = 256
    output_kb: int = 1024
    submission_mb: int = 20
    restarts: int = 2

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or value < (0 if field.name == "restarts" else 1):
                raise ValueError(f"limit {field.name} must be a positive integer, got {value!r}")

    def to_json(self) -> dict[str, int]:
        """The limits as a plain dict (JSON)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Limits:
        """Limits from `to_json`'s dict; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
        return cls(**data)
