"""Which `utils` reference each answer of a lesson must not call, and that reference's code.

A lesson's test cells guard each exercise with `checks.assert_not_delegating(student_function,
forbidden, ...)`, `forbidden` being a reference (`ref_nn.compute_cost`), a list of them, or a
name the lesson's locked cells bound to such a list; a locked helper may make the call for a
function it receives (`def check_not_delegating(model, *args):
checks.assert_not_delegating(model, MODEL_FUNCTIONS, *args)`, called with
`check_not_delegating(two_layer_model, ...)`). The names resolve through the locked cells'
imports (`import utils.nn as ref_nn`, `from utils import activations as act`, `from
utils.activations import sigmoid`). Everything is read with `ast` from the lesson package;
nothing of the lesson runs. Only references inside the course's `utils` package count
(`np.tanh` is forbidden too, but it is not code a student could copy).

A reference's code is its source (`inspect.getsource`, in the grader's process) followed by
the sources of the private helpers of its module that it calls, and theirs in turn (a student
who copies `utils.nn.linear_backward` copies the helper `_linear_grads` that does the work).
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import textwrap
from collections.abc import Iterator

from ..integrity.scan import to_python
from ..schema import LessonPackage

PACKAGE = "utils"
MAX_HELPERS = 8  # private helpers added to a reference's code, at most
_DEF = re.compile(r"^(?:async\s+)?def\s+([^\W\d]\w*)", re.MULTILINE)


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(to_python(source))
    except (SyntaxError, ValueError):
        return None


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` for the expression a.b.c, None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def answer_functions(stub: str) -> list[str]:
    """The names of the functions an answer cell defines, from its released stub."""
    tree = _parse(stub)
    if tree is None:
        return _DEF.findall(stub)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


class _Lesson:
    """What the locked cells bind: imports, lists of functions, helpers that check."""

    def __init__(self, trees: list[ast.Module]) -> None:
        self.aliases: dict[str, str] = {}  # local name -> dotted path
        self.lists: dict[str, list[ast.expr]] = {}  # name -> the elements it was bound to
        self.helpers: dict[str, tuple[int, ast.expr]] = {}  # name -> (parameter, forbidden)
        for tree in trees:
            for node in tree.body:
                self._bind(node)

    def _bind(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.lists[target.id] = list(node.value.elts)
        elif isinstance(node, ast.FunctionDef):
            parameters = [a.arg for a in node.args.posonlyargs + node.args.args]
            for call in _checks(node):
                first = call.args[0] if call.args else None
                forbidden = _forbidden_argument(call)
                if isinstance(first, ast.Name) and first.id in parameters and forbidden:
                    self.helpers[node.name] = (parameters.index(first.id), forbidden)

    def resolve(self, node: ast.expr) -> list[str]:
        """The dotted `utils` paths an expression for forbidden functions names."""
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return [path for element in node.elts for path in self.resolve(element)]
        if isinstance(node, ast.Name) and node.id in self.lists:
            return [path for element in self.lists[node.id] for path in self.resolve(element)]
        dotted = _dotted(node)
        if dotted is None:
            return []
        head, _, rest = dotted.partition(".")
        path = self.aliases.get(head, head) + (f".{rest}" if rest else "")
        return [path] if path.startswith(PACKAGE + ".") else []


def _bound_names(node: ast.stmt) -> Iterator[str]:
    """The names an import, a function or a class statement binds."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.Import | ast.ImportFrom):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0]


def _checks(tree: ast.AST, helpers: tuple[str, ...] = ()) -> Iterator[ast.Call]:
    """Every call of `assert_not_delegating` (or of one of `helpers`) inside `tree`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func) or ""
            if dotted.split(".")[-1] in ("assert_not_delegating", *helpers):
                yield node


def _forbidden_argument(call: ast.Call) -> ast.expr | None:
    if len(call.args) > 1:
        return call.args[1]
    return next((k.value for k in call.keywords if k.arg == "forbidden"), None)


def lesson_names(package: LessonPackage) -> set[str]:
    """The names a student's answer uses but cannot rename: what the lesson's setup cells
    import or define (modules, functions, classes; not their variables, which a student
    may reuse as names of their own) and the functions the answer cells define."""
    names: set[str] = set()
    for cell in package["cells"]:
        if cell["cell_type"] != "code":
            continue
        if cell["solution"]:
            names.update(answer_functions(cell["release_source"]))
        elif not cell["grade"]:
            tree = _parse(cell["source"])
            for node in tree.body if tree else []:
                if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
                    names.update(_bound_names(node))
    return names


def forbidden_references(package: LessonPackage) -> dict[str, list[str]]:
    """Per answer cell (grade id): the dotted paths of the `utils` functions its tests forbid
    it to call, in the order the tests name them."""
    locked = [c for c in package["cells"] if c["cell_type"] == "code" and c["locked"]]
    trees = {c["grade_id"]: tree for c in locked for tree in [_parse(c["source"])] if tree}
    lesson = _Lesson(list(trees.values()))
    forbidden: dict[str, list[str]] = {}  # function name -> paths
    for tree in trees.values():
        for call in _checks(tree, tuple(lesson.helpers)):
            helper = lesson.helpers.get((_dotted(call.func) or "").split(".")[-1])
            position, expression = helper if helper else (0, _forbidden_argument(call))
            if position >= len(call.args) or expression is None:
                continue
            student = call.args[position]
            if isinstance(student, ast.Name):
                paths = forbidden.setdefault(student.id, [])
                paths += [p for p in lesson.resolve(expression) if p not in paths]
    answers: dict[str, list[str]] = {}
    for cell in package["cells"]:
        if cell["cell_type"] == "code" and cell["solution"] and not cell["grade"]:
            paths = []
            for function in answer_functions(cell["release_source"]):
                paths += [p for p in forbidden.get(function, []) if p not in paths]
            answers[cell["grade_id"]] = paths
    return answers


def _resolve_object(path: str) -> object | None:
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute, None)
            if obj is None:
                return None
        return obj
    return None


@functools.cache
def reference_source(path: str) -> str | None:
    """The code of the `utils` function at `path` and of the private helpers it calls (see
    the module docstring); None when it is not a Python function of `utils`."""
    found = _resolve_object(path)
    if not callable(found):
        return None
    function = inspect.unwrap(found)
    if not inspect.isfunction(function) or not function.__module__.startswith(PACKAGE):
        return None
    module = inspect.getmodule(function)
    sources: list[str] = []
    pending = [function]
    seen: set[str] = set()
    while pending and len(sources) <= MAX_HELPERS:
        current = pending.pop(0)
        if current.__name__ in seen:
            continue
        seen.add(current.__name__)
        try:
            source = inspect.getsource(current)
        except (OSError, TypeError):
            continue
        source = textwrap.dedent(source)
        sources.append(source)
        tree = _parse(source)
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Name) and node.id.startswith("_") and node.id not in seen:
                helper = getattr(module, node.id, None)
                if inspect.isfunction(helper) and helper.__module__ == function.__module__:
                    pending.append(helper)
    return "\n\n".join(sources)
