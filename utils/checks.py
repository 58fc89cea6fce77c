"""Assertions for the notebooks' test cells: say what is wrong, and hint why.

    from utils import checks
    checks.assert_close(sigmoid(z), expected, name="sigmoid(z)")
    checks.assert_dict_close(grads, expected_grads, name="grads", m=X.shape[1],
                             mistakes={"sigma' used for tanh'": wrong_grads})
    checks.assert_not_delegating(sigmoid, utils.activations.sigmoid, z)
    checks.assert_vectorized(propagate)        # no Python loop anywhere in it
    checks.assert_has_loop(propagate_loop)     # the exercise asks for the loop version
    checks.passed("sigmoid")                   # the one line every visible test ends with

Every check passes silently (no output, nothing on stderr) or raises `AssertionError`
with a short message for the student: one line saying what is wrong, sometimes a second
with a hint (a rank-1 array, a transpose, a missing `1/m`, a flipped sign, NaN, a loop,
...). Checks are deterministic and cheap. Every hint gives advice that works when
followed (tests/test_checks.py follows each one).
"""

from __future__ import annotations

import builtins
import dis
import functools
import gc
import inspect
import itertools
import linecache
import numbers
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from utils._validate import describe

__all__ = [
    "Loop",
    "assert_close",
    "assert_dict_close",
    "assert_dtype",
    "assert_has_loop",
    "assert_not_delegating",
    "assert_scalar",
    "assert_shape",
    "assert_type",
    "assert_vectorized",
    "count_python_loops",
    "count_python_steps",
    "find_python_loops",
    "passed",
]


def passed(name: str) -> None:
    """Print the one success line that ends the visible part of every test cell.

    The line, on stdout: `✔ {name}: all visible tests passed.`
    """
    print(f"\u2714 {name}: all visible tests passed.")


def _fail(message: str) -> NoReturn:
    raise AssertionError(message)


