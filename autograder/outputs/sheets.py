"""Spreadsheets an LMS exports and takes back: read as they are, written as they were.

A sheet is UTF-8 CSV, with or without a byte order mark. Its delimiter is `,` or `;` (Canvas
writes `;` where the decimal separator is a comma); like Canvas's own importer
(`GradebookImporter#identify_delimiter`), the delimiter is the one that splits the first
lines into the same number of fields. A sheet is written back with its own byte order mark,
delimiter and quoting style, so that the LMS reads its own format. Numbers are read with a
decimal point or comma and written with a point, which both Canvas and Moodle read in any
language.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from ..batch.store import atomic_write
from ..config import CourseError

MAX_SHEET_BYTES = 64 * 2**20
DELIMITERS = (",", ";")
NUMBER = re.compile(r"^-?[0-9]+(?:[.,][0-9]+)?$")
DECIMALS = 6  # as the report's scores: nothing the gradebook holds is lost


@dataclass
class Sheet:
    """A CSV sheet: its header, its rows (each as long as the header) and how it was written."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    delimiter: str = ","
    bom: bool = False

    def find(self, *names: str) -> int | None:
        """The index of the first column named one of `names` (case and spaces ignored)."""
        wanted = [" ".join(n.lower().split()) for n in names]
        for name in wanted:
            for index, title in enumerate(self.header):
                if " ".join(title.lower().split()) == name:
                    return index
        return None


def _delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first lines into the same number of fields (the most)."""
    counts = {}
    for delimiter in DELIMITERS:
        sizes = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        counts[delimiter] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def read_sheet(path: Path, what: str) -> Sheet:
    """Read `path`, which should be `what` (for messages): see the module docstring."""
    try:
        size = path.stat().st_size
        if size > MAX_SHEET_BYTES:
            raise CourseError(f"{path} is {size // 2**20} MB: too large for {what}")
        data = path.read_bytes()
    except OSError as exc:
        raise CourseError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CourseError(
            f"{path} is not UTF-8: export {what} again as CSV (UTF-8), or save it from a "
            "spreadsheet as 'CSV UTF-8'"
        ) from None
    delimiter = _delimiter(text.splitlines()[:3])
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise CourseError(f"{path} is not a readable CSV file: {exc}") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise CourseError(f"{path} is empty: expected {what}")
    header = rows[0]
    body = [row + [""] * (len(header) - len(row)) for row in rows[1:]]
    return Sheet(path, header, body, delimiter, bom)


def write_sheet(sheet: Sheet, path: Path) -> None:
    """Write `sheet` to `path` atomically, as it was read (delimiter, byte order mark)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sheet.delimiter, lineterminator="\r\n")
    writer.writerow(sheet.header)
    writer.writerows(sheet.rows)
    atomic_write(path, out.getvalue().encode("utf-8-sig" if sheet.bom else "utf-8"))


def parse_number(text: str) -> float | None:
    """A number as a sheet writes one (`8`, `8.50`, `8,5`), or None (empty, `EX`, text)."""
    text = text.strip()
    if not NUMBER.match(text):
        return None
    return float(text.replace(",", "."))


def format_number(value: float) -> str:
    """A score for a sheet: at most `DECIMALS` decimals, no trailing zeros, no exponent."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-DECIMALS), ROUND_HALF_EVEN)
    text = format(rounded, "f").rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
