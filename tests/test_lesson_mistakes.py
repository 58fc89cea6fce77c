"""Every lesson's tests catch the mistakes they exist to catch (data: tests/lesson_mistakes).

A case (a `Mistake` of a lesson's `l<NN>_*.py` module) passes when the lesson's solution
notebook, with the case's answer cell replaced by its source and executed in a fresh
kernel, fails in the case's test cell, with the case's message in the error
(`ExceptionType: text`, case-insensitive), and in no earlier cell. An accepted variant (a
module's `ACCEPTED`) passes when no cell fails through its test cell.

Fast and still faithful: one kernel per lesson runs the solution from the top once. At an
answer cell with cases, each case runs its source in place of the answer, then the cells
after it through its test cell; then the right answer is run and the lesson goes on, which
re-runs any cell between answer and test with the right answer in place. State a case
leaves behind (a helper it defined) can only make a later case fail, never pass: each
later case runs its own source and its own test. Lessons run two at a time.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import nbformat
import pytest
from jupyter_core.utils import ensure_event_loop
from nbformat import NotebookNode

from autograder.config import ROOT, lesson_ids
from autograder.kernel.execute import PollingNotebookClient
from tests.lesson_mistakes import Case, Mistake, cases, modules
from tests.support.lesson_audit import is_answer, is_test, nbgrader_meta

CASES = [case for case in cases() if not case.accepted]
VARIANTS = [case for case in cases() if case.accepted]
LESSONS = lesson_ids()
CELL_TIMEOUT = 60  # seconds; a case that loops forever fails, it does not hang
WORKERS = 2
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Outcome:
    """What running one case did: the grade id (or `cell N`) of the first cell that failed,
    None when none did, and that cell's error, `ExceptionType: text`."""

    failed_in: str | None
    error: str = ""


def _notebook(lesson: str) -> NotebookNode:
    return nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)


def _grade_ids(nb: NotebookNode) -> dict[str, int]:
    return {
        nbgrader_meta(c)["grade_id"]: i
        for i, c in enumerate(nb.cells)
        if "grade_id" in nbgrader_meta(c)
    }


def _label(nb: NotebookNode, index: int) -> str:
    return nbgrader_meta(nb.cells[index]).get("grade_id") or f"cell {index}"


class _Kernel:
    """A fresh kernel in the lesson's folder that runs cells one at a time."""

    def __init__(self, lesson: str, nb: NotebookNode):
        self.nb = nb
        self.client = PollingNotebookClient(
            copy.deepcopy(nb),
            timeout=CELL_TIMEOUT,
            allow_errors=True,
            kernel_name="python3",
            resources={"metadata": {"path": str(ROOT / "solutions" / lesson)}},
        )

    def run(self, index: int, source: str | None = None) -> str | None:
        """Run code cell `index` (with `source` in place of its own); its error or None."""
        cell = copy.deepcopy(self.nb.cells[index])
        if source is not None:
            cell.source = source
        cell.outputs = []
        self.client.execute_cell(cell, index)
        for out in cell.outputs:
            if out.output_type == "error":
                return ANSI.sub("", f"{out.ename}: {out.evalue}")
        return None

    def run_case(self, answer: int, source: str, test: int) -> Outcome:
        """The answer cell with `source`, then the code cells after it through `test`."""
        for index in range(answer, test + 1):
            if self.nb.cells[index].cell_type != "code":
                continue
            error = self.run(index, source if index == answer else None)
            if error is not None:
                return Outcome(_label(self.nb, index), error)
        return Outcome(None)


def run_lesson(lesson: str, selected: list[Case]) -> dict[str, Outcome]:
    """Run the `selected` cases of one lesson in one kernel (see the module docstring)."""
    nb = _notebook(lesson)
    ids = _grade_ids(nb)
    at_answer: dict[int, list[Case]] = defaultdict(list)
    for case in selected:
        at_answer[ids[case.mistake.answer]].append(case)
    last = max(ids[case.mistake.test] for case in selected)
    results: dict[str, Outcome] = {}
    broken: Outcome | None = None  # the solution itself failed in an earlier cell
    kernel = _Kernel(lesson, nb)
    try:
        with kernel.client.setup_kernel():
            for index in range(last + 1):
                for case in at_answer.get(index, []):
                    results[case.id] = broken or kernel.run_case(
                        index, case.mistake.source, ids[case.mistake.test]
                    )
                if nb.cells[index].cell_type == "code" and broken is None:
                    error = kernel.run(index)
                    if error is not None:
                        broken = Outcome(_label(nb, index), f"the solution fails: {error}")
    finally:
        # nbclient's blocking calls made an event loop for this worker thread: close it here,
        # or its sockets are left for the garbage collector to report in a later test
        ensure_event_loop().close()
    return results


