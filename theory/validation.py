"""Parameter validation shared by every package: each check names the parameter and the
assumption it breaks, so a bad call fails where it enters with a message a user can act on.

Two families of checks:

* ``require_*`` take one number and return a Python ``float`` or ``int`` (used where a
  parameter is a single setting: a learning rate, a number of trials).
* ``*_array`` take a number or an array-like and return a ``float64`` NumPy array (0-d for a
  number), checking the *whole array at once* with NumPy reductions (``min``, ``max``, one
  ``rint`` comparison for integers), never element by element in Python: on 10**6 elements a
  check costs a few passes over memory (``benchmarks/bench_formulas.py``). The numeric
  formulas of :mod:`theory` take their arguments through these and return a ``float`` when
  every argument is a number (:func:`scalar_or_array`), an array broadcast from the arguments'
  shapes otherwise.

Rules common to both families:

* ``bool`` is not a number here (``True`` would silently mean 1), nor a ``bool`` array;
  boolean *options* accept only ``True`` or ``False`` (:func:`require_bool`).
* A number beyond the float range (a Python ``int`` such as ``10**400``, a ``Fraction`` or
  ``Decimal`` too large for a float) raises ``ValueError`` naming the parameter. No numeric
  function computes such inputs exactly; the SymPy expressions do (e.g.
  ``EXPECTED_PAIRS.subs({n: 10**400, m: 10**401})`` is an exact rational).
* torch tensors are refused with a one-line hint (``.detach().cpu().numpy()``): the closed
  forms here are evaluated in NumPy (float64) and return NumPy values; converting a CUDA
  tensor silently would copy it off the device.

>>> require_int("n", 3.0)
3
>>> require_int("n", 2.5)
Traceback (most recent call last):
...
ValueError: n must be an integer (a count); got 2.5
>>> int_array("n", [1, 2, 3], minimum=1)
array([1., 2., 3.])
>>> int_array("n", [1, 2.5])
Traceback (most recent call last):
...
ValueError: n must be an integer (a count); got 2.5 (element 1)
>>> int_array("n", 10**400)
Traceback (most recent call last):
...
ValueError: n must be within the float range (|n| < 1.8e+308); got an integer of 401 digits
>>> require_bool("exact", "no")
Traceback (most recent call last):
...
ValueError: exact must be True or False; got 'no'
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "require_bool",
    "real_array",
    "int_array",
    "positive_array",
    "nonnegative_array",
    "interval_array",
    "m_ge_n_arrays",
    "scalar_or_array",
    "require_int",
    "require_real",
    "require_positive",
    "require_nonnegative",
    "require_in_interval",
    "require_m_ge_n",
]


def _scalar(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.number)):
        raise ValueError(f"{name} must be a real number; got {_short(value)}")
    if isinstance(value, np.number) and not isinstance(value, (np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number; got {_short(value)}")  # complex
    x = _to_float(name, value)
    if math.isnan(x):
        raise ValueError(f"{name} must not be NaN")
    return x


_FLOAT_MAX = float(np.finfo(np.float64).max)


def _short(value: Any) -> str:
    """A one-line, bounded ``repr`` for messages (arrays and long values are cut)."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _beyond(name: str, value: Any) -> ValueError:
    if isinstance(value, numbers.Integral):
        what = f"an integer of {len(str(abs(int(value))))} digits"
    else:
        what = _short(value)
    return ValueError(f"{name} must be within the float range (|{name}| < {_FLOAT_MAX:.2g}); got {what}")


def _to_float(name: str, value: Any) -> float:
    """``float(value)`` for a real number, or ``ValueError`` when it lies beyond the float range
    (``float(10**400)`` raises ``OverflowError``; ``float(Decimal('1e400'))`` silently gives inf)."""
    try:
        x = float(value)
    except OverflowError:
        raise _beyond(name, value) from None
    if math.isinf(x) and not _is_inf(value):
        raise _beyond(name, value)
    return x


def _is_inf(value: Any) -> bool:
    """Whether a real number is itself infinite (as opposed to too large for a float)."""
    if isinstance(value, (float, np.floating)):
        return bool(np.isinf(value))
    is_infinite = getattr(value, "is_infinite", None)  # decimal.Decimal
    return bool(is_infinite()) if callable(is_infinite) else False


def require_real(name: str, value: Any, *, finite: bool = True) -> float:
    """A real, non-NaN number (finite unless ``finite=False``)."""
    x = _scalar(name, value)
    if finite and math.isinf(x):
        raise ValueError(f"{name} must be finite; got {x}")
    return x


def require_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """An integer count (an integral float such as ``3.0`` is accepted), at least ``minimum``."""
    x = require_real(name, value)
    if x != int(x):
        raise ValueError(f"{name} must be an integer (a count); got {value!r}")
    k = int(x)
    if minimum is not None and k < minimum:
        raise ValueError(f"{name} must satisfy {name} >= {minimum}; got {k}")
    return k


def require_positive(name: str, value: Any) -> float:
    x = require_real(name, value)
    if x <= 0:
        raise ValueError(f"{name} must satisfy {name} > 0; got {x}")
    return x


