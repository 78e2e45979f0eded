"""The ledger's kernels give the same results compiled by Numba as run as Python (a write of a
few thousand fills runs them uncompiled: `tradeperf.ledger._kernel.compiled`)."""

from __future__ import annotations

import numpy as np

from tradeperf.ledger._kernel import COMPILE_FROM, compiled, match_lots, range_min_max


def test_compiled_only_from_the_threshold() -> None:
    assert compiled(match_lots, COMPILE_FROM - 1) is match_lots
    assert compiled(match_lots, COMPILE_FROM) is not match_lots


def test_match_lots_compiled_equals_python() -> None:
    rng = np.random.default_rng(3)
    n = 5_000
    codes = rng.integers(0, 7, n).astype(np.int64)
    sq = rng.integers(1, 400, n).astype(np.int64) * rng.choice([-1, 1], n)
    gorder = np.argsort(codes, kind="stable").astype(np.int64)
    for lifo in (False, True):
        fast = compiled(match_lots, COMPILE_FROM)(gorder, codes, sq, lifo)
        slow = match_lots(gorder, codes, sq, lifo)
        assert len(fast) == len(slow) == 13
        for a, b in zip(fast, slow, strict=True):
            np.testing.assert_array_equal(a, b)
        assert len(fast[0]) > n // 2  # pieces were matched


def test_range_min_max_compiled_equals_python() -> None:
    rng = np.random.default_rng(4)
    prices = rng.integers(1, 10_000, 2_000).astype(np.int64)
    lo = rng.integers(0, 2_000, 300).astype(np.int64)
    hi = np.minimum(lo + rng.integers(0, 50, 300), 2_000).astype(np.int64)
    fast = compiled(range_min_max, COMPILE_FROM)(prices, lo, hi)
    slow = range_min_max(prices, lo, hi)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    k = int(np.flatnonzero(hi > lo)[0])
    assert slow[0][k] == prices[lo[k] : hi[k]].min()
    assert slow[2][k]
