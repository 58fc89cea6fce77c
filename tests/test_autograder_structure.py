"""The grader's structure holds: the module map is the tree, each thing is declared once,
public extension points are used, the private API that remains is pinned, and the paths
and limits come from `nbgrader_config.py`."""

from __future__ import annotations

import importlib
import inspect
import re
import textwrap
from importlib.metadata import entry_points, version
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import release
from autograder.cli import build_parser, limits_from
from autograder.common import ONE_BLAS_THREAD
from autograder.config import ROOT, Course, CourseError
from autograder.kernel.provisioner import PROVISIONER_NAME, SandboxProvisioner
from autograder.limits import Limits
from autograder.reasons import Reason, Status, markdown_table, status_of
from tests.support import nbbuild

PACKAGE = ROOT / "autograder"
README = PACKAGE / "README.md"


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def _module_map() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Module map")
    block = text.index("```", start)
    return text[block + 3 : text.index("```", block + 3)]


def test_the_module_map_of_the_readme_is_the_tree():
    listed: set[str] = set()
    folder = ""
    for line in _module_map().splitlines():
        first = line.strip().split(" ")[0] if line.strip() else ""
        indent = len(line) - len(line.lstrip())
        if not first.endswith((".py", "/")) or first == "autograder/":
            continue  # a description's second line
        if indent == 2:
            folder = first if first.endswith("/") else ""
            listed.add(first)
        elif indent == 4:
            listed.add(folder + first)
    actual = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    } | {f"{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert listed == actual, (sorted(listed - actual), sorted(actual - listed))


def test_the_readme_table_of_reasons_is_the_declared_one():
    text = README.read_text(encoding="utf-8")
    assert markdown_table() in text, (
        "autograder/README.md's table of reasons differs from autograder/reasons.py; paste "
        "the output of `python -c 'from autograder.reasons import markdown_table; "
        "print(markdown_table())'`"
    )


def test_every_declared_reason_is_given_somewhere():
    code = "\n".join(s for p, s in _sources().items() if p.name != "reasons.py")
    unused = [r.name for r in Reason if f"Reason.{r.name}" not in code]
    assert unused == []


def test_a_status_follows_from_the_worst_reason():
    assert status_of([]) is Status.GRADED
    assert status_of([Reason.STDERR("x"), Reason.TIMEOUT("y")]) is Status.GRADED
    assert status_of([Reason.STDERR("x"), Reason.SCAN("y")]) is Status.FLAGGED
    assert status_of([Reason.SCAN("y"), Reason.WORKER("z")]) is Status.FAILED
    assert status_of(["not a code: at all"]) is Status.GRADED
    assert Reason.of(Reason.MEMORY("cell #4 hit the memory limit")) is Reason.MEMORY


@pytest.mark.parametrize(
    ("needle", "home"),
    [
        ("### BEGIN", "markers.py"),
        ("### END", "markers.py"),
        ("hashlib.sha256(", "common.py"),
        ("unicode_escape", "common.py"),
        ("OPENBLAS_NUM_THREADS", "common.py"),
    ],
)
def test_each_thing_is_declared_once(needle, home):
    places = [str(p.relative_to(ROOT)) for p, s in _sources().items() if needle in s]
    assert places == [f"autograder/{home}"]


def test_the_blas_environment_is_the_same_in_course_py_and_binders_start():
    start = (ROOT / "start").read_text()
    exported = dict(re.findall(r"(\w+_NUM_THREADS)=(\d+)", start))
    assert exported == ONE_BLAS_THREAD
    assert "ONE_BLAS_THREAD" in (ROOT / "course.py").read_text()
    assert "OPENBLAS_NUM_THREADS" not in (ROOT / "course.py").read_text()


def test_every_template_is_used():
    code = "\n".join(_sources().values())
    templates = sorted(PACKAGE.rglob("templates/*.j2"))
    assert templates
    unused = [t.name for t in templates if f'"{t.name}"' not in code]
    assert unused == []


def test_limits_come_from_flags_then_nbgrader_config_then_defaults(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.Execute.timeout = 33\nc.Limits.memory_mb = 1024\n"
        "c.Limits.restarts = 0\n"
    )
    course = Course.at(tmp_path)
    parser = build_parser()
    args = parser.parse_args(["grade", "01_x", "--submissions", ".", "--disk-mb", "64"])
    limits = limits_from(args, course)
    assert limits.memory_mb == 1024 and limits.restarts == 0  # nbgrader_config.py
    assert limits.cell_timeout == 33  # Execute.timeout
    assert limits.disk_mb == 64  # the flag
    assert limits.notebook_timeout == Limits().notebook_timeout  # the declared default
    args = parser.parse_args(
        ["grade", "01_x", "--submissions", ".", "--memory-mb", "512", "--timeout", "5"]
    )
    flagged = limits_from(args, course)
    assert flagged.memory_mb == 512 and flagged.cell_timeout == 5


def test_every_limit_has_a_flag_and_help(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["grade", "--help"])
    text = capsys.readouterr().out
    for name, trait in Limits.declarations().items():
        assert trait.metadata["flag"] in text and f"c.Limits.{name}" in text
        assert trait.help


def test_bad_limits_are_refused_with_the_name():
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=0)
    with pytest.raises(ValueError, match="unknown limits: speed"):
        Limits.from_json({"speed": 3})
    with pytest.raises(SystemExit):
        build_parser().parse_args(["grade", "01_x", "--submissions", ".", "--disk-mb", "-1"])
    assert Limits.from_json(Limits(disk_mb=7).to_json()) == Limits(disk_mb=7)


