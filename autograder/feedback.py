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
import typing as t
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from traitlets.config import Config

from .course import HIDDEN_TEST_MARKERS, ROOT, CourseError
from .grade import DEFAULT_COURSE_DIR
from .gradebook import open_gradebook
from .package import load_package
from .prepare import notebook_from_json, visible_source
from .store import CourseDir, RunLock, atomic_write

GUARD_MIN_CHARS = 8
STATUS_TEXT = {
    "graded": "Graded automatically.",
    "flagged": "Graded automatically; a person will review this submission.",
    "failed": "This submission could not be graded automatically.",
}


def hidden_lines(package: dict[str, t.Any]) -> list[str]:
    """Every non-trivial line inside a hidden-test block of the lesson."""
    begin, end = HIDDEN_TEST_MARKERS
    found = []
    for cell in package["cells"]:
        inside = False
        for line in cell["source"].split("\n"):
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= GUARD_MIN_CHARS:
                found.append(line.strip())
    return found


def leaks(page: str, secrets: list[str]) -> bool:
    """Whether `page` contains a hidden line, as text or HTML-escaped."""
    return any(s in page or html.escape(s) in page or html.escape(s, quote=False) in page
               for s in secrets)


def _hidden_summary(parts: list[dict[str, t.Any]], has_hidden: bool) -> str | None:
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


def _test_outputs(cell: NotebookNode, summary: dict[str, t.Any], ran_hidden_only: bool,
                  has_hidden: bool) -> list[NotebookNode]:
    outputs: list[NotebookNode] = []
    position = 0
    for part in summary["parts"]:
        chunk = cell.outputs[position: position + part["outputs"]]
        position += part["outputs"]
        if not part["hidden"] and not ran_hidden_only:
            outputs += chunk
    note = _hidden_summary(summary["parts"], has_hidden)
    if note is None and summary["status"] == "not_run":
        note = "Not run.\n"
    if note:
        outputs.append(new_output("stream", name="stdout", text=note))
    return outputs


def _banner(result: dict[str, t.Any]) -> NotebookNode:
    lines = [
        f"**{STATUS_TEXT.get(result['status'], result['status'])}** "
        f"Score: {result['score']:g} / {result['max_score']:g} (status: {result['status']})"
    ]
    if result["reasons"]:
        lines.append("")
        lines += [f"- {reason}" for reason in result["reasons"]]
    return new_markdown_cell("\n".join(lines))


def _grades(course: CourseDir, lesson: str, key: str) -> tuple[dict[str, float], dict[str, str]]:
    """Scores (manual if given, else automatic) and comments per cell, from the gradebook."""
    scores: dict[str, float] = {}
    comments: dict[str, str] = {}
    with open_gradebook(course.db_url) as gradebook:
        try:
            notebook = gradebook.find_submission_notebook(lesson, lesson, key)
        except Exception:  # noqa: BLE001  (MissingEntry and friends: nothing recorded)
            return scores, comments
        for grade in notebook.grades:
            if grade.score is not None:
                scores[grade.cell.name] = float(grade.score)
        for comment in notebook.comments:
            if comment.comment:
                comments[comment.cell.name] = str(comment.comment)
    return scores, comments


def feedback_notebook(package: dict[str, t.Any], result: dict[str, t.Any],
                      executed: NotebookNode | None, scores: dict[str, float],
                      comments: dict[str, str], keep_outputs: bool = True) -> NotebookNode:
    """The student-facing notebook (see the module docstring)."""
    summaries = result.get("cells", [])
    if executed is None or len(summaries) != len(executed.cells):
        nb = notebook_from_json(package["release_notebook"])
        summaries = [{"role": "markdown", "parts": [], "status": "skipped"}] * len(nb.cells)
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
                test = result["tests"].get(grade_id, {})
                meta["score"] = scores.get(grade_id, test.get("score", 0.0))
            if grade_id in comments:
                meta["comment"] = comments[grade_id]
    nb.cells.insert(0, _banner(result))
    nb.metadata.pop("celltoolbar", None)
    return nb


def render(nb: NotebookNode, lesson: str, score: float, max_score: float) -> str:
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
        "nbgrader": {"notebook": lesson, "score": score, "max_score": max_score,
                     "late_penalty": 0},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def minimal_page(result: dict[str, t.Any], lesson: str) -> str:
    """The status box alone, as a page (the last resort of the leak guard)."""
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in result["reasons"])
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(lesson)}</title>"
        f"</head><body><h1>{html.escape(lesson)}</h1><p>{html.escape(STATUS_TEXT[result['status']])}"
        f" Score: {result['score']:g} / {result['max_score']:g}</p><ul>{reasons}</ul></body></html>"
    )


def student_page(package: dict[str, t.Any], result: dict[str, t.Any],
                 executed: NotebookNode | None, scores: dict[str, float],
                 comments: dict[str, str]) -> str:
    """The feedback page for one student, guarded against hidden-test leaks."""
    lesson = package["lesson"]
    secrets = hidden_lines(package)
    total = sum(scores.values()) if scores else result["score"]
    for keep in (True, False):
        fresh = copy.deepcopy(executed) if executed is not None else None
        nb = feedback_notebook(package, result, fresh, scores, comments, keep_outputs=keep)
        page = render(nb, lesson, total, result["max_score"])
        if not leaks(page, secrets):
            return page
    page = minimal_page(result, lesson)
    if leaks(page, secrets):
        raise CourseError(f"feedback for {result['key']} would show a hidden test; not written")
    return page


def write_feedback(lesson: str, course_dir: Path = DEFAULT_COURSE_DIR,
                   root: Path = ROOT) -> list[Path]:
    """Write every graded student's feedback page; return the files."""
    course = CourseDir(course_dir)
    package = load_package(course, lesson, root)
    results = course.read_results(lesson)
    with RunLock(course):
        written = []
        for result in results:
            key = result["key"]
            executed = None
            scores: dict[str, float] = {}
            comments: dict[str, str] = {}
            if result.get("valid_id"):
                path = course.autograded(key, lesson)
                if path.is_file():
                    executed = nbformat.read(str(path), as_version=4)
                scores, comments = _grades(course, lesson, key)
            page = student_page(package, result, executed, scores, comments)
            target = course.feedback(key, lesson)
            atomic_write(target, page.encode("utf-8"))
            written.append(target)
        return written
