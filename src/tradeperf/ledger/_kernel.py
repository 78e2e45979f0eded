"""Kernels of the batch ledger: lot matching on int64 scaled quantities, mark ranges.

They are plain Python functions that Numba compiles (`compiled`) when the input is large
enough to pay for loading Numba and its cached machine code (about 1 s in a fresh process);
a write of a few thousand fills runs them as Python, which is exact on the same inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np

#: Inputs (fills, marks) from which a kernel runs compiled: below it, Python is faster than
#: loading Numba (measured: bench/books.py, the append row).
COMPILE_FROM: Final = 50_000

_COMPILED: dict[Callable[..., Any], Callable[..., Any]] = {}


def compiled(kernel: Callable[..., Any], size: int) -> Callable[..., Any]:
    """Return ``kernel`` compiled by Numba when ``size`` is at least `COMPILE_FROM`, else itself.

    The compiled kernel is Numba's ``njit`` of it, cached on disk; below `COMPILE_FROM`,
    ``kernel`` itself runs, with the same results (integer arithmetic).

    Parameters
    ----------
    kernel
        The plain Python kernel function (e.g. `match_lots`, `range_min_max`).
    size
        The size of the input it will run on (fills, marks), compared with `COMPILE_FROM`.
    """
    if size < COMPILE_FROM:
        return kernel
    if kernel not in _COMPILED:
        from numba import njit  # imported when used: it costs a fresh process ~0.5 s

        _COMPILED[kernel] = njit(cache=True, nogil=True)(kernel)
    return _COMPILED[kernel]


def match_lots(  # pragma: no cover
    gorder: np.ndarray,
    codes: np.ndarray,
    sq: np.ndarray,
    lifo: bool,  # noqa: FBT001 (Numba kernels take their arguments by position)
) -> tuple[np.ndarray, ...]:
    """Match lots per group in processing order.

    Parameters
    ----------
    gorder
        int64 fill indices, sorted by group then by ledger order (time, input order).
    codes
        int64 group code (account, symbol) per fill.
    sq
        int64 signed scaled quantity per fill (+ buy, − sell), never 0. Call it uncompiled
        with an object array of Python ints when the scaled quantities exceed int64.
    lifo
        True for LIFO, False for FIFO.

    Returns
    -------
    rows_open, rows_close, rows_q, rows_ep : one row per matched piece (opening fill index,
        closing fill index, quantity, episode id), grouped by closing fill in ledger order.
    closed_part : per fill, the quantity it closed.
    open_ep, close_ep : per fill, the episode its opening / closing part belongs to (−1).
    ep_first, ep_last, ep_group, ep_num : per episode, its first opening fill, the fill that
        closed it (−1 while open), its group code, its 1-based number within the group.
    rem_fill, rem_q : open lots left at the end (fill index, remaining quantity), by group.
    """
    n = gorder.shape[0]
    cap = 2 * n
    rows_open = np.empty(cap, np.int64)
    rows_close = np.empty(cap, np.int64)
    # quantities take the dtype of ``sq`` (int64 compiled; Python ints through ``.py_func``)
    rows_q = np.concatenate((np.zeros_like(sq), np.zeros_like(sq)))
    rows_ep = np.empty(cap, np.int64)
    closed_part = np.zeros_like(sq)
    open_ep = np.full(n, -1, np.int64)
    close_ep = np.full(n, -1, np.int64)
    ep_first = np.empty(n, np.int64)
    ep_last = np.full(n, -1, np.int64)
    ep_group = np.empty(n, np.int64)
    ep_num = np.empty(n, np.int64)
    lot_fill = np.empty(n, np.int64)
    lot_q = np.zeros_like(sq)
    rem_fill = np.empty(n, np.int64)
    rem_q = np.zeros_like(sq)
    m = 0
    n_ep = 0
    n_rem = 0
    i = 0
    while i < n:
        g = codes[gorder[i]]
        head = 0
        tail = 0
        pos = 0
        cur = -1
        num = 0
        while i < n and codes[gorder[i]] == g:
            f = gorder[i]
            s = sq[f]
            left = s if s > 0 else -s
            if pos != 0 and (pos > 0) != (s > 0):
                held = pos if pos > 0 else -pos
                c = left if left < held else held
                closed_part[f] = c
                close_ep[f] = cur
                take = c
                while take > 0:
                    j = tail - 1 if lifo else head
                    q = lot_q[j] if lot_q[j] < take else take
                    rows_open[m] = lot_fill[j]
                    rows_close[m] = f
                    rows_q[m] = q
                    rows_ep[m] = cur
                    m += 1
                    lot_q[j] -= q
                    take -= q
                    if lot_q[j] == 0:
                        if lifo:
                            tail -= 1
                        else:
                            head += 1
                pos += c if s > 0 else -c
                left -= c
                if pos == 0:
                    ep_last[cur] = f
                    cur = -1
                    head = 0
                    tail = 0
            if left > 0:
                if pos == 0:
                    cur = n_ep
                    n_ep += 1
                    num += 1
                    ep_first[cur] = f
                    ep_group[cur] = g
                    ep_num[cur] = num
                open_ep[f] = cur
                lot_fill[tail] = f
                lot_q[tail] = left
                tail += 1
                pos += left if s > 0 else -left
            i += 1
        for j in range(head, tail):
            rem_fill[n_rem] = lot_fill[j]
            rem_q[n_rem] = lot_q[j]
            n_rem += 1
    return (
        rows_open[:m],
        rows_close[:m],
        rows_q[:m],
        rows_ep[:m],
        closed_part,
        open_ep,
        close_ep,
        ep_first[:n_ep],
        ep_last[:n_ep],
        ep_group[:n_ep],
        ep_num[:n_ep],
        rem_fill[:n_rem],
        rem_q[:n_rem],
    )


def range_min_max(  # pragma: no cover
    prices: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min and max of ``prices[lo[k]:hi[k]]`` per k; ``has[k]`` False for an empty range."""
    k_n = lo.shape[0]
    pmin = np.zeros(k_n, np.int64)
    pmax = np.zeros(k_n, np.int64)
    has = np.zeros(k_n, np.bool_)
    for k in range(k_n):
        a = lo[k]
        b = hi[k]
        if b > a:
            mn = prices[a]
            mx = prices[a]
            for j in range(a + 1, b):
                v = prices[j]
                if v < mn:
                    mn = v
                if v > mx:
                    mx = v
            pmin[k] = mn
            pmax[k] = mx
            has[k] = True
    return pmin, pmax, has
