"""The copy check: `python -m autograder similarity` and the report's "Similar answers".

End to end on a graded batch of a small lesson whose tests forbid calling
`utils.nn.linear_backward` and `utils.nn.update_parameters`; the measured property on generated
classes of the real lessons (`tests/support/similarity_corpus.py`); the parts on their own (the
normalization, the references of the real lessons, hostile answers).
"""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_markdown_cell

from autograder.authoring.release import release
from autograder.batch.grade import grade
from autograder.config import ROOT
from autograder.outputs.copies import compare_exercise
from autograder.outputs.fingerprints import BUILTINS, normalize
from autograder.outputs.references import forbidden_references, reference_source
from autograder.outputs.similarity import DEFAULTS, compare_lesson, to_html
from tests.support import nbbuild
from tests.support.grading_helpers import LIMITS
from tests.support.similarity_corpus import (
    EXERCISES,
    LESSONS,
    check_answers,
    disguised_copy,
    independent_class,
    lesson_package,
    measure_lesson,
    reference_copy,
    rename_tokens,
)

LESSON = "00_copies"
SETUP = "import numpy as np\nfrom utils import checks\nimport utils.nn as ref_nn"
BACKWARD = '''def linear_backward(dZ, cache):
    """Backward step of a linear layer: dA_prev, dW, db (dW and db carry the 1/m)."""
    ### BEGIN SOLUTION
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db
    ### END SOLUTION'''
BACKWARD_TESTS = """rng_t = np.random.default_rng(0)
A_t, W_t, b_t, dZ_t = rng_t.normal(size=(3, 4)), rng_t.normal(size=(2, 3)), np.zeros((2, 1)), \\
    rng_t.normal(size=(2, 4))
for got, want in zip(linear_backward(dZ_t, (A_t, W_t, b_t)),
                     ref_nn.linear_backward(dZ_t, (A_t, W_t, b_t))):
    np.testing.assert_allclose(got, want)
### BEGIN HIDDEN TESTS
checks.assert_not_delegating(linear_backward, ref_nn.linear_backward, dZ_t, (A_t, W_t, b_t))
### END HIDDEN TESTS"""
UPDATE = '''def update_parameters(parameters, grads, learning_rate):
    """theta - learning_rate * d theta for every parameter, in a new dict."""
    ### BEGIN SOLUTION
    return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}
    ### END SOLUTION'''
UPDATE_TESTS = """p_t, g_t = {"W1": np.ones((2, 2))}, {"dW1": np.ones((2, 2))}
np.testing.assert_allclose(update_parameters(p_t, g_t, 0.5)["W1"], 0.5 * np.ones((2, 2)))
### BEGIN HIDDEN TESTS
checks.assert_not_delegating(update_parameters, [ref_nn.update_parameters], p_t, g_t, 0.5)
### END HIDDEN TESTS"""

# Independent, correct answers to linear_backward: each written its own way.
INDEPENDENT = [
    """def linear_backward(dZ, cache):
    # note: <script>alert("x")</script> & more
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.mean(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    assert dA_prev.shape == A_prev.shape, "dA_prev must have the shape of A_prev"
    assert not np.isnan(dW).any(), "dW has NaN"
    return dA_prev, dW, db""",
    """def linear_backward(dZ, cache):
    a_prev, weights, _ = cache
    n_examples = dZ.shape[1]
    grad_w = (1.0 / n_examples) * (dZ @ a_prev.T)
    grad_b = dZ.sum(axis=1).reshape(-1, 1) * (1.0 / n_examples)
    return weights.T @ dZ, grad_w, grad_b""",
    """def linear_backward(dZ, cache):
    X, W, bias = cache
    count = X.shape[-1]
    dX = np.matmul(np.transpose(W), dZ)
    dW = np.matmul(dZ, np.transpose(X)) / count
    db = np.expand_dims(dZ.sum(axis=1), 1) / count
    return dX, dW, db""",
    """def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dA_prev = W.T.dot(dZ)
    dW = dZ.dot(A_prev.T) * (1 / m)
    db = np.sum(dZ, 1, keepdims=True) * (1 / m)
    assert dW.shape == W.shape and db.shape == b.shape
    return dA_prev, dW, db""",
    """def linear_backward(dZ, cache):
    (inputs, weights, biases) = cache
    size = float(inputs.shape[1])
    gradients_b = np.add.reduce(dZ, axis=1, keepdims=True) / size
    gradients_w = np.einsum("ij,kj->ik", dZ, inputs) / size
    gradients_in = np.einsum("ji,jk->ik", weights, dZ)
    return gradients_in, gradients_w, gradients_b""",
]
# The first answer, copied by a classmate: renamed, comments and blank lines added.
COPIED = """def linear_backward(dZ, cache):
    # unpack the cache
    prev, weight, bias = cache
    examples = prev.shape[1]

    d_weight = np.dot(dZ, prev.T) / examples   # average over the examples
    d_bias = np.mean(dZ, axis=1, keepdims=True)
    d_prev = np.dot(weight.T, dZ)
    assert d_prev.shape == prev.shape, "check the shape"
    assert not np.isnan(d_weight).any(), "NaN!"
    return d_prev, d_weight, d_bias"""
