"""What Canvas, Moodle and nbgrader hand an instructor, built as they build it.

Each builder follows the LMS's own code, cited in its docstring, so that the grader is
tested on the files an instructor really downloads. Names cover Chinese, accents, spaces,
apostrophes, hyphens and hostile text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Canvas


@dataclass
class CanvasUpload:
    """One file a student attached to a Canvas submission."""

    sortable_name: str  # Canvas's "Last, First"
    user_id: int
    attachment_id: int | None  # None: a text entry (`<name>_<user id>_text.html`)
    display_name: str  # the file's name in Canvas (`-1` added on a re-upload)
    data: bytes
    late: bool = False


def canvas_user_name(sortable_name: str) -> str:
    """`ContentZipper#sanitize_user_name` then `#sanitize_file_name` (instructure/canvas-lms,
    lib/content_zipper.rb): `_<digits>_` loses its underscores, the name is lowercased and
    everything but word characters (Ruby's `[[:word:]]`: letters, marks, digits, `_`; Python's
    `\\w` on these NFC names) is removed."""
    name = re.sub(r"_(\d+)_", r"\1", sortable_name).lower()
    return re.sub(r"[^\w]", "", name)


def canvas_file_name(upload: CanvasUpload, uppercase_late: bool = True) -> str:
    """`ContentZipper#get_filename` and `#add_upload_submission`: `<name>_[LATE_]<user id>`,
    then `_<attachment id>_<display name>` (`/\\:*?"<>|` and NUL in it become `_`); an
    empty name (no letter or digit) still leaves its `_` (`compact` drops nil only). Older
    Canvas lowercased the whole name (`sanitize_file_name(...).downcase`), so its late mark
    is `late_`; a text entry is `<prefix>_text.html` (`#add_text_or_url`)."""
    late = ["LATE" if uppercase_late else "late"] if upload.late else []
    prefix = "_".join([canvas_user_name(upload.sortable_name), *late, str(upload.user_id)])
    if upload.attachment_id is None:
        return f"{prefix}_text.html"
    display = re.sub(r'[\x00/\\:*?"<>|]+', "_", upload.display_name)
    return f"{prefix}_{upload.attachment_id}_{display}"


def canvas_zip(
    path: Path,
    uploads: Iterable[CanvasUpload],
    extra: dict[str, bytes] | None = None,
    uppercase_late: bool = True,
) -> Path:
    """The zip of "Download Submissions": flat, one entry per uploaded file
    (`ContentZipper#zip_assignment`), plus `extra` entries as given (hostile ones)."""
    with zipfile.ZipFile(path, "w") as archive:
        for upload in uploads:
            archive.writestr(canvas_file_name(upload, uppercase_late), upload.data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


@dataclass
class CanvasStudent:
    """One row of Canvas's gradebook export."""

    sortable_name: str
    user_id: int
    sis_user_id: str = ""
    login: str = ""
    section: str = "Section 1"
    scores: tuple[str, ...] = ()


def canvas_gradebook(
    path: Path,
    students: Iterable[CanvasStudent],
    assignments: list[tuple[str, int, float]],
    manual_posting: Iterable[int] = (),
    delimiter: str = ",",
    bom: bool = False,
    decimal: str = ".",
) -> Path:
    """Canvas's gradebook export (`GradebookExporter#csv_data`, instructure/canvas-lms,
    lib/gradebook_exporter.rb): header `Student, ID, SIS User ID, SIS Login ID, Section`,
    one `<title> (<id>)` column per assignment, then the read-only totals; a `Manual
    Posting` row when an assignment is posted manually; the `    Points Possible` row
    (totals `(read only)`); one row per student, a name starting with `=` written as
    `="..."`, the test student (`Student, Test`) last. `delimiter=";"` with `decimal=","` is
    the export of a course whose language writes decimal commas; `bom`: the byte order mark
    Canvas adds when the user asks for it (`CSVWithI18n`)."""
    totals = [
        "Assignments Current Points",
        "Assignments Final Points",
        "Assignments Current Score",
        "Assignments Unposted Current Score",
        "Assignments Final Score",
        "Assignments Unposted Final Score",
        "Current Points",
        "Final Points",
        "Current Score",
        "Unposted Current Score",
        "Final Score",
        "Unposted Final Score",
    ]
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    header += [f"{title} ({number})" for title, number, _ in assignments] + totals
    rows = [header]
    posted = set(manual_posting)
    if posted:
        rows.append(
            ["", "", "", "", ""]
            + ["Manual Posting" if number in posted else "" for _, number, _ in assignments]
            + [""] * len(totals)
        )
    points = [f"{p:.2f}".replace(".", decimal) for _, _, p in assignments]
    rows.append(["    Points Possible", "", "", "", "", *points] + ["(read only)"] * len(totals))
    for student in students:
        name = student.sortable_name
        name = f'="{name}"' if name.lstrip().startswith("=") else name
        scores = list(student.scores) + [""] * (len(assignments) - len(student.scores))
        rows.append(
            [name, str(student.user_id), student.sis_user_id, student.login, student.section]
            + scores
            + ["0.00"] * len(totals)
        )
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig" if bom else "utf-8"))
    return path