# controls of the harness itself, run along with lesson 01's cases: a right answer passes,
# an answer that raises fails in its own cell
CONTROL_LESSON = "01_logistic_regression"
CONTROLS = [
    Case(
        CONTROL_LESSON,
        Mistake(
            answer="sigmoid",
            source="def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n",
            test="test_sigmoid",
            message="",
            why="control: the right answer",
        ),
        "control-right",
    ),
    Case(
        CONTROL_LESSON,
        Mistake(
            answer="sigmoid",
            source="raise ValueError('control: broken answer cell')\n",
            test="test_sigmoid",
            message="",
            why="control: a broken answer",
        ),
        "control-broken",
    ),
]


def _selected(items: list[pytest.Item], test: str) -> set[str]:
    return {item.callspec.id for item in items if getattr(item, "originalname", "") == test}


@pytest.fixture(scope="session")
def outcomes(request) -> dict[str, Outcome]:
    """The outcome of every case selected in this session, lessons run two at a time."""
    wanted = _selected(request.session.items, "test_the_lesson_catches_the_mistake") | _selected(
        request.session.items, "test_the_lesson_accepts_the_variant"
    )
    by_lesson: dict[str, list[Case]] = defaultdict(list)
    for case in CASES + VARIANTS:
        if case.id in wanted:
            by_lesson[case.lesson].append(case)
    if _selected(request.session.items, "test_the_harness_tells_caught_from_not_caught"):
        by_lesson[CONTROL_LESSON] += CONTROLS
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        runs = [pool.submit(run_lesson, lesson, selected) for lesson, selected in by_lesson.items()]
        return {case_id: outcome for run in runs for case_id, outcome in run.result().items()}


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_lesson_catches_the_mistake(case: Case, outcomes: dict[str, Outcome]):
    mistake = case.mistake
    outcome = outcomes[case.id]
    assert outcome.failed_in is not None, (
        f"{mistake.test} passed: the mistake ({mistake.why}) is not caught"
    )
    assert outcome.failed_in == mistake.test, (
        f"failed in {outcome.failed_in}, before {mistake.test}: {outcome.error}"
    )
    assert mistake.message.lower() in outcome.error.lower(), (
        f"{mistake.test} failed without {mistake.message!r}: {outcome.error}"
    )


@pytest.mark.parametrize("case", VARIANTS, ids=[case.id for case in VARIANTS])
def test_the_lesson_accepts_the_variant(case: Case, outcomes: dict[str, Outcome]):
    outcome = outcomes[case.id]
    assert outcome.failed_in is None, (
        f"a right answer ({case.mistake.why}) failed in {outcome.failed_in}: {outcome.error}"
    )


@pytest.mark.parametrize("lesson", [CONTROL_LESSON])
def test_the_harness_tells_caught_from_not_caught(lesson, outcomes: dict[str, Outcome]):
    right, broken = (outcomes[case.id] for case in CONTROLS)
    assert right == Outcome(None), right
    assert broken == Outcome("sigmoid", "ValueError: control: broken answer cell"), broken


@pytest.mark.parametrize("case", CASES + VARIANTS, ids=[case.id for case in CASES + VARIANTS])
def test_the_case_names_an_answer_and_a_later_test_of_its_lesson(case: Case):
    assert case.lesson in LESSONS
    nb = _notebook(case.lesson)
    ids = _grade_ids(nb)
    mistake = case.mistake
    assert mistake.answer in ids and is_answer(nb.cells[ids[mistake.answer]]), mistake.answer
    assert mistake.test in ids and is_test(nb.cells[ids[mistake.test]]), mistake.test
    assert ids[mistake.answer] < ids[mistake.test]
    assert mistake.source.strip() and mistake.why.strip()
    assert case.accepted or mistake.message.strip()
    compile(mistake.source, f"{case.id}", "exec")


def test_the_data_modules_are_one_per_lesson():
    names = modules()
    lessons = [__import__(f"tests.lesson_mistakes.{n}", fromlist=["LESSON"]).LESSON for n in names]
    assert len(set(lessons)) == len(lessons), "one data module per lesson"
    for name, lesson in zip(names, lessons, strict=True):
        assert name == f"l{lesson}", f"{name}.py should be named l{lesson}.py"


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_mistake_cases(lesson):
    assert any(case.lesson == lesson for case in CASES), (
        f"tests/lesson_mistakes/l{lesson}.py: no mistake cases"
    )
