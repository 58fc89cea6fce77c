"""Static scan of the code a student wrote, for constructs that can interfere with grading.

A lesson's answers need numpy, the course's `utils` and plain Python. Replacing functions
the tests use, hooking the interpreter or IPython, leaving the kernel, or reaching past
the language (frames, closures, the garbage collector, ctypes) all need one of the
constructs listed here; finding one flags the submission for a person to look at. The scan
never changes a score by itself: scores come from running the notebook.

Also here: the names a locked cell binds and the names a test cell uses (for the kernel's
probe, see `kernel_runtime.py`).
"""

from __future__ import annotations

import ast
import builtins

from IPython.core.inputtransformer2 import TransformerManager

FORBIDDEN_MODULES = {
    "builtins": "the builtins module",
    "__builtin__": "the builtins module",
    "ctypes": "ctypes (raw memory access)",
    "gc": "the garbage collector (reaches any object)",
    "inspect": "inspect (frames and sources)",
    "importlib": "importlib (module machinery)",
    "IPython": "IPython's internals",
    "ipykernel": "the kernel's internals",
    "jupyter_client": "the kernel's messaging",
    "zmq": "the kernel's sockets",
    "signal": "signal handlers",
    "threading": "threads (code that runs during the tests)",
    "_thread": "threads (code that runs during the tests)",
    "multiprocessing": "processes",
    "subprocess": "processes",
    "socket": "network sockets",
    "atexit": "exit hooks",
    "faulthandler": "fault handlers",
    "pdb": "the debugger",
    "bdb": "the debugger",
    "trace": "tracing",
    "unittest": "unittest.mock (patching)",
    "types": "types (building functions and code objects)",
    "marshal": "marshal (code objects)",
    "code": "interactive interpreters",
    "codeop": "the compiler",
    "linecache": "the line cache",
    "pty": "terminals",
    "resource": "resource limits",
    "asyncio": "event loops (code that runs during the tests)",
    "concurrent": "threads and processes",
    "sys": "the interpreter's hooks",
    "os": "the operating system",
    "posix": "the operating system",
    "pickle": "pickle (runs code when loading)",
    "dill": "dill (runs code when loading)",
    "shutil": "file system changes",
}
FORBIDDEN_NAMES = {
    "exec": "exec (runs code built at run time)",
    "eval": "eval (runs code built at run time)",
    "compile": "compile (builds code at run time)",
    "__import__": "__import__ (imports by name at run time)",
    "globals": "globals() (the notebook's namespace)",
    "locals": "locals()",
    "vars": "vars() (namespaces of modules and objects)",
    "setattr": "setattr (changes attributes by name)",
    "delattr": "delattr (removes attributes by name)",
    "breakpoint": "breakpoint()",
    "get_ipython": "get_ipython() (IPython's internals)",
    "exit": "exit() (stops the kernel)",
    "quit": "quit() (stops the kernel)",
    "__builtins__": "__builtins__",
    "__loader__": "__loader__",
    "__spec__": "__spec__",
}
HARMLESS_DUNDERS = {"__init__", "__name__", "__doc__", "__len__", "__repr__", "__str__"}
COMPARISON_DUNDERS = {
    "__eq__",
    "__ne__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__bool__",
    "__hash__",
    "__array__",
    "__array_ufunc__",
    "__array_function__",
    "__array_priority__",
    "__float__",
    "__int__",
    "__index__",
    "__complex__",
    "__abs__",
    "__round__",
    "__getattr__",
    "__getattribute__",
    "__instancecheck__",
    "__subclasscheck__",
    "__class_getitem__",
    "__init_subclass__",
    "__set_name__",
    "__del__",
}
ALLOWED_MAGICS = {"time", "timeit", "matplotlib", "precision", "pprint", "who", "whos"}

_transformer = TransformerManager()


def to_python(source: str) -> str:
    """The cell's source as IPython runs it (magics and `!` commands become calls)."""
    return _transformer.transform_cell(source)


