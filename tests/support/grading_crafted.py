"""Crafted submissions of the test lesson, graded together in one batch (see `graded_batch`).

Each student id names what the submission does; the test modules check the outcome of
each. Grading them in one run (two workers) keeps the suite fast. A batch is graded in one
of `GRADER_MODES`: by the user running the suite, in this process ("suite user"), and, when
that user is root, also by a normal user ("normal user") with a Python of their own, as an
instructor grades on a laptop or a lab server; the sandbox, isolation, limits and tampering
tests run on both (the `batch_in_each_mode` fixture).
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from autograder.batch.grade import Summary, grade
from tests.support.environments import (
    course_python,
    give,
    normal_user,
    run_as,
    system_python,
    user_environment,
)
from tests.support.grading_helpers import (
    LESSON,
    LIMITS,
    make_course,
    require_sandbox,
    submission,
    write_submission,
)

SUITE_USER = "suite user"
NORMAL_USER = "normal user"
GRADER_MODES = [SUITE_USER, NORMAL_USER] if os.geteuid() == 0 else [SUITE_USER]

# What the normal user runs: `grade` through the Python API, its summary printed as JSON.
GRADE_AS_USER = """
import dataclasses, json, sys
from pathlib import Path
from autograder.batch.grade import grade
from autograder.limits import Limits
args = json.loads(sys.argv[1])
summary = grade(args["lesson"], Path(args["submissions"]), Path(args["course_dir"]),
                workers=2, limits=Limits.from_json(args["limits"]), root=Path(args["root"]),
                progress=False)
print(json.dumps(dataclasses.asdict(summary)))
"""

WRONG_SCALE = "def scale(x, k):\n    return np.asarray(x, dtype=float) * k + 1"
WRONG_MEAN = "def mean_sq(v):\n    return 0.0"
WRONG_DOUBLE = "def double(x):\n    return x + 2"  # double(2) == 4 passes, double(-3) fails

SNOOP = """import json, os, socket
report = {{}}
for path in {reads!r}:
    try:
        if os.path.isdir(path):
            report[path] = "listed " + " ".join(sorted(os.listdir(path)))
        else:
            with open(path, "rb") as handle:
                report[path] = "read %d bytes" % len(handle.read())
    except OSError as exc:
        report[path] = type(exc).__name__
for path in {writes!r}:
    try:
        with open(path, "w") as handle:
            handle.write("written by a student")
        report["write " + path] = "written"
    except OSError as exc:
        report["write " + path] = type(exc).__name__
for host, port in [("127.0.0.1", {port}), ("1.1.1.1", 80)]:
    try:
        socket.create_connection((host, port), timeout=2).close()
        report["connect %s:%d" % (host, port)] = "connected"
    except OSError as exc:
        report["connect %s:%d" % (host, port)] = type(exc).__name__
print("SNOOP " + json.dumps(report, sort_keys=True))"""

HOSTILE_RTL = "rtl\u202eevil"  # a right-to-left override makes it display as "rtllive"
HOSTILE_LONG = "\u5b66" * 70  # 210 bytes of UTF-8
NFD_JOSE = "Jose\u0301"

FORK_BOMB = """import os, time
children = 0
while children < 10000:
    pid = os.fork()
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    children += 1"""


@dataclass
class Batch:
    """The graded batch: where everything is, and the grader's summary."""

    root: Path
    submissions: Path
    course_dir: Path
    summary: Summary
    listener_hits: list[str]


