"""Grades and feedback back into the LMS, in its own sheets: Canvas's gradebook export and
Moodle's grading worksheet.

Scores come from the report (`report.collect`, hence `scores.student_score`: manual grades
and extra credit included), scaled to the points the LMS column is worth, with at most six
decimals. A student in the sheet without a submission keeps the cell as it was (usually
empty); a `failed` submission keeps it too, and is listed, so that a crash never reaches
the LMS as a 0; a submission whose student has no row is listed, never dropped silently.

**Canvas** (`GradebookExporter` and `GradebookImporter` in Canvas's source): a header
`Student, ID, [SIS User ID,] SIS Login ID, [Integration ID, Root Account,] Section`, custom
columns, one column per assignment titled `<title> (<assignment id>)`, then read-only
totals; an optional row that marks assignments posted manually (`Muted`, `Manual Posting`);
a `Points Possible` row; one row per student, the ID column holding the Canvas user id.
A row is matched by ID, else SIS User ID, else SIS Login ID (as Canvas's importer does), so
grades collected under a login name also go in. The filled sheet keeps the student columns
and the lesson's column only: importing other assignments' columns from an old export could
overwrite grades given since.

**Moodle** (`assign_grading_table` in download mode and `assignfeedback_offline_grade_importer`):
`Identifier` (`Participant <id>`), `Full name`, identity fields, `Status`, `Grade`,
`Maximum Grade`, `Grade can be changed`, `Last modified (submission)`, `Last modified
(grade)`, `Feedback comments`. Moodle's import matches rows by the number in `Identifier`,
skips an empty grade or one over the maximum, and skips a row whose grade was changed in
Moodle after `Last modified (grade)`: that column is kept as it was. `Feedback comments`
gets one line: the score, the status and the reasons, never a hidden test.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..common import printable
from ..config import CourseError
from .report import Report, Student
from .sheets import Sheet, format_number, parse_number, read_sheet, write_sheet

CANVAS_IDENTITY = ("ID", "SIS User ID", "SIS Login ID")
CANVAS_TOTALS = re.compile(r"(Current|Final|Unposted|Override) (Score|Points|Grade|Status)")
CANVAS_ASSIGNMENT_ID = re.compile(r"\([0-9]+\)\s*$")
CANVAS_POSTING = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.IGNORECASE)
MOODLE_IDENTITY = ("ID number", "Email address", "Username")
MARK = "[autograder]"
MAX_REASON_CHARS = 160
MAX_COMMENT_CHARS = 600
STATUS_WORDS = {
    "graded": "graded automatically",
    "flagged": "graded automatically; a person will review it",
    "failed": "could not be graded automatically",
}


@dataclass
class Filled:
    """A filled sheet and what the instructor should know about it."""

    sheet: Sheet
    column: str
    points: float
    written: int = 0
    names: dict[str, str] = field(default_factory=dict)  # student id -> the sheet's name
    warnings: list[str] = field(default_factory=list)

    def lines(self, target: Path) -> list[str]:
        """What to print: the summary line, then the warnings."""
        return [
            f"wrote {target}: {self.written} score(s) in '{printable(self.column)}', "
            f"scaled to {format_number(self.points)} points",
            *(f"warning: {w}" for w in self.warnings),
        ]


def _people(students: list[Student]) -> str:
    """The first twenty students as `id (name)`, for a warning."""
    shown = []
    for s in students[:20]:
        who = printable(s["id"])
        shown.append(f"{who} ({printable(s['name'])})" if s["name"] != s["id"] else who)
    more = f" and {len(students) - 20} more" if len(students) > 20 else ""
    return ", ".join(shown) + more


def _common_warnings(
    filled: Filled,
    written: list[Student],
    unmatched: list[Student],
    failed: list[Student],
    where: str,
) -> None:
    """What the instructor must know: flagged scores written, failed ones kept, students
    without a row."""
    flagged = [s for s in written if s["status"] == "flagged"]
    if flagged:
        filled.warnings.append(
            f"{len(flagged)} flagged submission(s) were written: review them in the "
            f"formgrader before the grades are posted: {_people(flagged)}"
        )
    if failed:
        filled.warnings.append(
            f"{len(failed)} failed submission(s) keep their {where} as it was (fix them and "
            f"grade again, or grade them by hand): {_people(failed)}"
        )
    if unmatched:
        filled.warnings.append(
            f"{len(unmatched)} graded submission(s) have no row in {filled.sheet.path.name}: "
            f"{_people(unmatched)}"
        )


def _scaled(score: float, max_score: float, points: float) -> float:
    """A score out of `max_score`, as points out of `points`."""
    return score * points / max_score if max_score else 0.0


# Canvas


def _canvas_layout(sheet: Sheet) -> int:
    """The index of the `Section` column, after checking the header is Canvas's."""
    header = sheet.header
    first_last = header[:2] == ["LastName", "FirstName"]
    if len(header) < 4 or not (
        ("Student" in header[0] and "ID" in header[1]) or (first_last and "ID" in header[2])
    ):
        raise CourseError(
            f"{sheet.path} is not a Canvas gradebook export: expected a header starting "
            f"'Student, ID, SIS User ID, SIS Login ID, Section', got "
            f"'{printable(', '.join(header[:5]))}'"
        )
    section = sheet.find("Section")
    if section is None:
        raise CourseError(f"{sheet.path} has no 'Section' column: export the gradebook again")
    return section


