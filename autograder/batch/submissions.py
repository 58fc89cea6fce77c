"""Find the submissions of a lesson, whatever the layout: folders, nbgrader, Canvas, Moodle.

The input (a directory or a zip) is read as a `tree.Tree`: everything in it is untrusted,
nothing is extracted, links are not followed, sizes are capped. Its layout is detected (or
given with `--from`) and the layout's reader (`from_folders`, `from_nbgrader`,
`from_canvas`, `from_moodle`) groups the entries into hand-ins, one per student. Then, per
hand-in:

- the student id: `ids.student_id` (NFC; refused with an `invalid_id` reason when it is not
  safe to store); a second hand-in whose id is the same as an earlier one's is refused
  (`duplicate_id`), never merged or overwritten;
- the notebook to grade: the only notebook, under any name (a name other than
  `<LESSON>.ipynb` gets a `renamed_notebook` note); among several, the one whose nbgrader
  cell ids match the lesson's best, `<LESSON>.ipynb` first on a tie, flagged
  (`extra_notebook` when it is `<LESSON>.ipynb`, else `picked_notebook`); other files are
  listed and ignored;
- when it was submitted (nbgrader's `timestamp.txt`, else the file's time) and whether it
  was late (Canvas's mark, or `timestamp.txt` after `--due`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from nbgrader.utils import parse_utc

from ..common import printable, sha256
from ..config import CourseError
from ..reasons import Reason
from . import from_canvas, from_folders, from_moodle, from_nbgrader
from .ids import INVALID_PREFIX, student_id
from .tree import CLUTTER, Entry, HandIn, Tree, Unreadable

# Detection order: the most specific first; `folders` when no other recognizes the input.
LAYOUTS: dict[str, ModuleType] = {
    "moodle": from_moodle,
    "canvas": from_canvas,
    "nbgrader": from_nbgrader,
    "folders": from_folders,
}
DESCRIPTIONS = {
    "folders": "folders (<id>/<LESSON>.ipynb)",
    "nbgrader": "nbgrader (submitted/<id>/<LESSON>/)",
    "canvas": 'Canvas ("Download Submissions")',
    "moodle": 'Moodle ("Download all submissions")',
}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
MAX_CANDIDATES = 20  # notebooks of one student opened to find the lesson's


@dataclass
class Submission:
    """One student's entry: where the notebook is, or what is wrong with it.

    `problems` make the result `failed` without running anything; `notes` are passed to
    the job and end up in the result's reasons. `name`, `late`, `source` and `lms` describe
    the student as the LMS does (display name, late mark, layout, how the LMS names the
    student's files).
    """

    student: str
    key: str
    valid_id: bool
    path: Path | None = None
    data: bytes | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timestamp: str | None = None  # when it was submitted (nbgrader's timestamp.txt format)
    name: str | None = None
    late: bool | None = None
    source: str = "folders"
    lms: dict[str, str] = field(default_factory=dict)
    file: str | None = None  # the graded file's name in the hand-in


@dataclass
class Found:
    """All submissions, the entries that are not students, and the layout read."""

    submissions: list[Submission]
    ignored: list[str]
    layout: str = "folders"
    kind: str = "directory"

    def describe(self) -> str:
        """One line: how many submissions, from what."""
        return (
            f"read {len(self.submissions)} submission(s) from a {self.kind} in the "
            f"{DESCRIPTIONS[self.layout]} layout"
        )


def parse_due(text: str) -> datetime:
    """A due date as nbgrader reads one (`2025-03-14 23:59:00 Europe/Paris`, ISO 8601 with
    an offset; UTC when no zone is given), in UTC without a zone. A numeric offset after a
    space (`2025-03-14 23:59 +0100`), which nbgrader's `parse_utc` takes for seconds, is read
    as hours and minutes."""
    offset = re.fullmatch(r"(\S+) (\S+) ([+-][0-9]{2}):?([0-9]{2})", text.strip())
    if offset:
        text = f"{offset[1]}T{offset[2]}{offset[3]}:{offset[4]}"
    try:
        parsed = parse_utc(text)
    except (ValueError, OverflowError) as exc:
        raise CourseError(
            f"--due {text!r} is not a date and time (expected e.g. '2025-03-14 23:59 UTC' "
            f"or '2025-03-14T23:59:00+08:00'): {exc}"
        ) from None
    assert isinstance(parsed, datetime)
    return parsed


def _parse_stamp(text: bytes | None) -> datetime | None:
    """nbgrader's `timestamp.txt`, in UTC without a zone, or None when it does not parse."""
    if text is None or len(text) > 100:
        return None
    try:
        parsed = parse_utc(text.decode("ascii").strip())
    except (ValueError, OverflowError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, datetime) else None


def _duration(seconds: float) -> str:
    """`5 min`, `2 h 31 min`, `3 days`."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


def detect(tree: Tree, lesson: str) -> str:
    """The first layout that recognizes the tree (most specific first), else `folders`."""
    return next(
        (n for n, m in LAYOUTS.items() if n != "folders" and m.recognizes(tree, lesson)), "folders"
    )


def _clutter(name: str) -> bool:
    """Whether a file of a hand-in is clutter (a dotfile, `.ipynb_checkpoints/`, ...)."""
    parts = name.split("/")
    return any(p in CLUTTER for p in parts) or parts[-1].startswith(".")


def _cell_ids(data: bytes) -> set[str]:
    """The nbgrader cell ids of a notebook's cells (none when it does not parse)."""
    try:
        cells = json.loads(data.decode("utf-8")).get("cells", [])
        return {
            str(c["metadata"]["nbgrader"]["grade_id"])
            for c in cells
            if isinstance(c, dict) and "grade_id" in c.get("metadata", {}).get("nbgrader", {})
        }
    except (ValueError, AttributeError, TypeError, KeyError):
        return set()


def _best(
    tree: Tree,
    files: dict[str, Entry],
    notebooks: list[str],
    wanted: str,
    ids: frozenset[str],
    limit: int,
) -> tuple[str | None, int]:
    """Among several notebooks, the one whose cell ids match the lesson's best."""
    ordered = sorted(notebooks, key=lambda n: (n != wanted, n))[:MAX_CANDIDATES]
    best, best_score = None, 0
    for name in ordered:
        entry = files[name]
        try:
            data = tree.read(entry, limit) if 0 <= entry.size <= limit else b""
        except Unreadable:
            continue
        score = len(_cell_ids(data) & ids)
        if score > best_score:
            best, best_score = name, score
    if best is None and wanted in files:
        return wanted, 0
    return best, best_score


def _choose(
    tree: Tree,
    sub: Submission,
    files: dict[str, Entry],
    lesson: str,
    ids: frozenset[str],
    limit: int,
) -> str | None:
    """The name of the file to grade (see the module docstring), with notes; None with a
    problem."""
    wanted = f"{lesson}.ipynb"
    notebooks = sorted(n for n in files if n.lower().endswith(".ipynb"))
    others = sorted(n for n in files if n not in notebooks)
    listing = ", ".join(printable(n) for n in sorted(files)) or "nothing"
    if not notebooks:
        sub.problems.append(
            Reason.MISSING_NOTEBOOK(
                f"no notebook in the submission, expected {wanted} (found: {listing})"
            )
        )
        return None
    if len(notebooks) == 1:
        chosen = notebooks[0]
        if chosen != wanted:
            sub.notes.append(
                Reason.RENAMED_NOTEBOOK(
                    f"graded {printable(chosen)}, the only notebook handed in (expected {wanted})"
                )
            )
    else:
        picked, score = _best(tree, files, notebooks, wanted, ids, limit)
        if picked is None:
            sub.problems.append(
                Reason.MISSING_NOTEBOOK(
                    f"none of the {len(notebooks)} notebooks holds this lesson's cells "
                    f"(found: {listing})"
                )
            )
            return None
        chosen = picked
        also = ", ".join(printable(n) for n in notebooks if n != chosen)
        if chosen == wanted:
            sub.notes.append(
                Reason.EXTRA_NOTEBOOK(f"the submission also holds {also}; {wanted} was graded")
            )
        else:
            sub.notes.append(
                Reason.PICKED_NOTEBOOK(
                    f"{len(notebooks)} notebooks handed in; graded {printable(chosen)}, whose "
                    f"cells match the lesson ({score} of {len(ids)} cell ids); not graded: {also}"
                )
            )
    if others:
        sub.notes.append(Reason.EXTRA_FILES(f"ignored {', '.join(printable(n) for n in others)}"))
    return chosen


def _late(sub: Submission, stamp: datetime | None, due: datetime | None) -> None:
    """Late when nbgrader's timestamp is after `--due` (Canvas's mark is taken as found)."""
    if sub.late is None and due is not None and stamp is not None:
        sub.late = stamp > due
        if sub.late:
            sub.notes.append(
                Reason.LATE(
                    f"submitted {stamp:%Y-%m-%d %H:%M:%S} UTC, "
                    f"{_duration((stamp - due).total_seconds())} after the due date "
                    f"({due:%Y-%m-%d %H:%M:%S} UTC)"
                )
            )


def _read_notebook(
    tree: Tree,
    sub: Submission,
    handin: HandIn,
    lesson: str,
    ids: frozenset[str],
    limit: int,
    due: datetime | None,
) -> None:
    """Fill `sub` from its hand-in: the notebook (path or bytes), time, late, notes."""
    files = {n: e for n, e in handin.files.items() if not _clutter(n)}
    if handin.duplicates:
        twice = ", ".join(printable(n) for n in sorted(handin.duplicates))
        sub.problems.append(Reason.BAD_NOTEBOOK(f"the archive holds {twice} twice"))
        return
    chosen = _choose(tree, sub, files, lesson, ids, limit)
    if chosen is None:
        return
    entry, sub.file, shown = files[chosen], chosen, printable(chosen)
    if entry.kind != "file":
        sub.problems.append(Reason.BAD_NOTEBOOK(f"{shown} is a link or not a regular file"))
        return
    if entry.size > limit:
        sub.problems.append(
            Reason.TOO_LARGE(
                f"{shown} is {entry.size / 2**20:.1f} MB, over the {limit // 2**20} MB limit"
            )
        )
        return
    if tree.archive is not None:
        try:
            data = tree.read(entry, limit)
        except Unreadable as exc:
            sub.problems.append(Reason.BAD_NOTEBOOK(printable(str(exc))))
            return
        if len(data) > limit:
            sub.problems.append(Reason.TOO_LARGE(f"{shown} is over the {limit // 2**20} MB limit"))
            return
        sub.data = data
    else:
        sub.path = entry.path
    text = None
    if handin.stamp is not None:
        try:
            text = tree.read(handin.stamp, 200)
        except Unreadable:
            text = None
    stamp = _parse_stamp(text)
    when = stamp.replace(tzinfo=UTC) if stamp is not None else entry.mtime
    sub.timestamp = when.astimezone(UTC).strftime(TIMESTAMP_FORMAT)
    _late(sub, stamp, due)


def find_submissions(
    source: Path,
    lesson: str,
    max_bytes: int,
    cell_ids: frozenset[str] = frozenset(),
    layout: str | None = None,
    due: datetime | None = None,
) -> Found:
    """All submissions of `lesson` in `source` (see the module docstring). `cell_ids`: the
    lesson's nbgrader cell ids; `layout`: one of `LAYOUTS`, detected when None; `due`: the
    due date (UTC) that `timestamp.txt` is compared with."""
    if not source.exists():
        raise CourseError(f"no such submissions directory or zip archive: {source}")
    with Tree(source) as tree:
        layout = layout or detect(tree, lesson)
        if layout not in LAYOUTS:
            raise CourseError(f"unknown layout {layout!r} (expected one of {', '.join(LAYOUTS)})")
        reading = LAYOUTS[layout].read(tree, lesson)
        submissions: list[Submission] = []
        first_origin: dict[str, str] = {}
        for handin in reading.handins:
            found = student_id(handin.student)
            name = unicodedata.normalize("NFC", handin.name) if handin.name else None
            sub = Submission(
                found.text,
                found.key,
                found.valid,
                name=name,
                late=handin.late,
                source=layout,
                lms=handin.lms,
            )
            if handin.late:
                sub.notes.append(Reason.LATE("Canvas marked this submission late"))
            if found.key in first_origin:
                digest = sha256(f"{layout}/{handin.origin}".encode("utf-8", "surrogatepass"))
                sub.key, sub.valid_id = f"{INVALID_PREFIX}{digest[:16]}", False
                sub.problems.append(
                    Reason.DUPLICATE_ID(
                        f"'{printable(handin.origin)}' has the student id "
                        f"'{printable(found.text)}', as '{printable(first_origin[found.key])}' "
                        "has: only the first was graded; merge or rename them"
                    )
                )
            elif found.problem is not None:
                first_origin[found.key] = handin.origin
                sub.problems.append(found.problem)
            else:
                first_origin[found.key] = handin.origin
                sub.problems += handin.problems
                if not sub.problems:
                    _read_notebook(tree, sub, handin, lesson, cell_ids, max_bytes, due)
            submissions.append(sub)
        return Found(submissions, reading.ignored, layout, tree.kind)
