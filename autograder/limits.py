"""The resource limits of one grading job, each declared once.

A limit's declaration (a trait of `Limits`) holds its default, its help text and the
command-line flag that sets it. The command line builds its flags from these declarations,
and `nbgrader_config.py` can set any of them (`c.Limits.memory_mb = 1024`). Precedence:
command line, then `nbgrader_config.py`, then (for the time per cell only) nbgrader's own
`Execute.timeout`, then the default declared here.
"""

from __future__ import annotations

import typing as t

from traitlets import Integer, TraitError
from traitlets.config import Config, Configurable

FLAG = "flag"  # trait metadata: the command-line flag of a limit


class Limits(Configurable):
    """What one submission may use. Every limit is part of the result's fingerprint."""

    cell_timeout = Integer(
        60, min=1, help="wall-clock seconds per cell (default: Execute.timeout, else 60)"
    ).tag(config=True, flag="--timeout")
    notebook_timeout = Integer(
        600, min=1, help="wall-clock seconds for the whole notebook, kernel start included"
    ).tag(config=True, flag="--notebook-timeout")
    memory_mb = Integer(
        2048, min=1, help="memory per kernel in MB (its address space, RLIMIT_AS)"
    ).tag(config=True, flag="--memory-mb")
    processes = Integer(
        64, min=1, help="processes and threads a kernel may have at once (RLIMIT_NPROC)"
    ).tag(config=True, flag="--max-processes")
    disk_mb = Integer(
        256, min=1, help="writable space per kernel in MB (its working directory, HOME, /tmp)"
    ).tag(config=True, flag="--disk-mb")
    output_kb = Integer(1024, min=1, help="output kept per cell in KB; more is cut, by bytes").tag(
        config=True, flag="--output-kb"
    )
    submission_mb = Integer(20, min=1, help="largest submission file read, in MB").tag(
        config=True, flag="--max-submission-mb"
    )
    restarts = Integer(
        2, min=0, help="kernel restarts allowed after the kernel died; the rest is graded"
    ).tag(config=True, flag="--max-restarts")

    def __init__(self, **kwargs: t.Any) -> None:
        try:
            super().__init__(**kwargs)
        except TraitError as exc:
            raise ValueError(_trait_message(exc)) from None

    @classmethod
    def names(cls) -> list[str]:
        """The limits' names, in declaration order."""
        return [name for name in cls.class_trait_names(config=True)]

    @classmethod
    def declarations(cls) -> dict[str, t.Any]:
        """Each limit's trait (default, help, flag in its metadata), by name."""
        return cls.class_traits(config=True)

    @classmethod
    def from_config(cls, config: Config | None = None, **overrides: int | None) -> Limits:
        """The limits `config` (an nbgrader configuration) sets, with `overrides` on top.

        An override of None means "not given". Without `c.Limits.cell_timeout`, the time
        per cell is nbgrader's `Execute.timeout` when that is set.
        """
        config = config or Config()
        values: dict[str, int] = {}
        execute_timeout = config.Execute.get("timeout", None) if "Execute" in config else None
        if "cell_timeout" not in config.Limits and isinstance(execute_timeout, int):
            values["cell_timeout"] = execute_timeout
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - set(cls.names())
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
        return cls(config=config, **values)

    def to_json(self) -> dict[str, int]:
        """The limits as a plain dict (JSON)."""
        return {name: int(getattr(self, name)) for name in self.names()}

    @classmethod
    def from_json(cls, data: dict[str, t.Any]) -> Limits:
        """Limits from `to_json`'s dict; unknown keys are an error."""
        unknown = set(data) - set(cls.names())
        if unknown:
            raise ValueError(f"unknown limits: {', '.join(sorted(unknown))}")
        return cls(**data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Limits) and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        values = ", ".join(f"{k}={v}" for k, v in self.to_json().items())
        return f"Limits({values})"


def _trait_message(exc: TraitError) -> str:
    """`TraitError`'s text, as one line naming the limit."""
    text = " ".join(str(exc).split())
    return f"bad limit: {text}"
