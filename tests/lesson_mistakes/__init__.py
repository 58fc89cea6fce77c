"""Mistake cases: wrong answers that a lesson's tests must catch.

Each lesson's helper keeps a data module `l<NN>_<name>.py` in this package (for example
`l04_shallow_network.py`) holding `LESSON` (the lesson id) and `MISTAKES` (a list of
`Mistake`). `tests/test_lesson_mistakes.py` runs every case: the lesson's solution
notebook with the `answer` cell's source replaced by `source`, executed in a fresh kernel
through the `test` cell, must fail in that cell with `message` in its error (the
exception's type and text, case-insensitive), and must not fail in any earlier cell.

    from tests.lesson_mistakes import Mistake

    LESSON = "04_shallow_network"
    MISTAKES = [
        Mistake(
            answer="forward_propagation",     # grade_id of the answer cell replaced
            source='''def forward_propagation(X, parameters):
        ...''',                               # the student's wrong (but runnable) code
            test="test_forward_propagation",  # grade_id of the test cell that must fail
            message="loop",                   # text the failure must contain
            why="a per-example loop where the lesson asks for vectorized code",
        ),
    ]

A module may also list `ACCEPTED`: right answers written another way (an extra, untimed
warm-up call; a loop the exercise allows) that the test must accept, as `Accepted` cases:
the notebook with the answer replaced by `source` must pass every cell through `test`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """One wrong answer and the failure it must cause.

    answer: grade_id of the answer cell whose source is replaced.
    source: the wrong (but runnable) code put in its place.
    test: grade_id of the test cell (at or after the answer) that must fail.
    message: text the failure must contain, case-insensitive, in `ExceptionType: text`.
    why: what the mistake is, in a few words (documentation for the reader of the case).
    """

    answer: str
    source: str
    test: str
    message: str
    why: str


@dataclass(frozen=True)
class Accepted:
    """A right answer written another way, which the test cell must accept.

    answer, source, test: as in `Mistake`; why: what is different about it.
    """

    answer: str
    source: str
    test: str
    why: str


@dataclass(frozen=True)
class Case:
    """A mistake (or an accepted variant) of a lesson, with its pytest id:
    `<lesson>-<answer>-<message slug>` (`<lesson>-<answer>-accepted` for a variant)."""

    lesson: str
    mistake: Mistake | Accepted
    id: str

    @property
    def accepted(self) -> bool:
        return isinstance(self.mistake, Accepted)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "mistake"


def modules() -> list[str]:
    """The names of this package's `l*.py` data modules, sorted."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("l") and not info.ispkg
    )


def cases() -> list[Case]:
    """Every mistake and accepted variant of every data module, in file order, with a
    unique id each (a second case with the same answer and message gets `-2`, then `-3`)."""
    found: list[Case] = []
    seen: dict[str, int] = {}
    for name in modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for item in [*module.MISTAKES, *getattr(module, "ACCEPTED", [])]:
            tail = "accepted" if isinstance(item, Accepted) else _slug(item.message)
            base = f"{module.LESSON}-{item.answer}-{tail}"
            seen[base] = seen.get(base, 0) + 1
            case_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
            found.append(Case(module.LESSON, item, case_id))
    return found
