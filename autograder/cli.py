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


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _grade(args: argparse.Namespace) -> int:
    from .grade import grade
    from .limits import Limits

    defaults = Limits()
    limits = Limits(
        cell_timeout=args.timeout or _config_timeout(Path(args.root)),
        notebook_timeout=args.notebook_timeout or defaults.notebook_timeout,
        memory_mb=args.memory_mb or defaults.memory_mb,
        processes=args.max_processes or defaults.processes,
        disk_mb=args.disk_mb or defaults.disk_mb,
        output_kb=args.output_kb or defaults.output_kb,
        submission_mb=args.max_submission_mb or defaults.submission_mb,
    )
    if args.unsafe:
        print("warning: --unsafe: student code runs WITHOUT the sandbox (no isolation)",
              file=sys.stderr)
    summary = grade(
        args.lesson,
        Path(args.submissions),
        course_dir=Path(args.course_dir),
        workers=args.workers,
        limits=limits,
        unsafe=args.unsafe,
        progress=not args.no_progress,
        root=Path(args.root),
    )
    print("\n".join(summary.lines()))
    return 0


def _config_timeout(root: Path) -> int:
    from .course import load_config

    return int(load_config(root).Execute.timeout or 60)


def _feedback(args: argparse.Namespace) -> int:
    from .feedback import write_feedback

    written = write_feedback(args.lesson, Path(args.course_dir), Path(args.root))
    print(f"wrote {len(written)} feedback file(s) under {Path(args.course_dir) / 'feedback'}")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import collect, to_json, to_text, write_report

    data = collect(args.lesson, Path(args.course_dir), Path(args.root))
    write_report(
        data,
        Path(args.csv) if args.csv else None,
        Path(args.html) if args.html else None,
    )
    if args.json:
        print(to_json(data))
    elif not (args.csv or args.html):
        print(to_text(data))
    return 0


def _publish(args: argparse.Namespace) -> int:
    from .publish import publish

    target = publish(args.dir, force=args.force, github=args.github)
    print(f"wrote the student copy of the course to {target}")
    if not args.github:
        print("note: no --github OWNER/NAME given: the student README has no Binder badge")
    return 0


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

    from .course import ROOT
    from .grade import DEFAULT_COURSE_DIR

    course_dir = {
        "default": str(DEFAULT_COURSE_DIR),
        "help": f"grading state: gradebook, notebooks, feedback (default: {DEFAULT_COURSE_DIR})",
    }
    grade = commands.add_parser("grade", help="grade every submission of a lesson")
    grade.add_argument("lesson", help="lesson id, e.g. 01_logistic_regression")
    grade.add_argument("--submissions", required=True,
                       help="DIR/<student_id>/<LESSON>.ipynb, or a .zip of that layout")
    grade.add_argument("--course-dir", **course_dir)
    grade.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)  # tests
    grade.add_argument("--workers", type=_positive, default=None,
                       help="parallel grading processes (default: number of cores)")
    grade.add_argument("--timeout", type=_positive, default=None,
                       help="seconds per cell (default: Execute.timeout of nbgrader_config.py)")
    grade.add_argument("--notebook-timeout", type=_positive, default=None,
                       help="seconds per notebook (default: 600)")
    grade.add_argument("--memory-mb", type=_positive, default=None,
                       help="memory per kernel in MB (default: 2048)")
    grade.add_argument("--max-processes", type=_positive, default=None,
                       help="processes and threads per kernel (default: 64)")
    grade.add_argument("--disk-mb", type=_positive, default=None,
                       help="writable space per kernel in MB (default: 256)")
    grade.add_argument("--output-kb", type=_positive, default=None,
                       help="output kept per cell in KB (default: 1024)")
    grade.add_argument("--max-submission-mb", type=_positive, default=None,
                       help="largest submission file in MB (default: 20)")
    grade.add_argument("--unsafe", action="store_true",
                       help="grade without the sandbox (only for trusted submissions)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.set_defaults(run=_grade)

    feedback = commands.add_parser("feedback", help="write an HTML feedback file per student")
    feedback.add_argument("lesson")
    feedback.add_argument("--course-dir", **course_dir)
    feedback.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)  # tests
    feedback.set_defaults(run=_feedback)

    report = commands.add_parser("report", help="scores, statuses and reasons of a lesson")
    report.add_argument("lesson")
    report.add_argument("--course-dir", **course_dir)
    report.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)  # tests
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--csv", metavar="FILE", help="write the report as CSV")
    report.add_argument("--html", metavar="FILE",
                        help="write an HTML report (score histogram, failure rates)")
    report.set_defaults(run=_report)

    publish = commands.add_parser(
        "publish", help="write the student copy: lessons, utils, requirements, Binder files"
    )
    publish.add_argument("dir", help="where to write it (outside this repository)")
    publish.add_argument("--force", action="store_true",
                         help="replace a previous copy in DIR (other files there are kept)")
    publish.add_argument("--github", metavar="OWNER/NAME",
                         help="the GitHub repository the copy goes to, for the Binder badge")
    publish.set_defaults(run=_publish)
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