def _shape_hint(got: tuple[int, ...], want: tuple[int, ...]) -> str:
    """Why an array might have shape `got` where `want` is expected ("" if no idea)."""
    if len(got) == 1 and len(want) == 2 and 1 in want and got[0] == max(want):
        fix = "reshape(-1, 1)" if want[1] == 1 else "reshape(1, -1)"
        return f"a rank-1 array; use .{fix} or keepdims=True"
    if len(want) == 0 and int(np.prod(got)) == 1:
        return "expected a single number; use .item() or np.squeeze(...)"
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

    actual: the student's array; expected_shape: e.g. `(n_h, 1)`, `()` for a number;
    name: what `actual` is called in the message.
    """
    want = _as_shape(expected_shape)
    if isinstance(actual, (list, tuple)):
        _fail(
            _message(
                f"{name}: expected a numpy array of shape {describe(want)}, got {_a(type(actual))}",
                "use np.array(...) or numpy operations",
            )
        )
    got = np.shape(actual)
    if got != want:
        _fail(
            _message(
                f"{name}: expected shape {describe(want)}, got {describe(got)}",
                _shape_hint(got, want),
            )
        )


def assert_type(actual: Any, expected_type: type | tuple[type, ...], name: str = "result") -> None:
    """Fail unless `isinstance(actual, expected_type)` (e.g. `np.ndarray`, `float`, `dict`)."""
    if isinstance(actual, expected_type):
        return
    types_ = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    wanted = " or ".join(_a(t) for t in types_)
    hint = ""
    if float in types_ and isinstance(actual, np.ndarray) and actual.size == 1:
        hint = f"an array of shape {actual.shape}; use .item() to get the number"
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
            maybe_m = (
                f" (a missing 1/m, with m = {k}?)"
                if m is None and k >= 2 and abs(c - k) < 1e-3 * k
                else ""
            )
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
        what = (
            f"{name}: {int(far.sum())} of {got.size} values are wrong; at index {first}: {values}"
        )
    with np.errstate(all="ignore"):
        hint = _value_hint(got, want, m, atol)
    _fail(_message(what, hint))


def _numeric_array(actual: Any, name: str) -> np.ndarray:
    arr = np.asarray(actual)
    if arr.dtype.kind not in "fiub":
        _fail(f"{name}: expected numbers, got values of dtype {arr.dtype}")
    return arr.astype(np.float64)


def _matches(actual: Any, wrong: Any, rtol: float, atol: float) -> bool:
    """Whether `actual` equals the wrong answer `wrong` within tolerance.

    For arrays and numbers: the same shape and values; for a dict `wrong`, every key of it
    present in `actual` with a matching value (so a mistake can name only the entries it
    changes).
    """
    if isinstance(wrong, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and _matches(actual[key], value, rtol, atol)
            for key, value in wrong.items()
        )
    if isinstance(actual, Mapping):
        return False
    try:
        got = np.asarray(actual, dtype=np.float64)
        want = np.asarray(wrong, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got.shape == want.shape and bool(
        np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    )


def _with_mistakes(
    check: Callable[[], None],
    actual: Any,
    mistakes: Mapping[str, Any] | None,
    rtol: float,
    atol: float,
) -> None:
    """Run `check`, turning its failure into the hint of a matching mistake.

    When `check` fails and `actual` matches a wrong value of `mistakes` (hint text ->
    wrong value), fail with the same first line and that hint instead.
    """
    if mistakes is not None and not isinstance(mistakes, Mapping):
        raise TypeError("mistakes must be a dict {hint text: wrong value}")
    try:
        check()
    except AssertionError as error:
        for hint, wrong in (mistakes or {}).items():
            if _matches(actual, wrong, rtol, atol):
                what = str(error).splitlines()[0]
                raise AssertionError(_message(what, hint)) from None
        raise


def assert_scalar(
    actual: Any,
    expected: float,
    name: str = "result",
    rtol: float = 1e-6,
    atol: float = 1e-8,
    *,
    m: int | None = None,
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Fail unless `actual` is one real number close to `expected`.

    actual: a float, a numpy number or a 0-d array, shape `()`; it must satisfy
    `|actual - expected| <= atol + rtol |expected|`. `m`, when given, lets the message spot
    a missing or extra `1/m`. `mistakes` maps a hint text to the wrong value a conceptual
    mistake gives, e.g.
    `{"the loss of one example, not the mean over the m examples": loss_0}`: when the
    answer is wrong and equals one of them (same tolerance), the hint is that text.
    """
    _with_mistakes(
        lambda: _assert_scalar(actual, expected, name, rtol, atol, m), actual, mistakes, rtol, atol
    )


def _assert_scalar(
    actual: Any, expected: float, name: str, rtol: float, atol: float, m: int | None
) -> None:
    if isinstance(actual, (bool, np.bool_)) or not (
        isinstance(actual, numbers.Real) or (isinstance(actual, np.ndarray) and actual.ndim == 0)
    ):
        if isinstance(actual, np.ndarray):
            hint = (
                "use .item() or np.squeeze(...)"
                if actual.size == 1
                else "a sum or mean over the examples missing?"
            )
            _fail(
                _message(
                    f"{name}: expected a single number, got an array of shape {actual.shape}", hint
                )
            )
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
    mistakes: Mapping[str, Any] | None = None,
) -> None:
    """Fail unless `actual` matches `expected` in type, shape and values (within tolerance).

    actual: the student's result, an array of any shape or a number; expected: the right
    result: a number means `actual` must be one (`assert_scalar`), an array (or a list)
    that `actual` must be a numpy array of the same shape; name: what `actual` is called in
    the message; rtol, atol: `|actual - expected| <= atol + rtol |expected|` entry by entry;
    m: the number of examples, if it matters: lets the message spot a missing or extra
    `1/m`; mistakes: `{hint text: wrong value}` for conceptual mistakes, e.g.
    `{"sigmoid's derivative used for tanh's: tanh'(z) = 1 - a^2": dZ1_sigma}`: when the
    answer is wrong and matches a wrong value (same shape, same tolerance), the message's
    hint is that text.
    """
    _with_mistakes(
        lambda: _assert_close(actual, expected, name, rtol, atol, m), actual, mistakes, rtol, atol
    )


