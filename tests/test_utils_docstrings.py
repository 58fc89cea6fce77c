"""Every public function, class and method of `utils` is documented in the package's style.

The style (see `utils/nn.py`): a one-line summary ending with a period (or a colon, when a
code example follows), a blank line, then prose that names each argument and the result,
every array with its shape: `A_prev: (n[l-1], m); W: (n[l], n[l-1]). Returns Z: (n[l], m).`
What is raised, and when, is a sentence. No Google or NumPy sections (`Args:`, `Returns:`,
`Raises:`, `Parameters` over a dashed line, ...).

Public: a function or class defined in a public `utils` module under a name not starting with
`_` (listed in `__all__` where the module has one), and the methods and properties its
classes define under such a name.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from types import ModuleType

import pytest

import utils

# A line that is nothing but a Google section header (`Args:`) or a NumPy one (`Parameters`),
# or the dashes under a NumPy header.
_SECTION = re.compile(
    r"(Args|Arguments|Attributes|Keyword Args|Keyword Arguments|Other Parameters|Parameters"
    r"|Returns|Raises|Yields)\s*:?"
    r"|-{3,}"
)
# An array annotation: ArrayLike, np.ndarray, NDArray[...] (alone or inside Mapping[...], ...).
_ARRAY = re.compile(r"\b(ArrayLike|NDArray|ndarray)\b")
# A stated shape: `(n_x, m)`, `(n, 1)`, `(n_x,)`, `()`, or the words.
_SHAPE = re.compile(r"\(\s*\)|\([\w\[\]+\- ]+,[\w\[\]+\-, ]*\)|\bshapes?\b|\bscalar\b")


def _modules() -> list[ModuleType]:
    """`utils` and its public submodules (no part of the name starting with `_`)."""
    names = [info.name for info in pkgutil.walk_packages(utils.__path__, "utils.")]
    public = [n for n in names if not any(part.startswith("_") for part in n.split("."))]
    return [importlib.import_module(n) for n in ["utils", *sorted(public)]]


def _public_names(module: ModuleType) -> list[str]:
    listed = getattr(module, "__all__", None)
    names = list(listed) if listed is not None else list(vars(module))
    return [n for n in names if not n.startswith("_")]


def _documented() -> Iterator[tuple[str, object]]:
    """(qualified name, object) of every public function, class, method and property."""
    for module in _modules():
        for name in _public_names(module):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # a constant
            if getattr(obj, "__module__", None) != module.__name__:
                continue  # imported from elsewhere
            qualified = f"{module.__name__}.{name}"
            yield qualified, obj
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(member, staticmethod | classmethod):
                        member = member.__func__
                    if isinstance(member, property):
                        member = member.fget
                    if inspect.isfunction(member):
                        yield f"{qualified}.{attr}", member


DOCUMENTED = dict(_documented())


def _annotation_text(annotation: object) -> str:
    """An annotation as written (a string under `from __future__ import annotations`)."""
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def _without_callables(text: str) -> str:
    """`text` with every `Callable[...]` removed: an array a callable takes is not an argument."""
    while (start := text.find("Callable[")) != -1:
        depth, end = 0, start + len("Callable")
        for end in range(start + len("Callable"), len(text)):
            depth += {"[": 1, "]": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:start] + text[end + 1 :]
    return text


def _array_parameters(obj: object) -> list[str]:
    """The parameters of function `obj` annotated as arrays (or containers of arrays)."""
    if not inspect.isfunction(obj):
        return []
    return [
        name
        for name, parameter in inspect.signature(obj).parameters.items()
        if parameter.annotation is not inspect.Parameter.empty
        and _ARRAY.search(_without_callables(_annotation_text(parameter.annotation)))
    ]


def style_problems(name: str, obj: object) -> list[str]:
    """What the docstring of `obj` (called `name`) lacks, one message each; [] when fine."""
    doc = obj.__doc__
    if not doc or not doc.strip():
        return [f"{name}: has no docstring"]
    lines = inspect.cleandoc(doc).splitlines()
    problems = []
    summary = lines[0].strip()
    if not summary.endswith((".", ":")):
        problems.append(
            f"{name}: the docstring's first line {summary!r} is not a one-line summary "
            "ending with a period (or a colon)"
        )
    elif len(lines) > 1 and lines[1].strip():
        problems.append(
            f"{name}: the docstring's summary runs on past its first line ({lines[1].strip()!r});"
            " make it one line followed by a blank line"
        )
    problems += [
        f"{name}: the docstring has the section header {line.strip()!r}; state it in prose "
        "(compact style, as in utils/nn.py)"
        for line in lines
        if _SECTION.fullmatch(line.strip())
    ]
    arrays = _array_parameters(obj)
    if arrays and not _SHAPE.search(doc):
        problems.append(
            f"{name}: takes the array argument(s) {', '.join(arrays)} but its docstring states "
            "no shape, such as (n_x, m), (n, 1), (), 'any shape', 'same shape' or 'scalar'"
        )
    return problems


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_docstring_follows_the_compact_style(name: str) -> None:
    problems = style_problems(name, DOCUMENTED[name])
    assert not problems, "\n".join(problems)


def test_every_public_module_and_member_is_collected() -> None:
    """The walk reaches every module, class method and property the style applies to."""
    modules = {getattr(obj, "__module__", None) for obj in DOCUMENTED.values()}
    for module in (
        "utils.activations",
        "utils.broadcasting",
        "utils.checks",
        "utils.data",
        "utils.gradcheck",
        "utils.init",
        "utils.logistic",
        "utils.losses",
        "utils.nn",
        "utils.plots",
        "utils.widgets",
    ):
        assert module in modules, f"no public function or class of {module} was checked"
    for member in (
        "utils.nn.linear_forward",
        "utils.logistic.propagate",  # a module without __all__
        "utils.gradcheck.GradCheckReport.assert_passed",  # a method
        "utils.gradcheck.GradCheckReport.failing",  # a property
        "utils.widgets.Explorer.redraw",  # a method of an ipywidgets subclass
        "utils.data.ChecksumError",  # a class of a package's __init__
    ):
        assert member in DOCUMENTED, f"{member} was not checked"
    assert "utils.nn.LEAKY_ALPHA" not in DOCUMENTED, "constants have no docstring of their own"
    assert "utils.nn.tqdm" not in DOCUMENTED, "imported names are not part of utils"
    assert not any(name.rsplit(".", 1)[1].startswith("_") for name in DOCUMENTED)


def _sample(doc: str | None, annotation: str) -> object:
    """A function with docstring `doc` taking one argument `x` annotated `annotation`."""

    def sample(x):  # the annotation as `from __future__ import annotations` leaves it
        return x

    sample.__doc__ = doc
    sample.__annotations__ = {"x": annotation}
    return sample


COMPACT = """Twice x.

    x: (n, m). Returns (n, m). Raises ValueError when x holds NaN.
    """


@pytest.mark.parametrize(
    ("doc", "annotation", "missing"),
    [
        (None, "ArrayLike", "has no docstring"),
        ("Twice x\n\nx: (n, m).", "ArrayLike", "ending with a period"),
        ("Twice x (see below).\nIn float64.\n\nx: (n, m).", "ArrayLike", "runs on past"),
        ("Twice x.\n\nArgs:\n    x: (n, m).\n", "ArrayLike", "section header 'Args:'"),
        ("Twice x.\n\nx: (n, m).\n\nReturns:\n    2 x.\n", "ArrayLike", "'Returns:'"),
        ("Twice x.\n\nx: (n, m).\n\nRaises:\n    ValueError.\n", "ArrayLike", "'Raises:'"),
        ("Twice x.\n\nParameters\n----------\nx: (n, m)\n", "ArrayLike", "'----------'"),
        ("Twice x.\n\nx: the input.", "ArrayLike", "states no shape"),
        ("Twice x.\n\nx: the input.", "np.ndarray", "states no shape"),
        ("Twice x.\n\nx: the input.", "Mapping[str, NDArray[np.float64]]", "states no shape"),
    ],
)
def test_the_rules_catch_each_departure_from_the_style(
    doc: str | None, annotation: str, missing: str
) -> None:
    problems = style_problems("sample", _sample(doc, annotation))
    assert any(missing in p and p.startswith("sample: ") for p in problems), problems


@pytest.mark.parametrize(
    ("doc", "annotation"),
    [
        (COMPACT, "ArrayLike"),
        ("Example:\n\n    y = twice(x)\n\nx: any shape.", "ArrayLike"),
        ("Twice x.\n\nx: a scalar or an array; returns the same shape.", "ArrayLike"),
        ("Twice x.\n\nx: (n_x,) a row.", "np.ndarray"),
        ("Twice the number x.", "float"),  # no array: no shape needed
        ("Call f on 2.\n\nf: a function.", "Callable[[np.ndarray], np.ndarray]"),
    ],
)
def test_the_rules_accept_the_compact_style(doc: str, annotation: str) -> None:
    assert style_problems("sample", _sample(doc, annotation)) == []
