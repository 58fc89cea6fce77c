"""Find the submissions in `DIR/<student_id>/<LESSON>.ipynb`, or in a zip of that layout.

Everything here is untrusted: names, sizes, links. A student id must be ASCII letters,
digits, `.`, `_`, `-`, `@` or `+`, start with a letter or digit and be at most 64 long,
because it becomes a directory name in the grading directory; any other id gets a `failed`
result under a derived key (`_invalid-<hash>`) and is never used as a path. Links are not
followed (a link could point at the solutions). Zip archives are read in memory, entry by
entry, with the same size limit, and never extracted.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from nbgrader.utils import parse_utc

from ..common import printable, sha256
from ..config import CourseError
from ..reasons import Reason

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
IGNORED = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db", "timestamp.txt"}
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
MAX_ZIP_ENTRIES = 100_000


@dataclass
class Submission:
    """One student's entry: where the notebook is, or what is wrong with it.

    `problems` make the result `failed` without running anything; `notes` are passed to
    the job and end up in the result's reasons.
    """

    student: str
    key: str
    valid_id: bool
    path: Path | None = None
    data: bytes | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timestamp: str | None = None  # when it was submitted (nbgrader's timestamp.txt format)


@dataclass
class Found:
    """All submissions, plus the top-level entries that are not students."""

    submissions: list[Submission]
    ignored: list[str]


def student_key(name: str) -> tuple[str, bool]:
    """The storage key for a student directory's name, and whether the name is a valid id."""
    if STUDENT_ID.match(name) and name not in (".", ".."):
        return name, True
    digest = sha256(name.encode("utf-8", "surrogateescape"))[:16]
    return f"_invalid-{digest}", False


def _timestamp(text: bytes | None, fallback: datetime) -> str:
    """nbgrader's `timestamp.txt` if it parses, else `fallback` (UTC), as nbgrader writes it."""
    if text is not None and len(text) < 100:
        try:
            parsed = parse_utc(text.decode("ascii").strip())
        except (ValueError, OverflowError, UnicodeDecodeError):
            parsed = None
        if parsed is not None:
            return parsed.strftime(TIMESTAMP_FORMAT)
    return fallback.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _invalid_id(name: str) -> str:
    return Reason.INVALID_ID(
        f"the directory name {printable(name)!r} is not a usable student id "
        "(ASCII letters, digits, '.', '_', '-', '@', '+'; starting with a letter or digit; "
        "at most 64 characters); rename it and grade again"
    )


def _classify(
    submission: Submission, names: dict[str, int], lesson: str, max_bytes: int
) -> str | None:
    """Check a student's files (name -> size, -1 for a link or special file); return the
    name of the notebook to grade, or None (with problems recorded)."""
    wanted = f"{lesson}.ipynb"
    visible = sorted(n for n in names if not n.startswith(".") and n not in IGNORED)
    extra_nb = [n for n in visible if n.endswith(".ipynb") and n != wanted]
    others = [n for n in visible if not n.endswith(".ipynb")]
    if wanted not in names:
        listing = ", ".join(printable(n) for n in visible) or "nothing"
        submission.problems.append(
            Reason.MISSING_NOTEBOOK(f"no {wanted} in the submission (found: {listing})")
        )
        return None
    if names[wanted] < 0:
        submission.problems.append(Reason.BAD_NOTEBOOK(f"{wanted} is a link or not a regular file"))
        return None
    if names[wanted] > max_bytes:
        submission.problems.append(
            Reason.TOO_LARGE(
                f"{wanted} is {names[wanted] / 2**20:.1f} MB, "
                f"over the {max_bytes // 2**20} MB limit"
            )
        )
        return None
    if extra_nb:
        submission.notes.append(
            Reason.EXTRA_NOTEBOOK(
                f"the submission also holds {', '.join(printable(n) for n in extra_nb)}; "
                f"{wanted} was graded"
            )
        )
    if others:
        submission.notes.append(
            Reason.EXTRA_FILES(f"ignored {', '.join(printable(n) for n in others)}")
        )
    return wanted


