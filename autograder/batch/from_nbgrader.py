"""The `nbgrader` layout: `submitted/<student id>/<LESSON>/<LESSON>.ipynb` and `timestamp.txt`.

What `nbgrader collect` leaves in a course on a JupyterHub (nbgrader's `CourseDirectory`:
`{nbgrader_step}/{student_id}/{assignment_id}`). The path given may be the `submitted`
folder itself, the course directory holding it, or a zip of either. `timestamp.txt` holds
the submission time as nbgrader's exchange writes it (`%Y-%m-%d %H:%M:%S.%f %Z`, UTC by
default). Other lessons' folders are not this lesson's submissions and are skipped.
"""

from __future__ import annotations

from ..common import printable
from ..reasons import Reason
from .from_folders import not_a_student
from .tree import STAMP, Entry, HandIn, Reading, Tree

SUBMITTED = "submitted"


def _strip(entries: list[Entry]) -> int:
    """How many leading parts to drop to reach `<student>/<lesson>/`."""
    for skip in (0, 1):
        if any(len(e.parts) > skip and e.parts[skip] == SUBMITTED for e in entries):
            return skip + 1
    return 0


def _below(entries: list[Entry]) -> list[tuple[tuple[str, ...], Entry]]:
    """Every entry under `submitted/`, with the parts from the student on."""
    skip = _strip(entries)
    found = []
    for entry in entries:
        if skip and (len(entry.parts) <= skip or entry.parts[skip - 1] != SUBMITTED):
            continue
        found.append((entry.parts[skip:], entry))
    return found


def _relevant(entries: list[Entry], lesson: str) -> list[tuple[tuple[str, ...], Entry]]:
    """The entries of `<student>/<lesson>/`."""
    return [(parts, e) for parts, e in _below(entries) if len(parts) >= 2 and parts[1] == lesson]


def recognizes(tree: Tree, lesson: str) -> bool:
    """Whether the tree holds nbgrader's `submitted/`, or `<student>/<lesson>/timestamp.txt`
    (which `nbgrader collect` always writes)."""
    return _strip(tree.entries) > 0 or any(
        len(parts) == 3 and parts[2] == STAMP for parts, _ in _relevant(tree.entries, lesson)
    )


def read(tree: Tree, lesson: str) -> Reading:
    """One hand-in per `<student>/<lesson>/` folder (see the module docstring)."""
    handins: dict[str, HandIn] = {}
    ignored = {
        f"{printable(parts[0])} (a link)"
        for parts, entry in _below(tree.entries)
        if len(parts) == 1 and entry.kind == "link"
    }
    for parts, entry in _relevant(tree.entries, lesson):
        student = parts[0]
        if not_a_student(student):
            ignored.add(printable(student))
            continue
        handin = handins.setdefault(student, HandIn(student, origin=f"{student}/{lesson}"))
        if len(parts) == 2:
            if entry.kind == "link":
                handin.problems.append(Reason.BAD_NOTEBOOK(f"the {lesson} folder is a link"))
            continue
        if parts[2:] == (STAMP,):
            handin.stamp = entry
        else:
            handin.add("/".join(parts[2:]), entry)
    return Reading([handins[k] for k in sorted(handins)], sorted(ignored))