def require_nonnegative(name: str, value: Any) -> float:
    x = require_real(name, value)
    if x < 0:
        raise ValueError(f"{name} must satisfy {name} >= 0; got {x}")
    return x


def require_in_interval(
    name: str,
    value: Any,
    lo: float,
    hi: float,
    *,
    closed_lo: bool = True,
    closed_hi: bool = True,
) -> float:
    """``lo <= value <= hi`` with each end open or closed as asked; the message states the interval."""
    x = require_real(name, value, finite=False)
    ok_lo = x >= lo if closed_lo else x > lo
    ok_hi = x <= hi if closed_hi else x < hi
    if not (ok_lo and ok_hi):
        left = "<=" if closed_lo else "<"
        right = "<=" if closed_hi else "<"
        raise ValueError(f"{name} must satisfy {lo:g} {left} {name} {right} {hi:g}; got {x}")
    return x


def require_m_ge_n(n: Any, m: Any) -> tuple[int, int]:
    """Paper 1 (§1.1, §2.1) assumes ``m >= n``: at least as many neurons as features."""
    n_ = require_int("n", n, minimum=1)
    m_ = require_int("m", m, minimum=1)
    if m_ < n_:
        raise ValueError(
            f"m must satisfy m >= n (paper 1 §2.1: at least as many neurons as features); got n={n_}, m={m_}"
        )
    return n_, m_


# --- whole-array checks -------------------------------------------------------------------


def require_bool(name: str, value: Any) -> bool:
    """A boolean option: exactly ``True`` or ``False`` (or a NumPy bool); anything else, even a
    truthy string such as ``'no'`` or the integer 1, is refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(f"{name} must be True or False; got {_short(value)}")


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".", 1)[0] == "torch"


def real_array(name: str, value: Any, *, finite: bool = True, allow_nan: bool = False) -> np.ndarray:
    """``value`` as a ``float64`` array (0-d for a number): real, no NaN (unless ``allow_nan``),
    finite unless ``finite=False``. Integers, floats of any width and arrays of them are
    accepted; ``bool``, complex, strings, objects that are not real numbers, numbers beyond the
    float range and torch tensors are refused with a ``ValueError`` naming ``name``."""
    arr = _float_array(name, value)
    if arr.size and not allow_nan:
        lo, hi = arr.min(), arr.max()  # NaN propagates through both reductions
        if np.isnan(lo) or np.isnan(hi):
            raise ValueError(f"{name} must not be NaN{_where(arr, np.isnan(arr))}")
        if finite and (lo == -np.inf or hi == np.inf):
            bad = np.isinf(arr)
            raise ValueError(f"{name} must be finite; got {_first(arr, bad)}{_where(arr, bad)}")
    return arr


def int_array(name: str, value: Any, *, minimum: int | None = None) -> np.ndarray:
    """Integer counts as a ``float64`` array (integral floats such as ``3.0`` are accepted),
    each at least ``minimum``. One ``rint`` comparison over the array decides integrality."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "iu" and value.size:
        # integers of a NumPy integer dtype are finite and integral: only the minimum to check
        # (on the integers themselves, before the one conversion to float64)
        lo = value.min()
        arr = value.astype(np.float64)
    else:
        arr = _float_array(name, value)
        if not arr.size:
            return arr
        lo, hi = arr.min(), arr.max()
        if np.isnan(lo) or np.isnan(hi):
            raise ValueError(f"{name} must not be NaN{_where(arr, np.isnan(arr))}")
        if lo == -np.inf or hi == np.inf:
            bad = np.isinf(arr)
            raise ValueError(f"{name} must be finite; got {_first(arr, bad)}{_where(arr, bad)}")
        if not _origin_int(value):
            frac = np.rint(arr) != arr
            if frac.any():
                raise ValueError(f"{name} must be an integer (a count); got {_first(arr, frac)}{_where(arr, frac)}")
    if arr.size:
        if minimum is not None and lo < minimum:
            bad = arr < minimum
            raise ValueError(f"{name} must satisfy {name} >= {minimum}; got {_first(arr, bad, int)}{_where(arr, bad)}")
    return arr


def positive_array(name: str, value: Any) -> np.ndarray:
    """Real numbers ``> 0`` (finite) as a ``float64`` array."""
    arr = real_array(name, value)
    if arr.size and arr.min() <= 0:
        bad = arr <= 0
        raise ValueError(f"{name} must satisfy {name} > 0; got {_first(arr, bad)}{_where(arr, bad)}")
    return arr


def nonnegative_array(name: str, value: Any) -> np.ndarray:
    """Real numbers ``>= 0`` (finite) as a ``float64`` array."""
    arr = real_array(name, value)
    if arr.size and arr.min() < 0:
        bad = arr < 0
        raise ValueError(f"{name} must satisfy {name} >= 0; got {_first(arr, bad)}{_where(arr, bad)}")
    return arr


