"""Code the grader runs inside the student's kernel (never imported by the grader itself).

The grader sends this file's source to the kernel before the first cell. It installs:

- recording wrappers around the functions test cells check with (`numpy.testing.assert_*`,
  `numpy.allclose`/`isclose`/`array_equal`/`array_equiv`, `math.isclose`,
  `utils.checks.assert_*`)
  and an IPython AST transformer that records both sides of `assert a <op> b` in test
  cells; the values are encoded as plain JSON so the grader can re-run each check outside
  the kernel with its own numpy and `utils.checks`;
- `probe(phase, nonce, payload)`, called by the grader around each locked cell through
  `user_expressions`: it compares the kernel's state with a baseline taken before any
  student code ran (builtins, the checking modules, `sys` hooks, IPython's transformers,
  event callbacks, display and exception handlers, the kernel's and shell's methods),
  puts back what changed and reports it. Answers are HMAC-signed with a key the grader
  passed in a `user_expressions` request (never stored in the kernel's history or line
  cache), so a replaced probe cannot answer for the real one.

Student code runs in the same process and could, with enough effort, still defeat all of
this; the grader's static scan flags the constructs that needs (`sys.modules`, `gc`,
`__closure__`, `get_ipython`, ...). The module keeps its own copy of the builtins, so a
student's replaced builtins do not reach it.
"""

# ruff: noqa: B009, B010

import ast
import base64
import hashlib
import hmac
import json
import sys
import threading
import types

ENCODED_LIMIT = 2 * 2**20  # bytes of encoded values per record
RECORDS_LIMIT = 8 * 2**20  # bytes of records per test cell
TRAP_NAMES = {"_", "__", "___", "exit", "quit", "get_ipython"}
ASSERTING = {
    "numpy.testing": (
        "assert_allclose",
        "assert_array_equal",
        "assert_array_almost_equal",
        "assert_almost_equal",
        "assert_approx_equal",
        "assert_array_less",
        "assert_equal",
    ),
}
PREDICATES = {
    "numpy": ("allclose", "isclose", "array_equal", "array_equiv"),
    "math": ("isclose",),
}
WATCHED_PREFIXES = ("numpy", "utils", "math", "operator", "functools")
# Hooks that libraries register on their own (the inline backend, widgets) are adopted.
TRUSTED_HOOK_MODULES = ("matplotlib", "matplotlib_inline", "ipykernel", "IPython", "ipywidgets")
SYS_HOOKS = (
    "excepthook",
    "displayhook",
    "breakpointhook",
    "unraisablehook",
    "stdout",
    "stderr",
    "stdin",
)
RESTORABLE_LISTS = (
    ("shell", "ast_transformers"),
    ("shell", "input_transformers_post"),
    ("manager", "cleanup_transforms"),
    ("manager", "line_transforms"),
    ("manager", "token_transformers"),
)
SHELL_ATTRS = (
    "displayhook",
    "display_pub",
    "display_formatter",
    "InteractiveTB",
    "SyntaxTB",
    "compile",
    "events",
    "input_transformer_manager",
    "custom_exceptions",
    "CustomTB",
    "user_ns",
    "user_global_ns",
    "kernel",
)


class _State:
    """Everything the runtime keeps between probes."""

    def __init__(self):
        self.armed = False
        self.depth = 0
        self.records = []
        self.records_bytes = 0
        self.dropped = 0
        self.sign = None
        self.baseline = None
        self.protected = {}
        self.stashed = {}
        self.test_cell = None


_STATE = _State()


def _qualname(obj):
    kind = type(obj)
    return f"{getattr(kind, '__module__', '?')}.{getattr(kind, '__qualname__', kind.__name__)}"


# ----------------------------------------------------------------------------- encoding