def _canvas_special(row: list[str]) -> str | None:
    """ "points" for the Points Possible row, "posting" for the Muted / Manual Posting row,
    None for a student's row (the tests Canvas's importer makes)."""
    if "Points Possible" in row[0]:
        return "points"
    if any(c.strip() for c in row) and all(CANVAS_POSTING.match(c) for c in row):
        return "posting"
    return None


def _canvas_column(sheet: Sheet, section: int, lesson: str, column: str | None) -> int:
    """The index of `--column`, else of the one assignment column naming the lesson."""
    assignments = {
        i: title
        for i, title in enumerate(sheet.header)
        if i > section
        and title.strip()
        and (CANVAS_ASSIGNMENT_ID.search(title) or not CANVAS_TOTALS.search(title))
    }
    listing = "; ".join(f"'{printable(t)}'" for t in assignments.values()) or "none"
    if column is not None:
        found = [
            i
            for i, t in enumerate(sheet.header)
            if i > section and (t == column or t.strip() == column.strip())
        ]
        if not found:
            raise CourseError(
                f"no assignment column '{printable(column)}' in {sheet.path} "
                f"(its assignment columns: {listing})"
            )
        return found[0]
    found = [i for i, t in assignments.items() if lesson.lower() in t.lower()]
    if len(found) != 1:
        why = "no assignment column names" if not found else "several assignment columns name"
        raise CourseError(
            f"{why} the lesson {lesson} in {sheet.path}: choose one with --column "
            f"(its assignment columns: {listing})"
        )
    return found[0]


def _unquote(name: str) -> str:
    """Canvas writes a name starting with `=` as `="..."`, so that Excel shows it as text."""
    return name[2:-1] if name.startswith('="') and name.endswith('"') else name


def read_canvas(
    path: Path, lesson: str, column: str | None = None
) -> tuple[Sheet, int, int, float]:
    """The gradebook export, the index of its `Section` column and of the lesson's column,
    and the lesson's points possible."""
    sheet = read_sheet(path, "a Canvas gradebook export")
    section = _canvas_layout(sheet)
    index = _canvas_column(sheet, section, lesson, column)
    title = sheet.header[index]
    points_rows = [r for r in sheet.rows if _canvas_special(r) == "points"]
    if not points_rows:
        raise CourseError(f"{path} has no 'Points Possible' row: export the gradebook again")
    cell = points_rows[0][index]
    if "read only" in cell.lower():
        raise CourseError(f"the column '{printable(title)}' of {path} is read only in Canvas")
    points = parse_number(cell)
    if points is None or points <= 0:
        raise CourseError(
            f"the column '{printable(title)}' of {path} is worth '{printable(cell)}' points: "
            "give the assignment its points possible in Canvas and export again"
        )
    return sheet, section, index, points


