"""Distribution statistics of markouts over a full cube of groups, without a sort per group.

The observations (one per fill, float64 bps, NaN = missing) are grouped once into *leaves*,
the finest groups (one value of every dimension). Each leaf's values are sorted once; a coarser
group (a dimension at ``"*"``) is a union of leaves, whose order statistics are found by
selection across the leaves' sorted runs (`kth_of_runs`), and whose moments merge the leaves'
(Chan, Golub & LeVeque 1979). So a cube of 2^d grouping sets costs one sort of the data, not
2^d.

Definitions (docs/markouts.md): ``count`` the observations with a value, ``missing`` those
without; ``mean``; ``median``, ``p5`` and ``p95`` by linear interpolation between order
statistics (position (n − 1)·q, as NumPy's and pandas' default); ``std`` the sample standard
deviation (n − 1 in the denominator; None below 2 values); ``notional_weighted_mean``
Σ wᵢxᵢ / Σ wᵢ over the observations with a value (wᵢ = |quantity|·price·multiplier).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

#: The label of a dimension's "all" value in a cube row.
ALL: Final = "*"
QUANTILES: Final = (0.05, 0.5, 0.95)


def kth_of_runs(runs: Sequence[np.ndarray], k: int) -> float:
    """Return the k-th smallest value (0-based) of the union of sorted arrays.

    Each step takes the middle of the widest remaining range as a pivot and counts, by
    binary search in every run, the values below and at it; the ranges shrink by half.

    Raises
    ------
    IndexError
        If ``k`` is outside the union.

    Examples
    --------
    >>> kth_of_runs([np.array([1.0, 4.0, 9.0]), np.array([2.0, 3.0])], 3)
    4.0
    """
    total = sum(len(r) for r in runs)
    if not 0 <= k < total:
        raise IndexError(f"k={k} outside 0..{total - 1}")
    lo = [0] * len(runs)
    hi = [len(r) for r in runs]
    while True:
        widest = max(range(len(runs)), key=lambda i: hi[i] - lo[i])
        pivot = runs[widest][(lo[widest] + hi[widest]) // 2]
        below = [int(np.searchsorted(r, pivot, side="left")) for r in runs]
        upto = [int(np.searchsorted(r, pivot, side="right")) for r in runs]
        if sum(below) <= k < sum(upto):
            return float(pivot)
        if k < sum(below):
            hi = [min(h, b) for h, b in zip(hi, below, strict=True)]
        else:
            lo = [max(lo_, u) for lo_, u in zip(lo, upto, strict=True)]


def _next_of_runs(runs: Sequence[np.ndarray], value: float, k: int) -> float:
    """Return the (k+1)-th smallest value given that the k-th is ``value``."""
    if sum(int(np.searchsorted(r, value, side="right")) for r in runs) > k + 1:
        return value
    after = [r[i] for r in runs if (i := int(np.searchsorted(r, value, side="right"))) < len(r)]
    return float(min(after))


def quantile_of_runs(runs: Sequence[np.ndarray], q: float) -> float:
    """Linear-interpolation quantile (NumPy's default) of the union of sorted runs.

    Examples
    --------
    >>> quantile_of_runs([np.array([1.0, 4.0, 9.0]), np.array([2.0, 3.0])], 0.5)
    3.0
    """
    n = sum(len(r) for r in runs)
    pos = (n - 1) * q
    low = int(np.floor(pos))
    frac = pos - low
    if len(runs) == 1:
        run = runs[0]
        a = float(run[low])
        b = float(run[low + 1]) if frac and low + 1 < n else a
    else:
        a = kth_of_runs(runs, low)
        b = _next_of_runs(runs, a, low) if frac and low + 1 < n else a
    return a if b == a else a + (b - a) * frac


@dataclass(frozen=True, slots=True)
class _Moments:
    n: int
    mean: float
    m2: float
    wsum: float
    wxsum: float
    extra: tuple[float, ...] = ()

    def merge(self, other: _Moments) -> _Moments:
        """Chan et al.'s pairwise update of count, mean and sum of squared deviations."""
        extra = tuple(a + b for a, b in zip(self.extra, other.extra, strict=True))
        n = self.n + other.n
        if other.n == 0 or self.n == 0:
            base = self if other.n == 0 else other
            mean, m2 = base.mean, base.m2
        else:
            delta = other.mean - self.mean
            mean = self.mean + delta * other.n / n
            m2 = self.m2 + other.m2 + delta * delta * self.n * other.n / n
        return _Moments(n, mean, m2, self.wsum + other.wsum, self.wxsum + other.wxsum, extra)


class LeafGroups:
    """Observations grouped into the leaves of a cube over ``dims``.

    Parameters
    ----------
    codes
        Dimension name -> int array (one code per observation, ``0 <= code < len(labels)``).
    labels
        Dimension name -> the label of each code. Dimensions are cubed in this order.

    Examples
    --------
    >>> g = LeafGroups({"side": np.array([0, 1, 0])}, {"side": ["BUY", "SELL"]})
    >>> rows = g.stats(np.array([1.0, 2.0, np.nan]), np.ones(3))
    >>> [(r["side"], r["count"], r["missing"], r["mean"]) for r in rows]
    [('*', 2, 1, 1.5), ('BUY', 1, 1, 1.0), ('SELL', 1, 0, 2.0)]
    """

    def __init__(self, codes: Mapping[str, np.ndarray], labels: Mapping[str, Sequence[str]]):
        self.dims = list(labels)
        self.labels = {d: list(labels[d]) for d in self.dims}
        sizes = [max(len(self.labels[d]), 1) for d in self.dims]
        n = len(next(iter(codes.values()))) if codes else 0
        leaf = np.zeros(n, dtype=np.int64)
        for d, size in zip(self.dims, sizes, strict=True):
            leaf = leaf * size + np.asarray(codes[d], dtype=np.int64)
        self.sizes = sizes
        self.n_leaves = int(np.prod(sizes)) if sizes else 1
        self.order: np.ndarray | None = None  # None: the observations are in leaf order
        if n > 1 and not bool(np.all(leaf[1:] >= leaf[:-1])):
            small = leaf.astype(np.int16 if self.n_leaves < 2**15 else np.int32)
            self.order = np.argsort(small, kind="stable")  # a radix sort for small integers
        counts = np.bincount(leaf, minlength=self.n_leaves)
        self.bounds = np.concatenate([[0], np.cumsum(counts)])
        self.leaf = leaf

    def arrange(self, values: np.ndarray) -> np.ndarray:
        """Reorder observations (the rows of a 1-D or 2-D array) leaf by leaf, as `stats` wants.

        A 2-D result is in Fortran order, so that each column's leaves are contiguous.
        """
        out = values if self.order is None else values[self.order]
        return np.asfortranarray(out) if out.ndim == 2 else out

    def _leaf_coords(self, leaf: int) -> tuple[int, ...]:
        coords = []
        for size in reversed(self.sizes):
            coords.append(leaf % size)
            leaf //= size
        return tuple(reversed(coords))

    def stats(
        self,
        values: np.ndarray,
        weights: np.ndarray,
        extra: Mapping[str, np.ndarray] | None = None,
        *,
        arranged: bool = False,
    ) -> list[dict[str, object]]:
        """Return one row per group of the cube: the dimension labels and the statistics.

        Parameters
        ----------
        values
            float64 observations (bps), NaN where missing, in the order of the codes.
        weights
            float64 notional of each observation (for the notional-weighted mean).
        extra
            name -> float64 array: each row also gets the mean of it over the observations
            counted (those with a value), under that name.
        arranged
            Whether the arrays are already in leaf order (`arrange`): several statistics of
            the same observations then share one reordering.

        Rows come in a fixed order: grouping sets from the coarsest (every dimension
        ``"*"``) to the finest, and within a set by the labels' codes; groups with no
        observation at all are left out.
        """
        names = list(extra or {})
        xs = values if arranged else self.arrange(values)
        ws = weights if arranged else self.arrange(weights)
        es = (
            [
                np.asarray(extra[n]) if arranged else self.arrange(np.asarray(extra[n]))
                for n in names
            ]
            if extra
            else []
        )
        runs: list[np.ndarray] = []
        moments: list[_Moments] = []
        totals: list[int] = []
        for i in range(self.n_leaves):
            a, b = int(self.bounds[i]), int(self.bounds[i + 1])
            x, w = xs[a:b], ws[a:b]
            x_sorted = np.sort(x)  # NaN (missing) sort last
            n = len(x_sorted)
            if n and np.isnan(x_sorted[-1]):
                n = int(np.searchsorted(x_sorted, np.nan, side="left"))
                ok = ~np.isnan(x)
                x, w = x[ok], w[ok]
                sums = tuple(float(np.sum(e[a:b][ok])) for e in es)
            else:  # the usual leaf: every fill has a value, no copy
                sums = tuple(float(np.sum(e[a:b])) for e in es)
            run = x_sorted[:n]
            runs.append(run)
            totals.append(b - a)
            if n:
                mean = float(np.mean(run))
                centred = run - mean
                m2 = float(np.dot(centred, centred))
                moments.append(_Moments(n, mean, m2, float(np.sum(w)), float(np.dot(w, x)), sums))
            else:
                moments.append(_Moments(0, 0.0, 0.0, 0.0, 0.0, sums))
        coords = [self._leaf_coords(i) for i in range(self.n_leaves)]
        rows: list[dict[str, object]] = []
        d = len(self.dims)
        for kept in range(d + 1):
            for subset in itertools.combinations(range(d), kept):
                groups: dict[tuple[int, ...], list[int]] = {}
                for i, c in enumerate(coords):
                    groups.setdefault(tuple(c[j] for j in subset), []).append(i)
                for key in sorted(groups):
                    leaves = groups[key]
                    total = sum(totals[i] for i in leaves)
                    if total == 0:
                        continue
                    row: dict[str, object] = {dim: ALL for dim in self.dims}
                    for j, code in zip(subset, key, strict=True):
                        row[self.dims[j]] = self.labels[self.dims[j]][code]
                    parts = [moments[i] for i in leaves]
                    row.update(_summary([runs[i] for i in leaves], parts, names))
                    row["missing"] = total - int(row["count"])  # type: ignore[call-overload]
                    rows.append(row)
        return rows


def _summary(
    runs: list[np.ndarray], moments: list[_Moments], names: list[str]
) -> dict[str, object]:
    m = moments[0]
    for part in moments[1:]:
        m = m.merge(part)
    runs = [r for r in runs if len(r)]
    out: dict[str, object] = {"count": m.n}
    if m.n == 0:
        out.update(mean=None, median=None, p5=None, p95=None, std=None, notional_weighted_mean=None)
        out.update({name: None for name in names})
        return out
    p5, median, p95 = (quantile_of_runs(runs, q) for q in QUANTILES)
    out.update(
        mean=m.mean,
        median=median,
        p5=p5,
        p95=p95,
        std=float(np.sqrt(m.m2 / (m.n - 1))) if m.n > 1 else None,
        notional_weighted_mean=(m.wxsum / m.wsum) if m.wsum > 0 else None,
    )
    out.update({name: total / m.n for name, total in zip(names, m.extra, strict=True)})
    return out
