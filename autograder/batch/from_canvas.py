"""The `canvas` layout: the zip of Canvas's "Download Submissions".

Canvas writes one flat file per uploaded file (`ContentZipper#add_upload_submission` and
`#get_filename` in Canvas's `lib/content_zipper.rb`):

    <name>_<user id>_<attachment id>_<file name>         on time
    <name>_LATE_<user id>_<attachment id>_<file name>    late (`late_` in older Canvas)
    <name>_<user id>_text.html, <name>_<user id>_link.html   a text or URL submission

`<name>` is the student's sortable name ("Last, First"), lowercased, with everything that is
not a letter, digit or `_` removed (Chinese and accents stay); `<file name>` is the file's
display name, to which Canvas adds `-1`, `-2` when the student re-uploads a file of the same
name, and is empty for a name with no letter or digit. Like Canvas's own "Re-upload
Submissions" parser (`Assignment#infer_comment_context_from_filename`), the first two
numeric parts (here: adjacent) are the user id and the attachment id; so, for Canvas as
here, a name that still ends in `_<digits>` after sanitizing is misread. Anonymous grading
writes `anon_<anonymous id>` instead of name and user id. The student id is the Canvas
user id; the display name is the one in the file name until the Canvas gradebook gives a
better one. Files in folders, and names that do not parse, are not submissions.
"""

from __future__ import annotations

import re
import unicodedata

from ..common import printable
from .from_folders import not_a_student
from .tree import HandIn, Reading, Tree

LATE = r"(?:(?P<late>[Ll][Aa][Tt][Ee])_)?"
UPLOAD = re.compile(rf"^(?P<name>.*?)_{LATE}(?P<user>[0-9]+)_(?P<attachment>[0-9]+)_(?P<file>.+)$")
ANONYMOUS = re.compile(
    rf"^{LATE}(?P<user>anon_(?![0-9]+_)[A-Za-z0-9]+)_(?P<attachment>[0-9]+)_(?P<file>.+)$"
)
TEXT = re.compile(rf"^(?P<name>.*?)_{LATE}(?P<user>[0-9]+)_(?P<file>(?:text|link)\.html)$")


def parse(filename: str) -> re.Match[str] | None:
    """The parts of one file name of the zip, or None."""
    return ANONYMOUS.match(filename) or UPLOAD.match(filename) or TEXT.match(filename)


def recognizes(tree: Tree, lesson: str) -> bool:
    """Whether most top-level names are files named the way Canvas names them."""
    tops = {e.parts[0]: e for e in tree.entries if not not_a_student(e.parts[0])}
    canvas = [n for n, e in tops.items() if len(e.parts) == 1 and e.kind != "dir" and parse(n)]
    return 2 * len(canvas) > len(tops)


def read(tree: Tree, lesson: str) -> Reading:
    """One hand-in per Canvas user id (see the module docstring)."""
    handins: dict[str, HandIn] = {}
    ignored: set[str] = set()
    for entry in tree.entries:
        match = parse(entry.parts[0]) if len(entry.parts) == 1 and entry.kind != "dir" else None
        if match is None:
            if entry.kind != "dir":
                ignored.add(printable(entry.name))
            continue
        user = match["user"]
        handin = handins.get(user)
        if handin is None:
            handin = handins[user] = HandIn(
                user, origin=f"Canvas user {user}", late=False, lms={"canvas_user": user}
            )
        if handin.name is None and match.groupdict().get("name"):
            handin.name = unicodedata.normalize("NFC", match["name"])
        handin.late = bool(handin.late or match["late"])
        name = match["file"]
        if name in handin.files and match.groupdict().get("attachment"):
            name = f"{match['attachment']}_{name}"  # two uploads with one name
        handin.add(name, entry)
    return Reading([handins[k] for k in sorted(handins, key=_order)], sorted(ignored))


def _order(user: str) -> tuple[int, str]:
    """Numeric order for user ids (however long), anonymous ids after them."""
    return (len(user), user) if user.isdigit() else (10**9, user)
