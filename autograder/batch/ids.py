"""Student ids: any text a person's name or an LMS id can be, stored safely.

An id comes from a folder name, a zip entry or an LMS file: Chinese, accents, spaces,
apostrophes and hyphens are all fine. It is NFC-normalized (so that `José` typed on macOS
and on Windows is one student) and, when it is safe, used as it is for the student's key:
the gradebook's student id and the folder names of the grading directory. Safe means: not
empty, at most `MAX_ID_BYTES` bytes of UTF-8, no path separator (`/`, `\\`), not `.` or
`..`, no leading dot, no leading or trailing white space, no control, format, surrogate,
private-use or unassigned characters, no line or paragraph separators, and not starting
with the prefix of derived keys. Any other id is refused with a reason; its result is
stored under a derived key `_invalid-<hash>` that is never the student's text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..common import printable, sha256
from ..reasons import Reason

MAX_ID_BYTES = 200  # a file name holds 255 bytes; `<key>.json` and temporary names need room
INVALID_PREFIX = "_invalid-"
REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Cs": "bytes that are not UTF-8",
    "Co": "a private-use character",
    "Cn": "an unassigned character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


@dataclass(frozen=True)
class StudentId:
    """A student id as found (`text`, NFC), its storage key, and why it was refused (None
    when it is usable: then `key == text`)."""

    text: str
    key: str
    problem: str | None = None

    @property
    def valid(self) -> bool:
        """Whether the id is used as it is."""
        return self.problem is None


def _problem(text: str) -> str | None:
    """Why `text` (NFC) cannot be a storage key, or None."""
    if not text.strip():
        return "it is empty"
    if len(text.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        return f"it is longer than {MAX_ID_BYTES} bytes"
    if "/" in text or "\\" in text:
        return "it holds a path separator"
    if text in (".", "..") or text.startswith("."):
        return "it starts with a dot"
    if text != text.strip():
        return "it starts or ends with white space"
    if text.startswith(INVALID_PREFIX):
        return f"it starts with {INVALID_PREFIX!r}, which the grader reserves"
    for char in text:
        category = unicodedata.category(char)
        if category in REFUSED_CATEGORIES:
            return f"it holds {REFUSED_CATEGORIES[category]} (U+{ord(char):04X})"
    return None


def student_id(name: str) -> StudentId:
    """The student id for `name` as found (see the module docstring)."""
    text = unicodedata.normalize("NFC", name)
    problem = _problem(text)
    if problem is None:
        return StudentId(text, text)
    digest = sha256(name.encode("utf-8", "surrogatepass"))[:16]
    message = f"'{printable(name)}' is not a usable student id: {problem}; rename it"
    return StudentId(text, f"{INVALID_PREFIX}{digest}", Reason.INVALID_ID(message))
