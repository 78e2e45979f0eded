"""Numba kernels of the bootstrap (`tradeperf.metrics.confidence`).

They compute means and standard deviations of resamples, summed exactly as NumPy sums
(pairwise, in blocks of 128), so that they equal ``np.mean``/``np.std`` bit for bit.

A module of its own so that importing the metrics does not import Numba.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_PAIRWISE_BLOCK = 128  # NumPy's PW_BLOCKSIZE


@njit(cache=True, nogil=True)
def _block_sum(
    a: np.ndarray,
    lo: int,
    n: int,
    center: float,
    square: bool,  # noqa: FBT001 (Numba kernels take their arguments by position)
) -> float:  # pragma: no cover
    """NumPy's sum of one block of at most 128 values: 8 running partial sums."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            v = a[i]
            if square:
                v = (v - center) * (v - center)
            res += v
        return res
    r = np.empty(8)
    for j in range(8):
        v = a[lo + j]
        if square:
            v = (v - center) * (v - center)
        r[j] = v
    stop = n - n % 8
    i = 8
    while i < stop:
        for j in range(8):
            v = a[lo + i + j]
            if square:
                v = (v - center) * (v - center)
            r[j] += v
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        v = a[lo + i]
        if square:
            v = (v - center) * (v - center)
        res += v
        i += 1
    return float(res)


@njit(cache=True, nogil=True)
def _pairwise_sum(  # pragma: no cover
    a: np.ndarray,
    n: int,
    center: float,
    square: bool,  # noqa: FBT001 (Numba kernels take their arguments by position)
) -> float:
    """NumPy's pairwise float64 sum of a[:n], or of (a - center)**2 when `square`.

    The same additions in the same order as ``np.add.reduce`` on a contiguous row (blocks of at
    most 128 values, halves split at multiples of 8, left + right), hence the same float;
    `tests/metrics/test_confidence.py` checks it against NumPy bit for bit. Iterative (an
    explicit stack), as Numba's cache does not take recursive functions well.
    """
    task_lo = np.empty(256, np.int64)
    task_n = np.empty(256, np.int64)
    task_join = np.zeros(256, np.bool_)
    sums = np.empty(128)
    top = 0
    task_lo[0] = 0
    task_n[0] = n
    task_join[0] = False
    depth = 0
    while top >= 0:
        lo = task_lo[top]
        m = task_n[top]
        join = task_join[top]
        top -= 1
        if join:
            depth -= 1
            sums[depth - 1] = sums[depth - 1] + sums[depth]
        elif m <= _PAIRWISE_BLOCK:
            sums[depth] = _block_sum(a, lo, m, center, square)
            depth += 1
        else:
            half = m // 2
            half -= half % 8
            top += 1  # after both halves: left + right
            task_lo[top] = lo
            task_n[top] = m
            task_join[top] = True
            top += 1  # right half second
            task_lo[top] = lo + half
            task_n[top] = m - half
            task_join[top] = False
            top += 1  # left half first
            task_lo[top] = lo
            task_n[top] = half
            task_join[top] = False
    return float(sums[0])


@njit(cache=True, nogil=True)
def resample_kernel(  # pragma: no cover
    x: np.ndarray,
    idx: np.ndarray,
    with_std: bool,  # noqa: FBT001 (Numba kernels take their arguments by position)
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample deviation (ddof=1) of x[idx[r]] per row r, as ``np.mean``/``np.std``.

    Without the (rows, n) matrix of resampled values: one row buffer, the squared deviations
    summed on the fly. NumPy's std is sqrt(sum((x - mean)**2) / (n - 1)) with the mean and the
    sum both pairwise; so is this one, so the floats are the same.
    """
    rows, n = idx.shape
    buf = np.empty(n)
    means = np.empty(rows)
    stds = np.full(rows, np.nan)
    for r in range(rows):
        for j in range(n):
            buf[j] = x[idx[r, j]]
        mean = _pairwise_sum(buf, n, 0.0, False) / n
        means[r] = mean
        if with_std and n > 1:
            stds[r] = np.sqrt(_pairwise_sum(buf, n, mean, True) / (n - 1))
    return means, stds
