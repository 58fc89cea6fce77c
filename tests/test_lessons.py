"""Every lesson: its structure, its solution validating, its student version failing only
on the unanswered exercises. The minimum counts per lesson are data (MINIMUM below), so a
lesson cannot silently lose an exercise, a hidden test, a written question, a figure or a
widget."""

from __future__ import annotations

import re

import nbformat
import pytest

from autograder.authoring.validate import validate
from autograder.config import ROOT, lesson_ids
from tests.support.lesson_audit import (
    CJK,
    HIDDEN,
    is_answer,
    is_test,
    is_written,
    nbgrader_meta,
    outputs,
    structure,
)

# lesson id -> (exercises, hidden-test blocks, written questions, figures, widgets)
MINIMUM: dict[str, tuple[int, int, int, int, int]] = {
    "01_logistic_regression": (8, 8, 3, 8, 1),
    "02_vectorization": (6, 6, 2, 4, 1),
    "03_broadcasting": (6, 6, 2, 5, 1),
    "04_shallow_network": (10, 11, 2, 6, 2),
    "05_activations": (10, 10, 2, 5, 1),
    "06_initialization": (7, 7, 2, 6, 1),
    "07_deep_network": (10, 10, 2, 5, 5),
    "08_backpropagation": (11, 11, 2, 5, 1),
}

LESSONS = lesson_ids()


def source(lesson: str):
    return nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)


def test_every_lesson_of_the_course_is_present_and_audited():
    expected = [
        "01_logistic_regression",
        "02_vectorization",
        "03_broadcasting",
        "04_shallow_network",
        "05_activations",
        "06_initialization",
        "07_deep_network",
        "08_backpropagation",
    ]
    assert LESSONS == expected
    assert sorted(MINIMUM) == expected


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_structure(lesson):
    s = structure(source(lesson))
    exercises, hidden, written, _, _ = MINIMUM[lesson]
    assert len(s.exercises) >= max(exercises, 5), "at least five autograded exercises"
    assert all(ex.hidden_tests >= 1 for ex in s.exercises), [
        ex.answer_id for ex in s.exercises if not ex.hidden_tests
    ]
    assert sum(ex.hidden_tests for ex in s.exercises) >= hidden
    assert len(s.written) >= max(written, 1), "at least one manually graded written question"
    assert s.total_points > 0 and s.total_points % 10 == 0, f"total {s.total_points} not round"
    assert all("checks." in "".join(ex.test_sources) for ex in s.exercises), (
        "every test cell uses utils.checks"
    )
    text = s.markdown.lower()
    for heading in ("learning goals", "what to remember", "glossary"):
        assert heading in text, f"missing the {heading!r} section"
    assert CJK.search(s.markdown), "key terms are also given in Chinese"


@pytest.mark.parametrize("lesson", LESSONS)
def test_solution_validates_and_shows_its_figures_and_widgets(lesson):
    validation = validate(ROOT / "solutions" / lesson / f"{lesson}.ipynb")
    assert validation.passed, validation.result
    shown = outputs(validation.notebook)
    assert shown.errors == []
    assert shown.stderr == [], "a correct answer writes nothing to stderr"
    _, _, _, figures, widgets = MINIMUM[lesson]
    assert shown.figures >= max(figures, 1)
    assert shown.widgets >= max(widgets, 1)


@pytest.mark.parametrize("lesson", LESSONS)
def test_release_fails_exactly_on_the_unanswered_exercises(lesson):
    s = structure(source(lesson))
    validation = validate(ROOT / "lessons" / lesson / f"{lesson}.ipynb")
    assert sorted(validation.failed) == sorted(s.test_ids + s.written)
    errors = outputs(validation.notebook).errors
    others = [e for e in errors if "NotImplementedError" not in e]
    assert others == [], "the student version runs top to bottom but for the stubs"


# ---------------------------------------------------------------- the lesson template

HOW_TO = """> **How to work in this notebook**
>
> 1. Run the cells in order, from the top (a cell may use what an earlier one defined).
> 2. In each exercise, replace `raise NotImplementedError()` with your code.
> 3. Run the test cell below each exercise. A failure says what is wrong and hints why.
> 4. Before you submit, press **Validate** in the toolbar: it runs the whole notebook.
> 5. When your work is graded, hidden tests run as well, on other inputs: make your code
>    general, not just right for the example.
> 6. Answers are compared for copying, with each other's and with the course's `utils`
>    code: write your own."""
TOTAL = {"06_initialization": 60}
EXERCISE = re.compile(r"^### Exercise (\d+): (\w+) \((\d+) points?\)$", re.MULTILINE)
WRITTEN = re.compile(r"^### Written question (\d+): (.+) \((\d+) points?\)$", re.MULTILINE)
RUBRIC = re.compile(r"^\*\*Rubric \((\d+) points?\)\*\*")
CRITERION = re.compile(r"^[-*] .*\((\d+) points?\)$")
FORBIDDEN = re.compile(r"\bthe notes\b|\bseed notes\b|\blectures?\b", re.IGNORECASE)
GLOSSARY_LINK = "See also the [course glossary](../GLOSSARY.md) (English\u2013\u4e2d\u6587)."


def released(lesson: str):
    return nbformat.read(ROOT / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)


def _headings(nb, pattern: re.Pattern) -> list[tuple[int, re.Match]]:
    """(cell index, match) of every line of the markdown cells matching `pattern`."""
    return [
        (i, match)
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for match in pattern.finditer(cell.source)
    ]


