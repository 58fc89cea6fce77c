"""Every lesson: its structure, its solution validating, its student version failing only
on the unanswered exercises. The minimum counts per lesson are data (MINIMUM below), so a
lesson cannot silently lose an exercise, a hidden test, a written question, a figure or a
widget."""

from __future__ import annotations

import nbformat
import pytest

from autograder.authoring.validate import validate
from autograder.config import ROOT, lesson_ids
from tests.lesson_audit import CJK, outputs, structure

# lesson id -> (exercises, hidden-test blocks, written questions, figures, widgets)
MINIMUM: dict[str, tuple[int, int, int, int, int]] = {
    "01_logistic_regression": (8, 8, 2, 6, 1),
    "02_vectorization": (6, 6, 2, 2, 1),
    "03_broadcasting": (6, 6, 2, 4, 1),
    "04_shallow_network": (8, 9, 2, 5, 1),
    "05_activations": (9, 9, 2, 5, 1),
    "06_initialization": (6, 6, 2, 6, 1),
    "07_deep_network": (10, 10, 2, 5, 5),
    "08_backpropagation": (9, 9, 2, 4, 1),
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
