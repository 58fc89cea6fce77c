"""Command line of the instructor's tool: `python -m autograder COMMAND ...`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from .batch.store import CourseDir
from .batch.submissions import LAYOUTS
from .config import DEFAULT_COURSE_DIR, ROOT, Course, CourseError
from .limits import Limits


def _release(args: argparse.Namespace) -> int:
    from .authoring.release import release

    for notebook in release(args.lessons or None, root=Path(args.root)):
        print(f"wrote {notebook}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .authoring.validate import validate

    worst = 0
    for path in args.notebooks:
        if not Path(path).is_file():
            raise CourseError(f"no such notebook: {path}")
        validation = validate(path, root=Path(args.root))
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


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or a positive integer, got {text}")
    return value


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per limit, from the limits' declarations (see `limits.py`)."""
    group = parser.add_argument_group(
        "limits per submission (also settable in nbgrader_config.py as c.Limits.<name>)"
    )
    for name, trait in sorted(Limits.declarations().items()):
        flag = trait.metadata["flag"]
        minimum = trait.min if trait.min is not None else 0
        group.add_argument(
            flag,
            dest=name,
            metavar="N",
            default=None,
            type=_positive if minimum >= 1 else _non_negative,
            help=f"{trait.help} (default: {trait.default_value}; c.Limits.{name})",
        )


def limits_from(args: argparse.Namespace, course: Course) -> Limits:
    """The limits of a `grade` command: its flags over `nbgrader_config.py` over defaults."""
    return Limits.from_config(course.config, **{n: getattr(args, n) for n in Limits.names()})


def grading_dir(args: argparse.Namespace, course: Course) -> CourseDir:
    """The grading directory of a command, with its gradebook: `--db`, else
    `nbgrader_config.py`'s `CourseDirectory.db_url`, else SQLite in the directory."""
    from .batch.store import CourseDir

    return CourseDir(Path(args.course_dir), args.db or course.db_url)


def _grade(args: argparse.Namespace) -> int:
    from .batch.grade import grade
    from .batch.submissions import parse_due

    course = Course.at(Path(args.root))
    limits = limits_from(args, course)
    if args.unsafe:
        print(
            "warning: --unsafe: student code runs WITHOUT the sandbox (no isolation)",
            file=sys.stderr,
        )
    summary = grade(
        args.lesson,
        Path(args.submissions),
        course_dir=Path(args.course_dir),
        workers=args.workers,
        limits=limits,
        unsafe=args.unsafe,
        progress=not args.no_progress,
        root=course.root,
        layout=args.source,
        due=parse_due(args.due) if args.due else None,
        scheduler=args.scheduler,
        db_url=args.db,
    )
    print("\n".join(summary.lines()))
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from .outputs.feedback import write_feedback

    course = Course.at(Path(args.root))
    grading = grading_dir(args, course)
    written = write_feedback(args.lesson, grading, course)
    print(f"wrote {len(written)} feedback file(s) under {grading.root / 'feedback'}")
    if args.zip:
        from .outputs.feedback_zip import pack_feedback

        packed, left_out = pack_feedback(args.lesson, grading, Path(args.zip))
        print(f"wrote {args.zip}: {packed} feedback page(s), in the folders the LMS takes back")
        for line in left_out:
            print(f"warning: not in the zip: {line}")
    return 0


def _fill_sheet(args: argparse.Namespace, data: dict, course: Course) -> list[str]:
    """`--canvas-sheet` / `--moodle-sheet`: fill the LMS's sheet, take its names for the
    report; return what to tell the instructor."""
    from .batch.package import load_package
    from .outputs.feedback import lesson_secrets
    from .outputs.lms import fill_canvas, fill_moodle, write_filled

    if not args.out:
        raise CourseError("--canvas-sheet and --moodle-sheet need --out FILLED.csv")
    if args.moodle_sheet and args.column:
        raise CourseError("--column chooses a Canvas column; Moodle's worksheet has one Grade")
    if args.canvas_sheet:
        filled = fill_canvas(data, Path(args.canvas_sheet), args.column)
    else:
        package = load_package(grading_dir(args, course), args.lesson, course)
        filled = fill_moodle(data, Path(args.moodle_sheet), lesson_secrets(package))
    write_filled(filled, Path(args.out))
    for student in data["students"]:
        student["name"] = filled.names.get(student["id"], student["name"])
    return filled.lines(Path(args.out))


def _report(args: argparse.Namespace) -> int:
    from .outputs.report import FORMATS, collect, write_report

    course = Course.at(Path(args.root))
    grading = grading_dir(args, course)
    data = collect(args.lesson, grading, course)
    told = _fill_sheet(args, data, course) if args.canvas_sheet or args.moodle_sheet else []
    if told:
        print("\n".join(told), file=sys.stderr if args.json else sys.stdout)
    targets = {name: Path(getattr(args, name)) for name in ("csv", "html") if getattr(args, name)}
    if "html" in targets:  # the HTML form has a section on similar answers
        from .outputs import similarity

        similar = similarity.collect(args.lesson, grading, course)
        write_report({**data, "similar": similar}, {"html": targets.pop("html")})
    write_report(data, targets)
    if args.json:
        print(FORMATS["json"].render(data))
    elif not targets and not told:
        print(FORMATS["text"].render(data))
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from .batch.store import CourseDir, atomic_write
    from .outputs import similarity

    settings = similarity.DEFAULTS
    if args.threshold is not None:
        settings = dataclasses.replace(settings, threshold=args.threshold)
    found = similarity.collect(
        args.lesson, CourseDir(Path(args.course_dir)), Course.at(Path(args.root)), settings
    )
    if args.html:
        atomic_write(Path(args.html), similarity.to_html(found).encode("utf-8"))
    if args.json:
        print(json.dumps(found.report(), indent=1, ensure_ascii=False))
    elif not args.html:
        print(similarity.to_text(found))
    return 0


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text}")
    return value


