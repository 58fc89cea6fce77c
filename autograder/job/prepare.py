"""Turn one submitted file into the notebook the grader runs, restoring what the lesson fixes.

The lesson's cells (from the lesson package, see `package.py`) come back in the lesson's
order: locked cells (setup and tests) always with the instructor's source, hidden tests
included, whatever the student did to them (edited, deleted, retyped, moved, duplicated);
answer cells with the student's text (or the released stub when the answer cell is
missing). Cells the student added stay, right after the lesson cell they followed. Cells
claiming an nbgrader id the lesson does not have, and duplicates, lose their nbgrader
metadata, so they are run but never graded.
"""

from __future__ import annotations

import ast
import copy
import json
import typing as t
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_raw_cell
from nbgrader.utils import compute_checksum

from ..integrity.scan import to_python
from ..markers import Region, split_hidden
from ..reasons import Reason
from ..schema import LessonPackage, PackageCell


class BadSubmission(Exception):
    """The submitted file cannot be graded; the message says why, for the student."""


@dataclass
class PreparedCell:
    """One cell of the notebook to run.

    role: "setup" (locked code), "test" (locked, graded code), "answer" (autograded answer),
    "manual" (a graded answer a person marks: code or written), "markdown" (lesson text or
    a student's own markdown), "student" (code the student added or an ungraded code cell).
    """

    cell: NotebookNode
    role: str
    grade_id: str | None = None
    points: float = 0.0
    parts: list[Region] = field(default_factory=list)  # a test cell's parts, run one by one
    unchanged: bool = False  # an answer identical to the released stub


@dataclass
class Prepared:
    """The notebook to run, and what was restored (notes for the report)."""

    notebook: NotebookNode
    cells: list[PreparedCell]
    notes: list[str]

    def label(self, index: int) -> str:
        """How reasons name cell `index`: its grade id, or its position (`#4`)."""
        return self.cells[index].grade_id or f"#{index + 1}"


def parse_notebook(data: bytes) -> NotebookNode:
    """Parse a submitted file into a v4 notebook, or raise `BadSubmission` saying why."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadSubmission(f"the file is not UTF-8 text (byte {exc.start})") from None
    try:
        raw = json.loads(text)
    except RecursionError:
        raise BadSubmission("the file is not a notebook: JSON nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadSubmission(
            f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(raw, dict) or "nbformat" not in raw:
        raise BadSubmission("the file is JSON but not a notebook (no nbformat field)")
    major = raw["nbformat"]
    if major != 4:
        raise BadSubmission(f"wrong notebook format: nbformat {major!r}, expected 4")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except (nbformat.ValidationError, TypeError, ValueError, AttributeError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise BadSubmission(f"the file is not a valid notebook: {first}") from None
    return nb


def notebook_from_json(data: dict[str, t.Any]) -> NotebookNode:
    """A notebook node from its JSON form (multi-line sources joined, as `nbformat.read`)."""
    return nbformat.reads(json.dumps(data), as_version=4)


def hidden_parts(source: str) -> list[Region] | None:
    """Split a test cell into visible and hidden parts, each run on its own.

    Returns None when the markers are unbalanced or a part is not valid Python on its own
    (the cell is then run whole, and its outputs never reach feedback).
    """
    parts = split_hidden(source)
    if parts is None:
        return None
    for part in parts:
        try:
            ast.parse(to_python(part.source))
        except (SyntaxError, ValueError):
            return None
    return parts


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _role(entry: PackageCell) -> str:
    if entry.get("task"):
        return "manual"
    if entry["solution"]:
        return "manual" if entry["grade"] else "answer"
    if entry["cell_type"] != "code":
        return "markdown"
    return "test" if entry["grade"] else "setup"


def _from_package(entry: PackageCell, source: str) -> NotebookNode:
    maker = {"code": new_code_cell, "markdown": new_markdown_cell}.get(
        entry["cell_type"], new_raw_cell
    )
    cell = maker(source)
    cell.metadata = copy.deepcopy(entry["metadata"])
    return cell


def _strip_nbgrader(cell: dict[str, Any]) -> NotebookNode:
    cell = copy.deepcopy(cell)
    cell.get("metadata", {}).pop("nbgrader", None)
    kind = cell.get("cell_type")
    if kind == "code":
        out = new_code_cell(cell.get("source", ""))
    elif kind == "markdown":
        out = new_markdown_cell(cell.get("source", ""))
    else:
        out = new_raw_cell(cell.get("source", ""))
    out.metadata = cell.get("metadata", {})
    return out


def prepare(package: LessonPackage, submitted: NotebookNode) -> Prepared:
    """Rebuild the lesson's notebook around the student's answers (see module docstring)."""
    entries = {e["grade_id"]: e for e in package["cells"]}
    order = [e["grade_id"] for e in package["cells"]]
    notes: list[str] = []
    seen: dict[str, NotebookNode] = {}
    extras: dict[str | None, list[NotebookNode]] = {None: []}
    anchor: str | None = None
    for cell in submitted.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if isinstance(grade_id, str) and grade_id in entries and grade_id not in seen:
            seen[grade_id] = cell
            anchor = grade_id
            continue
        if isinstance(grade_id, str) and grade_id in entries:
            notes.append(
                Reason.RESTORED(f"a second copy of cell {grade_id} was run but not graded")
            )
        elif grade_id is not None and _nbgrader(cell):
            notes.append(
                Reason.RESTORED("a cell with an unknown nbgrader id was run but not graded")
            )
        extras.setdefault(anchor, []).append(_strip_nbgrader(cell))

    cells: list[PreparedCell] = []

    def add_extras(key: str | None) -> None:
        for extra in extras.get(key, []):
            role = "student" if extra.cell_type == "code" else "markdown"
            cells.append(PreparedCell(extra, role))

    add_extras(None)
    for grade_id in order:
        entry = entries[grade_id]
        role = _role(entry)
        student = seen.get(grade_id)
        if entry["locked"] or not entry["solution"]:
            if student is None:
                notes.append(
                    Reason.RESTORED(f"locked cell {grade_id} was deleted; the original was run")
                )
            elif (
                student.get("source", "") != entry["release_source"]
                or student.get("cell_type") != entry["cell_type"]
            ):
                notes.append(
                    Reason.RESTORED(f"locked cell {grade_id} was edited; the original was run")
                )
            cell = _from_package(entry, entry["source"])
            prepared = PreparedCell(cell, role, grade_id, float(entry.get("points") or 0))
            if role == "test":
                prepared.parts = hidden_parts(entry["source"]) or [Region(entry["source"], True)]
        else:
            if student is None:
                notes.append(
                    Reason.RESTORED(f"answer cell {grade_id} was deleted; it counts as empty")
                )
                source = entry["release_source"]
            else:
                source = student.get("source", "")
            cell = _from_package(entry, source)
            if entry["cell_type"] == "code" and student is not None:
                cell.outputs = []
            unchanged = compute_checksum(cell) == entry["checksum"]
            prepared = PreparedCell(
                cell, role, grade_id, float(entry.get("points") or 0), unchanged=unchanged
            )
        cells.append(prepared)
        add_extras(grade_id)

    nb = nbformat.v4.new_notebook(cells=[c.cell for c in cells])
    nb.metadata = copy.deepcopy(package["notebook_metadata"])
    for prepared in cells:
        if prepared.cell.cell_type == "code":
            prepared.cell.outputs = []
            prepared.cell.execution_count = None
    return Prepared(nb, cells, notes)
