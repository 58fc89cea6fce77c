"""`python -m autograder feedback`: one HTML file per student that shows no hidden test.

The feedback notebook is built from the autograded notebook and the result:

- test cells show their visible source only; what their hidden part printed, raised or
  displayed is never copied: one line says whether the hidden tests passed, failed (with
  the exception's type only) or did not run; a test cell whose hidden part could not be
  run on its own shows no output at all;
- a box at the top gives the status, the score and the reasons (for a failed submission,
  why it could not be graded);
- scores and comments come from the gradebook (a person's manual grades included).

Rendered with nbgrader's feedback template. A final guard searches the HTML for every
hidden test line; if one is found, the page is rebuilt without any outputs, and if it is
still there, reduced to the status box.
"""

from __future__ import annotations

import copy
import html
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from traitlets.config import Config

from ..batch.package import load_package
from ..batch.store import CourseDir, RunLock, atomic_write
from ..config import Course, CourseError
from ..job.prepare import notebook_from_json
from ..markers import hidden_lines, visible_source
from ..rendering import render
from ..schema import CellSummary, LessonPackage, PartSummary, Result
from .scores import NO_MARKS, Marks, StudentScore, read_marks_of, student_score

GUARD_MIN_CHARS = 8
STATUS_TEXT = {
    "graded": "Graded automatically.",
    "flagged": "Graded automatically; a person will review this submission.",
    "failed": "This submission could not be graded automatically.",
}


def lesson_secrets(package: LessonPackage) -> list[str]:
    """Every non-trivial line inside a hidden-test block of the lesson."""
    return hidden_lines([cell["source"] for cell in package["cells"]], GUARD_MIN_CHARS)


def leaks(page: str, secrets: list[str]) -> bool:
    """Whether `page` contains a hidden line, as text or HTML-escaped."""
    return any(
        s in page or html.escape(s) in page or html.escape(s, quote=False) in page for s in secrets
    )


def _hidden_summary(parts: list[PartSummary], has_hidden: bool) -> str | None:
    hidden = [p for p in parts if p["hidden"]]
    if not hidden:
        return "Hidden tests: not run (the tests above failed first).\n" if has_hidden else None
    failed = [p for p in hidden if p["status"] != "ok"]
    if not failed:
        return "Hidden tests: passed.\n"
    status = failed[0]["status"]
    if status == "timeout":
        return "Hidden tests: stopped (over the time limit).\n"
    if status == "died":
        return "Hidden tests: the kernel stopped while they ran.\n"
    return "Hidden tests: failed.\n"


def _test_outputs(
    cell: NotebookNode, summary: CellSummary, ran_hidden_only: bool, has_hidden: bool
) -> list[NotebookNode]:
    outputs: list[NotebookNode] = []
    position = 0
    for part in summary["parts"]:
        chunk = cell.outputs[position : position + part["outputs"]]
        position += part["outputs"]
        if not part["hidden"] and not ran_hidden_only:
            outputs += chunk
    note = _hidden_summary(summary["parts"], has_hidden)
    if note is None and summary["status"] == "not_run":
        note = "Not run.\n"
    if note:
        outputs.append(new_output("stream", name="stdout", text=note))
    return outputs


def _banner(result: Result, score: StudentScore) -> NotebookNode:
    text = render(
        "autograder.outputs",
        "feedback_banner.md.j2",
        status_text=STATUS_TEXT.get(result["status"], result["status"]),
        status=result["status"],
        score=score.total,
        max_score=score.max_score,
        reasons=result["reasons"],
    )
    return new_markdown_cell(text.rstrip("\n"))


def feedback_notebook(
    package: LessonPackage,
    result: Result,
    executed: NotebookNode | None,
    marks: Marks,
    keep_outputs: bool = True,
) -> NotebookNode:
    """The student-facing notebook (see the module docstring)."""
    score = student_score(result, marks)
    summaries = result.get("cells", [])
    if executed is None or len(summaries) != len(executed.cells):
        nb = notebook_from_json(package["release_notebook"])
        skipped: CellSummary = {
            "role": "markdown",
            "grade_id": None,
            "status": "skipped",
            "truncated": False,
            "parts": [],
        }
        summaries = [skipped] * len(nb.cells)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
    else:
        nb = executed
    for cell, summary in zip(nb.cells, summaries, strict=True):
        meta = cell.metadata.get("nbgrader")
        if cell.cell_type == "code":
            if meta and meta.get("grade") and not meta.get("solution"):
                ran_whole = len(summary["parts"]) == 1 and summary["parts"][0]["hidden"]
                visible = visible_source(cell.source)
                has_hidden = visible != cell.source
                cell.source = visible
                cell.outputs = (
                    _test_outputs(cell, summary, ran_whole, has_hidden) if keep_outputs else []
                )
            elif not keep_outputs:
                cell.outputs = []
        if meta and meta.get("grade_id"):
            grade_id = meta["grade_id"]
            if meta.get("grade") or meta.get("task"):
                cell_score = score.cells.get(grade_id)
                meta["score"] = cell_score.score if cell_score is not None else 0.0
            if grade_id in marks.comments:
                meta["comment"] = marks.comments[grade_id]
    nb.cells.insert(0, _banner(result, score))
    nb.metadata.pop("celltoolbar", None)
    return nb


def render_notebook(nb: NotebookNode, lesson: str, score: float, max_score: float) -> str:
    """HTML of a feedback notebook with nbgrader's feedback template."""
    import nbgrader

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    config.HTMLExporter.extra_template_paths = [
        str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")
    ]
    exporter = HTMLExporter(config=config)
    resources = {
        "nbgrader": {"notebook": lesson, "score": score, "max_score": max_score, "late_penalty": 0},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def minimal_page(result: Result, score: StudentScore, lesson: str) -> str:
    """The status box alone, as a page (the last resort of the leak guard)."""
    return render(
        "autograder.outputs",
        "status_page.html.j2",
        lesson=lesson,
        status_text=STATUS_TEXT[result["status"]],
        score=score.total,
        max_score=score.max_score,
        reasons=result["reasons"],
    )


def student_page(
    package: LessonPackage, result: Result, executed: NotebookNode | None, marks: Marks = NO_MARKS
) -> str:
    """The feedback page for one student, guarded against hidden-test leaks."""
    lesson = package["lesson"]
    secrets = lesson_secrets(package)
    score = student_score(result, marks)
    for keep in (True, False):
        fresh = copy.deepcopy(executed) if executed is not None else None
        nb = feedback_notebook(package, result, fresh, marks, keep_outputs=keep)
        page = render_notebook(nb, lesson, score.total, score.max_score)
        if not leaks(page, secrets):
            return page
    page = minimal_page(result, score, lesson)
    if leaks(page, secrets):
        raise CourseError(f"feedback for {result['key']} would show a hidden test; not written")
    return page


def write_feedback(lesson: str, grading: CourseDir, course: Course) -> list[Path]:
    """Write every graded student's feedback page; return the files."""
    package = load_package(grading, lesson, course)
    results = grading.read_results(lesson)
    with RunLock(grading, lesson):
        written = []
        for result in results:
            key = result["key"]
            executed = None
            marks = NO_MARKS
            if result.get("valid_id"):
                path = grading.autograded(key, lesson)
                if path.is_file():
                    executed = nbformat.read(str(path), as_version=4)
                marks = read_marks_of(grading, lesson, key)
            page = student_page(package, result, executed, marks)
            target = grading.feedback(key, lesson)
            atomic_write(target, page.encode("utf-8"))
            written.append(target)
        return written