INDEPENDENT_LONG = """def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = np.dot(dZ2, np.transpose(A1)) * (1 / m)
    db2 = dZ2.sum(axis=1, keepdims=True) * (1 / m)
    dZ1 = np.multiply(np.dot(W2.T, dZ2), 1 - np.power(A1, 2))
    dW1 = np.dot(dZ1, X.T) * (1 / m)
    db1 = dZ1.sum(axis=1, keepdims=True) * (1 / m)
    assert dW1.shape == parameters["W1"].shape, (dW1.shape, parameters["W1"].shape)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}"""
UPDATES = [
    "def update_parameters(parameters, grads, learning_rate):\n"
    '    return {k: parameters[k] - learning_rate * grads["d" + k] for k in parameters}',
    "def update_parameters(parameters, grads, learning_rate):\n"
    "    new = {}\n    for key, value in parameters.items():\n"
    '        new[key] = value - learning_rate * grads[f"d{key}"]\n    return new',
]


def _pasted_reference() -> str:
    """utils.nn.linear_backward and its helpers, pasted and renamed (a student's answer)."""
    code = reference_source("utils.nn.linear_backward")
    assert code is not None
    stub = 'def linear_backward(dZ, cache):\n    """x"""\n    pass'
    return reference_copy(stub, code, seed=3, level="medium")


@pytest.fixture(scope="module")
def copies_batch(tmp_path_factory):
    """A lesson with two exercises, graded for 9 students (trusted submissions: --unsafe)."""
    base = tmp_path_factory.mktemp("copies")
    root = base / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    nb = nbbuild.notebook(
        new_markdown_cell("# Copies"),
        nbbuild.locked_code("setup", SETUP),
        nbbuild.answer("linear_backward", BACKWARD),
        nbbuild.tests("test_linear_backward", BACKWARD_TESTS, points=1),
        nbbuild.answer("update_parameters", UPDATE),
        nbbuild.tests("test_update_parameters", UPDATE_TESTS, points=1),
    )
    nbbuild.write(nb, root / "solutions" / LESSON / f"{LESSON}.ipynb")
    release(root=root)
    released = nbformat.read(str(root / "lessons" / LESSON / f"{LESSON}.ipynb"), as_version=4)
    answers = {f"indie-{i}": code for i, code in enumerate(INDEPENDENT)}
    answers["copier"] = COPIED
    answers["pasted"] = _pasted_reference()
    folder = base / "submissions"
    for i, (student, code) in enumerate(answers.items()):
        chosen = {"linear_backward": code, "update_parameters": UPDATES[i % 2]}
        submission = copy.deepcopy(released)
        for cell in submission.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            cell.source = chosen.get(grade_id, cell.source)
        nbbuild.write(submission, folder / student / f"{LESSON}.ipynb")
    grading = base / "grading"
    grade(LESSON, folder, grading, workers=2, limits=LIMITS, unsafe=True, root=root, progress=False)
    return root, grading


