"""`python -m autograder similarity`: answers that look copied, from a classmate or from `utils`.

For each exercise of a lesson (an answer cell: nbgrader `solution: true, grade: false`),
every student's answer is compared with every other student's answer, and with the `utils`
references its tests forbid it to call (`references.py`), after normalizing names, spacing,
comments and docstrings (`fingerprints.py`) and discounting the released stub and what more
than a tenth of the class wrote alike (`copies.py`: the weights, the similarity, the
evidence). Two lists come out:

- pairs of answers (a student and a classmate, or a student and a reference) at least
  `threshold` similar with at least `min_evidence` of shared evidence, most similar first;
- pairs of students similar in two exercises or more whose evidence adds up to
  `lesson_evidence`: copying a notebook repeats in every exercise what an independent
  coincidence does only once.

The defaults (`DEFAULTS`) come from a measurement, `benchmarks/bench_similarity.py` (figures
in `benchmarks/README.md`): 31 exercises of the 8 lessons, 300 independently written correct
answers each (generated in many styles, `tests/support/similarity_corpus.py`; a sample of
25 per exercise passes the lesson's own tests, hidden ones included), with whole-notebook copies of
classmates and pasted `utils` references planted, disguised (renamed, reformatted, comments
changed, statements reordered, dead code added).

- Evidence 25 is the smallest with no false positive at all: at 20 one pair of independent
  answers in the 31 exercises is listed, at 15 three, at 10 six per class per exercise, at 5
  about 125 (short answers that came out the same: the flood the check must not produce).
  The lesson sum uses the same 25, with a margin: 8 independent pairs of students at 15, none
  at 20.
- Similarity 0.6 keeps 69 of the 72 pasted references (0.7 keeps 63, 0.8 48): a paste is
  adapted (annotations dropped, parameters renamed, dead code and comments added), so it
  shares less than all of its code with the reference; a higher threshold removes no false
  positive, since the evidence already excludes them all.
- What that costs: a copy of one short answer is not listed on its own (the generated
  answers are mostly too common to tell a copy from a coincidence: 0 of 372 such copies at
  these settings, 3% at evidence 10, where six false positives per exercise come with them);
  a whole copied notebook is listed when its answers are distinctive enough (4 of 96 copiers,
  with the 2 to 6 generated exercises per lesson; real lessons have 6 to 10 exercises).
- Comparing 300 students x 10 exercises takes about a second (copydetect 0.5.0, measured on
  the same classes, takes 26 s and lists thousands of false positives per exercise).

The forms: `to_text` (tables, most similar first), `report()` (`SimilarityReport`, the JSON),
`to_html` (each pair's answers side by side, the lines with shared code marked). The
report's HTML has the same section ("Similar answers").
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from ..batch.package import load_package
from ..batch.store import CourseDir
from ..common import printable
from ..config import Course
from ..job.prepare import BadSubmission, parse_notebook
from ..rendering import render
from ..schema import LessonPackage
from .copies import Match, Settings, StudentPair, compare_exercise, similar_students
from .references import forbidden_references, lesson_names, reference_source

DEFAULTS = Settings(
    threshold=0.6,
    min_evidence=25.0,
    lesson_evidence=25.0,
    k=5,
    window=1,
    common_share=0.1,
    common_min=5,
)
MAX_HTML_LINES = 300  # lines of an answer shown in the HTML page
SECTION = "similar_answers.html.j2"  # the HTML section, in this page and in the report's


class SimilarPair(TypedDict):
    """Two students' answers to an exercise, or one and a `utils` reference."""

    exercise: str  # the answer cell's grade id
    first: str  # a student id
    second: str  # another student id, or a reference such as "utils.nn.compute_cost"
    reference: bool  # whether `second` is a `utils` reference
    similarity: float  # 0..1, see `copies.py`
    evidence: float  # shared fingerprints, each weighted by how rare it is in the class
    shared: int  # fingerprints in common (the stub's and the common ones left out)


class SimilarStudents(TypedDict):
    """Two students similar in several exercises (their evidence added up)."""

    first: str
    second: str
    evidence: float
    exercises: list[str]


class ExerciseSummary(TypedDict):
    """What was compared for one exercise."""

    exercise: str
    answers: int  # answers with something of their own left after the discount
    references: list[str]  # the `utils` references its answers were compared with


class SimilarityReport(TypedDict):
    """The JSON form: `python -m autograder similarity LESSON --json`."""

    lesson: str
    threshold: float
    submissions: int  # notebooks read
    skipped: list[str]  # "student: why" for stored submissions that could not be read
    exercises: list[ExerciseSummary]
    pairs: list[SimilarPair]  # most similar first
    students: list[SimilarStudents]  # most evidence first


@dataclass
class Similarity:
    """The copy check of one lesson (`compare_lesson`, `collect`)."""

    lesson: str
    settings: Settings
    submissions: int
    exercises: list[ExerciseSummary]
    matches: list[Match]  # the listed ones, most similar first
    students: list[StudentPair]
    skipped: list[str] = field(default_factory=list)

    def report(self) -> SimilarityReport:
        """The JSON form."""
        return {
            "lesson": self.lesson,
            "threshold": self.settings.threshold,
            "submissions": self.submissions,
            "skipped": list(self.skipped),
            "exercises": list(self.exercises),
            "pairs": [
                {
                    "exercise": m.exercise,
                    "first": m.first,
                    "second": m.second,
                    "reference": m.reference,
                    "similarity": round(m.similarity, 3),
                    "evidence": round(m.evidence, 1),
                    "shared": m.shared,
                }
                for m in self.matches
            ],
            "students": [
                {
                    "first": p.first,
                    "second": p.second,
                    "evidence": round(p.evidence, 1),
                    "exercises": list(p.exercises),
                }
                for p in self.students
            ],
        }