def _publish(args: argparse.Namespace) -> int:
    from .authoring.publish import publish

    target = publish(args.dir, force=args.force, github=args.github, root=Path(args.root))
    print(f"wrote the student copy of the course to {target}")
    if not args.github:
        print("note: no --github OWNER/NAME given: the student README has no Binder badge")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="python -m autograder", description="Release, grade and report on the lessons."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, run: object) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)  # tests
        sub.set_defaults(run=run)
        return sub

    def course_dir(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--course-dir",
            default=str(DEFAULT_COURSE_DIR),
            help=f"grading state: gradebook, notebooks, feedback (default: {DEFAULT_COURSE_DIR})",
        )
        sub.add_argument(
            "--db",
            metavar="URL",
            help="the gradebook's SQLAlchemy URL, e.g. postgresql+psycopg://user@host/course "
            "(default: nbgrader_config.py's CourseDirectory.db_url, else gradebook.db in "
            "the course directory)",
        )

    release = command("release", "regenerate the student notebooks from the sources", _release)
    release.add_argument("lessons", nargs="*", help="lesson ids (default: all)")

    validate = command(
        "validate", "run notebooks' tests as nbgrader's Validate button does", _validate
    )
    validate.add_argument("notebooks", nargs="+", help="notebook files")

    grade = command("grade", "grade every submission of a lesson", _grade)
    grade.add_argument("lesson", help="lesson id, e.g. 01_logistic_regression")
    grade.add_argument(
        "--submissions",
        required=True,
        metavar="PATH",
        help="a directory or a .zip: <id>/<LESSON>.ipynb, nbgrader's submitted/, "
        "Canvas's or Moodle's download",
    )
    grade.add_argument(
        "--from",
        dest="source",
        choices=LAYOUTS,
        default=None,
        help="the layout of PATH (default: detected)",
    )
    grade.add_argument(
        "--due",
        metavar="WHEN",
        help="due date, e.g. '2025-03-14 23:59 Europe/Paris' (UTC when no zone is given): "
        "nbgrader's timestamp.txt after it is reported late",
    )
    course_dir(grade)
    grade.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help="parallel grading processes (default: number of cores)",
    )
    grade.add_argument(
        "--unsafe",
        action="store_true",
        help="grade without the sandbox (only for trusted submissions)",
    )
    grade.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on a Dask cluster: a scheduler's address (tcp://host:8786), or local:N "
        "for N single-thread workers on this machine (default: local worker processes)",
    )
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_limit_flags(grade)

    feedback = command("feedback", "write an HTML feedback file per student", _feedback)
    feedback.add_argument("lesson")
    course_dir(feedback)
    feedback.add_argument(
        "--zip",
        metavar="OUT.zip",
        help="also pack the pages as the LMS takes them back (Moodle's folders, "
        "one folder per Canvas user id, one per student id)",
    )

    report = command("report", "scores, statuses and reasons of a lesson", _report)
    report.add_argument("lesson")
    course_dir(report)
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--csv", metavar="FILE", help="write the report as CSV")
    report.add_argument(
        "--html",
        metavar="FILE",
        help="write an HTML report (score histogram, failure rates, similar answers)",
    )

    similar = command(
        "similarity", "answers that look copied from a classmate or from utils", _similarity
    )
    similar.add_argument("lesson")
    course_dir(similar)
    similar.add_argument(
        "--threshold",
        type=_fraction,
        default=None,
        help="list answers at least this similar, in (0, 1] (default: the measured one)",
    )
    similar.add_argument("--json", action="store_true", help="print the pairs as JSON")
    similar.add_argument(
        "--html", metavar="FILE", help="write an HTML page: each pair's answers side by side"
    )
    sheets = report.add_mutually_exclusive_group()
    sheets.add_argument(
        "--canvas-sheet",
        metavar="EXPORT.csv",
        help="fill the lesson's column of a Canvas gradebook export (write it with --out)",
    )
    sheets.add_argument(
        "--moodle-sheet",
        metavar="WORKSHEET.csv",
        help="fill Grade and Feedback comments of a Moodle grading worksheet (--out)",
    )
    report.add_argument(
        "--column",
        metavar="NAME",
        help="the Canvas column to fill (default: the one whose header holds the lesson id)",
    )
    report.add_argument("--out", metavar="FILLED.csv", help="where to write the filled sheet")

    publish = command(
        "publish", "write the student copy: lessons, utils, requirements, Binder files", _publish
    )
    publish.add_argument("dir", help="where to write it (outside this repository)")
    publish.add_argument(
        "--force",
        action="store_true",
        help="replace a previous copy in DIR (other files there are kept)",
    )
    publish.add_argument(
        "--github",
        metavar="OWNER/NAME",
        help="the GitHub repository the copy goes to, for the Binder badge",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; 0 when the command ran, 2 with one `error:` line for the
    instructor's own errors."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
