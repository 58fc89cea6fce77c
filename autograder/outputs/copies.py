"""Compare a class's answers to one exercise with each other and with references.

Each answer is a set of fingerprints (`fingerprints.py`). A fingerprint weighs what it says
about copying: log(N / n) / log(N) when n of the N answers have it (1 for a fingerprint of one
answer only, whatever the size of the class), and nothing when it is in the released stub or
in more than `common_share` of the answers (what everyone writes). For two answers A and B:

- evidence = the weight of the fingerprints they share (about "how many fingerprints that
  nobody else has" they share);
- similarity = evidence / min(weight(A), weight(B)): the share of the lighter answer found in
  the other, so a copy padded with dead code still scores near 1.

Pairs come from an inverted index (fingerprint -> answers that have it): only answers that
share something are ever paired, and numpy adds up the weights of each fingerprint's list.

Copying is usually by students, not by exercises: `similar_students` adds up, for each pair of
students, the evidence of the exercises where their answers are similar. Independent
students' coincidences (two short answers that came out the same) rarely repeat across
exercises; a copied notebook repeats them in every exercise.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .fingerprints import fingerprints, normalize

MAX_CHARS = 100_000  # an answer is compared on its first MAX_CHARS characters


@dataclass(frozen=True)
class Settings:
    """What is listed (`threshold`, `min_evidence`, `lesson_evidence`) and how answers become
    fingerprints (`k`, `window`, `common_share`, `common_min`); see the module docstring."""

    threshold: float  # similarity, 0..1
    min_evidence: float  # for a pair of answers to one exercise
    lesson_evidence: float  # added up over a lesson's exercises, for a pair of students
    k: int  # tokens per k-gram
    window: int  # winnowing window (1: every k-gram)
    common_share: float  # fingerprints of more than this share of the answers weigh nothing
    common_min: int  # ... and of more than this many answers (small classes)


class Document:
    """One answer (or reference) as fingerprints: hash -> the lines of its first occurrence."""

    def __init__(self, source: str, keep: frozenset[str], settings: Settings) -> None:
        # lone surrogates (JSON allows "\udcff") become U+FFFD, so the pages can be written
        self.source = source.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        tokens = normalize(self.source[:MAX_CHARS], keep)
        self.lines: dict[int, tuple[int, int]] = {}
        for found in fingerprints(tokens, settings.k, settings.window):
            self.lines.setdefault(found.hash, (found.first_line, found.last_line))
        self.hashes = set(self.lines)
        self.weight = 0.0

    def marked(self, other: Document) -> frozenset[int]:
        """The lines (from 1) of this document's fingerprints that `other` has too."""
        return frozenset(
            line
            for h in self.hashes & other.hashes
            for line in range(self.lines[h][0], self.lines[h][1] + 1)
        )


@dataclass(frozen=True)
class Match:
    """Two similar answers to an exercise (or an answer and a reference)."""

    exercise: str
    first: str
    second: str
    reference: bool  # whether `second` is a `utils` reference
    similarity: float
    evidence: float
    shared: int  # fingerprints in common, the stub's and the common ones left out
    a: Document = field(repr=False, compare=False)
    b: Document = field(repr=False, compare=False)

    def listed(self, settings: Settings) -> bool:
        """Whether the pair is similar enough, with enough evidence, to be shown."""
        return self.similarity >= settings.threshold and self.evidence >= settings.min_evidence


def _weights(documents: list[Document], stub: set[int], settings: Settings) -> dict[int, float]:
    frequency = Counter(h for d in documents for h in d.hashes)
    n = len(documents)
    cutoff = max(settings.common_min, settings.common_share * n)
    scale = math.log(max(n, 2))
    weights = {h: math.log(n / c) / scale if c <= cutoff else 0.0 for h, c in frequency.items()}
    weights.update(dict.fromkeys(stub, 0.0))
    return weights