def _cli(root: Path, grading: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            *args,
            "--course-dir",
            str(grading),
            "--root",
            str(root),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_copies_are_listed_and_independent_answers_are_not(copies_batch):
    root, grading = copies_batch
    done = _cli(root, grading, "similarity", LESSON, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) == {
        "lesson",
        "threshold",
        "submissions",
        "skipped",
        "exercises",
        "pairs",
        "students",
    }
    assert report["submissions"] == 7 and report["skipped"] == []
    assert report["exercises"][0]["references"] == ["utils.nn.linear_backward"]
    pairs = {(p["exercise"], p["first"], p["second"]) for p in report["pairs"]}
    copier = ("linear_backward", "copier", "indie-0")
    assert copier in pairs or (copier[0], copier[2], copier[1]) in pairs
    pasted = [p for p in report["pairs"] if p["reference"]]
    assert [(p["first"], p["second"]) for p in pasted] == [("pasted", "utils.nn.linear_backward")]
    flagged = {name for p in report["pairs"] for name in (p["first"], p["second"])}
    assert flagged == {"copier", "indie-0", "pasted", "utils.nn.linear_backward"}
    # update_parameters: one-liners that half the class wrote alike are never listed
    assert all(p["exercise"] == "linear_backward" for p in report["pairs"])


def test_the_text_table_lists_the_pairs_most_similar_first(copies_batch):
    root, grading = copies_batch
    done = _cli(root, grading, "similarity", LESSON)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{LESSON}: 7 submission(s), 2 exercise(s)")
    rows = [line.split() for line in lines if line.startswith("  linear_backward")]
    assert len(rows) == 2
    assert [float(r[-1]) for r in rows] == sorted((float(r[-1]) for r in rows), reverse=True)
    assert any("utils.nn.linear_backward" in r for r in rows)


def test_a_lower_threshold_lists_more_and_a_bad_one_is_refused(copies_batch):
    root, grading = copies_batch
    low = _cli(root, grading, "similarity", LESSON, "--threshold", "0.01", "--json")
    default = _cli(root, grading, "similarity", LESSON, "--json")
    assert len(json.loads(low.stdout)["pairs"]) >= len(json.loads(default.stdout)["pairs"])
    bad = _cli(root, grading, "similarity", LESSON, "--threshold", "1.5")
    assert bad.returncode == 2 and "(0, 1]" in bad.stderr


def test_the_html_page_shows_both_answers_side_by_side_escaped(copies_batch, tmp_path):
    root, grading = copies_batch
    page = tmp_path / "similar.html"
    done = _cli(root, grading, "similarity", LESSON, "--html", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert text.count('<table class="side-by-side">') == 2
    assert "d_weight = np.dot(dZ, prev.T) / examples" in text  # the copy
    assert "dW = np.dot(dZ, A_prev.T) / m" in text  # what it copied
    assert '<span class="shared">' in text
    assert "<script" not in text and "&lt;script&gt;alert(" in text  # the answer, escaped


def test_the_html_escapes_names_in_any_unicode():
    package = lesson_package("04_shallow_network")
    evil = "<b>Zo\u00eb</b> \u5f20\u4f1f \u202e"
    answers = {
        name: {"backward_propagation": INDEPENDENT_LONG} for name in (evil, "\u0410\u043d\u044f")
    }
    others = {f"s{i}": {"backward_propagation": f"x = {i}"} for i in range(6)}
    html = to_html(compare_lesson(package, {**answers, **others}))
    assert "<b>" not in html and "&lt;b&gt;Zo\u00eb&lt;/b&gt; \u5f20\u4f1f" in html
    assert "\u0410\u043d\u044f" in html


def test_the_report_html_has_a_similar_answers_section(copies_batch, tmp_path):
    root, grading = copies_batch
    page = tmp_path / "report.html"
    done = _cli(root, grading, "report", LESSON, "--html", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert "<h2>Similar answers</h2>" in text and "utils.nn.linear_backward" in text
    assert "score histogram" in text
    plain = _cli(root, grading, "report", LESSON, "--json")
    assert set(json.loads(plain.stdout)) == {"lesson", "students"}  # the JSON report is as before


def test_a_lesson_not_graded_there_is_an_instructor_error(copies_batch, tmp_path):
    root, _ = copies_batch
    done = _cli(root, tmp_path / "empty", "similarity", LESSON)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "grade" in done.stderr
    unknown = _cli(root, tmp_path / "empty", "similarity", "42_nope")
    assert unknown.returncode == 2 and "unknown lesson" in unknown.stderr


# ---------------------------------------------------------------- the measured property


@pytest.mark.slow
def test_no_false_positive_at_the_defaults_and_copies_are_found():
    """The benchmark's measurement on a smaller scale (150 students per class): nothing
    independent is listed, reference copies are, and so are some whole-notebook copiers."""
    found, planted, copiers = 0, 0, 0
    for lesson in LESSONS:
        measured = measure_lesson(lesson, 150, 1, DEFAULTS)
        assert (
            sum(measured.false_positives(DEFAULTS.threshold, DEFAULTS.min_evidence).values()) == 0
        )
        pairs = measured.student_evidence(DEFAULTS.threshold)
        independent = [
            bits for (a, b), (count, bits) in pairs.items() if a[0] == b[0] == "s" and count > 1
        ]
        assert all(bits < DEFAULTS.lesson_evidence for bits in independent), lesson
        for kind, pair in measured.copy_pairs():
            if kind.startswith("reference"):
                planted += 1
                found += bool(
                    pair
                    and pair.similarity >= DEFAULTS.threshold
                    and pair.evidence >= DEFAULTS.min_evidence
                )
        for copier, original in measured.copied.items():
            count, bits = pairs.get((min(copier, original), max(copier, original)), (0, 0.0))
            copiers += count > 1 and bits >= DEFAULTS.lesson_evidence
    assert found >= 0.9 * planted
    assert copiers >= 1


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ["03_broadcasting", "05_activations", "08_backpropagation"])
def test_generated_answers_pass_the_lessons_own_tests(lesson):
    """The independent class is made of correct answers: a sample runs the lesson's test cells
    (hidden tests included) in the solution notebook's namespace (`bench_similarity.py
    --verify 25` checks 25 per exercise of every lesson)."""
    package = lesson_package(lesson)
    answers = {
        exercise: list(independent_class((lesson, exercise), 6, 11, package).values())
        for (lesson_id, exercise) in EXERCISES
        if lesson_id == lesson
    }
    failures = {
        exercise: [e for e in errors if e]
        for exercise, errors in check_answers(lesson, answers).items()
    }
    assert failures == {exercise: [] for exercise in answers}


def test_a_light_copy_of_a_distinctive_answer_is_as_similar_as_can_be():
    package = lesson_package("04_shallow_network")
    answers = {f"s{i}": code for i, code in enumerate(INDEPENDENT)}
    answers["copy"] = disguised_copy(INDEPENDENT[1], seed=5, level="light")
    matches, _ = compare_exercise(
        "linear_backward", answers, "", {}, frozenset({"np"}), replace(DEFAULTS, min_evidence=0)
    )
    best = max(matches, key=lambda m: m.similarity)
    assert {best.first, best.second} == {"s1", "copy"} and best.similarity == 1.0
    assert package["lesson"] == "04_shallow_network"


# ---------------------------------------------------------------- the parts


def test_every_real_lesson_maps_its_answers_to_their_references():
    for lesson in [f"0{i}_" for i in range(1, 9)]:
        name = next(p.name for p in (ROOT / "solutions").iterdir() if p.name.startswith(lesson))
        package = lesson_package(name)
        found = forbidden_references(package)
        assert found, name
        for paths in found.values():
            assert all(reference_source(p) for p in paths), paths
    cost = forbidden_references(lesson_package("04_shallow_network"))["compute_cost"]
    assert cost[:2] == ["utils.nn.compute_cost", "utils.losses.binary_cross_entropy"]
    deep = forbidden_references(lesson_package("07_deep_network"))["L_layer_model"]
    assert "utils.nn.model_backward" in deep  # through the helper check_not_delegating
    assert forbidden_references(lesson_package("03_broadcasting"))["image2vector"] == []
    assert "def _linear_grads" in (reference_source("utils.nn.linear_backward") or "")
    assert reference_source("numpy.tanh") is None


def test_the_generated_exercises_cover_every_lesson():
    assert {lesson for lesson, _ in EXERCISES} == {
        p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()
    }


CODE = """def f(x, alpha=0.01):
    '''Docstring.'''
    total = np.sum(x ** 2, axis=0)  # a comment
    scaled = total * alpha
    return scaled.T @ x"""
IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: (
        s not in BUILTINS
        and s not in {"np", "f", "x", "alpha", "axis"}
        and not __import__("keyword").iskeyword(s)
    )
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(IDENTIFIERS, min_size=2, max_size=2, unique=True),
    spaces=st.sampled_from(["", " ", "  "]),
    comment=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
)
def test_normalization_ignores_names_spacing_and_comments(names, spaces, comment):
    renamed = rename_tokens(CODE, {"total": names[0], "scaled": names[1]})
    restyled = renamed.replace(" = ", f"{spaces}={spaces}").replace("# a comment", "# " + comment)
    restyled = restyled.replace("\n    return", "\n\n    return")
    keep = {"np", "f"}
    assert [t.text for t in normalize(restyled, keep)] == [t.text for t in normalize(CODE, keep)]


def test_normalization_keeps_what_a_copier_cannot_rename():
    text = " ".join(t.text for t in normalize(CODE, {"np"}))
    assert "np . sum" in text and "axis =" in text and ". T" in text and "Docstring" not in text
    assert "total" not in text and "comment" not in text
    assert normalize("x = 1.0") == normalize("y = 1")


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_any_text_normalizes_without_an_error(text):
    normalize(text, {"np"})


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "   \n\n",
        "def f(:\n  return ((((",  # a syntax error
        "x = '''never closed\n" + "y = 1\n" * 50,
        "%timeit f()\n!ls\nx = 1",
        "\x00\ufffd\udcff weird \u202e tokens $ ? ` \\",
        "é = 'ü'; 中 = 1; return é + 中",
        "x = (" * 5000,
        "a = 1\n" * 200_000,  # a huge answer: compared on its first MAX_CHARS characters
    ],
)
def test_hostile_answers_do_not_break_the_comparison(hostile):
    package = lesson_package("01_logistic_regression")
    rng = random.Random(0)
    submissions = {f"s{i}": {"sigmoid": hostile} for i in range(3)}
    submissions["t"] = {"sigmoid": "s = 1 / (1 + np.exp(-z))" * rng.randint(1, 3)}
    similarity = compare_lesson(package, submissions, replace(DEFAULTS, min_evidence=0))
    assert similarity.submissions == 4
    assert all(p["exercise"] == "sigmoid" for p in similarity.report()["pairs"])
    to_html(similarity).encode("utf-8")  # the pages can be written
    json.dumps(similarity.report(), ensure_ascii=False).encode("utf-8")


def test_an_unreadable_submission_is_skipped_with_its_reason(copies_batch, tmp_path):
    root, grading = copies_batch
    broken = tmp_path / "grading"
    shutil.copytree(grading, broken)
    (broken / "submitted" / "indie-2" / LESSON / f"{LESSON}.ipynb").write_bytes(
        b"\xff\xfe not json"
    )
    done = _cli(root, broken, "similarity", LESSON, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["submissions"] == 6
    assert len(report["skipped"]) == 1 and report["skipped"][0].startswith("indie-2: ")
    assert re.search(r"not UTF-8", report["skipped"][0])


def test_every_html_template_escapes_what_it_is_given():
    """Templates are named `*.html.j2`; their values are escaped (a student's text included)."""
    from autograder.rendering import render

    page = render(
        "autograder.outputs",
        "status_page.html.j2",
        lesson="<b>x</b>",
        status_text="graded.",
        score=1,
        max_score=2,
        reasons=["missing_notebook: found <script>alert(1)</script>.ipynb"],
    )
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;x" in page
