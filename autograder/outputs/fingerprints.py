"""Token fingerprints of a piece of Python code, for the copy check (`similarity.py`).

`normalize` turns code into tokens that survive the usual disguises of a copy:

- comments, docstrings (a string that is a statement of its own), blank lines, indentation,
  spacing and line breaks inside brackets are dropped; a statement boundary is `;`;
- names the code binds itself (variables, parameters, its own helpers) become `V`; what it
  cannot rename without changing its meaning stays: keywords, builtins, the names the
  lesson defines (`np`, `sigmoid`, `ref_nn`, ... given as `keep`), attributes (`np.dot`,
  `.shape`, `.T`) and keyword arguments (`axis=`, `keepdims=`);
- every string is `S`; a number is its value (`1`, `1.0` and `1.` are the same);
- anything else (an operator, a stray character) is kept as written.

The scanner is a regular expression, not Python's parser: it never fails, whatever the
input (a syntax error, an unterminated string, IPython magics, any Unicode).

`fingerprints` hashes every run of `k` consecutive tokens (a k-gram) and keeps, by
winnowing (Schleimer, Wilkerson and Aiken, SIGMOD 2003), the smallest hash of every
`window` consecutive k-grams: any match of at least `k + window - 1` tokens shares a
fingerprint. Hashes are stable across runs (blake2b of each distinct token, then a tuple
hash of integers, which Python does not salt).
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass

_SCANNER = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>(?:[rRbBuUfF]{1,2})?(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)
        |'(?:\\.|[^'\\\r\n])*(?:'|$)|"(?:\\.|[^"\\\r\n])*(?:"|$)))
  | (?P<number>(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+
        |(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d[\d_]*)?)[jJ]?)
  | (?P<name>[^\W\d]\w*)
  | (?P<newline>\r\n|\r|\n)
  | (?P<space>[ \t\f\v]+|\\\r?\n)
  | (?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%@&|^=<>!]=|[-+*/%@&|^~<>()\[\]{},:;.=])
  | (?P<other>.)
    """,
    re.VERBOSE | re.MULTILINE,
)
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_KEYWORDS = frozenset(keyword.kwlist)  # soft keywords (match, case, _) are names too
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))


@dataclass(frozen=True)
class Token:
    """A normalized token and the line (from 1) of the code where it starts."""

    text: str
    line: int


def _number(text: str) -> str:
    """A number literal as its value: 1, 1.0 and 1. are all "1.0"; 1e-07 is "1e-07"."""
    try:
        if text[-1] in "jJ":
            return repr(complex(text.replace("_", "")))
        if text[:2].lower() in ("0x", "0o", "0b"):
            return repr(float(int(text.replace("_", ""), 0)))
        return repr(float(text.replace("_", "")))
    except ValueError:
        return text


def normalize(code: str, keep: Iterable[str] = ()) -> list[Token]:
    """The normalized tokens of `code` (see the module docstring); `keep`: names to keep."""
    kept = BUILTINS | frozenset(keep)
    raw: list[tuple[str, str, int]] = []  # (kind, text, line)
    line = 1
    for match in _SCANNER.finditer(code):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind not in ("comment", "space"):
            raw.append((kind, text, line))
        line += text.count("\n")
    tokens: list[Token] = []
    depth = 0
    start_of_statement = True
    for index, (kind, text, line) in enumerate(raw):
        if kind == "newline":
            if depth == 0 and not start_of_statement:
                tokens.append(Token(";", line))
                start_of_statement = True
            continue
        if kind == "string":
            if start_of_statement and _string_statement(raw, index):
                continue  # a docstring, or a string used as a comment
            if tokens and tokens[-1].text == "S" and raw[index - 1][0] == "string":
                continue  # implicit concatenation: "a" "b" is one string
            tokens.append(Token("S", line))
        elif kind == "number":
            tokens.append(Token(_number(text), line))
        elif kind == "name":
            tokens.append(Token(_name(raw, index, depth, kept), line))
        elif text == ";":
            if not start_of_statement:
                tokens.append(Token(";", line))
            start_of_statement = True
            continue
        else:
            if text in _OPENING:
                depth += 1
            elif text in _CLOSING:
                depth = max(0, depth - 1)
            tokens.append(Token(text, line))
        start_of_statement = False
    if tokens and tokens[-1].text == ";":
        tokens.pop()
    return tokens


def _string_statement(raw: list[tuple[str, str, int]], index: int) -> bool:
    """Whether the strings starting at `index` (a statement's start) end the statement."""
    while index < len(raw) and raw[index][0] == "string":
        index += 1
    return index == len(raw) or raw[index][0] == "newline" or raw[index][1] == ";"


def _name(raw: list[tuple[str, str, int]], index: int, depth: int, kept: frozenset[str]) -> str:
    """A name as itself (a keyword, kept, an attribute, a keyword argument) or as `V`."""
    text = raw[index][1]
    if text in _KEYWORDS or text in kept:
        return text
    before = index - 1
    while before >= 0 and raw[before][0] == "newline":
        before -= 1
    previous = raw[before][1] if before >= 0 else ""
    if previous == ".":
        return text  # an attribute: np.dot, X.shape
    after = index + 1
    while after < len(raw) and raw[after][0] == "newline":
        after += 1
    following = raw[after][1] if after < len(raw) else ""
    if depth > 0 and following == "=" and previous in ("(", ","):
        return text  # a keyword argument: axis=0
    return "V"


@functools.cache
def _token_id(text: str) -> int:
    data = text.encode("utf-8", "surrogatepass")  # any str, a lone surrogate included
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Fingerprint:
    """A selected k-gram hash and the lines of the code it spans."""

    hash: int
    first_line: int
    last_line: int


def fingerprints(tokens: list[Token], k: int, window: int) -> list[Fingerprint]:
    """The winnowed k-gram hashes of `tokens` (robust winnowing: among equal minima of a
    window the rightmost is kept, and a fingerprint is recorded once per position)."""
    if len(tokens) < k:
        return []
    ids = [_token_id(token.text) for token in tokens]
    hashes = [hash(tuple(ids[i : i + k])) for i in range(len(ids) - k + 1)]
    if window <= 1:
        chosen: Iterable[int] = range(len(hashes))
    else:
        picked: list[int] = []
        for start in range(max(1, len(hashes) - window + 1)):
            end = min(len(hashes), start + window)
            best = min(range(start, end), key=lambda i: (hashes[i], -i))
            if not picked or picked[-1] != best:
                picked.append(best)
        chosen = picked
    return [Fingerprint(hashes[i], tokens[i].line, tokens[i + k - 1].line) for i in chosen]
