"""`python -m autograder report`: scores, statuses and reasons for a lesson, in several forms.

Per student: id, name (the LMS's display name; the id when there is none), score, maximum,
status (`graded`, `failed`, `flagged`), whether it was late (true, false, null: not known),
reasons and the score of each test cell. Scores come from `scores.student_score`: the
automatic score, with what a person gave in the formgrader (manual grades, extra credit) on
top.

The forms (`FORMATS`, by name):

- `text`: a plain table, printed when no other form is asked for;
- `json`: `{"lesson", "students": [{"id", "name", "score", "max_score", "status", "late",
  "reasons", "tests": {grade_id: {"score", "max_score"}}}]}`, printed with `--json`;
- `csv`: one row per student, with status and reasons, so a crash never reads as a plain 0
  (`--csv FILE`); UTF-8 with a byte order mark, so that Excel shows every name;
- `html`: a page with a score histogram, the failure rate of each test and, from the command
  line, the similar answers of `similarity.py` (`--html FILE`).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..batch.package import load_package
from ..batch.store import CourseDir, atomic_write
from ..common import printable
from ..config import Course
from ..rendering import render
from .scores import NO_MARKS, read_marks, student_score
from .similarity import SECTION, Similarity, html_pairs

Report = dict[str, t.Any]
Student = dict[str, t.Any]  # one entry of a report's `students`


def collect(lesson: str, grading: CourseDir, course: Course) -> Report:
    """The report's data: `{"lesson", "students": [...]}` (see the module docstring)."""
    package = load_package(grading, lesson, course)
    marks = read_marks(grading, lesson)
    students: list[Student] = []
    for result in grading.read_results(lesson):
        own = marks.get(result["key"], NO_MARKS) if result.get("valid_id") else NO_MARKS
        score = student_score(result, own)
        students.append(
            {
                "id": result["student"],
                "name": result.get("name") or result["student"],
                "score": score.total,
                "max_score": float(package["max_score"]),
                "status": result["status"],
                "late": result.get("late"),
                "reasons": list(result["reasons"]),
                "tests": {
                    grade_id: {"score": cell.score, "max_score": cell.max_score}
                    for grade_id, cell in score.tests.items()
                },
            }
        )
    students.sort(key=lambda s: s["id"])
    return {"lesson": lesson, "students": students}


def _safe_cell(value: t.Any) -> t.Any:
    """Keep spreadsheet programs from reading a text cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _late(late: bool | None) -> str:
    """`yes`, `no`, or empty when not known."""
    return "" if late is None else "yes" if late else "no"


def to_csv(data: Report) -> str:
    """The report as CSV: id, name, status, score, max_score, late, reasons, then one column
    per test."""
    tests = sorted({g for s in data["students"] for g in s["tests"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "name", "status", "score", "max_score", "late", "reasons", *tests])
    for student in data["students"]:
        writer.writerow(
            [
                _safe_cell(v)
                for v in (
                    student["id"],
                    student["name"],
                    student["status"],
                    student["score"],
                    student["max_score"],
                    _late(student["late"]),
                    " | ".join(student["reasons"]),
                )
            ]
            + [student["tests"].get(g, {}).get("score", "") for g in tests]
        )
    return out.getvalue()


def to_text(data: Report) -> str:
    """A plain table for the terminal."""
    lines = [f"{data['lesson']}: {len(data['students'])} student(s)"]
    for student in data["students"]:
        shown = printable(student["id"])
        if student["name"] != student["id"]:
            shown += f" ({printable(student['name'])})"
        lines.append(
            f"{shown:24} {student['status']:8} {student['score']:6g} / "
            f"{student['max_score']:g}"
            + (f"  {student['reasons'][0]}" if student["reasons"] else "")
        )
    return "\n".join(lines)


def to_json(data: Report) -> str:
    """The JSON form (see the module docstring)."""
    return json.dumps(data, indent=1, ensure_ascii=False)


def failure_rates(data: Report) -> dict[str, float]:
    """Per test: the share of students who did not get its full points."""
    rates = {}
    tests = sorted({g for s in data["students"] for g in s["tests"]})
    for grade_id in tests:
        entries = [s["tests"][grade_id] for s in data["students"] if grade_id in s["tests"]]
        failed = sum(1 for e in entries if e["score"] < e["max_score"])
        rates[grade_id] = failed / len(entries) if entries else 0.0
    return rates


def _figure_png(data: Report, rates: dict[str, float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    scores = [s["score"] for s in data["students"]]
    top = max([s["max_score"] for s in data["students"]] + [1.0])
    left.hist(scores, bins=min(20, max(5, len(scores))), range=(0, top), color="#3b73b9")
    left.set_xlabel("score")
    left.set_ylabel("students")
    left.set_title("Score distribution")
    names = list(rates)
    right.barh(names, [100 * rates[n] for n in names], color="#d2413a")
    right.set_xlim(0, 100)
    right.set_xlabel("% of students not getting full points")
    right.set_title("Failure rate per test")
    right.invert_yaxis()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def to_html(data: Report) -> str:
    """A self-contained page: counts, histogram, failure rates, one row per student, and the
    "Similar answers" section when `data["similar"]` holds the copy check (`similarity.py`;
    the command line adds it for this form only)."""
    rates = failure_rates(data)
    similar: Similarity | None = data.get("similar")
    counts = {
        status: sum(1 for s in data["students"] if s["status"] == status)
        for status in ("graded", "failed", "flagged")
    }
    return render(
        "autograder.outputs",
        "report.html.j2",
        lesson=data["lesson"],
        students=data["students"],
        counts=counts,
        rates=rates,
        png=_figure_png(data, rates),
        similarity=similar.report() if similar else None,
        pairs=html_pairs(similar) if similar else [],
        section=SECTION,
    )


@dataclass(frozen=True)
class Format:
    """One form of the report: how to render it, what it is, and the encoding of its file."""

    render: Callable[[Report], str]
    description: str
    encoding: str = "utf-8"


FORMATS: dict[str, Format] = {
    "text": Format(to_text, "a plain table"),
    "json": Format(to_json, "the report as JSON"),
    "csv": Format(
        to_csv, "one row per student: name, status, score, late, reasons, each test", "utf-8-sig"
    ),
    "html": Format(to_html, "a page with a score histogram and each test's failure rate"),
}


def write_report(data: Report, targets: dict[str, Path]) -> None:
    """Write the report in each named form to its file (atomically)."""
    for name, path in targets.items():
        form = FORMATS[name]
        atomic_write(path, form.render(data).encode(form.encoding))
