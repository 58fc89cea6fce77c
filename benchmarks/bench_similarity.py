"""The copy check (`python -m autograder similarity`): false positives, detection, time.

On generated classes (`tests/support/similarity_corpus.py`): for each lesson, 300 students
answer the lesson's generated exercises (31 exercises of the 8 lessons) independently; 12
more copy a classmate's whole notebook (4 at each disguise level: light, medium, heavy),
and 3 answer the exercises that have a `utils` reference by pasting it (one per level).

Printed:
- per setting (similarity threshold T, evidence E): false positives per 300-student class per
  exercise (pairs with an independent answer that are listed), and the share of copied answers
  listed, by kind;
- per T and lesson evidence EL: pairs of independent students listed as similar across the
  lesson's exercises, and the whole-notebook copiers found;
- the chosen defaults' row, the other fingerprint settings at their own false-positive-free
  evidence, and the time to compare 300 students x 10 exercises;
- with `--copydetect` (copydetect 0.5.0 installed): the same class compared with copydetect.

`--write` records the figures in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import machine, record_section  # noqa: E402

from autograder.outputs.copies import Settings, compare_exercise  # noqa: E402
from autograder.outputs.references import (  # noqa: E402
    forbidden_references,
    lesson_names,
    reference_source,
)
from autograder.outputs.similarity import DEFAULTS  # noqa: E402
from tests.support.similarity_corpus import (  # noqa: E402
    EXERCISES,
    LESSONS,
    LessonMeasure,
    check_answers,
    independent_class,
    lesson_package,
    measure_lesson,
    stub_of,
)

N = 300
SEED = 0
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
EVIDENCE = (5, 10, 15, 20, 25, 30, 40)
KINDS = ("classmate-light", "classmate-medium", "classmate-heavy", "reference-")
COPYDETECT_VERDICT = (
    "Hence the course's own small implementation (`autograder/outputs/fingerprints.py`, "
    "`autograder/outputs/copies.py`) rather than copydetect: copydetect has no discount for "
    "what much of the class writes alike (only a boilerplate file), so every short answer "
    "that came out the same is a pair (thousands per exercise at any threshold); it turns "
    "every name, attribute and keyword argument into `V` (`np.dot` and `X.shape` look alike);"
    " it compares every pair one by one (its time above, against this implementation's); its "
    "hashes are Python's salted `hash()`; and it would add a dependency."
)


def per_exercise(measures: list[LessonMeasure], threshold: float, evidence: float) -> dict:
    """False positives per exercise (mean, max) and copies listed by kind."""
    fps = [v for m in measures for v in m.false_positives(threshold, evidence).values()]
    found = {kind: [0, 0] for kind in KINDS}
    for m in measures:
        for kind, pair in m.copy_pairs():
            key = next(k for k in KINDS if kind.startswith(k))
            found[key][1] += 1
            if pair and pair.similarity >= threshold and pair.evidence >= evidence:
                found[key][0] += 1
    return {"mean": sum(fps) / len(fps), "max": max(fps), "found": found}


def per_student(measures: list[LessonMeasure], threshold: float, evidence: float) -> dict:
    """Independent pairs of students listed, and whole-notebook copiers found."""
    false, found, total = 0, 0, 0
    for m in measures:
        pairs = m.student_evidence(threshold)
        for (a, b), (count, bits) in pairs.items():
            if a[0] == "s" and b[0] == "s" and count > 1 and bits >= evidence:
                false += 1
        for copier, original in m.copied.items():
            count, bits = pairs.get((min(copier, original), max(copier, original)), (0, 0.0))
            total += 1
            found += count > 1 and bits >= evidence
    return {"false": false, "found": found, "total": total}


def _share(found: list[int]) -> str:
    return f"{found[0]}/{found[1]} ({100 * found[0] / max(found[1], 1):.0f}%)"


def timing(settings: Settings) -> float:
    """Seconds to compare 300 students x 10 exercises (the generated ones of lessons 04, 07
    and 08, with their references), fingerprints included."""
    chosen = [e for e in EXERCISES if e[0] in ("04_shallow_network", "07_deep_network")]
    chosen += [e for e in EXERCISES if e[0] == "08_backpropagation"][: 10 - len(chosen)]
    work = []
    for lesson, exercise in chosen:
        package = lesson_package(lesson)
        references = {
            p: c
            for p in forbidden_references(package).get(exercise, [])
            for c in [reference_source(p)]
            if c
        }
        answers = independent_class((lesson, exercise), N, SEED, package)
        keep = frozenset(lesson_names(package))
        work.append((exercise, answers, stub_of(package, exercise), references, keep))
    start = time.perf_counter()
    for exercise, answers, stub, references, keep in work:
        compare_exercise(exercise, answers, stub, references, keep, settings)
    return time.perf_counter() - start


def copydetect_figures(threshold_grid: tuple[float, ...]) -> list[str] | None:
    """The same classes (one exercise at a time, copies of classmates and references planted)
    compared with copydetect 0.5.0's fingerprints and `compare_files`; None without it."""
    try:
        from copydetect import CodeFingerprint, compare_files
    except ImportError:
        return None
    from tests.support.similarity_corpus import planted_lesson

    scores: dict[str, list[float]] = {"independent": [], **{k: [] for k in KINDS}}
    per_exercise_fp: list[list[float]] = []
    seconds = 0.0
    for lesson in LESSONS:
        package, submissions, copied, references = planted_lesson(lesson, N, SEED)
        for exercise in [e for (l_id, e) in EXERCISES if l_id == lesson]:
            stub = CodeFingerprint("stub.py", 25, 1, fp=io.StringIO(stub_of(package, exercise)))
            start = time.perf_counter()
            prints = {
                s: CodeFingerprint(
                    f"{s}.py", 25, 1, boilerplate=list(stub.hashes), fp=io.StringIO(a[exercise])
                )
                for s, a in submissions.items()
                if exercise in a
            }
            sims = {}
            for a, b in itertools.combinations(prints, 2):
                _, (s1, s2), _ = compare_files(prints[a], prints[b])
                sims[(a, b)] = sims[(b, a)] = max(s1, s2)
            seconds += time.perf_counter() - start
            independent = [v for (a, b), v in sims.items() if a < b and a[0] == b[0] == "s"]
            scores["independent"] += independent
            per_exercise_fp.append(independent)
            for copier, original in copied.items():
                kind = "classmate-" + copier.split("-")[1]
                scores[kind].append(sims.get((copier, original), 0.0))
            for copier, paths in references.items():
                if exercise in paths:
                    code = reference_source(paths[exercise]) or ""
                    ref = CodeFingerprint("ref.py", 25, 1, fp=io.StringIO(code))
                    _, (s1, s2), _ = compare_files(prints[copier], ref)
                    scores["reference-"].append(max(s1, s2))
    lines = [
        "| threshold | false positives per class per exercise (mean / max) | "
        + " | ".join(KINDS)
        + " |",
        "| --- | --- | " + " | ".join("---" for _ in KINDS) + " |",
    ]
    for threshold in threshold_grid:
        counts = [sum(1 for v in e if v >= threshold) for e in per_exercise_fp]
        found = [
            f"{100 * sum(1 for v in scores[k] if v >= threshold) / max(len(scores[k]), 1):.0f}%"
            for k in KINDS
        ]
        lines.append(
            f"| {threshold:g} | {sum(counts) / len(counts):.1f} / {max(counts)} | "
            + " | ".join(found)
            + " |"
        )
    lines.append(
        f"\ncopydetect's time for these classes: {seconds:.0f} s for {len(per_exercise_fp)} "
        f"exercises, {10 * seconds / len(per_exercise_fp):.0f} s per 300 students x 10 exercises"
    )
    return lines