def canvas_scores(path: Path, lesson: str, column: str | None = None) -> dict[str, str]:
    """Each student row's cell in the lesson's column, by Canvas user id (the round trip)."""
    sheet, _, index, _ = read_canvas(path, lesson, column)
    ids = sheet.find("ID")
    assert ids is not None
    return {r[ids]: r[index] for r in sheet.rows if _canvas_special(r) is None}


def _match(
    report: Report, rows_by: dict[str, int], sheet: Sheet
) -> tuple[list[tuple[Student, list[str]]], list[Student]]:
    """The report's students with their sheet row (by id), and those the sheet lacks."""
    matched: list[tuple[Student, list[str]]] = []
    unmatched: list[Student] = []
    for student in report["students"]:
        at = rows_by.get(student["id"])
        if at is None:
            unmatched.append(student)
        else:
            matched.append((student, sheet.rows[at]))
    return matched, unmatched


def fill_canvas(report: Report, path: Path, column: str | None = None) -> Filled:
    """The Canvas gradebook export with the lesson's column filled (see the module docstring)."""
    sheet, section, index, points = read_canvas(path, report["lesson"], column)
    keep = [*range(section + 1), index]
    first_last = sheet.header[:2] == ["LastName", "FirstName"]
    keys = [i for n in CANVAS_IDENTITY if (i := sheet.find(n)) is not None]
    filled = Filled(sheet, sheet.header[index], points)
    rows_by: dict[str, int] = {}
    for key_column in keys:  # ID first, then SIS User ID, SIS Login ID
        for number, row in enumerate(sheet.rows):
            value = row[key_column].strip()
            if value and _canvas_special(row) is None:
                rows_by.setdefault(value, number)
    written: list[Student] = []
    failed: list[Student] = []
    matched, unmatched = _match(report, rows_by, sheet)
    for student, row in matched:
        name = f"{row[1]} {row[0]}".strip() if first_last else _unquote(row[0])
        filled.names[student["id"]] = name
        if student["status"] == "failed":
            failed.append({**student, "name": name})
            continue
        row[index] = format_number(_scaled(student["score"], student["max_score"], points))
        written.append({**student, "name": name})
    filled.written = len(written)
    _common_warnings(filled, written, unmatched, failed, "cell")
    sheet.header = [sheet.header[i] for i in keep]
    sheet.rows = [[row[i] for i in keep] for row in sheet.rows]
    return filled


# Moodle


def _moodle_columns(sheet: Sheet) -> dict[str, int | None]:
    """The worksheet's columns by role, after checking those Moodle's import needs."""
    columns = {
        "id": sheet.find("Identifier"),
        "grade": sheet.find("Grade"),
        "max": sheet.find("Maximum Grade"),
        "modified": sheet.find("Last modified (grade)"),
        "feedback": sheet.find("Feedback comments"),
        "name": sheet.find("Full name"),
    }
    missing = [n for n, k in (("Identifier", "id"), ("Grade", "grade")) if columns[k] is None]
    if columns["modified"] is None:
        missing.append("Last modified (grade)")
    if missing:
        raise CourseError(
            f"{sheet.path} is not a Moodle grading worksheet (downloaded in English): no "
            f"{', '.join(missing)} column (expected Identifier, Full name, ..., Grade, Maximum "
            "Grade, ..., Last modified (grade), Feedback comments)"
        )
    if columns["max"] is None:
        if sheet.find("Scale") is not None:
            raise CourseError(
                f"the assignment of {sheet.path} is graded on a scale: set it to points "
                "(Grade type: Point) to import scores"
            )
        raise CourseError(f"{sheet.path} has no 'Maximum Grade' column")
    return columns


def _participant(identifier: str) -> str | None:
    """The participant id in `Participant 123` (in any language: the number at the end)."""
    match = re.search(r"([0-9]+)\s*$", identifier)
    return match.group(1) if match else None