def test_source_and_release_directories_come_from_nbgrader_config(tmp_path):
    """A course whose nbgrader_config.py names other folders is released and packaged there."""
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'other'\n"
        "c.CourseDirectory.source_directory = 'instructor'\n"
        "c.CourseDirectory.release_directory = 'students'\n"
    )
    nb = nbbuild.notebook(
        nbbuild.answer(
            "half", "def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n    ### END SOLUTION"
        ),
        nbbuild.tests("test_half", "assert half(4) == 2", points=1),
    )
    nbbuild.write(nb, tmp_path / "instructor" / "01_half" / "01_half.ipynb")
    course = Course.at(tmp_path)
    assert course.source == tmp_path.resolve() / "instructor"
    assert course.release == tmp_path.resolve() / "students"
    assert course.lesson_ids() == ["01_half"]
    written = release(root=tmp_path)
    assert written == [tmp_path.resolve() / "students" / "01_half" / "01_half.ipynb"]
    student = nbformat.read(written[0], as_version=4)
    assert "return x / 2" not in "".join(c.source for c in student.cells)
    assert not (tmp_path / "lessons").exists() and not (tmp_path / "solutions").exists()
    with pytest.raises(CourseError, match="unknown lesson"):
        course.check_lesson("02_nope")


def test_hard_coded_course_folders_are_gone():
    """Paths are built from `Course`, never as `root / "solutions"`."""
    for path, text in _sources().items():
        found = re.findall(r'/\s*"(?:solutions|lessons)"', text)
        assert found == [], f"{path.relative_to(ROOT)} builds a path from {found}"


def test_the_sandbox_provisioner_is_registered():
    found = {e.name: e for e in entry_points(group="jupyter_client.kernel_provisioners")}
    assert PROVISIONER_NAME in found, "reinstall the course package: pip install -e ."
    assert found[PROVISIONER_NAME].load() is SandboxProvisioner


THIRD_PARTY = ("nbclient", "jupyter_client", "nbgrader", "nbconvert", "traitlets", "distributed")
# The one private method still overridden, and the nbgrader release it was written for.
PRIVATE_OVERRIDES = {"autograder.authoring.validate._RecordingValidator": ["_preprocess"]}
WRITTEN_FOR = {"nbgrader": "0.9.6"}


def _private_overrides() -> dict[str, list[str]]:
    """Per class of the grader: the private methods of a third-party base it defines again."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name in ("runtime.py", "__main__.py"):  # the kernel's code; the CLI entry
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            bases = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] in THIRD_PARTY]
            own = [
                a
                for a, v in vars(cls).items()
                if a.startswith("_") and not a.startswith("__") and inspect.isfunction(v)
            ]
            hits = [a for a in own if any(a in vars(b) for b in bases)]
            if hits:
                found[f"{name}.{cls_name}"] = sorted(hits)
    return found


def test_public_extension_points_over_private_overrides():
    assert _private_overrides() == PRIVATE_OVERRIDES


def test_the_private_override_left_is_pinned_to_the_release_it_was_written_for():
    installed = {name: version(name) for name in WRITTEN_FOR}
    assert installed == WRITTEN_FOR, (
        "autograder/authoring/validate.py overrides nbgrader's private Validator._preprocess "
        f"(to keep the executed notebook) and was written for {WRITTEN_FOR}; installed: "
        f"{installed}. Check that nbgrader.validator.Validator._preprocess still returns the "
        "executed notebook, then update WRITTEN_FOR."
    )


def test_kernels_wait_for_replies_in_short_slices_everywhere():
    """The grader's client, the test tools' client and the Validate button's manager."""
    from nbgrader.preprocessors import Execute

    from autograder.config import load_config
    from autograder.kernel.execute import PollingNotebookClient
    from autograder.kernel.provisioner import GraderKernelClient
    from utils.kernel_client import ShortPollChannel, ShortPollKernelManager

    assert issubclass(GraderKernelClient.shell_channel_class.default_value, ShortPollChannel)
    assert PollingNotebookClient(nbformat.v4.new_notebook()).kernel_manager_class is (
        ShortPollKernelManager
    )
    execute = Execute(config=load_config(ROOT))  # as the Validate button makes it
    manager = execute.kernel_manager_class(kernel_name="python3", config=execute.config)
    assert manager.client().shell_channel_class is ShortPollChannel
    assert ShortPollKernelManager().client().shell_channel_class is ShortPollChannel


def test_documents_name_only_files_that_exist():
    missing = []
    documents = [ROOT / "README.md", README, ROOT / "benchmarks" / "README.md"]
    for document in documents:
        text = document.read_text(encoding="utf-8")
        for token in re.findall(r"`([\w./-]+\.(?:py|md|j2|txt|ipynb|toml|json))`", text):
            if "<" in token or token.startswith((".", "test-artifacts/")):
                continue  # a pattern, or a file the tests write
            candidates = [ROOT / token, document.parent / token, PACKAGE / token]
            if not any(c.exists() for c in candidates):
                missing.append(f"{document.relative_to(ROOT)}: {token}")
    assert missing == []


def test_test_support_lives_under_tests():
    from autograder.kernel import execute

    assert not hasattr(execute, "execute_notebook")
    assert (ROOT / "tests" / "support" / "execution.py").is_file()


def test_the_kernels_comparison_operators_are_the_recheck_ones():
    """runtime.py runs inside the student's kernel and cannot import recheck.py."""
    import ast
    import inspect as inspecting

    from autograder.integrity import recheck, runtime

    tree = ast.parse(textwrap.dedent(inspecting.getsource(runtime.compare)))
    tables = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and "==" in [k.value for k in node.keys if isinstance(k, ast.Constant)]
    ]
    assert len(tables) == 1
    assert sorted(k.value for k in tables[0].keys) == sorted(recheck.OPERATORS)