def _exercises(nb) -> list[tuple[int, str, list[int]]]:
    """(answer cell index, grade id, [its test cell indices]) of every graded exercise."""
    found: list[tuple[int, str, list[int]]] = []
    for i, cell in enumerate(nb.cells):
        if is_answer(cell):
            found.append((i, nbgrader_meta(cell)["grade_id"], []))
        elif is_test(cell) and found:
            found[-1][2].append(i)
    return [ex for ex in found if ex[2]]


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_title_goals_and_how_to_box(lesson):
    cells = source(lesson).cells
    number = lesson[:2]
    assert re.match(rf"# Lesson {number} \u00b7 \S", cells[0].source), (
        f"the first cell is titled '# Lesson {number} \u00b7 Title'"
    )
    goals = next(i for i, c in enumerate(cells) if "## Learning goals" in c.source)
    boxes = [
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.strip() == HOW_TO
    ]
    assert boxes == [goals + 1], "the how-to box, exactly as in the brief, right after the goals"
    assert goals <= 1


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_exercise_headings_carry_their_points(lesson):
    nb = source(lesson)
    exercises = _exercises(nb)
    headings = _headings(nb, EXERCISE)
    assert len(headings) == len(exercises), "one '### Exercise N: name (P points)' per exercise"
    previous = -1
    for number, ((heading_at, match), (answer_at, grade_id, tests)) in enumerate(
        zip(headings, exercises, strict=True), start=1
    ):
        assert previous < heading_at < answer_at, f"the heading of {grade_id} precedes it"
        assert int(match[1]) == number, f"{match[0]}: exercises are numbered from 1"
        name = match[2]
        assert name == grade_id or f"def {name}(" in nb.cells[answer_at].source, match[0]
        points = sum(nbgrader_meta(nb.cells[t])["points"] for t in tests)
        assert int(match[3]) == points, f"{match[0]}: its test cells are worth {points}"
        previous = answer_at


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_every_test_cell_ends_its_visible_part_with_passed(lesson):
    nb = source(lesson)
    headings = {
        answer_at: match[2]
        for (_, match), (answer_at, _, _) in zip(
            _headings(nb, EXERCISE), _exercises(nb), strict=False
        )
    }
    for answer_at, grade_id, tests in _exercises(nb):
        for t in tests:
            visible = nb.cells[t].source.split(HIDDEN)[0]
            lines = [
                line
                for line in visible.splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
            name = headings.get(answer_at, grade_id)
            assert lines and re.fullmatch(rf'checks\.passed\("{name}( [^"]*)?"\)', lines[-1]), (
                f"{nbgrader_meta(nb.cells[t])['grade_id']}: the visible tests end with "
                f'checks.passed("{name}") (or "{name} <what else>" in a second test cell)'
            )


def _bullets(text: str) -> list[str]:
    """The items of a markdown bullet list, each joined with its indented continuation lines."""
    items: list[str] = []
    for line in text.splitlines():
        if line.startswith(("- ", "* ")):
            items.append(line.strip())
        elif items and line.startswith(" ") and line.strip():
            items[-1] += " " + line.strip()
    return items


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_written_questions_have_headings_and_rubrics(lesson):
    nb = source(lesson)
    written = [i for i, cell in enumerate(nb.cells) if is_written(cell)]
    headings = _headings(nb, WRITTEN)
    assert len(headings) == len(written), "one '### Written question N: topic (P points)' each"
    for number, ((heading_at, match), answer_at) in enumerate(
        zip(headings, written, strict=True), start=1
    ):
        points = nbgrader_meta(nb.cells[answer_at])["points"]
        assert heading_at < answer_at and int(match[1]) == number, match[0]
        assert int(match[3]) == points, f"{match[0]}: the answer cell is worth {points}"
        rubric = nb.cells[answer_at + 1]
        meta = nbgrader_meta(rubric)
        assert (
            rubric.cell_type == "markdown"
            and meta.get("locked")
            and not meta.get("grade")
            and not meta.get("solution")
        ), "a locked, ungraded rubric cell follows"
        head = RUBRIC.match(rubric.source)
        assert head and int(head[1]) == points, f"the rubric starts **Rubric ({points} points)**"
        criteria = [CRITERION.match(item) for item in _bullets(rubric.source)]
        assert criteria and all(criteria), "every criterion ends with (k points)"
        assert sum(int(c[1]) for c in criteria) == points, "the criteria sum to the points"


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_points_total(lesson):
    assert structure(source(lesson)).total_points == TOTAL.get(lesson, 100)


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_no_references_students_cannot_follow(lesson):
    found = [
        f"cell {i}: {m[0]!r}"
        for i, cell in enumerate(released(lesson).cells)
        for m in FORBIDDEN.finditer(cell.source)
    ]
    assert found == [], "students have no notes and no lectures"


@pytest.mark.parametrize("lesson", LESSONS)
def test_template_glossary_links_the_course_glossary(lesson):
    cells = released(lesson).cells
    glossary = [c for c in cells if c.cell_type == "markdown" and "## Glossary" in c.source]
    assert len(glossary) == 1, "one '## Glossary' cell"
    assert "|" in glossary[0].source, "the glossary is a table"
    assert glossary[0].source.strip().splitlines()[-1] == GLOSSARY_LINK
    assert (ROOT / "lessons" / lesson / "../GLOSSARY.md").resolve() == (
        ROOT / "lessons" / "GLOSSARY.md"
    )
    assert (ROOT / "lessons" / "GLOSSARY.md").is_file()