def encode(value, depth=0):
    """A JSON-able, exact description of `value`, or an `opaque` marker."""
    import numpy as np

    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": value}
    if kind is int:
        return {"t": "int", "v": str(value)}
    if kind is float:
        return {"t": "float", "v": value.hex()}
    if kind is complex:
        return {"t": "complex", "v": [value.real.hex(), value.imag.hex()]}
    if kind is str:
        return {"t": "str", "v": value}
    if depth < 8 and kind in (list, tuple):
        return {"t": kind.__name__, "v": [encode(item, depth + 1) for item in value]}
    if depth < 8 and kind is dict:
        pairs = [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]
        return {"t": "dict", "v": pairs}
    if kind is np.ndarray and value.dtype.kind in "biufc":
        data = np.ascontiguousarray(value).tobytes()
        return {
            "t": "nd",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "b64": base64.b64encode(data).decode("ascii"),
        }
    if isinstance(value, np.generic) and kind.__module__ == "numpy" and value.dtype.kind in "biufc":
        data = value.tobytes()
        return {"t": "np", "dtype": value.dtype.str, "b64": base64.b64encode(data).decode("ascii")}
    if kind is np.dtype or isinstance(value, np.dtype):
        return {"t": "dtype", "v": value.str}
    if kind is type and value.__module__ in ("builtins", "numpy"):
        return {"t": "type", "module": value.__module__, "name": value.__qualname__}
    module = getattr(kind, "__module__", "")
    main = module == "__main__" and not isinstance(value, (types.FunctionType, type))
    return {"t": "opaque", "type": _qualname(value), "main": main}


def _record(entry):
    state = _STATE
    try:
        text = json.dumps(entry)
    except (TypeError, ValueError):
        state.dropped += 1
        return
    if len(text) > ENCODED_LIMIT or state.records_bytes + len(text) > RECORDS_LIMIT:
        state.dropped += 1
        return
    state.records_bytes += len(text)
    state.records.append(entry)


def _wrap(qualified, original, kind):
    """A recording stand-in for a checking function (records only outermost calls)."""

    def wrapper(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841  (IPython hides this frame)
        state = _STATE
        if not state.armed or state.depth:
            return original(*args, **kwargs)
        state.depth += 1
        try:
            result = original(*args, **kwargs)
        except BaseException as exc:
            state.depth -= 1
            _record(
                {
                    "fn": qualified,
                    "kind": kind,
                    "args": [encode(a) for a in args],
                    "kwargs": {str(k): encode(v) for k, v in kwargs.items()},
                    "outcome": "raised",
                    "error": type(exc).__name__,
                }
            )
            raise
        state.depth -= 1
        _record(
            {
                "fn": qualified,
                "kind": kind,
                "args": [encode(a) for a in args],
                "kwargs": {str(k): encode(v) for k, v in kwargs.items()},
                "outcome": "returned",
                "result": encode(result) if kind == "predicate" else None,
            }
        )
        return result

    for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
        try:
            setattr(wrapper, attr, getattr(original, attr))
        except (AttributeError, TypeError):
            pass
    wrapper.__autograder_original__ = original
    return wrapper


_OPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}


def compare(left, right, op, line):
    """`left <op> right`, recorded (both sides and the truth value) in a test cell."""
    __tracebackhide__ = True  # noqa: F841
    import operator

    function = {
        "==": operator.eq,
        "!=": operator.ne,
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
        "is": operator.is_,
        "is not": operator.is_not,
        "in": lambda a, b: a in b,
        "not in": lambda a, b: a not in b,
    }[op]
    result = function(left, right)
    if _STATE.armed:
        try:
            truth = bool(result)
        except Exception:  # noqa: BLE001  (an ambiguous array: the assert raises)
            truth = None
        _record(
            {
                "fn": "compare",
                "kind": "compare",
                "op": op,
                "line": line,
                "args": [encode(left), encode(right)],
                "truth": truth,
            }
        )
    return result


class AssertRecorder(ast.NodeTransformer):
    """Rewrites `assert a <op> b, msg` in test cells to record `a` and `b` (same lines)."""

    def visit_Assert(self, node):
        self.generic_visit(node)
        test = node.test
        if not _STATE.armed or not isinstance(test, ast.Compare) or len(test.ops) != 1:
            return node
        op = _OPS.get(type(test.ops[0]))
        if op is None:
            return node
        call = ast.Call(
            func=ast.Name(id="__autograder_compare__", ctx=ast.Load()),
            args=[test.left, test.comparators[0], ast.Constant(op), ast.Constant(node.lineno)],
            keywords=[],
        )
        node.test = ast.copy_location(call, test)
        ast.fix_missing_locations(node)
        return node


# ----------------------------------------------------------------------------- baseline


def _shell():
    return _STATE.baseline["shell"] if _STATE.baseline else None


def _interesting(value):
    return isinstance(
        value,
        (
            types.FunctionType,
            types.BuiltinFunctionType,
            types.MethodType,
            types.ModuleType,
            type,
            staticmethod,
            classmethod,
            property,
        ),
    ) or callable(value)