def _from_directory(folder: Path, lesson: str, max_bytes: int) -> Found:
    submissions, ignored = [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name in IGNORED:
            ignored.append(printable(entry.name))
            continue
        key, valid = student_key(entry.name)
        submission = Submission(entry.name, key, valid)
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            if entry.is_symlink():
                submission.problems.append(Reason.BAD_NOTEBOOK("the student directory is a link"))
            else:
                ignored.append(printable(entry.name))
                continue
        if not valid:
            submission.problems.insert(0, _invalid_id(entry.name))
        if not submission.problems:
            names = {}
            for item in os.scandir(entry.path):
                info = item.stat(follow_symlinks=False)
                names[item.name] = info.st_size if stat.S_ISREG(info.st_mode) else -1
            wanted = _classify(submission, names, lesson, max_bytes)
            if wanted is not None:
                submission.path = Path(entry.path) / wanted
                stamp = Path(entry.path) / "timestamp.txt"
                text = None
                if names.get("timestamp.txt", -1) >= 0:
                    with open(stamp, "rb") as handle:
                        text = handle.read(200)
                mtime = datetime.fromtimestamp(submission.path.lstat().st_mtime, UTC)
                submission.timestamp = _timestamp(text, mtime)
        submissions.append(submission)
    return Found(submissions, ignored)


def _zip_layout(names: list[str]) -> list[tuple[str, str]]:
    """(student, file) for each archive name ("" for a file at the top); one wrapping
    folder around the student folders is allowed."""
    parts = [PurePosixPath(n.replace("\\", "/")).parts for n in names]
    tops = {p[0] for p in parts if p}
    strip = len(tops) == 1 and all(len(p) >= 3 for p in parts)
    pairs = []
    for split in parts:
        split = split[1:] if strip else split
        if len(split) >= 2:
            pairs.append((split[0], "/".join(split[1:])))
        else:
            pairs.append(("", "/".join(split)))
    return pairs


def _from_zip(archive: Path, lesson: str, max_bytes: int) -> Found:
    try:
        handle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CourseError(f"cannot read {archive}: {exc}") from None
    with handle:
        infos = [i for i in handle.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_ENTRIES:
            raise CourseError(f"{archive} has more than {MAX_ZIP_ENTRIES} entries")
        pairs = _zip_layout([i.filename for i in infos])
        by_student: dict[str, dict[str, zipfile.ZipInfo | None]] = {}
        ignored: list[str] = []
        for (student, name), info in zip(pairs, infos, strict=True):
            if not student:
                ignored.append(printable(name))
                continue
            files = by_student.setdefault(student, {})
            files[name] = None if name in files else info  # a duplicate name: ambiguous
        submissions = []
        for student in sorted(by_student):
            if student.startswith(".") or student in IGNORED:
                ignored.append(printable(student))
                continue
            key, valid = student_key(student)
            submission = Submission(student, key, valid)
            files = by_student[student]
            if not valid:
                submission.problems.append(_invalid_id(student))
            elif any(v is None for v in files.values()):
                submission.problems.append(Reason.BAD_NOTEBOOK("the archive holds a file twice"))
            else:
                sizes = {
                    n.split("/")[0]: (i.file_size if "/" not in n and i is not None else -1)
                    for n, i in files.items()
                }
                wanted = _classify(submission, sizes, lesson, max_bytes)
                if wanted is not None:
                    chosen = files[wanted]
                    assert chosen is not None
                    with handle.open(chosen) as stream:
                        data = stream.read(max_bytes + 1)
                    if len(data) > max_bytes:
                        submission.problems.append(
                            Reason.TOO_LARGE(f"{wanted} is over the {max_bytes // 2**20} MB limit")
                        )
                    else:
                        submission.data = data
                        stamp = files.get("timestamp.txt")
                        text = None
                        if stamp is not None:
                            with handle.open(stamp) as stream:
                                text = stream.read(200)
                        when = datetime(*chosen.date_time, tzinfo=UTC)
                        submission.timestamp = _timestamp(text, when)
            submissions.append(submission)
    return Found(submissions, ignored)


def find_submissions(source: Path, lesson: str, max_bytes: int) -> Found:
    """All submissions in `source` (a directory or a .zip); see the module docstring."""
    if not source.exists():
        raise CourseError(f"no such submissions directory: {source}")
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise CourseError(f"{source} is neither a directory nor a zip archive")
        return _from_zip(source, lesson, max_bytes)
    if not source.is_dir():
        raise CourseError(f"{source} is not a directory")
    return _from_directory(source, lesson, max_bytes)