def _assert_close(
    actual: Any, expected: Any, name: str, rtol: float, atol: float, m: int | None
) -> None:
    want = np.asarray(expected, dtype=np.float64)
    if want.ndim == 0 and not isinstance(expected, np.ndarray):
        _assert_scalar(actual, float(want), name, rtol, atol, m)
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
    mistakes: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Fail unless `actual` is a dict with the keys of `expected`, each value as in `assert_close`.

    The keys must be exactly those of `expected`; a message names the key (`grads['db1']`).
    For parameter dicts `{"W1": (n1, n0), "b1": (n1, 1), ...}` and gradient dicts
    `{"dW1": ..., "db1": ...}`; `m` as in `assert_close`. `mistakes` maps a hint text to
    the wrong dict a conceptual mistake gives; it may hold only the keys the mistake
    changes (`{"...": {"dW1": wrong_dW1, "db1": wrong_db1}}`): when the answer is wrong
    and every key listed matches, the hint is that text.
    """
    if mistakes is not None and not all(isinstance(v, Mapping) for v in mistakes.values()):
        raise TypeError("the mistakes of assert_dict_close map hint texts to dicts")
    _with_mistakes(
        lambda: _assert_dict_close(actual, expected, name, rtol, atol, m),
        actual,
        mistakes,
        rtol,
        atol,
    )


def _assert_dict_close(
    actual: Any,
    expected: Mapping[str, Any],
    name: str,
    rtol: float,
    atol: float,
    m: int | None,
) -> None:
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
        _assert_close(actual[key], value, f"{name}[{key!r}]", rtol, atol, m)


# ---------------------------------------------------------------- assert_not_delegating

_MISSING = object()


def _qualified(func: Any) -> str:
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", repr(func))
    module = getattr(func, "__module__", None)
    return f"{module}.{name}" if module else str(name)


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


_LOADS_LOCAL = (
    "LOAD_FAST",
    "LOAD_FAST_CHECK",
    "LOAD_DEREF",
    "LOAD_CLASSDEREF",
    "LOAD_FAST_LOAD_FAST",
)
_STORES = (
    "STORE_FAST",
    "STORE_DEREF",
    "STORE_NAME",
    "STORE_GLOBAL",
    "STORE_FAST_LOAD_FAST",
    "STORE_FAST_STORE_FAST",
)


@dataclass(frozen=True)
class _Load:
    """One object that code loads.

    ins: the instruction; obj: the object; fresh: whether this is its first appearance
    (False for a local name re-read after `f = some.object`).
    """

    ins: dis.Instruction
    obj: Any
    fresh: bool


def _loads(
    code: types.CodeType,
    globs: Mapping[str, Any],
    scope: dict[str, Any],
    assigned: frozenset[str] = frozenset(),
) -> Iterator[_Load]:
    """The objects that `code` (and the code nested in it) loads by name, attribute or import.

    Follows global names, `module.attr.attr` chains, imports inside the function and
    locals bound straight to such objects (`s = utils.activations.sigmoid`); `scope` maps
    names of the enclosing function (closure cells, its locals) to their objects, and
    `assigned` holds those of its names the enclosing code assigned itself (re-reads of
    them are not fresh; each use of a name bound by an import is). Handles the
    instruction sets of Python 3.11 to 3.13 (3.12 inlines comprehensions, 3.13 adds
    LOAD_FAST_LOAD_FAST and friends, whose argval is a pair of names).
    """
    local = dict(scope)
    stored = set(assigned)
    top = imported = _MISSING
    previous = None
    for ins in dis.get_instructions(code):
        op, arg = ins.opname, ins.argval
        names = arg if isinstance(arg, tuple) else (arg,)
        loaded: list[tuple[Any, bool]] = []
        if op in ("LOAD_GLOBAL", "LOAD_NAME"):
            loaded.append((_lookup(globs, arg), True))
        elif op in _LOADS_LOCAL:
            loaded += [(local.get(n, _MISSING), n not in stored) for n in names]
        elif op in ("LOAD_ATTR", "LOAD_METHOD"):
            loaded.append((_attr(top, arg), True))
        elif op == "IMPORT_FROM":  # an import binds a name; its uses are the fresh loads
            loaded.append((_attr(imported, arg), False))
        elif op == "IMPORT_NAME":
            fromlist = previous.argval if previous and previous.opname == "LOAD_CONST" else None
            imported = sys.modules.get(arg if fromlist else arg.partition(".")[0], _MISSING)
            loaded.append((imported, False))
        elif op in _STORES:
            if not (previous and previous.opname in ("IMPORT_NAME", "IMPORT_FROM")):
                stored.add(names[0])
            if top is not _MISSING:
                local[names[0]] = top
            if op == "STORE_FAST_LOAD_FAST":
                loaded.append((local.get(names[1], _MISSING), names[1] not in stored))
        top = loaded[-1][0] if loaded else _MISSING
        for obj, fresh in loaded:
            if obj is not _MISSING:
                yield _Load(ins, obj, fresh)
        previous = ins
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _loads(const, globs, local, frozenset(stored))


def _references(
    code: types.CodeType, globs: Mapping[str, Any], scope: dict[str, Any]
) -> Iterator[Any]:
    """The objects that `code` (and the code nested in it) loads (see `_loads`)."""
    return (load.obj for load in _loads(code, globs, scope))


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


def _closure(fn: types.FunctionType) -> dict[str, Any]:
    """The closure of `fn`: its free variable names and the objects their cells hold."""
    scope = {}
    for var, cell in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=False):
        try:
            scope[var] = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
    return scope


def _defaults(fn: types.FunctionType) -> list[Any]:
    """The default values of `fn`'s arguments."""
    return [*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values()]


