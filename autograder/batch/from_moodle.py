"""The `moodle` layout: the zip of Moodle's "Download all submissions".

Moodle names a student's files after `<Full Name>_<participant id>`: the full name run
through `clean_filename` (which drops `'`, `&`, `:`, `/` and the like) with `_` turned into
spaces, and the assignment's participant id (a group's name and id for group submissions),
then the submission plugin (`mod/assign/classes/downloader.php` from Moodle 4.1,
`assign::download_submissions` in `mod/assign/locallib.php` before):

    <Full Name>_<id>_assignsubmission_file/<file>        folders, Moodle 4.1 and later
    <Full Name>_<id>_assignsubmission_file_/<file>       folders, before 4.1
    <Full Name>_<id>_assignsubmission_file_<file>        flat ("Download submissions in
                                                          folders" off)

Like Moodle's own "upload multiple feedback files in a zip" (`assignfeedback_file_zip_importer`
in `mod/assign/feedback/file/importziplib.php`), a name is split at its first four `_`: full
name, participant id, plugin type, plugin name, the rest. The student id is the participant
id, the display name the full name. Files of other submission plugins (online text) are
part of the hand-in and ignored as extra files.
"""

from __future__ import annotations

import re
import unicodedata

from ..common import printable
from .from_folders import not_a_student
from .tree import HandIn, Reading, Tree

PREFIX = re.compile(
    r"^(?P<name>[^_]*)_(?P<id>[0-9]+)_(?P<type>assignsubmission)_(?P<plugin>[^_]+)(?:_(?P<rest>.*))?$"
)
FILE_PLUGIN = "file"


def recognizes(tree: Tree, lesson: str) -> bool:
    """Whether most top-level names are Moodle's."""
    tops = {e.parts[0] for e in tree.entries if not not_a_student(e.parts[0])}
    return 2 * sum(1 for t in tops if PREFIX.match(t)) > len(tops)


def read(tree: Tree, lesson: str) -> Reading:
    """One hand-in per participant id (see the module docstring)."""
    handins: dict[str, HandIn] = {}
    ignored: set[str] = set()
    for entry in tree.entries:
        top = entry.parts[0]
        match = PREFIX.match(top)
        folder = match is not None and not match["rest"]
        if match is None or (len(entry.parts) == 1 and not folder and entry.kind == "dir"):
            ignored.add(printable(top))
            continue
        if len(entry.parts) > 1 and not folder:
            ignored.add(printable(top))
            continue
        participant = match["id"]
        handin = handins.get(participant)
        if handin is None:
            handin = handins[participant] = HandIn(
                participant,
                origin=f"Moodle participant {participant}",
                name=unicodedata.normalize("NFC", match["name"]),
            )
        plugin = match["plugin"]
        if folder and (plugin == FILE_PLUGIN or "moodle_folder" not in handin.lms):
            handin.lms = {"moodle_folder": top}
        elif not folder and (plugin == FILE_PLUGIN or "moodle_prefix" not in handin.lms):
            handin.lms = {"moodle_prefix": top[: len(top) - len(match["rest"])]}
        if len(entry.parts) == 1 and folder:
            continue  # the folder itself
        name = "/".join(entry.parts[1:]) if folder else match["rest"]
        handin.add(name if plugin == FILE_PLUGIN else f"({plugin}) {name}", entry)
    ordered = sorted(handins, key=lambda p: (len(p), p))
    return Reading([handins[k] for k in ordered], sorted(ignored))