def interval_array(
    name: str,
    value: Any,
    lo: float,
    hi: float,
    *,
    closed_lo: bool = True,
    closed_hi: bool = True,
) -> np.ndarray:
    """Real numbers in the interval from ``lo`` to ``hi``, each end open or closed as asked
    (the message states the interval, as :func:`require_in_interval` does)."""
    arr = real_array(name, value, finite=False)
    if arr.size:
        amin, amax = arr.min(), arr.max()
        ok_lo = amin >= lo if closed_lo else amin > lo
        ok_hi = amax <= hi if closed_hi else amax < hi
        if not (ok_lo and ok_hi):
            bad = ~(((arr >= lo) if closed_lo else (arr > lo)) & ((arr <= hi) if closed_hi else (arr < hi)))
            left = "<=" if closed_lo else "<"
            right = "<=" if closed_hi else "<"
            raise ValueError(f"{name} must satisfy {lo:g} {left} {name} {right} {hi:g}; got {_first(arr, bad)}{_where(arr, bad)}")
    return arr


def m_ge_n_arrays(n: Any, m: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer arrays ``n >= 1`` and ``m >= n`` (paper 1 §1.1, §2.1: at least as many neurons as
    features), broadcast against each other; returned as ``float64`` arrays in their own shapes."""
    nn = int_array("n", n, minimum=1)
    mm = int_array("m", m, minimum=1)
    try:
        short = np.less(mm, nn)
    except ValueError:
        raise ValueError(f"n and m must broadcast to one shape; got shapes {nn.shape} and {mm.shape}") from None
    if short.any():
        idx = np.unravel_index(int(np.argmax(short)), short.shape) if short.ndim else ()
        a, b = np.broadcast_arrays(nn, mm)
        raise ValueError(
            "m must satisfy m >= n (paper 1 §2.1: at least as many neurons as features); "
            f"got n={int(a[idx])}, m={int(b[idx])}{_where(short, short)}"
        )
    return nn, mm


def scalar_or_array(out: Any, *inputs: np.ndarray) -> Any:
    """Scalars in, scalars out: a Python ``float`` when every input is 0-d, else ``out`` as an
    array of the inputs' broadcast shape (a formula that does not use an input, such as
    ``1/m`` of ``(n, m)``, still broadcasts against it)."""
    if all(np.ndim(x) == 0 for x in inputs):
        return float(out)
    shape = np.broadcast_shapes(*(np.shape(x) for x in inputs))
    if np.shape(out) != shape:
        out = np.broadcast_to(out, shape).copy()
    return out


def _origin_int(value: Any) -> bool:
    """Whether ``value`` was an integer array or number before conversion (no integrality check needed)."""
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is not None:
        return kind in "iu"
    return isinstance(value, numbers.Integral)


def _float_array(name: str, value: Any) -> np.ndarray:
    """Convert ``value`` to ``float64`` once, refusing what is not a real number."""
    if _is_tensor(value):
        raise ValueError(
            f"{name} must be a number or a NumPy array, not a torch tensor; pass tensor.detach().cpu().numpy()"
        )
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    elif isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        if isinstance(value, int) and not -_FLOAT_MAX <= value <= _FLOAT_MAX:
            raise _beyond(name, value)
        arr = np.asarray(value)
    else:
        if isinstance(value, (str, bytes)):
            raise ValueError(f"{name} must be a real number; got {_short(value)}")
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError, OverflowError):
            raise ValueError(f"{name} must be a real number or an array of them; got {_short(value)}") from None
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype.itemsize > 8:  # long double: values may exceed the float64 range
            with np.errstate(over="ignore"):
                out = arr.astype(np.float64)
            over = np.isinf(out) & ~np.isinf(arr)
            if over.any():
                raise _beyond(name, arr[over].flat[0])
            return out
        return arr.astype(np.float64, copy=False)
    if kind in "iu":
        return arr.astype(np.float64)
    if kind == "O":
        return _object_array(name, arr)
    if kind == "b":
        raise ValueError(f"{name} must be a real number; got {_short(value)}")
    raise ValueError(f"{name} must be a real number or an array of them; got {_short(value)}")


def _object_array(name: str, arr: np.ndarray) -> np.ndarray:
    """An object array (Python ints beyond int64, Fractions, Decimals): element by element,
    the slow path that only such inputs take."""
    out = np.empty(arr.shape, dtype=np.float64)
    flat = out.reshape(-1)
    for idx, v in enumerate(arr.reshape(-1)):
        flat[idx] = _scalar(name, v) if not isinstance(v, (float, np.floating)) or not math.isnan(v) else math.nan
    return out


def _first(arr: np.ndarray, bad: np.ndarray, cast: Any = None) -> Any:
    """The first offending element, as a number (for the message)."""
    v = np.broadcast_to(arr, bad.shape)[bad].flat[0] if bad.ndim else arr[()]
    v = float(v)
    if cast is int and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def _where(arr: np.ndarray, bad: np.ndarray) -> str:
    """`` (element i)`` for an array, nothing for a number."""
    if bad.ndim == 0:
        return ""
    flat = int(np.argmax(bad.reshape(-1)))
    idx = tuple(int(i) for i in np.unravel_index(flat, bad.shape))
    return f" (element {idx[0] if len(idx) == 1 else idx})"