def _shared_weights(documents: list[Document], weights: dict[int, float]) -> np.ndarray:
    """The n x n matrix (upper triangle) of the weight each pair of answers shares."""
    n = len(documents)
    postings: dict[int, list[int]] = defaultdict(list)
    for index, document in enumerate(documents):
        for h in document.hashes:
            postings[h].append(index)
    keys, values = [], []
    for h, holders in postings.items():
        if len(holders) > 1:
            first, second = np.triu_indices(len(holders), 1)
            members = np.asarray(holders, dtype=np.int64)
            keys.append(members[first] * n + members[second])
            values.append(np.full(len(first), weights[h]))
    if not keys:
        return np.zeros((n, n))
    flat = np.bincount(np.concatenate(keys), np.concatenate(values), minlength=n * n)
    return flat.reshape(n, n)


def _match(
    exercise: str, names: tuple[str, str], a: Document, b: Document, reference: bool, weight: float
) -> Match:
    lighter = min(a.weight, b.weight)
    return Match(
        exercise=exercise,
        first=names[0],
        second=names[1],
        reference=reference,
        similarity=min(1.0, weight / lighter) if lighter > 0 else 0.0,
        evidence=float(weight),
        shared=len(a.hashes & b.hashes),
        a=a,
        b=b,
    )


def compare_exercise(
    exercise: str,
    answers: Mapping[str, str],
    stub: str,
    references: Mapping[str, str],
    keep: frozenset[str],
    settings: Settings,
) -> tuple[list[Match], int]:
    """Every pair of `answers` (student -> source) at least `settings.threshold` similar that
    shares anything, whatever its evidence (`similar_students` adds them up), and every
    answer listed with a reference (path -> source); also the number of answers with
    something of their own to compare."""
    owners = list(answers)
    documents = [Document(answers[o], keep, settings) for o in owners]
    weights = _weights(documents, Document(stub, keep, settings).hashes, settings)
    for document in documents:
        document.hashes = {h for h in document.hashes if weights[h] > 0}
        document.weight = sum(weights[h] for h in document.hashes)
    shared = _shared_weights(documents, weights)
    matches = []
    for a, b in zip(*np.nonzero(shared), strict=True):
        pair = (owners[a], owners[b])
        match = _match(exercise, pair, documents[a], documents[b], False, shared[a, b])
        if match.similarity >= settings.threshold:
            matches.append(match)
    unseen = 1.0  # the weight of what no answer has
    for path, code in references.items():
        reference = Document(code, keep, settings)
        reference.hashes = {h for h in reference.hashes if weights.get(h, unseen) > 0}
        reference.weight = sum(weights.get(h, unseen) for h in reference.hashes)
        for owner, document in zip(owners, documents, strict=True):
            weight = sum(weights[h] for h in document.hashes & reference.hashes)
            match = _match(exercise, (owner, path), document, reference, True, weight)
            if weight > 0 and match.listed(settings):
                matches.append(match)
    return matches, sum(1 for d in documents if d.hashes)


@dataclass(frozen=True)
class StudentPair:
    """Two students whose answers are similar in several exercises of a lesson."""

    first: str
    second: str
    evidence: float  # added up over `exercises`
    exercises: tuple[str, ...]


def similar_students(matches: Iterable[Match], settings: Settings) -> list[StudentPair]:
    """Pairs of students similar (`settings.threshold`) in two exercises or more, whose
    evidence adds up to `settings.lesson_evidence`; most evidence first."""
    evidence: dict[tuple[str, str], float] = defaultdict(float)
    exercises: dict[tuple[str, str], list[str]] = defaultdict(list)
    for match in matches:
        if not match.reference and match.similarity >= settings.threshold:
            key = (min(match.first, match.second), max(match.first, match.second))
            evidence[key] += match.evidence
            exercises[key].append(match.exercise)
    pairs = [
        StudentPair(key[0], key[1], weight, tuple(exercises[key]))
        for key, weight in evidence.items()
        if len(exercises[key]) > 1 and weight >= settings.lesson_evidence
    ]
    return sorted(pairs, key=lambda p: (-p.evidence, p.first, p.second))