def correctness(per_exercise: int) -> str:
    """How many generated answers pass their lesson's test cells (hidden tests included)."""
    passed = total = 0
    for lesson in LESSONS:
        package = lesson_package(lesson)
        answers = {
            exercise: list(
                independent_class((lesson, exercise), per_exercise, SEED, package).values()
            )
            for (lesson_id, exercise) in EXERCISES
            if lesson_id == lesson
        }
        for errors in check_answers(lesson, answers).values():
            passed += sum(1 for e in errors if e is None)
            total += len(errors)
    return (
        f"Correctness: {passed} of {total} generated answers ({per_exercise} per exercise) pass "
        "their lesson's own test cells, hidden tests included (`--verify`)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record in benchmarks/README.md")
    parser.add_argument("--copydetect", action="store_true", help="also measure copydetect")
    parser.add_argument(
        "--verify",
        type=int,
        default=0,
        metavar="N",
        help="also run N generated answers per exercise against the lesson's own tests",
    )
    args = parser.parse_args()

    flags = (" --copydetect" if args.copydetect else "") + (
        f" --verify {args.verify}" if args.verify else ""
    )
    start = time.perf_counter()
    measures = [measure_lesson(lesson, N, SEED, DEFAULTS) for lesson in LESSONS]
    measured = time.perf_counter() - start
    exercises = sum(len(m.exercises) for m in measures)
    out = [
        f"Measured on {machine()}, by `python benchmarks/bench_similarity.py{flags}`: "
        f"{len(LESSONS)} "
        f"lessons, {exercises} exercises, {N} independent students each, copies planted "
        f"(module docstring); fingerprints k={DEFAULTS.k}, window={DEFAULTS.window}, "
        f"common share {DEFAULTS.common_share:g}. Generating and comparing everything: "
        f"{measured:.0f} s.",
        "",
        "Answers (one exercise): false positives per 300-student class per exercise (pairs with "
        "an independent answer listed; mean / max over the exercises) and copies listed.",
        "",
        "| T | E | false positives | " + " | ".join(KINDS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in KINDS) + " |",
    ]
    for threshold in THRESHOLDS:
        for evidence in EVIDENCE:
            row = per_exercise(measures, threshold, evidence)
            chosen = (threshold, evidence) == (DEFAULTS.threshold, DEFAULTS.min_evidence)
            mark = "**" if chosen else ""
            out.append(
                f"| {mark}{threshold:g}{mark} | {mark}{evidence:g}{mark} | "
                f"{row['mean']:.2f} / {row['max']} | "
                + " | ".join(_share(row["found"][k]) for k in KINDS)
                + " |"
            )
    out += [
        "",
        "Students (evidence added up over a lesson's exercises where T is reached, at least two "
        "exercises): pairs of independent students listed (all 8 lessons together) and "
        "whole-notebook copiers found.",
        "",
        "| T | EL | independent pairs listed | copiers found |",
        "| --- | --- | --- | --- |",
    ]
    for threshold in THRESHOLDS:
        for evidence in EVIDENCE:
            row = per_student(measures, threshold, evidence)
            chosen = (threshold, evidence) == (DEFAULTS.threshold, DEFAULTS.lesson_evidence)
            mark = "**" if chosen else ""
            out.append(
                f"| {mark}{threshold:g}{mark} | {mark}{evidence:g}{mark} | {row['false']} | "
                + _share([row["found"], row["total"]])
                + " |"
            )
    out += [
        "",
        "Other fingerprint settings, at T = 0.6 and the smallest E without a false positive:",
    ]
    out += ["", "| k | window | common share | E | copies of classmates | references |"]
    out += ["| --- | --- | --- | --- | --- | --- |"]
    for k, window, share in (
        (5, 1, 0.1),
        (5, 4, 0.1),
        (8, 1, 0.1),
        (12, 1, 0.1),
        (5, 1, 0.03),
        (5, 1, 0.3),
    ):
        settings = replace(DEFAULTS, k=k, window=window, common_share=share)
        other = [measure_lesson(lesson, N, SEED, settings) for lesson in LESSONS]
        for evidence in (5, 10, 15, 20, 25, 30, 40, 50, 70, 100):
            row = per_exercise(other, DEFAULTS.threshold, evidence)
            if row["max"] == 0:
                break
        classmates = [sum(row["found"][k][i] for k in KINDS[:3]) for i in (0, 1)]
        out.append(
            f"| {k} | {window} | {share:g} | {evidence} | {_share(classmates)} | "
            f"{_share(row['found']['reference-'])} |"
        )
    seconds = timing(DEFAULTS)
    out += [
        "",
        f"Time to compare 300 students x 10 exercises (fingerprints, index, pairs, references): "
        f"**{seconds:.1f} s**.",
    ]
    if args.verify:
        out += ["", correctness(args.verify)]
    if args.copydetect:
        lines = copydetect_figures(THRESHOLDS)
        out += ["", "copydetect 0.5.0 (k = 25 characters, window 1, the stub as boilerplate):", ""]
        out += lines or ["skipped: copydetect not installed (pip install copydetect==0.5.0)"]
        out += ["", COPYDETECT_VERDICT]
    text = "\n".join(out)
    print(text)
    if args.write:
        heading = "## Copy check (similarity)"
        record_section(heading, f"{heading}\n\n{text}\n")


if __name__ == "__main__":
    main()
