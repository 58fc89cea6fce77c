"""nbgrader's region markers, parsed in one place.

Source notebooks mark solutions with `### BEGIN SOLUTION` / `### END SOLUTION` and hidden
tests with `### BEGIN HIDDEN TESTS` / `### END HIDDEN TESTS` (a line containing the marker
starts or ends a region; the marker lines themselves belong to no region). Release and
publish refuse files that still hold a marker; grading runs a test cell's visible and
hidden regions apart; feedback shows the visible region only.
"""

from __future__ import annotations

from dataclasses import dataclass

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_TEST_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
ALL_MARKERS = SOLUTION_MARKERS + HIDDEN_TEST_MARKERS


@dataclass(frozen=True)
class Region:
    """A run of lines of a cell, inside a hidden-test region or outside one."""

    source: str
    hidden: bool


def split_hidden(source: str) -> list[Region] | None:
    """The cell's lines as visible and hidden regions, in order, marker lines dropped and
    blank regions left out; None when the markers are unbalanced (nested, unclosed, an end
    without a begin)."""
    begin, end = HIDDEN_TEST_MARKERS
    regions: list[Region] = []
    lines: list[str] = []
    hidden = False
    for line in source.split("\n"):
        if begin in line:
            if hidden:
                return None
            regions.append(Region("\n".join(lines), False))
            lines, hidden = [], True
        elif end in line:
            if not hidden:
                return None
            regions.append(Region("\n".join(lines), True))
            lines, hidden = [], False
        else:
            lines.append(line)
    if hidden:
        return None
    regions.append(Region("\n".join(lines), False))
    return [r for r in regions if r.source.strip()]


def visible_source(source: str) -> str:
    """The cell's source without its hidden tests (and without the marker lines); an
    unclosed hidden region hides everything after its begin marker."""
    begin, end = HIDDEN_TEST_MARKERS
    kept, hidden = [], False
    for line in source.split("\n"):
        if begin in line:
            hidden = True
        elif end in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def hidden_lines(sources: list[str], min_chars: int) -> list[str]:
    """Every line (stripped, at least `min_chars` long) inside a hidden-test region of
    `sources`: what a feedback page must never show."""
    begin, end = HIDDEN_TEST_MARKERS
    found = []
    for source in sources:
        inside = False
        for line in source.split("\n"):
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= min_chars:
                found.append(line.strip())
    return found


def leaked_markers(text: str) -> list[str]:
    """The solution and hidden-test markers present in `text`."""
    return [marker for marker in ALL_MARKERS if marker in text]