def _find_reference(func: Any, forbidden: dict[int, Any]) -> tuple[Any, str | None] | None:
    """The forbidden object that `func` refers to, and the helper through which it does.

    The helper is None when `func` refers to it directly; the search looks into the
    student's own helpers (functions of the same namespace).
    """
    home = getattr(_unwrapped(func)[-1], "__globals__", None)
    seen: set[int] = set()

    def visit(fn: Any, via: str | None) -> tuple[Any, str | None] | None:
        for obj in _unwrapped(fn):
            bound = (
                [*obj.args, *obj.keywords.values()] if isinstance(obj, functools.partial) else []
            )
            for candidate in (obj, *bound):
                if id(candidate) in forbidden:
                    return forbidden[id(candidate)], via
        fn = _unwrapped(fn)[-1]
        code = getattr(fn, "__code__", None)
        if not isinstance(code, types.CodeType) or id(code) in seen:
            return None
        seen.add(id(code))
        for obj in [*_defaults(fn), *_references(code, fn.__globals__, _closure(fn))]:
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
    modules = [
        vars(mod)
        for key, mod in list(sys.modules.items())
        if package
        and (key == package or key.startswith(package + "."))
        and isinstance(mod, types.ModuleType)
    ]
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
    """Run `func(*args, **kwargs)` with every binding of `targets` replaced by a recorder.

    Returns the targets called. Everything is restored, also when `func` raises; an
    exception from `func` propagates unless a target was called before it.
    """
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

    func: the student's function; forbidden: a function or a list of functions, e.g.
    `utils.activations.sigmoid`; args, kwargs: arguments for a run of `func` (optional).
    Raises TypeError when `forbidden` is not a function or a non-empty list of functions.
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


# ---------------------------------------------------------------- loops


