"""Crafted submissions of the test lesson, graded together in one batch (see `graded_batch`).

Each student id names what the submission does; the test modules check the outcome of
each. Grading them in one run (two workers) keeps the suite fast.
"""

from __future__ import annotations

import atexit
import copy
import json
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

from autograder.batch.grade import Summary, grade
from tests.grading_helpers import LESSON, LIMITS, make_course, submission, write_submission

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
        ],
        writes=[
            "../../../solutions/evil.txt",
            str(root / "solutions" / "evil.txt"),
            str(course_dir / "evil.txt"),
            str(Path(__file__).resolve().parent.parent / "evil.txt"),
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


_BATCH: Batch | None = None


def graded_batch() -> Batch:
    """Grade every crafted submission once per test session (two workers, sandboxed)."""
    global _BATCH
    if _BATCH is None:
        base = Path(tempfile.mkdtemp(prefix="autograder-batch-"))
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
            summary = grade(
                LESSON, folder, course_dir, workers=2, limits=LIMITS, root=root, progress=False
            )
        finally:
            listener.close()
        _BATCH = Batch(root, folder, course_dir, summary, listener.hits)
    return _BATCH
