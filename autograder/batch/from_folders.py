"""The `folders` layout: `<student id>/<LESSON>.ipynb`, in a directory or a zip.

Each top-level folder is a student; its files (at any depth) are the hand-in, and
nbgrader's `timestamp.txt` in it, when there is one, the submission time. A zip may wrap the
student folders in one more folder. Top-level files, dotfiles and the clutter operating
systems and tools add (`__MACOSX`, `.DS_Store`, `Thumbs.db`) are not students; a top-level
link is a student whose hand-in is refused.
"""

from __future__ import annotations

from ..common import printable
from ..reasons import Reason
from .tree import CLUTTER, STAMP, Entry, HandIn, Reading, Tree


def not_a_student(name: str) -> bool:
    """Clutter and dotfiles."""
    return name.startswith(".") or name in CLUTTER


def _wrapped(entries: list[Entry]) -> bool:
    """Whether every entry sits in one wrapping folder around the student folders."""
    tops = {e.parts[0] for e in entries}
    files = [e for e in entries if e.kind != "dir"]
    return len(tops) == 1 and bool(files) and all(len(e.parts) >= 3 for e in files)


def read(tree: Tree, lesson: str) -> Reading:
    """Group the entries by top-level folder (see the module docstring)."""
    clutter = {e.parts[0] for e in tree.entries if not_a_student(e.parts[0])}
    entries = [e for e in tree.entries if e.parts[0] not in clutter]
    skip = 1 if tree.archive is not None and _wrapped(entries) else 0
    handins: dict[str, HandIn] = {}
    ignored = {printable(name) for name in clutter}
    for entry in entries:
        parts = entry.parts[skip:]
        if not parts:
            continue
        top = parts[0]
        if not_a_student(top):
            ignored.add(printable(top))
            continue
        if len(parts) == 1 and entry.kind not in ("dir", "link"):
            ignored.add(printable(top))
            continue
        handin = handins.setdefault(top, HandIn(top, origin=top))
        if len(parts) == 1 and entry.kind == "link":
            handin.problems.append(Reason.BAD_NOTEBOOK("the student directory is a link"))
        elif parts[1:] == (STAMP,):
            handin.stamp = entry
        elif len(parts) > 1:
            handin.add("/".join(parts[1:]), entry)
    return Reading([handins[k] for k in sorted(handins)], sorted(ignored))
