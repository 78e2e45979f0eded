"""Money columns as exact scaled integers, for the array code of the ledger.

The batch kernel and the valuation at instants read them: value = integer × 10**−k, k the
fewest fractional digits that hold every value of the column.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

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