def answer_cells(package: LessonPackage) -> list[str]:
    """The grade ids of the lesson's autograded answer cells, in the lesson's order."""
    return [
        c["grade_id"]
        for c in package["cells"]
        if c["cell_type"] == "code" and c["solution"] and not c["grade"]
    ]


def compare_lesson(
    package: LessonPackage,
    submissions: Mapping[str, Mapping[str, str]],
    settings: Settings = DEFAULTS,
) -> Similarity:
    """Compare the answers of `submissions` (student -> grade id -> source) exercise by
    exercise, with each other and with the `utils` references of each exercise."""
    keep = frozenset(lesson_names(package))
    forbidden = forbidden_references(package)
    stubs = {c["grade_id"]: c["release_source"] for c in package["cells"]}
    found: list[Match] = []
    summaries: list[ExerciseSummary] = []
    for exercise in answer_cells(package):
        references = {
            path: code
            for path in forbidden.get(exercise, [])
            for code in [reference_source(path)]
            if code is not None
        }
        answers = {s: cells[exercise] for s, cells in submissions.items() if exercise in cells}
        matches, compared = compare_exercise(
            exercise, answers, stubs[exercise], references, keep, settings
        )
        found += matches
        summaries.append(
            {"exercise": exercise, "answers": compared, "references": list(references)}
        )
    order = {exercise: i for i, exercise in enumerate(answer_cells(package))}
    listed = sorted(
        (m for m in found if m.listed(settings)),
        key=lambda m: (-m.similarity, -m.evidence, order[m.exercise], m.first, m.second),
    )
    students = similar_students(found, settings)
    return Similarity(package["lesson"], settings, len(submissions), summaries, listed, students)


def _answers(data: bytes, exercises: list[str]) -> dict[str, str]:
    """The first cell of each exercise in a submitted notebook (as the grader takes it)."""
    answers: dict[str, str] = {}
    for cell in parse_notebook(data).cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id in exercises and grade_id not in answers and cell.cell_type == "code":
            answers[grade_id] = str(cell.get("source", ""))
    return answers


def collect(
    lesson: str, grading: CourseDir, course: Course, settings: Settings = DEFAULTS
) -> Similarity:
    """The copy check of `lesson` over the submissions graded into `grading`."""
    package = load_package(grading, lesson, course)
    exercises = answer_cells(package)
    submissions: dict[str, dict[str, str]] = {}
    skipped = []
    for result in grading.read_results(lesson):
        if not result.get("valid_id"):
            continue
        path = grading.submitted(result["key"], lesson)
        if not path.is_file():
            continue
        try:
            submissions[result["student"]] = _answers(path.read_bytes(), exercises)
        except (BadSubmission, OSError) as exc:
            skipped.append(f"{result['student']}: {exc}")
    similarity = compare_lesson(package, submissions, settings)
    similarity.skipped = skipped
    return similarity


def to_text(similarity: Similarity) -> str:
    """Plain tables, most similar first: answers, then students."""
    report = similarity.report()
    lines = [
        f"{report['lesson']}: {report['submissions']} submission(s), "
        f"{len(report['exercises'])} exercise(s), similarity >= {report['threshold']:g}"
    ]
    lines += [f"skipped {printable(s)}" for s in report["skipped"]]
    pairs = report["pairs"]
    lines.append(f"{len(pairs)} pair(s) of similar answers")
    if pairs:
        exercise = max(len("exercise"), *(len(p["exercise"]) for p in pairs))
        first = max(len("first"), *(len(printable(p["first"])) for p in pairs))
        second = max(len("second"), *(len(printable(p["second"])) for p in pairs))
        lines.append(
            f"  {'exercise':{exercise}}  {'first':{first}}  {'second':{second}}  similarity"
        )
        for p in pairs:
            lines.append(
                f"  {p['exercise']:{exercise}}  {printable(p['first']):{first}}  "
                f"{printable(p['second']):{second}}  {p['similarity']:.2f}"
            )
    students = report["students"]
    lines.append(f"{len(students)} pair(s) of students similar in several exercises")
    for s in students:
        lines.append(
            f"  {printable(s['first'])} and {printable(s['second'])}: "
            f"{len(s['exercises'])} exercises ({', '.join(s['exercises'])})"
        )
    return "\n".join(lines)


def _numbered(source: str, marked: frozenset[int]) -> list[dict[str, t.Any]]:
    lines = source.split("\n")
    shown = [
        {"number": i, "text": text, "shared": i in marked}
        for i, text in enumerate(lines[:MAX_HTML_LINES], start=1)
    ]
    if len(lines) > MAX_HTML_LINES:
        more = f"... {len(lines) - MAX_HTML_LINES} more lines"
        shown.append({"number": None, "text": more, "shared": False})
    return shown


def html_pairs(similarity: Similarity) -> list[dict[str, t.Any]]:
    """The pairs as the HTML templates show them (`similar_answers.html.j2`)."""
    return [
        {
            **pair,
            "first_lines": _numbered(match.a.source, match.a.marked(match.b)),
            "second_lines": _numbered(match.b.source, match.b.marked(match.a)),
        }
        for pair, match in zip(similarity.report()["pairs"], similarity.matches, strict=True)
    ]


def to_html(similarity: Similarity) -> str:
    """A self-contained page: each listed pair's answers side by side."""
    return render(
        "autograder.outputs",
        "similarity.html.j2",
        similarity=similarity.report(),
        pairs=html_pairs(similarity),
        section=SECTION,
    )