def _module_snapshot(module):
    try:
        items = list(vars(module).items())
    except TypeError:
        return {}
    return {name: value for name, value in items if _interesting(value)}


def _watched_modules():
    return {
        name: module
        for name, module in list(sys.modules.items())
        if module is not None and name.split(".")[0] in WATCHED_PREFIXES
    }


def _classes(objects):
    seen = {}
    for obj in objects:
        for cls in type(obj).__mro__:
            if cls is not object and cls.__module__.split(".")[0] in (
                "IPython",
                "ipykernel",
                "jupyter_client",
                "traitlets",
                "zmq",
                "comm",
            ):
                seen[id(cls)] = cls
    return list(seen.values())


def _take_baseline(shell):
    import builtins

    manager = shell.input_transformer_manager
    kernel = shell.kernel
    objects = [
        shell,
        kernel,
        kernel.session,
        shell.displayhook,
        shell.display_pub,
        shell.display_formatter,
        shell.events,
        shell.compile,
        shell.InteractiveTB,
        manager,
        sys.stdout,
        sys.stderr,
    ]
    formatters = {}
    for mime, formatter in shell.display_formatter.formatters.items():
        formatters[mime] = (
            formatter,
            {
                attr: dict(getattr(formatter, attr, {}))
                for attr in ("type_printers", "deferred_printers", "singleton_printers")
            },
        )
    modules = _watched_modules()
    return {
        "shell": shell,
        "manager": manager,
        "builtins": {k: v for k, v in vars(builtins).items() if k not in TRAP_NAMES},
        "modules": modules,
        "module_values": {name: _module_snapshot(m) for name, m in modules.items()},
        "sys": {name: getattr(sys, name, None) for name in SYS_HOOKS},
        "lists": {
            (owner, attr): (
                getattr(shell if owner == "shell" else manager, attr),
                list(getattr(shell if owner == "shell" else manager, attr)),
            )
            for owner, attr in RESTORABLE_LISTS
        },
        "events": {name: list(cbs) for name, cbs in shell.events.callbacks.items()},
        "events_dict": shell.events.callbacks,
        "shell_attrs": {name: getattr(shell, name, None) for name in SHELL_ATTRS},
        "formatters": formatters,
        "objects": [(obj, dict(vars(obj)) if hasattr(obj, "__dict__") else {}) for obj in objects],
        "classes": [
            (cls, {k: v for k, v in vars(cls).items() if _interesting(v)})
            for cls in _classes(objects)
        ],
        "handlers": {
            "shell_handlers": dict(kernel.shell_handlers),
            "control_handlers": dict(getattr(kernel, "control_handlers", {})),
        },
    }


# ----------------------------------------------------------------------------- checks


def _finding(findings, kind, what, severity="flag"):
    findings.append({"kind": kind, "what": what, "severity": severity})


def _check_builtins(findings):
    import builtins

    base = _STATE.baseline["builtins"]
    now = vars(builtins)
    for name, value in base.items():
        if name not in now or now[name] is not value:
            _finding(findings, "builtins", f"builtins.{name} was replaced or deleted")
            setattr(builtins, name, value)
    for name in [n for n in now if n not in base and n not in TRAP_NAMES]:
        if not name.startswith("__autograder"):
            _finding(findings, "builtins", f"builtins.{name} was added")
            delattr(builtins, name)
    if now.get("__autograder_compare__") is not compare:
        builtins.__autograder_compare__ = compare


def _check_modules(findings):
    base = _STATE.baseline
    for name, module in base["modules"].items():
        if sys.modules.get(name) is not module:
            _finding(findings, "module", f"sys.modules[{name!r}] was replaced")
            sys.modules[name] = module
        values = base["module_values"][name]
        current = vars(module)
        for attr, value in values.items():
            if current.get(attr, _MISSING) is not value:
                _finding(findings, "module", f"{name}.{attr} was replaced or deleted")
                try:
                    setattr(module, attr, value)
                except (AttributeError, TypeError):
                    pass
    for name, module in _watched_modules().items():  # adopt modules imported since
        if name not in base["modules"]:
            base["modules"][name] = module
            base["module_values"][name] = _module_snapshot(module)


_MISSING = object()