@dataclass(frozen=True)
class Loop:
    """A Python loop found in a function's code (see `find_python_loops`).

    `kind`: "a for loop", "a while loop", "a list comprehension", "a set comprehension",
    "a dict comprehension", "a generator expression", "map()", "filter()",
    "functools.reduce()", "itertools.starmap()", "np.vectorize", "np.apply_along_axis",
    "np.frompyfunc" or "recursion"; `function`: the name of the function whose code holds
    it (for recursion, the cycle: "f() -> g() -> f()"); `line`: its line number, counted
    as Python counts it in the cell (or file) that defined the function (None if unknown).
    """

    kind: str
    function: str
    line: int | None

    def __str__(self) -> str:
        where = f", line {self.line}" if self.line else ""
        if self.kind == "recursion":
            return f"recursion {self.function}{where}"
        return f"{self.kind} in {self.function}(){where}"


# functions that run a Python-level loop over the items they are given
_LOOPING = [
    (map, "map()"),
    (filter, "filter()"),
    (functools.reduce, "functools.reduce()"),
    (itertools.starmap, "itertools.starmap()"),
    (np.vectorize, "np.vectorize"),
    (np.apply_along_axis, "np.apply_along_axis"),
    (np.frompyfunc, "np.frompyfunc"),
]
_LOOPING_IDS = {id(f): kind for f, kind in _LOOPING}
_COMPREHENSION = {
    "BUILD_LIST": "a list comprehension",
    "BUILD_SET": "a set comprehension",
    "BUILD_MAP": "a dict comprehension",
}


def _looping_kind(obj: Any) -> str | None:
    """The kind of loop `obj` runs when called ("map()", "np.vectorize", ...), or None.

    Looks through partials and wrappers; knows `np.vectorize` objects and the ufuncs that
    `np.frompyfunc` makes (named "... (vectorized)").
    """
    for item in _unwrapped(obj):
        if id(item) in _LOOPING_IDS:
            return _LOOPING_IDS[id(item)]
        if isinstance(item, np.vectorize):
            return "np.vectorize"
        if isinstance(item, np.ufunc) and item.__name__.endswith(" (vectorized)"):
            return "np.frompyfunc"
    return None


def _line(ins: dis.Instruction) -> int | None:
    return ins.positions.lineno if ins.positions else None


def _while_line(code: types.CodeType, lines: list[int]) -> int | None:
    """The line of the `while` statement whose loop covers `lines`.

    That is the line above the first of them when that one starts with `while` (as
    `while True:` loops compile), else the first of them; None when `lines` is empty.
    """
    if not lines:
        return None
    first = min(lines)
    above = linecache.getline(code.co_filename, first - 1).lstrip()
    return first - 1 if above.startswith("while") else first


_JUMPS = frozenset(dis.hasjrel + dis.hasjabs)
_NO_FALL_THROUGH = frozenset(
    {
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
        "JUMP",
        "JUMP_NO_INTERRUPT",
        "RETURN_VALUE",
        "RETURN_CONST",
        "RAISE_VARARGS",
        "RERAISE",
    }
)


def _reaches(instructions: list[dis.Instruction], start: int, goal: int) -> bool:
    """Whether ordinary control flow (no exception) leads from offset `start` to `goal`.

    A backward jump closes a loop only when its target leads back to it: 3.12+ also jumps
    backward from the exception handlers it compiles after the function's body.
    """
    at = {ins.offset: i for i, ins in enumerate(instructions)}
    seen, todo = set(), [start]
    while todo:
        offset = todo.pop()
        if offset == goal:
            return True
        if offset in seen or offset not in at:
            continue
        seen.add(offset)
        i = at[offset]
        ins = instructions[i]
        if ins.opcode in _JUMPS:
            todo.append(ins.argval)
        if ins.opname not in _NO_FALL_THROUGH and i + 1 < len(instructions):
            todo.append(instructions[i + 1].offset)
    return False


