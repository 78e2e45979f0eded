"""Money columns as exact scaled integers, for the array code of the ledger.

The batch kernel and the valuation at instants read them: value = integer × 10**−k, k the
fewest fractional digits that hold every value of the column.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import numpy as np
import pyarrow as pa

from tradeperf.ledger._exact import EXACT
from tradeperf.records import MONEY_TYPE

_SAMPLE = 4096


def _holds(arr: pa.Array, k: int) -> bool:
    """Tell whether every value of ``arr`` has at most ``k`` fractional digits (a safe cast)."""
    try:
        arr.cast(pa.decimal128(38, k))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def frac_digits(arr: pa.Array) -> int:
    """Smallest k such that every value has at most k fractional digits (0..18).

    The k of a sample (the first 4096 values) is tried on the whole column first (one cast);
    a binary search over casts runs only when the sample's k is too small.

    Examples
    --------
    >>> from decimal import Decimal
    >>> frac_digits(pa.array([Decimal("1.5"), Decimal("2.25")], pa.decimal128(38, 18)))
    2
    """
    if len(arr) > _SAMPLE:
        k = frac_digits(arr.slice(0, _SAMPLE))
        if _holds(arr, k):
            return k
    lo, hi = 0, 18
    while lo < hi:
        mid = (lo + hi) // 2
        if _holds(arr, mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def scaled_ints(arr: pa.Array, k: int) -> np.ndarray:
    """Return the values of a decimal array times 10**k as integers, shape (n,).

    They are int64 when all fit, else an object array. ``k`` must hold every value
    (`frac_digits`): the cast is safe.
    """
    return _words_to_ints(arr.cast(pa.decimal128(38, k)))


def scaled(arr: pa.Array) -> tuple[np.ndarray, int]:
    """Return (`scaled_ints` of ``arr`` at `frac_digits` of it, that k).

    The whole column is cast once when its first values' k holds every value (the common
    case). A column of `narrowed` type (``decimal128(38, k)``, k < 18) is read at its k, as
    it is.
    """
    t = arr.type
    if isinstance(t, pa.Decimal128Type) and t.precision == 38 and t.scale < 18:
        return _words_to_ints(arr), t.scale
    k = frac_digits(arr.slice(0, _SAMPLE))
    try:
        cast = arr.cast(pa.decimal128(38, k))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        k = frac_digits(arr)
        return scaled_ints(arr, k), k
    return _words_to_ints(cast), k


def narrowed(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Cast ``arr`` (decimal) to ``decimal128(38, k)``, k its `frac_digits`.

    That is the type that `scaled` then reads at once, without looking for the scale again
    (a column cut into many slices is narrowed once, whole).
    """
    a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return a.cast(pa.decimal128(38, frac_digits(a)))


def _words_to_ints(a: pa.Array) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0, np.int64)
    data = np.frombuffer(a.buffers()[1], dtype=np.int64)[2 * a.offset : 2 * (a.offset + len(a))]
    lo = data[0::2]
    hi = data[1::2]
    if np.array_equal(hi, lo >> 63):
        return lo.copy()
    return np.asarray(hi.astype(object) * (1 << 64) + lo.view(np.uint64).astype(object))


# -- vectorised exact arithmetic on scaled integers -----------------------------------------
#: The bound under which products of scaled integers are computed in int64.
I64_BOUND: Final = 2**62


def fits_int64(*bounds: int) -> bool:
    """Tell whether a product of values bounded by ``bounds`` (in absolute value) fits int64."""
    out = 1
    for b in bounds:
        out *= max(int(b), 1)
    return out < I64_BOUND


def max_abs(a: np.ndarray) -> int:
    """Give max |a| as a Python int (0 when empty; exact for int64's minimum too)."""
    if a.size == 0:
        return 0
    return max(abs(int(a.max())), abs(int(a.min())))


def as_object(a: np.ndarray) -> np.ndarray:
    """Give ``a`` as an object array of Python ints (itself when it already is one)."""
    return a if a.dtype == object else a.astype(object)


def div_round_half_even(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """Divide ``num / den`` elementwise, rounded half to even, on object integers (den > 0)."""
    num = as_object(np.asarray(num))
    den_a = as_object(np.asarray(den)) if isinstance(den, np.ndarray) else den
    q = num // den_a
    r = num - q * den_a
    twice = 2 * r
    up = np.asarray(twice > den_a, dtype=bool) | (
        np.asarray(twice == den_a, dtype=bool) & np.asarray(q % 2 == 1, dtype=bool)
    )
    return np.asarray(q + up.astype(np.int64))


def to_scale18(values: np.ndarray, scale: int) -> np.ndarray:
    """Give integers at ``scale`` as object integers in units of 1e-18, rounded half-even."""
    v = as_object(values)
    if scale > 18:
        return div_round_half_even(v, 10 ** (scale - 18))
    return np.asarray(v * 10 ** (18 - scale))


def money_array(values: np.ndarray, scale: int) -> pa.Array:
    """Give integers at ``scale`` as a `MONEY_TYPE` array (rounded half-even to 18 digits)."""
    n = len(values)
    if scale > 18:
        values = div_round_half_even(values, 10 ** (scale - 18))
        scale = 18
    if values.dtype == object:
        lo = (values & ((1 << 64) - 1)).astype(np.uint64).view(np.int64)
        hi = (values >> 64).astype(np.int64)
    else:
        lo = values.astype(np.int64)
        hi = lo >> 63
    buf = np.empty(2 * n, np.int64)
    buf[0::2] = lo
    buf[1::2] = hi
    arr = pa.Array.from_buffers(pa.decimal128(38, scale), n, [None, pa.py_buffer(buf)])
    return arr.cast(MONEY_TYPE)


def decimal_at(v: int, scale: int) -> Decimal:
    """Give the exact Decimal ``v`` × 10**−``scale`` (exponent −``scale``)."""
    return Decimal(int(v)).scaleb(-scale, context=EXACT)


def units_at(v: Decimal, scale: int) -> int:
    """Give ``v`` as an integer of units of 10**−``scale`` (``scale`` holds it exactly)."""
    return int(v.scaleb(scale, context=EXACT))