# Moodle


def moodle_clean_name(full_name: str) -> str:
    """The prefix of a student's files: `str_replace('_', ' ', fullname)`, then
    `clean_filename` (`clean_param(PARAM_FILE)`, lib/moodlelib.php: drops control
    characters and ``&<>"`|':\\/``)."""
    name = full_name.replace("_", " ")
    return re.sub(r"[\x00-\x1f\x7f&<>\"`|':\\/]", "", name)


def moodle_zip(
    path: Path,
    students: dict[int, tuple[str, dict[str, bytes]]],
    style: str = "folders",
    online_text: dict[int, str] | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """The zip of "Download all submissions" for participant id -> (full name, files).

    `style`: `folders` (Moodle 4.1+, `mod_assign\\downloader::load_submissionplugin_filelist`:
    `<prefix>_assignsubmission_file/<path>`), `folders-old` (before 4.1,
    `assign::download_submissions` in mod/assign/locallib.php: the same folder with a
    trailing `_`), `flat` ("Download submissions in folders" off:
    `<prefix>_assignsubmission_file_<file>`). `online_text`: an online text submission,
    `onlinetext.html` in its own plugin folder. `extra`: entries as given (hostile ones)."""
    with zipfile.ZipFile(path, "w") as archive:
        for participant, (full_name, files) in students.items():
            prefix = f"{moodle_clean_name(full_name)}_{participant}"
            for name, data in files.items():
                if style == "flat":
                    archive.writestr(f"{prefix}_assignsubmission_file_{name}", data)
                else:
                    trail = "_" if style == "folders-old" else ""
                    archive.writestr(f"{prefix}_assignsubmission_file{trail}/{name}", data)
            if online_text and participant in online_text:
                folder = f"{prefix}_assignsubmission_onlinetext_"
                archive.writestr(f"{folder}/onlinetext.html", online_text[participant])
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


@dataclass
class MoodleRow:
    """One row of Moodle's grading worksheet."""

    participant: int
    full_name: str
    email: str
    grade: str = ""
    feedback: str = ""
    status: str = "Submitted for grading"


def moodle_worksheet(path: Path, rows: Iterable[MoodleRow], maximum: str = "100.00") -> Path:
    """Moodle's "Download grading worksheet" (`assign_grading_table` in download mode,
    mod/assign/gradingtable.php, with English strings from mod/assign/lang/en/assign.php):
    `Identifier` (`Participant <uniqueid>`), `Full name`, the identity fields (`Email
    address`), `Status`, `Grade`, `Maximum Grade`, `Grade can be changed`, `Last modified
    (submission)`, `Last modified (grade)`, then each feedback plugin's editor field
    (`Feedback comments`)."""
    header = [
        "Identifier",
        "Full name",
        "Email address",
        "Status",
        "Grade",
        "Maximum Grade",
        "Grade can be changed",
        "Last modified (submission)",
        "Last modified (grade)",
        "Feedback comments",
    ]
    lines = [header]
    for row in rows:
        lines.append(
            [
                f"Participant {row.participant}",
                row.full_name,
                row.email,
                row.status,
                row.grade,
                maximum,
                "Yes",
                "Friday, 14 March 2025, 9:12 PM",
                "-",
                row.feedback,
            ]
        )
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


# nbgrader


def nbgrader_submitted(
    root: Path, lesson: str, students: dict[str, tuple[bytes, str]], others: dict[str, str]
) -> Path:
    """A course's `submitted/` after `nbgrader collect` (nbgrader's `CourseDirectory`
    `directory_structure` `{nbgrader_step}/{student_id}/{assignment_id}`, and
    `timestamp.txt` as `ExchangeSubmit` writes it with `timestamp_format`
    `%Y-%m-%d %H:%M:%S.%f %Z`). `students`: id -> (notebook, timestamp); `others`: id ->
    another lesson they submitted instead."""
    submitted = root / "submitted"
    for student, (data, stamp) in students.items():
        folder = submitted / student / lesson
        folder.mkdir(parents=True)
        (folder / f"{lesson}.ipynb").write_bytes(data)
        (folder / "timestamp.txt").write_text(stamp)
    for student, other in others.items():
        folder = submitted / student / other
        folder.mkdir(parents=True)
        (folder / f"{other}.ipynb").write_text("{}")
        (folder / "timestamp.txt").write_text("2025-03-01 10:00:00.000000 UTC")
    return root