def _check_sys(findings):
    base = _STATE.baseline["sys"]
    for name, value in base.items():
        if getattr(sys, name, None) is not value:
            _finding(findings, "sys", f"sys.{name} was replaced")
            setattr(sys, name, value)
    if sys.gettrace() is not None:
        _finding(findings, "sys", "a trace function was set (sys.settrace)")
        sys.settrace(None)
    if sys.getprofile() is not None:
        _finding(findings, "sys", "a profile function was set (sys.setprofile)")
        sys.setprofile(None)
    for hook in ("_trace_hook", "_profile_hook"):
        if getattr(threading, hook, None) is not None:
            _finding(findings, "sys", f"threading.{hook} was set")
            setattr(threading, hook, None)


def _trusted(hook):
    """True for hooks that libraries register themselves (see TRUSTED_HOOK_MODULES)."""
    target = getattr(hook, "__func__", None) or getattr(hook, "func", None) or hook
    module = getattr(target, "__module__", None) or ""
    return module.split(".")[0] in TRUSTED_HOOK_MODULES


def _adopt(want, got):
    """Accept trusted hooks added to, or removed from, `got` since the baseline `want`."""
    for hook in got:
        if not any(hook is w for w in want) and _trusted(hook):
            want.append(hook)
    want[:] = [w for w in want if any(w is g for g in got) or not _trusted(w)]


def _check_ipython(findings):
    base = _STATE.baseline
    shell = base["shell"]
    for name, value in base["shell_attrs"].items():
        if getattr(shell, name, None) is not value:
            _finding(findings, "ipython", f"the shell's {name} was replaced")
            try:
                setattr(shell, name, value)
            except (AttributeError, TypeError, ValueError):
                pass
    for (owner, attr), (listing, items) in base["lists"].items():
        holder = shell if owner == "shell" else base["manager"]
        if getattr(holder, attr) is not listing:
            _finding(findings, "ipython", f"IPython's {attr} list was replaced")
            setattr(holder, attr, listing)
        _adopt(items, listing)
        if {id(x) for x in listing} != {id(x) for x in items}:
            _finding(findings, "ipython", f"IPython's {attr} were changed (input hooks)")
            listing[:] = items
    events = base["events_dict"]
    if shell.events.callbacks is not events:
        _finding(findings, "ipython", "IPython's event callbacks were replaced")
        shell.events.callbacks = events
    for name in list(events):
        want = base["events"].setdefault(name, [])
        got = events[name]
        _adopt(want, got)
        if {id(c) for c in got} != {id(c) for c in want}:
            _finding(findings, "ipython", f"a {name} event callback was registered or removed")
            got[:] = want
    for mime, (formatter, tables) in base["formatters"].items():
        if shell.display_formatter.formatters.get(mime) is not formatter:
            _finding(findings, "ipython", f"the {mime} display formatter was replaced")
            shell.display_formatter.formatters[mime] = formatter
        for attr, table in tables.items():
            current = getattr(formatter, attr, None)
            if current is None:
                continue
            for key, printer in current.items():
                if key not in table and _trusted(printer):
                    table[key] = printer
            if set(current) != set(table) or any(current[k] is not table[k] for k in table):
                _finding(findings, "ipython", f"a {mime} display formatter printer was registered")
                current.clear()
                current.update(table)
    kernel = shell.kernel
    for attr, table in base["handlers"].items():
        current = getattr(kernel, attr, None)
        if current is None:
            continue
        if set(current) != set(table) or any(current[k] is not table[k] for k in table):
            _finding(findings, "kernel", f"the kernel's {attr} were changed")
            current.clear()
            current.update(table)
    for obj, saved in base["objects"]:
        now = vars(obj) if hasattr(obj, "__dict__") else {}
        for name in list(now):
            if name in saved:
                if _interesting(saved[name]) and now[name] is not saved[name]:
                    _finding(findings, "ipython", f"{_qualname(obj)}.{name} was replaced")
                    now[name] = saved[name]
            elif callable(now[name]) and callable(getattr(type(obj), name, None)):
                _finding(findings, "ipython", f"{_qualname(obj)}.{name} was overridden")
                del now[name]
    for cls, saved in base["classes"]:
        now = vars(cls)
        for name, value in saved.items():
            if now.get(name, _MISSING) is not value:
                where = f"{cls.__module__}.{cls.__qualname__}.{name}"
                _finding(findings, "ipython", f"{where} was patched")
                try:
                    setattr(cls, name, value)
                except (AttributeError, TypeError):
                    pass


