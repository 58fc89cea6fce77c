"""What was handed in, read as untrusted entries: a directory or a zip archive.

Every name, size and link in a submission is hostile input. A directory is walked without
following links: a link, or anything that is neither a regular file nor a directory, is kept
as an entry that is never read. A zip archive is listed and read in memory, entry by entry,
never extracted. Both are capped: entries, depth, and the bytes read from one file. Names
keep their text; a name that was not UTF-8 keeps its bytes as surrogates, which
`ids.student_id` refuses. Paths are split into parts (`\\` counts as a separator, `..` stays a
part, an absolute name starts with the part `/`), so no name ever reaches the file system.

A layout reader (`from_folders`, `from_nbgrader`, `from_canvas`, `from_moodle`) groups the
entries into `HandIn`s, one per student.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from ..config import CourseError

# What operating systems, Jupyter and nbgrader add next to a student's work: never a
# student, never a file of theirs worth listing.
CLUTTER = frozenset(
    {
        "__MACOSX",
        ".DS_Store",
        "Thumbs.db",
        "desktop.ini",
        ".ipynb_checkpoints",
        "submission_secret.txt",
    }
)
STAMP = "timestamp.txt"  # nbgrader's submission time, next to the notebook
MAX_ENTRIES = 100_000
MAX_DEPTH = 8
UTF8_FLAG = 0x800  # zip general purpose flag: the entry's name is UTF-8


class Unreadable(Exception):
    """An entry that cannot be read (a link, a damaged or encrypted zip entry)."""


@dataclass(frozen=True)
class Entry:
    """One file or folder of the tree: its path parts, kind, size and time."""

    parts: tuple[str, ...]
    kind: str  # "file", "dir", "link" or "other" (a device, a pipe: never read)
    size: int
    mtime: datetime
    path: Path | None = None  # on disk
    info: zipfile.ZipInfo | None = None  # in the archive

    @property
    def name(self) -> str:
        """The path within the tree, `/`-separated."""
        return "/".join(self.parts)


@dataclass
class HandIn:
    """One student's part of the tree, as a layout found it.

    `student` is the id the layout gives (a folder name, an LMS id), still untrusted;
    `origin` says where it came from (messages, derived keys); `files` maps a name within
    the hand-in to its entry; `lms` is how the LMS names this student's files (for the
    feedback zip); `stamp` is nbgrader's `timestamp.txt`.
    """

    student: str
    origin: str
    files: dict[str, Entry] = field(default_factory=dict)
    duplicates: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    name: str | None = None
    late: bool | None = None
    lms: dict[str, str] = field(default_factory=dict)
    stamp: Entry | None = None

    def add(self, name: str, entry: Entry) -> None:
        """Add a file; a name seen twice (possible in a zip) is recorded as a duplicate."""
        if name in self.files:
            self.duplicates.add(name)
        self.files[name] = entry


@dataclass
class Reading:
    """What a layout reader found: the hand-ins, and the names it did not use."""

    handins: list[HandIn]
    ignored: list[str]


def split(name: str) -> tuple[str, ...]:
    """The parts of an archive name (see the module docstring)."""
    return PurePosixPath(name.replace("\\", "/")).parts


class Tree:
    """Every entry of a directory or a zip archive, and a capped reader of their bytes."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.archive: zipfile.ZipFile | None = None
        if source.is_file():
            try:
                self.archive = zipfile.ZipFile(source)
            except (zipfile.BadZipFile, OSError) as exc:
                raise CourseError(
                    f"{source} is neither a directory nor a readable zip archive: {exc}"
                ) from None
            self.entries = self._zip_entries(self.archive)
        elif source.is_dir():
            self.entries = []
            self._walk(source, ())
        else:
            raise CourseError(f"no such submissions directory or zip archive: {source}")

    @property
    def kind(self) -> str:
        """ "zip" or "directory", for messages."""
        return "zip" if self.archive is not None else "directory"

    def close(self) -> None:
        """Close the archive, if any."""
        if self.archive is not None:
            self.archive.close()

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _add(self, entry: Entry) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            raise CourseError(f"{self.source} holds more than {MAX_ENTRIES} entries")
        self.entries.append(entry)

    def _walk(self, folder: Path, parts: tuple[str, ...]) -> None:
        for item in sorted(os.scandir(folder), key=lambda e: e.name):
            info = item.stat(follow_symlinks=False)
            when = datetime.fromtimestamp(info.st_mtime, UTC)
            here = (*parts, item.name)
            if stat.S_ISLNK(info.st_mode):
                kind, size = "link", -1
            elif stat.S_ISDIR(info.st_mode):
                kind, size = "dir", 0
            elif stat.S_ISREG(info.st_mode):
                kind, size = "file", info.st_size
            else:
                kind, size = "other", -1
            self._add(Entry(here, kind, size, when, path=Path(item.path)))
            if kind == "dir" and len(here) < MAX_DEPTH:
                self._walk(Path(item.path), here)

    def _zip_entries(self, archive: zipfile.ZipFile) -> list[Entry]:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise CourseError(f"{self.source} holds more than {MAX_ENTRIES} entries")
        entries = []
        for info in infos:
            name = info.filename
            if not info.flag_bits & UTF8_FLAG:  # zipfile decoded the raw name as cp437
                name = info.orig_filename.encode("cp437").decode("utf-8", "surrogateescape")
            parts = split(name)
            if not parts or len(parts) > MAX_DEPTH:
                continue
            file_type = stat.S_IFMT(info.external_attr >> 16)  # 0: not recorded
            if info.is_dir():
                kind, size = "dir", 0
            elif file_type == stat.S_IFLNK:
                kind, size = "link", -1
            elif file_type not in (0, stat.S_IFREG):
                kind, size = "other", -1
            else:
                kind, size = "file", info.file_size
            try:
                when = datetime(*info.date_time, tzinfo=UTC)
            except ValueError:
                when = datetime(1980, 1, 1, tzinfo=UTC)
            entries.append(Entry(parts, kind, size, when, info=info))
        return entries

    def read(self, entry: Entry, limit: int) -> bytes:
        """At most `limit + 1` bytes of a file entry (so that "too large" can be told);
        `Unreadable` for a link, a special file or a damaged entry."""
        if entry.kind != "file":
            raise Unreadable(f"{entry.name} is a link or not a regular file")
        try:
            if entry.info is not None and self.archive is not None:
                with self.archive.open(entry.info) as stream:
                    return stream.read(limit + 1)
            assert entry.path is not None
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    raise Unreadable(f"{entry.name} is not a regular file")
                return handle.read(limit + 1)
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
            raise Unreadable(f"{entry.name} cannot be read ({exc})") from None
        except zlib.error as exc:
            raise Unreadable(f"{entry.name} is damaged ({exc})") from None