def _bytecode_loops(code: types.CodeType, function: str) -> list[Loop]:
    """The for and while loops and comprehensions compiled into `code` itself.

    The code objects nested in `code` are not scanned. A for loop or comprehension is a
    FOR_ITER instruction (3.12+ inlines list, set and dict comprehensions into the function:
    FOR_ITER two instructions after a BUILD_LIST 0, as in 3.11's own comprehension code).
    A while loop is a group of backward jumps (not to a FOR_ITER) whose ranges share a
    target or cross: `continue` adds a jump to the loop's top, the loop's end jumps back to
    its body. A backward jump from an exception handler back into the body is no loop
    (`_reaches`).
    """
    instructions = list(dis.get_instructions(code))
    found: list[Loop] = []
    comprehensions: list[tuple[int, int, str]] = []  # (start, end, kind)
    for i, ins in enumerate(instructions):
        if ins.opname != "FOR_ITER":
            continue
        kind = next((k for s, e, k in comprehensions if s < ins.offset < e), None)
        build = instructions[i - 2].opname if i >= 2 else ""
        if kind is None and build in _COMPREHENSION and instructions[i - 2].argval == 0:
            kind = _COMPREHENSION[build]
            comprehensions.append((ins.offset, ins.argval, kind))
        if kind is None and code.co_name == "<genexpr>":
            kind = "a generator expression"
        found.append(Loop(kind or "a for loop", function, _line(ins)))
    for_offsets = set()  # a FOR_ITER, and the EXTENDED_ARGs that prefix a long loop's
    for i, ins in enumerate(instructions):
        if ins.opname == "FOR_ITER":
            for_offsets.add(ins.offset)
            j = i - 1
            while j >= 0 and instructions[j].opname == "EXTENDED_ARG":
                for_offsets.add(instructions[j].offset)
                j -= 1
    spans = sorted(
        (ins.argval, ins.offset)
        for ins in instructions
        if ins.opcode in _JUMPS
        and "NO_INTERRUPT" not in ins.opname  # not yield from / await
        and ins.argval < ins.offset
        and ins.argval not in for_offsets
        and _reaches(instructions, ins.argval, ins.offset)
    )
    groups: list[list[tuple[int, int]]] = []
    for start, end in spans:
        group = next(
            (
                g
                for g in groups
                if any(start == s or s < start <= e < end or start < s <= end < e for s, e in g)
            ),
            None,
        )
        if group is None:
            groups.append([(start, end)])
        else:
            group.append((start, end))
    for group in groups:
        low, high = min(s for s, _ in group), max(e for _, e in group)
        lines = [
            n for ins in instructions if low <= ins.offset <= high if (n := _line(ins)) is not None
        ]
        found.append(Loop("a while loop", function, _while_line(code, lines)))
    return found


def _own_functions(obj: Any, home: dict[str, Any]) -> list[types.FunctionType]:
    """The plain Python functions of namespace `home` that `obj` is, wraps or holds.

    Looks one level into a dict, list or tuple, and into a partial's arguments.
    """
    found = []
    for candidate in (obj, *_contents(obj)):
        for item in _unwrapped(candidate):
            if isinstance(item, functools.partial):
                found += [
                    a
                    for a in (*item.args, *item.keywords.values())
                    if isinstance(a, types.FunctionType) and a.__globals__ is home
                ]
            if isinstance(item, types.FunctionType) and item.__globals__ is home:
                found.append(item)
    return found


def _inner_recursion(code: types.CodeType, function: str) -> list[Loop]:
    """The inner functions, in `code` or nested in it, that call themselves.

    Such a function calls itself through the enclosing function's variable of its own
    name (`def go(i): ... go(i + 1)` inside the answer).
    """
    found = []
    for inner in (c for c in code.co_consts if isinstance(c, types.CodeType)):
        calls_itself = inner.co_name in inner.co_freevars and any(
            ins.opname == "LOAD_DEREF" and ins.argval == inner.co_name
            for ins in dis.get_instructions(inner)
        )
        if calls_itself:
            found.append(
                Loop("recursion", f"{inner.co_name}() -> {inner.co_name}()", inner.co_firstlineno)
            )
        found += _inner_recursion(inner, function)
    return found