def _check_protected(findings):
    shell = _shell()
    namespace = shell.user_ns
    for name, value in _STATE.protected.items():
        if namespace.get(name, _MISSING) is value:
            continue
        module = getattr(value, "__module__", "") or ""
        severe = (
            isinstance(value, types.ModuleType)
            or module.startswith(("numpy.testing", "utils.checks"))
            or hasattr(value, "__autograder_original__")
        )
        _finding(
            findings,
            "rebound",
            f"{name} (set by a locked cell) was redefined by the notebook; restored for the tests",
            "flag" if severe else "note",
        )
        namespace[name] = value


def _hide_shadows(findings, names):
    import builtins

    namespace = _shell().user_ns
    for name in names:
        if name in namespace and hasattr(builtins, name) and name not in TRAP_NAMES:
            value = namespace.pop(name)
            _STATE.stashed[name] = value
            own = callable(value) and getattr(value, "__module__", None) == "__main__"
            _finding(
                findings,
                "shadow",
                f"the notebook defines {name}, a builtin the test uses; the test used the builtin",
                "flag" if own else "note",
            )


def _restore_shadows():
    namespace = _shell().user_ns
    for name, value in _STATE.stashed.items():
        namespace.setdefault(name, value)
    _STATE.stashed = {}


def _protect(names):
    namespace = _shell().user_ns
    for name in names:
        value = namespace.get(name, _MISSING)
        if value is not _MISSING and _interesting(value):
            _STATE.protected[name] = value


# ----------------------------------------------------------------------------- entry points


def _answer(phase, nonce, body):
    body.update({"phase": phase, "nonce": nonce})
    text = json.dumps(body, sort_keys=True)
    return json.dumps({"body": text, "mac": _STATE.sign(text.encode())})


def arm(key):
    """Take the baseline (no student code has run yet) and keep the signing key."""
    if _STATE.sign is not None:
        return json.dumps({"error": "already armed"})
    secret = key.encode()

    def sign(data, _secret=secret, _new=hmac.new, _sha=hashlib.sha256):
        return _new(_secret, data, _sha).hexdigest()

    _STATE.sign = sign
    from IPython import get_ipython

    _STATE.baseline = _take_baseline(get_ipython())
    return _answer("arm", "", {"findings": [], "records": []})


def probe(phase, nonce, payload):
    """Check and repair the kernel's state around a locked cell; see the module docstring.

    phase: "before" (a locked cell runs next; `payload` has "test": whether it is a test
    cell and "names": the names its source uses) or "after" (`payload` has "names": the
    names the cell bound, to protect from later redefinition).
    """
    findings = []
    data = json.loads(payload)
    _STATE.armed = False
    _check_builtins(findings)
    _check_modules(findings)
    _check_sys(findings)
    _check_ipython(findings)
    records, dropped = _STATE.records, _STATE.dropped
    _STATE.records, _STATE.records_bytes, _STATE.dropped = [], 0, 0
    if phase == "before":
        _check_protected(findings)
        if data.get("test"):
            _hide_shadows(findings, data.get("names", []))
            _STATE.armed = True
        return _answer(phase, nonce, {"findings": findings, "records": []})
    _restore_shadows()
    _protect(data.get("names", []))
    return _answer(phase, nonce, {"findings": findings, "records": records, "dropped": dropped})


def install():
    """Wrap the checking functions, register the assert recorder, expose `compare`."""
    import builtins
    import importlib

    from IPython import get_ipython

    targets = []
    for module_name, names in ASSERTING.items():
        targets += [(module_name, name, "assert") for name in names]
    for module_name, names in PREDICATES.items():
        targets += [(module_name, name, "predicate") for name in names]
    try:
        checks = importlib.import_module("utils.checks")
    except ImportError:
        checks = None
    if checks is not None:
        targets += [
            ("utils.checks", name, "assert")
            for name in getattr(checks, "__all__", [])
            if name.startswith("assert_")
        ]
    for module_name, name, kind in targets:
        module = importlib.import_module(module_name)
        original = getattr(module, name, None)
        if original is None:
            continue
        setattr(module, name, _wrap(f"{module_name}.{name}", original, kind))
    builtins.__autograder_compare__ = compare
    get_ipython().ast_transformers.append(AssertRecorder())
