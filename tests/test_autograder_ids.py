"""Student ids: any name a person or an LMS gives is kept (NFC) when it is safe to store,
and refused with a reason otherwise; hostile names never become paths."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.batch.ids import INVALID_PREFIX, MAX_ID_BYTES, REFUSED_CATEGORIES, student_id
from autograder.common import printable
from autograder.reasons import Reason


@pytest.mark.parametrize(
    "name",
    [
        "学生",
        "with space",
        "José",
        "O'Brien",
        "Anne-Marie",
        "Zoë Ørsted",
        "李 小龙",
        "王\u3000芳",
        "a.b@c+d",
        "Müller-Lüdenscheidt",
        "نور",
        "user_123",
    ],
)
def test_real_names_are_kept(name):
    """Names in any script, with spaces (also the ideographic one), apostrophes, hyphens."""
    found = student_id(name)
    assert found.valid and found.key == name == found.text


def test_decomposed_and_composed_accents_are_one_student():
    composed, decomposed = "Jos\u00e9", "Jose\u0301"
    assert student_id(decomposed).key == student_id(composed).key == composed


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../x", "path separator"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        (".", "dot"),
        ("..", "dot"),
        (".hidden", "dot"),
        ("", "empty"),
        ("   ", "empty"),
        (" padded", "white space"),
        ("ta\tb", "control character"),
        ("a\x00b", "control character"),
        ("bell\x07", "control character"),
        ("rtl\u202eevil", "invisible formatting"),
        ("zero\u200bwidth", "invisible formatting"),
        ("line\u2028break", "line separator"),
        ("\udc80bytes", "not UTF-8"),
        ("x" * (MAX_ID_BYTES + 1), "longer than"),
        ("学" * 67, "longer than"),
        (INVALID_PREFIX + "abc", "reserves"),
    ],
)
def test_hostile_names_are_refused_with_a_reason(name, why):
    found = student_id(name)
    assert not found.valid and found.key.startswith(INVALID_PREFIX)
    assert found.problem is not None and Reason.of(found.problem) is Reason.INVALID_ID
    assert why in found.problem
    assert "\n" not in found.problem and "\x00" not in found.problem


@given(st.text(max_size=300))
def test_every_key_is_safe_nfc_and_stable(name):
    found = student_id(name)
    assert found.key and found.key == found.key.strip()
    assert all(unicodedata.category(c) not in REFUSED_CATEGORIES for c in found.key)
    assert "/" not in found.key and "\\" not in found.key and not found.key.startswith(".")
    assert len(found.key.encode("utf-8")) <= MAX_ID_BYTES
    assert found.key == unicodedata.normalize("NFC", found.key)
    assert student_id(name) == found  # deterministic
    if found.valid:
        assert student_id(found.key).key == found.key  # idempotent
    else:
        assert found.key != found.text


@given(st.text(min_size=1, max_size=40))
def test_printable_keeps_every_script_and_escapes_what_does_not_print(name):
    shown = printable(name)
    assert shown.isprintable()
    assert all(c in shown for c in name if c.isprintable())