def _cycles(edges: dict[int, list[tuple[int, int | None]]], names: dict[int, str]) -> list[Loop]:
    """One `Loop("recursion", ...)` per cycle of the call graph `edges`.

    edges: function id -> [(callee id, line)]; one loop per strongly connected component
    that has an edge inside it.
    """
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    components: list[list[int]] = []

    def connect(v: int) -> None:  # Tarjan's algorithm; the graphs are a few functions deep
        index[v] = low[v] = len(index)
        stack.append(v)
        for w, _ in edges.get(v, []):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            components.append(component[::-1])

    for v in list(edges):
        if v not in index:
            connect(v)
    found = []
    for component in components:
        members = set(component)
        inside = [(v, w, line) for v in component for w, line in edges.get(v, []) if w in members]
        if not inside:
            continue
        v, w, line = inside[0]
        path = [v, *_path(edges, w, v, members)] if v != w else [v]
        cycle = " -> ".join(f"{names[u]}()" for u in [*path, v])
        found.append(Loop("recursion", cycle, line))
    return found


def _path(
    edges: dict[int, list[tuple[int, int | None]]], start: int, goal: int, within: set[int]
) -> list[int]:
    """The nodes of a shortest path from `start` to `goal` (excluded) inside `within`."""
    came: dict[int, int | None] = {start: None}
    queue = [start]
    while queue and goal not in came:
        v = queue.pop(0)
        for w, _ in edges.get(v, []):
            if w in within and w not in came:
                came[w] = v
                queue.append(w)
    path: list[int] = []
    node = came.get(goal)
    while node is not None:
        path.append(node)
        node = came[node]
    return path[::-1]


def find_python_loops(func: Callable) -> list[Loop]:
    """Every Python loop in `func` and in the student's own functions it uses.

    A loop is any of: a `for` or `while` loop; a list, set or dict comprehension or a
    generator expression; a use of `map`, `filter`, `functools.reduce`,
    `itertools.starmap`, `np.vectorize` (also a function it made, or one decorated with
    it), `np.apply_along_axis` or `np.frompyfunc` (also a ufunc it made); recursion,
    direct or mutual, or an inner function calling itself. Aliases are followed
    (`from functools import reduce as r`, `v = np.vectorize`, `import numpy as xp`).

    Scanned: `func`'s bytecode, the code nested in it (inner functions, lambdas,
    comprehensions), and the plain Python functions of `func`'s own namespace (the
    notebook, or module) that it uses (by name, alias, closure, default argument, partial,
    or in a dict, list or tuple it reads), each scanned once. Library code (numpy,
    `utils`) is not scanned: its loops are not the student's. Code built at run time
    (`exec`, `getattr(builtins, "map")`) is not seen.

    Works on the bytecode of Python 3.11, 3.12 and 3.13.
    """
    root = _unwrapped(func)[-1]
    found: list[Loop] = []
    for item in _unwrapped(func):
        kind = _looping_kind(item)
        if kind:
            return [Loop(kind, getattr(func, "__name__", "the function"), None)]
    if not isinstance(root, types.FunctionType):
        return found
    home = root.__globals__
    edges: dict[int, list[tuple[int, int | None]]] = {}
    names: dict[int, str] = {}
    todo = [root, *_own_functions(func, home)]
    while todo:
        fn = todo.pop(0)
        if id(fn) in edges:
            continue
        name = fn.__name__
        edges[id(fn)], names[id(fn)] = [], name
        codes = [fn.__code__]
        while codes:
            code = codes.pop(0)
            found += _bytecode_loops(code, name)
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        found += _inner_recursion(fn.__code__, name)
        uses = [(None, obj, True) for obj in _defaults(fn)] + [
            (load.ins, load.obj, load.fresh)
            for load in _loads(fn.__code__, fn.__globals__, _closure(fn))
        ]
        for ins, obj, fresh in uses:
            kind = _looping_kind(obj) or next(
                (k for c in _contents(obj) if (k := _looping_kind(c))), None
            )
            if kind and fresh:
                found.append(Loop(kind, name, _line(ins) if ins else fn.__code__.co_firstlineno))
            for helper in _own_functions(obj, home):
                edges[id(fn)].append((id(helper), _line(ins) if ins else None))
                todo.append(helper)
    found += _cycles(edges, names)
    return found


