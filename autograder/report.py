"""`python -m autograder report`: scores, statuses and reasons for a lesson, in four forms.

Per student: id, score, maximum, status (`graded`, `failed`, `flagged`), reasons and the
score of each test cell. The score is the automatic one plus what a person gave in the
formgrader (manual grades from the gradebook replace automatic ones cell by cell).

- `--json`: `{"lesson", "students": [{"id", "score", "max_score", "status", "reasons",
  "tests": {grade_id: {"score", "max_score"}}}]}` on stdout;
- `--csv FILE`: one row per student, with status and reasons, so a crash never reads as a
  plain 0;
- `--html FILE`: a page with a score histogram and the failure rate of each test;
- no option: a plain table on stdout.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import typing as t
from pathlib import Path

from .course import ROOT
from .grade import DEFAULT_COURSE_DIR
from .gradebook import open_gradebook
from .package import load_package
from .store import CourseDir, atomic_write


def _manual_scores(course: CourseDir, lesson: str) -> dict[str, dict[str, float]]:
    """Per student key, per cell: scores a person gave in the formgrader."""
    found: dict[str, dict[str, float]] = {}
    with open_gradebook(course.db_url) as gradebook:
        for notebook in gradebook.notebook_submissions(lesson, lesson):
            student = notebook.student.id
            for grade in notebook.grades:
                if grade.manual_score is not None:
                    found.setdefault(student, {})[grade.cell.name] = float(grade.manual_score)
    return found


def collect(lesson: str, course_dir: Path = DEFAULT_COURSE_DIR, root: Path = ROOT
            ) -> dict[str, t.Any]:
    """The report's data: `{"lesson", "students": [...]}` (see the module docstring)."""
    course = CourseDir(course_dir)
    package = load_package(course, lesson, root)
    manual = _manual_scores(course, lesson) if course.gradebook.is_file() else {}
    students = []
    for result in course.read_results(lesson):
        given = manual.get(result["key"], {}) if result.get("valid_id") else {}
        tests = {
            grade_id: {"score": given.get(grade_id, test["score"]), "max_score": test["max_score"]}
            for grade_id, test in sorted(result["tests"].items())
        }
        manual_total = sum(
            given.get(grade_id, entry.get("auto_score") or 0.0)
            for grade_id, entry in result.get("manual", {}).items()
        )
        students.append(
            {
                "id": result["student"],
                "score": round(sum(t["score"] for t in tests.values()) + manual_total, 6),
                "max_score": float(package["max_score"]),
                "status": result["status"],
                "reasons": list(result["reasons"]),
                "tests": tests,
            }
        )
    students.sort(key=lambda s: s["id"])
    return {"lesson": lesson, "students": students}


def _safe_cell(value: t.Any) -> t.Any:
    """Keep spreadsheet programs from reading a text cell as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(data: dict[str, t.Any]) -> str:
    """The report as CSV: id, status, score, max_score, reasons, then one column per test."""
    tests = sorted({g for s in data["students"] for g in s["tests"]})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "status", "score", "max_score", "reasons", *tests])
    for student in data["students"]:
        writer.writerow(
            [_safe_cell(v) for v in (
                student["id"], student["status"], student["score"], student["max_score"],
                " | ".join(student["reasons"]),
            )]
            + [student["tests"].get(g, {}).get("score", "") for g in tests]
        )
    return out.getvalue()


def to_text(data: dict[str, t.Any]) -> str:
    """A plain table for the terminal."""
    lines = [f"{data['lesson']}: {len(data['students'])} student(s)"]
    for student in data["students"]:
        name = student["id"].encode("unicode_escape").decode("ascii")
        lines.append(
            f"{name:24} {student['status']:8} {student['score']:6g} / {student['max_score']:g}"
            + (f"  {student['reasons'][0]}" if student["reasons"] else "")
        )
    return "\n".join(lines)


def failure_rates(data: dict[str, t.Any]) -> dict[str, float]:
    """Per test: the share of students who did not get its full points."""
    rates = {}
    tests = sorted({g for s in data["students"] for g in s["tests"]})
    for grade_id in tests:
        entries = [s["tests"][grade_id] for s in data["students"] if grade_id in s["tests"]]
        failed = sum(1 for e in entries if e["score"] < e["max_score"])
        rates[grade_id] = failed / len(entries) if entries else 0.0
    return rates


def _figure_png(data: dict[str, t.Any], rates: dict[str, float]) -> str:
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


def to_html(data: dict[str, t.Any]) -> str:
    """A self-contained page: counts, histogram, failure rates, one row per student."""
    rates = failure_rates(data)
    counts = {s: sum(1 for x in data["students"] if x["status"] == s)
              for s in ("graded", "failed", "flagged")}
    esc = html.escape
    rows = "".join(
        f"<tr class='{esc(s['status'])}'><td>{esc(s['id'])}</td><td>{esc(s['status'])}</td>"
        f"<td>{s['score']:g} / {s['max_score']:g}</td>"
        f"<td><ul>{''.join(f'<li>{esc(r)}</li>' for r in s['reasons'])}</ul></td></tr>"
        for s in data["students"]
    )
    rate_rows = "".join(
        f"<tr><td>{esc(g)}</td><td>{100 * r:.0f}%</td></tr>" for g, r in rates.items()
    )
    png = _figure_png(data, rates)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Report: {esc(data['lesson'])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}
tr.failed td{{background:#fde8e8}}tr.flagged td{{background:#fff4d6}}ul{{margin:0}}</style>
</head><body>
<h1>{esc(data['lesson'])}</h1>
<p>{len(data['students'])} students: {counts['graded']} graded, {counts['failed']} failed,
{counts['flagged']} flagged for review.</p>
<img alt="score histogram and failure rate per test" src="data:image/png;base64,{png}">
<h2>Failure rate per test</h2>
<table><tr><th>test</th><th>not full points</th></tr>{rate_rows}</table>
<h2>Students</h2>
<table><tr><th>id</th><th>status</th><th>score</th><th>reasons</th></tr>{rows}</table>
</body></html>
"""


def write_report(data: dict[str, t.Any], csv_path: Path | None, html_path: Path | None) -> None:
    """Write the CSV and HTML forms where asked."""
    if csv_path is not None:
        atomic_write(csv_path, to_csv(data).encode("utf-8"))
    if html_path is not None:
        atomic_write(html_path, to_html(data).encode("utf-8"))


def to_json(data: dict[str, t.Any]) -> str:
    """The JSON form (see the module docstring)."""
    return json.dumps(data, indent=1, ensure_ascii=False)
