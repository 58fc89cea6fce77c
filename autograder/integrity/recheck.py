"""Re-run, outside the student's kernel, the checks a test cell made inside it.

The kernel runtime records the arguments of each check (`numpy.testing.assert_*`,
`numpy.allclose` and friends, `math.isclose`, `utils.checks.*`, and both sides of
`assert a <op> b`) as exact JSON (see `kernel_runtime.encode`). Here they are decoded and
the same check runs with the grader's own, untouched functions. A check that passed in the
kernel but fails here means the kernel lied (a replaced function, a hooked interpreter, an
object faking equality): the test scores 0 and the submission is flagged. Values that
cannot be carried over (functions, objects of other types) are not re-checked, except
that an object of a class the notebook defined being compared is itself flagged.
"""

from __future__ import annotations

import base64
import builtins
import importlib
import math
import operator
import typing as t
from dataclasses import dataclass

import numpy as np

CHECK_MODULES = ("numpy.testing", "numpy", "math", "utils.checks")
# The operators of `runtime.compare` (which runs in the kernel and cannot import this
# module: the same table, kept equal by a test).
OPERATORS: dict[str, t.Callable[[t.Any, t.Any], t.Any]] = {
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
}


class Opaque(Exception):
    """A value that was not carried over exactly."""

    def __init__(self, type_name: str, main: bool) -> None:
        super().__init__(type_name)
        self.type_name = type_name
        self.main = main


def decode(data: t.Any) -> t.Any:
    """The value `kernel_runtime.encode` described; raise `Opaque` when it cannot be rebuilt."""
    if not isinstance(data, dict) or "t" not in data:
        raise Opaque("?", False)
    kind = data["t"]
    if kind == "none":
        return None
    if kind == "bool":
        return bool(data["v"])
    if kind == "int":
        return int(data["v"])
    if kind == "float":
        return float.fromhex(data["v"])
    if kind == "complex":
        return complex(float.fromhex(data["v"][0]), float.fromhex(data["v"][1]))
    if kind == "str":
        return str(data["v"])
    if kind == "list":
        return [decode(v) for v in data["v"]]
    if kind == "tuple":
        return tuple(decode(v) for v in data["v"])
    if kind == "dict":
        return {decode(k): decode(v) for k, v in data["v"]}
    if kind == "nd":
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in "biufc":
            raise Opaque(f"ndarray of {dtype}", False)
        raw = base64.b64decode(data["b64"])
        return np.frombuffer(raw, dtype=dtype).reshape(data["shape"]).copy()
    if kind == "np":
        dtype = np.dtype(data["dtype"])
        if dtype.kind not in "biufc":
            raise Opaque(f"numpy {dtype}", False)
        return np.frombuffer(base64.b64decode(data["b64"]), dtype=dtype)[0]
    if kind == "dtype":
        return np.dtype(data["v"])
    if kind == "type":
        home = {"builtins": builtins, "numpy": np}.get(str(data.get("module")))
        found = getattr(home, str(data.get("name")), None) if home is not None else None
        if isinstance(found, type):
            return found
        raise Opaque(f"type {data.get('name')}", False)
    raise Opaque(str(data.get("type", kind)), bool(data.get("main")))


def _trusted_function(qualified: str) -> t.Callable[..., t.Any] | None:
    module_name, _, name = qualified.rpartition(".")
    if module_name not in CHECK_MODULES:
        return None
    module = importlib.import_module(module_name)
    function = getattr(module, name, None)
    return getattr(function, "__autograder_original__", function)


def _same(a: t.Any, b: t.Any) -> bool:
    """Exact equality of two check results (numbers, bools, arrays)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return (
            a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and bool(a == b)


@dataclass
class Verdict:
    """The outcome of re-checking one record.

    status: "agree", "disagree" (the kernel's verdict was not reproduced), "skipped".
    """

    status: str
    what: str
    passed_inside: bool
    note: str = ""


def recheck(record: dict[str, t.Any]) -> Verdict:
    """Re-run one recorded check outside the kernel."""
    fn = str(record.get("fn", "?"))
    kind = record.get("kind")
    what = f"{fn}({record.get('op', '')})" if kind == "compare" else fn
    if kind == "compare":
        passed_inside = record.get("truth") is True
    else:
        passed_inside = record.get("outcome") == "returned"
    try:
        args = [decode(a) for a in record.get("args", [])]
        kwargs = {k: decode(v) for k, v in record.get("kwargs", {}).items()}
    except Opaque as opaque:
        note = f"compares an object of class {opaque.type_name}" if opaque.main else ""
        return Verdict("skipped", what, passed_inside, note)
    except (KeyError, TypeError, ValueError, IndexError):
        return Verdict("skipped", what, passed_inside)

    if kind == "compare":
        function = OPERATORS.get(str(record.get("op")))
        if function is None or len(args) != 2:
            return Verdict("skipped", what, passed_inside)
        try:
            truth: bool | None = bool(function(*args))
        except Exception:  # noqa: BLE001  (the comparison itself fails: not a pass)
            truth = None
        agree = truth == record.get("truth")
        return Verdict("agree" if agree else "disagree", what, passed_inside)

    function = _trusted_function(fn)
    if function is None:
        return Verdict("skipped", what, passed_inside)
    try:
        result = function(*args, **kwargs)
        raised = False
    except Exception:  # noqa: BLE001  (a failed check: AssertionError or a bad argument)
        result, raised = None, True
    if kind == "assert":
        agree = raised == (record.get("outcome") == "raised")
        return Verdict("agree" if agree else "disagree", what, passed_inside)
    if raised or record.get("outcome") != "returned":
        agree = raised and record.get("outcome") == "raised"
        return Verdict("agree" if agree else "disagree", what, passed_inside)
    try:
        inside = decode(record.get("result"))
    except Opaque:
        return Verdict("disagree", what, passed_inside)
    return Verdict("agree" if _same(result, inside) else "disagree", what, passed_inside)