class _Listener:
    """A TCP server on the host's 127.0.0.1 that records any connection."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.hits: list[str] = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, peer = self.server.accept()
            except OSError:
                continue
            self.hits.append(str(peer))
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.server.close()


def crafted(root: Path, submissions: Path, course_dir: Path, port: int) -> dict[str, object]:
    """Student id -> notebook (or raw file content) for every crafted case."""

    def wrong(**answers: str) -> dict[str, str]:
        return answers

    snoop = SNOOP.format(
        reads=[
            str(root / "solutions"),
            str(root / "solutions" / LESSON / f"{LESSON}.ipynb"),
            "../../../solutions",
            str(course_dir / "gradebook.db"),
            str(course_dir),
            str(submissions / "correct" / f"{LESSON}.ipynb"),
            str(Path(__file__).resolve().parent.parent),
            str(root.parent / "home" / "private.txt"),
            str(root.parent),
        ],
        writes=[
            "../../../solutions/evil.txt",
            str(root / "solutions" / "evil.txt"),
            str(course_dir / "evil.txt"),
            str(Path(__file__).resolve().parent.parent / "evil.txt"),
            str(root.parent / "home" / "evil.txt"),
            "/tmp/work/scratch.txt",
        ],
        port=port,
    )
    cases: dict[str, object] = {
        "correct": submission(root),
        "wrong": submission(root, wrong(scale=WRONG_SCALE)),
        "hardcoded": submission(root, wrong(double="def double(x):\n    return 4")),
        "warns": submission(
            root,
            {
                "scale": (
                    "import warnings\n"
                    "def scale(x, k):\n"
                    "    warnings.warn('scaling floats', RuntimeWarning)\n"
                    "    return np.asarray(x, dtype=float) * k"
                )
            },
        ),
        "loops": submission(root, extra={"scale": "while True:\n    pass"}),
        "stuck": submission(
            root,
            extra={
                "scale": (
                    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                    "while True:\n    pass"
                )
            },
        ),
        "memhog": submission(root, extra={"scale": "hog = np.ones(2 * 10**9)"}),
        "forkbomb": submission(root, extra={"scale": FORK_BOMB}),
        "hugeline": submission(root, extra={"scale": "print('x' * 20_000_000)"}),
        "diskhog": submission(
            root,
            extra={
                "scale": (
                    "with open('big.bin', 'wb') as handle:\n    handle.write(b'x' * (64 * 2**20))"
                )
            },
        ),
        "snoop": submission(root, extra={"setup": snoop}),
        "patch-testing": submission(
            root,
            wrong(scale=WRONG_SCALE),
            extra={"scale": "np.testing.assert_allclose = lambda *args, **kwargs: None"},
        ),
        "patch-builtins": submission(
            root,
            wrong(mean_sq=WRONG_MEAN),
            extra={"mean_sq": "import builtins\nbuiltins.abs = lambda x: 0"},
        ),
        "patch-checks": submission(
            root,
            wrong(mean_sq=WRONG_MEAN),
            extra={
                "mean_sq": "from utils import checks as c\nc.assert_close = lambda *a, **k: None"
            },
        ),
        "patch-in-test": submission(
            root,
            wrong(
                scale=(
                    "def scale(x, k):\n"
                    "    np.testing.assert_allclose = lambda *args, **kwargs: None\n"
                    "    return np.asarray(x, dtype=float) * k + 1"
                )
            ),
        ),
        "fake-equal": submission(
            root,
            wrong(
                double=(
                    "class Anything:\n"
                    "    def __eq__(self, other):\n"
                    "        return True\n"
                    "def double(x):\n"
                    "    return Anything()"
                )
            ),
        ),
        "transformer": submission(
            root,
            wrong(double=WRONG_DOUBLE),
            extra={
                "double": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"
            },
        ),
        "pre-run-hook": submission(
            root,
            wrong(scale=WRONG_SCALE),
            extra={
                "scale": (
                    "def _hook(info):\n"
                    "    np.testing.assert_allclose = lambda *a, **k: None\n"
                    "get_ipython().events.register('pre_run_cell', _hook)"
                )
            },
        ),
        "excepthook": submission(
            root,
            wrong(double=WRONG_DOUBLE),
            extra={
                "double": (
                    "ip = get_ipython()\n"
                    "ip.set_custom_exc((AssertionError,), lambda *args, **kwargs: None)\n"
                    "import sys\nsys.settrace(lambda *a: None)"
                )
            },
        ),
        "sys-exit": submission(root, extra={"scale": "import sys\nsys.exit(1)"}),
        "os-exit": submission(root, extra={"scale": "import os\nos._exit(0)"}),
        "kill-in-test": submission(
            root,
            {
                "double": (
                    "import os, signal\ndef double(x):\n    os.kill(os.getpid(), signal.SIGKILL)"
                )
            },
        ),
        "deleted-test": _without(submission(root, wrong(double=WRONG_DOUBLE)), "test_double"),
        "edited-test": _edited(submission(root, wrong(scale=WRONG_SCALE)), "test_scale", "pass"),
        "prefilled": _prefilled(submission(root, wrong(double=WRONG_DOUBLE))),
        "invalid-json": b'{"cells": [',
        "nbformat3": json.dumps(
            {"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}
        ),
        "not-utf8": b"\xff\xfe\x00not a notebook",
        "too-large": _padded(submission(root), 2 * 2**20),
        # Any person's name is an id (issue 12): graded under its own name.
        "Jos\u00e9": submission(root),
        "\u5b66\u751f": submission(root),
        "with space": submission(root),
        "-rf": b"not a notebook, a name a spreadsheet could read as a formula",
        # Hostile names: refused with a reason, never a path.
        HOSTILE_RTL: submission(root),
        HOSTILE_LONG: submission(root),
        # The same name as "Jos\u00e9" once normalized (macOS writes it decomposed).
        NFD_JOSE: submission(root),
    }
    return cases


def _without(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def _edited(nb: nbformat.NotebookNode, grade_id: str, source: str) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


def _prefilled(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all passed")]
            cell.execution_count = 1
    return nb


def _padded(nb: nbformat.NotebookNode, size: int) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.cells.append(new_code_cell("# " + "x" * size))
    return nb


_BATCHES: dict[str, Batch] = {}


def _grade_as_normal_user(root: Path, folder: Path, course_dir: Path) -> Summary:
    """Grade the batch as the normal user, with a Python of their own (root runs only)."""
    user = normal_user()
    python = course_python(system_python(), for_all=True)
    home = root.parent / "home"
    home.mkdir(exist_ok=True)
    give(root.parent, user)
    args = {
        "lesson": LESSON,
        "submissions": str(folder),
        "course_dir": str(course_dir),
        "limits": LIMITS.to_json(),
        "root": str(root),
    }
    done = run_as(
        user,
        [str(python), "-c", GRADE_AS_USER, json.dumps(args)],
        user_environment(user, python, home),
        cwd=home,
        timeout=900,
    )
    if done.returncode != 0:
        pytest.fail(f"grading as {user.name} failed:\n{done.stderr[-3000:]}")
    return Summary(**json.loads(done.stdout.strip().splitlines()[-1]))


def graded_batch(mode: str = SUITE_USER) -> Batch:
    """Grade every crafted submission once per test session and mode (two workers,
    sandboxed); see the module docstring."""
    if mode not in _BATCHES:
        # A normal user grades in their home, as an instructor would (not under /tmp, which
        # the sandbox replaces by its own and would hide anyway).
        home = normal_user().home if mode == NORMAL_USER else None
        base = Path(tempfile.mkdtemp(prefix="autograder-batch-", dir=home))
        atexit.register(shutil.rmtree, base, True)
        root = make_course(base / "course")
        folder = base / "submitted"
        course_dir = base / "grading"
        listener = _Listener()
        try:
            for student, nb in crafted(root, folder, course_dir, listener.port).items():
                write_submission(folder, student, nb)  # type: ignore[arg-type]
            extra = folder / "extra-notebook"
            write_submission(folder, "extra-notebook", submission(root))
            nbformat.write(submission(root), str(extra / "Untitled.ipynb"))
            (extra / "notes.txt").write_text("my notes")
            (folder / "missing").mkdir()
            (folder / "missing" / "notes.txt").write_text("my answers are in my head")
            (folder / "renamed").mkdir()
            nbformat.write(submission(root), str(folder / "renamed" / f"{LESSON} (1).ipynb"))
            (folder / ".hidden").mkdir()
            (folder / ".DS_Store").write_text("junk")
            (base / "home").mkdir()
            (base / "home" / "private.txt").write_text("the grader's own file")
            if mode == NORMAL_USER:
                summary = _grade_as_normal_user(root, folder, course_dir)
            else:
                summary = grade(
                    LESSON,
                    folder,
                    course_dir,
                    workers=2,
                    limits=LIMITS,
                    root=root,
                    progress=False,
                )
        finally:
            listener.close()
        _BATCHES[mode] = Batch(root, folder, course_dir, summary, listener.hits)
    return _BATCHES[mode]


@pytest.fixture(scope="session", params=GRADER_MODES, name="batch")
def batch_in_each_mode(request: pytest.FixtureRequest) -> Batch:
    """The crafted batch graded in each of `GRADER_MODES` (tests using it run once per
    mode): import it into a test module to override the suite user's `batch`."""
    require_sandbox()
    return graded_batch(request.param)
