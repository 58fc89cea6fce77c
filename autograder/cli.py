"""Command line of the instructor's tool: `python -m autograder COMMAND ...`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError


def _release(args: argparse.Namespace) -> int:
    from .release import release

    for notebook in release(args.lessons or None):
        print(f"wrote {notebook}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate

    worst = 0
    for path in args.notebooks:
        if not Path(path).is_file():
            raise CourseError(f"no such notebook: {path}")
        validation = validate(path)
        if not validation.passed:
            worst = 1
            reasons = validation.failed or list(validation.result)
            print(f"{path}: FAILED ({', '.join(reasons)})")
        else:
            print(f"{path}: passed")
    return worst


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder", description="Release, grade and report on the lessons."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    release = commands.add_parser("release", help="regenerate lessons/ from solutions/")
    release.add_argument("lessons", nargs="*", help="lesson ids (default: all)")
    release.set_defaults(run=_release)

    validate = commands.add_parser(
        "validate", help="run notebooks' tests as nbgrader's Validate button does"
    )
    validate.add_argument("notebooks", nargs="+", help="notebook files")
    validate.set_defaults(run=_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