def _magic_call(node: ast.Call) -> str | None:
    """For `get_ipython().<method>(...)` (what magics become), the method's name."""
    func = node.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    ):
        return func.attr
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[int, str]] = []
        self.class_depth = 0

    def flag(self, node: ast.AST, what: str) -> None:
        self.found.append((getattr(node, "lineno", 0), what))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            top = alias.name.split(".")[0]
            if top in FORBIDDEN_MODULES:
                self.flag(node, f"imports {alias.name}: {FORBIDDEN_MODULES[top]}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        top = (node.module or "").split(".")[0]
        if node.level == 0 and top in FORBIDDEN_MODULES:
            self.flag(node, f"imports from {node.module}: {FORBIDDEN_MODULES[top]}")
        for alias in node.names:
            if alias.name in FORBIDDEN_NAMES:
                self.flag(node, f"imports {alias.name}: {FORBIDDEN_NAMES[alias.name]}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        method = _magic_call(node)
        if method is not None:  # the magic's own get_ipython() is not the student's
            first = node.args[0] if node.args else None
            name = str(first.value) if isinstance(first, ast.Constant) else "?"
            if method in ("run_line_magic", "run_cell_magic"):
                if name not in ALLOWED_MAGICS:
                    self.flag(node, f"uses the magic %{name}")
            else:
                self.flag(node, f"runs a shell command or IPython's {method}")
            for arg in node.args[1:]:
                self.visit(arg)
            return
        func = node.func
        if isinstance(func, ast.Name) and func.id == "getattr":
            if len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant):
                self.flag(node, "getattr with a name computed at run time")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in FORBIDDEN_NAMES:
            self.flag(node, f"uses {FORBIDDEN_NAMES[node.id]}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr.startswith("__") and attr.endswith("__") and attr not in HARMLESS_DUNDERS:
            self.flag(node, f"uses the special attribute {attr}")
        if isinstance(node.ctx, (ast.Store, ast.Del)) and not self._own_attribute(node):
            self.flag(node, f"sets or deletes the attribute {_dotted(node)}")
        self.generic_visit(node)

    def _own_attribute(self, node: ast.Attribute) -> bool:
        """`self.x = ...` / `cls.x = ...` inside a class: a student's own object."""
        return (
            self.class_depth > 0
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for base in node.bases:
            text = _dotted(base)
            if text.split(".")[-1] in {"ndarray", "float", "int", "bool", "complex", "str"} or (
                text.startswith(("np.", "numpy."))
            ):
                self.flag(node, f"class {node.name} subclasses {text}")
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                item.name in COMPARISON_DUNDERS
            ):
                self.flag(item, f"class {node.name} defines {item.name} (can fake comparisons)")
            if isinstance(item, ast.Assign):
                for target in item.targets:
                    if isinstance(target, ast.Name) and target.id in COMPARISON_DUNDERS:
                        self.flag(item, f"class {node.name} sets {target.id}")
        self.class_depth += 1
        self.generic_visit(node)
        self.class_depth -= 1

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if hasattr(builtins, name) and not name.startswith("_"):
                self.flag(node, f"declares the builtin name {name} global")


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}(...)"
    return type(node).__name__.lower()


def _module_level_builtin_rebinds(tree: ast.Module) -> list[tuple[int, str]]:
    """Top-level definitions that shadow a builtin with a function or class."""
    found = []
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        for name in names:
            if hasattr(builtins, name) and not name.startswith("_"):
                found.append((node.lineno, f"defines {name}, shadowing the builtin"))
    return found


def scan_cell(source: str) -> list[tuple[int, str]]:
    """(line, what) for each suspicious construct in one cell's code."""
    try:
        tree = ast.parse(to_python(source))
    except (SyntaxError, ValueError):
        return []  # it fails when run, which scores it
    scanner = _Scanner()
    scanner.visit(tree)
    return sorted(set(scanner.found + _module_level_builtin_rebinds(tree)))


def bound_names(source: str) -> list[str]:
    """Names a cell binds at top level (imports, definitions, assignments)."""
    try:
        tree = ast.parse(to_python(source))
    except (SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return sorted(set(names))


def used_names(source: str) -> list[str]:
    """Names a cell reads."""
    try:
        tree = ast.parse(to_python(source))
    except (SyntaxError, ValueError):
        return []
    return sorted(
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    )
