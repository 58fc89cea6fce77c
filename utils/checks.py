"""Assertions for the notebooks' test cells: say what is wrong, and hint why.

    from utils.checks import assert_close, assert_dict_close, assert_not_delegating
    assert_close(sigmoid(z), expected, name="sigmoid(z)")
    assert_dict_close(grads, expected_grads, name="grads", m=X.shape[1])
    assert_not_delegating(sigmoid, utils.activations.sigmoid, z)

Every check passes silently (no output, nothing on stderr) or raises `AssertionError`
with a short message for the student: one line saying what is wrong, sometimes a second
with a hint (a rank-1 array, a transpose, a missing `1/m`, a flipped sign, NaN, ...).
Checks are deterministic and cheap.
"""

from __future__ import annotations

import builtins
import dis
import functools
import inspect
import numbers
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NoReturn

import numpy as np

from utils._validate import describe

__all__ = [
    "assert_close",
    "assert_dict_close",
    "assert_dtype",
    "assert_not_delegating",
    "assert_scalar",
    "assert_shape",
    "assert_type",
    "count_python_loops",
]


def _fail(message: str) -> NoReturn:
    raise AssertionError(message)


def _shape_hint(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """Why an array might have shape `got` where `want` is expected ("" if no idea)."""
    if len(got) == 1 and len(want) == 2 and 1 in want and got[0] == max(want):
        fix = "reshape(-1, 1)" if want[1] == 1 else "reshape(1, -1)"
        return f"a rank-1 array; use .{fix} or keepdims=True"
    if len(want) == 0 and int(np.prod(got)) == 1:
        return "expected a single number; use float(...) or np.squeeze(...)"
    if got == want[::-1]:
        return "transposed? check the order of the matrix product (or .T)"
    if len(want) == 2 and 1 in want and got == (max(want), max(want)):
        return "a square result: a rank-1 (n,) array broadcast against a column or a row?"
    if len(got) == len(want) - 1 and set(got) <= set(want):
        return "an axis went missing: keepdims=True in the sum or mean?"
    return ""


def _a(type_: type) -> str:
    """'a numpy array', 'a float', 'an int', ... for messages."""
    word = "numpy array" if type_ is np.ndarray else type_.__name__
    return ("an " if word[0] in "aeiou" else "a ") + word


def _message(what: str, hint: str = "") -> str:
    return what + (f"\nhint: {hint}" if hint else "")


def _as_shape(expected_shape: Iterable[int]) -> tuple[int, ...]:
    return tuple(int(n) for n in expected_shape)


def assert_shape(actual: Any, expected_shape: tuple[int, ...], name: str = "result") -> None:
    """Fail unless `actual` is a numpy array (or number) of shape `expected_shape`.

    Args:
        actual: the student's array.
        expected_shape: e.g. `(n_h, 1)`; `()` for a number.
        name: what `actual` is called in the message.
    """
    want = _as_shape(expected_shape)
    if isinstance(actual, (list, tuple)):
        _fail(_message(f"{name}: expected a numpy array of shape {describe(want)}, got "
                       f"{_a(type(actual))}", "use np.array(...) or numpy operations"))
    got = np.shape(actual)
    if got != want:
        _fail(_message(f"{name}: expected shape {describe(want)}, got {describe(got)}",
                       _shape_hint(got, want)))


def assert_type(actual: Any, expected_type: type | tuple[type, ...], name: str = "result") -> None:
    """Fail unless `isinstance(actual, expected_type)` (e.g. `np.ndarray`, `float`, `dict`)."""
    if isinstance(actual, expected_type):
        return
    types_ = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    wanted = " or ".join(_a(t) for t in types_)
    hint = ""
    if float in types_ and isinstance(actual, np.ndarray) and actual.size == 1:
        hint = f"an array of shape {actual.shape}; use float(...) to get the number"
    elif np.ndarray in types_ and isinstance(actual, (list, tuple)):
        hint = "use np.array(...) or numpy operations"
    elif dict in types_ and isinstance(actual, tuple):
        hint = "return a dict such as {'W1': W1, 'b1': b1}"
    _fail(_message(f"{name}: expected {wanted}, got {_a(type(actual))}", hint))


def assert_dtype(actual: Any, expected: Any = np.float64, name: str = "result") -> None:
    """Fail unless `actual` is an array (or numpy number) of dtype `expected` (float64)."""
    want = np.dtype(expected)
    got = getattr(actual, "dtype", None)
    if got is None:
        _fail(f"{name}: expected a numpy array of dtype {want}, got {_a(type(actual))}")
    if got == want:
        return
    hints = {
        "i": "an integer array: start from floats (np.zeros(shape), 1.0 rather than 1)",
        "u": "an integer array: start from floats (np.zeros(shape), 1.0 rather than 1)",
        "b": "a boolean array (a comparison?); convert it with .astype(float)",
        "O": "an object array: a ragged list, or arrays nested in a list?",
    }
    hint = hints.get(got.kind, "")
    if got.kind == "f" and want.kind == "f":
        hint = f"compute in {want} (a {got} input or np.{got}(...) somewhere?)"
    _fail(_message(f"{name}: expected dtype {want}, got {got}", hint))


def _where(mask: np.ndarray) -> str:
    """' at index (i, j)' of the first True entry of `mask` (nothing for a 0-d array)."""
    if mask.ndim == 0:
        return ""
    return f" at index {tuple(int(i) for i in np.argwhere(mask)[0])}"


def _value_hint(got: np.ndarray, want: np.ndarray, m: int | None, atol: float) -> str:
    """A likely reason why `got` differs from `want` (same shape, both finite), or ""."""

    def matches(candidate: np.ndarray) -> bool:
        return bool(np.allclose(candidate, want, rtol=1e-5, atol=atol))

    if not np.any(got) and np.any(want):
        return "all zeros: is it computed (or left at its initial value)?"
    if m is not None and m > 1 and matches(got / m):
        return f"off by a factor m = {m}: a missing 1/m?"
    if m is not None and m > 1 and matches(got * m):
        return f"a factor m = {m} too small: an extra 1/m?"
    if matches(-got):
        return "the sign is flipped"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and matches(got.T):
        return "transposed: check the order of the matrix product"
    denominator = float(np.sum(want * want))
    if got.size > 1 and denominator > 0:
        c = float(np.sum(got * want)) / denominator
        if abs(c - 1) > 1e-3 and c != 0 and matches(got / c):
            k = round(c)
            maybe_m = f" (a missing 1/m, with m = {k}?)" if m is None and k >= 2 and abs(
                c - k) < 1e-3 * k else ""
            return f"off by a constant factor: {c:.4g} times the expected values{maybe_m}"
    return ""


def _check_values(
    got: np.ndarray, want: np.ndarray, name: str, rtol: float, atol: float, m: int | None
) -> None:
    """Fail unless `got` and `want` (float arrays of one shape) agree within tolerance."""
    for bad, what, why in (
        (np.isnan(got) & ~np.isnan(want), "NaN", "a log(0), a 0/0 or an overflow before it?"),
        (np.isinf(got) & ~np.isinf(want), "inf", "an overflow (np.exp of a large z?) or x/0?"),
    ):
        if bad.any():
            _fail(_message(f"{name}: holds {what}{_where(bad)}", why))
    close = np.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    far = ~close
    first = tuple(int(i) for i in np.argwhere(far)[0]) if far.ndim else ()
    values = f"expected {float(want[first]):.6g}, got {float(got[first]):.6g}"
    if got.size == 1:
        what = f"{name}: {values}"
    else:
        what = (f"{name}: {int(far.sum())} of {got.size} values are wrong; "
                f"at index {first}: {values}")
    with np.errstate(all="ignore"):
        hint = _value_hint(got, want, m, atol)
    _fail(_message(what, hint))


def _numeric_array(actual: Any, name: str) -> np.ndarray:
    arr = np.asarray(actual)
    if arr.dtype.kind not in "fiub":
        _fail(f"{name}: expected numbers, got values of dtype {arr.dtype}")
    return arr.astype(np.float64)


def assert_scalar(
    actual: Any,
    expected: float,
    name: str = "result",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    *,
    m: int | None = None,
) -> None:
    """Fail unless `actual` is one real number (a float, numpy number or 0-d array) close
    to `expected`: `|actual - expected| <= atol + rtol |expected|`.

    `m`, when given, lets the message spot a missing or extra `1/m`.
    """
    if isinstance(actual, (bool, np.bool_)) or not (
        isinstance(actual, numbers.Real) or (isinstance(actual, np.ndarray) and actual.ndim == 0)
    ):
        if isinstance(actual, np.ndarray):
            hint = ("use float(...) or np.squeeze(...)" if actual.size == 1
                    else "a sum or mean over the examples missing?")
            _fail(_message(f"{name}: expected a single number, got an array of shape "
                           f"{actual.shape}", hint))
        _fail(f"{name}: expected a number, got {_a(type(actual))}")
    got = _numeric_array(actual, name)
    _check_values(got, np.asarray(expected, dtype=np.float64), name, rtol, atol, m)


def assert_close(
    actual: Any,
    expected: Any,
    name: str = "result",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    *,
    m: int | None = None,
) -> None:
    """Fail unless `actual` matches `expected` in type, shape and values (within tolerance).

    Args:
        actual: the student's result: an array of any shape, or a number.
        expected: the right result; a number means `actual` must be one (`assert_scalar`),
            an array (or a list) means `actual` must be a numpy array of the same shape.
        name: what `actual` is called in the message.
        rtol, atol: `|actual - expected| <= atol + rtol |expected|` entry by entry.
        m: the number of examples, if it matters: lets the message spot a missing or extra
            `1/m`.
    """
    want = np.asarray(expected, dtype=np.float64)
    if want.ndim == 0 and not isinstance(expected, np.ndarray):
        assert_scalar(actual, float(want), name, rtol, atol, m=m)
        return
    if not isinstance(actual, np.ndarray):
        assert_type(actual, np.ndarray, name)
    assert_shape(actual, want.shape, name)
    _check_values(_numeric_array(actual, name), want, name, rtol, atol, m)


def _keys(keys: list) -> str:
    return ("key " if len(keys) == 1 else "keys ") + ", ".join(map(repr, keys))


def assert_dict_close(
    actual: Any,
    expected: Mapping[str, Any],
    name: str = "parameters",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    *,
    m: int | None = None,
) -> None:
    """Fail unless `actual` is a dict with exactly the keys of `expected`, each value
    matching as in `assert_close` (the message names the key: `grads['db1']`).

    For parameter dicts `{"W1": (n1, n0), "b1": (n1, 1), ...}` and gradient dicts
    `{"dW1": ..., "db1": ...}`; `m` as in `assert_close`.
    """
    if not isinstance(actual, Mapping):
        keys = ", ".join(repr(k) for k in expected)
        _fail(f"{name}: expected a dict with keys {keys}, got {_a(type(actual))}")
    missing = [k for k in expected if k not in actual]
    if missing:
        has = ", ".join(repr(k) for k in actual) or "nothing"
        hint = ""
        if any(isinstance(k, str) and k[1:] in actual for k in missing):
            hint = "gradients are named with a d: 'dW1', 'db1', ..."
        _fail(_message(f"{name}: missing {_keys(missing)} (it has {has})", hint))
    extra = [k for k in actual if k not in expected]
    if extra:
        _fail(f"{name}: unexpected {_keys(extra)}")
    for key, value in expected.items():
        assert_close(actual[key], value, f"{name}[{key!r}]", rtol, atol, m=m)


# ---------------------------------------------------------------- assert_not_delegating

_MISSING = object()


def _qualified(func: Any) -> str:
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    module = getattr(func, "__module__", None)
    return f"{module}.{name}" if module else name


def _lookup(globs: Mapping[str, Any], name: str) -> Any:
    if name in globs:
        return globs[name]
    space = globs.get("__builtins__", builtins)
    space = vars(space) if isinstance(space, types.ModuleType) else space
    return space.get(name, _MISSING)


def _attr(obj: Any, name: str) -> Any:
    """`obj.name` without running any code (no properties, no lazy imports)."""
    if obj is _MISSING:
        return _MISSING
    return inspect.getattr_static(obj, name, _MISSING)


def _references(
    code: types.CodeType, globs: Mapping[str, Any], scope: dict[str, Any]
) -> Iterator[Any]:
    """The objects that `code` (and the code nested in it) loads by name, attribute or import.

    Follows global names, `module.attr.attr` chains, imports inside the function and
    locals bound straight to such objects (`s = utils.activations.sigmoid`); `scope` maps
    names of the enclosing function (closure cells, its locals) to their objects.
    """
    local = dict(scope)
    top = imported = _MISSING
    previous = None
    for ins in dis.get_instructions(code):
        op, arg = ins.opname, ins.argval
        if op in ("LOAD_GLOBAL", "LOAD_NAME"):
            top = _lookup(globs, arg)
        elif op in ("LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_CLASSDEREF"):
            top = local.get(arg, _MISSING)
        elif op in ("LOAD_ATTR", "LOAD_METHOD", "IMPORT_FROM"):
            top = _attr(imported if op == "IMPORT_FROM" else top, arg)
        elif op == "IMPORT_NAME":
            fromlist = previous.argval if previous and previous.opname == "LOAD_CONST" else None
            imported = sys.modules.get(arg if fromlist else arg.partition(".")[0], _MISSING)
            top = imported
        elif op in ("STORE_FAST", "STORE_DEREF", "STORE_NAME", "STORE_GLOBAL") and (
            top is not _MISSING
        ):
            local[arg] = top
            top = _MISSING
        else:
            top = _MISSING
        if top is not _MISSING:
            yield top
        previous = ins
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _references(const, globs, local)


def _inner(obj: Any) -> Any:
    """What `obj` wraps: a partial's function, a method's function, `__wrapped__`; or None."""
    if isinstance(obj, functools.partial):
        return obj.func
    return getattr(obj, "__func__", None) or getattr(obj, "__wrapped__", None)


def _unwrapped(func: Any) -> list[Any]:
    """`func` followed by what it wraps, layer by layer."""
    chain = [func]
    while (inner := _inner(chain[-1])) is not None and len(chain) < 20:
        chain.append(inner)
    return chain


def _contents(obj: Any) -> list[Any]:
    """The items of a dict (its values), list, tuple or set; [] for anything else."""
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    return []


def _find_reference(func: Any, forbidden: dict[int, Any]) -> tuple[Any, str | None] | None:
    """The forbidden object that `func` refers to, and the helper through which (None when
    directly), looking into the student's own helpers (functions of the same namespace)."""
    home = getattr(_unwrapped(func)[-1], "__globals__", None)
    seen: set[int] = set()

    def visit(fn: Any, via: str | None) -> tuple[Any, str | None] | None:
        for obj in _unwrapped(fn):
            bound = [*obj.args, *obj.keywords.values()] if isinstance(
                obj, functools.partial) else []
            for candidate in (obj, *bound):
                if id(candidate) in forbidden:
                    return forbidden[id(candidate)], via
        fn = _unwrapped(fn)[-1]
        code = getattr(fn, "__code__", None)
        if not isinstance(code, types.CodeType) or id(code) in seen:
            return None
        seen.add(id(code))
        cells = fn.__closure__ or ()
        scope = {}
        for var, cell in zip(code.co_freevars, cells, strict=False):
            try:
                scope[var] = cell.cell_contents
            except ValueError:  # a cell not filled yet
                continue
        defaults = [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]
        for obj in [*defaults, *_references(code, fn.__globals__, scope)]:
            for candidate in (obj, *_contents(obj)):
                if id(candidate) in forbidden:
                    return forbidden[id(candidate)], via
            own = isinstance(obj, types.FunctionType) and obj.__globals__ is home
            if own and (hit := visit(obj, via or f"{obj.__name__}()")):
                return hit
        return None

    return visit(func, None)


def _bindings(target: Any, spaces: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Every (namespace, name) bound to `target` in `spaces` and in the modules of its package."""
    package = (getattr(target, "__module__", None) or "").partition(".")[0]
    modules = [vars(mod) for key, mod in list(sys.modules.items())
               if package and (key == package or key.startswith(package + "."))
               and isinstance(mod, types.ModuleType)]
    found, done = [], set()
    for space in [*spaces, *modules]:
        if id(space) in done:
            continue
        done.add(id(space))
        found += [(space, key) for key, value in list(space.items()) if value is target]
    return found


def _recorder(target: Callable, called: list) -> Callable:
    """A stand-in for `target` that notes each call in `called`, then calls `target`."""

    @functools.wraps(target)
    def record(*args: Any, **kwargs: Any) -> Any:
        called.append(target)
        return target(*args, **kwargs)

    return record


def _calls_while_running(func: Callable, targets: list[Any], args: tuple, kwargs: dict) -> list:
    """Run `func(*args, **kwargs)` with every binding of `targets` replaced by a recorder;
    return the targets called. Everything is restored, also when `func` raises; an
    exception from `func` propagates unless a target was called before it."""
    called: list[Any] = []
    spaces = [getattr(f, "__globals__", None) for f in _unwrapped(func)]
    patches = []
    for target in targets:
        recorder = _recorder(target, called)
        for space, key in _bindings(target, [s for s in spaces if s is not None]):
            patches.append((space, key, target))
            space[key] = recorder
    try:
        func(*args, **kwargs)
    except Exception:
        if not called:
            raise
    finally:
        for space, key, original in reversed(patches):
            space[key] = original
    return called


def assert_not_delegating(
    func: Callable, forbidden: Callable | Iterable[Callable], *args: Any, **kwargs: Any
) -> None:
    """Fail when the student's `func` calls a reference implementation it should re-implement.

    Two layers:

    1. A static scan of `func`'s code (and the code nested in it, and the student's own
       helper functions it calls, i.e. functions defined in the same namespace) for a
       reference to a `forbidden` object: by global name or alias
       (`from utils.activations import sigmoid as s`), module attribute
       (`utils.activations.sigmoid`, `act.sigmoid`), an import inside the function, a
       closure cell, a default argument, or an item of a dict, list or tuple it uses.
    2. When `args` or `kwargs` are given, `func(*args, **kwargs)` is run with the
       forbidden functions replaced, wherever bound by name in `func`'s namespace and in
       the modules of their package (e.g. `utils.*`), by recorders; everything is restored
       afterwards, also when `func` raises (its exception then propagates unless a forbidden
       function was called first).

    Calls to numpy and to the student's own earlier functions are fine. In the run, a
    forbidden function counts wherever the call comes from, also from other code that
    looks it up by name (a `utils` function the student may use). The scan looks one
    level into the dicts, lists and tuples the code refers to (`ACT = {"s": sigmoid}`);
    deeper hiding places are seen by neither layer.

    Args:
        func: the student's function.
        forbidden: a function or a list of functions, e.g. `utils.activations.sigmoid`.
        *args, **kwargs: arguments for a run of `func` (optional).
    """
    targets = [forbidden] if callable(forbidden) else list(forbidden)
    if not targets or not all(callable(t) for t in targets):
        raise TypeError("forbidden must be a function or a list of functions")
    name = getattr(func, "__name__", "the function")
    advice = "write it yourself with numpy operations"
    for obj in _unwrapped(func):
        if any(obj is t for t in targets):
            _fail(f"{name} is {_qualified(obj)} itself; {advice}")
    hit = _find_reference(func, {id(t): t for t in targets})
    if hit:
        target, via = hit
        through = f" via {via}" if via else ""
        _fail(f"{name} calls {_qualified(target)}{through}; {advice}")
    if args or kwargs:
        called = _calls_while_running(func, targets, args, kwargs)
        if called:
            _fail(f"{name} called {_qualified(called[0])} while it ran; {advice}")


def count_python_loops(func: Callable) -> int:
    """The number of Python loops (`for`, `while`, comprehensions) in the code of `func`.

    Also counts the loops of code nested in `func` (inner functions, lambdas,
    comprehensions) and of the plain Python functions of the same module or notebook that
    it calls by name, each counted once. Test cells use it to check that a vectorized
    answer has no loop, or exactly one.
    """
    home = getattr(func, "__globals__", {})
    seen: set[int] = set()
    loops = 0
    todo: list[Any] = [func]
    while todo:
        item = todo.pop()
        code = getattr(item, "__code__", item)
        if not isinstance(code, types.CodeType) or id(code) in seen:
            continue
        seen.add(id(code))
        instructions = list(dis.get_instructions(code))
        for_loops = {ins.offset for ins in instructions if ins.opname == "FOR_ITER"}
        back_targets = {
            ins.argval
            for ins in instructions
            if "JUMP" in ins.opname and isinstance(ins.argval, int) and ins.argval < ins.offset
        }
        loops += len(for_loops) + len(back_targets - for_loops)  # for loops + while loops
        todo += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        for name in code.co_names:
            obj = home.get(name)
            if isinstance(obj, types.FunctionType) and obj.__globals__ is home:
                todo.append(obj)
    return loops