def moodle_scores(path: Path) -> dict[str, tuple[str, str]]:
    """Each row's `Grade` and `Feedback comments`, by participant id (the round trip)."""
    sheet = read_sheet(path, "a Moodle grading worksheet")
    columns = _moodle_columns(sheet)
    ident, grade, feedback = columns["id"], columns["grade"], columns["feedback"]
    assert ident is not None and grade is not None
    found = {}
    for row in sheet.rows:
        participant = _participant(row[ident])
        if participant is not None:
            found[participant] = (row[grade], row[feedback] if feedback is not None else "")
    return found


def _comment(student: Student, secrets: list[str]) -> str:
    """One short line for `Feedback comments`: score, status, reasons (never a hidden test)."""
    head = (
        f"{MARK} {format_number(student['score'])} / {format_number(student['max_score'])}: "
        f"{STATUS_WORDS.get(student['status'], student['status'])}"
        + ("; submitted late" if student.get("late") else "")
        + "."
    )
    reasons = [
        r if len(r) <= MAX_REASON_CHARS else r[: MAX_REASON_CHARS - 1] + "…"
        for r in student["reasons"]
    ]
    line = f"{head} {'; '.join(reasons)}" if reasons else head
    if any(secret in line for secret in secrets):
        line = head
    if len(line) > MAX_COMMENT_CHARS:
        line = line[: MAX_COMMENT_CHARS - 1] + "…"
    return f"<p>{html.escape(printable(line))}</p>"


def _merged(existing: str, ours: str) -> str:
    """Our paragraph replaces our earlier one; what a person wrote is kept."""
    kept = re.sub(rf"<p>{re.escape(MARK)}.*?</p>", "", existing, flags=re.DOTALL).strip()
    return f"{kept}{ours}" if kept else ours


def fill_moodle(report: Report, path: Path, secrets: list[str]) -> Filled:
    """The Moodle grading worksheet with `Grade` and `Feedback comments` filled (see the
    module docstring). `secrets`: the lesson's hidden-test lines, never written."""
    sheet = read_sheet(path, "a Moodle grading worksheet")
    columns = _moodle_columns(sheet)
    ident, grade, top = columns["id"], columns["grade"], columns["max"]
    feedback, name_column = columns["feedback"], columns["name"]
    assert ident is not None and grade is not None and top is not None
    maxima = {parse_number(r[top]) for r in sheet.rows} - {None}
    points = max((m for m in maxima if m is not None), default=0.0)
    if points <= 0:
        raise CourseError(f"{path} gives no 'Maximum Grade': set the assignment's maximum grade")
    filled = Filled(sheet, sheet.header[grade], points)
    if feedback is None:
        filled.warnings.append(
            f"{path.name} has no 'Feedback comments' column (enable feedback comments in the "
            "assignment's settings): grades only"
        )
    rows_by: dict[str, int] = {}
    for number, row in enumerate(sheet.rows):
        participant = _participant(row[ident])
        if participant is not None:
            rows_by.setdefault(participant, number)
        for label in MOODLE_IDENTITY:
            column = sheet.find(label)
            if column is not None and row[column].strip():
                rows_by.setdefault(row[column].strip(), number)
    written: list[Student] = []
    failed: list[Student] = []
    over: list[Student] = []
    matched, unmatched = _match(report, rows_by, sheet)
    for student, row in matched:
        if name_column is not None and row[name_column].strip():
            filled.names[student["id"]] = row[name_column].strip()
        maximum = parse_number(row[top]) or points
        if feedback is not None:
            row[feedback] = _merged(row[feedback], _comment(student, secrets))
        if student["status"] == "failed":
            failed.append(student)
            continue
        value = _scaled(student["score"], student["max_score"], maximum)
        if value > maximum:
            over.append(student)
        row[grade] = format_number(value)
        written.append({**student, "name": filled.names.get(student["id"], student["name"])})
    filled.written = len(written)
    _common_warnings(filled, written, unmatched, failed, "grade (their comment says why)")
    if over:
        filled.warnings.append(
            f"{len(over)} score(s) are over the maximum grade (extra credit), which Moodle's "
            f"import skips: {_people(over)}"
        )
    return filled


def write_filled(filled: Filled, target: Path) -> None:
    """Write the filled sheet (atomically, in the sheet's own CSV dialect)."""
    write_sheet(filled.sheet, target)