def count_python_loops(func: Callable) -> int:
    """The number of Python loops in `func` and in the student's own functions it uses.

    That is `len(find_python_loops(func))` (see there for what counts as a loop). A helper
    the answer calls twice counts once. Test cells use `assert_vectorized` (0 loops, or at
    most `allowed_loops`) and `assert_has_loop` rather than this number.
    """
    return len(find_python_loops(func))


def count_python_steps(func: Callable, *args: Any, **kwargs: Any) -> int:
    """The number of Python-level steps while `func(*args, **kwargs)` runs.

    Steps are lines run and calls made, C functions' calls included; the result of the
    call is discarded. A dynamic complement to `find_python_loops`: vectorized code takes
    the same number of steps for 4 examples as for 64, while a loop over the examples takes
    more steps for more examples. Compare two sizes in a test cell:

        small = checks.count_python_steps(predict, w, b, X[:, :4])
        large = checks.count_python_steps(predict, w, b, X[:, :64])
        assert small == large, "predict: the work grows with m: a loop over the examples?"

    A loop whose per-item work is all C (`map(abs, v)`, `np.vectorize(abs)`) is invisible
    here; the static scan sees it. The trace and profile functions in place before are
    restored (also when `func` raises), and the garbage collector is paused meanwhile.
    """
    steps = 0

    def count(frame: Any, event: str, arg: Any) -> Any:
        nonlocal steps
        steps += 1
        return count

    old_trace, old_profile, collecting = sys.gettrace(), sys.getprofile(), gc.isenabled()
    gc.disable()
    sys.settrace(count)
    sys.setprofile(count)
    try:
        func(*args, **kwargs)
    finally:
        sys.settrace(old_trace)
        sys.setprofile(old_profile)
        if collecting:
            gc.enable()
    return steps


def _listed(loops: list[Loop], most: int = 3) -> str:
    shown = ", ".join(str(loop) for loop in loops[:most])
    return shown + (f" and {len(loops) - most} more" if len(loops) > most else "")


def assert_vectorized(
    func: Callable, name: str | None = None, *, allowed_loops: int = 0, why: str = ""
) -> None:
    """Fail when `func` (or a function of the student's it uses) holds too many Python loops.

    Too many is more than `allowed_loops`, of any form `find_python_loops` knows: for,
    while, comprehensions, map, filter, recursion, np.vectorize, ... The message names the
    loops found (what, in which function, on which line) and hints to vectorize with numpy;
    `why`, when given, is added to the hint (e.g. "one matrix product handles all m
    examples at once"). `allowed_loops=1` is for an answer that legitimately loops once
    (over the layers, over the iterations) and must not also loop over the examples.
    `name` (default: `func.__name__`) is used in the message.
    """
    name = name or getattr(func, "__name__", "the function")
    loops = find_python_loops(func)
    if len(loops) <= allowed_loops:
        return
    if allowed_loops == 0:
        what = f"{name}: found a Python loop where vectorized code is expected: {_listed(loops)}"
        advice = "vectorize with numpy: operate on whole arrays (no loop over the examples)"
    else:
        s = "" if allowed_loops == 1 else "s"
        what = (
            f"{name}: found {len(loops)} Python loops, at most {allowed_loops} loop{s} "
            f"expected: {_listed(loops)}"
        )
        advice = "keep the expected loop and vectorize the rest with numpy"
    _fail(_message(what, f"{advice}; {why}" if why else advice))


def assert_has_loop(
    func: Callable, name: str | None = None, *, what: str = "the loop over the m examples"
) -> None:
    """Fail when `func` holds no Python loop at all (see `find_python_loops`).

    For an exercise that asks for the loop version, so that the vectorized one is not
    accepted. `what` names the loop the exercise asks for; `name` defaults to
    `func.__name__`.
    """
    name = name or getattr(func, "__name__", "the function")
    if not find_python_loops(func):
        _fail(
            _message(
                f"{name}: no Python loop found, but this exercise asks for {what}",
                f"write {what} as an explicit for loop; the vectorized version is another exercise",
            )
        )
