"""Guarantee 4, tampering never earns credit: edited or deleted locked cells are restored
and run; replacing the functions tests use, hooking IPython, or leaving or killing the
kernel leaves the score right (what an honest submission with the same answers gets) or
flags the submission with the reason."""

from __future__ import annotations

import pytest

from tests.support.grading_crafted import batch_in_each_mode  # noqa: F401  (`batch`, in each mode)
from tests.support.grading_helpers import result_of


def _score(batch, student):
    return result_of(batch.course_dir, student)


# student -> (right score: the honest score of the same answers, reason code, reason text)
TAMPERING = {
    "patch-testing": (2.0, "tamper", "numpy.testing.assert_allclose was replaced"),
    "patch-builtins": (3.0, "tamper", "builtins.abs was replaced"),
    "patch-checks": (3.0, "tamper", "utils.checks.assert_close was replaced"),
    "patch-in-test": (2.0, "tamper", "numpy.testing.assert_allclose was replaced"),
    "fake-equal": (3.0, "recheck", "__main__.Anything"),
    "transformer": (3.0, "tamper", "input_transformers_post"),
    "pre-run-hook": (2.0, "tamper", "pre_run_cell event callback"),
    "excepthook": (3.0, "tamper", "custom_exceptions"),
    "kill-in-test": (3.0, "kernel_died", "test_double"),
    "os-exit": (4.0, "kernel_died", "cell #4"),
}


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_tampering_gives_the_right_score_and_a_flag(batch, student):
    right, code, text = TAMPERING[student]
    result = _score(batch, student)
    assert result["score"] == right, (result["tests"], result["reasons"])
    assert result["status"] == "flagged"
    assert any(r.startswith(f"{code}:") and text in r for r in result["reasons"]), result["reasons"]


def test_the_honest_scores_used_above(batch):
    assert _score(batch, "correct")["score"] == 4.0
    assert _score(batch, "wrong")["score"] == 2.0  # scale wrong
    assert _score(batch, "hardcoded")["score"] == 3.0  # double wrong on the hidden test


def test_the_static_scan_names_what_it_found(batch):
    reasons = _score(batch, "patch-testing")["reasons"]
    assert any(r.startswith("scan:") and "np.testing.assert_allclose" in r for r in reasons)


def test_sys_exit_in_an_answer_only_stops_that_cell(batch):
    result = _score(batch, "sys-exit")
    assert result["score"] == 4.0
    assert result["status"] == "flagged"  # the scan saw `import sys`


def test_a_killed_kernel_is_restarted_and_the_rest_is_graded(batch):
    result = _score(batch, "kill-in-test")
    assert result["tests"]["test_double"]["score"] == 0.0
    assert result["tests"]["test_scale"]["score"] == 2.0
    assert result["tests"]["test_mean_sq"]["score"] == 1.0


@pytest.mark.parametrize(
    ("student", "grade_id", "what"),
    [("deleted-test", "test_double", "deleted"), ("edited-test", "test_scale", "edited")],
)
def test_deleted_or_edited_locked_cells_are_restored_and_run(batch, student, grade_id, what):
    result = _score(batch, student)
    assert result["tests"][grade_id]["score"] == 0.0  # the wrong answer is caught
    assert result["tests"][grade_id]["status"] == "failed"
    assert f"restored: locked cell {grade_id} was {what}; the original was run" in result["reasons"]


def test_prefilled_outputs_are_ignored(batch):
    result = _score(batch, "prefilled")
    assert result["tests"]["test_double"]["score"] == 0.0
    assert result["score"] == 3.0
