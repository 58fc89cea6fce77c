"""`feedback LESSON --zip OUT.zip`: the feedback pages, packed as the LMS takes them back.

- **Moodle** ("Upload multiple feedback files in a zip"; `assignfeedback_file_zip_importer`
  in `mod/assign/feedback/file/importziplib.php`): Moodle finds the participant id in the
  name the student's files were downloaded under, so each page goes in that same folder
  (`<Full Name>_<id>_assignsubmission_file/<LESSON>.html`, with the trailing `_` of Moodle
  before 4.1 when the download had it), or under the same prefix for a flat download.
- **Canvas** has no bulk import of feedback files: "Re-upload Submissions" attaches each
  file under the name of the student's submitted file (`Assignment#generate_comments_from_files`),
  so an HTML page would show as `<LESSON>.ipynb`. One folder per Canvas user id,
  `<user id>/<LESSON>.html`, to attach by hand or through Canvas's API.
- **folders** and **nbgrader**: `<student id>/<LESSON>.html`.

A student whose id was refused has no folder the LMS knows: left out, and listed.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..batch.store import CourseDir, atomic_write
from ..common import printable
from ..schema import Result


def archive_name(result: Result, lesson: str) -> str | None:
    """Where a student's page goes in the zip (see the module docstring), or None."""
    lms = result.get("lms") or {}
    page = f"{lesson}.html"
    if "moodle_folder" in lms:
        return f"{lms['moodle_folder']}/{page}"
    if "moodle_prefix" in lms:
        return f"{lms['moodle_prefix']}{page}"
    if "canvas_user" in lms:
        return f"{lms['canvas_user']}/{page}"
    if result.get("valid_id"):
        return f"{result['key']}/{page}"
    return None


def pack_feedback(lesson: str, grading: CourseDir, target: Path) -> tuple[int, list[str]]:
    """Write the zip of every student's feedback page; return how many were packed and
    which students were left out, and why."""
    buffer = io.BytesIO()
    packed, left_out = 0, []
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for result in grading.read_results(lesson):
            who = printable(result["student"])
            name = archive_name(result, lesson)
            page = grading.feedback(result["key"], lesson)
            if name is None:
                left_out.append(f"{who}: the student id was refused (see the report)")
            elif not page.is_file():
                left_out.append(f"{who}: no feedback page (run `feedback {lesson}` first)")
            elif name in seen:
                left_out.append(f"{who}: a second page for {printable(name)}")
            else:
                seen.add(name)
                archive.writestr(name, page.read_bytes())
                packed += 1
    atomic_write(target, buffer.getvalue())
    return packed, left_out
